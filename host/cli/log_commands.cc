// `qtrace log ...`: offline checks of Merkle log proofs given as arguments.
#include <memory>

#include "cli.h"
#include "qtrace/merkle.h"

namespace qtrace::cli {
namespace {

struct InclusionArgs {
  std::string leaf_hash, index, size, root;
  std::vector<std::string> proof;
};

struct ConsistencyArgs {
  std::string size1, size2, root1, root2;
  std::vector<std::string> proof;
};

std::vector<HashArg> ProofArgs(const std::vector<std::string>& proof) {
  std::vector<HashArg> out;
  for (size_t i = 0; i < proof.size(); ++i) {
    out.push_back({"--proof #" + std::to_string(i + 1), proof[i]});
  }
  return out;
}

CommandResult VerifyInclusionCommand(const InclusionArgs& a) {
  uint64_t index, size;
  if (auto e = ParseU64Arg("--index", a.index, &index)) return *e;
  if (auto e = ParseU64Arg("--size", a.size, &size)) return *e;
  std::vector<HashArg> args = {{"--leaf-hash", a.leaf_hash},
                               {"--root", a.root}};
  for (HashArg& p : ProofArgs(a.proof)) args.push_back(std::move(p));
  std::vector<Hash256> hashes;
  if (auto e = DecodeHashArgs(args, &hashes)) return *e;
  std::vector<Hash256> proof(hashes.begin() + 2, hashes.end());
  Status s = VerifyInclusion(hashes[0], index, size, proof, hashes[1]);
  if (!s.ok()) return Invalid(s.message());
  return Success("valid\n");
}

CommandResult VerifyConsistencyCommand(const ConsistencyArgs& a) {
  uint64_t size1, size2;
  if (auto e = ParseU64Arg("--size1", a.size1, &size1)) return *e;
  if (auto e = ParseU64Arg("--size2", a.size2, &size2)) return *e;
  std::vector<HashArg> args = {{"--root1", a.root1}, {"--root2", a.root2}};
  for (HashArg& p : ProofArgs(a.proof)) args.push_back(std::move(p));
  std::vector<Hash256> hashes;
  if (auto e = DecodeHashArgs(args, &hashes)) return *e;
  std::vector<Hash256> proof(hashes.begin() + 2, hashes.end());
  Status s = VerifyConsistency(size1, size2, hashes[0], hashes[1], proof);
  if (!s.ok()) return Invalid(s.message());
  return Success("valid\n");
}

// One hash per --proof, in order; --proof may be absent (an empty proof).
void AddProofOption(CLI::App* command, std::vector<std::string>* proof) {
  command
      ->add_option("--proof", *proof,
                   "one proof hash (base64); repeat in proof order")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace

void AddLogCommands(CLI::App& app) {
  CLI::App* log = app.add_subcommand("log", "Check Merkle log proofs offline");
  log->require_subcommand(1);

  auto inc = std::make_shared<InclusionArgs>();
  CLI::App* vi = log->add_subcommand(
      "verify-inclusion",
      "Check an RFC 9162 inclusion proof of a leaf hash in a tree of SIZE");
  vi->add_option("--leaf-hash", inc->leaf_hash, "leaf hash (base64)")
      ->required();
  vi->add_option("--index", inc->index, "leaf index, from 0")->required();
  vi->add_option("--size", inc->size, "tree size")->required();
  vi->add_option("--root", inc->root, "root hash at SIZE (base64)")->required();
  AddProofOption(vi, &inc->proof);
  SetHandler(vi, [inc] { return VerifyInclusionCommand(*inc); });

  auto con = std::make_shared<ConsistencyArgs>();
  CLI::App* vc = log->add_subcommand(
      "verify-consistency",
      "Check an RFC 9162 consistency proof from tree SIZE1 to tree SIZE2");
  vc->add_option("--size1", con->size1, "older tree size")->required();
  vc->add_option("--size2", con->size2, "newer tree size")->required();
  vc->add_option("--root1", con->root1, "root hash at SIZE1 (base64)")
      ->required();
  vc->add_option("--root2", con->root2, "root hash at SIZE2 (base64)")
      ->required();
  AddProofOption(vc, &con->proof);
  SetHandler(vc, [con] { return VerifyConsistencyCommand(*con); });
}

}  // namespace qtrace::cli
