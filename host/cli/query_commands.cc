// The commands that read: get (lot, record, party, receipt), find, trace,
// and the online log commands added to `qtrace log` (checkpoint, proof,
// consistency). Tables by default, the server's JSON with --json.
#include <boost/json.hpp>
#include <memory>
#include <set>

#include "client_flags.h"
#include "output.h"
#include "qtrace/checkpoint.h"
#include "qtrace/encoding.h"
#include "qtrace/record_json.h"

namespace qtrace::cli {
namespace {

struct QueryArgs {
  ConnectionFlags conn;
  std::string what;  // lot ref, record id, party id
  std::string out;   // get receipt -o
  LotQuery lots;
  bool all = false;
  bool forward = false, backward = false, csv = false;
  std::optional<uint32_t> depth;
  std::optional<uint64_t> as_of;
  uint64_t index = 0, size = 0, from = 0, to = 0;
};

// True when a quantity like "0.5 TNE" is not zero.
bool NonZero(const std::string& q) {
  for (char c : q) {
    if (c == ' ') break;
    if (c >= '1' && c <= '9') return true;
  }
  return false;
}

// Who holds what of a lot: "super-a 400 KGM, super-b 400 KGM" ("" when no one).
std::string Holders(const LotState& l) {
  std::string s;
  for (const auto& h : l.holders) {
    bool holds = NonZero(h.held);
    bool transit = NonZero(h.in_transit);
    if (!holds && !transit) continue;
    if (!s.empty()) s += ", ";
    s += h.party + " " + (holds ? h.held : h.in_transit + " in transit");
  }
  return s;
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

std::string LotText(const LotState& l) {
  std::string out =
      KeyValues({{"lot", l.lot},
                 {"product", l.product + (l.sector.empty() ? "" : " (" + l.sector + ")")},
                 {"producer", l.producer},
                 {"quantity", l.quantity},
                 {"produced", l.production_time},
                 {"expires", l.expiry_time},
                 {"site", l.site},
                 {"status", l.status},
                 {"log index", std::to_string(l.log_index)}});
  Table t({"holder", "held", "produced", "received", "in transit", "shipped", "used", "consumed",
           "destroyed"});
  for (const auto& h : l.holders) {
    t.Add({h.party, h.held, OrDash(h.produced), OrDash(h.received), OrDash(h.in_transit),
           OrDash(h.shipped), OrDash(h.used), OrDash(h.consumed), OrDash(h.destroyed)});
  }
  return out + "\n" + t.Render();
}

CommandResult GetLot(QueryArgs& a) {
  if (auto p = ParseLotRef(a.what); !p.ok()) return UsageError(p.status().message());
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kRequired, &c)) return *e;
  auto lot = c->GetLot(a.what);
  if (!lot.ok()) return ServerError(lot.status(), "lot " + a.what);
  return Success(a.conn.json ? lot->json + "\n" : LotText(*lot));
}

CommandResult GetRecord(QueryArgs& a) {
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kRequired, &c)) return *e;
  auto r = c->GetRecord(a.what);
  if (!r.ok()) {
    if (r.status().reason() == "bad_record_id") return UsageError(r.status().message());
    return ServerError(r.status(), "record " + a.what);
  }
  if (a.conn.json) return Success(r->json + "\n");
  std::string out = KeyValues(
      {{"record", r->record_id},
       {"type", r->type},
       {"stated by", r->party},
       {"log index", std::to_string(r->index)},
       {"accepted at", r->record_time},
       {"signing key", r->key_id},
       {"leaf hash", r->leaf_hash},
       {"declared erroneous at",
        r->declared_erroneous_at ? "log index " + std::to_string(*r->declared_erroneous_at) : ""}});
  boost::system::error_code ec;
  auto v = boost::json::parse(r->record_json, ec);
  if (!ec) {
    out += "\n";
    // The readable record, one field per line.
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& kv : v.as_object()) {
      if (kv.key() == "type" || kv.key() == "party") continue;
      rows.emplace_back(std::string(kv.key()), kv.value().is_string()
                                                   ? std::string(kv.value().as_string())
                                                   : boost::json::serialize(kv.value()));
    }
    out += KeyValues(rows, 2);
  }
  return Success(out);
}

