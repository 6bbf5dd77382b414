#include "qtrace/host/api.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "qtrace/encoding.h"
#include "qtrace/log_entry.h"
#include "qtrace/merkle.h"
#include "qtrace/receipt.h"
#include "qtrace/record_json.h"
#include "qtrace/request_auth.h"
#include "qtrace/host/plugin_registry.h"
#include "qtrace/host/views.h"

namespace qtrace::host {
namespace {

namespace json = boost::json;
namespace urls = boost::urls;

constexpr std::string_view kFlatbuffers = "application/x-flatbuffers";

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string B64(const Hash256& h) { return Base64Encode(AsBytes(h)); }
std::string Hex(const Hash256& h) { return HexEncode(AsBytes(h)); }

Response Json(int status, const json::value& v) { return JsonResponse(status, json::serialize(v)); }

Response Text(int status, std::string body, std::string type = "text/plain; charset=utf-8") {
  Response r;
  r.status = status;
  r.content_type = std::move(type);
  r.body = std::move(body);
  return r;
}

// Query parameters, decoded.
struct Query {
  std::vector<std::pair<std::string, std::string>> params;
  std::optional<std::string> Get(std::string_view k) const {
    for (const auto& [key, v] : params) {
      if (key == k) return v;
    }
    return std::nullopt;
  }
};

StatusOr<uint64_t> U64Param(const Query& q, std::string_view name, std::optional<uint64_t> dflt) {
  auto v = q.Get(name);
  if (!v) {
    if (dflt) return *dflt;
    return InvalidArgument("query parameter '" + std::string(name) + "' is required",
                           "bad_query");
  }
  if (v->empty() || v->size() > 19 || v->find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("query parameter '" + std::string(name) + "' must be a number",
                           "bad_query");
  }
  return std::stoull(*v);
}

// "06901234567892" -> gtin:06901234567892; "local:feed" stays.
std::string ProductRef(const std::string& segment) {
  if (segment.find(':') != std::string::npos) return segment;
  return "gtin:" + segment;
}

json::object ReceiptJson(const IngestResult& r, const Ledger& ledger) {
  json::object o;
  o["status"] = r.duplicate ? 200 : 201;
  o["index"] = r.index;
  o["record_id"] = Hex(r.record_id);
  o["leaf_hash"] = B64(r.leaf_hash);
  o["record_time"] = FormatMicrosUtc(r.record_time);
  o["type"] = BodyTypeName(r.type);
  o["duplicate"] = r.duplicate;
  if (r.entry) o["entry"] = Base64Encode(*r.entry);
  if (r.checkpoint) {
    o["checkpoint"] = r.checkpoint->note;
    o["tree_size"] = r.checkpoint->size;
    auto proof = ledger.InclusionProof(r.index, r.checkpoint->size);
    if (proof.ok()) {
      json::array a;
      for (const auto& h : *proof) a.emplace_back(B64(h));
      o["inclusion_proof"] = std::move(a);
    }
  }
  return o;
}

json::object ErrorJson(const Status& s) {
  json::object o;
  o["status"] = HttpStatusFor(s.code());
  o["code"] = StatusCodeName(s.code());
  o["reason"] = s.reason();
  o["message"] = s.message();
  json::array d;
  for (const auto& x : s.details()) d.emplace_back(x);
  o["details"] = std::move(d);
  return o;
}

StatusOr<SignedEnvelope> EnvelopeFromJson(const json::value& v, const std::string& where) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument(where + ": " + why, "bad_envelope");
  };
  if (!v.is_object()) return bad("an envelope is a JSON object");
  const json::object& o = v.as_object();
  for (const auto& kv : o) {
    if (kv.key() != "payload_type" && kv.key() != "payload" && kv.key() != "key_id" &&
        kv.key() != "signature") {
      return bad("unknown field '" + std::string(kv.key()) + "'");
    }
  }
  auto str = [&](const char* k) -> const json::string* {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? &it->value().as_string() : nullptr;
  };
  const json::string *type = str("payload_type"), *payload = str("payload"),
                     *key_id = str("key_id"), *sig = str("signature");
  if (!type || !payload || !key_id || !sig) {
    return bad("needs string fields payload_type, payload (base64), key_id (hex), signature (base64)");
  }
  SignedEnvelope e;
  e.payload_type = std::string(*type);
  auto p = Base64Decode(std::string_view(payload->data(), payload->size()));
  if (!p || p->empty()) return bad("payload is not base64");
  e.payload = std::move(*p);
  auto k = HexDecode(std::string_view(key_id->data(), key_id->size()));
  if (!k || !ToHash256(*k, &e.key_id)) return bad("key_id is not 64 hex digits");
  auto s = Base64Decode(std::string_view(sig->data(), sig->size()));
  if (!s || s->size() != 64) return bad("signature is not base64 of 64 bytes");
  std::memcpy(e.signature.data(), s->data(), 64);
  return e;
}

}  // namespace

