// Signed checkpoints (qtrace/checkpoint.h): C2SP signed-note interop, strict
// parsing, and rejection of tampered notes and wrong keys.
#include "qtrace/checkpoint.h"

#include <gtest/gtest.h>

#include <string>

#include "qtrace/encoding.h"
#include "qtrace/merkle.h"

namespace qtrace {
namespace {

// From the documentation of Go's golang.org/x/mod/sumdb/note, the reference
// signed-note implementation: a verifier key (name+hex key id+base64 of the
// signature type byte and the public key) and a note it signed.
constexpr char kGoKeyName[] = "PeterNeumann";
constexpr char kGoVerifierKey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kGoNote[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnA"
    "M=\n";

VerifyingKey GoKey() {
  const std::string vkey = kGoVerifierKey;
  std::optional<std::string> typed =
      Base64Decode(vkey.substr(vkey.rfind('+') + 1));
  EXPECT_TRUE(typed && typed->size() == 33 && (*typed)[0] == 0x01);
  return *VerifyingKey::FromRaw(typed->substr(1));
}

constexpr char kName[] = "qtrace.example/city-log";

Checkpoint TestCheckpoint() {
  Checkpoint cp;
  cp.origin = kName;
  cp.size = 20852163;
  cp.root = Sha256("root");
  cp.time_micros = 1795838638123456;  // 2026-11-28T04:03:58.123456Z
  return cp;
}

// Signs an arbitrary note text the way SignCheckpoint does, to test how the
// parser treats bodies SignCheckpoint would never write.
std::string SignText(const std::string& text, const PrivateKey& key,
                     const std::string& name) {
  const uint32_t id = NoteKeyId(name, key.public_key());
  std::string blob;
  for (int s = 24; s >= 0; s -= 8) blob.push_back(static_cast<char>(id >> s));
  blob.append(AsBytes(key.Sign(text)));
  return text + "\n\xE2\x80\x94 " + name + " " + Base64Encode(blob) + "\n";
}

class CheckpointTest : public ::testing::Test {
 protected:
  PrivateKey key_ = *PrivateKey::Generate();
  const std::string name_ = kName;
};

TEST(NoteKeyIdTest, MatchesTheGoSumdbNoteVector) {
  EXPECT_EQ(NoteKeyId(kGoKeyName, GoKey()), 0xc74f20a3u);
}

TEST(NoteKeyIdTest, GoSignatureVerifiesButItsTextIsNoCheckpoint) {
  // The signature check passes (so the failure is the body, not the key)...
  StatusOr<Checkpoint> cp = OpenCheckpoint(kGoNote, GoKey(), kGoKeyName);
  EXPECT_EQ(cp.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(cp.status().reason(), "bad_checkpoint");
  // ...and one changed byte of the text makes it a signature failure.
  std::string tampered = kGoNote;
  tampered[3] = 'X';
  EXPECT_EQ(OpenCheckpoint(tampered, GoKey(), kGoKeyName).status().code(),
            StatusCode::kUnauthenticated);
}

// Ed25519 is deterministic: with RFC 8032's first test key the whole note is
// a known answer (computed independently with the openssl command line).
TEST(CheckpointKnownAnswerTest, NoteSignedWithRfc8032TestKey) {
  StatusOr<PrivateKey> key = PrivateKey::FromSeed(*HexDecode(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(key.ok());
  StatusOr<std::string> note = SignCheckpoint(TestCheckpoint(), *key, kName);
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(*note,
            "qtrace.example/city-log\n"
            "20852163\n"
            "SBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=\n"
            "time 2026-11-28T04:03:58.123456Z\n"
            "\n"
            "\xE2\x80\x94 qtrace.example/city-log "
            "WctYrU/2MW/N5ohSzeYUJMu0h3w4JPGVVC1c43FwKYqWtIdFz9NeKBmkauj//"
            "6iHho7Wc5Da7h5uCRVip7/"
            "RdO9g8AI=\n");
  EXPECT_EQ(NoteKeyId(kName, key->public_key()), 0x59cb58adu);
}

TEST(CheckpointFormatTest, TimeAlwaysHasSixFractionDigits) {
  EXPECT_EQ(FormatCheckpointTime(1795838638123456),
            "2026-11-28T04:03:58.123456Z");
  EXPECT_EQ(FormatCheckpointTime(1795838638000000),
            "2026-11-28T04:03:58.000000Z");
  EXPECT_EQ(FormatCheckpointTime(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(FormatCheckpointTime(-1), "1969-12-31T23:59:59.999999Z");
}

TEST_F(CheckpointTest, SignedNoteHasTheC2spLayout) {
  StatusOr<std::string> note = SignCheckpoint(TestCheckpoint(), key_, name_);
  ASSERT_TRUE(note.ok()) << note.status().ToString();
  const std::string body =
      "qtrace.example/city-log\n"
      "20852163\n" +
      Base64Encode(AsBytes(Sha256("root"))) +
      "\n"
      "time 2026-11-28T04:03:58.123456Z\n";
  EXPECT_EQ(FormatCheckpointBody(TestCheckpoint()), body);
  const std::string sig_prefix = body + "\n\xE2\x80\x94 " + name_ + " ";
  ASSERT_EQ(note->substr(0, sig_prefix.size()), sig_prefix);
  std::string sig_b64 = note->substr(sig_prefix.size());
  ASSERT_EQ(sig_b64.back(), '\n');
  sig_b64.pop_back();
  std::optional<std::string> blob = Base64Decode(sig_b64);
  ASSERT_TRUE(blob);
  ASSERT_EQ(blob->size(), 68u);
  const uint32_t id = NoteKeyId(name_, key_.public_key());
  EXPECT_EQ(static_cast<uint8_t>((*blob)[0]), id >> 24);
  EXPECT_EQ(static_cast<uint8_t>((*blob)[3]), id & 0xff);
  EXPECT_TRUE(key_.public_key().Verify(body, blob->substr(4)));
}

TEST_F(CheckpointTest, SignThenOpenRoundTrips) {
  for (uint64_t size :
       {uint64_t{0}, uint64_t{1}, uint64_t{10'000'000}, UINT64_MAX}) {
    Checkpoint cp = TestCheckpoint();
    cp.size = size;
    cp.root = size == 0 ? EmptyRoot() : Sha256(std::to_string(size));
    StatusOr<std::string> note = SignCheckpoint(cp, key_, name_);
    ASSERT_TRUE(note.ok());
    StatusOr<Checkpoint> opened =
        OpenCheckpoint(*note, key_.public_key(), name_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, cp);
    StatusOr<Checkpoint> parsed = ParseCheckpointUnverified(*note);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, cp);
  }
}

TEST_F(CheckpointTest, EveryBitFlipOfTheNoteIsRejected) {
  const std::string note = *SignCheckpoint(TestCheckpoint(), key_, name_);
  for (size_t i = 0; i < note.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = note;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(OpenCheckpoint(bad, key_.public_key(), name_).ok())
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST_F(CheckpointTest, WrongKeyOrKeyNameIsUnauthenticated) {
  const std::string note = *SignCheckpoint(TestCheckpoint(), key_, name_);
  PrivateKey other = *PrivateKey::Generate();
  Status s = OpenCheckpoint(note, other.public_key(), name_).status();
  EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(s.reason(), "bad_checkpoint_signature");
  EXPECT_EQ(OpenCheckpoint(note, key_.public_key(), "other.example/log")
                .status()
                .code(),
            StatusCode::kUnauthenticated);
}

TEST_F(CheckpointTest, OtherSignersAreIgnoredButADuplicateOfOursIsNot) {
  const std::string note = *SignCheckpoint(TestCheckpoint(), key_, name_);
  const std::string witness =
      "\xE2\x80\x94 witness.example " +
      Base64Encode(std::string(4, '\x01') + std::string(64, '\x02')) + "\n";
  EXPECT_TRUE(OpenCheckpoint(note + witness, key_.public_key(), name_).ok());
  const std::string ours = note.substr(note.rfind("\n\n") + 2);
  EXPECT_FALSE(OpenCheckpoint(note + ours, key_.public_key(), name_).ok());
}

TEST_F(CheckpointTest, ABadSignatureByOurKeyRejectsTheNote) {
  const std::string body = FormatCheckpointBody(TestCheckpoint());
  const std::string note = *SignCheckpoint(TestCheckpoint(), key_, name_);
  const std::string good_line = note.substr(note.rfind("\n\n") + 2);
  // Same name and key id, a signature over another text.
  const std::string forged = SignText(body + "x\n", key_, name_);
  const std::string forged_line = forged.substr(forged.rfind("\n\n") + 2);
  for (const std::string& lines : {forged_line, forged_line + good_line}) {
    EXPECT_EQ(OpenCheckpoint(body + "\n" + lines, key_.public_key(), name_)
                  .status()
                  .code(),
              StatusCode::kUnauthenticated)
        << lines;
  }
}

TEST_F(CheckpointTest, StrictParserRejectsBodiesWeNeverWrite) {
  const std::string root = Base64Encode(AsBytes(Sha256("root")));
  const std::string time = "time 2026-11-28T04:03:58.123456Z\n";
  struct Case {
    const char* what;
    std::string text;
  };
  const Case cases[] = {
      {"leading zero size", "o.example\n012\n" + root + "\n" + time},
      {"signed size", "o.example\n+12\n" + root + "\n" + time},
      {"size overflows",
       "o.example\n18446744073709551616\n" + root + "\n" + time},
      {"no time line", "o.example\n12\n" + root + "\n"},
      {"two extension lines", "o.example\n12\n" + root + "\n" + time + "x\n"},
      {"time without micros",
       "o.example\n12\n" + root + "\ntime 2026-11-28T04:03:58Z\n"},
      {"time with offset",
       "o.example\n12\n" + root + "\ntime 2026-11-28T04:03:58.123456+00:00\n"},
      {"no such date",
       "o.example\n12\n" + root + "\ntime 2026-02-30T04:03:58.123456Z\n"},
      {"leap second",
       "o.example\n12\n" + root + "\ntime 2026-12-31T23:59:60.000000Z\n"},
      {"short root",
       "o.example\n12\n" + Base64Encode(std::string(31, 'r')) + "\n" + time},
      {"unpadded root", "o.example\n12\n" + root.substr(0, 43) + "\n" + time},
      {"origin with space", "o example\n12\n" + root + "\n" + time},
      {"empty origin", "\n12\n" + root + "\n" + time},
  };
  for (const Case& c : cases) {
    const std::string note = SignText(c.text, key_, name_);
    Status s = OpenCheckpoint(note, key_.public_key(), name_).status();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument)
        << c.what << ": " << s.ToString();
  }
  // The same checks pass the well-formed body.
  const std::string good = "o.example\n12\n" + root + "\n" + time;
  EXPECT_TRUE(
      OpenCheckpoint(SignText(good, key_, name_), key_.public_key(), name_)
          .ok());
}

TEST_F(CheckpointTest, MalformedNotesAreRejected) {
  const std::string note = *SignCheckpoint(TestCheckpoint(), key_, name_);
  const std::string body = FormatCheckpointBody(TestCheckpoint());
  const std::string cases[] = {
      body,                                // no signatures
      body + "\n",                         // blank line, no signatures
      note.substr(0, note.size() - 1),     // last line unterminated
      body + "\n-- " + name_ + " AAAA\n",  // not an em dash
      note + "\xE2\x80\x94 x\n",           // signature line without a signature
      note + "\xE2\x80\x94 x AAAA\n",      // signature too short
      std::string("\x01") + note,          // control character
      note.substr(0, 3) + "\xC3\x28" + note.substr(3),  // invalid UTF-8
  };
  for (const std::string& c : cases) {
    EXPECT_FALSE(OpenCheckpoint(c, key_.public_key(), name_).ok()) << c;
    EXPECT_FALSE(ParseCheckpointUnverified(c).ok()) << c;
  }
}

TEST_F(CheckpointTest, SignRejectsUnusableNames) {
  Checkpoint cp = TestCheckpoint();
  EXPECT_FALSE(SignCheckpoint(cp, key_, "has space").ok());
  EXPECT_FALSE(SignCheckpoint(cp, key_, "has+plus").ok());
  EXPECT_FALSE(SignCheckpoint(cp, key_, "").ok());
  EXPECT_FALSE(SignCheckpoint(cp, key_, "nbsp\xC2\xA0").ok());
  cp.origin = "line\nbreak";
  EXPECT_FALSE(SignCheckpoint(cp, key_, name_).ok());
  cp = TestCheckpoint();
  cp.time_micros = INT64_MAX;
  EXPECT_FALSE(SignCheckpoint(cp, key_, name_).ok());
}

}  // namespace
}  // namespace qtrace