CommandResult GetParty(QueryArgs& a) {
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kRequired, &c)) return *e;
  auto p = c->GetParty(a.what);
  if (!p.ok()) return ServerError(p.status(), "party " + a.what);
  if (a.conn.json) return Success(p->json + "\n");
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  std::string licences;
  for (const auto& l : p->licences) {
    licences += (licences.empty() ? "" : ", ") + l.kind + " " + l.number;
  }
  std::string keys;
  for (const auto& k : p->keys) {
    keys += (keys.empty() ? "" : ", ") + k.key_id.substr(0, 16) + "..." +
            (k.revoked ? " (revoked)" : "");
  }
  return Success(KeyValues({{"party", p->party_id},
                            {"name", p->name},
                            {"roles", join(p->roles)},
                            {"sectors", join(p->sectors)},
                            {"licences", licences},
                            {"keys", keys},
                            {"gln", p->gln},
                            {"admin area", p->admin_area},
                            {"log index", std::to_string(p->log_index)}}));
}

CommandResult GetReceipt(QueryArgs& a) {
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kRequired, &c)) return *e;
  auto r = c->GetReceipt(a.what);
  if (!r.ok()) {
    if (r.status().reason() == "bad_record_id") return UsageError(r.status().message());
    return ServerError(r.status(), "receipt of " + a.what);
  }
  if (!a.out.empty()) {
    if (auto e = WriteFileArg("-o", a.out, *r)) return *e;
    return Success("receipt of record " + a.what.substr(0, 12) + " written to " + a.out +
                   (a.conn.host_key.empty() ? "" : " (verified)") + "\n");
  }
  return Success(*r);
}

CommandResult Find(QueryArgs& a) {
  if (a.lots.limit == 0 || a.lots.limit > 1000) return UsageError("--limit is 1-1000");
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kRequired, &c)) return *e;
  std::vector<LotState> lots;
  std::string next;
  if (a.all) {
    Status s = c->ForEachLot(a.lots, [&](const LotState& l) {
      lots.push_back(l);
      return true;
    });
    if (!s.ok()) return ServerError(s, "find");
  } else {
    auto page = c->FindLots(a.lots);
    if (!page.ok()) return ServerError(page.status(), "find");
    lots = std::move(page->lots);
    next = page->next_cursor;
  }
  if (a.conn.json) {
    boost::json::array arr;
    for (const auto& l : lots) arr.push_back(boost::json::parse(l.json));
    boost::json::object o{{"lots", std::move(arr)}};
    if (!next.empty()) o["next_cursor"] = next;
    return Success(boost::json::serialize(o) + "\n");
  }
  Table t({"lot", "product", "producer", "quantity", "produced", "site", "status", "held by"});
  for (const auto& l : lots) {
    t.Add({l.lot, l.product, l.producer, l.quantity, l.production_time, OrDash(l.site), l.status,
           OrDash(Holders(l))});
  }
  std::string out = t.Render();
  out += std::to_string(lots.size()) + " lot(s)";
  if (!next.empty()) out += "; more with --cursor " + next + " (or --all)";
  return Success(out + "\n");
}

