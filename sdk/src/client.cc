#include "qtrace/client.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "qtrace/encoding.h"
#include "qtrace/log_entry.h"
#include "qtrace/merkle.h"
#include "qtrace/record_json.h"
#include "qtrace/request_auth.h"

namespace qtrace {
namespace {

namespace json = boost::json;

constexpr std::string_view kFlatbuffers = "application/x-flatbuffers";
constexpr uint16_t kDefaultPort = 8420;

// ---- reading JSON answers ------------------------------------------------------------------

const json::value* Field(const json::object& o, std::string_view k) {
  auto it = o.find(k);
  return it == o.end() ? nullptr : &it->value();
}
std::string Str(const json::object& o, std::string_view k) {
  const json::value* v = Field(o, k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
uint64_t U64(const json::object& o, std::string_view k) {
  const json::value* v = Field(o, k);
  if (v == nullptr) return 0;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<uint64_t>(v->as_int64());
  return 0;
}
bool Bool(const json::object& o, std::string_view k) {
  const json::value* v = Field(o, k);
  return v && v->is_bool() && v->as_bool();
}
std::vector<std::string> Strings(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  const json::value* v = Field(o, k);
  if (v && v->is_array()) {
    for (const auto& x : v->as_array()) {
      if (x.is_string()) out.emplace_back(x.as_string());
    }
  }
  return out;
}

Status BadAnswer(std::string what) {
  return Internal("unexpected answer from the server: " + std::move(what), "bad_answer");
}

StatusOr<json::object> ParseObject(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec || !v.is_object()) return BadAnswer("not a JSON object");
  return std::move(v.as_object());
}

bool DecodeB64Hash(std::string_view text, Hash256* out) {
  auto raw = Base64Decode(text);
  return raw && ToHash256(*raw, out);
}
bool DecodeHexHash(std::string_view text, Hash256* out) {
  auto raw = HexDecode(text);
  return raw && ToHash256(*raw, out);
}

StatusOr<std::vector<Hash256>> HashList(const json::object& o, std::string_view k) {
  std::vector<Hash256> out;
  for (const auto& s : Strings(o, k)) {
    Hash256 h;
    if (!DecodeB64Hash(s, &h)) return BadAnswer(std::string(k) + " holds a bad hash");
    out.push_back(h);
  }
  return out;
}

// The server's error body {code, reason, message, details} as a Status with
// the code of its HTTP status.
Status ErrorFrom(const HttpResponse& r) {
  StatusCode code = StatusCodeForHttp(r.status);
  if (code == StatusCode::kOk) code = StatusCode::kInternal;
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) {
    std::string body = r.body.substr(0, 200);
    return Status(code, "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body));
  }
  const json::object& o = v.as_object();
  return Status(code, Str(o, "message"), Str(o, "reason"), Strings(o, "details"));
}

Status ErrorFromJson(const json::object& o) {
  int http = static_cast<int>(U64(o, "status"));
  StatusCode code = StatusCodeForHttp(http);
  if (code == StatusCode::kOk) code = StatusCode::kInternal;
  return Status(code, Str(o, "message"), Str(o, "reason"), Strings(o, "details"));
}

LotState LotFromJson(const json::object& o) {
  LotState l;
  l.lot = Str(o, "lot");
  l.product = Str(o, "product");
  l.sector = Str(o, "sector");
  l.producer = Str(o, "producer");
  l.quantity = Str(o, "quantity");
  l.production_time = Str(o, "production_time");
  l.expiry_time = Str(o, "expiry_time");
  l.site = Str(o, "site");
  l.status = Str(o, "status");
  l.log_index = U64(o, "log_index");
  if (const json::value* hs = Field(o, "holders"); hs && hs->is_array()) {
    for (const auto& hv : hs->as_array()) {
      if (!hv.is_object()) continue;
      const json::object& h = hv.as_object();
      HolderBalance b;
      b.party = Str(h, "party");
      b.held = Str(h, "held");
      b.produced = Str(h, "produced");
      b.received = Str(h, "received");
      b.in_transit = Str(h, "in_transit");
      b.shipped = Str(h, "shipped");
      b.used = Str(h, "used");
      b.consumed = Str(h, "consumed");
      b.destroyed = Str(h, "destroyed");
      b.recovered = Str(h, "recovered");
      b.adjusted = Str(h, "adjusted");
      l.holders.push_back(std::move(b));
    }
  }
  l.json = json::serialize(o);
  return l;
}

PartyView PartyFromJson(const json::object& o) {
  PartyView p;
  p.party_id = Str(o, "party_id");
  p.name = Str(o, "name");
  p.gln = Str(o, "gln");
  p.admin_area = Str(o, "admin_area");
  p.roles = Strings(o, "roles");
  for (auto& r : p.roles) {
    std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::tolower(c); });
  }
  p.sectors = Strings(o, "sectors");
  if (const json::value* ls = Field(o, "licences"); ls && ls->is_array()) {
    for (const auto& lv : ls->as_array()) {
      if (!lv.is_object()) continue;
      const json::object& l = lv.as_object();
      p.licences.push_back({Str(l, "kind"), Str(l, "number"), Str(l, "scope"), Str(l, "valid_from"),
                            Str(l, "valid_to")});
    }
  }
  if (const json::value* ks = Field(o, "keys"); ks && ks->is_array()) {
    for (const auto& kv : ks->as_array()) {
      if (!kv.is_object()) continue;
      p.keys.push_back({Str(kv.as_object(), "key_id"), Bool(kv.as_object(), "revoked")});
    }
  }
  p.log_index = U64(o, "log_index");
  p.json = json::serialize(o);
  return p;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string q;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    q += q.empty() ? '?' : '&';
    q += k;
    q += '=';
    q += UrlEncode(v);
  }
  return q;
}

