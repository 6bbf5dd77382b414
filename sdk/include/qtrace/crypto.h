// Hashes, Ed25519 keys and record signatures, all through OpenSSL 3.
//
// A record is signed over the DSSE pre-authentication encoding (PAE) of its
// payload type and payload bytes:
//   "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
// with Ed25519 (one-shot EVP_DigestSign, digest NULL). A key id is the
// SHA-256 of the raw 32-byte public key; a record id is the SHA-256 of the
// PAE, so resubmitting the same signed record yields the same id.
//
// Thread-safety: PrivateKey and VerifyingKey are immutable after creation and
// may be used from many threads at once (each call makes its own EVP context).
#ifndef QTRACE_CRYPTO_H_
#define QTRACE_CRYPTO_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "qtrace/status.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace qtrace {

using Hash256 = std::array<uint8_t, 32>;
using KeyId = Hash256;
using RawPublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

inline std::string_view AsBytes(const Hash256& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}
inline std::string_view AsBytes(const Signature& s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}
// Copies exactly 32 bytes; returns false when `bytes` has another size.
bool ToHash256(std::string_view bytes, Hash256* out);

Hash256 Sha256(std::string_view data);
// SHA-256 of the concatenation of `parts`, without concatenating them.
Hash256 Sha256Parts(std::initializer_list<std::string_view> parts);

// Incremental SHA-256 for inputs too large to build in memory first.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void Update(std::string_view data);
  // The digest of everything given to Update; the stream is then spent.
  Hash256 Final();

 private:
  struct Ctx;
  Ctx* ctx_;  // OWNERSHIP: owned
};

// The DSSE v1 pre-authentication encoding.
std::string DssePae(std::string_view payload_type, std::string_view payload);

KeyId KeyIdOf(const RawPublicKey& public_key);

// A public key prepared for repeated verification.
class VerifyingKey {
 public:
  // Fails with InvalidArgument unless `raw` has 32 bytes. OpenSSL does not
  // check that the bytes encode a curve point: a key that is not one is
  // accepted here, and no signature ever verifies against it.
  static StatusOr<VerifyingKey> FromRaw(const RawPublicKey& raw);
  static StatusOr<VerifyingKey> FromRaw(std::string_view raw);
  static StatusOr<VerifyingKey> LoadPem(const std::string& path);
  static StatusOr<VerifyingKey> FromPem(std::string_view pem);

  const RawPublicKey& raw() const { return raw_; }
  const KeyId& id() const { return id_; }
  std::string ToPem() const;

  // True iff `signature` is a valid Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;
  // Verify over DssePae(payload_type, payload).
  bool VerifyRecord(std::string_view payload_type, std::string_view payload,
                    std::string_view signature) const;

 private:
  RawPublicKey raw_{};
  KeyId id_{};
  std::shared_ptr<EVP_PKEY> pkey_;
};

// An Ed25519 private key.
class PrivateKey {
 public:
  static StatusOr<PrivateKey> Generate();
  // Derives the key from its raw 32-byte RFC 8032 private key (the seed), e.g.
  // for test vectors or keys kept in an HSM export. InvalidArgument unless
  // `seed32` has exactly 32 bytes.
  static StatusOr<PrivateKey> FromSeed(std::string_view seed32);
  static StatusOr<PrivateKey> FromPem(std::string_view pem);
  // Loads a PKCS#8 PEM file. Refuses (PermissionDenied) a file readable by
  // group or others, like ssh does.
  static StatusOr<PrivateKey> LoadPem(const std::string& path);
  // Writes PKCS#8 PEM with mode 0600 (atomically: temp file + rename).
  Status SavePem(const std::string& path) const;
  std::string ToPem() const;

  const VerifyingKey& public_key() const { return public_; }
  const KeyId& id() const { return public_.id(); }

  Signature Sign(std::string_view message) const;
  Signature SignRecord(std::string_view payload_type,
                       std::string_view payload) const;

 private:
  std::shared_ptr<EVP_PKEY> pkey_;
  VerifyingKey public_;
};

// Writes `public_key` as a SubjectPublicKeyInfo PEM file (mode 0644).
Status SavePublicKeyPem(const VerifyingKey& public_key, const std::string& path);

}  // namespace qtrace

#endif  // QTRACE_CRYPTO_H_