CommandResult TraceCommand(QueryArgs& a) {
  if (a.forward == a.backward) return UsageError("say --forward or --backward");
  if (auto p = ParseLotRef(a.what); !p.ok()) return UsageError(p.status().message());
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kRequired, &c)) return *e;
  TraceDirection dir = a.forward ? TraceDirection::kForward : TraceDirection::kBackward;
  TraceQuery q{a.depth, a.as_of};
  if (a.csv) {
    auto csv = c->TraceCsv(a.what, dir, q);
    if (!csv.ok()) return ServerError(csv.status(), "trace " + a.what);
    return Success(*csv);
  }
  auto t = c->Trace(a.what, dir, q);
  if (!t.ok()) return ServerError(t.status(), "trace " + a.what);
  if (a.conn.json) return Success(t->json + "\n");
  Table table({"depth", "lot", "product", "producer", "reached via", "held by"});
  std::set<std::string> holders, producers;
  for (const auto& s : t->steps) {
    std::string indent(2 * s.depth, ' ');
    table.Add({std::to_string(s.depth), indent + s.lot.lot, s.lot.product, s.lot.producer,
               s.depth == 0 ? "(start)" : s.via, OrDash(Holders(s.lot))});
    producers.insert(s.lot.producer);
    for (const auto& h : s.lot.holders) {
      if (NonZero(h.held) || NonZero(h.in_transit)) holders.insert(h.party);
    }
  }
  std::string out = table.Render();
  auto join = [](const std::set<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  out += std::to_string(t->steps.size()) + " lot(s) " +
         (a.forward ? "downstream of " : "upstream of ") + a.what + " (as of log index " +
         std::to_string(t->as_of) + (t->truncated ? ", truncated" : "") + ")\n";
  if (a.forward) {
    out += "holders now: " + OrDash(join(holders)) + "\n";
  } else {
    out += "producers: " + OrDash(join(producers)) + "\n";
  }
  if (t->hidden_lots > 0) {
    out += std::to_string(t->hidden_lots) + " lot(s) not visible to you are left out\n";
  }
  return Success(out);
}

// ---- log (online) -------------------------------------------------------------------------

CommandResult Checkpoint(QueryArgs& a) {
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kNone, &c)) return *e;
  auto cp = c->GetCheckpoint();
  if (!cp.ok()) return ServerError(cp.status(), "checkpoint");
  if (a.conn.json) {
    boost::json::object o{{"origin", cp->checkpoint.origin},
                          {"size", cp->checkpoint.size},
                          {"root", Base64Encode(AsBytes(cp->checkpoint.root))},
                          {"time", FormatCheckpointTime(cp->checkpoint.time_micros)},
                          {"verified", cp->verified},
                          {"note", cp->note}};
    return Success(boost::json::serialize(o) + "\n");
  }
  std::string out = cp->note;
  out += cp->verified ? "signature: valid (host key " + a.conn.host_key + ")\n"
                      : "signature: not checked (give --host-key)\n";
  return Success(out);
}

CommandResult Proof(QueryArgs& a) {
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kNone, &c)) return *e;
  auto p = c->GetInclusionProof(a.index, a.size);
  if (!p.ok()) return ServerError(p.status(), "inclusion proof");
  boost::json::array proof;
  for (const auto& h : p->proof) proof.emplace_back(Base64Encode(AsBytes(h)));
  boost::json::object o{{"index", p->index},
                        {"size", p->size},
                        {"leaf_hash", Base64Encode(AsBytes(p->leaf_hash))},
                        {"proof", proof}};
  if (a.conn.json) return Success(boost::json::serialize(o) + "\n");
  std::string out = KeyValues({{"index", std::to_string(p->index)},
                               {"tree size", std::to_string(p->size)},
                               {"leaf hash", Base64Encode(AsBytes(p->leaf_hash))}});
  for (const auto& h : p->proof) out += "proof  " + Base64Encode(AsBytes(h)) + "\n";
  return Success(out);
}

CommandResult Consistency(QueryArgs& a) {
  std::unique_ptr<Client> c;
  if (auto e = MakeClient(a.conn, KeyUse::kNone, &c)) return *e;
  auto p = c->GetConsistencyProof(a.from, a.to);
  if (!p.ok()) return ServerError(p.status(), "consistency proof");
  boost::json::array proof;
  for (const auto& h : p->proof) proof.emplace_back(Base64Encode(AsBytes(h)));
  if (a.conn.json) {
    boost::json::object o{{"from", p->from}, {"to", p->to}, {"proof", proof}};
    return Success(boost::json::serialize(o) + "\n");
  }
  std::string out =
      KeyValues({{"from size", std::to_string(p->from)}, {"to size", std::to_string(p->to)}});
  for (const auto& h : p->proof) out += "proof  " + Base64Encode(AsBytes(h)) + "\n";
  return Success(out);
}

}  // namespace

