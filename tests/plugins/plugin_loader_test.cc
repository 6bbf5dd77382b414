// The plugin loader's checks, one fixture plugin per failure: every refusal
// names the file and the field, and the checks run in the documented order
// (allow-list before loading, then entry symbol, struct size, ABI, host
// version, required functions, unique name).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "qtrace/crypto.h"
#include "qtrace/encoding.h"
#include "qtrace/host/plugin_library.h"
#include "qtrace/host/plugin_registry.h"
#include "testing/temp_dir.h"

namespace qtrace::host {
namespace {

using testing::TempDir;

std::string Fixture(const std::string& name) {
  return std::string(QTRACE_FIXTURE_DIR) + "/fixture_" + name + ".so";
}

std::string FileSha256(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return HexEncode(AsBytes(Sha256(ss.str())));
}

PluginLoadOptions TestLoad() {
  PluginLoadOptions o;
  o.allow_unload = true;  // fixtures come and go in this process
  return o;
}

struct LoaderCase {
  const char* fixture;
  const char* field;    // the field the refusal names
  const char* message;  // part of what it says
  friend std::ostream& operator<<(std::ostream& os, const LoaderCase& c) { return os << c.fixture; }
};

class LoaderFailureTest : public ::testing::TestWithParam<LoaderCase> {};

TEST_P(LoaderFailureTest, RefusesNamingTheFileAndTheField) {
  const LoaderCase& c = GetParam();
  std::string path = Fixture(c.fixture);
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  auto lib = PluginLibrary::Load(path, TestLoad());
  ASSERT_FALSE(lib.ok()) << c.fixture << " loaded";
  EXPECT_EQ(lib.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(lib.status().reason(), "plugin_refused");
  const std::string& m = lib.status().message();
  EXPECT_EQ(m.rfind("plugin " + path + ": " + c.field + ": ", 0), 0u) << m;
  EXPECT_NE(m.find(c.message), std::string::npos) << m;
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, LoaderFailureTest,
    ::testing::Values(
        LoaderCase{"no_entry", "qtrace_plugin_entry", "symbol is not exported"},
        LoaderCase{"null_descriptor", "descriptor", "qtrace_plugin_entry returned NULL"},
        // Also has abi_major 2: the size is checked first.
        LoaderCase{"short_struct", "struct_size", "24 bytes is smaller than an ABI 1.0 descriptor"},
        // Also lacks check_record: the ABI is checked before the functions.
        LoaderCase{"abi_major2", "abi_major", "the plugin speaks ABI 2.x, this host ABI 1.x"},
        LoaderCase{"abi_minor_ahead", "abi_minor", "the plugin needs ABI 1.1, this host has 1.0"},
        LoaderCase{"min_host", "min_host_version", "needs qtraced >= 99.0.0, this is 0.1.0"},
        LoaderCase{"missing_function", "check_record", "required function is NULL"}),
    [](const ::testing::TestParamInfo<LoaderCase>& info) { return std::string(info.param.fixture); });

TEST(PluginLoaderTest, AWellBehavedPluginLoadsWithItsDescriptorCopied) {
  auto lib = PluginLibrary::Load(Fixture("good"), TestLoad());
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  const PluginLibrary& l = **lib;
  EXPECT_EQ(l.name(), "fixture_good");
  EXPECT_EQ(l.version(), "1.2.3");
  EXPECT_EQ(l.rule_set(), "fixture-good/2026.1");
  EXPECT_EQ(l.abi(), "1.0");
  EXPECT_EQ(l.sectors(), std::vector<std::string>{"fixture_good"});
  EXPECT_EQ(l.payload_types(), std::vector<std::string>{"qtrace.v1.Record"});
  EXPECT_TRUE(l.Handles(static_cast<uint8_t>(fb::Body::LotRegistration)));
  EXPECT_FALSE(l.Handles(static_cast<uint8_t>(fb::Body::Receipt)));
  EXPECT_TRUE(l.capabilities() & QT_CAP_CHECK_CERTIFICATION);
  EXPECT_TRUE(l.capabilities() & QT_CAP_PLAN_RECALL);
  EXPECT_EQ(l.sha256(), FileSha256(Fixture("good")));
}

TEST(PluginLoaderTest, AMissingFileIsRefusedAsTheFile) {
  auto lib = PluginLibrary::Load("/nonexistent/x.so", TestLoad());
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.status().message().find("plugin /nonexistent/x.so: file: "), std::string::npos);
}

TEST(PluginLoaderTest, ANonLibraryIsRefusedWithTheLoadersError) {
  TempDir dir;
  std::string path = dir.Sub("text.so");
  std::ofstream(path) << "not an ELF file";
  auto lib = PluginLibrary::Load(path, TestLoad());
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.status().message().find(": file: cannot be loaded: "), std::string::npos)
      << lib.status().message();
}

// ---- registry-level refusals ----------------------------------------------------

PluginRegistryOptions TestRegistry() {
  PluginRegistryOptions o;
  o.load.allow_unload = true;
  return o;
}

TEST(PluginRegistryLoadTest, AConstructorThatThrowsFailsCreate) {
  auto r = PluginRegistry::CreateEmpty(TestRegistry());
  Status s = r->Add(Fixture("throws_in_create"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "plugin " + Fixture("throws_in_create") +
                             ": create: failed (status 5): create threw: no licence database "
                             "configured");
  EXPECT_EQ(r->size(), 0u);
}

TEST(PluginRegistryLoadTest, AMalformedDescriptionIsRefused) {
  auto r = PluginRegistry::CreateEmpty(TestRegistry());
  Status s = r->Add(Fixture("malformed"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("plugin " + Fixture("malformed") +
                             ": describe: returned a malformed Description (16 bytes"),
            std::string::npos)
      << s.message();
}

TEST(PluginRegistryLoadTest, ASecondPluginWithTheSameNameIsRefused) {
  auto r = PluginRegistry::CreateEmpty(TestRegistry());
  ASSERT_TRUE(r->Add(Fixture("good")).ok());
  Status s = r->Add(Fixture("duplicate"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "plugin " + Fixture("duplicate") +
                             ": name: 'fixture_good' is already loaded from " + Fixture("good"));
  EXPECT_EQ(r->size(), 1u);
}

TEST(PluginRegistryLoadTest, ASecondPluginForTheSameSectorIsRefused) {
  auto r = PluginRegistry::CreateEmpty(TestRegistry());
  ASSERT_TRUE(r->Add(Fixture("good")).ok());
  Status s = r->Add(Fixture("sector_taken"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "plugin " + Fixture("sector_taken") +
                             ": sectors: sector 'fixture_good' is already owned by plugin "
                             "fixture_good (" + Fixture("good") + ")");
}

TEST(PluginRegistryLoadTest, EachSectorHasItsPlugin) {
  auto r = PluginRegistry::CreateEmpty(TestRegistry());
  ASSERT_TRUE(r->Add(Fixture("good")).ok());
  ASSERT_TRUE(r->Add(Fixture("chaos")).ok());
  ASSERT_NE(r->FindBySector("chaos"), nullptr);
  EXPECT_EQ(r->FindBySector("chaos")->name(), "fixture_chaos");
  EXPECT_EQ(r->FindBySector("agriculture"), nullptr);
}

TEST(PluginRegistryLoadTest, AFileNotOnTheAllowListIsRefusedBeforeItIsLoaded) {
  TempDir dir;
  std::string list = dir.Sub("allow.txt");
  std::ofstream(list) << "# only the good one\n" << FileSha256(Fixture("good")) << "  fixture_good.so\n";
  auto o = TestRegistry();
  o.allowlist_file = list;
  auto r = PluginRegistry::CreateEmpty(o);
  ASSERT_TRUE(r->Add(Fixture("good")).ok());
  // abi_major2 would fail its ABI check; the allow-list comes first.
  Status s = r->Add(Fixture("abi_major2"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "plugin " + Fixture("abi_major2") + ": sha256: " +
                             FileSha256(Fixture("abi_major2")) + " is not on the allow-list " +
                             list);
}

TEST(PluginRegistryLoadTest, TheAllowListNameMustMatchTheFile) {
  TempDir dir;
  std::string list = dir.Sub("allow.txt");
  std::ofstream(list) << FileSha256(Fixture("good")) << " *other_name.so\n";
  auto o = TestRegistry();
  o.allowlist_file = list;
  auto r = PluginRegistry::CreateEmpty(o);
  Status s = r->Add(Fixture("good"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(": name: the allow-list " + list +
                             " lists this sha256 for 'other_name.so', not 'fixture_good.so'"),
            std::string::npos)
      << s.message();
}

TEST(PluginRegistryLoadTest, AMalformedAllowListNamesItsLine) {
  auto list = PluginAllowlist::Parse("# c\n\nzz  a.so\n", "allow.txt");
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.status().message(), "allow.txt:3: expected '<sha256 hex> [file name]'");
  auto ok = PluginAllowlist::Parse(std::string(64, 'A') + "\n", "x");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->Check("/d/any.so", std::string(64, 'a')).ok());
}

TEST(PluginRegistryLoadTest, OpenLoadsEveryPluginOfTheDirectoryOrNone) {
  TempDir dir;
  std::filesystem::copy_file(Fixture("good"), dir.Sub("a_good.so"));
  std::filesystem::copy_file(Fixture("chaos"), dir.Sub("b_chaos.so"));
  std::ofstream(dir.Sub("README.txt")) << "not a plugin";
  auto o = TestRegistry();
  o.plugin_dir = dir.path();
  auto r = PluginRegistry::Open(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto list = (*r)->List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "fixture_good");
  EXPECT_EQ(list[0].file, dir.Sub("a_good.so"));
  EXPECT_EQ(list[0].record_types,
            (std::vector<std::string>{"product", "lot", "shipment", "unit_event"}));
  EXPECT_EQ(list[0].capabilities, (std::vector<std::string>{"check_record", "check_certification",
                                                            "plan_recall", "reentrant"}));
  EXPECT_EQ(list[0].attributes, 1u);
  EXPECT_EQ(list[0].rules, 3u);
  EXPECT_EQ(list[1].name, "fixture_chaos");

  // One bad file fails the whole directory, naming it.
  std::filesystem::copy_file(Fixture("missing_function"), dir.Sub("c_bad.so"));
  auto bad = PluginRegistry::Open(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "plugin " + dir.Sub("c_bad.so") + ": check_record: required function is NULL");

  o.plugin_dir = dir.Sub("missing");
  auto none = PluginRegistry::Open(o);
  EXPECT_FALSE(none.ok());
}

TEST(PluginVersionTest, ParsesMajorMinorPatchWithOptionalSuffix) {
  EXPECT_EQ(ParseVersion("1.2.3"), (std::array<uint32_t, 3>{1, 2, 3}));
  EXPECT_EQ(ParseVersion("0.10.0-rc1"), (std::array<uint32_t, 3>{0, 10, 0}));
  EXPECT_FALSE(ParseVersion("1.2"));
  EXPECT_FALSE(ParseVersion("1.2.x"));
  EXPECT_FALSE(ParseVersion(""));
  EXPECT_FALSE(ParseVersion("1.2.3.4"));
}

}  // namespace
}  // namespace qtrace::host
