// SectorDaemonTest: the fixture the sector integration tests share. Each
// test gets its own temp dir with a fresh ledger and a real qtraced started
// with --plugin-dir QTRACE_SECTOR_PLUGIN_DIR (every built sector plugin), an
// HTTP client on its port, the platform admin's key, and the calls the tests
// make over HTTP: signed record posts, signed GETs, party registration and
// refusal checks. What differs between sectors (the sector name, the default
// event time, extra daemon flags, the signing clock) is a parameter.
//
// This file is a helper, not a test: its name does not end in _test.cc, so
// the glob in CMakeLists.txt does not make a test binary of it.
#ifndef QTRACE_TESTS_SECTORS_SECTOR_DAEMON_H_
#define QTRACE_TESTS_SECTORS_SECTOR_DAEMON_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/http_client.h"
#include "qtrace/status.h"
#include "testing/daemon_process.h"
#include "testing/must.h"
#include "testing/temp_dir.h"

namespace qtrace::testing {

// Deadline `kind` ("acknowledge", "complete", ...) of a recall status's
// "plan": its "hours" (or `unit` "working_days"); -1 when the plan has no
// such deadline or counts it the other way.
inline int64_t PlanDue(const boost::json::object& plan, std::string_view kind,
                       std::string_view unit = "hours") {
  for (const auto& d : plan.at("deadlines").as_array()) {
    const auto& o = d.as_object();
    if (o.at("kind").as_string() != kind) continue;
    const boost::json::value* v = o.if_contains(unit);
    return v ? v->to_number<int64_t>() : -1;
  }
  return -1;
}

// Milestone `what` ("file_plan", "summary", ...) of a recall status's
// "deadlines"; empty when the plan sets none.
inline boost::json::object Milestone(const boost::json::object& status, std::string_view what) {
  for (const auto& d : status.at("deadlines").as_array()) {
    if (d.as_object().at("what").as_string() == what) return d.as_object();
  }
  return {};
}

// Whether a registered party names the fixture's sector in "sectors".
enum class PartySectors { kListed, kOmitted };

class SectorDaemonTest : public ::testing::Test {
 protected:
  // `sector`: the plugin's sector ("pharma"); parties are registered in it
  // (unless `party_sectors` is kOmitted) and refusals name it.
  // `default_event_time`: the event_time of a posted record that has none.
  SectorDaemonTest(std::string sector, std::string default_event_time,
                   PartySectors party_sectors = PartySectors::kListed);

  // Initializes the ledger, loads the admin key as "platform-admin" and
  // starts the daemon with --plugin-dir and extra_daemon_args_. A fixture
  // that registers parties in its own SetUp calls this first, under
  // ASSERT_NO_FATAL_FAILURE.
  void SetUp() override;
  // Stops the daemon with SIGTERM and expects a clean exit.
  void TearDown() override;

  // Posts `record_json` signed by `party` (its "party" and, when missing,
  // "event_time" filled in) to /v1/records as a FlatBuffers envelope.
  HttpResponse Post(const std::string& party, const std::string& record_json);
  HttpResponse Post(const std::string& party, const std::string& record_json,
                    const std::string& event_time);
  // Asserts the record was accepted (HTTP 201).
  static void Ok(const HttpResponse& r);
  void Ok(const std::string& party, const std::string& record_json);
  void Ok(const std::string& party, const std::string& record_json, const std::string& event_time);

  // A GET of `target` signed by `party` at SigningTime().
  HttpResponse SignedGet(const std::string& party, const std::string& target);
  // The same, expecting HTTP 200; the body as a JSON object.
  boost::json::object Get(const std::string& party, const std::string& target);
  // The second a request is signed at: now, by default.
  virtual int64_t SigningTime();

  // Registers party `id` with `role` and a new key (kept in keys_), through
  // platform-admin; `extra` is more JSON members ("licences":[...]) or "".
  void AddParty(const std::string& id, const std::string& role, const std::string& extra = "");

  // A shipment of `qty` of `lot` from `from` to `to` and its receipt, both
  // at `at`; each must be accepted.
  void ShipAndReceive(const std::string& from, const std::string& to, const std::string& id,
                      const std::string& lot, const std::string& qty, const std::string& at);

  // The log size the daemon reports at /healthz.
  int64_t LogSize();
  // The "reason" of a refusal, or "" when the body has none.
  static std::string Reason(const HttpResponse& r);
  // Posts a record that must be refused with `code`, by the sector plugin's
  // `rule` (a detail "<sector> <rule> ...") or, when `rule` is empty, by the
  // host core; and checks that the log did not grow.
  void Refused(const std::string& party, const std::string& record_json, const std::string& code,
               const std::string& rule);
  // The parties named in a recall's status.
  static std::set<std::string> Parties(const boost::json::object& status);

  const std::string sector_;
  const std::string default_event_time_;
  const PartySectors party_sectors_;
  // Flags given to the daemon after --plugin-dir; set before SetUp.
  std::vector<std::string> extra_daemon_args_;

  TempDir dir_;
  std::string data_;
  std::map<std::string, PrivateKey> keys_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<HttpClient> http_;
};

}  // namespace qtrace::testing

#endif  // QTRACE_TESTS_SECTORS_SECTOR_DAEMON_H_
