#include "qtrace/crypto.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace qtrace {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BioDeleter {
  void operator()(BIO* p) const { BIO_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path, "file_not_found");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFileAtomic(const std::string& path, std::string_view data,
                       mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Internal("cannot create " + tmp + ": " + strerror(errno));
  ::fchmod(fd, mode);  // umask must not widen or narrow what we asked for
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Internal("cannot write " + tmp + ": " + strerror(errno));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return Internal("cannot sync " + tmp + ": " + strerror(err));
  }
  if (::close(fd) != 0) {
    return Internal("cannot close " + tmp + ": " + strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Internal("cannot rename " + tmp + ": " + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

bool ToHash256(std::string_view bytes, Hash256* out) {
  if (bytes.size() != out->size()) return false;
  std::memcpy(out->data(), bytes.data(), out->size());
  return true;
}

Hash256 Sha256(std::string_view data) { return Sha256Parts({data}); }

Hash256 Sha256Parts(std::initializer_list<std::string_view> parts) {
  // Fetch the implementation once: EVP_sha256() makes every Init look it up
  // again, which costs more than hashing a Merkle node.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local MdCtxPtr ctx(EVP_MD_CTX_new());
  Hash256 out{};
  unsigned int len = 0;
  EVP_DigestInit_ex2(ctx.get(), md, nullptr);
  for (auto p : parts) EVP_DigestUpdate(ctx.get(), p.data(), p.size());
  EVP_DigestFinal_ex(ctx.get(), out.data(), &len);
  return out;
}

struct Sha256Stream::Ctx {
  MdCtxPtr md{EVP_MD_CTX_new()};
};

Sha256Stream::Sha256Stream() : ctx_(new Ctx) {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_DigestInit_ex2(ctx_->md.get(), md, nullptr);
}
Sha256Stream::~Sha256Stream() { delete ctx_; }
void Sha256Stream::Update(std::string_view data) {
  EVP_DigestUpdate(ctx_->md.get(), data.data(), data.size());
}
Hash256 Sha256Stream::Final() {
  Hash256 out{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md.get(), out.data(), &len);
  return out;
}

std::string DssePae(std::string_view payload_type, std::string_view payload) {
  std::string out = "DSSEv1 ";
  out += std::to_string(payload_type.size());
  out += ' ';
  out += payload_type;
  out += ' ';
  out += std::to_string(payload.size());
  out += ' ';
  out += payload;
  return out;
}

KeyId KeyIdOf(const RawPublicKey& public_key) {
  return Sha256(std::string_view(reinterpret_cast<const char*>(public_key.data()),
                                 public_key.size()));
}

// --- VerifyingKey ----------------------------------------------------------

StatusOr<VerifyingKey> VerifyingKey::FromRaw(std::string_view raw) {
  if (raw.size() != 32) {
    return InvalidArgument("an Ed25519 public key has 32 bytes, got " +
                               std::to_string(raw.size()),
                           "bad_public_key");
  }
  RawPublicKey r;
  std::memcpy(r.data(), raw.data(), 32);
  return FromRaw(r);
}

StatusOr<VerifyingKey> VerifyingKey::FromRaw(const RawPublicKey& raw) {
  EVP_PKEY* p = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                            raw.data(), raw.size());
  if (p == nullptr) {
    return InvalidArgument("not an Ed25519 public key: " + OpenSslError(),
                           "bad_public_key");
  }
  VerifyingKey k;
  k.raw_ = raw;
  k.id_ = KeyIdOf(raw);
  k.pkey_.reset(p, PkeyDeleter());
  return k;
}

StatusOr<VerifyingKey> VerifyingKey::FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* p = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (p == nullptr) {
    return InvalidArgument("not a PEM public key: " + OpenSslError(),
                           "bad_public_key");
  }
  std::shared_ptr<EVP_PKEY> holder(p, PkeyDeleter());
  if (EVP_PKEY_get_id(p) != EVP_PKEY_ED25519) {
    return InvalidArgument("PEM public key is not Ed25519", "bad_public_key");
  }
  RawPublicKey raw;
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(p, raw.data(), &len) != 1 || len != 32) {
    return InvalidArgument("cannot read Ed25519 public key", "bad_public_key");
  }
  return FromRaw(raw);
}