bool Caller::IsAuthority() const {
  return (roles & (RoleBit(fb::Role::ADMIN) | RoleBit(fb::Role::REGULATOR))) != 0;
}

// Signatures seen in the last 2 x skew window, to refuse replays.
class Api::ReplayCache {
 public:
  // False when `sig` was already seen.
  bool Insert(const std::string& sig, int64_t now_s) {
    std::lock_guard lock(mu_);
    if (++inserts_ % 1024 == 0) {
      for (auto it = seen_.begin(); it != seen_.end();) {
        it = it->second < now_s ? seen_.erase(it) : std::next(it);
      }
    }
    return seen_.emplace(sig, now_s + 2 * kRequestSkewSeconds + 1).second;
  }

 private:
  std::mutex mu_;
  uint64_t inserts_ = 0;
  std::unordered_map<std::string, int64_t> seen_;
};

Api::Api(Ledger* ledger, Metrics* metrics, ApiOptions options)
    : ledger_(ledger),
      metrics_(metrics),
      options_(std::move(options)),
      replay_(std::make_unique<ReplayCache>()) {
  if (!options_.post_work) options_.post_work = [](std::function<void()> f) { f(); };
}

Api::~Api() = default;

StatusOr<Caller> Api::Authenticate(const Request& req) const {
  std::string key_hex = req.Header(kKeyIdHeader);
  std::string ts = req.Header(kTimestampHeader);
  std::string sig_b64 = req.Header(kSignatureHeader);
  if (key_hex.empty() && ts.empty() && sig_b64.empty()) return Caller{};
  if (key_hex.empty() || ts.empty() || sig_b64.empty()) {
    return Unauthenticated("a signed request needs X-Qtrace-Key-Id, X-Qtrace-Timestamp and "
                           "X-Qtrace-Signature",
                           "bad_request_signature");
  }
  KeyId key_id;
  auto raw = HexDecode(key_hex);
  if (!raw || !ToHash256(*raw, &key_id)) {
    return Unauthenticated("X-Qtrace-Key-Id is not 64 hex digits", "bad_request_signature");
  }
  if (ts.size() > 12 || ts.find_first_not_of("0123456789") != std::string::npos) {
    return Unauthenticated("X-Qtrace-Timestamp must be Unix seconds", "bad_request_signature");
  }
  int64_t t = std::stoll(ts);
  int64_t now = options_.clock->NowMicros() / kMicrosPerSecond;
  if (t < now - kRequestSkewSeconds || t > now + kRequestSkewSeconds) {
    return Unauthenticated("request timestamp is more than 5 minutes from the server's clock",
                           "stale_request");
  }
  auto sig = Base64Decode(sig_b64);
  if (!sig || sig->size() != 64) {
    return Unauthenticated("X-Qtrace-Signature is not base64 of 64 bytes",
                           "bad_request_signature");
  }
  std::optional<KeyInfo> key = ledger_->WithState([&](const LedgerState& s) {
    std::shared_lock lock(s.keys_mutex());
    const KeyInfo* k = s.FindKey(key_id);
    return k ? std::optional<KeyInfo>(*k) : std::nullopt;
  });
  if (!key) return Unauthenticated("unknown key " + key_hex.substr(0, 16) + "...", "unknown_key");
  if (key->revoked) return Unauthenticated("key of " + key->party_id + " is revoked", "key_revoked");
  if (!key->key.Verify(RequestSigningString(req.method, req.target, t, req.body), *sig)) {
    return Unauthenticated("request signature does not verify", "bad_request_signature");
  }
  if (!replay_->Insert(*sig, now)) {
    return Unauthenticated("this signed request was already used", "replayed_request");
  }
  Caller c;
  c.authenticated = true;
  c.party = key->party;
  c.party_id = key->party_id;
  c.roles = key->roles;
  return c;
}

