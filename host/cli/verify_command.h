// The core of `qtrace verify`: offline checks of artifacts the host hands
// out, with nothing but the host's public key. Today a receipt
// (c2sp.org/tlog-proof@v1, see qtrace/receipt.h); other artifact kinds
// (export bundles) dispatch from VerifyArtifact on their first line.
//
// Thread-safety: pure functions.
#ifndef QTRACE_HOST_CLI_VERIFY_COMMAND_H_
#define QTRACE_HOST_CLI_VERIFY_COMMAND_H_

#include <optional>
#include <string>
#include <string_view>

#include "cli.h"
#include "qtrace/crypto.h"

namespace qtrace::cli {

// Checks a receipt against the host key. The key name defaults to the
// checkpoint's origin (C2SP: the log's key name should match its origin).
CommandResult VerifyReceiptText(std::string_view text,
                                const VerifyingKey& host_key,
                                const std::optional<std::string>& key_name);

// Checks the artifact `text`, choosing the check by its kind.
CommandResult VerifyArtifact(std::string_view text,
                             const VerifyingKey& host_key,
                             const std::optional<std::string>& key_name);

}  // namespace qtrace::cli

#endif  // QTRACE_HOST_CLI_VERIFY_COMMAND_H_
