// Plain HTTP request and response values passed between the Beast server
// (the only code that touches sockets) and the API handler, so handlers are
// tested without a network and Beast stays out of widely included headers.
#ifndef QTRACE_HOST_HTTP_TYPES_H_
#define QTRACE_HOST_HTTP_TYPES_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "qtrace/status.h"

namespace qtrace::host {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string Header(std::string_view name) const;  // case-insensitive, "" if absent
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// The one place a Status becomes an HTTP response:
// {"code": "...", "message": "...", "details": [...]} with the mapped status.
Response ErrorResponse(const Status& status);
Response JsonResponse(int http_status, std::string body);

using Reply = std::function<void(Response)>;

}  // namespace qtrace::host

#endif  // QTRACE_HOST_HTTP_TYPES_H_
