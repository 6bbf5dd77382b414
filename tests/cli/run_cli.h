// Runs the built `qtrace` binary (QTRACE_CLI_PATH) with arguments, without a
// shell, and captures its exit code, stdout and stderr.
#ifndef QTRACE_TESTS_CLI_RUN_CLI_H_
#define QTRACE_TESTS_CLI_RUN_CLI_H_

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace qtrace::testing {

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string ReadAll(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0)
    s.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return s;
}

inline CliResult RunCli(const std::vector<std::string>& args) {
  // stdout and stderr go to temp files, so a chatty child cannot block on a
  // full pipe while we wait for it.
  char out_path[] = "/tmp/qtrace-cli-out-XXXXXX";
  char err_path[] = "/tmp/qtrace-cli-err-XXXXXX";
  const int out_fd = ::mkstemp(out_path), err_fd = ::mkstemp(err_path);
  std::vector<char*> argv;
  std::string binary = QTRACE_CLI_PATH;
  argv.push_back(binary.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ::lseek(out_fd, 0, SEEK_SET);
  ::lseek(err_fd, 0, SEEK_SET);
  r.out = ReadAll(out_fd);
  r.err = ReadAll(err_fd);
  ::unlink(out_path);
  ::unlink(err_path);
  return r;
}

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_CLI_RUN_CLI_H_
