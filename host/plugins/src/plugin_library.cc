#include "qtrace/host/plugin_library.h"

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "qtrace/crypto.h"
#include "qtrace/encoding.h"
#include "qtrace/fb/record_generated.h"
#include "qtrace/record_json.h"

namespace qtrace::host {
namespace {

// Longest string read from a descriptor: a garbage pointer must not make us
// read forever.
constexpr size_t kMaxDescriptorString = 256;
// Most entries read from a NULL-terminated descriptor array.
constexpr size_t kMaxDescriptorArray = 64;

std::optional<std::string> DescriptorString(const char* s) {
  if (s == nullptr) return std::nullopt;
  size_t n = strnlen(s, kMaxDescriptorString + 1);
  if (n > kMaxDescriptorString) return std::nullopt;
  return std::string(s, n);
}

bool IsPluginName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path, "plugin_unreadable");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The text of dlerror() for `path` (Boost.DLL clears it): tries once more.
std::string DlError(const std::string& path) {
  dlerror();
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h != nullptr) {
    dlclose(h);
    return "unknown dlopen error";
  }
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}

}  // namespace

std::optional<std::array<uint32_t, 3>> ParseVersion(std::string_view text) {
  std::array<uint32_t, 3> v{};
  size_t i = 0;
  for (int part = 0; part < 3; ++part) {
    if (i >= text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
    uint64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(text[i] - '0');
      if (n > UINT32_MAX) return std::nullopt;
      ++i;
    }
    v[part] = static_cast<uint32_t>(n);
    if (part < 2) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
  }
  // A pre-release or build suffix ("-rc1", "+abc") is allowed and ignored.
  if (i < text.size() && text[i] != '-' && text[i] != '+') return std::nullopt;
  return v;
}

// ---- allow-list --------------------------------------------------------------------

StatusOr<PluginAllowlist> PluginAllowlist::Parse(std::string_view text, std::string_view source) {
  PluginAllowlist list;
  list.source_ = std::string(source);
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    auto trim = [](std::string_view s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
      return s;
    };
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    size_t sp = line.find_first_of(" \t");
    std::string hash(line.substr(0, sp));
    std::string_view name = sp == std::string_view::npos ? std::string_view() : trim(line.substr(sp));
    if (!name.empty() && name.front() == '*') name.remove_prefix(1);  // sha256sum binary mode
    for (char& c : hash) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (hash.size() != 64 || hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return InvalidArgument(std::string(source) + ":" + std::to_string(line_no) +
                                 ": expected '<sha256 hex> [file name]'",
                             "bad_allowlist");
    }
    list.entries_.emplace(std::move(hash), std::string(name));
  }
  return list;
}

StatusOr<PluginAllowlist> PluginAllowlist::LoadFile(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return NotFound("plugin allow-list " + path + " cannot be read", "bad_allowlist");
  return Parse(*text, path);
}

Status PluginAllowlist::Check(const std::string& path, const std::string& sha256_hex) const {
  std::string base = std::filesystem::path(path).filename().string();
  auto [lo, hi] = entries_.equal_range(sha256_hex);
  if (lo == hi) {
    return PermissionDenied("plugin " + path + ": sha256: " + sha256_hex +
                                " is not on the allow-list " + source_,
                            "plugin_not_allowed");
  }
  for (auto it = lo; it != hi; ++it) {
    if (it->second.empty() || it->second == base) return Status::Ok();
  }
  return PermissionDenied("plugin " + path + ": name: the allow-list " + source_ +
                              " lists this sha256 for '" + lo->second + "', not '" + base + "'",
                          "plugin_not_allowed");
}

// ---- loading ---------------------------------------------------------------------------

PluginLibrary::~PluginLibrary() {
  lib_.reset();  // dlclose (a no-op for pinned libraries)
  // A pinned library keeps its memfd name for the life of the process.
  if (memfd_ >= 0 && allow_unload_) ::close(memfd_);
}

Status PluginLibrary::Refuse(std::string_view field, std::string_view message) const {
  return FailedPrecondition("plugin " + path_ + ": " + std::string(field) + ": " +
                                std::string(message),
                            "plugin_refused");
}

std::string PluginLibrary::abi() const {
  return std::to_string(descriptor_->abi_major) + "." + std::to_string(descriptor_->abi_minor);
}