// Seconds from a Retry-After header (delta-seconds only), capped at 60.
std::chrono::milliseconds RetryAfter(const HttpResponse& r) {
  std::string v = r.Header("Retry-After");
  if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) {
    return std::chrono::milliseconds(0);
  }
  return std::chrono::milliseconds(std::min<int64_t>(std::stoll(v), 60) * 1000);
}

}  // namespace

StatusCode StatusCodeForHttp(int s) {
  switch (s) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 401:
      return StatusCode::kUnauthenticated;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kAlreadyExists;
    case 413:
      return StatusCode::kPayloadTooLarge;
    case 422:
      return StatusCode::kFailedPrecondition;
    case 429:
      return StatusCode::kResourceExhausted;
    case 503:
      return StatusCode::kUnavailable;
    case 500:
      return StatusCode::kInternal;
    default:
      break;
  }
  if (s >= 200 && s < 300) return StatusCode::kOk;
  if (s >= 400 && s < 500) return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

StatusOr<std::string> LotPath(std::string_view lot_ref) {
  QT_ASSIGN_OR_RETURN(LotKeyParts p, ParseLotRef(lot_ref));
  std::string product = p.scheme == fb::IdScheme::GTIN
                            ? p.product
                            : std::string(SchemeName(p.scheme)) + ":" + p.product;
  return "/v1/lots/" + UrlEncode(product) + "/" + UrlEncode(p.lot);
}

std::string RecordReceipt::ToProofText() const {
  Receipt r;
  r.extra = entry;
  r.index = index;
  r.proof = inclusion_proof;
  r.checkpoint_note = checkpoint;
  return FormatReceipt(r);
}

std::string RecordReceipt::RecordIdHex() const { return HexEncode(AsBytes(record_id)); }

// ---- connections, signing, retries ------------------------------------------------------------

struct Client::Impl {
  std::string host;
  uint16_t port = 0;

  std::mutex pool_mu;
  std::vector<std::unique_ptr<HttpClient>> idle;

  // The last timestamp used to sign each (method, target, body), so two
  // signatures over the same request never repeat (the server refuses a
  // signature it has seen).
  std::mutex ts_mu;
  std::map<std::string, int64_t> last_ts;

  std::mutex party_mu;
  std::string party;

  std::mutex rng_mu;
  std::mt19937_64 rng{std::random_device{}()};

  // The request signature carries no nonce, so two signatures over the same
  // request at the same second are identical and the server refuses the
  // second as a replay. Within this client the timestamp of a repeated
  // request moves forward; across clients (other processes with the same
  // key) a random start up to kTimestampSpread seconds in the past makes a
  // collision unlikely, and a refused replay is retried with a later one.
  static constexpr int64_t kTimestampSpread = 60;

  int64_t NextTimestamp(const std::string& request_key, int64_t now_s) {
    std::lock_guard lock(ts_mu);
    if (last_ts.size() > 4096) {
      for (auto it = last_ts.begin(); it != last_ts.end();) {
        it = it->second < now_s - kTimestampSpread ? last_ts.erase(it) : std::next(it);
      }
    }
    auto it = last_ts.find(request_key);
    int64_t t;
    if (it == last_ts.end()) {
      std::lock_guard rlock(rng_mu);
      t = now_s - std::uniform_int_distribution<int64_t>(0, kTimestampSpread - 1)(rng);
      last_ts.emplace(request_key, t);
    } else {
      t = std::max(it->second + 1, now_s - kTimestampSpread + 1);
      it->second = t;
    }
    return t;
  }

  double Jitter() {
    std::lock_guard lock(rng_mu);
    return std::uniform_real_distribution<double>(0.75, 1.25)(rng);
  }
};

Client::Client(std::unique_ptr<Impl> impl, std::optional<PrivateKey> key, ClientOptions options)
    : impl_(std::move(impl)), key_(std::move(key)), options_(std::move(options)) {
  impl_->party = options_.party;
}

Client::~Client() = default;

const std::string& Client::host() const { return impl_->host; }
uint16_t Client::port() const { return impl_->port; }

StatusOr<std::unique_ptr<Client>> Client::Create(std::string host, uint16_t port,
                                                 std::optional<PrivateKey> key,
                                                 ClientOptions options) {
  if (host.empty()) return InvalidArgument("server host is empty", "bad_server");
  if (port == 0) return InvalidArgument("server port must be 1-65535", "bad_server");
  if (options.verify_receipts && !options.verifier) {
    return InvalidArgument("verify_receipts needs a verifier (the host's public key and origin)",
                           "no_verifier");
  }
  if (options.max_attempts < 1) options.max_attempts = 1;
  if (options.max_batch_records == 0) options.max_batch_records = 1;
  if (options.clock == nullptr) options.clock = SystemClock::Default();
  auto impl = std::make_unique<Impl>();
  impl->host = std::move(host);
  impl->port = port;
  return std::unique_ptr<Client>(new Client(std::move(impl), std::move(key), std::move(options)));
}

