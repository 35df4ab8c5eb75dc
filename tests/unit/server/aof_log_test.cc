// Loading an AOF (server/aof_log.cc) with inputs the aof fuzz target
// (tests/fuzz/aof_fuzz.cc) runs: the loader's fake client executes whatever
// commands the files hold. The server's command table and dbs are set up
// here as start-up does, without sockets or an event loop.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "alloc/zmalloc.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "gtest/gtest.h"
#include "object/list_type.h"
#include "object/object.h"
#include "server/config.h"
#include "server/persistence.h"

namespace server {
namespace {

constexpr int kDbs = 16;

class AofLoad : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    alloc::Options o;
    o.mode = alloc::Mode::kLogical;
    ASSERT_TRUE(alloc::Init(o).ok());
    object::InitTypes();
    commands::State& st = commands::GetState();
    for (int i = static_cast<int>(st.dbs.size()); i < kDbs; i++) {
      st.dbs.push_back(std::make_unique<db::Db>(i));
      st.db_ptrs.push_back(st.dbs.back().get());
    }
    commands::Registry& reg = commands::Registry::Get();
    if (reg.Find("blpop") == nullptr) {
      commands::RegisterAllDataCommands(reg);
      reg.Finalize();
    }
  }
  void SetUp() override {
    old_cwd_ = std::filesystem::current_path();
    char tmpl[] = "/tmp/aof_log_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::filesystem::current_path(dir_);
    Config() = ServerConfig{};
    std::filesystem::create_directory(Config().appenddirname);
  }
  void TearDown() override {
    for (db::Db* d : AllDbs()) d->Flush();
    std::filesystem::current_path(old_cwd_);
    std::filesystem::remove_all(dir_);
    Config() = ServerConfig{};
  }
  void Write(const std::string& name, const std::string& data) {
    std::ofstream f(Config().appenddirname + "/" + name, std::ios::binary);
    f << data;
  }

  std::filesystem::path old_cwd_;
  std::string dir_;
};

// aof_fuzz: two blocking pops of missing keys in an incr file. The fake
// client blocked on the first one and the second hit BlockForKeys's
// assertion (c.blocked == nullptr): the server aborted while loading.
// Redis's AOF client has CLIENT_DENY_BLOCKING, so a blocking command there
// answers at once; so does ours now (commands::kClientDenyBlocking, set by
// aof_log.cc's FakeClient).
TEST_F(AofLoad, BlockingCommandsDoNotBlockTheLoader) {
  Write("appendonly.aof.manifest", "file a.aof seq 1 type i\n");
  Write("a.aof",
        "*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n"
        "*3\r\n$5\r\nBLPOP\r\n$1\r\nr\r\n$1\r\n0\r\n"
        "*3\r\n$8\r\nBZPOPMIN\r\n$1\r\nz\r\n$1\r\n0\r\n"
        "*6\r\n$6\r\nBLMOVE\r\n$1\r\nq\r\n$1\r\nd\r\n$4\r\nLEFT\r\n$5\r\nRIGHT\r\n$1\r\n0\r\n"
        "*3\r\n$5\r\nRPUSH\r\n$1\r\nq\r\n$1\r\n1\r\n");
  ASSERT_TRUE(AofLoadAtStartup());
  // The pushed element stays: no fake client was left waiting for it.
  object::Object* q = AllDbs()[0]->LookupRead("q");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(object::ListLength(q), 1u);
  EXPECT_EQ(AllDbs()[0]->size(), 1u);
}

}  // namespace
}  // namespace server