StatusOr<VerifyingKey> VerifyingKey::LoadPem(const std::string& path) {
  QT_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  auto k = FromPem(pem);
  if (!k.ok()) return k.status().WithPrefix(path);
  return k;
}

std::string VerifyingKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), pkey_.get());
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool VerifyingKey::Verify(std::string_view message,
                          std::string_view signature) const {
  if (!pkey_ || signature.size() != 64) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok =
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) ==
          1 &&
      EVP_DigestVerify(ctx.get(),
                       reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()),
                       message.size()) == 1;
  if (!ok) ERR_clear_error();
  return ok;
}

bool VerifyingKey::VerifyRecord(std::string_view payload_type,
                                std::string_view payload,
                                std::string_view signature) const {
  return Verify(DssePae(payload_type, payload), signature);
}

// --- PrivateKey ------------------------------------------------------------

namespace {
Status Wrap(EVP_PKEY* p, std::shared_ptr<EVP_PKEY>* slot,
                          VerifyingKey* pub) {
  slot->reset(p, PkeyDeleter());
  RawPublicKey raw;
  size_t len = raw.size();
  if (EVP_PKEY_get_raw_public_key(p, raw.data(), &len) != 1 || len != 32) {
    return Internal("cannot derive Ed25519 public key");
  }
  QT_ASSIGN_OR_RETURN(*pub, VerifyingKey::FromRaw(raw));
  return Status::Ok();
}
}  // namespace

StatusOr<PrivateKey> PrivateKey::Generate() {
  EVP_PKEY* p = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (p == nullptr) return Internal("Ed25519 keygen failed: " + OpenSslError());
  PrivateKey k;
  QT_RETURN_IF_ERROR(Wrap(p, &k.pkey_, &k.public_));
  return k;
}

StatusOr<PrivateKey> PrivateKey::FromSeed(std::string_view seed32) {
  if (seed32.size() != 32) {
    return InvalidArgument("an Ed25519 private key seed has 32 bytes, got " +
                               std::to_string(seed32.size()),
                           "bad_private_key");
  }
  EVP_PKEY* p = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(seed32.data()), seed32.size());
  if (p == nullptr) {
    return InvalidArgument("not an Ed25519 private key: " + OpenSslError(),
                           "bad_private_key");
  }
  PrivateKey k;
  QT_RETURN_IF_ERROR(Wrap(p, &k.pkey_, &k.public_));
  return k;
}

StatusOr<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* p = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (p == nullptr) {
    return InvalidArgument("not a PEM private key: " + OpenSslError(),
                           "bad_private_key");
  }
  if (EVP_PKEY_get_id(p) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(p);
    return InvalidArgument("PEM private key is not Ed25519", "bad_private_key");
  }
  PrivateKey k;
  QT_RETURN_IF_ERROR(Wrap(p, &k.pkey_, &k.public_));
  return k;
}

StatusOr<PrivateKey> PrivateKey::LoadPem(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) {
    return NotFound("private key file not found: " + path, "file_not_found");
  }
  if ((sb.st_mode & 077) != 0) {
    return PermissionDenied("private key " + path +
                                " is readable by others; chmod 600 it",
                            "key_file_mode");
  }
  QT_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  auto k = FromPem(pem);
  if (!k.ok()) return k.status().WithPrefix(path);
  return k;
}

std::string PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0, nullptr,
                           nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

Status PrivateKey::SavePem(const std::string& path) const {
  return WriteFileAtomic(path, ToPem(), 0600);
}

Signature PrivateKey::Sign(std::string_view message) const {
  Signature sig{};
  MdCtxPtr ctx(EVP_MD_CTX_new());
  size_t len = sig.size();
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey_.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    // Ed25519 signing cannot fail with a valid key; treat as a bug.
    std::abort();
  }
  return sig;
}

Signature PrivateKey::SignRecord(std::string_view payload_type,
                                 std::string_view payload) const {
  return Sign(DssePae(payload_type, payload));
}

Status SavePublicKeyPem(const VerifyingKey& public_key,
                        const std::string& path) {
  return WriteFileAtomic(path, public_key.ToPem(), 0644);
}

}  // namespace qtrace
