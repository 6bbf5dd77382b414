// register_batch: registers a batch of lots for one party against a running
// qtraced with the installed qtrace SDK, and prints a receipt per lot. It is
// built outside the qtrace tree (see CMakeLists.txt) to show what an
// enterprise's own program needs: find_package(qtrace) and qtrace::sdk.
//
//   register_batch --server http://127.0.0.1:8420 --key farm.key \
//       --product local:crab-feed --sector agriculture --prefix F-25 --count 10 \
//       --quantity "2 TNE" --produced 2026-04-20T08:00:00+08:00 \
//       [--party lakeside-feed] [--host-key host.pub] [--receipts DIR]
//
// The product is registered first when it is not yet (an "already exists"
// refusal is fine). Each lot's event time is its production time, so the
// signed records are the same bytes on every run and running again
// registers nothing twice (the server answers "already accepted"). With --host-key every receipt is
// verified offline before it is printed. Exit 0 when every lot was accepted (now or before), 1 when
// the server refused any, 2 for a bad command line.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "qtrace/client.h"

namespace {

int Usage(const char* why) {
  std::fprintf(stderr,
               "register_batch: %s\n"
               "usage: register_batch --server URL --key FILE --product SCHEME:ID --count N\n"
               "         [--sector S] [--prefix P] [--quantity Q] [--produced TIME]\n"
               "         [--party ID] [--host-key PEM] [--origin O] [--receipts DIR]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags = {{"sector", "agriculture"},
                                              {"prefix", "LOT-"},
                                              {"quantity", "1 TNE"},
                                              {"produced", "2026-04-20T08:00:00+08:00"}};
  for (int i = 1; i < argc; i += 2) {
    if (std::strncmp(argv[i], "--", 2) != 0 || i + 1 >= argc)
      return Usage("flags are --name value");
    flags[argv[i] + 2] = argv[i + 1];
  }
  for (const char* required : {"server", "key", "product", "count"}) {
    if (flags[required].empty())
      return Usage(("--" + std::string(required) + " is required").c_str());
  }
  int count = std::atoi(flags["count"].c_str());
  if (count <= 0 || count > 100000) return Usage("--count is 1-100000");

  auto key = qtrace::PrivateKey::LoadPem(flags["key"]);
  if (!key.ok()) return Usage(key.status().ToString().c_str());
  qtrace::ClientOptions options;
  options.party = flags["party"];  // empty: looked up from the key
  if (!flags["host-key"].empty()) {
    auto host_key = qtrace::VerifyingKey::LoadPem(flags["host-key"]);
    if (!host_key.ok()) return Usage(host_key.status().ToString().c_str());
    std::string origin = flags["origin"];
    if (origin.empty()) {
      // Learn the log's origin from its checkpoint; the host key still has
      // to have signed it for any receipt to verify.
      auto probe = qtrace::Client::Create(flags["server"], std::nullopt);
      if (!probe.ok()) return Usage(probe.status().ToString().c_str());
      auto cp = (*probe)->GetCheckpoint();
      if (!cp.ok()) {
        std::fprintf(stderr, "register_batch: %s\n", cp.status().ToString().c_str());
        return 1;
      }
      origin = cp->checkpoint.origin;
    }
    options.verify_receipts = true;
    options.verifier = qtrace::LogVerifier(*host_key, origin);
  }
  auto client = qtrace::Client::Create(flags["server"], *key, options);
  if (!client.ok()) return Usage(client.status().ToString().c_str());
  qtrace::Client& c = **client;

  auto party = c.Party();
  if (!party.ok()) {
    std::fprintf(stderr, "register_batch: who is this key? %s\n",
                 party.status().ToString().c_str());
    return 1;
  }
  auto product = c.RegisterProduct({.product = flags["product"], .sector = flags["sector"]});
  if (!product.ok() && product.status().code() != qtrace::StatusCode::kAlreadyExists) {
    std::fprintf(stderr, "register_batch: product %s: %s\n", flags["product"].c_str(),
                 product.status().ToString().c_str());
    return 1;
  }

  // Sign every lot first, then send them in batches (the client splits
  // them into requests and retries a request that fails in transit).
  std::vector<std::string> lots;
  std::vector<qtrace::SignedEnvelope> envelopes;
  for (int i = 1; i <= count; ++i) {
    char code[64];
    std::snprintf(code, sizeof code, "%s%03d", flags["prefix"].c_str(), i);
    qtrace::LotSpec lot{.lot = flags["product"] + "/" + code,
                        .quantity = flags["quantity"],
                        .production_time = flags["produced"],
                        .attributes = {qtrace::Attribute::Int("batch_seq", i)},
                        // A fixed event time makes the signed record the same
                        // bytes on every run, so running again is a no-op.
                        .event_time = flags["produced"]};
    auto env = c.Sign(qtrace::ToRecordJson(lot));
    if (!env.ok()) {
      std::fprintf(stderr, "register_batch: lot %s: %s\n", lot.lot.c_str(),
                   env.status().ToString().c_str());
      return 2;
    }
    lots.push_back(lot.lot);
    envelopes.push_back(std::move(*env));
  }
  auto results = c.SubmitBatch(envelopes);
  if (!results.ok()) {
    std::fprintf(stderr, "register_batch: %s\n", results.status().ToString().c_str());
    return 1;
  }
  int refused = 0;
  std::printf("%d lots for %s\n", count, party->c_str());
  for (size_t i = 0; i < results->size(); ++i) {
    const qtrace::BatchItemResult& r = (*results)[i];
    if (!r.status.ok()) {
      ++refused;
      std::printf("  %-36s REFUSED %s\n", lots[i].c_str(), r.status.ToString().c_str());
      continue;
    }
    std::printf("  %-36s log %-6llu record %.16s  %s%s\n", lots[i].c_str(),
                static_cast<unsigned long long>(r.receipt->index), r.receipt->RecordIdHex().c_str(),
                r.receipt->duplicate ? "already registered" : "registered",
                r.receipt->verified ? ", receipt verified" : "");
    if (!flags["receipts"].empty()) {
      std::string name = lots[i].substr(lots[i].rfind('/') + 1);
      std::ofstream out(flags["receipts"] + "/" + name + ".tlog");
      out << r.receipt->ToProofText();
    }
  }
  std::printf("%zu accepted, %d refused\n", results->size() - refused, refused);
  return refused == 0 ? 0 : 1;
}
