// `qtrace log verify-inclusion` and `qtrace log verify-consistency`: exit 0
// and "valid" for a valid proof, 1 when it is not valid (including a hash
// that is base64 but not 32 bytes), 2 for a malformed command line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/run_cli.h"
#include "qtrace/encoding.h"
#include "qtrace/merkle.h"

namespace qtrace {
namespace {

using testing::CliResult;
using testing::RunCli;

std::string B64(const Hash256& h) { return Base64Encode(AsBytes(h)); }

std::vector<Hash256> Leaves(int n) {
  std::vector<Hash256> out;
  for (int i = 0; i < n; ++i)
    out.push_back(LeafHash("entry " + std::to_string(i)));
  return out;
}

std::vector<Hash256> PrefixOf(const std::vector<Hash256>& v, size_t n) {
  return {v.begin(), v.begin() + static_cast<ptrdiff_t>(n)};
}

struct Case {
  std::string name;
  std::vector<std::string> args;
  int exit_code;
  std::string output;  // a substring of stdout + stderr
};

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    CliResult r = RunCli(c.args);
    EXPECT_EQ(r.exit_code, c.exit_code)
        << c.name << "\nstdout: " << r.out << "\nstderr: " << r.err;
    EXPECT_NE((r.out + r.err).find(c.output), std::string::npos)
        << c.name << ": wanted '" << c.output << "'\nstdout: " << r.out
        << "\nstderr: " << r.err;
  }
}

std::vector<std::string> ProofArgs(const std::vector<Hash256>& proof) {
  std::vector<std::string> out;
  for (const Hash256& h : proof) {
    out.push_back("--proof");
    out.push_back(B64(h));
  }
  return out;
}