namespace {

// Parties whose records and lots `caller` may read.
bool Visible(const Caller& c, const LedgerState& s, PartyIdx p) {
  if (c.IsAuthority() || p == c.party) return true;
  const auto& cp = s.Counterparties(c.party);
  return std::binary_search(cp.begin(), cp.end(), p);
}

bool LotVisible(const Caller& c, const LedgerState& s, LotId id) {
  if (c.IsAuthority()) return true;
  const LotInfo& l = s.lot(id);
  if (Visible(c, s, l.producer)) return true;
  for (const auto& h : l.holdings) {
    if (Visible(c, s, h.party)) return true;
  }
  return false;
}

json::object PartyJson(const LedgerState& s, PartyIdx i) {
  const PartyInfo& p = s.party(i);
  json::object o;
  o["party_id"] = p.id;
  o["name"] = p.name;
  json::array roles;
  for (int r = 0; r <= static_cast<int>(fb::Role::HOST); ++r) {
    if (p.roles & (1u << r)) roles.emplace_back(fb::EnumNameRole(static_cast<fb::Role>(r)));
  }
  o["roles"] = std::move(roles);
  json::array sectors;
  for (const auto& x : p.sectors) sectors.emplace_back(x);
  o["sectors"] = std::move(sectors);
  json::array licences;
  for (const auto& l : p.licences) {
    json::object lo{{"kind", l.kind}, {"number", l.number}};
    if (!l.scope.empty()) lo["scope"] = l.scope;
    if (l.valid_from) lo["valid_from"] = FormatMicrosUtc(l.valid_from);
    if (l.valid_to) lo["valid_to"] = FormatMicrosUtc(l.valid_to);
    licences.push_back(std::move(lo));
  }
  o["licences"] = std::move(licences);
  json::array keys;
  {
    std::shared_lock lock(s.keys_mutex());
    for (const auto& k : p.keys) {
      const KeyInfo* ki = s.FindKey(k);
      json::object ko{{"key_id", Hex(k)}, {"revoked", ki && ki->revoked}};
      if (ki && ki->compromised_since != INT64_MAX) {
        ko["compromised_since"] = FormatMicrosUtc(ki->compromised_since);
      }
      keys.push_back(std::move(ko));
    }
  }
  o["keys"] = std::move(keys);
  if (!p.gln.empty()) o["gln"] = p.gln;
  if (!p.admin_area.empty()) o["admin_area"] = p.admin_area;
  o["log_index"] = p.index;
  return o;
}

}  // namespace

void Api::Ingest(Request req, bool batch, Reply reply) {
  std::string type = req.Header("Content-Type");
  std::vector<IngestItem> items;
  auto refuse = [&](const Status& s) { reply(ErrorResponse(s)); };
  if (StartsWith(type, kFlatbuffers)) {
    if (batch) {
      auto envs = DecodeEnvelopeBatch(req.body);
      if (!envs.ok()) return refuse(envs.status());
      for (auto& e : *envs) items.push_back(IngestItem::FromBytes(std::move(e)));
    } else {
      items.push_back(IngestItem::FromBytes(std::move(req.body)));
    }
  } else if (StartsWith(type, "application/json")) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec) return refuse(InvalidArgument("malformed JSON: " + ec.message(), "bad_json"));
    if (batch) {
      const json::array* list = nullptr;
      if (v.is_array()) {
        list = &v.as_array();
      } else if (v.is_object() && v.as_object().contains("records") &&
                 v.as_object().at("records").is_array()) {
        list = &v.as_object().at("records").as_array();
      } else {
        return refuse(InvalidArgument("a JSON batch is {\"records\": [envelope, ...]}", "bad_json"));
      }
      for (size_t i = 0; i < list->size(); ++i) {
        auto e = EnvelopeFromJson((*list)[i], "records[" + std::to_string(i) + "]");
        if (!e.ok()) return refuse(e.status());
        items.push_back(IngestItem::FromEnvelope(std::move(*e)));
      }
    } else {
      auto e = EnvelopeFromJson(v, "envelope");
      if (!e.ok()) return refuse(e.status());
      items.push_back(IngestItem::FromEnvelope(std::move(*e)));
    }
  } else {
    return refuse(InvalidArgument("Content-Type must be application/x-flatbuffers or "
                                  "application/json",
                                  "bad_content_type"));
  }
  if (items.empty()) return refuse(InvalidArgument("the batch is empty", "bad_request"));
  if (items.size() > options_.max_batch_records) {
    return refuse(PayloadTooLarge("a batch holds at most " +
                                      std::to_string(options_.max_batch_records) + " records",
                                  "too_large"));
  }
  Ledger* ledger = ledger_;
  auto post = options_.post_work;
  ledger_->Submit(std::move(items), [ledger, post, batch, reply](std::vector<IngestResult> rs) {
    post([ledger, batch, reply, rs = std::move(rs)]() {
      if (!batch) {
        const IngestResult& r = rs[0];
        if (!r.status.ok()) return reply(ErrorResponse(r.status));
        return reply(Json(r.duplicate ? 200 : 201, ReceiptJson(r, *ledger)));
      }
      // The whole batch refused for the same reason (overload, shutdown).
      bool all_refused = true;
      for (const auto& r : rs) {
        all_refused = all_refused && (r.status.code() == StatusCode::kResourceExhausted ||
                                      r.status.code() == StatusCode::kUnavailable);
      }
      if (all_refused) return reply(ErrorResponse(rs[0].status));
      json::array results;
      size_t accepted = 0;
      for (const auto& r : rs) {
        if (r.status.ok()) {
          ++accepted;
          results.push_back(ReceiptJson(r, *ledger));
        } else {
          results.push_back(ErrorJson(r.status));
        }
      }
      json::object o;
      o["accepted"] = accepted;
      o["rejected"] = rs.size() - accepted;
      o["results"] = std::move(results);
      reply(Json(200, o));
    });
  });
}