StatusOr<std::unique_ptr<Client>> Client::Create(std::string_view server,
                                                 std::optional<PrivateKey> key,
                                                 ClientOptions options) {
  std::string_view s = server;
  auto bad = [&](std::string why) {
    return InvalidArgument(
        "server '" + std::string(server) + "': " + why + " (expected http(s)://host:port)",
        "bad_server");
  };
  uint16_t port = kDefaultPort;
  if (s.substr(0, 8) == "https://") {
    s.remove_prefix(8);
    options.tls = true;
    port = 443;
  } else if (s.substr(0, 7) == "http://") {
    s.remove_prefix(7);
  }
  while (!s.empty() && s.back() == '/') s.remove_suffix(1);
  if (s.empty()) return bad("no host");
  if (s.find('/') != std::string_view::npos) return bad("a path is not allowed");
  std::string host;
  std::string_view port_text;
  if (s.front() == '[') {  // [v6]:port
    auto close = s.find(']');
    if (close == std::string_view::npos) return bad("unclosed [");
    host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("junk after ]");
      port_text = rest.substr(1);
    }
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) {
      host = std::string(s);
    } else {
      host = std::string(s.substr(0, colon));
      port_text = s.substr(colon + 1);
    }
  }
  if (!port_text.empty() || s.back() == ':') {
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos ||
        std::stoul(std::string(port_text)) > 65535 || std::stoul(std::string(port_text)) == 0) {
      return bad("bad port");
    }
    port = static_cast<uint16_t>(std::stoul(std::string(port_text)));
  }
  if (host.empty()) return bad("no host");
  return Create(std::move(host), port, std::move(key), std::move(options));
}

StatusOr<HttpResponse> Client::Call(std::string_view method, std::string_view target,
                                    std::string_view body, std::string_view content_type,
                                    bool sign) {
  if (sign && !key_) {
    return FailedPrecondition("this request must be signed: give the client a private key",
                              "no_key");
  }
  std::string request_key;
  if (sign) {
    request_key =
        std::string(method) + " " + std::string(target) + " " + HexEncode(AsBytes(Sha256(body)));
  }
  Status last;
  int replays = 0;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    std::unique_ptr<HttpClient> conn;
    {
      std::lock_guard lock(impl_->pool_mu);
      if (!impl_->idle.empty()) {
        conn = std::move(impl_->idle.back());
        impl_->idle.pop_back();
      }
    }
    if (!conn) {
      HttpClientOptions ho;
      ho.timeout = options_.timeout;
      ho.tls = options_.tls;
      ho.ca_file = options_.ca_file;
      conn = std::make_unique<HttpClient>(impl_->host, impl_->port, ho);
    }
    std::vector<std::pair<std::string, std::string>> headers;
    if (sign) {
      int64_t now_s = options_.clock->NowMicros() / kMicrosPerSecond;
      headers = SignRequest(*key_, method, target, body, impl_->NextTimestamp(request_key, now_s));
    }
    StatusOr<HttpResponse> r = conn->Request(method, target, body, content_type, headers);
    std::chrono::milliseconds wait{0};
    if (r.ok()) {
      {
        std::lock_guard lock(impl_->pool_mu);
        if (impl_->idle.size() < options_.max_idle_connections) {
          impl_->idle.push_back(std::move(conn));
        }
      }
      if (r->status >= 200 && r->status < 300) return r;
      last = ErrorFrom(*r);
      if (r->status == 401 && sign && last.reason() == "replayed_request" && replays < 16) {
        // Another client with this key signed the same request at the same
        // second; the next attempt carries a later timestamp.
        ++replays;
        --attempt;
        continue;
      }
      if (r->status != 429 && r->status != 503) return last;
      wait = RetryAfter(*r);
    } else {
      last = r.status();  // the connection is dropped with `conn`
    }
    if (attempt == options_.max_attempts) break;
    auto backoff = options_.initial_backoff * (1LL << std::min(attempt - 1, 20));
    backoff = std::min<std::chrono::milliseconds>(backoff, options_.max_backoff);
    auto jittered = std::chrono::milliseconds(
        static_cast<int64_t>(static_cast<double>(backoff.count()) * impl_->Jitter()));
    std::this_thread::sleep_for(std::max(wait, jittered));
  }
  if (options_.max_attempts > 1) {
    return last.WithPrefix("after " + std::to_string(options_.max_attempts) + " attempts");
  }
  return last;
}

// ---- writing -----------------------------------------------------------------------------------

StatusOr<std::string> Client::Party() {
  {
    std::lock_guard lock(impl_->party_mu);
    if (!impl_->party.empty()) return impl_->party;
  }
  if (!key_) return FailedPrecondition("no key: cannot tell which party this client is", "no_key");
  std::string want = HexEncode(AsBytes(key_->id()));
  std::string cursor;
  for (;;) {
    QT_ASSIGN_OR_RETURN(PartyPage page, ListParties(cursor, 1000));
    for (const PartyView& p : page.parties) {
      for (const PartyKeyView& k : p.keys) {
        if (k.key_id == want && !k.revoked) {
          std::lock_guard lock(impl_->party_mu);
          impl_->party = p.party_id;
          return impl_->party;
        }
      }
    }
    if (page.next_cursor.empty()) break;
    cursor = page.next_cursor;
  }
  return NotFound("no registered party holds key " + want.substr(0, 16) +
                      "... (register the party with this public key, or name the party)",
                  "unknown_key");
}

