// Crash consistency: a child process ingests continuously and reports every
// acknowledged record; the parent kills it with SIGKILL mid-stream. On
// reopen every acknowledged record is present, and the log, the Merkle tree,
// the latest checkpoint and the replayed state agree (Open checks that).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>

#include "qtrace/host/ledger.h"
#include "qtrace/record_json.h"
#include "testing/ledger_harness.h"

namespace qtrace::host {
namespace {

using qtrace::testing::LedgerHarness;

[[noreturn]] void ChildIngest(LedgerHarness& h, int fd) {
  h.Reopen();
  for (int round = 0;; ++round) {
    std::vector<SignedEnvelope> batch;
    for (int i = 0; i < 8; ++i) {
      std::string code = "L" + std::to_string(round) + "-" + std::to_string(i);
      batch.push_back(h.Sign("farm", R"({"type":"lot","lot":"local:rice/)" + code +
                                         R"(","quantity":"5 KGM",
          "production_time":"2026-06-01T08:00:00+08:00"})"));
    }
    auto rs = h.SubmitBatch(std::move(batch));
    std::string acks;
    for (int i = 0; i < 8; ++i) {
      if (!rs[i].status.ok()) _exit(3);
      acks += "L" + std::to_string(round) + "-" + std::to_string(i) + "\n";
    }
    if (::write(fd, acks.data(), acks.size()) != static_cast<ssize_t>(acks.size())) _exit(4);
  }
}

TEST(CrashTest, EveryAcknowledgedRecordSurvivesSigkill) {
  LedgerHarness h;
  h.AddEnterprise("farm");
  ASSERT_TRUE(h.Submit("farm", R"({"type":"product","scheme":"local","product_id":"rice",
      "sector":"agriculture"})").status.ok());
  h.Close();

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    ChildIngest(h, fds[1]);
  }
  ::close(fds[1]);
  std::string acked;
  char buf[4096];
  // Let it acknowledge a few hundred records, then kill it mid-flight.
  while (std::count(acked.begin(), acked.end(), '\n') < 400) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    ASSERT_GT(n, 0) << "child stopped early";
    acked.append(buf, static_cast<size_t>(n));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) acked.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);

  h.Reopen();  // fails if the log, tree, checkpoint or state disagree
  std::set<std::string> codes;
  size_t start = 0;
  for (size_t nl; (nl = acked.find('\n', start)) != std::string::npos; start = nl + 1) {
    codes.insert(acked.substr(start, nl - start));
  }
  ASSERT_GE(codes.size(), 400u);
  h.ledger().WithState([&](const LedgerState& s) {
    for (const auto& code : codes) {
      EXPECT_TRUE(s.FindLot(fb::IdScheme::LOCAL, "rice", code).has_value()) << code;
    }
    return 0;
  });
  // The store keeps accepting after the crash.
  EXPECT_TRUE(h.Submit("farm", R"({"type":"lot","lot":"local:rice/after","quantity":"1 KGM",
      "production_time":"2026-06-01T08:00:00+08:00"})").status.ok());
}

}  // namespace
}  // namespace qtrace::host
