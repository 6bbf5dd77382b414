// Signed envelopes (record.h): signing, encoding, strict decoding, batches,
// record ids and the Record payload verifier.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/fb/envelope_generated.h"
#include "qtrace/record.h"
#include "qtrace/record_json.h"

namespace qtrace {
namespace {

constexpr std::string_view kLotJson = R"({
  "type": "lot", "party": "91420700MA4B0C1D2E",
  "event_time": "2026-03-15T08:30:00+08:00",
  "lot": "gtin:06901234567892/240315A", "quantity": "1200.5 KGM",
  "production_time": "2026-03-15T06:00:00+08:00"})";

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = PrivateKey::Generate();
    ASSERT_TRUE(key.ok());
    key_ = std::make_unique<PrivateKey>(std::move(*key));
    auto payload = RecordFromJson(kLotJson);
    ASSERT_TRUE(payload.ok()) << payload.status().ToString();
    payload_ = *payload;
  }

  SignedEnvelope Sign(std::string payload) const {
    return SignPayload(*key_, kRecordPayloadType, std::move(payload));
  }

  std::unique_ptr<PrivateKey> key_;
  std::string payload_;
};

void ExpectSameEnvelope(const SignedEnvelope& a, const SignedEnvelope& b) {
  EXPECT_EQ(a.payload_type, b.payload_type);
  EXPECT_EQ(a.payload, b.payload);
  EXPECT_EQ(a.key_id, b.key_id);
  EXPECT_EQ(a.signature, b.signature);
}

TEST_F(EnvelopeTest, SignPayloadFillsEveryField) {
  SignedEnvelope e = Sign(payload_);
  EXPECT_EQ(e.payload_type, kRecordPayloadType);
  EXPECT_EQ(e.payload, payload_);
  EXPECT_EQ(e.key_id, key_->id());
  EXPECT_TRUE(key_->public_key().VerifyRecord(e.payload_type, e.payload,
                                              AsBytes(e.signature)));
}

TEST_F(EnvelopeTest, RecordIdIsTheHashOfThePae) {
  SignedEnvelope e = Sign(payload_);
  Hash256 id = RecordIdOf(e.payload_type, e.payload);
  EXPECT_EQ(id, Sha256(DssePae(kRecordPayloadType, payload_)));
  // The id does not depend on who signed or on the signature.
  auto other = PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  SignedEnvelope e2 = SignPayload(*other, kRecordPayloadType, payload_);
  EXPECT_EQ(RecordIdOf(e2.payload_type, e2.payload), id);
  EXPECT_NE(RecordIdOf("qtrace.v1.Other", payload_), id);
}

TEST_F(EnvelopeTest, EncodeDecodeRoundTripIsDeterministic) {
  SignedEnvelope e = Sign(payload_);
  std::string bytes = EncodeEnvelope(e);
  EXPECT_EQ(bytes, EncodeEnvelope(e));
  auto decoded = DecodeEnvelope(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSameEnvelope(*decoded, e);
  EXPECT_EQ(EncodeEnvelope(*decoded), bytes);
  EXPECT_TRUE(key_->public_key().VerifyRecord(decoded->payload_type, decoded->payload,
                                              AsBytes(decoded->signature)));
}

TEST_F(EnvelopeTest, PayloadInsideTheEnvelopeIs8ByteAligned) {
  // Vary the payload type length so the payload lands at different offsets.
  for (size_t pad = 0; pad < 9; ++pad) {
    SignedEnvelope e = SignPayload(*key_, std::string(1 + pad, 't'), payload_);
    std::string bytes = EncodeEnvelope(e);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(bytes.data()) % 8, 0u);
    const fb::Envelope* env = fb::GetEnvelope(bytes.data());
    const uint8_t* p = env->payload()->data();
    EXPECT_EQ((p - reinterpret_cast<const uint8_t*>(bytes.data())) % 8, 0) << pad;
    // ... so the record inside is readable in place.
    auto rec = VerifyRecordPayload(std::string_view(reinterpret_cast<const char*>(p),
                                                    env->payload()->size()));
    EXPECT_TRUE(rec.ok()) << rec.status().ToString();
  }
}