void AddQueryCommands(CLI::App& app) {
  CLI::App* get = app.add_subcommand("get", "Read one lot, record, party or receipt");
  get->require_subcommand(1);
  struct Sub {
    const char* name;
    const char* help;
    const char* arg;
    CommandResult (*fn)(QueryArgs&);
  };
  for (Sub s :
       {Sub{"lot", "A lot: state, balances and holders", "scheme:product/lot", GetLot},
        Sub{"record", "A record, readable, with its log position", "record id (hex)", GetRecord},
        Sub{"party", "A party: roles, sectors, licences, keys", "party id", GetParty},
        Sub{"receipt", "A record's receipt (C2SP tlog-proof text) for `qtrace verify`",
            "record id (hex)", GetReceipt}}) {
    auto a = std::make_shared<QueryArgs>();
    CLI::App* c = get->add_subcommand(s.name, s.help);
    c->add_option(s.name == std::string("lot") ? "lot" : "id", a->what, s.arg)->required();
    if (s.fn == GetReceipt) c->add_option("-o,--out", a->out, "write it to this file");
    AddConnectionFlags(c, &a->conn, KeyUse::kRequired);
    auto fn = s.fn;
    SetHandler(c, [a, fn] { return fn(*a); });
  }

  {
    auto a = std::make_shared<QueryArgs>();
    CLI::App* c = app.add_subcommand("find", "Find lots by product, site and production time");
    c->add_option("--product", a->lots.product, "gtin:069..., local:crab-feed");
    c->add_option("--site", a->lots.site, "exact site");
    c->add_option("--from", a->lots.from, "produced at or after (RFC 3339)");
    c->add_option("--to", a->lots.to, "produced at or before (RFC 3339)");
    c->add_option("--limit", a->lots.limit, "lots per page (1-1000)")->capture_default_str();
    c->add_option("--cursor", a->lots.cursor, "continue after a previous page");
    c->add_flag("--all", a->all, "follow every page");
    AddConnectionFlags(c, &a->conn, KeyUse::kRequired);
    SetHandler(c, [a] { return Find(*a); });
  }
  {
    auto a = std::make_shared<QueryArgs>();
    CLI::App* c = app.add_subcommand(
        "trace", "Trace a lot forward (every downstream lot and holder) or backward (every input)");
    c->add_option("lot", a->what, "scheme:product/lot")->required();
    c->add_flag("--forward", a->forward, "where did it go");
    c->add_flag("--backward", a->backward, "where did it come from");
    c->add_option("--depth", a->depth, "stop after this many steps");
    c->add_option("--as-of", a->as_of, "read the graph as of this log index");
    c->add_flag("--csv", a->csv, "a sortable CSV sheet, one row per lot and holder");
    AddConnectionFlags(c, &a->conn, KeyUse::kRequired);
    SetHandler(c, [a] { return TraceCommand(*a); });
  }

  // Online log commands join the offline ones under `qtrace log`.
  CLI::App* log = nullptr;
  try {
    log = app.get_subcommand("log");
  } catch (const CLI::OptionNotFound&) {
    log = app.add_subcommand("log", "The tamper-evident log");
  }
  {
    auto a = std::make_shared<QueryArgs>();
    CLI::App* c = log->add_subcommand("checkpoint",
                                      "The latest signed checkpoint (verified with --host-key)");
    AddConnectionFlags(c, &a->conn, KeyUse::kNone);
    SetHandler(c, [a] { return Checkpoint(*a); });
  }
  {
    auto a = std::make_shared<QueryArgs>();
    CLI::App* c = log->add_subcommand("proof", "An inclusion proof from the server");
    c->add_option("--index", a->index, "leaf index")->required();
    c->add_option("--size", a->size, "tree size (default: the current size)");
    AddConnectionFlags(c, &a->conn, KeyUse::kNone);
    SetHandler(c, [a] { return Proof(*a); });
  }
  {
    auto a = std::make_shared<QueryArgs>();
    CLI::App* c = log->add_subcommand("consistency", "A consistency proof from the server");
    c->add_option("--from", a->from, "older tree size")->required();
    c->add_option("--to", a->to, "newer tree size (default: the current size)");
    AddConnectionFlags(c, &a->conn, KeyUse::kNone);
    SetHandler(c, [a] { return Consistency(*a); });
  }
}

}  // namespace qtrace::cli
