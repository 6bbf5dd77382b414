// The core of `qtrace verify`: offline checks of artifacts the host hands
// out, with nothing but public keys. VerifyArtifact dispatches on the first
// line: a receipt (c2sp.org/tlog-proof@v1, see qtrace/receipt.h) or a lot
// bundle (qtrace/lot-bundle@v1, see bundle.h and bundle_verify.h).
//
// A receipt proves that an entry is in the log; the record signature inside
// the entry is a separate check that needs the stating party's key, which the
// receipt does not carry. It runs when the key is given (--signer-key PEM) or
// when a verified bundle registers it (--keys-from BUNDLE); otherwise the
// output says "record signature: not checked".
//
// Thread-safety: pure functions.
#ifndef QTRACE_HOST_CLI_VERIFY_COMMAND_H_
#define QTRACE_HOST_CLI_VERIFY_COMMAND_H_

#include <optional>
#include <string>
#include <string_view>

#include "bundle_verify.h"
#include "cli.h"
#include "qtrace/crypto.h"

namespace qtrace::cli {

// Where the key that signed the record inside a receipt comes from.
struct SignerKeys {
  std::optional<VerifyingKey> signer_key;      // --signer-key
  const VerifiedBundle* bundle = nullptr;      // --keys-from (already verified)
};

// Checks a receipt against the host key (key name: default the checkpoint's
// origin, as C2SP recommends) and, when `signers` has a key, the record
// signature inside it.
CommandResult VerifyReceiptText(std::string_view text,
                                const VerifyingKey& host_key,
                                const std::optional<std::string>& key_name,
                                const SignerKeys& signers = {});

// Checks the artifact `text`, choosing the check by its kind.
CommandResult VerifyArtifact(std::string_view text,
                             const VerifyingKey& host_key,
                             const std::optional<std::string>& key_name,
                             const SignerKeys& signers = {});

}  // namespace qtrace::cli

#endif  // QTRACE_HOST_CLI_VERIFY_COMMAND_H_
