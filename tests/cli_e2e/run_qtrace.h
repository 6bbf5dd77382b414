// Runs the built `qtrace` binary (QTRACE_CLI_PATH) without a shell, with
// extra environment variables and optional stdin text, and captures its exit
// code, stdout and stderr.
#ifndef QTRACE_TESTS_CLI_E2E_RUN_QTRACE_H_
#define QTRACE_TESTS_CLI_E2E_RUN_QTRACE_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace qtrace::testing {

struct QtraceRun {
  int exit_code = -1;
  std::string out, err;
};

inline std::string ReadWholeFd(int fd) {
  std::string s;
  char buf[4096];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return s;
}

inline QtraceRun RunQtrace(const std::vector<std::string>& args,
                           const std::vector<std::pair<std::string, std::string>>& env = {},
                           const std::string& stdin_text = {}) {
  char out_path[] = "/tmp/qtrace-e2e-out-XXXXXX";
  char err_path[] = "/tmp/qtrace-e2e-err-XXXXXX";
  char in_path[] = "/tmp/qtrace-e2e-in-XXXXXX";
  const int out_fd = ::mkstemp(out_path), err_fd = ::mkstemp(err_path), in_fd = ::mkstemp(in_path);
  if (!stdin_text.empty()) {
    (void)!::write(in_fd, stdin_text.data(), stdin_text.size());
    ::lseek(in_fd, 0, SEEK_SET);
  }
  std::string binary = QTRACE_CLI_PATH;
  std::vector<std::string> copy = args;
  std::vector<char*> argv{binary.data()};
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  QtraceRun r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = ReadWholeFd(out_fd);
  r.err = ReadWholeFd(err_fd);
  ::close(in_fd);
  ::unlink(out_path);
  ::unlink(err_path);
  ::unlink(in_path);
  return r;
}

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_CLI_E2E_RUN_QTRACE_H_
