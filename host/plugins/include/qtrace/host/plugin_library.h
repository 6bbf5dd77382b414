// PluginLibrary: one sector plugin file loaded with Boost.DLL
// (rtld_now | rtld_local) and checked against the plugin ABI
// (sdk/include/qtrace/plugin/abi.h) before anything in it runs besides its
// entry function.
//
// Load() checks, in this order, and refuses with an error naming the file
// and the field:
//   1. sha256            the file's SHA-256 is on the allow-list, when one is
//                        configured (checked BEFORE loading; the bytes loaded
//                        are then exactly the bytes hashed, via a memfd)
//   2. file              the library loads (dlopen, all symbols resolved now)
//   3. qtrace_plugin_entry  the entry symbol is exported
//   4. descriptor        the entry returns a descriptor (not NULL)
//   5. struct_size       >= the ABI 1.0 descriptor
//   6. abi_major         == the host's; abi_minor <= the host's
//   7. min_host_version  <= the host's version
//   8. name, version, rule_set, sectors, body_types: present and well formed
//   9. create, destroy, describe, check_record (+ check_certification /
//      plan_recall when their capability is declared): not NULL
// The registry then checks that the name and sectors are unique, creates the
// instance and verifies its Description.
//
// A library stays mapped for the life of the process (it is pinned with
// RTLD_NODELETE) unless PluginLoadOptions::allow_unload is set (tests under
// ASan unload plugins to catch what would break after a dlclose).
//
// Thread-safety: immutable after Load(); every accessor may be called from
// any thread.
#ifndef QTRACE_HOST_PLUGIN_LIBRARY_H_
#define QTRACE_HOST_PLUGIN_LIBRARY_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/plugin/abi.h"
#include "qtrace/status.h"

namespace boost::dll {
class shared_library;
}

namespace qtrace::host {

// The host's version, compared with a plugin's min_host_version.
inline constexpr std::string_view kHostVersion = QTRACE_HOST_VERSION;

// "MAJOR.MINOR.PATCH" -> {major, minor, patch}; nullopt when malformed.
std::optional<std::array<uint32_t, 3>> ParseVersion(std::string_view text);

// The SHA-256 allow-list: lines of "<64 hex digits> <file name>" (the output
// of `sha256sum *.so`), '#' comments and blank lines ignored. A file is
// allowed when its hash is listed; when the line names a file, the name
// must match the file's base name too.
class PluginAllowlist {
 public:
  // InvalidArgument naming the line when a line is malformed.
  static StatusOr<PluginAllowlist> Parse(std::string_view text, std::string_view source);
  static StatusOr<PluginAllowlist> LoadFile(const std::string& path);

  // OK, or PermissionDenied naming the file and the field (sha256 / name).
  Status Check(const std::string& path, const std::string& sha256_hex) const;
  const std::string& source() const { return source_; }
  size_t size() const { return entries_.size(); }

 private:
  std::string source_;
  std::multimap<std::string, std::string> entries_;  // sha256 hex -> file name ("" = any)
};

struct PluginLoadOptions {
  // When set, a file must be on it before it is loaded. Default: none.
  const PluginAllowlist* allowlist = nullptr;
  // The versions the host speaks. Defaults: this build's.
  std::string host_version = std::string(kHostVersion);
  uint16_t abi_major = QT_PLUGIN_ABI_MAJOR;
  uint16_t abi_minor = QT_PLUGIN_ABI_MINOR;
  // Let the library be unmapped when the last PluginLibrary for it dies.
  // Default: false (plugins stay loaded for the life of the process).
  bool allow_unload = false;
};

class PluginLibrary {
 public:
  // Loads and checks `path`. Error messages read
  // "plugin <path>: <field>: <what is wrong>"; the status is
  // FailedPrecondition (PermissionDenied for the allow-list).
  static StatusOr<std::unique_ptr<PluginLibrary>> Load(const std::string& path,
                                                       const PluginLoadOptions& options);
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  // The descriptor (OWNERSHIP: the library; valid while this object lives).
  const qt_plugin_descriptor& descriptor() const { return *descriptor_; }
  // A descriptor function, or nullptr when the plugin's struct_size is too
  // short to have it (an older minor) or it is unset.
  template <typename Fn>
  Fn Function(size_t offset, Fn qt_plugin_descriptor::*member) const {
    if (offset + sizeof(Fn) > descriptor_->struct_size) return nullptr;
    return descriptor_->*member;
  }

  const std::string& path() const { return path_; }
  const std::string& file_name() const { return file_name_; }
  const std::string& sha256() const { return sha256_; }  // lowercase hex
  // Copies of the descriptor's strings.
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& rule_set() const { return rule_set_; }
  const std::string& min_host_version() const { return min_host_version_; }
  const std::vector<std::string>& sectors() const { return sectors_; }
  const std::vector<std::string>& payload_types() const { return payload_types_; }
  const std::vector<uint8_t>& body_types() const { return body_types_; }
  bool Handles(uint8_t body_type) const { return body_set_.test(body_type); }
  uint64_t capabilities() const { return descriptor_->capabilities; }
  std::string abi() const;  // "1.0"

 private:
  PluginLibrary() = default;
  // "plugin <path>: <field>: <message>"
  Status Refuse(std::string_view field, std::string_view message) const;
  Status CheckDescriptor(const PluginLoadOptions& options);

  std::unique_ptr<boost::dll::shared_library> lib_;
  const qt_plugin_descriptor* descriptor_ = nullptr;  // OWNERSHIP: the library (static)
  std::string path_, file_name_, sha256_;
  std::string name_, version_, rule_set_, min_host_version_;
  std::vector<std::string> sectors_, payload_types_;
  std::vector<uint8_t> body_types_;
  std::bitset<256> body_set_;
  int memfd_ = -1;  // the bytes loaded, when an allow-list is used
  bool allow_unload_ = false;
};

}  // namespace qtrace::host

#endif  // QTRACE_HOST_PLUGIN_LIBRARY_H_
