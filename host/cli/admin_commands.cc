// `qtrace init DIR` (a new data dir: host key, admin key, store with its
// genesis record, config.json) and `qtrace keygen FILE` (an Ed25519 key
// pair for a party).
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <memory>

#include "cli.h"
#include "output.h"
#include "qtrace/checkpoint.h"
#include "qtrace/encoding.h"
#include "qtrace/host/ledger.h"
#include "qtrace/record_json.h"

namespace qtrace::cli {
namespace {

namespace fs = std::filesystem;

struct InitArgs {
  std::string dir;
  std::string origin = "qtrace.local/log";
  std::string admin_party = "platform-admin";
  std::string admin_name = "platform operator";
  std::string host_party = "qtrace-host";
  std::string listen = "127.0.0.1:8420";
  bool json = false;
};

CommandResult InitCommand(const InitArgs& a) {
  host::DataDirLayout layout(a.dir);
  std::error_code ec;
  if (fs::exists(layout.config(), ec) || fs::exists(fs::path(layout.db()) / "CURRENT", ec)) {
    return UsageError(a.dir + " already holds a qtrace data dir (refusing to touch it)");
  }
  if (Status s = ValidateCheckpointOrigin(a.origin); !s.ok()) {
    return UsageError("--origin: " + s.message());
  }
  host::InitOptions o;
  o.origin = a.origin;
  o.admin_party = a.admin_party;
  o.admin_name = a.admin_name;
  o.host_party = a.host_party;
  if (Status s = host::Ledger::Initialize(a.dir, o); !s.ok()) {
    return UsageError("init " + a.dir + ": " + s.message());
  }
  boost::json::object config{{"listen", a.listen}, {"origin", a.origin}};
  {
    std::string tmp = layout.config() + ".tmp";
    std::ofstream out(tmp);
    out << boost::json::serialize(config) << "\n";
    out.close();
    if (!out) return UsageError("cannot write " + tmp);
    fs::rename(tmp, layout.config(), ec);
    if (ec) return UsageError("cannot write " + layout.config() + ": " + ec.message());
  }
  auto admin = PrivateKey::LoadPem(layout.admin_key());
  auto hostk = VerifyingKey::LoadPem(layout.host_public_key());
  if (!admin.ok() || !hostk.ok()) return UsageError("the new keys cannot be read back");
  if (a.json) {
    boost::json::object j{{"data_dir", a.dir},
                          {"origin", a.origin},
                          {"host_key", layout.host_key()},
                          {"host_public_key", layout.host_public_key()},
                          {"host_key_id", HexEncode(AsBytes(hostk->id()))},
                          {"admin_party", a.admin_party},
                          {"admin_key", layout.admin_key()},
                          {"admin_key_id", HexEncode(AsBytes(admin->id()))},
                          {"config", layout.config()}};
    return Success(boost::json::serialize(j) + "\n");
  }
  std::string out = "initialized " + a.dir + "\n";
  out += KeyValues({{"log origin", a.origin},
                    {"host key", layout.host_key() + " (public: " + layout.host_public_key() + ")"},
                    {"admin key", layout.admin_key() + " for party " + a.admin_party},
                    {"config", layout.config() + " (listen " + a.listen + ")"}},
                   2);
  out += "start the daemon with: qtraced --data-dir " + a.dir + "\n";
  return Success(out);
}

struct KeygenArgs {
  std::string path;
  bool force = false;
  bool json = false;
};

// "farm.key" -> "farm.pub"; anything else gets ".pub" appended.
std::string PublicPathFor(const std::string& path) {
  if (path.size() > 4 && path.substr(path.size() - 4) == ".key") {
    return path.substr(0, path.size() - 4) + ".pub";
  }
  return path + ".pub";
}

CommandResult KeygenCommand(const KeygenArgs& a) {
  std::string pub_path = PublicPathFor(a.path);
  std::error_code ec;
  if (!a.force && (fs::exists(a.path, ec) || fs::exists(pub_path, ec))) {
    return UsageError(a.path + " or " + pub_path + " exists (use --force to replace)");
  }
  fs::path parent = fs::path(a.path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  auto key = PrivateKey::Generate();
  if (!key.ok()) return UsageError(key.status().message());
  if (Status s = key->SavePem(a.path); !s.ok()) return UsageError(s.message());
  if (Status s = SavePublicKeyPem(key->public_key(), pub_path); !s.ok()) {
    return UsageError(s.message());
  }
  std::string id = HexEncode(AsBytes(key->id()));
  std::string raw = Base64Encode(
      std::string_view(reinterpret_cast<const char*>(key->public_key().raw().data()), 32));
  if (a.json) {
    boost::json::object j{{"private_key", a.path},
                          {"public_key", pub_path},
                          {"key_id", id},
                          {"public_key_base64", raw}};
    return Success(boost::json::serialize(j) + "\n");
  }
  return Success(KeyValues({{"private key", a.path + " (mode 0600)"},
                            {"public key", pub_path},
                            {"key id", id},
                            {"raw public key", raw}}));
}

}  // namespace

void AddAdminCommands(CLI::App& app) {
  auto init = std::make_shared<InitArgs>();
  CLI::App* ic = app.add_subcommand(
      "init", "Create a data dir: host key, admin key, store with its genesis record, config.json");
  ic->add_option("dir", init->dir, "the data dir to create")->required();
  ic->add_option("--origin", init->origin, "the log's origin line (its identity)")
      ->capture_default_str();
  ic->add_option("--admin-party", init->admin_party, "party id of the first admin")
      ->capture_default_str();
  ic->add_option("--admin-name", init->admin_name, "its name")->capture_default_str();
  ic->add_option("--host-party", init->host_party, "party id of the host itself")
      ->capture_default_str();
  ic->add_option("--listen", init->listen, "address:port qtraced listens on (config.json)")
      ->capture_default_str();
  ic->add_flag("--json", init->json, "machine-readable output");
  SetHandler(ic, [init] { return InitCommand(*init); });

  auto kg = std::make_shared<KeygenArgs>();
  CLI::App* kc =
      app.add_subcommand("keygen",
                         "Create an Ed25519 key pair: FILE (private, mode 0600) and FILE.pub "
                         "(farm.key gives farm.pub)");
  kc->add_option("file", kg->path, "where to write the private key")->required();
  kc->add_flag("--force", kg->force, "replace existing files");
  kc->add_flag("--json", kg->json, "machine-readable output");
  SetHandler(kc, [kg] { return KeygenCommand(*kg); });
}

}  // namespace qtrace::cli