StatusOr<std::unique_ptr<PluginLibrary>> PluginLibrary::Load(const std::string& path,
                                                             const PluginLoadOptions& options) {
  std::unique_ptr<PluginLibrary> p(new PluginLibrary());
  p->path_ = path;
  p->file_name_ = std::filesystem::path(path).filename().string();

  // 1. The allow-list, before anything of the file is mapped. The bytes
  // hashed are the bytes loaded: they go through a memfd, so replacing the
  // file after the check changes nothing.
  auto bytes = ReadFile(path);
  if (!bytes.ok()) return p->Refuse("file", "cannot be read");
  p->sha256_ = HexEncode(AsBytes(Sha256(*bytes)));
  std::string load_path = path;
  int memfd = -1;
  if (options.allowlist != nullptr) {
    QT_RETURN_IF_ERROR(options.allowlist->Check(path, p->sha256_));
    memfd = memfd_create("qtrace-plugin", MFD_CLOEXEC);
    if (memfd < 0) return p->Refuse("file", std::string("memfd_create: ") + std::strerror(errno));
    size_t done = 0;
    while (done < bytes->size()) {
      ssize_t n = ::write(memfd, bytes->data() + done, bytes->size() - done);
      if (n <= 0) {
        ::close(memfd);
        return p->Refuse("file", "cannot copy into a memfd");
      }
      done += static_cast<size_t>(n);
    }
    load_path = "/proc/self/fd/" + std::to_string(memfd);
  }
  // The memfd stays open while the library is mapped: glibc finds loaded
  // libraries by path name first, so a reused /proc/self/fd/N would alias.
  p->memfd_ = memfd;
  p->allow_unload_ = options.allow_unload;

  // 2. Load, resolving every symbol now.
  p->lib_ = std::make_unique<boost::dll::shared_library>();
  std::error_code ec;
  p->lib_->load(boost::dll::fs::path(load_path),
                boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec || !p->lib_->is_loaded()) return p->Refuse("file", "cannot be loaded: " + DlError(load_path));
  if (!options.allow_unload) {
    // Pin it: dlclose never unmaps it (objects a plugin made must never
    // outlive its code).
    void* pin = dlopen(load_path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD | RTLD_NODELETE);
    (void)pin;  // deliberately never closed
  }

  // 3. The entry symbol.
  if (!p->lib_->has(QT_PLUGIN_ENTRY_SYMBOL)) {
    return p->Refuse(QT_PLUGIN_ENTRY_SYMBOL, "symbol is not exported");
  }
  qt_plugin_entry_fn entry = nullptr;
  try {
    entry = &p->lib_->get<const qt_plugin_descriptor*()>(QT_PLUGIN_ENTRY_SYMBOL);
  } catch (const std::exception& e) {
    return p->Refuse(QT_PLUGIN_ENTRY_SYMBOL, e.what());
  }

  // 4.-9. The descriptor.
  p->descriptor_ = entry();
  if (p->descriptor_ == nullptr) {
    return p->Refuse("descriptor", std::string(QT_PLUGIN_ENTRY_SYMBOL) + " returned NULL");
  }
  QT_RETURN_IF_ERROR(p->CheckDescriptor(options));
  return p;
}

