#include "qtrace/checkpoint.h"

#include <cstdio>
#include <vector>

#include "qtrace/encoding.h"
#include "qtrace/time.h"

namespace qtrace {
namespace {

constexpr std::string_view kSignaturePrefix =
    "\xE2\x80\x94 ";  // em dash, space
constexpr std::string_view kTimePrefix = "time ";
constexpr uint8_t kEd25519SignatureType = 0x01;
// Verifiers must accept at least 16 signatures; 100 is Go's note.Open limit.
constexpr size_t kMaxSignatures = 100;
constexpr size_t kMaxNoteBytes = 1 << 20;

Status BadCheckpoint(std::string message) {
  return InvalidArgument("malformed checkpoint: " + std::move(message),
                         "bad_checkpoint");
}

Status BadSignature(std::string message) {
  return Unauthenticated(std::move(message), "bad_checkpoint_signature");
}

// Decodes one UTF-8 code point at s[*pos], advancing *pos; -1 when the bytes
// are not well-formed UTF-8 (overlong forms, surrogates and values above
// U+10FFFF included).
int32_t NextCodePoint(std::string_view s, size_t* pos) {
  const auto b0 = static_cast<uint8_t>(s[*pos]);
  if (b0 < 0x80) {
    ++*pos;
    return b0;
  }
  int len;
  int32_t cp, min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (*pos + len > s.size()) return -1;
  for (int i = 1; i < len; ++i) {
    const auto b = static_cast<uint8_t>(s[*pos + i]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *pos += len;
  return cp;
}

// Unicode White_Space, which signed-note key names must not contain.
bool IsUnicodeSpace(int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

Status ValidateName(std::string_view name, const char* what) {
  if (name.empty()) return InvalidArgument(std::string(what) + " is empty");
  size_t pos = 0;
  while (pos < name.size()) {
    const int32_t cp = NextCodePoint(name, &pos);
    if (cp < 0) {
      return InvalidArgument(std::string(what) + " is not valid UTF-8");
    }
    if (cp < 0x20 || cp == 0x7F || IsUnicodeSpace(cp) || cp == '+') {
      return InvalidArgument(std::string(what) + " '" + std::string(name) +
                             "' contains a space, '+' or a control character");
    }
  }
  return Status::Ok();
}

// A signature line of a note, not yet verified.
struct NoteSignature {
  std::string_view name;
  uint32_t key_id = 0;
  std::string signature;  // the bytes after the key id
};

struct Note {
  std::string_view text;  // includes its final newline
  std::vector<NoteSignature> signatures;
};

// Splits a signed note into its text and its signature lines, enforcing the
// signed-note syntax (but not any signature).
StatusOr<Note> SplitNote(std::string_view note) {
  if (note.size() > kMaxNoteBytes) return BadCheckpoint("note is too large");
  size_t pos = 0;
  while (pos < note.size()) {
    const int32_t cp = NextCodePoint(note, &pos);
    if (cp < 0) return BadCheckpoint("note is not valid UTF-8");
    if (cp < 0x20 && cp != '\n') {
      return BadCheckpoint("note contains a control character");
    }
  }
  const size_t blank = note.rfind("\n\n");
  if (blank == std::string_view::npos) {
    return BadCheckpoint("no blank line before the signature lines");
  }
  Note out;
  out.text = note.substr(0, blank + 1);
  std::string_view rest = note.substr(blank + 2);
  if (rest.empty()) return BadCheckpoint("no signature lines");
  if (rest.back() != '\n') {
    return BadCheckpoint("the last signature line does not end in a newline");
  }
  while (!rest.empty()) {
    const size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 1);
    if (out.signatures.size() == kMaxSignatures) {
      return BadCheckpoint("more than " + std::to_string(kMaxSignatures) +
                           " signature lines");
    }
    if (line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
      return BadCheckpoint("signature line does not start with an em dash");
    }
    line.remove_prefix(kSignaturePrefix.size());
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return BadCheckpoint("signature line has no signature");
    }
    NoteSignature sig;
    sig.name = line.substr(0, space);
    if (Status s = ValidateName(sig.name, "signature key name"); !s.ok()) {
      return BadCheckpoint(s.message());
    }
    std::optional<std::string> blob = Base64Decode(line.substr(space + 1));
    if (!blob || blob->size() < 5) {
      return BadCheckpoint("signature by " + std::string(sig.name) +
                           " is not base64 of a key id and a signature");
    }
    for (int i = 0; i < 4; ++i) {
      sig.key_id = (sig.key_id << 8) | static_cast<uint8_t>((*blob)[i]);
    }
    sig.signature = blob->substr(4);
    out.signatures.push_back(std::move(sig));
  }
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

StatusOr<int64_t> ParseCheckpointTime(std::string_view text) {
  // Exactly YYYY-MM-DDTHH:MM:SS.ffffffZ; then a round trip through the
  // formatter rejects impossible dates and leap seconds.
  static constexpr std::string_view kShape = "0000-00-00T00:00:00.000000Z";
  bool shaped = text.size() == kShape.size();
  for (size_t i = 0; shaped && i < kShape.size(); ++i) {
    shaped = kShape[i] == '0' ? (text[i] >= '0' && text[i] <= '9')
                              : text[i] == kShape[i];
  }
  if (!shaped) {
    return BadCheckpoint("time '" + std::string(text) +
                         "' is not YYYY-MM-DDTHH:MM:SS.ffffffZ");
  }
  StatusOr<Timestamp> t = ParseTimestamp(text);
  if (!t.ok() || FormatCheckpointTime(t->micros) != text) {
    return BadCheckpoint("time '" + std::string(text) +
                         "' is not a valid time");
  }
  return t->micros;
}

// Parses the note text of a qtrace checkpoint: exactly the four lines that
// FormatCheckpointBody writes.
StatusOr<Checkpoint> ParseCheckpointBody(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    if (eol == std::string_view::npos) {
      return BadCheckpoint("note text does not end in a newline");
    }
    lines.push_back(text.substr(0, eol));
    text.remove_prefix(eol + 1);
  }
  if (lines.size() != 4) {
    return BadCheckpoint("expected 4 lines (origin, size, root, time), got " +
                         std::to_string(lines.size()));
  }
  Checkpoint cp;
  if (Status s = ValidateCheckpointOrigin(lines[0]); !s.ok()) {
    return BadCheckpoint(s.message());
  }
  cp.origin = std::string(lines[0]);

  std::string_view size = lines[1];
  if (!AllDigits(size) || (size.size() > 1 && size[0] == '0') ||
      size.size() > 20) {
    return BadCheckpoint("tree size '" + std::string(size) +
                         "' is not a decimal number without leading zeroes");
  }
  uint64_t n = 0;
  for (char c : size) {
    const auto d = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return BadCheckpoint("tree size overflows");
    n = n * 10 + d;
  }
  cp.size = n;

  std::optional<std::string> root = Base64Decode(lines[2]);
  if (!root || !ToHash256(*root, &cp.root)) {
    return BadCheckpoint("root hash is not base64 of 32 bytes");
  }

  std::string_view time = lines[3];
  if (time.substr(0, kTimePrefix.size()) != kTimePrefix) {
    return BadCheckpoint("fourth line is not a 'time' extension line");
  }
  QT_ASSIGN_OR_RETURN(cp.time_micros,
                      ParseCheckpointTime(time.substr(kTimePrefix.size())));
  return cp;
}

constexpr int64_t kMinTimeMicros =
    -62167219200LL * kMicrosPerSecond;  // 0000-01-01
constexpr int64_t kMaxTimeMicros =
    253402300800LL * kMicrosPerSecond - 1;  // 9999-12-31

}  // namespace

Status ValidateNoteKeyName(std::string_view name) {
  return ValidateName(name, "key name");
}

Status ValidateCheckpointOrigin(std::string_view origin) {
  return ValidateName(origin, "origin");
}

uint32_t NoteKeyId(std::string_view key_name, const VerifyingKey& key) {
  const char type = static_cast<char>(kEd25519SignatureType);
  const RawPublicKey& raw = key.raw();
  Hash256 h =
      Sha256Parts({key_name, "\n", std::string_view(&type, 1),
                   std::string_view(reinterpret_cast<const char*>(raw.data()),
                                    raw.size())});
  return (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) |
         (uint32_t{h[2]} << 8) | uint32_t{h[3]};
}

std::string FormatCheckpointTime(int64_t micros) {
  int64_t days = micros >= 0 ? micros / kMicrosPerDay
                             : -((-micros + kMicrosPerDay - 1) / kMicrosPerDay);
  const int64_t rem = micros - days * kMicrosPerDay;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  const int64_t secs = rem / kMicrosPerSecond;
  char buf[64];
  int n = std::snprintf(
      buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
      static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
      static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60),
      static_cast<long long>(rem % kMicrosPerSecond));
  return std::string(buf, static_cast<size_t>(n));
}

std::string FormatCheckpointBody(const Checkpoint& checkpoint) {
  std::string out = checkpoint.origin;
  out += '\n';
  out += std::to_string(checkpoint.size);
  out += '\n';
  out += Base64Encode(AsBytes(checkpoint.root));
  out += '\n';
  out += kTimePrefix;
  out += FormatCheckpointTime(checkpoint.time_micros);
  out += '\n';
  return out;
}

StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                     const PrivateKey& key,
                                     std::string_view key_name) {
  QT_RETURN_IF_ERROR(ValidateCheckpointOrigin(checkpoint.origin));
  QT_RETURN_IF_ERROR(ValidateNoteKeyName(key_name));
  if (checkpoint.time_micros < kMinTimeMicros ||
      checkpoint.time_micros > kMaxTimeMicros) {
    return InvalidArgument("checkpoint time is outside years 0000-9999");
  }
  std::string note = FormatCheckpointBody(checkpoint);
  const Signature sig = key.Sign(note);
  const uint32_t id = NoteKeyId(key_name, key.public_key());
  std::string blob;
  blob.reserve(4 + sig.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    blob.push_back(static_cast<char>(id >> shift));
  }
  blob.append(AsBytes(sig));
  note += '\n';
  note += kSignaturePrefix;
  note += key_name;
  note += ' ';
  note += Base64Encode(blob);
  note += '\n';
  return note;
}

StatusOr<Checkpoint> OpenCheckpoint(std::string_view note,
                                    const VerifyingKey& key,
                                    std::string_view key_name) {
  QT_ASSIGN_OR_RETURN(Note parsed, SplitNote(note));
  const uint32_t id = NoteKeyId(key_name, key);
  bool verified = false;
  for (const NoteSignature& sig : parsed.signatures) {
    // Lines that match the key in name or id alone are someone else's.
    if (sig.name != key_name || sig.key_id != id) continue;
    if (verified) {
      return BadCheckpoint("two signatures by " + std::string(key_name));
    }
    if (!key.Verify(parsed.text, sig.signature)) {
      return BadSignature("checkpoint signature by " + std::string(key_name) +
                          " does not verify");
    }
    verified = true;
  }
  if (!verified) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", id);
    return BadSignature("checkpoint is not signed by " + std::string(key_name) +
                        " (key id " + hex + ")");
  }
  return ParseCheckpointBody(parsed.text);
}

StatusOr<Checkpoint> ParseCheckpointUnverified(std::string_view note) {
  QT_ASSIGN_OR_RETURN(Note parsed, SplitNote(note));
  return ParseCheckpointBody(parsed.text);
}

}  // namespace qtrace