void Api::Handle(Request req, Reply reply) {
  auto start = std::chrono::steady_clock::now();
  std::string route = "unknown";
  // Wrap the reply to record metrics once, whatever path answers.
  auto done = [this, start, &route, reply](Response r) mutable {
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_->ObserveRequest(route, r.status, secs);
    reply(std::move(r));
  };
  auto fail = [&](const Status& s) { done(ErrorResponse(s)); };

  auto parsed = urls::parse_origin_form(req.target);
  if (!parsed) return fail(InvalidArgument("bad request target", "bad_target"));
  urls::url_view url = *parsed;
  std::vector<std::string> seg;
  for (auto s : url.segments()) seg.push_back(std::string(s));
  Query q;
  for (auto p : url.params()) q.params.emplace_back(std::string(p.key), std::string(p.value));
  const std::string& m = req.method;
  auto is = [&](std::initializer_list<std::string_view> want) {
    if (seg.size() != want.size()) return false;
    size_t i = 0;
    for (auto w : want) {
      if (w != "*" && seg[i] != w) return false;
      ++i;
    }
    return true;
  };

  // ---- public -----------------------------------------------------------------
  if (m == "GET" && is({"healthz"})) {
    route = "/healthz";
    json::object o{{"status", "ok"}, {"log_size", ledger_->LogSize()},
                   {"version", options_.version}};
    return done(Json(200, o));
  }
  if (m == "GET" && is({"metrics"})) {
    route = "/metrics";
    return done(Text(200, metrics_->Render(*ledger_), "text/plain; version=0.0.4"));
  }
  if (m == "GET" && is({"v1", "log", "checkpoint"})) {
    route = "/v1/log/checkpoint";
    auto cp = ledger_->LatestCheckpoint();
    if (!cp) return fail(NotFound("no checkpoint yet", "no_checkpoint"));
    return done(Text(200, cp->note));
  }
  if (m == "GET" && is({"v1", "log", "proof", "inclusion"})) {
    route = "/v1/log/proof/inclusion";
    auto index = U64Param(q, "index", std::nullopt);
    if (!index.ok()) return fail(index.status());
    auto size = U64Param(q, "size", ledger_->LogSize());
    if (!size.ok()) return fail(size.status());
    auto proof = ledger_->InclusionProof(*index, *size);
    if (!proof.ok()) return fail(proof.status());
    json::object o{{"index", *index}, {"size", *size}};
    auto entry = ledger_->EntryAt(*index);
    if (entry.ok()) o["leaf_hash"] = B64(LeafHash(*entry));
    json::array a;
    for (const auto& h : *proof) a.emplace_back(B64(h));
    o["proof"] = std::move(a);
    return done(Json(200, o));
  }
  if (m == "GET" && is({"v1", "log", "proof", "consistency"})) {
    route = "/v1/log/proof/consistency";
    auto from = U64Param(q, "from", std::nullopt);
    if (!from.ok()) return fail(from.status());
    auto to = U64Param(q, "to", ledger_->LogSize());
    if (!to.ok()) return fail(to.status());
    auto proof = ledger_->ConsistencyProof(*from, *to);
    if (!proof.ok()) return fail(proof.status());
    json::object o{{"from", *from}, {"to", *to}};
    json::array a;
    for (const auto& h : *proof) a.emplace_back(B64(h));
    o["proof"] = std::move(a);
    return done(Json(200, o));
  }
  if (m == "POST" && (is({"v1", "records"}) || is({"v1", "records:batch"}))) {
    bool batch = seg[1] == "records:batch";
    route = batch ? "/v1/records:batch" : "/v1/records";
    // The route string must outlive this frame: the reply runs later.
    auto later = [this, start, route, reply](Response r) {
      double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      metrics_->ObserveRequest(route, r.status, secs);
      reply(std::move(r));
    };
    return Ingest(std::move(req), batch, later);
  }

  // ---- signed reads -------------------------------------------------------------
  if (m != "GET") return fail(NotFound("no route for " + m + " " + std::string(url.path()), "no_route"));
  auto caller = Authenticate(req);
  if (!caller.ok()) {
    route = "auth";
    return fail(caller.status());
  }
  bool public_caller = !caller->authenticated;
  auto need_auth = [&]() {
    fail(Unauthenticated("this endpoint needs a signed request (see X-Qtrace-Signature)",
                         "signature_required"));
  };

  if (is({"v1", "records", "*"}) || is({"v1", "records", "*", "receipt"})) {
    route = seg.size() == 3 ? "/v1/records/{id}" : "/v1/records/{id}/receipt";
    if (public_caller) return need_auth();
    Hash256 id;
    auto raw = HexDecode(seg[2]);
    if (!raw || !ToHash256(*raw, &id)) {
      return fail(InvalidArgument("a record id is 64 hex digits", "bad_record_id"));
    }
    auto index = ledger_->FindRecord(id);
    if (!index.ok()) return fail(index.status());
    auto bytes = ledger_->EntryAt(*index);
    if (!bytes.ok()) return fail(bytes.status());
    auto entry = VerifyLogEntry(*bytes);
    if (!entry.ok()) return fail(Internal("stored entry unreadable: " + entry.status().message()));
    const fb::Record* rec = *RecordOfEntry(**entry);
    std::string stated(rec->header()->party()->string_view());
    bool visible = ledger_->WithState([&](const LedgerState& s) {
      auto p = s.FindParty(stated);
      return p && Visible(*caller, s, *p);
    });
    if (!visible) {
      return fail(PermissionDenied("record not visible to " + caller->party_id, "not_visible"));
    }
    if (seg.size() == 4) {
      auto receipt = ledger_->Receipt(*index);
      if (!receipt.ok()) return fail(receipt.status());
      return done(Text(200, *receipt));
    }
    const fb::LogEntry& e = **entry;
    json::object o;
    o["index"] = *index;
    o["record_id"] = seg[2];
    o["record_time"] = FormatMicrosUtc(e.record_time());
    o["payload_type"] = e.payload_type()->str();
    o["key_id"] = HexEncode(std::string_view(reinterpret_cast<const char*>(e.key_id()->data()), 32));
    o["signature"] =
        Base64Encode(std::string_view(reinterpret_cast<const char*>(e.signature()->data()), 64));
    o["leaf_hash"] = B64(LeafHash(*bytes));
    json::array decisions;
    if (e.decisions()) {
      for (const auto* d : *e.decisions()) {
        json::object dj{{"engine", d->engine() ? d->engine()->str() : ""},
                        {"version", d->version() ? d->version()->str() : ""},
                        {"rule_set", d->rule_set() ? d->rule_set()->str() : ""},
                        {"param_set", d->param_set() ? d->param_set()->str() : ""},
                        {"verdict", d->verdict() ? d->verdict()->str() : ""}};
        decisions.push_back(std::move(dj));
      }
    }
    o["decisions"] = std::move(decisions);
    o["record"] = RecordToJsonObject(*rec);
    auto by = ledger_->WithState([&](const LedgerState& s) { return s.DeclaredErroneousBy(*index); });
    if (by) o["declared_erroneous_at"] = *by;
    return done(Json(200, o));
  }

  if (is({"v1", "lots", "*", "*"}) || is({"v1", "lots", "*", "*", "trace"})) {
    bool trace = seg.size() == 5;
    route = trace ? "/v1/lots/{product}/{lot}/trace" : "/v1/lots/{product}/{lot}";
    if (public_caller) return need_auth();
    std::string ref = ProductRef(seg[2]) + "/" + seg[3];
    auto parts = ParseLotRef(ref);
    if (!parts.ok()) return fail(parts.status());
    auto visible = ledger_->WithState([&](const LedgerState& s) -> StatusOr<bool> {
      auto id = s.FindLot(parts->scheme, parts->product, parts->lot);
      if (!id) return NotFound("no lot " + ref, "unknown_lot");
      return LotVisible(*caller, s, *id);
    });
    if (!visible.ok()) return fail(visible.status());
    if (!*visible) return fail(PermissionDenied("lot not visible to " + caller->party_id, "not_visible"));
    if (!trace) {
      auto view = GetLotView(*ledger_, ref);
      if (!view.ok()) return fail(view.status());
      return done(Json(200, ToJson(*view)));
    }
    std::string dir = q.Get("direction").value_or("forward");
    if (dir != "forward" && dir != "backward") {
      return fail(InvalidArgument("direction is forward or backward", "bad_query"));
    }
    TraceOptions opts;
    auto depth = U64Param(q, "depth", kUnlimitedDepth);
    if (!depth.ok()) return fail(depth.status());
    opts.max_depth = static_cast<uint32_t>(std::min<uint64_t>(*depth, kUnlimitedDepth));
    auto as_of = U64Param(q, "as_of", kLatest);
    if (!as_of.ok()) return fail(as_of.status());
    opts.as_of = *as_of;
    auto view = Trace(*ledger_, ref, dir == "forward", opts);
    if (!view.ok()) return fail(view.status());
    size_t hidden = 0;
    if (!caller->IsAuthority()) {
      ledger_->WithState([&](const LedgerState& s) {
        std::vector<TraceStep> kept;
        for (auto& step : view->lots) {
          if (LotVisible(*caller, s, step.lot.id)) {
            kept.push_back(std::move(step));
          } else {
            ++hidden;
          }
        }
        view->lots = std::move(kept);
        return 0;
      });
    }
    if (q.Get("format").value_or("json") == "csv") {
      Response r = Text(200, ToCsv(*view), "text/csv; charset=utf-8");
      r.headers.emplace_back("Content-Disposition", "attachment; filename=\"trace.csv\"");
      return done(std::move(r));
    }
    json::object o = ToJson(*view);
    o["hidden_lots"] = hidden;
    return done(Json(200, o));
  }

  if (is({"v1", "lots"})) {
    route = "/v1/lots";
    if (public_caller) return need_auth();
    auto limit = U64Param(q, "limit", 100);
    if (!limit.ok()) return fail(limit.status());
    if (*limit == 0 || *limit > 1000) return fail(InvalidArgument("limit is 1-1000", "bad_query"));
    uint64_t after = 0;
    bool has_cursor = false;
    if (auto c = q.Get("cursor")) {
      auto raw = Base64Decode(*c);
      if (!raw || raw->size() != 8) return fail(InvalidArgument("bad cursor", "bad_query"));
      after = GetBigEndian64(raw->data());
      has_cursor = true;
    }
    int64_t from = INT64_MIN, to = INT64_MAX;
    if (auto f = q.Get("from")) {
      auto t = ParseTimestamp(*f);
      if (!t.ok()) return fail(t.status().WithPrefix("from"));
      from = t->micros;
    }
    if (auto f = q.Get("to")) {
      auto t = ParseTimestamp(*f);
      if (!t.ok()) return fail(t.status().WithPrefix("to"));
      to = t->micros;
    }
    std::string site = q.Get("site").value_or("");
    std::optional<std::string> product = q.Get("product");
    auto result = ledger_->WithState([&](const LedgerState& s) -> StatusOr<json::object> {
      const std::vector<LotId>* ids = nullptr;
      std::vector<LotId> all;
      if (product) {
        auto pr = ParseLotRef(ProductRef(*product) + "/x");
        if (!pr.ok()) return pr.status();
        auto p = s.FindProduct(pr->scheme, pr->product);
        if (!p) return NotFound("no product " + *product, "unknown_product");
        ids = &s.LotsOfProduct(*p);
      } else if (caller->IsAuthority()) {
        all.resize(s.lot_count());
        for (LotId i = 0; i < all.size(); ++i) all[i] = i;
        ids = &all;
      } else {
        all = s.LotsOfParty(caller->party);
        std::sort(all.begin(), all.end());
        ids = &all;
      }
      auto it = has_cursor ? std::upper_bound(ids->begin(), ids->end(), after) : ids->begin();
      json::array lots;
      std::optional<LotId> last;
      bool more = false;
      for (; it != ids->end(); ++it) {
        const LotInfo& l = s.lot(*it);
        if (l.voided || l.production_time < from || l.production_time > to) continue;
        if (!site.empty() && l.site != site) continue;
        if (!LotVisible(*caller, s, *it)) continue;
        if (lots.size() == *limit) {
          more = true;
          break;
        }
        lots.push_back(ToJson(MakeLotView(s, *it)));
        last = *it;
      }
      json::object o;
      o["lots"] = std::move(lots);
      if (more && last) {
        std::string c;
        PutBigEndian64(&c, *last);
        o["next_cursor"] = Base64Encode(c);
      }
      return o;
    });
    if (!result.ok()) return fail(result.status());
    return done(Json(200, *result));
  }

  // Public: which rules this host enforces (the log's decisions name them too).
  if (is({"v1", "plugins"})) {
    route = "/v1/plugins";
    auto strings = [](const std::vector<std::string>& v) {
      json::array a;
      for (const auto& x : v) a.emplace_back(x);
      return a;
    };
    json::array list;
    if (options_.plugins != nullptr) {
      for (const PluginSummary& p : options_.plugins->List()) {
        list.push_back(json::object{
            {"name", p.name},
            {"version", p.version},
            {"rule_set", p.rule_set},
            {"abi", p.abi},
            {"min_host_version", p.min_host_version},
            {"capabilities", strings(p.capabilities)},
            {"sectors", strings(p.sectors)},
            {"payload_types", strings(p.payload_types)},
            {"record_types", strings(p.record_types)},
            {"file", std::filesystem::path(p.file).filename().string()},
            {"sha256", p.sha256},
            {"attributes", p.attributes},
            {"rules", p.rules},
            {"calls", p.calls},
            {"rejected", p.rejected},
            {"failed", p.failed}});
      }
    }
    json::object o{{"enforced", options_.plugins != nullptr},
                   {"host_abi", std::to_string(QT_PLUGIN_ABI_MAJOR) + "." +
                                    std::to_string(QT_PLUGIN_ABI_MINOR)},
                   {"plugins", std::move(list)}};
    return done(Json(200, o));
  }

  if (is({"v1", "parties"}) || is({"v1", "parties", "*"})) {
    route = seg.size() == 2 ? "/v1/parties" : "/v1/parties/{id}";
    if (public_caller) return need_auth();
    if (seg.size() == 3) {
      auto r = ledger_->WithState([&](const LedgerState& s) -> StatusOr<json::object> {
        auto p = s.FindParty(seg[2]);
        if (!p) return NotFound("no party " + seg[2], "unknown_party");
        if (!Visible(*caller, s, *p)) {
          return PermissionDenied("party not visible to " + caller->party_id, "not_visible");
        }
        return PartyJson(s, *p);
      });
      if (!r.ok()) return fail(r.status());
      return done(Json(200, *r));
    }
    auto limit = U64Param(q, "limit", 100);
    if (!limit.ok()) return fail(limit.status());
    if (*limit == 0 || *limit > 1000) return fail(InvalidArgument("limit is 1-1000", "bad_query"));
    auto cursor = U64Param(q, "cursor", 0);
    if (!cursor.ok()) return fail(cursor.status());
    json::object o = ledger_->WithState([&](const LedgerState& s) {
      json::array parties;
      PartyIdx i = static_cast<PartyIdx>(*cursor);
      for (; i < s.party_count(); ++i) {
        if (!Visible(*caller, s, i)) continue;
        if (parties.size() == *limit) break;
        parties.push_back(PartyJson(s, i));
      }
      json::object out;
      out["parties"] = std::move(parties);
      if (i < s.party_count()) out["next_cursor"] = std::to_string(i);
      return out;
    });
    return done(Json(200, o));
  }

  // ---- recalls ---------------------------------------------------------------------
  if (seg.size() >= 2 && seg[0] == "v1" && (seg[1] == "recalls" || seg[1] == "notices" ||
                                            seg[1] == "traceback")) {
    if (public_caller) return need_auth();
    // Who may see a recall: regulators, the responsible party and (its own
    // part only) a notified party.
    auto access = [&](const std::string& id) -> StatusOr<std::optional<PartyIdx>> {
      return ledger_->WithState([&](const LedgerState& s) -> StatusOr<std::optional<PartyIdx>> {
        const RecallInfo* rc = s.FindRecall(id);
        if (rc == nullptr) return NotFound("no recall " + id, "unknown_recall");
        if (caller->IsAuthority() || caller->party == rc->responsible) {
          return std::optional<PartyIdx>();
        }
        auto it = rc->parties.find(caller->party);
        if (it != rc->parties.end() && it->second.notified) {
          return std::optional<PartyIdx>(caller->party);
        }
        return PermissionDenied("recall not visible to " + caller->party_id, "not_visible");
      });
    };
    if (is({"v1", "recalls", "candidates"})) {
      // Regulators: certificates no longer in force that lots still cite.
      route = "/v1/recalls/candidates";
      if (!caller->IsAuthority()) {
        return fail(PermissionDenied("recall candidates are for regulators", "not_visible"));
      }
      auto o = RecallCandidatesJson(*ledger_, options_.clock->NowMicros());
      if (!o.ok()) return fail(o.status());
      return done(Json(200, *o));
    }
    if (is({"v1", "recalls"}) || is({"v1", "recalls", "overdue"})) {
      bool overdue_only = seg.size() == 3;
      route = overdue_only ? "/v1/recalls/overdue" : "/v1/recalls";
      std::string want = q.Get("state").value_or("open");
      json::object o = ledger_->WithState([&](const LedgerState& s) {
        json::array list;
        int64_t now = options_.clock->NowMicros();
        for (const RecallInfo& rc : s.recalls()) {
          bool mine = caller->IsAuthority() || caller->party == rc.responsible ||
                      rc.parties.count(caller->party) != 0;
          if (!mine) continue;
          if (!overdue_only && want == "open" && !rc.open()) continue;
          json::object ro{{"recall_id", rc.id}, {"sector", rc.sector}, {"level", rc.level},
                          {"state", fb::EnumNameRecallState(rc.state)},
                          {"responsible", s.party(rc.responsible).id},
                          {"decided_at", FormatMicrosUtc(rc.decided_at)},
                          {"lots", rc.scope.lots.size()}, {"parties", rc.parties.size()}};
          if (overdue_only) {
            if (!rc.open()) continue;
            json::array items;
            for (const auto& [p, prog] : rc.parties) {
              if (!caller->IsAuthority() && caller->party != rc.responsible && p != caller->party) {
                continue;
              }
              auto add = [&](const char* what, int64_t due) {
                items.push_back(json::object{{"party", s.party(p).id}, {"what", what},
                                             {"due", FormatMicrosUtc(due)}});
              };
              if (prog.notified && !prog.informational && !prog.acked && prog.ack_due &&
                  (prog.ack_overdue || now > prog.ack_due)) {
                add("acknowledgement", prog.ack_due);
              }
              if (prog.report_overdue_due) add("progress_report", prog.report_overdue_due);
            }
            for (const auto& m : rc.missed) {
              if (!caller->IsAuthority() && caller->party != rc.responsible &&
                  m.party != caller->party) {
                continue;
              }
              items.push_back(json::object{{"party", s.party(m.party).id}, {"what", m.what},
                                           {"due", FormatMicrosUtc(m.due)}});
            }
            if (items.empty()) continue;
            ro["overdue"] = std::move(items);
          }
          list.push_back(std::move(ro));
        }
        return json::object{{"recalls", std::move(list)}};
      });
      return done(Json(200, o));
    }
    if (is({"v1", "recalls", "*"}) || is({"v1", "recalls", "*", "scope"}) ||
        is({"v1", "recalls", "*", "recompute"})) {
      route = seg.size() == 3 ? "/v1/recalls/{id}" : "/v1/recalls/{id}/" + seg[3];
      auto who = access(seg[2]);
      if (!who.ok()) return fail(who.status());
      if (seg.size() == 3) {
        auto st = RecallStatusJson(*ledger_, seg[2], *who);
        if (!st.ok()) return fail(st.status());
        return done(Json(200, *st));
      }
      if (who->has_value()) {
        return fail(PermissionDenied("the full scope is for regulators and the responsible party",
                                     "not_visible"));
      }
      if (seg[3] == "recompute") {
        auto r = RecomputeRecallScope(*ledger_, seg[2]);
        if (!r.ok()) return fail(r.status());
        return done(Json(200, *r));
      }
      if (q.Get("format").value_or("csv") == "csv") {
        auto csv = RecallScopeCsv(*ledger_, seg[2]);
        if (!csv.ok()) return fail(csv.status());
        Response r = Text(200, *csv, "text/csv; charset=utf-8");
        r.headers.emplace_back("Content-Disposition",
                               "attachment; filename=\"" + seg[2] + "-scope.csv\"");
        return done(std::move(r));
      }
      auto st = RecallStatusJson(*ledger_, seg[2]);
      if (!st.ok()) return fail(st.status());
      return done(Json(200, st->at("scope")));
    }
    if (is({"v1", "notices"})) {
      // The caller's inbox: every recall notice addressed to it, newest
      // first, paginated by a cursor (the notice's log index).
      route = "/v1/notices";
      auto limit = U64Param(q, "limit", 100);
      if (!limit.ok()) return fail(limit.status());
      auto before = U64Param(q, "cursor", kLatest);
      if (!before.ok()) return fail(before.status());
      json::object o = ledger_->WithState([&](const LedgerState& s) {
        std::vector<std::pair<uint64_t, const RecallInfo*>> mine;
        for (const RecallInfo& rc : s.recalls()) {
          auto it = rc.parties.find(caller->party);
          if (it != rc.parties.end() && it->second.notified && it->second.notice_index < *before) {
            mine.emplace_back(it->second.notice_index, &rc);
          }
        }
        std::sort(mine.rbegin(), mine.rend());
        json::array notices;
        size_t n = 0;
        for (const auto& [index, rc] : mine) {
          if (n++ == *limit) break;
          const PartyRecallProgress& p = rc->parties.at(caller->party);
          json::array lots;
          for (const auto& h : rc->scope.holdings) {
            if (h.party != caller->party) continue;
            const LotInfo& l = s.lot(h.lot);
            lots.push_back(json::object{{"lot", s.LotRefString(h.lot)},
                                        {"held", FormatAmount(std::max<int64_t>(h.held, 0), l.unit) + " " + l.unit},
                                        {"received", FormatAmount(h.received, l.unit) + " " + l.unit}});
          }
          json::object no{{"recall_id", rc->id}, {"notice_log_index", index},
                          {"hazard", rc->hazard}, {"level", rc->level}, {"sector", rc->sector},
                          {"responsible", s.party(rc->responsible).id},
                          {"state", fb::EnumNameRecallState(rc->state)},
                          {"acknowledged", p.acked}, {"lots", std::move(lots)}};
          if (p.informational) no["for_information"] = true;
          if (p.ack_due) no["ack_due"] = FormatMicrosUtc(p.ack_due);
          if (p.complete_due) no["complete_due"] = FormatMicrosUtc(p.complete_due);
          notices.push_back(std::move(no));
        }
        json::object out{{"notices", std::move(notices)}};
        if (mine.size() > *limit) out["next_cursor"] = std::to_string(mine[*limit - 1].first);
        return out;
      });
      return done(Json(200, o));
    }
    if (is({"v1", "traceback"})) {
      route = "/v1/traceback";
      if (!caller->IsAuthority()) {
        return fail(PermissionDenied("trace-back across parties is for regulators", "role_not_allowed"));
      }
      std::vector<std::string> lots;
      for (const auto& [k, v] : q.params) {
        if (k == "lot") lots.push_back(v);
      }
      auto r = TraceBack(*ledger_, lots);
      if (!r.ok()) return fail(r.status());
      return done(Json(200, *r));
    }
  }

  return fail(NotFound("no route for GET " + std::string(url.path()), "no_route"));
}

}  // namespace qtrace::host
