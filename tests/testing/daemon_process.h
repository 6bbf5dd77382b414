// DaemonProcess: a real qtraced child process on a loopback port chosen by
// the kernel (--listen 127.0.0.1:0 --port-file), for integration tests.
#ifndef QTRACE_TESTS_TESTING_DAEMON_PROCESS_H_
#define QTRACE_TESTS_TESTING_DAEMON_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "qtrace/status.h"

namespace qtrace::testing {

class DaemonProcess {
 public:
  DaemonProcess(std::string binary, std::string data_dir, std::vector<std::string> extra = {});
  ~DaemonProcess();  // SIGKILLs a still-running daemon

  // Starts the daemon and waits (up to 20 s) until it listens.
  Status Start();
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `sig` and waits; returns the exit code (128+signal if killed).
  int Stop(int sig);
  bool running() const { return pid_ > 0; }
  // Everything the daemon wrote to stderr so far.
  std::string Log() const;

 private:
  std::string binary_, data_dir_, port_file_, log_file_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_TESTING_DAEMON_PROCESS_H_
