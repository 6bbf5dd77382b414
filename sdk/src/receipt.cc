#include "qtrace/receipt.h"

#include "qtrace/encoding.h"
#include "qtrace/merkle.h"

namespace qtrace {
namespace {

constexpr std::string_view kExtraPrefix = "extra ";
constexpr std::string_view kIndexPrefix = "index ";

Status BadReceipt(std::string message) {
  return InvalidArgument("malformed receipt: " + std::move(message),
                         "bad_receipt");
}

// Takes the next line (without its newline) off `*text`; false when there is
// no complete line left.
bool NextLine(std::string_view* text, std::string_view* line) {
  const size_t eol = text->find('\n');
  if (eol == std::string_view::npos) return false;
  *line = text->substr(0, eol);
  text->remove_prefix(eol + 1);
  return true;
}

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return false;
    n = n * 10 + d;
  }
  *out = n;
  return true;
}

}  // namespace

std::string FormatReceipt(const Receipt& receipt) {
  std::string out(kReceiptHeader);
  out += '\n';
  if (receipt.extra) {
    out += kExtraPrefix;
    out += Base64Encode(*receipt.extra);
    out += '\n';
  }
  out += kIndexPrefix;
  out += std::to_string(receipt.index);
  out += '\n';
  for (const Hash256& h : receipt.proof) {
    out += Base64Encode(AsBytes(h));
    out += '\n';
  }
  out += '\n';
  out += receipt.checkpoint_note;
  return out;
}

StatusOr<Receipt> ParseReceipt(std::string_view text) {
  Receipt r;
  std::string_view line;
  if (!NextLine(&text, &line) || line != kReceiptHeader) {
    return BadReceipt("first line is not " + std::string(kReceiptHeader));
  }
  if (!NextLine(&text, &line)) return BadReceipt("no index line");
  if (line.substr(0, kExtraPrefix.size()) == kExtraPrefix) {
    std::optional<std::string> extra =
        Base64Decode(line.substr(kExtraPrefix.size()));
    if (!extra || extra->empty()) {
      return BadReceipt("extra line is not non-empty base64");
    }
    r.extra = std::move(*extra);
    if (!NextLine(&text, &line)) return BadReceipt("no index line");
  }
  if (line.substr(0, kIndexPrefix.size()) != kIndexPrefix ||
      !ParseDecimal(line.substr(kIndexPrefix.size()), &r.index)) {
    return BadReceipt(
        "expected 'index N' (decimal, no leading zeroes) after the header");
  }
  while (true) {
    if (!NextLine(&text, &line)) {
      return BadReceipt("no empty line before the checkpoint");
    }
    if (line.empty()) break;
    if (r.proof.size() == kMaxProofHashes) {
      return BadReceipt("more than " + std::to_string(kMaxProofHashes) +
                        " proof hashes");
    }
    std::optional<std::string> bytes = Base64Decode(line);
    Hash256 h;
    if (!bytes || !ToHash256(*bytes, &h)) {
      return BadReceipt("proof line " + std::to_string(r.proof.size() + 1) +
                        " is not base64 of 32 bytes");
    }
    r.proof.push_back(h);
  }
  if (text.empty()) return BadReceipt("no checkpoint after the proof");
  r.checkpoint_note = std::string(text);
  return r;
}

StatusOr<VerifiedReceipt> VerifyReceipt(std::string_view text,
                                        const VerifyingKey& host_key,
                                        std::string_view key_name) {
  QT_ASSIGN_OR_RETURN(Receipt receipt, ParseReceipt(text));
  VerifiedReceipt out;
  QT_ASSIGN_OR_RETURN(out.checkpoint, OpenCheckpoint(receipt.checkpoint_note,
                                                     host_key, key_name));
  if (!receipt.extra) {
    return BadReceipt("no 'extra' line with the log entry; cannot verify it");
  }
  out.index = receipt.index;
  out.entry = std::move(*receipt.extra);
  out.leaf_hash = LeafHash(out.entry);
  QT_RETURN_IF_ERROR(VerifyInclusion(out.leaf_hash, out.index,
                                     out.checkpoint.size, receipt.proof,
                                     out.checkpoint.root));
  return out;
}

LogVerifier::LogVerifier(VerifyingKey host_key, std::string origin,
                         std::string key_name)
    : host_key_(std::move(host_key)),
      origin_(std::move(origin)),
      key_name_(key_name.empty() ? origin_ : std::move(key_name)) {}

Status LogVerifier::CheckOrigin(const Checkpoint& checkpoint) const {
  if (checkpoint.origin != origin_) {
    return InvalidArgument("checkpoint is for log '" + checkpoint.origin +
                               "', not '" + origin_ + "'",
                           "wrong_log");
  }
  return Status::Ok();
}

StatusOr<Checkpoint> LogVerifier::OpenCheckpoint(std::string_view note) const {
  QT_ASSIGN_OR_RETURN(Checkpoint cp,
                      ::qtrace::OpenCheckpoint(note, host_key_, key_name_));
  QT_RETURN_IF_ERROR(CheckOrigin(cp));
  return cp;
}

StatusOr<VerifiedReceipt> LogVerifier::VerifyReceipt(
    std::string_view text) const {
  QT_ASSIGN_OR_RETURN(VerifiedReceipt v,
                      ::qtrace::VerifyReceipt(text, host_key_, key_name_));
  QT_RETURN_IF_ERROR(CheckOrigin(v.checkpoint));
  return v;
}

Status LogVerifier::VerifyConsistency(const Checkpoint& older,
                                      const Checkpoint& newer,
                                      const std::vector<Hash256>& proof) const {
  QT_RETURN_IF_ERROR(CheckOrigin(older));
  QT_RETURN_IF_ERROR(CheckOrigin(newer));
  return ::qtrace::VerifyConsistency(older.size, newer.size, older.root,
                                     newer.root, proof);
}

}  // namespace qtrace
