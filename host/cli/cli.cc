#include "cli.h"

#include <fstream>
#include <sstream>

#include "qtrace/encoding.h"

namespace qtrace::cli {

CommandResult Success(std::string out) { return {kExitOk, std::move(out), {}}; }

CommandResult Invalid(std::string why) {
  return {kExitInvalid, "invalid: " + std::move(why) + "\n", {}};
}

CommandResult UsageError(std::string why) {
  return {kExitUsage, {}, "error: " + std::move(why) + "\n"};
}

std::optional<CommandResult> ParseU64Arg(std::string_view flag,
                                         std::string_view text, uint64_t* out) {
  auto bad = [&] {
    return UsageError(
        std::string(flag) + " must be a decimal number from 0 to " +
        std::to_string(UINT64_MAX) + ", got '" + std::string(text) + "'");
  };
  if (text.empty()) return bad();
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad();
    const auto d = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return bad();
    n = n * 10 + d;
  }
  *out = n;
  return std::nullopt;
}

std::optional<CommandResult> DecodeHashArgs(const std::vector<HashArg>& args,
                                            std::vector<Hash256>* out) {
  std::vector<std::string> bytes;
  bytes.reserve(args.size());
  for (const HashArg& a : args) {
    std::optional<std::string> b = Base64Decode(a.text);
    if (!b) {
      return UsageError(a.flag + " '" + a.text +
                        "' is not standard base64 (RFC 4648, padded)");
    }
    bytes.push_back(std::move(*b));
  }
  out->clear();
  out->reserve(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    Hash256 h;
    if (!ToHash256(bytes[i], &h)) {
      return Invalid(args[i].flag + " '" + args[i].text + "' is " +
                     std::to_string(bytes[i].size()) +
                     " bytes, a SHA-256 hash is 32");
    }
    out->push_back(h);
  }
  return std::nullopt;
}

std::optional<CommandResult> ReadFileArg(std::string_view what,
                                         const std::string& path,
                                         std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UsageError("cannot read " + std::string(what) + " " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    return UsageError("cannot read " + std::string(what) + " " + path);
  *out = ss.str();
  return std::nullopt;
}

}  // namespace qtrace::cli
