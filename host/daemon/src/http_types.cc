#include "qtrace/host/http_types.h"

#include <boost/json.hpp>
#include <strings.h>

namespace qtrace::host {

std::string Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && ::strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

Response ErrorResponse(const Status& status) {
  boost::json::object o;
  o["code"] = StatusCodeName(status.code());
  o["reason"] = status.reason();
  o["message"] = status.message();
  boost::json::array details;
  for (const auto& d : status.details()) details.emplace_back(d);
  o["details"] = std::move(details);
  Response r;
  r.status = HttpStatusFor(status.code());
  r.body = boost::json::serialize(o);
  if (status.code() == StatusCode::kResourceExhausted || status.code() == StatusCode::kUnavailable) {
    r.headers.emplace_back("Retry-After", "1");
  }
  return r;
}

Response JsonResponse(int http_status, std::string body) {
  Response r;
  r.status = http_status;
  r.body = std::move(body);
  return r;
}

}  // namespace qtrace::host
