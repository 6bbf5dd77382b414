// `qtrace sign` (a readable JSON record into a signed envelope, offline) and
// `qtrace import` (a JSON-lines file of readable records or signed
// envelopes, submitted in batches, with a progress bar on a terminal and a
// summary of what was accepted and what was rejected, by line number).
#include <unistd.h>

#include <boost/json.hpp>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "client_flags.h"
#include "output.h"
#include "qtrace/encoding.h"
#include "qtrace/record_builder.h"
#include "qtrace/record_json.h"

namespace qtrace::cli {
namespace {

namespace json = boost::json;

std::optional<CommandResult> ReadInput(const std::string& path, std::string* out) {
  if (path != "-") return ReadFileArg("input", path, out);
  *out = std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  return std::nullopt;
}

// ---- sign ---------------------------------------------------------------------------------

struct SignArgs {
  std::string file, out, key, party, format = "json";
  std::string at;
};

CommandResult SignCommand(const SignArgs& a) {
  if (a.format != "json" && a.format != "fb") return UsageError("--format is json or fb");
  if (a.format == "fb" && a.out.empty())
    return UsageError("--format fb writes binary: give -o FILE");
  std::string text;
  if (auto e = ReadInput(a.file, &text)) return *e;
  if (a.key.empty()) return UsageError("signing needs your private key: --key FILE or QTRACE_KEY");
  auto key = PrivateKey::LoadPem(a.key);
  if (!key.ok()) return UsageError("--key " + a.key + ": " + key.status().message());
  if (!a.at.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (!ec && v.is_object() && !v.as_object().contains("event_time")) {
      v.as_object()["event_time"] = a.at;
      text = json::serialize(v);
    }
  }
  RecordSigner signer(*key, a.party);
  auto env = signer.SignJson(text);
  if (!env.ok()) {
    std::string hint = env.status().message().find("party") != std::string::npos
                           ? " (name the party in the record or with --party)"
                           : "";
    return InputError(env.status().WithPrefix(a.file), hint);
  }
  std::string bytes = a.format == "fb" ? EncodeEnvelope(*env) : EnvelopeToJson(*env) + "\n";
  std::string id = HexEncode(AsBytes(RecordIdOf(env->payload_type, env->payload)));
  std::string type = "record";
  std::string party;
  if (auto rec = VerifyRecordPayload(env->payload); rec.ok()) {
    type = std::string(BodyTypeName((*rec)->body_type()));
    if ((*rec)->header() && (*rec)->header()->party()) party = (*rec)->header()->party()->str();
  }
  if (a.out.empty()) return Success(bytes);
  if (auto e = WriteFileArg("-o", a.out, bytes)) return *e;
  return Success("signed " + type + " record of " + party + " (record id " + id + ") -> " + a.out +
                 "\n");
}

// ---- import -------------------------------------------------------------------------------

struct ImportArgs {
  ConnectionFlags conn;
  std::string file;
  size_t batch_size = 500;
  bool progress = false, no_progress = false;
};

struct Line {
  size_t number = 0;
  std::optional<SignedEnvelope> envelope;
  Status status;  // a local problem (the line is not sent)
};

struct Rejection {
  size_t line;
  Status status;
};

std::string RejectionText(const Rejection& r) {
  std::string s =
      "  line " + std::to_string(r.line) + ": " + std::string(StatusCodeName(r.status.code()));
  if (r.status.reason() != StatusCodeName(r.status.code()))
    s += " " + std::string(r.status.reason());
  s += ": " + r.status.message() + "\n";
  for (const auto& d : r.status.details()) {
    if (d != r.status.message()) s += "      - " + d + "\n";
  }
  return s;
}

CommandResult ImportCommand(const ImportArgs& a) {
  if (a.batch_size == 0 || a.batch_size > 10'000) return UsageError("--batch-size is 1-10000");
  std::string text;
  if (auto e = ReadInput(a.file, &text)) return *e;
  std::unique_ptr<Client> client;
  if (auto e = MakeClient(a.conn, KeyUse::kOptional, &client)) return *e;

  // Read and sign every line first: a line that does not map is rejected
  // here, with its number, and never sent.
  std::vector<Line> lines;
  bool party_known = false;
  std::istringstream in(text);
  size_t number = 0;
  for (std::string raw; std::getline(in, raw);) {
    ++number;
    std::string_view t = raw;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    if (t.empty()) continue;
    Line line;
    line.number = number;
    boost::system::error_code ec;
    json::value v = json::parse(json::string_view(t.data(), t.size()), ec);
    if (ec || !v.is_object()) {
      line.status = InvalidArgument(
          ec ? "malformed JSON: " + ec.message() : "a line must be a JSON object", "bad_json");
    } else if (v.as_object().contains("payload_type")) {
      auto env = EnvelopeFromJson(t);
      if (env.ok()) {
        line.envelope = std::move(*env);
      } else {
        line.status = env.status();
      }
    } else if (a.conn.key.empty()) {
      line.status = InvalidArgument("a readable record needs --key to be signed", "no_key");
    } else {
      if (!party_known) {
        auto party = client->Party();
        if (!party.ok()) return ServerError(party.status(), "finding the party of --key");
        party_known = true;
      }
      auto env = client->Sign(t);
      if (env.ok()) {
        line.envelope = std::move(*env);
      } else {
        line.status = env.status();
      }
    }
    lines.push_back(std::move(line));
  }

  size_t accepted = 0, duplicates = 0, done = 0;
  uint64_t first_index = UINT64_MAX, last_index = 0;
  std::vector<Rejection> rejected;
  ProgressBar bar(lines.size(), a.progress && !a.no_progress);
  std::optional<Status> stopped;
  for (size_t start = 0; start < lines.size(); start += a.batch_size) {
    size_t end = std::min(lines.size(), start + a.batch_size);
    std::vector<SignedEnvelope> envs;
    std::vector<size_t> which;
    for (size_t i = start; i < end; ++i) {
      if (lines[i].envelope) {
        envs.push_back(*lines[i].envelope);
        which.push_back(i);
      } else {
        rejected.push_back({lines[i].number, lines[i].status});
      }
    }
    if (!envs.empty()) {
      auto results = client->SubmitBatch(envs);
      if (!results.ok()) {
        stopped = results.status();
        break;
      }
      for (size_t k = 0; k < results->size(); ++k) {
        const BatchItemResult& r = (*results)[k];
        if (r.status.ok()) {
          ++accepted;
          if (r.receipt->duplicate) ++duplicates;
          first_index = std::min(first_index, r.receipt->index);
          last_index = std::max(last_index, r.receipt->index);
        } else {
          rejected.push_back({lines[which[k]].number, r.status});
        }
      }
    }
    done = end;
    bar.Update(done, accepted, rejected.size());
  }
  bar.Finish();
  std::sort(rejected.begin(), rejected.end(),
            [](const Rejection& x, const Rejection& y) { return x.line < y.line; });

  std::string out;
  if (a.conn.json) {
    json::array rj;
    for (const auto& r : rejected) {
      json::array details;
      for (const auto& d : r.status.details()) details.emplace_back(d);
      rj.push_back(json::object{{"line", r.line},
                                {"code", StatusCodeName(r.status.code())},
                                {"reason", r.status.reason()},
                                {"message", r.status.message()},
                                {"details", std::move(details)}});
    }
    json::object o{{"file", a.file},       {"records", lines.size()},  {"submitted", done},
                   {"accepted", accepted}, {"duplicates", duplicates}, {"rejected", std::move(rj)}};
    if (accepted > 0) {
      o["first_index"] = first_index;
      o["last_index"] = last_index;
    }
    out = json::serialize(o) + "\n";
  } else {
    out = "imported " + a.file + ": " + std::to_string(lines.size()) + " record(s), " +
          std::to_string(accepted) + " accepted";
    if (duplicates > 0) out += " (" + std::to_string(duplicates) + " already in the log)";
    out += ", " + std::to_string(rejected.size()) + " rejected";
    if (accepted > 0) {
      out += "; log indexes " + std::to_string(first_index) + "-" + std::to_string(last_index);
    }
    out += "\n";
    for (const auto& r : rejected) out += RejectionText(r);
  }
  if (stopped) {
    CommandResult e =
        ServerError(*stopped, "import stopped after " + std::to_string(done) + " of " +
                                  std::to_string(lines.size()) + " records (resubmitting is safe)");
    e.out = out;
    return e;
  }
  if (!rejected.empty()) return {kExitInvalid, out, {}};
  return Success(out);
}

}  // namespace

void AddImportCommands(CLI::App& app) {
  {
    auto a = std::make_shared<SignArgs>();
    CLI::App* c =
        app.add_subcommand("sign", "Turn a readable JSON record into a signed envelope (offline)");
    c->add_option("file", a->file, "the JSON record ('-' for stdin)")->required();
    c->add_option("-o,--out", a->out, "write the envelope here (default: stdout)");
    c->add_option("--format", a->format, "json (the API's JSON envelope) or fb (flatbuffer)")
        ->capture_default_str();
    c->add_option("--key", a->key, "your Ed25519 private key (PEM, mode 0600)")
        ->envname("QTRACE_KEY");
    c->add_option("--party", a->party, "the stating party when the record names none")
        ->envname("QTRACE_PARTY");
    c->add_option("--at", a->at, "event time when the record has none (default: now)");
    SetHandler(c, [a] { return SignCommand(*a); });
  }
  {
    auto a = std::make_shared<ImportArgs>();
    CLI::App* c = app.add_subcommand(
        "import",
        "Submit a JSON-lines file of readable records (signed with --key) or signed "
        "envelopes, in batches; exit 1 if any line is rejected");
    c->add_option("file", a->file, "the JSON-lines file ('-' for stdin)")->required();
    c->add_option("--batch-size", a->batch_size, "records per request")->capture_default_str();
    c->add_flag("--progress", a->progress, "draw the progress bar even when stderr is no terminal");
    c->add_flag("--no-progress", a->no_progress, "never draw the progress bar");
    AddConnectionFlags(c, &a->conn, KeyUse::kOptional);
    SetHandler(c, [a] {
      ImportArgs args = *a;
      if (!args.no_progress && ::isatty(2) == 1) args.progress = true;
      return ImportCommand(args);
    });
  }
}

}  // namespace qtrace::cli
