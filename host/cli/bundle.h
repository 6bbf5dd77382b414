// Lot bundles: what `qtrace export` writes and `qtrace verify` checks — the
// log entries of one lot's lineage, each with its inclusion proof in ONE
// signed checkpoint, plus that checkpoint. Text, in the spirit of C2SP
// tlog-proof (docs/bundle-format.md has the full description):
//
//   qtrace/lot-bundle@v1\n
//   lot <scheme:product/lot>\n
//   entries <N>\n
//   \n
//   entry <index> <base64 of the exact LogEntry bytes>\n   } N times, in
//   <base64 inclusion-proof hash>\n  (zero or more)          } increasing
//   \n                                                        } index order
//   <the signed checkpoint note, verbatim, to the end of the file>
//
// Thread-safety: pure functions.
#ifndef QTRACE_HOST_CLI_BUNDLE_H_
#define QTRACE_HOST_CLI_BUNDLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qtrace/crypto.h"
#include "qtrace/status.h"

namespace qtrace::cli {

inline constexpr std::string_view kBundleHeader = "qtrace/lot-bundle@v1";
// Most entries a bundle may hold (a guard for the parser, not a design limit
// of exports: 10M entries is far beyond any one lot's lineage).
inline constexpr uint64_t kMaxBundleEntries = 10'000'000;

struct BundleEntry {
  uint64_t index = 0;
  std::string entry;            // the exact LogEntry bytes
  std::vector<Hash256> proof;   // inclusion proof in the checkpoint's tree
};

struct Bundle {
  std::string lot;                   // the lot the bundle was exported for
  std::vector<BundleEntry> entries;  // increasing index order
  std::string checkpoint_note;       // signed note, verbatim
};

std::string FormatBundle(const Bundle& bundle);

// Parses bundle text strictly (the layout above; indexes strictly
// increasing; every hash 32 bytes of padded base64). InvalidArgument with
// reason "bad_bundle" and the line number otherwise. Each entry's bytes are
// in their own heap buffer (aligned for flatbuffers).
StatusOr<Bundle> ParseBundle(std::string_view text);

}  // namespace qtrace::cli

#endif  // QTRACE_HOST_CLI_BUNDLE_H_