StatusOr<SignedEnvelope> Client::Sign(std::string_view record_json) {
  if (!key_) return FailedPrecondition("no key: cannot sign records", "no_key");
  QT_ASSIGN_OR_RETURN(std::string party, Party());
  QT_ASSIGN_OR_RETURN(std::string payload,
                      BuildRecordPayload(record_json, party, options_.clock->NowMicros()));
  return SignPayload(*key_, kRecordPayloadType, std::move(payload));
}

StatusOr<RecordReceipt> Client::SubmitJson(std::string_view record_json) {
  QT_ASSIGN_OR_RETURN(SignedEnvelope env, Sign(record_json));
  return Submit(env);
}

template <typename Spec>
StatusOr<RecordReceipt> Client::SubmitSpec(const Spec& spec) {
  return SubmitJson(ToRecordJson(spec));
}

StatusOr<RecordReceipt> Client::RegisterParty(const PartySpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::RotateKey(const KeyRotationSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::RevokeKey(const KeyRevocationSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::RegisterProduct(const ProductSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::RegisterUnit(const UnitSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::ApplyInput(const ApplyInputSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::MarkEmptied(const EmptiedSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::RecordProcessRun(const ProcessRunSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::RecordStorage(const StoredSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::RegisterLot(const LotSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::Ship(const ShipmentSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::Receive(const ReceiveSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::Dispose(const DispositionSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::Pack(AggregationSpec s) {
  s.action = "pack";
  return SubmitSpec(s);
}
StatusOr<RecordReceipt> Client::Unpack(AggregationSpec s) {
  s.action = "unpack";
  return SubmitSpec(s);
}
StatusOr<RecordReceipt> Client::Adjust(const AdjustmentSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::SetLotStatus(const LotStatusSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::Correct(const CorrectionSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::IssueCertificate(const CertificateSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::ChangeCertificateStatus(const CertificateStatusSpec& s) {
  return SubmitSpec(s);
}
StatusOr<RecordReceipt> Client::PostInspection(const InspectionSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::PublishRuleParameters(const RuleParametersSpec& s) {
  return SubmitSpec(s);
}
StatusOr<RecordReceipt> Client::OrderRecall(const RecallOrderSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::AcknowledgeRecall(const RecallAckSpec& s) { return SubmitSpec(s); }
StatusOr<RecordReceipt> Client::ReportRecallProgress(const RecallProgressSpec& s) {
  return SubmitSpec(s);
}
StatusOr<RecordReceipt> Client::TransitionRecall(const RecallTransitionSpec& s) {
  return SubmitSpec(s);
}
StatusOr<RecordReceipt> Client::WidenRecall(const RecallWidenSpec& s) { return SubmitSpec(s); }

namespace {

StatusOr<RecordReceipt> ReceiptFromJson(const json::object& o) {
  RecordReceipt r;
  r.http_status = static_cast<int>(U64(o, "status"));
  r.duplicate = Bool(o, "duplicate");
  r.index = U64(o, "index");
  if (!DecodeHexHash(Str(o, "record_id"), &r.record_id))
    return BadAnswer("receipt without record_id");
  if (!DecodeB64Hash(Str(o, "leaf_hash"), &r.leaf_hash))
    return BadAnswer("receipt without leaf_hash");
  r.type = Str(o, "type");
  r.record_time = Str(o, "record_time");
  auto entry = Base64Decode(Str(o, "entry"));
  if (!entry) return BadAnswer("receipt without entry");
  r.entry = std::move(*entry);
  r.checkpoint = Str(o, "checkpoint");
  r.tree_size = U64(o, "tree_size");
  QT_ASSIGN_OR_RETURN(r.inclusion_proof, HashList(o, "inclusion_proof"));
  return r;
}

// A copy of `bytes` that is 8-byte aligned (log entries are read in place).
struct AlignedBytes {
  explicit AlignedBytes(std::string_view bytes)
      : words((bytes.size() + 7) / 8), size(bytes.size()) {
    if (size > 0) std::memcpy(words.data(), bytes.data(), size);
  }
  std::string_view view() const { return {reinterpret_cast<const char*>(words.data()), size}; }
  std::vector<uint64_t> words;
  size_t size;
};

// Checks a receipt offline: checkpoint signature and origin, leaf hash,
// inclusion, and that the entry holds exactly `sent` at `index`.
Status CheckReceipt(const LogVerifier& verifier, const RecordReceipt& r,
                    const SignedEnvelope& sent) {
  auto bad = [](std::string why) {
    return Unauthenticated("the receipt does not verify: " + std::move(why), "bad_receipt");
  };
  QT_ASSIGN_OR_RETURN(Checkpoint cp, verifier.OpenCheckpoint(r.checkpoint));
  if (LeafHash(r.entry) != r.leaf_hash) return bad("leaf hash is not the hash of the entry");
  Status inc = VerifyInclusion(r.leaf_hash, r.index, cp.size, r.inclusion_proof, cp.root);
  if (!inc.ok()) return bad(inc.message());
  AlignedBytes bytes(r.entry);
  auto entry = VerifyLogEntry(bytes.view(), /*verify_record=*/false);
  if (!entry.ok()) return bad("the entry is not a log entry: " + entry.status().message());
  if ((*entry)->index() != r.index) return bad("the entry names another log index");
  SignedEnvelope logged = EnvelopeOfEntry(**entry);
  if (logged.payload_type != sent.payload_type || logged.payload != sent.payload ||
      logged.key_id != sent.key_id || logged.signature != sent.signature) {
    return bad("the logged entry does not hold the envelope that was sent");
  }
  if (RecordIdOf(sent.payload_type, sent.payload) != r.record_id) {
    return bad("the record id is not the id of the envelope that was sent");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<RecordReceipt> Client::ParseAndCheckReceipt(const HttpResponse& response,
                                                     const SignedEnvelope& sent) {
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(response.body));
  QT_ASSIGN_OR_RETURN(RecordReceipt r, ReceiptFromJson(o));
  if (r.http_status == 0) r.http_status = response.status;
  if (options_.verify_receipts) {
    QT_RETURN_IF_ERROR(CheckReceipt(*options_.verifier, r, sent));
    r.verified = true;
  }
  return r;
}

StatusOr<RecordReceipt> Client::Submit(const SignedEnvelope& envelope) {
  QT_ASSIGN_OR_RETURN(HttpResponse res,
                      Call("POST", "/v1/records", EncodeEnvelope(envelope), kFlatbuffers));
  return ParseAndCheckReceipt(res, envelope);
}

StatusOr<std::vector<BatchItemResult>> Client::SubmitBatch(
    const std::vector<SignedEnvelope>& envelopes) {
  std::vector<BatchItemResult> out;
  out.reserve(envelopes.size());
  for (size_t start = 0; start < envelopes.size(); start += options_.max_batch_records) {
    size_t end = std::min(envelopes.size(), start + options_.max_batch_records);
    std::vector<SignedEnvelope> chunk(envelopes.begin() + start, envelopes.begin() + end);
    QT_ASSIGN_OR_RETURN(HttpResponse res, Call("POST", "/v1/records:batch",
                                               EncodeEnvelopeBatch(chunk), kFlatbuffers));
    QT_ASSIGN_OR_RETURN(json::object o, ParseObject(res.body));
    const json::value* results = Field(o, "results");
    if (results == nullptr || !results->is_array() || results->as_array().size() != chunk.size()) {
      return BadAnswer("a batch answer needs one result per envelope");
    }
    for (size_t i = 0; i < chunk.size(); ++i) {
      const json::value& item = results->as_array()[i];
      if (!item.is_object()) return BadAnswer("a batch result is not an object");
      const json::object& io = item.as_object();
      BatchItemResult br;
      if (io.contains("code")) {
        br.status = ErrorFromJson(io);
      } else {
        auto r = ReceiptFromJson(io);
        if (!r.ok()) return r.status();
        if (options_.verify_receipts) {
          br.status = CheckReceipt(*options_.verifier, *r, chunk[i]);
          r->verified = br.status.ok();
        }
        br.receipt = std::move(*r);
      }
      out.push_back(std::move(br));
    }
  }
  return out;
}

// ---- reading
// -------------------------------------------------------------------------------------

StatusOr<LotState> Client::GetLot(std::string_view lot_ref) {
  QT_ASSIGN_OR_RETURN(std::string path, LotPath(lot_ref));
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", path, {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  return LotFromJson(o);
}

StatusOr<LotPage> Client::FindLots(const LotQuery& q) {
  std::string target = "/v1/lots" + QueryString({{"product", q.product},
                                                 {"site", q.site},
                                                 {"from", q.from},
                                                 {"to", q.to},
                                                 {"limit", std::to_string(q.limit)},
                                                 {"cursor", q.cursor}});
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", target, {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  LotPage page;
  if (const json::value* lots = Field(o, "lots"); lots && lots->is_array()) {
    for (const auto& l : lots->as_array()) {
      if (l.is_object()) page.lots.push_back(LotFromJson(l.as_object()));
    }
  }
  page.next_cursor = Str(o, "next_cursor");
  return page;
}

Status Client::ForEachLot(LotQuery query, const std::function<bool(const LotState&)>& each) {
  for (;;) {
    QT_ASSIGN_OR_RETURN(LotPage page, FindLots(query));
    for (const LotState& l : page.lots) {
      if (!each(l)) return Status::Ok();
    }
    if (page.next_cursor.empty()) return Status::Ok();
    query.cursor = page.next_cursor;
  }
}

namespace {

StatusOr<std::string> TraceTarget(std::string_view lot_ref, TraceDirection d, const TraceQuery& q,
                                  bool csv) {
  QT_ASSIGN_OR_RETURN(std::string path, LotPath(lot_ref));
  return path + "/trace" +
         QueryString({{"direction", d == TraceDirection::kForward ? "forward" : "backward"},
                      {"depth", q.depth ? std::to_string(*q.depth) : ""},
                      {"as_of", q.as_of ? std::to_string(*q.as_of) : ""},
                      {"format", csv ? "csv" : ""}});
}

}  // namespace

StatusOr<TraceResult> Client::Trace(std::string_view lot_ref, TraceDirection direction,
                                    const TraceQuery& query) {
  QT_ASSIGN_OR_RETURN(std::string target, TraceTarget(lot_ref, direction, query, false));
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", target, {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  TraceResult t;
  t.direction = Str(o, "direction");
  t.seed = Str(o, "seed");
  t.as_of = U64(o, "as_of");
  t.truncated = Bool(o, "truncated");
  t.hidden_lots = U64(o, "hidden_lots");
  if (const json::value* lots = Field(o, "lots"); lots && lots->is_array()) {
    for (const auto& lv : lots->as_array()) {
      if (!lv.is_object()) continue;
      const json::object& l = lv.as_object();
      TraceStep s;
      s.lot = LotFromJson(l);
      s.depth = static_cast<uint32_t>(U64(l, "depth"));
      s.from = Str(l, "from");
      s.via = Str(l, "via");
      s.terminal = Bool(l, "terminal");
      t.steps.push_back(std::move(s));
    }
  }
  t.json = std::move(r.body);
  return t;
}

StatusOr<std::string> Client::TraceCsv(std::string_view lot_ref, TraceDirection direction,
                                       const TraceQuery& query) {
  QT_ASSIGN_OR_RETURN(std::string target, TraceTarget(lot_ref, direction, query, true));
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", target, {}, {}, true));
  return std::move(r.body);
}

namespace {

Status CheckRecordId(std::string_view hex) {
  Hash256 h;
  if (!DecodeHexHash(hex, &h)) {
    return InvalidArgument("a record id is 64 hex digits, got '" + std::string(hex) + "'",
                           "bad_record_id");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<RecordView> Client::GetRecord(std::string_view id) {
  QT_RETURN_IF_ERROR(CheckRecordId(id));
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", "/v1/records/" + std::string(id), {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  RecordView v;
  v.index = U64(o, "index");
  v.record_id = Str(o, "record_id");
  v.record_time = Str(o, "record_time");
  v.payload_type = Str(o, "payload_type");
  v.key_id = Str(o, "key_id");
  v.signature = Str(o, "signature");
  v.leaf_hash = Str(o, "leaf_hash");
  if (const json::value* rec = Field(o, "record"); rec && rec->is_object()) {
    v.type = Str(rec->as_object(), "type");
    v.party = Str(rec->as_object(), "party");
    v.record_json = json::serialize(*rec);
  }
  if (Field(o, "declared_erroneous_at")) v.declared_erroneous_at = U64(o, "declared_erroneous_at");
  v.json = std::move(r.body);
  return v;
}

StatusOr<std::string> Client::GetReceipt(std::string_view id) {
  QT_RETURN_IF_ERROR(CheckRecordId(id));
  QT_ASSIGN_OR_RETURN(HttpResponse r,
                      Call("GET", "/v1/records/" + std::string(id) + "/receipt", {}, {}, true));
  if (options_.verify_receipts) {
    QT_ASSIGN_OR_RETURN(VerifiedReceipt v, options_.verifier->VerifyReceipt(r.body));
    AlignedBytes bytes(v.entry);
    auto entry = VerifyLogEntry(bytes.view(), false);
    if (!entry.ok())
      return Unauthenticated("the receipt's entry is not a log entry", "bad_receipt");
    SignedEnvelope e = EnvelopeOfEntry(**entry);
    if (HexEncode(AsBytes(RecordIdOf(e.payload_type, e.payload))) != id) {
      return Unauthenticated("the receipt is for another record", "bad_receipt");
    }
  }
  return std::move(r.body);
}

StatusOr<PartyView> Client::GetParty(std::string_view party_id) {
  QT_ASSIGN_OR_RETURN(HttpResponse r,
                      Call("GET", "/v1/parties/" + UrlEncode(party_id), {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  return PartyFromJson(o);
}

StatusOr<PartyPage> Client::ListParties(std::string_view cursor, uint32_t limit) {
  std::string target = "/v1/parties" + QueryString({{"limit", std::to_string(limit)},
                                                    {"cursor", std::string(cursor)}});
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", target, {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  PartyPage page;
  if (const json::value* ps = Field(o, "parties"); ps && ps->is_array()) {
    for (const auto& p : ps->as_array()) {
      if (p.is_object()) page.parties.push_back(PartyFromJson(p.as_object()));
    }
  }
  page.next_cursor = Str(o, "next_cursor");
  return page;
}

// ---- the log
// --------------------------------------------------------------------------------------

StatusOr<CheckpointView> Client::GetCheckpoint() {
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", "/v1/log/checkpoint"));
  CheckpointView v;
  v.note = std::move(r.body);
  if (options_.verifier) {
    QT_ASSIGN_OR_RETURN(v.checkpoint, options_.verifier->OpenCheckpoint(v.note));
    v.verified = true;
  } else {
    QT_ASSIGN_OR_RETURN(v.checkpoint, ParseCheckpointUnverified(v.note));
  }
  return v;
}

StatusOr<InclusionProofView> Client::GetInclusionProof(uint64_t index, uint64_t size) {
  std::string target = "/v1/log/proof/inclusion?index=" + std::to_string(index);
  if (size != 0) target += "&size=" + std::to_string(size);
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", target));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  InclusionProofView v;
  v.index = U64(o, "index");
  v.size = U64(o, "size");
  if (!DecodeB64Hash(Str(o, "leaf_hash"), &v.leaf_hash))
    return BadAnswer("proof without leaf_hash");
  QT_ASSIGN_OR_RETURN(v.proof, HashList(o, "proof"));
  return v;
}

StatusOr<ConsistencyProofView> Client::GetConsistencyProof(uint64_t from, uint64_t to) {
  std::string target = "/v1/log/proof/consistency?from=" + std::to_string(from);
  if (to != 0) target += "&to=" + std::to_string(to);
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", target));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  ConsistencyProofView v;
  v.from = U64(o, "from");
  v.to = U64(o, "to");
  QT_ASSIGN_OR_RETURN(v.proof, HashList(o, "proof"));
  return v;
}

Status Client::VerifyConsistency(const Checkpoint& older, const Checkpoint& newer) {
  if (!options_.verifier) {
    return FailedPrecondition("checking consistency needs a verifier (host key and origin)",
                              "no_verifier");
  }
  std::vector<Hash256> proof;
  if (older.size > 0 && older.size < newer.size) {
    QT_ASSIGN_OR_RETURN(ConsistencyProofView v, GetConsistencyProof(older.size, newer.size));
    proof = std::move(v.proof);
  }
  return options_.verifier->VerifyConsistency(older, newer, proof);
}

StatusOr<uint64_t> Client::LogSize() {
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", "/healthz"));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  return U64(o, "log_size");
}

// ---- recalls ------------------------------------------------------------------------------

namespace {

double Num(const json::object& o, std::string_view k) {
  const json::value* v = Field(o, k);
  if (v == nullptr) return 0;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return 0;
}

const json::array* Array(const json::object& o, std::string_view k) {
  const json::value* v = Field(o, k);
  return v && v->is_array() ? &v->as_array() : nullptr;
}

template <typename F>
void EachObject(const json::object& o, std::string_view k, F&& f) {
  if (const json::array* a = Array(o, k)) {
    for (const auto& x : *a) {
      if (x.is_object()) f(x.as_object());
    }
  }
}

Status CheckRecallId(std::string_view id) {
  if (id.empty()) return InvalidArgument("a recall id is required", "bad_recall_id");
  return Status::Ok();
}

RecallSummary SummaryFromJson(const json::object& o) {
  RecallSummary r;
  r.recall_id = Str(o, "recall_id");
  r.sector = Str(o, "sector");
  r.level = Str(o, "level");
  r.state = Str(o, "state");
  r.responsible = Str(o, "responsible");
  r.decided_at = Str(o, "decided_at");
  r.lots = U64(o, "lots");
  r.parties = U64(o, "parties");
  EachObject(o, "overdue", [&](const json::object& x) {
    r.overdue.push_back({Str(x, "party"), Str(x, "what"), Str(x, "due")});
  });
  return r;
}

}  // namespace

StatusOr<RecallView> Client::GetRecall(std::string_view id) {
  QT_RETURN_IF_ERROR(CheckRecallId(id));
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", "/v1/recalls/" + UrlEncode(id), {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  RecallView v;
  v.recall_id = Str(o, "recall_id");
  v.sector = Str(o, "sector");
  v.level = Str(o, "level");
  v.hazard = Str(o, "hazard");
  v.reason = Str(o, "reason");
  v.state = Str(o, "state");
  v.depth = Str(o, "depth");
  v.responsible = Str(o, "responsible");
  v.ordered_by = Str(o, "ordered_by");
  v.decided_at = Str(o, "decided_at");
  v.risk_known_at = Str(o, "risk_known_at");
  v.log_index = U64(o, "log_index");
  if (const json::value* sc = Field(o, "scope"); sc && sc->is_object()) {
    const json::object& so = sc->as_object();
    v.scope_as_of = U64(so, "as_of");
    v.scope_digest = Str(so, "digest");
    v.scope_lots = Strings(so, "lots");
    v.scope_serials = Strings(so, "serials");
  }
  EachObject(o, "parties", [&](const json::object& x) {
    RecallPartyView p;
    p.party = Str(x, "party");
    p.notified = Bool(x, "notified");
    p.for_information = Bool(x, "for_information");
    p.notified_at = Str(x, "notified_at");
    p.ack_due = Str(x, "ack_due");
    p.acknowledged = Bool(x, "acknowledged");
    p.acknowledged_at = Str(x, "acknowledged_at");
    p.on_time = Bool(x, "on_time");
    p.overdue = Strings(x, "overdue");
    p.last_report_at = Str(x, "last_report_at");
    p.evidence = Strings(x, "evidence");
    v.parties.push_back(std::move(p));
  });
  EachObject(o, "deadlines", [&](const json::object& x) {
    v.deadlines.push_back({Str(x, "what"), Str(x, "party"), Str(x, "due"), Str(x, "met_at"),
                           Bool(x, "missed")});
  });
  if (const json::value* e = Field(o, "effectiveness"); e && e->is_object()) {
    const json::object& eo = e->as_object();
    EachObject(eo, "by_holder", [&](const json::object& x) {
      v.holders.push_back({Str(x, "party"), Str(x, "lot"), Str(x, "distributed"),
                           Str(x, "recovered"), Str(x, "destroyed"), Str(x, "consumed"),
                           Str(x, "corrected"), Str(x, "unaccounted")});
    });
    v.notified_parties = U64(eo, "notified_parties");
    v.acknowledged = U64(eo, "acknowledged");
    v.acknowledged_on_time = U64(eo, "acknowledged_on_time");
    v.accounted_share = Num(eo, "accounted_share");
    v.acknowledged_share = Num(eo, "acknowledged_share");
    v.on_time_share = Num(eo, "on_time_share");
  }
  v.json = std::move(r.body);
  return v;
}

StatusOr<std::vector<RecallSummary>> Client::ListRecalls(bool include_closed) {
  QT_ASSIGN_OR_RETURN(HttpResponse r,
                      Call("GET", include_closed ? "/v1/recalls?state=all" : "/v1/recalls", {}, {},
                           true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  std::vector<RecallSummary> out;
  EachObject(o, "recalls", [&](const json::object& x) { out.push_back(SummaryFromJson(x)); });
  return out;
}

StatusOr<std::vector<RecallSummary>> Client::ListOverdueRecalls() {
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", "/v1/recalls/overdue", {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  std::vector<RecallSummary> out;
  EachObject(o, "recalls", [&](const json::object& x) { out.push_back(SummaryFromJson(x)); });
  return out;
}

StatusOr<std::vector<RecallCandidateView>> Client::RecallCandidates() {
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", "/v1/recalls/candidates", {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  std::vector<RecallCandidateView> out;
  EachObject(o, "candidates", [&](const json::object& x) {
    RecallCandidateView c{Str(x, "certificate"), Str(x, "kind"), Str(x, "issuer"),
                          Str(x, "status"), Str(x, "since")};
    EachObject(x, "lots", [&](const json::object& l) {
      RecallCandidateView::Lot lot{Str(l, "lot"), Str(l, "producer"), Str(l, "produced")};
      if (const auto* h = l.if_contains("holders"); h && h->is_array()) {
        for (const auto& p : h->as_array()) {
          if (p.is_string()) lot.holders.emplace_back(p.as_string());
        }
      }
      c.lots.push_back(std::move(lot));
    });
    out.push_back(std::move(c));
  });
  return out;
}

StatusOr<std::string> Client::RecallScopeCsv(std::string_view id) {
  QT_RETURN_IF_ERROR(CheckRecallId(id));
  QT_ASSIGN_OR_RETURN(HttpResponse r,
                      Call("GET", "/v1/recalls/" + UrlEncode(id) + "/scope?format=csv", {}, {}, true));
  return std::move(r.body);
}

StatusOr<std::string> Client::RecomputeRecallScope(std::string_view id) {
  QT_RETURN_IF_ERROR(CheckRecallId(id));
  QT_ASSIGN_OR_RETURN(HttpResponse r,
                      Call("GET", "/v1/recalls/" + UrlEncode(id) + "/recompute", {}, {}, true));
  return std::move(r.body);
}

StatusOr<NoticePage> Client::Notices(std::string_view cursor, uint32_t limit) {
  std::string target = "/v1/notices" + QueryString({{"limit", std::to_string(limit)},
                                                    {"cursor", std::string(cursor)}});
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", target, {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  NoticePage page;
  EachObject(o, "notices", [&](const json::object& x) {
    RecallNoticeView n;
    n.recall_id = Str(x, "recall_id");
    n.hazard = Str(x, "hazard");
    n.level = Str(x, "level");
    n.sector = Str(x, "sector");
    n.responsible = Str(x, "responsible");
    n.state = Str(x, "state");
    n.ack_due = Str(x, "ack_due");
    n.complete_due = Str(x, "complete_due");
    n.acknowledged = Bool(x, "acknowledged");
    n.notice_log_index = U64(x, "notice_log_index");
    EachObject(x, "lots", [&](const json::object& l) {
      n.lots.push_back({Str(l, "lot"), Str(l, "held"), Str(l, "received")});
    });
    page.notices.push_back(std::move(n));
  });
  page.next_cursor = Str(o, "next_cursor");
  return page;
}

StatusOr<TraceBackResult> Client::TraceBack(const std::vector<std::string>& failed_lots) {
  if (failed_lots.empty()) {
    return InvalidArgument("trace-back needs at least one failed lot", "bad_request");
  }
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto& l : failed_lots) params.emplace_back("lot", l);
  QT_ASSIGN_OR_RETURN(HttpResponse r, Call("GET", "/v1/traceback" + QueryString(params), {}, {}, true));
  QT_ASSIGN_OR_RETURN(json::object o, ParseObject(r.body));
  TraceBackResult t;
  t.failed_lots = U64(o, "failed_lots");
  EachObject(o, "candidates", [&](const json::object& x) {
    TraceBackCandidate c;
    c.lot = Str(x, "lot");
    c.producer = Str(x, "producer");
    c.explains = U64(x, "explains");
    c.share = Num(x, "share");
    c.nearest_depth = U64(x, "nearest_depth");
    c.failed_lots = Strings(x, "failed_lots");
    t.candidates.push_back(std::move(c));
  });
  t.json = std::move(r.body);
  return t;
}

}  // namespace qtrace
