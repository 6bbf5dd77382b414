// Offline verification of a lot bundle (bundle.h) with nothing but the host's
// public key:
//   1. the checkpoint is signed by the host key (key name: the checkpoint's
//      origin unless given);
//   2. every entry decodes, says its own index, and LeafHash(entry) is proven
//      included at that index in the checkpoint's tree;
//   3. the records are replayed in log order against the keys registered IN
//      THE BUNDLE: genesis must name the given host key and be signed by it;
//      it registers the first admin's keys; party registrations, key
//      rotations and revocations register and retire keys, in log order.
//      Every record must be signed by a key registered by an earlier record,
//      not revoked by an earlier record, belonging to the party the record
//      states, whose roles allow the record type — and its Ed25519 signature
//      over DSSE PAE(payload_type, payload) must verify;
//   4. the lineage is self-contained: the bundle holds the registration of
//      its lot; every input of every lot registration, every lot a unit
//      application, adjustment or status change names, every lot's product
//      and production units, every unit event's unit and every receipt's
//      shipment is registered by an earlier record of the bundle; a record
//      moving several lots (shipment, receipt, disposition, aggregation)
//      names at least one lot registered earlier in the bundle (it may also
//      name lots outside the lineage).
// Records signed with a key that a later revocation reports compromised
// (event time at or after compromised_since) are valid but listed as
// warnings.
//
// Thread-safety: pure functions.
#ifndef QTRACE_HOST_CLI_BUNDLE_VERIFY_H_
#define QTRACE_HOST_CLI_BUNDLE_VERIFY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "qtrace/checkpoint.h"
#include "qtrace/crypto.h"
#include "qtrace/status.h"

namespace qtrace::cli {

// A key as the bundle's records registered it.
struct RegisteredKey {
  VerifyingKey key;
  std::string party;
  uint64_t added_index = 0;
  bool revoked = false;
  uint64_t revoked_index = 0;
  int64_t compromised_since = INT64_MAX;  // micros; INT64_MAX = not reported
};

struct VerifiedBundle {
  Checkpoint checkpoint;
  std::string lot;
  uint64_t entries = 0;
  std::map<std::string, uint64_t> by_type;  // record type name -> count
  uint64_t lots = 0;                        // lot registrations
  std::vector<std::string> warnings;
  // Every key the bundle registers, by raw key id bytes, as of its last entry.
  std::map<std::string, RegisteredKey> keys;
};

// Checks bundle text. InvalidArgument with reason "bad_bundle" when the text
// is malformed (exit 2); any other error is the first check that failed, its
// message naming the log index (exit 1).
StatusOr<VerifiedBundle> VerifyBundle(std::string_view text, const VerifyingKey& host_key,
                                      const std::optional<std::string>& key_name);

// VerifyBundle as a command result: "valid" and a summary, or the failure.
CommandResult VerifyBundleText(std::string_view text, const VerifyingKey& host_key,
                               const std::optional<std::string>& key_name);

}  // namespace qtrace::cli

#endif  // QTRACE_HOST_CLI_BUNDLE_VERIFY_H_
