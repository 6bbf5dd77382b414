// A temporary directory for one test, removed when the object dies (unless
// QTRACE_KEEP_TEST_DIRS is set, for post-mortems).
#ifndef QTRACE_TESTS_TESTING_TEMP_DIR_H_
#define QTRACE_TESTS_TESTING_TEMP_DIR_H_

#include <string>

namespace qtrace::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_TESTING_TEMP_DIR_H_