std::vector<std::string> Concat(std::vector<std::string> a,
                                const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(LogVerifyInclusionCliTest, ExitCodesFollowTheVerdict) {
  const std::vector<Hash256> leaves = Leaves(11);
  const Hash256 root = RootOf(leaves);
  const std::vector<Hash256> proof = InclusionProofOf(leaves, 6);
  auto args = [&](const std::string& leaf, const std::string& index,
                  const std::string& size, const std::string& r,
                  const std::vector<Hash256>& p) {
    return Concat({"log", "verify-inclusion", "--leaf-hash", leaf, "--index",
                   index, "--size", size, "--root", r},
                  ProofArgs(p));
  };
  std::vector<Hash256> flipped = proof;
  flipped[1][0] ^= 1;
  std::vector<Hash256> longer = proof;
  longer.push_back(root);
  std::vector<Hash256> shorter(proof.begin(), proof.end() - 1);
  const std::string leaf = B64(leaves[6]);
  const std::string short_hash = Base64Encode(std::string(31, 'x'));
  const std::string long_hash = Base64Encode(std::string(33, 'x'));

  RunCases({
      {"valid", args(leaf, "6", "11", B64(root), proof), 0, "valid"},
      {"single leaf, no --proof", args(leaf, "0", "1", leaf, {}), 0, "valid"},
      {"wrong root", args(leaf, "6", "11", B64(leaves[0]), proof), 1,
       "invalid:"},
      {"wrong leaf", args(B64(leaves[5]), "6", "11", B64(root), proof), 1,
       "invalid:"},
      {"wrong index", args(leaf, "7", "11", B64(root), proof), 1, "invalid:"},
      {"flipped proof bit", args(leaf, "6", "11", B64(root), flipped), 1,
       "invalid:"},
      {"extra proof hash", args(leaf, "6", "11", B64(root), longer), 1,
       "invalid:"},
      {"missing proof hash", args(leaf, "6", "11", B64(root), shorter), 1,
       "invalid:"},
      {"no proof for 11 leaves", args(leaf, "6", "11", B64(root), {}), 1,
       "has 4"},
      {"index == size", args(leaf, "11", "11", B64(root), proof), 1,
       "invalid:"},
      {"size 0", args(leaf, "0", "0", B64(EmptyRoot()), {}), 1, "invalid:"},
      {"31-byte root", args(leaf, "6", "11", short_hash, proof), 1, "32"},
      {"33-byte leaf hash", args(long_hash, "6", "11", B64(root), proof), 1,
       "32"},
      {"31-byte proof hash",
       Concat(args(leaf, "6", "11", B64(root), proof), {"--proof", short_hash}),
       1, "32"},
      {"empty proof hash",
       Concat(args(leaf, "6", "11", B64(root), proof), {"--proof="}), 2,
       "--proof"},
      {"leaf hash not base64", args("not*base64", "6", "11", B64(root), proof),
       2, "base64"},
      {"unpadded root", args(leaf, "6", "11", B64(root).substr(0, 43), proof),
       2, "base64"},
      {"proof hash not base64",
       Concat(args(leaf, "6", "11", B64(root), proof), {"--proof", "@@@@"}), 2,
       "base64"},
      {"not base64 beats wrong length",
       args(short_hash, "6", "11", "!!", proof), 2, "base64"},
      {"non-numeric size", args(leaf, "6", "eleven", B64(root), proof), 2,
       "--size"},
      {"negative index", args(leaf, "-1", "11", B64(root), proof), 2, ""},
      {"size overflows",
       args(leaf, "6", "18446744073709551616", B64(root), proof), 2, "--size"},
      {"empty index", args(leaf, "", "11", B64(root), proof), 2, "--index"},
      {"missing --root",
       {"log", "verify-inclusion", "--leaf-hash", leaf, "--index", "6",
        "--size", "11"},
       2,
       "--root"},
      {"two values after --proof",
       {"log", "verify-inclusion", "--leaf-hash", leaf, "--index", "0",
        "--size", "1", "--root", leaf, "--proof", leaf, leaf},
       2,
       ""},
      {"repeated --root",
       Concat(args(leaf, "6", "11", B64(root), proof), {"--root", B64(root)}),
       2, ""},
      {"unknown option",
       Concat(args(leaf, "6", "11", B64(root), proof), {"--frobnicate"}), 2,
       ""},
      {"no subcommand", {"log"}, 2, ""},
      {"no command", {}, 2, ""},
      {"unknown command", {"frobnicate"}, 2, ""},
      {"help", {"log", "verify-inclusion", "--help"}, 0, "--leaf-hash"},
  });
}

TEST(LogVerifyConsistencyCliTest, ExitCodesFollowTheVerdict) {
  const std::vector<Hash256> leaves = Leaves(13);
  const Hash256 root13 = RootOf(leaves);
  const Hash256 root5 = RootOf(PrefixOf(leaves, 5));
  const std::vector<Hash256> proof = ConsistencyProofOf(leaves, 5);
  auto args = [&](const std::string& size1, const std::string& size2,
                  const Hash256& r1, const Hash256& r2,
                  const std::vector<Hash256>& p) {
    return Concat({"log", "verify-consistency", "--size1", size1, "--size2",
                   size2, "--root1", B64(r1), "--root2", B64(r2)},
                  ProofArgs(p));
  };
  std::vector<Hash256> flipped = proof;
  flipped.back()[31] ^= 0x80;
  std::vector<Hash256> longer = proof;
  longer.push_back(root5);

  RunCases({
      {"valid", args("5", "13", root5, root13, proof), 0, "valid"},
      {"equal sizes, equal roots, no proof",
       args("13", "13", root13, root13, {}), 0, "valid"},
      {"equal sizes with a proof", args("13", "13", root13, root13, {root5}), 1,
       "invalid:"},
      {"equal sizes, different roots", args("5", "5", root5, root13, {}), 1,
       "invalid:"},
      {"from empty, no proof", args("0", "13", EmptyRoot(), root13, {}), 0,
       "valid"},
      {"from empty with a proof", args("0", "13", EmptyRoot(), root13, {root5}),
       1, "invalid:"},
      {"from empty, wrong root1", args("0", "13", root5, root13, {}), 1,
       "invalid:"},
      {"size1 > size2", args("13", "5", root13, root5, proof), 1, "larger"},
      {"swapped roots", args("5", "13", root13, root5, proof), 1, "invalid:"},
      {"flipped proof bit", args("5", "13", root5, root13, flipped), 1,
       "invalid:"},
      {"extra proof hash", args("5", "13", root5, root13, longer), 1,
       "invalid:"},
      {"no proof", args("5", "13", root5, root13, {}), 1, "invalid:"},
      {"31-byte root2",
       {"log", "verify-consistency", "--size1", "5", "--size2", "13", "--root1",
        B64(root5), "--root2", Base64Encode(std::string(31, 'r'))},
       1,
       "32"},
      {"root1 not base64",
       {"log", "verify-consistency", "--size1", "5", "--size2", "13", "--root1",
        "abc", "--root2", B64(root13)},
       2,
       "base64"},
      {"non-numeric size1", args("five", "13", root5, root13, proof), 2,
       "--size1"},
      {"missing --size2",
       {"log", "verify-consistency", "--size1", "5", "--root1", B64(root5),
        "--root2", B64(root13)},
       2,
       "--size2"},
  });
}

}  // namespace
}  // namespace qtrace
