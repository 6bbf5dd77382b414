// Receipts (qtrace/receipt.h): the C2SP tlog-proof text and its offline
// verification with nothing but the host's public key.
#include "qtrace/receipt.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "merkle/memory_source.h"
#include "qtrace/encoding.h"
#include "qtrace/merkle.h"

namespace qtrace {
namespace {

constexpr char kOrigin[] = "qtrace.example/city-log";

std::string Entry(uint64_t i) {
  return "log entry bytes #" + std::to_string(i);
}

class ReceiptTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (uint64_t i = 0; i < kSize; ++i) leaves_.push_back(LeafHash(Entry(i)));
    Checkpoint cp;
    cp.origin = kOrigin;
    cp.size = kSize;
    cp.root = RootOf(leaves_);
    cp.time_micros = 1795838638123456;
    note_ = *SignCheckpoint(cp, key_, kOrigin);
  }

  Receipt ReceiptFor(uint64_t index) const {
    Receipt r;
    r.extra = Entry(index);
    r.index = index;
    r.proof = InclusionProofOf(leaves_, index);
    r.checkpoint_note = note_;
    return r;
  }

  static constexpr uint64_t kSize = 13;
  PrivateKey key_ = *PrivateKey::Generate();
  std::vector<Hash256> leaves_;
  std::string note_;
};

TEST_F(ReceiptTest, TextHasTheTlogProofLayout) {
  const Receipt r = ReceiptFor(5);
  std::string want =
      "c2sp.org/tlog-proof@v1\nextra " + Base64Encode(Entry(5)) + "\nindex 5\n";
  for (const Hash256& h : r.proof) want += Base64Encode(AsBytes(h)) + "\n";
  want += "\n" + note_;
  EXPECT_EQ(FormatReceipt(r), want);
}

TEST_F(ReceiptTest, FormatThenParseRoundTrips) {
  Receipt r = ReceiptFor(12);
  StatusOr<Receipt> parsed = ParseReceipt(FormatReceipt(r));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, r);
  r.extra.reset();
  parsed = ParseReceipt(FormatReceipt(r));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, r);
}

TEST_F(ReceiptTest, EveryIndexVerifiesOffline) {
  for (uint64_t i = 0; i < kSize; ++i) {
    StatusOr<VerifiedReceipt> v =
        VerifyReceipt(FormatReceipt(ReceiptFor(i)), key_.public_key(), kOrigin);
    ASSERT_TRUE(v.ok()) << i << ": " << v.status().ToString();
    EXPECT_EQ(v->index, i);
    EXPECT_EQ(v->entry, Entry(i));
    EXPECT_EQ(v->leaf_hash, leaves_[i]);
    EXPECT_EQ(v->checkpoint.size, kSize);
    EXPECT_EQ(v->checkpoint.origin, kOrigin);
  }
}

TEST_F(ReceiptTest, EveryBitFlipOfTheReceiptIsRejected) {
  const std::string text = FormatReceipt(ReceiptFor(6));
  for (size_t i = 0; i < text.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = text;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      EXPECT_FALSE(VerifyReceipt(bad, key_.public_key(), kOrigin).ok())
          << "byte " << i << " bit " << bit;
    }
  }
}

// An RFC 6962 root does not commit to the tree size, so a size whose proof
// has the same shape passes the Merkle check alone (13 -> 15 for index 0:
// see merkle_test); in a receipt the size is a signed checkpoint line.
TEST_F(ReceiptTest, ShapePreservingSizeChangeIsCaughtByTheSignature) {
  const Receipt r = ReceiptFor(0);
  const Hash256 root = RootOf(leaves_);
  ASSERT_TRUE(VerifyInclusion(leaves_[0], 0, 15, r.proof, root).ok());
  std::string text = FormatReceipt(r);
  const size_t at = text.find("\n13\n");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 4, "\n15\n");
  EXPECT_EQ(VerifyReceipt(text, key_.public_key(), kOrigin).status().code(),
            StatusCode::kUnauthenticated);
}

TEST_F(ReceiptTest, WrongKeyIsUnauthenticated) {
  PrivateKey other = *PrivateKey::Generate();
  EXPECT_EQ(
      VerifyReceipt(FormatReceipt(ReceiptFor(1)), other.public_key(), kOrigin)
          .status()
          .code(),
      StatusCode::kUnauthenticated);
}

