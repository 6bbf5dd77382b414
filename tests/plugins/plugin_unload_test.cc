// Loads and unloads every plugin — the fixtures and the sector plugins of
// this build — through the loader, the registry and the test kit, several
// times, exercising create / describe / check / destroy each time. Under
// the sanitizer build (QTRACE_SANITIZE=ON) this is where a use after unload
// (a vtable, exception or static of an unloaded plugin) or a leak shows.
// It also shows that -fno-gnu-unique lets dlclose really unmap a plugin,
// and that production loading pins plugins for the life of the process.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "qtrace/host/plugin_library.h"
#include "qtrace/host/plugin_registry.h"
#include "qtrace/plugin/testkit.h"
#include "testing/temp_dir.h"

namespace qtrace::host {
namespace {

std::vector<std::string> EveryPlugin() {
  std::vector<std::string> out;
  for (const char* dir : {QTRACE_FIXTURE_DIR, QTRACE_SECTOR_PLUGIN_DIR}) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".so") out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Mapped(const std::string& path) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (h == nullptr) return false;
  dlclose(h);
  return true;
}

TEST(PluginUnloadTest, EveryPluginLoadsAndUnloadsCleanly) {
  auto plugins = EveryPlugin();
  ASSERT_GE(plugins.size(), 12u);  // the fixtures at least
  int loaded = 0;
  for (int round = 0; round < 3; ++round) {
    for (const auto& path : plugins) {
      SCOPED_TRACE(path);
      {
        PluginRegistryOptions o;
        o.load.allow_unload = true;
        auto registry = PluginRegistry::CreateEmpty(o);
        Status s = registry->Add(path);  // load, check, create, describe (or refuse)
        if (s.ok()) {
          ++loaded;
          EXPECT_EQ(registry->List().size(), 1u);
        }
      }
      EXPECT_FALSE(Mapped(path)) << "still mapped after the registry released it";
      {
        auto p = plugin_testkit::PluginUnderTest::Load(path);
        if (p.ok()) {
          auto& t = **p;
          std::string sector = t.descriptor().sectors[0];
          ASSERT_TRUE(t.state().Apply("f", R"({"type":"product","scheme":"local","product_id":"x",
              "sector":")" + sector + R"("})").ok());
          // Accepting, rejecting, throwing and garbage-returning calls.
          for (const char* attrs : {R"({"grade":"A"})", "{}", R"({"chaos":"throw"})",
                                    R"({"chaos":"garbage"})", R"({"chaos":"lookups"})"}) {
            auto r = t.Check("f", std::string(R"({"type":"lot","lot":"local:x/L","quantity":"1 KGM",
                "production_time":"2026-05-01T08:00:00Z","attributes":)") + attrs + "}");
            (void)r;
          }
          if (t.descriptor().capabilities & QT_CAP_PLAN_RECALL) {
            plugin_testkit::RecallRequestData q;
            q.level = "1";
            EXPECT_TRUE(t.PlanRecall(q).ok());
          }
        }
      }
      EXPECT_FALSE(Mapped(path)) << "still mapped after the test kit released it";
    }
  }
  EXPECT_GE(loaded, 3 * 3);  // good, chaos, duplicate (+ sector plugins)
}

TEST(PluginUnloadTest, ProductionLoadingPinsThePlugin) {
  testing::TempDir dir;
  std::string path = dir.Sub("pinned_good.so");
  std::filesystem::copy_file(std::string(QTRACE_FIXTURE_DIR) + "/fixture_good.so", path);
  {
    auto registry = PluginRegistry::CreateEmpty({});  // allow_unload = false
    ASSERT_TRUE(registry->Add(path).ok());
  }
  EXPECT_TRUE(Mapped(path)) << "a production plugin must stay loaded";
}

}  // namespace
}  // namespace qtrace::host
