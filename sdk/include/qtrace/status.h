// Status and StatusOr<T>: how every qtrace component reports an expected
// failure. A Status is a code, a one-line message, an optional short machine
// reason (snake_case, e.g. "balance_negative", used for metrics and import
// summaries) and optional details (one line per individual reason, e.g. every
// rule a record violates). The codes map one to one onto HTTP statuses (see
// HttpStatusFor) so the daemon turns a Status into a response in one place.
//
// Thread-safety: values; a const Status may be read from many threads.
#ifndef QTRACE_STATUS_H_
#define QTRACE_STATUS_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace qtrace {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,     // 400: malformed input (bad bytes, bad field, bad JSON)
  kUnauthenticated,     // 401: bad or missing signature, unknown or revoked key
  kPermissionDenied,    // 403: the signer's role may not do this
  kNotFound,            // 404
  kAlreadyExists,       // 409: conflict (lot key reused by a different record)
  kPayloadTooLarge,     // 413
  kFailedPrecondition,  // 422: a rule is violated (balance, reference, time)
  kResourceExhausted,   // 429: overloaded, retry later
  kUnavailable,         // 503: not serving (store failed, shutting down)
  kInternal,            // 500: a bug or an I/O failure, never bad input
};

// Returns "ok", "invalid_argument", ... (stable, used in JSON errors).
std::string_view StatusCodeName(StatusCode code);
// Returns the HTTP status for a code (200 for kOk).
int HttpStatusFor(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, std::string reason = {},
         std::vector<std::string> details = {});

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  const std::string& message() const;
  // Short snake_case reason; defaults to the code's name.
  std::string_view reason() const;
  const std::vector<std::string>& details() const;

  // Returns a copy with `prefix: ` prepended to the message.
  Status WithPrefix(std::string_view prefix) const;
  // "invalid_argument: message [details...]"
  std::string ToString() const;

  friend bool operator==(const Status& a, const Status& b);

 private:
  struct Rep {
    StatusCode code;
    std::string message;
    std::string reason;
    std::vector<std::string> details;
  };
  std::shared_ptr<const Rep> rep_;  // null == OK; shared so copies are cheap
};

// Convenience constructors, one per code.
Status InvalidArgument(std::string message, std::string reason = {});
Status Unauthenticated(std::string message, std::string reason = {});
Status PermissionDenied(std::string message, std::string reason = {});
Status NotFound(std::string message, std::string reason = {});
Status AlreadyExists(std::string message, std::string reason = {});
Status PayloadTooLarge(std::string message, std::string reason = {});
Status FailedPrecondition(std::string message, std::string reason = {});
Status ResourceExhausted(std::string message, std::string reason = {});
Status Unavailable(std::string message, std::string reason = {});
Status Internal(std::string message, std::string reason = {});

// StatusOr<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  // An OK Status carries no value: it becomes an Internal error (as in
  // abseil), so `if (!s.ok()) return s.status();` never returns OK without a
  // value.
  StatusOr(const Status& status) : v_(NotOk(status)) {}  // NOLINT: implicit by design
  StatusOr(Status&& status) : v_(NotOk(std::move(status))) {}  // NOLINT
  StatusOr(const T& value) : v_(value) {}  // NOLINT
  StatusOr(T&& value) : v_(std::move(value)) {}  // NOLINT
  template <typename U,
            typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                        !std::is_same_v<std::decay_t<U>, Status> &&
                                        !std::is_same_v<std::decay_t<U>, T>>>
  StatusOr(U&& value) : v_(T(std::forward<U>(value))) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  static Status NotOk(Status s) {
    if (s.ok()) {
      return Status(StatusCode::kInternal,
                    "StatusOr constructed from an OK Status without a value");
    }
    return s;
  }

  std::variant<Status, T> v_;
};

}  // namespace qtrace

#define QT_STATUS_CONCAT_INNER_(a, b) a##b
#define QT_STATUS_CONCAT_(a, b) QT_STATUS_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` (a Status) is not OK.
#define QT_RETURN_IF_ERROR(expr)                    \
  do {                                              \
    ::qtrace::Status qt_status_ = (expr);           \
    if (!qt_status_.ok()) return qt_status_;        \
  } while (0)

// Declares or assigns `lhs` from a StatusOr expression, or returns its Status.
#define QT_ASSIGN_OR_RETURN(lhs, expr)                                     \
  QT_ASSIGN_OR_RETURN_IMPL_(QT_STATUS_CONCAT_(qt_statusor_, __LINE__), lhs, \
                            expr)
#define QT_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#endif  // QTRACE_STATUS_H_
