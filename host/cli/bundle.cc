#include "bundle.h"

#include "qtrace/encoding.h"
#include "qtrace/merkle.h"

namespace qtrace::cli {
namespace {

class LineReader {
 public:
  explicit LineReader(std::string_view text) : text_(text) {}
  // The next line without its '\n'; false at the end or when the last line
  // has no newline.
  bool Next(std::string_view* line) {
    size_t nl = text_.find('\n', pos_);
    if (nl == std::string_view::npos) return false;
    *line = text_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    ++line_no_;
    return true;
  }
  std::string_view Rest() const { return text_.substr(pos_); }
  size_t line_no() const { return line_no_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
};

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return false;
    n = n * 10 + d;
  }
  *out = n;
  return true;
}

}  // namespace

std::string FormatBundle(const Bundle& bundle) {
  std::string out;
  out += kBundleHeader;
  out += "\nlot " + bundle.lot + "\n";
  out += "entries " + std::to_string(bundle.entries.size()) + "\n\n";
  for (const BundleEntry& e : bundle.entries) {
    out += "entry " + std::to_string(e.index) + " " + Base64Encode(e.entry) + "\n";
    for (const Hash256& h : e.proof) out += Base64Encode(AsBytes(h)) + "\n";
    out += "\n";
  }
  out += bundle.checkpoint_note;
  return out;
}

StatusOr<Bundle> ParseBundle(std::string_view text) {
  LineReader r(text);
  std::string_view line;
  auto bad = [&](const std::string& why) {
    return InvalidArgument("malformed bundle: line " + std::to_string(r.line_no()) + ": " + why,
                           "bad_bundle");
  };
  if (!r.Next(&line) || line != kBundleHeader) {
    return InvalidArgument("malformed bundle: the first line is not " +
                               std::string(kBundleHeader),
                           "bad_bundle");
  }
  Bundle b;
  if (!r.Next(&line) || line.substr(0, 4) != "lot " || line.size() == 4) {
    return bad("expected 'lot <scheme:product/lot>'");
  }
  b.lot = std::string(line.substr(4));
  uint64_t n = 0;
  if (!r.Next(&line) || line.substr(0, 8) != "entries " || !ParseDecimal(line.substr(8), &n)) {
    return bad("expected 'entries <count>'");
  }
  if (n > kMaxBundleEntries) return bad("too many entries");
  if (!r.Next(&line) || !line.empty()) return bad("expected an empty line");
  b.entries.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!r.Next(&line)) return bad("expected 'entry <index> <base64>' (" +
                                   std::to_string(n - i) + " entries missing)");
    if (line.substr(0, 6) != "entry ") return bad("expected 'entry <index> <base64>'");
    std::string_view rest = line.substr(6);
    size_t sp = rest.find(' ');
    BundleEntry e;
    if (sp == std::string_view::npos || !ParseDecimal(rest.substr(0, sp), &e.index)) {
      return bad("expected 'entry <index> <base64>'");
    }
    if (!b.entries.empty() && e.index <= b.entries.back().index) {
      return bad("entry indexes must be strictly increasing");
    }
    auto bytes = Base64Decode(rest.substr(sp + 1));
    if (!bytes || bytes->empty()) return bad("entry bytes are not base64");
    e.entry = std::move(*bytes);
    for (;;) {
      if (!r.Next(&line)) return bad("unterminated entry (expected an empty line)");
      if (line.empty()) break;
      if (e.proof.size() >= kMaxProofHashes) return bad("too many proof hashes");
      auto h = Base64Decode(line);
      Hash256 hash;
      if (!h || !ToHash256(*h, &hash)) return bad("a proof hash is not 32 bytes of base64");
      e.proof.push_back(hash);
    }
    b.entries.push_back(std::move(e));
  }
  b.checkpoint_note = std::string(r.Rest());
  if (b.checkpoint_note.empty()) return bad("the checkpoint note is missing");
  return b;
}

}  // namespace qtrace::cli
