// Human output of the online commands: aligned text tables (display width
// aware, so CJK names line up) and a progress bar for long imports.
//
// Thread-safety: single-threaded, like main().
#ifndef QTRACE_HOST_CLI_OUTPUT_H_
#define QTRACE_HOST_CLI_OUTPUT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace qtrace::cli {

// Columns separated by two spaces, a header row in upper case; the last
// column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  // `indent` spaces before every line.
  std::string Render(size_t indent = 0) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Columns a UTF-8 string takes in a terminal (East Asian wide characters 2).
size_t DisplayWidth(std::string_view s);

// "key   value" lines with the keys padded to one width.
std::string KeyValues(const std::vector<std::pair<std::string, std::string>>& rows,
                      size_t indent = 0);

// A one-line progress bar on stderr, redrawn in place; silent unless
// `enabled` (callers enable it when stderr is a terminal).
class ProgressBar {
 public:
  ProgressBar(size_t total, bool enabled);
  ~ProgressBar();
  void Update(size_t done, size_t accepted, size_t rejected);
  void Finish();

 private:
  size_t total_;
  bool enabled_;
  bool finished_ = false;
};

}  // namespace qtrace::cli

#endif  // QTRACE_HOST_CLI_OUTPUT_H_