TEST_F(EnvelopeTest, GarbageAndTruncationAreInvalidArgument) {
  std::string bytes = EncodeEnvelope(Sign(payload_));
  for (size_t len = 0; len < bytes.size(); ++len) {
    auto d = DecodeEnvelope(std::string_view(bytes.data(), len));
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << "length " << len;
  }
  for (std::string_view junk : {std::string_view("hello world, not a flatbuffer"),
                                std::string_view("\xff\xff\xff\xff\xff\xff\xff\xff", 8),
                                std::string_view("\0\0\0\0\0\0\0\0", 8)}) {
    auto d = DecodeEnvelope(junk);
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().reason(), "bad_flatbuffer");
  }
}

TEST_F(EnvelopeTest, EveryCorruptedByteIsRejectedOrFailsVerification) {
  const SignedEnvelope original = Sign(payload_);
  const std::string bytes = EncodeEnvelope(original);
  int rejected = 0, unverifiable = 0, padding = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] ^= 0x5a;
    auto d = DecodeEnvelope(corrupt);
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument) << i;
      ++rejected;
      continue;
    }
    auto pub = VerifyingKey::FromRaw(key_->public_key().raw());
    bool same = d->payload_type == original.payload_type &&
                d->payload == original.payload && d->key_id == original.key_id &&
                d->signature == original.signature;
    bool verifies = d->key_id == key_->id() &&
                    pub->VerifyRecord(d->payload_type, d->payload, AsBytes(d->signature));
    // A decodable corruption either only touched padding (same content) or
    // yields an envelope whose signature no longer verifies.
    EXPECT_EQ(verifies, same) << "byte " << i;
    if (same) {
      ++padding;
    } else {
      ++unverifiable;
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(unverifiable, 0);
  EXPECT_EQ(rejected + unverifiable + padding, static_cast<int>(bytes.size()));
}

TEST_F(EnvelopeTest, MissingOrMisSizedFieldsAreInvalidArgument) {
  struct Case {
    const char* name;
    bool type, payload;
    size_t key_len, sig_len;
  };
  const Case kCases[] = {
      {"no payload_type", false, true, 32, 64},
      {"no payload", true, false, 32, 64},
      {"short key id", true, true, 31, 64},
      {"no key id", true, true, 0, 64},
      {"long signature", true, true, 32, 65},
      {"no signature", true, true, 32, 0},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    flatbuffers::FlatBufferBuilder b;
    auto type = c.type ? b.CreateString("qtrace.v1.Record") : 0;
    auto payload = c.payload ? b.CreateVector(reinterpret_cast<const uint8_t*>(
                                                  payload_.data()),
                                              payload_.size())
                             : 0;
    std::vector<uint8_t> key(c.key_len, 1), sig(c.sig_len, 2);
    auto key_off = c.key_len ? b.CreateVector(key) : 0;
    auto sig_off = c.sig_len ? b.CreateVector(sig) : 0;
    b.Finish(fb::CreateEnvelope(b, type, payload, key_off, sig_off));
    std::string bytes(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
    auto d = DecodeEnvelope(bytes);
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().reason(), "bad_envelope");
  }
}

TEST_F(EnvelopeTest, OversizeIsPayloadTooLarge) {
  std::string huge(kMaxEnvelopeBytes + 1, 'x');
  auto d = DecodeEnvelope(huge);
  EXPECT_EQ(d.status().code(), StatusCode::kPayloadTooLarge);
  EXPECT_EQ(HttpStatusFor(d.status().code()), 413);
  // Exactly at the limit the bytes are judged on their content.
  std::string at_limit(kMaxEnvelopeBytes, 'x');
  EXPECT_EQ(DecodeEnvelope(at_limit).status().code(), StatusCode::kInvalidArgument);
  // A well-formed envelope over the limit is refused too.
  std::string big_payload(kMaxEnvelopeBytes, '\0');
  std::string bytes = EncodeEnvelope(Sign(big_payload));
  ASSERT_GT(bytes.size(), kMaxEnvelopeBytes);
  EXPECT_EQ(DecodeEnvelope(bytes).status().code(), StatusCode::kPayloadTooLarge);
}

