// SHA-256, DSSE PAE and Ed25519 keys: known answers, tampering, PEM files.
#include "qtrace/crypto.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "qtrace/encoding.h"
#include "testing/temp_dir.h"

namespace qtrace {
namespace {

std::string Unhex(std::string_view hex) {
  auto b = HexDecode(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or("");
}

std::string Hex(const Hash256& h) { return HexEncode(AsBytes(h)); }
std::string Hex(const Signature& s) { return HexEncode(AsBytes(s)); }
// RawPublicKey is the same type as Hash256.

mode_t FileMode(const std::string& path) {
  struct stat sb {};
  EXPECT_EQ(::stat(path.c_str(), &sb), 0) << path;
  return sb.st_mode & 07777;
}

// ---- SHA-256 ------------------------------------------------------------------

TEST(Sha256Test, KnownAnswers) {
  // FIPS 180-2 appendix B / NIST CAVS examples.
  EXPECT_EQ(Hex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Hex(Sha256(std::string(1000000, 'a'))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, PartsHashLikeTheirConcatenation) {
  EXPECT_EQ(Sha256Parts({"a", "b", "c"}), Sha256("abc"));
  EXPECT_EQ(Sha256Parts({}), Sha256(""));
  EXPECT_EQ(Sha256Parts({"", "abc", ""}), Sha256("abc"));
  std::string nul("\0x\0", 3);
  EXPECT_EQ(Sha256Parts({nul, nul}), Sha256(nul + nul));
}

TEST(Sha256Test, ToHash256NeedsExactly32Bytes) {
  Hash256 h{};
  EXPECT_TRUE(ToHash256(std::string(32, '\x07'), &h));
  EXPECT_EQ(h[0], 7);
  EXPECT_EQ(h[31], 7);
  EXPECT_FALSE(ToHash256(std::string(31, 'x'), &h));
  EXPECT_FALSE(ToHash256(std::string(33, 'x'), &h));
  EXPECT_FALSE(ToHash256("", &h));
}

// ---- DSSE PAE -----------------------------------------------------------------

TEST(DssePaeTest, MatchesTheSpecExample) {
  // https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
  EXPECT_EQ(DssePae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST(DssePaeTest, LengthsAreDecimalByteCounts) {
  EXPECT_EQ(DssePae("", ""), "DSSEv1 0  0 ");
  EXPECT_EQ(DssePae("qtrace.v1.Record", std::string("\0\x01 ", 3)),
            std::string("DSSEv1 16 qtrace.v1.Record 3 \0\x01 ", 32));
  // UTF-8: bytes, not characters.
  EXPECT_EQ(DssePae("\xe6\xba\xaf", "x"), "DSSEv1 3 \xe6\xba\xaf 1 x");
  std::string big(1234, 'z');
  EXPECT_EQ(DssePae("t", big), "DSSEv1 1 t 1234 " + big);
  // The length prefix keeps (type, payload) splits apart.
  EXPECT_NE(DssePae("ab", "c"), DssePae("a", "bc"));
}

// ---- Ed25519 --------------------------------------------------------------------

struct Rfc8032Vector {
  std::string_view seed, public_key, message, signature;
};

// RFC 8032 section 7.1, TEST 1-3.
constexpr Rfc8032Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb882159"
     "0a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43"
     "e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538"
     "d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
};

// TEST 1's key as PKCS#8 / SubjectPublicKeyInfo PEM (as OpenSSL and
// pyca/cryptography write it).
constexpr std::string_view kTest1PrivatePem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
constexpr std::string_view kTest1PublicPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

TEST(Ed25519Test, Rfc8032VectorsFromSeed) {
  for (const auto& v : kRfc8032) {
    SCOPED_TRACE(std::string(v.seed));
    auto key = PrivateKey::FromSeed(Unhex(v.seed));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(Hex(key->public_key().raw()), v.public_key);
    std::string message = Unhex(v.message);
    Signature sig = key->Sign(message);
    EXPECT_EQ(Hex(sig), v.signature);
    // An independent verifier built from the raw public key accepts it.
    auto pub = VerifyingKey::FromRaw(Unhex(v.public_key));
    ASSERT_TRUE(pub.ok());
    EXPECT_TRUE(pub->Verify(message, Unhex(v.signature)));
    // Key id = SHA-256 of the raw public key.
    EXPECT_EQ(key->id(), Sha256(Unhex(v.public_key)));
    EXPECT_EQ(pub->id(), key->id());
    EXPECT_EQ(KeyIdOf(pub->raw()), key->id());
  }
}

TEST(Ed25519Test, Rfc8032Test1FromPem) {
  auto key = PrivateKey::FromPem(kTest1PrivatePem);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(Hex(key->public_key().raw()), kRfc8032[0].public_key);
  EXPECT_EQ(Hex(key->Sign("")), kRfc8032[0].signature);
  EXPECT_EQ(key->ToPem(), kTest1PrivatePem);
  EXPECT_EQ(key->public_key().ToPem(), kTest1PublicPem);
  // Key id of TEST 1's public key, computed independently (sha256sum).
  EXPECT_EQ(Hex(key->id()),
            "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9");

  auto pub = VerifyingKey::FromPem(kTest1PublicPem);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->raw(), key->public_key().raw());
  EXPECT_EQ(pub->id(), key->id());
}

TEST(Ed25519Test, FromSeedRejectsWrongSizes) {
  for (size_t n : {0, 1, 31, 33, 64}) {
    auto key = PrivateKey::FromSeed(std::string(n, '\x01'));
    EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument) << n;
    EXPECT_EQ(key.status().reason(), "bad_private_key");
  }
}

TEST(Ed25519Test, GeneratedKeysSignAndVerify) {
  auto a = PrivateKey::Generate();
  auto b = PrivateKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->id(), b->id());
  const std::string msg = "lot gtin:06901234567892/240315A shipped";
  Signature sig = a->Sign(msg);
  EXPECT_EQ(sig, a->Sign(msg)) << "Ed25519 signatures are deterministic";
  EXPECT_TRUE(a->public_key().Verify(msg, AsBytes(sig)));
  EXPECT_FALSE(b->public_key().Verify(msg, AsBytes(sig))) << "wrong key";
  // The private key survives a PEM round trip.
  auto again = PrivateKey::FromPem(a->ToPem());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id(), a->id());
  EXPECT_EQ(again->Sign(msg), sig);
}

TEST(Ed25519Test, TamperedMessageOrSignatureIsRejected) {
  auto key = PrivateKey::FromSeed(Unhex(kRfc8032[2].seed));
  ASSERT_TRUE(key.ok());
  const VerifyingKey& pub = key->public_key();
  const std::string msg = "quantity 1200.5 KGM";
  const std::string sig(AsBytes(key->Sign(msg)));
  ASSERT_TRUE(pub.Verify(msg, sig));
  for (size_t i = 0; i < msg.size(); ++i) {
    std::string m = msg;
    m[i] ^= 0x01;
    EXPECT_FALSE(pub.Verify(m, sig)) << "message byte " << i;
  }
  EXPECT_FALSE(pub.Verify(msg + " ", sig));
  EXPECT_FALSE(pub.Verify(msg.substr(1), sig));
  for (size_t i = 0; i < sig.size(); ++i) {
    for (unsigned char bit : {0x01, 0x80}) {
      std::string s = sig;
      s[i] ^= static_cast<char>(bit);
      EXPECT_FALSE(pub.Verify(msg, s)) << "signature byte " << i;
    }
  }
  EXPECT_FALSE(pub.Verify(msg, sig.substr(0, 63)));
  EXPECT_FALSE(pub.Verify(msg, sig + "x"));
  EXPECT_FALSE(pub.Verify(msg, ""));
  EXPECT_FALSE(pub.Verify(msg, std::string(64, '\0')));
}

TEST(Ed25519Test, NonCanonicalSIsRejected) {
  // S + L (the group order) is the same scalar mod L; RFC 8032 section 5.1.7
  // requires S < L, so a malleated signature must not verify.
  auto key = PrivateKey::FromSeed(Unhex(kRfc8032[0].seed));
  ASSERT_TRUE(key.ok());
  std::string sig(AsBytes(key->Sign("")));
  const std::string l = Unhex(
      "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {  // little-endian addition
    unsigned sum = static_cast<uint8_t>(sig[32 + i]) + static_cast<uint8_t>(l[i]) + carry;
    sig[32 + i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0u);
  EXPECT_FALSE(key->public_key().Verify("", sig));
}

TEST(Ed25519Test, RecordSignaturesCoverTypeAndPayload) {
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const VerifyingKey& pub = key->public_key();
  Signature sig = key->SignRecord("qtrace.v1.Record", "payload");
  EXPECT_EQ(sig, key->Sign(DssePae("qtrace.v1.Record", "payload")));
  EXPECT_TRUE(pub.VerifyRecord("qtrace.v1.Record", "payload", AsBytes(sig)));
  EXPECT_FALSE(pub.VerifyRecord("qtrace.v1.Other", "payload", AsBytes(sig)));
  EXPECT_FALSE(pub.VerifyRecord("qtrace.v1.Record", "payloaD", AsBytes(sig)));
  EXPECT_FALSE(pub.Verify("payload", AsBytes(sig))) << "raw payload is not what is signed";
}

TEST(Ed25519Test, KeysAreUsableFromManyThreads) {
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::string msg = std::to_string(t) + "/" + std::to_string(i);
        Signature s = key->Sign(msg);
        if (!key->public_key().Verify(msg, AsBytes(s))) ++failures[t];
        if (Sha256(msg) != Sha256Parts({msg.substr(0, 1), msg.substr(1)})) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(VerifyingKeyTest, RejectsBadEncodings) {
  auto short_key = VerifyingKey::FromRaw(std::string(31, 'a'));
  EXPECT_EQ(short_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(short_key.status().reason(), "bad_public_key");
  EXPECT_EQ(VerifyingKey::FromRaw(std::string(33, 'a')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyingKey::FromPem("not a pem").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(VerifyingKey::FromPem(kTest1PrivatePem).status().code(),
            StatusCode::kInvalidArgument)
      << "a private key is not a public key PEM";
  EXPECT_EQ(PrivateKey::FromPem("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PrivateKey::FromPem(kTest1PublicPem).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(VerifyingKeyTest, BytesThatAreNoCurvePointVerifyNothing) {
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string msg = "m";
  const std::string sig(AsBytes(key->Sign(msg)));
  for (char fill : {'\x00', '\xff', '\x02'}) {
    auto pub = VerifyingKey::FromRaw(std::string(32, fill));
    ASSERT_TRUE(pub.ok()) << "import does not check the point";
    EXPECT_FALSE(pub->Verify(msg, sig));
    EXPECT_FALSE(pub->Verify(msg, std::string(64, '\0')));
  }
}

std::string OtherAlgorithmPem(const char* algorithm, bool private_key) {
  EVP_PKEY* p = EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm);
  EXPECT_NE(p, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  if (private_key) {
    PEM_write_bio_PrivateKey(bio, p, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_PUBKEY(bio, p);
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  EVP_PKEY_free(p);
  return pem;
}

TEST(VerifyingKeyTest, RejectsKeysOfOtherAlgorithms) {
  // X25519 shares Ed25519's curve but is a key-agreement key.
  for (const char* alg : {"X25519", "ED448"}) {
    SCOPED_TRACE(alg);
    auto priv = PrivateKey::FromPem(OtherAlgorithmPem(alg, true));
    EXPECT_EQ(priv.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(priv.status().message().find("not Ed25519"), std::string::npos)
        << priv.status().message();
    auto pub = VerifyingKey::FromPem(OtherAlgorithmPem(alg, false));
    EXPECT_EQ(pub.status().code(), StatusCode::kInvalidArgument);
  }
}

// ---- PEM files ------------------------------------------------------------------

TEST(KeyFileTest, PrivateKeyIsSavedWithMode0600AndLoadsBack) {
  testing::TempDir dir;
  auto key = PrivateKey::FromSeed(Unhex(kRfc8032[1].seed));
  ASSERT_TRUE(key.ok());
  const std::string path = dir.Sub("admin.key");
  mode_t old_umask = ::umask(0);  // a permissive umask must not widen the mode
  Status saved = key->SavePem(path);
  ::umask(old_umask);
  ASSERT_TRUE(saved.ok()) << saved.ToString();
  EXPECT_EQ(FileMode(path), 0600);
  auto loaded = PrivateKey::LoadPem(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->id(), key->id());
  EXPECT_EQ(Hex(loaded->Sign(Unhex(kRfc8032[1].message))), kRfc8032[1].signature);
}

TEST(KeyFileTest, SavingOverAnOpenFileTightensItsMode) {
  testing::TempDir dir;
  const std::string path = dir.Sub("k.pem");
  { std::ofstream(path) << "old"; }
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(key->SavePem(path).ok());
  EXPECT_EQ(FileMode(path), 0600);
  EXPECT_TRUE(PrivateKey::LoadPem(path).ok());
}

TEST(KeyFileTest, LoadPemRefusesFilesOthersCanRead) {
  testing::TempDir dir;
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string path = dir.Sub("k.pem");
  ASSERT_TRUE(key->SavePem(path).ok());
  for (mode_t mode : {0644, 0640, 0604, 0660, 0700 | 0004}) {
    SCOPED_TRACE(mode);
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto loaded = PrivateKey::LoadPem(path);
    EXPECT_EQ(loaded.status().code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(loaded.status().reason(), "key_file_mode");
  }
  for (mode_t mode : {0600, 0400}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    EXPECT_TRUE(PrivateKey::LoadPem(path).ok()) << mode;
  }
}

TEST(KeyFileTest, LoadPemReportsMissingAndCorruptFiles) {
  testing::TempDir dir;
  auto missing = PrivateKey::LoadPem(dir.Sub("nope.pem"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  const std::string junk = dir.Sub("junk.pem");
  { std::ofstream(junk) << "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"; }
  ASSERT_EQ(::chmod(junk.c_str(), 0600), 0);
  auto bad = PrivateKey::LoadPem(junk);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find(junk), std::string::npos)
      << "the message names the file: " << bad.status().message();
  EXPECT_EQ(VerifyingKey::LoadPem(dir.Sub("nope.pub")).status().code(),
            StatusCode::kNotFound);
}

TEST(KeyFileTest, PublicKeyIsSavedWithMode0644AndLoadsBack) {
  testing::TempDir dir;
  auto key = PrivateKey::FromPem(kTest1PrivatePem);
  ASSERT_TRUE(key.ok());
  const std::string path = dir.Sub("admin.pub");
  ASSERT_TRUE(SavePublicKeyPem(key->public_key(), path).ok());
  EXPECT_EQ(FileMode(path), 0644);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, kTest1PublicPem);
  auto pub = VerifyingKey::LoadPem(path);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->id(), key->id());
}

TEST(KeyFileTest, SaveIntoMissingDirectoryFails) {
  testing::TempDir dir;
  auto key = PrivateKey::Generate();
  ASSERT_TRUE(key.ok());
  Status s = key->SavePem(dir.Sub("no/such/dir/k.pem"));
  EXPECT_EQ(s.code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace qtrace