Status PluginLibrary::CheckDescriptor(const PluginLoadOptions& options) {
  const qt_plugin_descriptor& d = *descriptor_;
  if (d.struct_size < QT_PLUGIN_DESCRIPTOR_MIN_SIZE) {
    return Refuse("struct_size", std::to_string(d.struct_size) +
                                     " bytes is smaller than an ABI " +
                                     std::to_string(QT_PLUGIN_ABI_MAJOR) + ".0 descriptor (" +
                                     std::to_string(QT_PLUGIN_DESCRIPTOR_MIN_SIZE) + " bytes)");
  }
  if (d.abi_major != options.abi_major) {
    return Refuse("abi_major", "the plugin speaks ABI " + std::to_string(d.abi_major) +
                                   ".x, this host ABI " + std::to_string(options.abi_major) + ".x");
  }
  if (d.abi_minor > options.abi_minor) {
    return Refuse("abi_minor", "the plugin needs ABI " + std::to_string(d.abi_major) + "." +
                                   std::to_string(d.abi_minor) + ", this host has " +
                                   std::to_string(options.abi_major) + "." +
                                   std::to_string(options.abi_minor));
  }
  auto min_host = DescriptorString(d.min_host_version);
  if (!min_host) return Refuse("min_host_version", "missing");
  auto want = ParseVersion(*min_host);
  if (!want) return Refuse("min_host_version", "'" + *min_host + "' is not MAJOR.MINOR.PATCH");
  auto have = ParseVersion(options.host_version);
  if (!have || *want > *have) {
    return Refuse("min_host_version", "the plugin needs qtraced >= " + *min_host + ", this is " +
                                          options.host_version);
  }
  min_host_version_ = *min_host;

  auto name = DescriptorString(d.name);
  if (!name) return Refuse("name", "missing");
  if (!IsPluginName(*name)) return Refuse("name", "'" + *name + "' must match [a-z0-9_]{1,64}");
  name_ = *name;
  auto version = DescriptorString(d.version);
  if (!version) return Refuse("version", "missing");
  if (!ParseVersion(*version)) return Refuse("version", "'" + *version + "' is not MAJOR.MINOR.PATCH");
  version_ = *version;
  auto rule_set = DescriptorString(d.rule_set);
  if (!rule_set || rule_set->empty()) return Refuse("rule_set", "missing");
  rule_set_ = *rule_set;

  if (d.sectors == nullptr || d.sectors[0] == nullptr) {
    return Refuse("sectors", "at least one sector is required");
  }
  for (size_t i = 0; d.sectors[i] != nullptr; ++i) {
    if (i == kMaxDescriptorArray) return Refuse("sectors", "more than 64 entries (no NULL end?)");
    auto s = DescriptorString(d.sectors[i]);
    if (!s || !ValidateId("sector", *s).ok()) {
      return Refuse("sectors", "entry " + std::to_string(i) + " is not a sector id");
    }
    sectors_.push_back(*s);
  }
  if (d.payload_types == nullptr) {
    payload_types_.push_back(QT_RECORD_PAYLOAD_TYPE);
  } else {
    for (size_t i = 0; d.payload_types[i] != nullptr; ++i) {
      if (i == kMaxDescriptorArray) {
        return Refuse("payload_types", "more than 64 entries (no NULL end?)");
      }
      auto s = DescriptorString(d.payload_types[i]);
      if (!s || s->empty()) return Refuse("payload_types", "entry " + std::to_string(i) + " is empty");
      payload_types_.push_back(*s);
    }
  }
  if (d.body_type_count > 0 && d.body_types == nullptr) {
    return Refuse("body_types", "NULL with body_type_count " + std::to_string(d.body_type_count));
  }
  if (d.body_type_count > 255) return Refuse("body_type_count", "more than 255 record types");
  for (uint32_t i = 0; i < d.body_type_count; ++i) {
    uint8_t t = d.body_types[i];
    if (t == 0 || t > static_cast<uint8_t>(fb::Body::MAX)) {
      return Refuse("body_types", std::to_string(t) + " is not a record type of this host");
    }
    body_types_.push_back(t);
    body_set_.set(t);
  }

  struct Required {
    const char* field;
    bool present;
  };
  const bool cert = (d.capabilities & QT_CAP_CHECK_CERTIFICATION) != 0;
  const bool recall = (d.capabilities & QT_CAP_PLAN_RECALL) != 0;
  const Required required[] = {
      {"create", d.create != nullptr},
      {"destroy", d.destroy != nullptr},
      {"describe", d.describe != nullptr},
      {"check_record", d.check_record != nullptr},
      {"check_certification", !cert || d.check_certification != nullptr},
      {"plan_recall", !recall || d.plan_recall != nullptr},
  };
  for (const auto& r : required) {
    if (!r.present) {
      return Refuse(r.field, std::string("required function is NULL") +
                                 (std::strcmp(r.field, "check_certification") == 0
                                      ? " (capabilities has QT_CAP_CHECK_CERTIFICATION)"
                                  : std::strcmp(r.field, "plan_recall") == 0
                                      ? " (capabilities has QT_CAP_PLAN_RECALL)"
                                      : ""));
    }
  }
  return Status::Ok();
}

}  // namespace qtrace::host