TEST_F(EnvelopeTest, BatchRoundTrip) {
  std::vector<SignedEnvelope> envs;
  for (int i = 0; i < 3; ++i) {
    envs.push_back(SignPayload(*key_, kRecordPayloadType, payload_ + std::to_string(i)));
  }
  std::string batch = EncodeEnvelopeBatch(envs);
  auto decoded = DecodeEnvelopeBatch(batch);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_EQ(decoded->size(), envs.size());
  for (size_t i = 0; i < envs.size(); ++i) {
    EXPECT_EQ((*decoded)[i], EncodeEnvelope(envs[i])) << i;
    auto one = DecodeEnvelope((*decoded)[i]);
    ASSERT_TRUE(one.ok());
    ExpectSameEnvelope(*one, envs[i]);
  }
  auto empty = DecodeEnvelopeBatch(EncodeEnvelopeBatch({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(EnvelopeTest, BatchRejectsGarbageAndBadMembers) {
  EXPECT_EQ(DecodeEnvelopeBatch("garbage!").status().code(), StatusCode::kInvalidArgument);
  std::string batch = EncodeEnvelopeBatch({Sign(payload_)});
  EXPECT_EQ(DecodeEnvelopeBatch(std::string_view(batch.data(), batch.size() / 2))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  SignedEnvelope no_type = Sign(payload_);
  no_type.payload_type.clear();
  auto d = DecodeEnvelopeBatch(EncodeEnvelopeBatch({Sign(payload_), no_type}));
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().reason(), "bad_envelope");
}

// ---- VerifyRecordPayload and body names ----------------------------------------

TEST_F(EnvelopeTest, VerifyRecordPayloadAcceptsBuilderOutput) {
  auto rec = VerifyRecordPayload(payload_);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ((*rec)->body_type(), fb::Body::LotRegistration);
  EXPECT_EQ((*rec)->header()->party()->str(), "91420700MA4B0C1D2E");
}

TEST_F(EnvelopeTest, VerifyRecordPayloadRejectsMisalignedAndBadBytes) {
  // Same bytes one byte off an 8-byte boundary.
  std::string buf(payload_.size() + 8, '\0');
  char* base = buf.data();
  size_t off = (8 - reinterpret_cast<uintptr_t>(base) % 8) % 8 + 1;
  ASSERT_LE(off + payload_.size(), buf.size());
  std::memcpy(base + off, payload_.data(), payload_.size());
  auto mis = VerifyRecordPayload(std::string_view(base + off, payload_.size()));
  EXPECT_EQ(mis.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(mis.status().message().find("aligned"), std::string::npos);

  std::string garbage(64, '\x7f');
  EXPECT_EQ(VerifyRecordPayload(garbage).status().reason(), "bad_flatbuffer");
  EXPECT_EQ(VerifyRecordPayload(std::string_view(payload_.data(), 12)).status().code(),
            StatusCode::kInvalidArgument);
}

std::string BuildRecord(bool with_party, bool with_body) {
  flatbuffers::FlatBufferBuilder b;
  auto party = with_party ? b.CreateString("p1") : 0;
  fb::Timestamp t(1, 0);
  auto header = fb::CreateHeader(b, party, &t);
  flatbuffers::Offset<void> body;
  if (with_body) {
    body = fb::CreateLotStatusChange(b, fb::CreateLotRefDirect(b, fb::IdScheme::LOCAL, "x", "y"),
                                     fb::LotStatus::ON_HOLD)
               .Union();
  }
  b.Finish(fb::CreateRecord(b, header, with_body ? fb::Body::LotStatusChange : fb::Body::NONE,
                            body));
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

TEST(VerifyRecordPayloadTest, NeedsAPartyAndABody) {
  EXPECT_TRUE(VerifyRecordPayload(BuildRecord(true, true)).ok());
  auto no_party = VerifyRecordPayload(BuildRecord(false, true));
  EXPECT_EQ(no_party.status().reason(), "bad_record");
  auto no_body = VerifyRecordPayload(BuildRecord(true, false));
  EXPECT_EQ(no_body.status().reason(), "bad_record");
}

TEST(BodyTypeNameTest, EveryUnionMemberHasAUniqueRoundTrippingName) {
  std::set<std::string_view> names;
  for (auto type : fb::EnumValuesBody()) {
    if (type == fb::Body::NONE) continue;
    std::string_view name = BodyTypeName(type);
    SCOPED_TRACE(fb::EnumNameBody(type));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
    EXPECT_EQ(BodyTypeFromName(name), type);
  }
  EXPECT_EQ(BodyTypeName(fb::Body::NONE), "unknown");
  EXPECT_EQ(BodyTypeFromName("no_such_type"), fb::Body::NONE);
  EXPECT_EQ(BodyTypeFromName(""), fb::Body::NONE);
  EXPECT_EQ(BodyTypeFromName("Lot"), fb::Body::NONE) << "names are case sensitive";
}

}  // namespace
}  // namespace qtrace