TEST_F(ReceiptTest, WrongEntryIndexOrProofIsRejected) {
  Receipt r = ReceiptFor(3);
  r.extra = Entry(4);
  EXPECT_EQ(VerifyReceipt(FormatReceipt(r), key_.public_key(), kOrigin)
                .status()
                .reason(),
            "bad_inclusion_proof");
  r = ReceiptFor(3);
  r.index = 4;
  EXPECT_FALSE(
      VerifyReceipt(FormatReceipt(r), key_.public_key(), kOrigin).ok());
  r = ReceiptFor(3);
  r.proof.pop_back();
  EXPECT_FALSE(
      VerifyReceipt(FormatReceipt(r), key_.public_key(), kOrigin).ok());
  r = ReceiptFor(3);
  r.index = kSize;
  r.proof.clear();
  EXPECT_FALSE(
      VerifyReceipt(FormatReceipt(r), key_.public_key(), kOrigin).ok());
}

TEST_F(ReceiptTest, ReceiptWithoutTheEntryCannotBeVerified) {
  Receipt r = ReceiptFor(2);
  r.extra.reset();
  Status s =
      VerifyReceipt(FormatReceipt(r), key_.public_key(), kOrigin).status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.reason(), "bad_receipt");
}

TEST_F(ReceiptTest, MalformedTextIsRejected) {
  const std::string good = FormatReceipt(ReceiptFor(2));
  const std::string hash = Base64Encode(AsBytes(leaves_[0]));
  const std::string cases[] = {
      "",
      "c2sp.org/tlog-proof@v2\nindex 0\n\n" + note_,
      "c2sp.org/tlog-proof@v1\nindex 01\n\n" + note_,
      "c2sp.org/tlog-proof@v1\nindex -1\n\n" + note_,
      "c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n\n" + note_,
      "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\n" + note_,
      "c2sp.org/tlog-proof@v1\nextra \nindex 0\n\n" + note_,
      "c2sp.org/tlog-proof@v1\nindex 0\n" + hash.substr(4) + "\n\n" + note_,
      "c2sp.org/tlog-proof@v1\nindex 0\n" + hash + "\n",
      "c2sp.org/tlog-proof@v1\nindex 0\n" + hash + "\n\n",
      "c2sp.org/tlog-proof@v1\r\nindex 0\n\n" + note_,
  };
  for (const std::string& c : cases) {
    EXPECT_EQ(ParseReceipt(c).status().reason(), "bad_receipt") << c;
  }
  std::string too_long = "c2sp.org/tlog-proof@v1\nindex 0\n";
  for (int i = 0; i < 65; ++i) too_long += hash + "\n";
  EXPECT_FALSE(ParseReceipt(too_long + "\n" + note_).ok());
  EXPECT_TRUE(ParseReceipt(good).ok());
}

TEST_F(ReceiptTest, LogVerifierChecksTheLogItBelongsTo) {
  LogVerifier verifier(key_.public_key(), kOrigin);
  EXPECT_EQ(verifier.key_name(), kOrigin);
  StatusOr<VerifiedReceipt> v =
      verifier.VerifyReceipt(FormatReceipt(ReceiptFor(7)));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->entry, Entry(7));

  // The same key signing for another log: valid signature, wrong log.
  LogVerifier other_log(key_.public_key(), "qtrace.example/other-log", kOrigin);
  EXPECT_EQ(
      other_log.VerifyReceipt(FormatReceipt(ReceiptFor(7))).status().reason(),
      "wrong_log");
  EXPECT_EQ(other_log.OpenCheckpoint(note_).status().reason(), "wrong_log");
}

TEST_F(ReceiptTest, LogVerifierChecksConsistencyBetweenCheckpoints) {
  LogVerifier verifier(key_.public_key(), kOrigin);
  Checkpoint older{kOrigin, 5, RootOf(testing::Prefix(leaves_, 5)), 1};
  StatusOr<Checkpoint> newer = verifier.OpenCheckpoint(note_);
  ASSERT_TRUE(newer.ok());
  const std::vector<Hash256> proof = ConsistencyProofOf(leaves_, 5);
  EXPECT_TRUE(verifier.VerifyConsistency(older, *newer, proof).ok());
  EXPECT_FALSE(verifier.VerifyConsistency(*newer, older, proof).ok());
  Checkpoint foreign = older;
  foreign.origin = "elsewhere.example/log";
  EXPECT_EQ(verifier.VerifyConsistency(foreign, *newer, proof).reason(),
            "wrong_log");
}

}  // namespace
}  // namespace qtrace
