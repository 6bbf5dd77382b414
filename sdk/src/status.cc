#include "qtrace/status.h"

namespace qtrace {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kUnauthenticated: return "unauthenticated";
    case StatusCode::kPermissionDenied: return "permission_denied";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kAlreadyExists: return "conflict";
    case StatusCode::kPayloadTooLarge: return "payload_too_large";
    case StatusCode::kFailedPrecondition: return "rule_violation";
    case StatusCode::kResourceExhausted: return "overloaded";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kPayloadTooLarge: return 413;
    case StatusCode::kFailedPrecondition: return 422;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

Status::Status(StatusCode code, std::string message, std::string reason,
               std::vector<std::string> details) {
  if (code == StatusCode::kOk) return;
  rep_ = std::make_shared<const Rep>(
      Rep{code, std::move(message), std::move(reason), std::move(details)});
}

const std::string& Status::message() const {
  static const std::string* const kEmpty = new std::string;
  return rep_ ? rep_->message : *kEmpty;
}

std::string_view Status::reason() const {
  if (!rep_) return "ok";
  if (!rep_->reason.empty()) return rep_->reason;
  return StatusCodeName(rep_->code);
}

const std::vector<std::string>& Status::details() const {
  static const std::vector<std::string>* const kEmpty =
      new std::vector<std::string>;
  return rep_ ? rep_->details : *kEmpty;
}

Status Status::WithPrefix(std::string_view prefix) const {
  if (ok()) return *this;
  return Status(rep_->code, std::string(prefix) + ": " + rep_->message,
                rep_->reason, rep_->details);
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(StatusCodeName(rep_->code));
  s += ": ";
  s += rep_->message;
  for (const auto& d : rep_->details) {
    s += "\n  - ";
    s += d;
  }
  return s;
}

bool operator==(const Status& a, const Status& b) {
  if (a.ok() || b.ok()) return a.ok() == b.ok();
  return a.code() == b.code() && a.message() == b.message() &&
         a.reason() == b.reason() && a.details() == b.details();
}

#define QT_DEFINE_CTOR(name, code)                          \
  Status name(std::string message, std::string reason) {    \
    return Status(StatusCode::code, std::move(message), std::move(reason)); \
  }
QT_DEFINE_CTOR(InvalidArgument, kInvalidArgument)
QT_DEFINE_CTOR(Unauthenticated, kUnauthenticated)
QT_DEFINE_CTOR(PermissionDenied, kPermissionDenied)
QT_DEFINE_CTOR(NotFound, kNotFound)
QT_DEFINE_CTOR(AlreadyExists, kAlreadyExists)
QT_DEFINE_CTOR(PayloadTooLarge, kPayloadTooLarge)
QT_DEFINE_CTOR(FailedPrecondition, kFailedPrecondition)
QT_DEFINE_CTOR(ResourceExhausted, kResourceExhausted)
QT_DEFINE_CTOR(Unavailable, kUnavailable)
QT_DEFINE_CTOR(Internal, kInternal)
#undef QT_DEFINE_CTOR

}  // namespace qtrace
