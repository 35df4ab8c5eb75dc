// Tests of the configuration table: redis.conf parsing, the command line,
// CONFIG GET / SET / REWRITE. Expected texts and values were taken from
// Debian's redis-server 7.0.15 given the same input.
#include "server/config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace server {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cwd_ = std::filesystem::current_path();
    char tmpl[] = "/tmp/config_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = std::filesystem::canonical(tmpl).string();
    std::filesystem::current_path(dir_);
    Config() = ServerConfig{};
  }
  void TearDown() override {
    for (const std::string& n : hooked_) {
      Reg().OnApply(n, nullptr);
      Reg().OnValidate(n, nullptr);
    }
    std::filesystem::current_path(old_cwd_);
    std::filesystem::remove_all(dir_);
    Config() = ServerConfig{};
  }

  static ConfigRegistry& Reg() { return ConfigRegistry::Get(); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream f(name, std::ios::binary);
    f << text;
  }
  static std::string Read(const std::string& name) {
    std::ifstream f(name, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  // CONFIG GET of one name; "<none>" when nothing matched.
  static std::string GetOne(const std::string& name) {
    auto v = Reg().GetMatching({name});
    return v.empty() ? "<none>" : v[0].second;
  }
  static std::string SetMsg(const Pairs& p) {
    common::Status st = Reg().Set(p);
    return st.ok() ? "OK" : st.message();
  }
  static std::string LoadMsg(const std::string& text) {
    common::Status st = Reg().LoadString(text);
    return st.ok() ? "OK" : st.message();
  }
  // Runs LoadArgv over the given arguments (argv[0] added).
  static common::Status LoadArgs(std::vector<std::string> args, std::string* file) {
    args.insert(args.begin(), "redis-server");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    return Reg().LoadArgv(static_cast<int>(argv.size()), argv.data(), file);
  }
  void Hook(const std::string& name) { hooked_.push_back(name); }
  static std::map<std::string, std::string> All() {
    std::map<std::string, std::string> m;
    for (auto& [k, v] : Reg().GetMatching({"*"})) m[k] = v;
    return m;
  }

  std::filesystem::path old_cwd_;
  std::string dir_;
  std::vector<std::string> hooked_;
};

// ---- Defaults ---------------------------------------------------------------

TEST_F(ConfigTest, DefaultsAreRedisCompiledDefaults) {
  EXPECT_EQ(GetOne("save"), "3600 1 300 100 60 10000");
  EXPECT_EQ(GetOne("client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(GetOne("bind"), "* -::*");
  EXPECT_EQ(GetOne("dir"), dir_);
  EXPECT_EQ(GetOne("proto-max-bulk-len"), "536870912");
  EXPECT_EQ(GetOne("client-query-buffer-limit"), "1073741824");
  EXPECT_EQ(GetOne("maxmemory-policy"), "noeviction");
  EXPECT_EQ(GetOne("hash-max-listpack-entries"), "512");
  EXPECT_EQ(GetOne("zset-max-listpack-entries"), "128");
  EXPECT_EQ(GetOne("list-max-listpack-size"), "-2");
  EXPECT_EQ(GetOne("latency-tracking-info-percentiles"), "50 99 99.9");
  EXPECT_EQ(GetOne("oom-score-adj-values"), "0 200 800");
  EXPECT_EQ(GetOne("proc-title-template"), "{title} {listen-addr} {server-mode}");
  EXPECT_EQ(GetOne("unixsocketperm"), "0");
  EXPECT_EQ(GetOne("notify-keyspace-events"), "");
  EXPECT_EQ(GetOne("replicaof"), "");
  EXPECT_EQ(GetOne("tier-nvm-node"), "auto");
  EXPECT_EQ(GetOne("tier-embstr-max"), "44");
  EXPECT_EQ(GetOne("tier-nvm-min-size"), "64");
  EXPECT_EQ(GetOne("tier-dram-nvm-ratio"), "1:4");
  EXPECT_EQ(GetOne("tier-dram-max-memory"), "0");
  EXPECT_EQ(GetOne("tier-migrate-cycle-ms"), "1");
  EXPECT_EQ(GetOne("tier-migrate-max-bytes-per-sec"), "268435456");
  // 192 Redis names and aliases (Debian's Redis 7.0.15, built with TLS:
  // 172 + 20 tls-*) + 13 tier ones.
  EXPECT_EQ(All().size(), 192u + 13u);
}

// ---- redis.conf parsing -----------------------------------------------------

TEST_F(ConfigTest, QuotesEscapesCommentsAndBlankLines) {
  ASSERT_EQ(LoadMsg("# a comment\n"
                    "\n"
                    "   # indented comment\n"
                    "requirepass \"a b\\tc\\x41\\\\\\\"\"\r\n"
                    "masterauth 'it\\'s'\n"
                    "   port    7000   \n"
                    "logfile \"\"\n"
                    "unixsocket ab\"cd ef\"\n"),
            "OK");
  EXPECT_EQ(Config().requirepass, "a b\tcA\\\"");
  EXPECT_EQ(Config().masterauth, "it's");
  EXPECT_EQ(Config().port, 7000);
  EXPECT_EQ(Config().logfile, "");
  EXPECT_EQ(Config().unixsocket, "abcd ef");
}

TEST_F(ConfigTest, LaterLinesOverrideEarlierOnes) {
  ASSERT_EQ(LoadMsg("port 1\nhz 20\nport 2\nPORT 3\n"), "OK");
  EXPECT_EQ(Config().port, 3);
  EXPECT_EQ(Config().hz, 20);
}

TEST_F(ConfigTest, BadLinesGiveRedisStartupErrors) {
  EXPECT_EQ(LoadMsg("port 7390\nfoo bar\n"),
            "Reading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments");
  EXPECT_EQ(LoadMsg("port abc\n"),
            "Reading the configuration file, at line 1\n>>> 'port abc'\nargument couldn't be parsed into an integer");
  EXPECT_EQ(LoadMsg("port 1 2\n"), "Reading the configuration file, at line 1\n>>> 'port 1 2'\nwrong number of arguments");
  EXPECT_EQ(LoadMsg("port \"7390\n"),
            "Reading the configuration file, at line 1\n>>> 'port \"7390'\nUnbalanced quotes in configuration line");
  EXPECT_EQ(LoadMsg("port 'a'b\n"),
            "Reading the configuration file, at line 1\n>>> 'port 'a'b'\nUnbalanced quotes in configuration line");
  EXPECT_EQ(LoadMsg("save 100\n"), "Reading the configuration file, at line 1\n>>> 'save 100'\nInvalid save parameters");
  EXPECT_EQ(LoadMsg("daemonize maybe\n"),
            "Reading the configuration file, at line 1\n>>> 'daemonize maybe'\nargument must be 'yes' or 'no'");
  EXPECT_EQ(LoadMsg("loglevel foo\n"),
            "Reading the configuration file, at line 1\n>>> 'loglevel foo'\n"
            "argument(s) must be one of the following: debug, verbose, notice, warning");
  // The line is shown trimmed, and comments and blank lines count.
  EXPECT_EQ(LoadMsg("# c\n\n  # d\n  maxmemory   1x  \r\n"),
            "Reading the configuration file, at line 4\n>>> 'maxmemory   1x'\nargument must be a memory value");
  EXPECT_EQ(LoadMsg("notify-keyspace-events Q\n"),
            "Reading the configuration file, at line 1\n>>> 'notify-keyspace-events Q'\n"
            "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
  EXPECT_EQ(LoadMsg("dir /nonexistent/x\n"),
            "Reading the configuration file, at line 1\n>>> 'dir /nonexistent/x'\nNo such file or directory");
  EXPECT_EQ(LoadMsg("\"\"\n"), "Reading the configuration file, at line 1\n>>> '\"\"'\nBad directive or wrong number of arguments");
  EXPECT_EQ(LoadMsg("include\n"),
            "Reading the configuration file, at line 1\n>>> 'include'\nBad directive or wrong number of arguments");
  EXPECT_EQ(LoadMsg("sentinel foo\n"),
            "Reading the configuration file, at line 1\n>>> 'sentinel foo'\nsentinel directive while not in sentinel mode");
  EXPECT_EQ(LoadMsg("a.b\n"), "Reading the configuration file, at line 1\n>>> 'a.b'\nModule config specified without value");
  EXPECT_EQ(LoadMsg("unixsocketperm 999\n"),
            "Reading the configuration file, at line 1\n>>> 'unixsocketperm 999'\n"
            "argument couldn't be parsed as an octal number");
  EXPECT_EQ(LoadMsg("databases 0\n"),
            "Reading the configuration file, at line 1\n>>> 'databases 0'\nargument must be between 1 and 2147483647 inclusive");
  EXPECT_EQ(LoadMsg("appendfilename a/b\n"),
            "Reading the configuration file, at line 1\n>>> 'appendfilename a/b'\n"
            "appendfilename can't be a path, just a filename");
  EXPECT_EQ(LoadMsg("replicaof a 70000\n"),
            "Reading the configuration file, at line 1\n>>> 'replicaof a 70000'\nInvalid master port");
  EXPECT_EQ(LoadMsg("logfile /nonexistent/x.log\n"), "Can't open the log file: No such file or directory");
  Config() = ServerConfig{};
  EXPECT_EQ(LoadMsg("cluster-enabled yes\nreplicaof a 1\n"), "replicaof directive not allowed in cluster mode");
}

TEST_F(ConfigTest, AcceptedNonSettingDirectives) {
  ASSERT_EQ(LoadMsg("list-max-ziplist-entries 5\n"
                    "rename-command flushall \"\"\n"
                    "user alice on >pw ~* +@all\n"
                    "loadmodule /x.so a b\n"
                    "mymod.opt 5\n"
                    "sentinel\n"),
            "OK");
  ASSERT_EQ(Config().rename_commands.size(), 1u);
  EXPECT_EQ(Config().rename_commands[0], std::make_pair(std::string("flushall"), std::string("")));
  ASSERT_EQ(Config().users.size(), 1u);
  EXPECT_EQ(Config().users[0], (std::vector<std::string>{"alice", "on", ">pw", "~*", "+@all"}));
  ASSERT_EQ(Config().loadmodules.size(), 1u);
  EXPECT_EQ(Config().loadmodules[0], (std::vector<std::string>{"/x.so", "a", "b"}));
  ASSERT_EQ(Config().module_configs.size(), 1u);
  EXPECT_EQ(Config().module_configs[0].first, "mymod.opt");
}

TEST_F(ConfigTest, MemoryUnits) {
  const std::pair<const char*, unsigned long long> kCases[] = {
      {"0", 0},          {"5", 5},
      {"5b", 5},         {"5B", 5},
      {"1k", 1000},      {"1K", 1000},
      {"1kb", 1024},     {"1kB", 1024},
      {"2m", 2000000},   {"2mb", 2097152},
      {"3g", 3000000000ULL}, {"3GB", 3221225472ULL},
      {"kb", 0},         {"", 0},
      {"18446744073709551615", 18446744073709551615ULL},
      // strtoull saturates, as in Redis: CONFIG GET shows ULLONG_MAX.
      {"18446744073709551616", 18446744073709551615ULL},
  };
  for (auto [text, want] : kCases) {
    ASSERT_EQ(SetMsg({{"maxmemory", text}}), "OK") << text;
    EXPECT_EQ(Config().maxmemory, want) << text;
    EXPECT_EQ(GetOne("maxmemory"), std::to_string(want)) << text;
  }
  const char* kBad[] = {"-1", "1.5gb", " 5", "+5", "0x10", "1 gb", "1t", "1kbb", "abc", "20000000000gb"};
  for (const char* text : kBad)
    EXPECT_EQ(SetMsg({{"maxmemory", text}}),
              "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value")
        << text;
}

TEST_F(ConfigTest, MemoryUnitsRandomizedAgainstArithmetic) {
  std::mt19937_64 rng(20261123);
  const std::pair<const char*, unsigned long long> kUnits[] = {
      {"", 1}, {"b", 1}, {"k", 1000}, {"kb", 1024}, {"m", 1000000}, {"mb", 1048576}, {"g", 1000000000}, {"gb", 1073741824}};
  for (int i = 0; i < 2000; i++) {
    unsigned long long n = rng() % 5000000;
    auto [unit, mul] = kUnits[rng() % std::size(kUnits)];
    std::string u = unit;
    for (char& c : u)
      if (rng() & 1) c = static_cast<char>(toupper(c));
    std::string text = std::to_string(n) + u;
    ASSERT_EQ(SetMsg({{"maxmemory", text}}), "OK") << text;
    ASSERT_EQ(Config().maxmemory, n * mul) << text;
  }
}

TEST_F(ConfigTest, SaveLinesAccumulateInAFile) {
  ASSERT_EQ(LoadMsg("save 100 1\nsave 200 2\n"), "OK");
  EXPECT_EQ(GetOne("save"), "100 1 200 2");
  Config() = ServerConfig{};
  ASSERT_EQ(LoadMsg("port 1\n"), "OK");
  EXPECT_EQ(GetOne("save"), "3600 1 300 100 60 10000");  // no save line: defaults stay
  ASSERT_EQ(LoadMsg("save \"\"\n"), "OK");
  EXPECT_EQ(GetOne("save"), "");
  Config() = ServerConfig{};
  ASSERT_EQ(LoadMsg("save \"100 1  200 2\"\n"), "OK");  // one argument, split like a line
  EXPECT_EQ(GetOne("save"), "100 1 200 2");
  ASSERT_EQ(LoadMsg("save 300 3\n"), "OK");  // a new load starts over
  EXPECT_EQ(GetOne("save"), "300 3");
  ASSERT_EQ(LoadMsg("save 100 1\nsave \"\"\nsave 200 2\n"), "OK");  // save "" clears, later lines add
  EXPECT_EQ(GetOne("save"), "200 2");
  EXPECT_EQ(LoadMsg("save \"100 1\" 200 2\n"),
            "Reading the configuration file, at line 1\n>>> 'save \"100 1\" 200 2'\nInvalid save parameters");
}

TEST_F(ConfigTest, IncludesAreRelativeToTheWorkingDirectoryAndNest) {
  std::filesystem::create_directory("conf.d");
  Write("inner.conf", "hz 33\n# comment\nmaxmemory 2mb\n");
  Write("outer.conf", "port 1111\ninclude inner.conf\nmaxmemory 3mb\n");
  Write("conf.d/a.conf", "timeout 7\n");
  Write("conf.d/b.conf", "timeout 8\n");
  Write("main.conf", "maxmemory 1mb\ninclude outer.conf\ninclude conf.d/*.conf\ninclude empty.d/*.conf\nport 2222\n");
  ASSERT_TRUE(Reg().LoadFile("main.conf").ok());
  EXPECT_EQ(Config().hz, 33);
  EXPECT_EQ(Config().maxmemory, 3ULL << 20);  // outer's line after the include wins
  EXPECT_EQ(Config().timeout, 8);             // glob matches load in sorted order
  EXPECT_EQ(Config().port, 2222);
  EXPECT_EQ(Config().dir, dir_);

  // An error inside an included file reports that file's line.
  Write("bad.conf", "port 1\nbar x\n");
  Write("main2.conf", "include bad.conf\nfoo\n");
  common::Status st = Reg().LoadFile("main2.conf");
  EXPECT_EQ(st.message(), "Reading the configuration file, at line 2\n>>> 'bar x'\nBad directive or wrong number of arguments");
  EXPECT_EQ(LoadMsg("include /nonexistent/x.conf\n"),
            "Fatal error, can't open config file '/nonexistent/x.conf': No such file or directory");
  EXPECT_EQ(Reg().LoadFile("missing.conf").message(),
            "Fatal error, can't open config file 'missing.conf': No such file or directory");
}

// ---- Command line -----------------------------------------------------------

TEST_F(ConfigTest, ArgvOptionsAreAppendedAfterTheFile) {
  Write("r.conf", "port 6000\nsave 100 1\nmaxmemory 1mb\n");
  std::string file;
  ASSERT_TRUE(LoadArgs({"r.conf", "--port", "7000", "--save", "", "--maxmemory-policy", "allkeys-lru"}, &file).ok());
  EXPECT_EQ(file, dir_ + "/r.conf");
  EXPECT_EQ(Config().port, 7000);
  EXPECT_EQ(GetOne("save"), "");
  EXPECT_EQ(Config().maxmemory, 1ULL << 20);
  EXPECT_EQ(Config().maxmemory_policy, "allkeys-lru");
}

TEST_F(ConfigTest, ArgvForms) {
  std::string file = "x";
  ASSERT_TRUE(LoadArgs({"--port 7001", "--bind", "127.0.0.1", "::1", "--save", "--hz", "20"}, &file).ok());
  EXPECT_EQ(file, "");
  EXPECT_EQ(Config().port, 7001);
  EXPECT_EQ(GetOne("bind"), "127.0.0.1 ::1");
  EXPECT_EQ(GetOne("save"), "");  // "--save" followed by an option means save ""
  EXPECT_EQ(Config().hz, 20);

  Config() = ServerConfig{};
  ASSERT_TRUE(LoadArgs({"--save", "900 1", "--list-max-listpack-size", "-5", "--save"}, &file).ok());
  EXPECT_EQ(GetOne("save"), "");  // the last one wins; a trailing --save is save ""
  EXPECT_EQ(Config().list_max_listpack_size, -5);

  Config() = ServerConfig{};
  ASSERT_TRUE(LoadArgs({"--save", "900 1"}, &file).ok());
  EXPECT_EQ(GetOne("save"), "900 1");
}

TEST_F(ConfigTest, ArgvErrorsCountLinesAfterTheFile) {
  Write("r.conf", "port 1\n");
  std::string file;
  common::Status st = LoadArgs({"r.conf", "--port", "1", "2"}, &file);
  // "port 1\n" + "\n" + options: the options are line 3.
  EXPECT_EQ(st.message(), "Reading the configuration file, at line 3\n>>> 'port \"1\" \"2\"'\nwrong number of arguments");
  st = LoadArgs({"--port"}, &file);
  EXPECT_EQ(st.message(), "Reading the configuration file, at line 2\n>>> 'port'\nwrong number of arguments");
  st = LoadArgs({"--foo"}, &file);
  EXPECT_EQ(st.message(), "Reading the configuration file, at line 2\n>>> 'foo'\nBad directive or wrong number of arguments");
  st = LoadArgs({"nosuch.conf", "--port", "1"}, &file);
  EXPECT_EQ(st.message(), "Fatal error, can't open config file '" + dir_ + "/nosuch.conf': No such file or directory");
}

// ---- CONFIG GET -------------------------------------------------------------

std::vector<std::string> Names(const Pairs& p) {
  std::vector<std::string> out;
  for (auto& [k, v] : p) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(ConfigTest, GetGlobsAndAliases) {
  using V = std::vector<std::string>;
  EXPECT_EQ(Names(Reg().GetMatching({"zset-max-*"})),
            (V{"zset-max-listpack-entries", "zset-max-listpack-value", "zset-max-ziplist-entries", "zset-max-ziplist-value"}));
  EXPECT_EQ(Names(Reg().GetMatching({"*hz*"})), (V{"dynamic-hz", "hz"}));
  EXPECT_EQ(Names(Reg().GetMatching({"ma?memory"})), (V{"maxmemory"}));
  EXPECT_EQ(Names(Reg().GetMatching({"maxmemory[-]policy"})), (V{"maxmemory-policy"}));
  EXPECT_EQ(Names(Reg().GetMatching({"maxmemory[-p]*"})),
            (V{"maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"}));
  EXPECT_EQ(Names(Reg().GetMatching({"MAXMEM*"})),
            (V{"maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"}));
  EXPECT_EQ(Names(Reg().GetMatching({"slave-read-only", "replica-read-only"})), (V{"replica-read-only", "slave-read-only"}));
  EXPECT_TRUE(Reg().GetMatching({"nosuch"}).empty());
  // Exact names keep the caller's spelling and are case-insensitive.
  auto hz = Reg().GetMatching({"HZ"});
  ASSERT_EQ(hz.size(), 1u);
  EXPECT_EQ(hz[0], std::make_pair(std::string("HZ"), std::string("10")));
  // Each name once, even when several patterns match it.
  EXPECT_EQ(Names(Reg().GetMatching({"hz", "port", "HZ", "h?"})), (V{"hz", "port"}));
  EXPECT_EQ(Names(Reg().GetMatching({"port", "p*rt", "po*"})), (V{"port"}));
  // Hidden configs answer only to their exact name.
  EXPECT_EQ(Names(Reg().GetMatching({"use-exit*"})), V{});
  EXPECT_EQ(GetOne("use-exit-on-panic"), "no");
  EXPECT_EQ(Names(Reg().GetMatching({"lua-time-limit"})), V{"lua-time-limit"});
}

// Glob matching checked against std::regex on every config name.
TEST_F(ConfigTest, GetGlobRandomizedAgainstRegex) {
  std::vector<std::string> names;
  for (auto& [k, v] : All()) names.push_back(k);
  std::mt19937 rng(7);
  const std::string kAlphabet = "abcdefghijklmnopqrstuvwxyz-";
  for (int iter = 0; iter < 500; iter++) {
    const std::string& base = names[rng() % names.size()];
    std::string glob, re;
    for (size_t i = 0; i < base.size(); i++) {
      int r = static_cast<int>(rng() % 12);
      if (r == 0) {
        glob += '*';
        re += ".*";
        i += rng() % 3;
      } else if (r == 1) {
        glob += '?';
        re += '.';
      } else if (r == 2) {
        char a = kAlphabet[rng() % 26], b = kAlphabet[rng() % 26];
        if (a > b) std::swap(a, b);
        glob += std::string("[") + a + "-" + b + "]";
        re += std::string("[") + a + "-" + b + "]";
      } else if (r == 3) {
        glob += "[^e]";
        re += "[^e]";
      } else {
        glob += base[i];
        re += base[i] == '-' ? std::string("\\-") : std::string(1, base[i]);
      }
    }
    if (glob.find_first_of("*?[") == std::string::npos) continue;
    std::vector<std::string> want;
    std::regex rx(re);
    for (const std::string& n : names)
      if (std::regex_match(n, rx)) want.push_back(n);
    EXPECT_EQ(Names(Reg().GetMatching({glob})), want) << glob;
  }
}

TEST_F(ConfigTest, GetFormatsLikeRedis) {
  const std::pair<const char*, const char*> kNotify[] = {
      {"KEA", "AKE"}, {"lgEK", "glKE"}, {"Ex", "xE"}, {"AnK", "AK"}, {"mKA", "AKm"}, {"nK", "nK"},
      {"A$K", "AK"},  {"g$lshzxetd", "A"}, {"", ""}};
  for (auto [in, out] : kNotify) {
    ASSERT_EQ(SetMsg({{"notify-keyspace-events", in}}), "OK") << in;
    EXPECT_EQ(GetOne("notify-keyspace-events"), out) << in;
  }
  ASSERT_EQ(SetMsg({{"client-output-buffer-limit", "replica 1mb 2mb 10 NORMAL 1 1 1"}}), "OK");
  EXPECT_EQ(GetOne("client-output-buffer-limit"), "normal 1 1 1 slave 1048576 2097152 10 pubsub 33554432 8388608 60");
  ASSERT_EQ(SetMsg({{"maxmemory-clients", "10%"}}), "OK");
  EXPECT_EQ(GetOne("maxmemory-clients"), "10%");
  EXPECT_EQ(Config().maxmemory_clients, -10);
  ASSERT_EQ(SetMsg({{"oom-score-adj", "relative"}}), "OK");
  EXPECT_EQ(GetOne("oom-score-adj"), "yes");
  ASSERT_EQ(SetMsg({{"shutdown-on-sigint", "force nosave"}}), "OK");
  EXPECT_EQ(GetOne("shutdown-on-sigint"), "nosave force");
  ASSERT_EQ(SetMsg({{"shutdown-on-sigint", "now default"}}), "OK");
  EXPECT_EQ(GetOne("shutdown-on-sigint"), "now");
  ASSERT_EQ(SetMsg({{"maxmemory-policy", "ALLKEYS-LRU"}}), "OK");
  EXPECT_EQ(GetOne("maxmemory-policy"), "allkeys-lru");
  ASSERT_EQ(SetMsg({{"latency-tracking-info-percentiles", "50 99.99 1e1"}}), "OK");
  EXPECT_EQ(GetOne("latency-tracking-info-percentiles"), "50 99.99 10");
  ASSERT_EQ(SetMsg({{"appendonly", "YES"}}), "OK");
  EXPECT_EQ(GetOne("appendonly"), "yes");
  ASSERT_EQ(LoadMsg("unixsocketperm 700\nreplicaof 10.0.0.1 6380\n"), "OK");
  EXPECT_EQ(Config().unixsocketperm, 0700u);
  EXPECT_EQ(GetOne("unixsocketperm"), "700");
  EXPECT_EQ(GetOne("slaveof"), "10.0.0.1 6380");
  ASSERT_EQ(LoadMsg("replicaof no one\n"), "OK");
  EXPECT_EQ(GetOne("replicaof"), "");
  ASSERT_EQ(SetMsg({{"tier-nvm-node", "3"}}), "OK");
  EXPECT_EQ(Config().tier_nvm_node, 3);
  EXPECT_EQ(GetOne("tier-nvm-node"), "3");
}

// ---- CONFIG SET -------------------------------------------------------------

TEST_F(ConfigTest, SetErrorTextsAreRedis70s) {
  const std::pair<Pairs, const char*> kCases[] = {
      {{{"foo", "bar"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
      {{{"maxmemory", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
      {{{"daemonize", "yes"}}, "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
      {{{"port", "70000"}},
       "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be between 0 and 65535 inclusive"},
      {{{"hz", "5"}, {"hz", "6"}}, "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter"},
      {{{"hz", "5"}, {"HZ", "6"}}, "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter"},
      {{{"appendonly", "maybe"}},
       "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"},
      {{{"maxmemory-policy", "foo"}},
       "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the "
       "following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, "
       "allkeys-random, noeviction"},
      {{{"hz", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"},
      {{{"hz", "+5"}}, "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"},
      {{{"hz", "010"}}, "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"},
      {{{"maxclients", "0"}},
       "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive"},
      {{{"foo", "bar"}, {"daemonize", "yes"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"},
      {{{"daemonize", "yes"}, {"foo", "bar"}},
       "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
      {{{"hz", "5"}, {"daemonize", "yes"}, {"hz", "6"}},
       "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"},
      {{{"dir", "/tmp"}}, "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config"},
      {{{"dbfilename", "x"}}, "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config"},
      {{{"save", "1 2 3"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
      {{{"save", "1  2"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
      {{{"save", "0 1"}}, "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters"},
      {{{"client-output-buffer-limit", "normal 1 2"}},
       "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in "
       "buffer limit configuration."},
      {{{"client-output-buffer-limit", "master 0 0 0"}},
       "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class "
       "specified in buffer limit configuration."},
      {{{"client-output-buffer-limit", "normal 0 0 -1"}},
       "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Error in hard, soft or "
       "soft_seconds setting in buffer limit configuration."},
      {{{"replicaof", "a 1"}}, "ERR CONFIG SET failed (possibly related to argument 'replicaof') - can't set immutable config"},
      {{{"slowlog-log-slower-than", "-2"}},
       "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and "
       "9223372036854775807 inclusive"},
      {{{"hash-max-listpack-entries", "-1"}},
       "ERR CONFIG SET failed (possibly related to argument 'hash-max-listpack-entries') - argument must be between 0 "
       "and 9223372036854775807 inclusive"},
      {{{"maxmemory-clients", "200%"}},
       "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - percentage argument must be less or "
       "equal to 100"},
      {{{"maxmemory-clients", "abc"}},
       "ERR CONFIG SET failed (possibly related to argument 'maxmemory-clients') - argument must be a memory or percent value"},
      {{{"list-max-ziplist-size", "x"}},
       "ERR CONFIG SET failed (possibly related to argument 'list-max-ziplist-size') - argument couldn't be parsed into an "
       "integer"},
      {{{"MAXMEMORY", "abc"}}, "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
      {{{"proc-title-template", "{title}"}},
       "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - template format is invalid or "
       "contains unknown variables"},
      {{{"oom-score-adj-values", "1 2"}},
       "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - wrong number of arguments"},
      {{{"oom-score-adj-values", "1 2 x"}},
       "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - Invalid oom-score-adj-values, "
       "elements must be between -2000 and 2000."},
      {{{"latency-tracking-info-percentiles", "101"}},
       "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - "
       "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
      {{{"latency-tracking-info-percentiles", "x"}},
       "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - Invalid "
       "latency-tracking-info-percentiles parameters"},
      {{{"shutdown-on-sigint", "save nosave"}},
       "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - shutdown options SAVE and NOSAVE "
       "can't be used simultaneously"},
      {{{"shutdown-on-sigint", ""}},
       "ERR CONFIG SET failed (possibly related to argument 'shutdown-on-sigint') - argument(s) must be one of the "
       "following: default, save, nosave, now, force"},
      {{{"activedefrag", "yes"}},
       "ERR CONFIG SET failed (possibly related to argument 'activedefrag') - Active defragmentation cannot be enabled: it "
       "requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source "
       "distribution"},
      {{{"cluster-announce-hostname", "a_b"}},
       "ERR CONFIG SET failed (possibly related to argument 'cluster-announce-hostname') - Hostnames may only contain "
       "alphanumeric characters, hyphens or dots"},
      {{{"tracking-table-max-keys", "1kb"}},
       "ERR CONFIG SET failed (possibly related to argument 'tracking-table-max-keys') - argument couldn't be parsed into "
       "an integer"},
      {{{"proto-max-bulk-len", "1000"}},
       "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and "
       "9223372036854775807 inclusive"},
      {{{"tier-mode", "off"}}, "ERR CONFIG SET failed (possibly related to argument 'tier-mode') - can't set immutable config"},
      {{{"tier-embstr-max", "10"}},
       "ERR CONFIG SET failed (possibly related to argument 'tier-embstr-max') - can't set immutable config"},
      {{{"tier-policy", "warm"}},
       "ERR CONFIG SET failed (possibly related to argument 'tier-policy') - argument(s) must be one of the following: "
       "dram-only, static, ratio, hot"},
      {{{"tier-nvm-min-size", "2gb"}},
       "ERR CONFIG SET failed (possibly related to argument 'tier-nvm-min-size') - argument must be between 0 and "
       "1073741824 inclusive"},
      {{{"tier-nvm-node", "x"}},
       "ERR CONFIG SET failed (possibly related to argument 'tier-nvm-node') - argument must be 'auto' or a NUMA node "
       "number between 0 and 1023"},
  };
  const std::map<std::string, std::string> before = All();
  for (const auto& [pairs, want] : kCases) {
    EXPECT_EQ(SetMsg(pairs), want) << pairs[0].first;
    EXPECT_EQ(All(), before) << "a failed CONFIG SET changed something: " << pairs[0].first;
  }
}

TEST_F(ConfigTest, SetValues) {
  ASSERT_EQ(SetMsg({{"hz", "1000"}}), "OK");
  EXPECT_EQ(GetOne("hz"), "500");  // clamped like Redis's updateHZ
  ASSERT_EQ(SetMsg({{"hz", "0"}}), "OK");
  EXPECT_EQ(Config().hz, 1);
  ASSERT_EQ(SetMsg({{"MaxMemory", "10"}, {"slowlog-max-len", "5"}, {"loglevel", "warning"}}), "OK");
  EXPECT_EQ(Config().maxmemory, 10u);
  EXPECT_EQ(Config().slowlog_max_len, 5u);
  EXPECT_EQ(Config().loglevel, "warning");
  // An alias and its primary name are not duplicates; the later pair wins.
  ASSERT_EQ(SetMsg({{"slave-read-only", "no"}, {"replica-read-only", "yes"}}), "OK");
  EXPECT_TRUE(Config().replica_read_only);
  ASSERT_EQ(SetMsg({{"hash-max-ziplist-entries", "77"}}), "OK");
  EXPECT_EQ(Config().hash_max_listpack_entries, 77u);
  ASSERT_EQ(SetMsg({{"save", "100 5 10 1"}}), "OK");
  EXPECT_EQ(Config().save, (std::vector<SaveParam>{{100, 5}, {10, 1}}));
  ASSERT_EQ(SetMsg({{"save", ""}}), "OK");
  EXPECT_TRUE(Config().save.empty());
  ASSERT_EQ(SetMsg({{"bind", "127.0.0.1 ::1"}}), "OK");
  EXPECT_EQ(Config().bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  ASSERT_EQ(SetMsg({{"maxclients", "4294967295"}}), "OK");
  EXPECT_EQ(Config().maxclients, 2147483647);  // our int field saturates
  ASSERT_EQ(SetMsg({{"requirepass", "secret"}}), "OK");
  EXPECT_EQ(GetOne("requirepass"), "secret");  // Redis 7.0 shows it
  EXPECT_TRUE(Reg().IsSensitive("requirepass"));
  EXPECT_FALSE(Reg().IsSensitive("port"));
  EXPECT_TRUE(Reg().Exists("SLAVEOF"));
  EXPECT_FALSE(Reg().Exists("nosuch"));
}

TEST_F(ConfigTest, ProtectedDirWhenAllowed) {
  std::filesystem::create_directory("sub");
  Config().enable_protected_configs = "local";
  EXPECT_EQ(SetMsg({{"dir", "sub"}}), "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  ASSERT_TRUE(Reg().Set({{"dir", "sub"}}, /*from_local_client=*/true).ok());
  EXPECT_EQ(GetOne("dir"), dir_ + "/sub");
  EXPECT_EQ(Config().dir, dir_ + "/sub");
  Config().enable_protected_configs = "yes";
  EXPECT_EQ(SetMsg({{"dir", "/nonexistent/x"}}),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory");
  // A later failure puts the working directory back.
  EXPECT_EQ(SetMsg({{"dir", dir_}, {"maxmemory", "x"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
  EXPECT_EQ(std::filesystem::current_path().string(), dir_ + "/sub");
}

TEST_F(ConfigTest, SetIsAtomicAndRollsBackWhenAnApplyFails) {
  Hook("hz");
  Hook("maxmemory");
  Hook("port");
  std::vector<std::string> calls;
  Reg().OnApply("hz", [&] {
    calls.push_back("hz=" + std::to_string(Config().hz));
    return common::Status::Ok();
  });
  bool fail_port = true;
  Reg().OnApply("port", [&] {
    calls.push_back("port=" + std::to_string(Config().port));
    return fail_port ? common::Status::IoError("Unable to listen on this port. Check server logs.") : common::Status::Ok();
  });

  // A parse error in a later pair: nothing changes and no callback runs.
  EXPECT_EQ(SetMsg({{"hz", "50"}, {"maxmemory", "bad"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
  EXPECT_EQ(Config().hz, 10);
  EXPECT_TRUE(calls.empty());

  // An apply failure: every value goes back, callbacks run again with the
  // old values, and the error names the failing config.
  EXPECT_EQ(SetMsg({{"hz", "50"}, {"maxmemory", "1mb"}, {"port", "7777"}}),
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.");
  EXPECT_EQ(Config().hz, 10);
  EXPECT_EQ(Config().maxmemory, 0u);
  EXPECT_EQ(Config().port, 6379);
  EXPECT_EQ(calls, (std::vector<std::string>{"hz=50", "port=7777", "hz=10", "port=6379"}));

  // Unchanged values do not trigger their callback.
  calls.clear();
  fail_port = false;
  ASSERT_EQ(SetMsg({{"hz", "10"}, {"port", "7777"}}), "OK");
  EXPECT_EQ(calls, (std::vector<std::string>{"port=7777"}));
  EXPECT_EQ(Config().port, 7777);

  // A callback with an empty message gives Redis's short form.
  Reg().OnApply("maxmemory", [] { return common::Status::IoError(""); });
  EXPECT_EQ(SetMsg({{"maxmemory", "5"}}), "ERR CONFIG SET failed (possibly related to argument 'maxmemory')");
  EXPECT_EQ(Config().maxmemory, 0u);
}

TEST_F(ConfigTest, ValidatorsRunBeforeApply) {
  Hook("tier-nvm-node");
  int applied = 0;
  Reg().OnValidate("tier-nvm-node", [](const std::string& v) {
    return v == "auto" || v == "0" ? common::Status::Ok() : common::Status::InvalidArgument("NUMA node " + v + " does not exist");
  });
  Reg().OnApply("tier-nvm-node", [&] {
    applied++;
    return common::Status::Ok();
  });
  EXPECT_EQ(SetMsg({{"tier-nvm-node", "5"}}),
            "ERR CONFIG SET failed (possibly related to argument 'tier-nvm-node') - NUMA node 5 does not exist");
  EXPECT_EQ(Config().tier_nvm_node, -1);
  EXPECT_EQ(applied, 0);
  ASSERT_EQ(SetMsg({{"tier-nvm-node", "0"}}), "OK");
  EXPECT_EQ(Config().tier_nvm_node, 0);
  EXPECT_EQ(applied, 1);
  // Parse errors come before the validator.
  EXPECT_EQ(SetMsg({{"tier-nvm-node", "-1"}}),
            "ERR CONFIG SET failed (possibly related to argument 'tier-nvm-node') - argument must be 'auto' or a NUMA node "
            "number between 0 and 1023");
}

// ---- CONFIG REWRITE ---------------------------------------------------------

TEST_F(ConfigTest, RewriteKeepsCommentsAndReplacesInPlace) {
  const std::string path = dir_ + "/r.conf";
  Write(path,
        "# top comment\n"
        "port 7390\n"
        "\n"
        "# maxmemory comment\n"
        "maxmemory 1mb\n"
        "save 100 1\n"
        "save 200 2\n"
        "hash-max-ziplist-entries 100\n"
        "slave-read-only no\n"
        "hz 10\n"
        "hz 20\n"
        "Loglevel   verbose\n"
        "requirepass \"a b\"\n"
        "notify-keyspace-events KEA\n"
        "rename-command flushall \"\"\n"
        "list-max-ziplist-entries 5\n"
        "bind 127.0.0.1\n"
        "# Generated by CONFIG REWRITE\n");
  ASSERT_TRUE(Reg().LoadFile(path).ok());
  ASSERT_EQ(SetMsg({{"requirepass", "ab"},
                    {"maxmemory", "2097152"},
                    {"maxclients", "100"},
                    {"hash-max-listpack-entries", "300"},
                    {"client-output-buffer-limit", "pubsub 1mb 1000 10"},
                    {"loglevel", "notice"},
                    {"bind", "* -::*"}}),
            "OK");
  ASSERT_TRUE(Reg().Rewrite(path).ok());
  EXPECT_EQ(Read(path),
            "# top comment\n"
            "port 7390\n"
            "\n"
            "# maxmemory comment\n"
            "maxmemory 2mb\n"
            "save 100 1\n"
            "save 200 2\n"
            "hash-max-listpack-entries 300\n"
            "replica-read-only no\n"
            "hz 20\n"
            "\n"
            "loglevel notice\n"
            "requirepass \"ab\"\n"
            "notify-keyspace-events \"AKE\"\n"
            "rename-command flushall \"\"\n"
            "# ??? list-max-ziplist-entries 5\n"
            "\n"
            "# Generated by CONFIG REWRITE\n"
            "\n"
            "maxclients 100\n"
            "dir \"" + dir_ + "\"\n"
            "client-output-buffer-limit pubsub 1mb 1000 10\n"
            "latency-tracking-info-percentiles 50 99 99.9\n");
}

TEST_F(ConfigTest, RewriteOfAFileWithoutSignatureOrNewline) {
  const std::string path = dir_ + "/r.conf";
  Write(path, "port 7390");
  ASSERT_TRUE(Reg().LoadFile(path).ok());
  ASSERT_EQ(SetMsg({{"requirepass", ""}, {"save", ""}}), "OK");
  ASSERT_TRUE(Reg().Rewrite(path).ok());
  EXPECT_EQ(Read(path),
            "port 7390\n"
            "# Generated by CONFIG REWRITE\n"
            "dir \"" + dir_ + "\"\n"
            "save \"\"\n"
            "latency-tracking-info-percentiles 50 99 99.9\n");
  // A file that does not exist yet is created.
  ASSERT_TRUE(Reg().Rewrite(dir_ + "/new.conf").ok());
  EXPECT_NE(Read(dir_ + "/new.conf").find("# Generated by CONFIG REWRITE\n"), std::string::npos);
  EXPECT_EQ(Reg().Rewrite("").message(), "ERR The server is running without a config file");
  EXPECT_FALSE(Reg().Rewrite("/nonexistent/dir/x.conf").ok());
}

TEST_F(ConfigTest, RewriteRemovesLinesOfUnsetOptionalValues) {
  const std::string path = dir_ + "/r.conf";
  Write(path, "requirepass x\nreplicaof 1.2.3.4 6379\nunixsocket /tmp/s\nbind 10.0.0.1\n");
  ASSERT_TRUE(Reg().LoadFile(path).ok());
  ASSERT_EQ(SetMsg({{"requirepass", ""}, {"bind", "* -::*"}}), "OK");
  Config().replicaof_host.clear();
  ASSERT_TRUE(Reg().Rewrite(path).ok());
  std::string text = Read(path);
  EXPECT_EQ(text.find("requirepass"), std::string::npos);
  EXPECT_EQ(text.find("replicaof"), std::string::npos);
  EXPECT_EQ(text.find("bind"), std::string::npos);
  EXPECT_EQ(text.rfind("\nunixsocket \"/tmp/s\"\n", 0), 0u);  // in place; the blanked lines squeezed
}

// Random CONFIG SETs, then REWRITE and a fresh load must give back every
// value (CONFIG GET * as the oracle).
TEST_F(ConfigTest, RewriteRoundTripRandomized) {
  struct Gen {
    const char* name;
    std::function<std::string(std::mt19937&)> value;
  };
  auto pick = [](std::vector<std::string> v) {
    return [v](std::mt19937& r) { return v[r() % v.size()]; };
  };
  auto num = [](long long lo, long long hi) {
    return [lo, hi](std::mt19937& r) {
      return std::to_string(lo + static_cast<long long>(r() % static_cast<unsigned long long>(hi - lo + 1)));
    };
  };
  auto mem = [](std::mt19937& r) {
    const char* units[] = {"", "kb", "mb", "gb", "k", "b"};
    return std::to_string(r() % 64 + 1) + units[r() % 6];
  };
  const std::vector<Gen> gens = {
      {"hz", num(1, 500)},
      {"maxmemory", mem},
      {"proto-max-bulk-len", [](std::mt19937& r) { return std::to_string(r() % 16 + 1) + "mb"; }},
      {"timeout", num(0, 1000)},
      {"list-max-listpack-size", num(-5, 1000)},
      {"slowlog-log-slower-than", num(-1, 100000)},
      {"appendonly", pick({"yes", "no"})},
      {"slave-read-only", pick({"yes", "no"})},
      {"maxmemory-policy", pick({"allkeys-lru", "volatile-ttl", "noeviction", "allkeys-lfu"})},
      {"loglevel", pick({"debug", "verbose", "notice", "warning"})},
      {"requirepass", pick({"", "p w\"d", "x\ny", "plain"})},
      {"masterauth", pick({"", "m\\a"})},
      {"save", pick({"", "1 1", "3600 1 300 100 60 10000", "10 0 20 5"})},
      {"bind", pick({"* -::*", "127.0.0.1", "127.0.0.1 ::1", ""})},
      {"client-output-buffer-limit", pick({"normal 1mb 2 3", "replica 0 0 0", "pubsub 32mb 8mb 60", "slave 3kb 1000 5"})},
      {"notify-keyspace-events", pick({"", "KEA", "Ex", "mK", "gE"})},
      {"latency-tracking-info-percentiles", pick({"", "50", "99.9 99.99", "50 99 99.9"})},
      {"oom-score-adj-values", pick({"0 200 800", "-5 0 1000"})},
      {"maxmemory-clients", pick({"0", "10%", "5mb", "100%"})},
      {"shutdown-on-sigterm", pick({"default", "nosave now", "force"})},
      {"tier-policy", pick({"static", "dram-only"})},
      {"tier-nvm-min-size", [](std::mt19937& r) { return std::to_string(r() % 1024) + (r() % 2 ? "kb" : ""); }},
      {"tier-nvm-node", pick({"auto", "0", "2"})},
      {"dbfilename", pick({"dump.rdb", "x y.rdb"})},
      {"hash-max-ziplist-value", mem},
  };
  Config().enable_protected_configs = "yes";
  std::mt19937 rng(42);
  const std::string path = dir_ + "/round.conf";
  for (int iter = 0; iter < 60; iter++) {
    Config() = ServerConfig{};
    Config().enable_protected_configs = "yes";
    Write(path, "# keep me\nport 7000\nhz 99\nsave 1 1\nsave 2 2\n\n# and me\nenable-protected-configs yes\n");
    ASSERT_TRUE(Reg().LoadFile(path).ok());
    for (int k = 0; k < 8; k++) {
      const Gen& g = gens[rng() % gens.size()];
      std::string v = g.value(rng);
      ASSERT_EQ(SetMsg({{g.name, v}}), "OK") << g.name << " " << v;
    }
    std::map<std::string, std::string> want = All();
    ASSERT_TRUE(Reg().Rewrite(path).ok());
    std::string text = Read(path);
    EXPECT_EQ(text.rfind("# keep me\n", 0), 0u);
    EXPECT_NE(text.find("# and me\n"), std::string::npos);
    Config() = ServerConfig{};
    ASSERT_TRUE(Reg().LoadFile(path).ok()) << text;
    EXPECT_EQ(All(), want) << text;
    // Rewriting again keeps every value. (The text itself may still move:
    // Redis reuses the first client-output-buffer-limit line for the first
    // class and appends the others, and keeps the blank line that follows
    // a final newline; we do the same.)
    for (int again = 0; again < 2; again++) {
      ASSERT_TRUE(Reg().Rewrite(path).ok());
      Config() = ServerConfig{};
      ASSERT_TRUE(Reg().LoadFile(path).ok());
      EXPECT_EQ(All(), want) << Read(path);
    }
  }
}

// config_fuzz: `save 100 1555...5` loaded (the count stored in an int
// became -1, as in Redis), and CONFIG REWRITE then wrote `save 100 -1`,
// which no load accepts: the rewritten file did not load. A changes count
// above INT_MAX is now refused (config.cc SaveDirective); INT_MAX itself
// round-trips.
TEST_F(ConfigTest, SaveChangesAboveIntMaxAreRefused) {
  for (const char* changes : {"2147483648", "4294967301", "1555555555555555555555555555"}) {
    EXPECT_EQ(LoadMsg(std::string("save 100 ") + changes + "\n"),
              std::string("Reading the configuration file, at line 1\n>>> 'save 100 ") + changes +
                  "'\nInvalid save parameters");
    EXPECT_EQ(SetMsg({{"save", std::string("100 ") + changes}}),
              "ERR CONFIG SET failed (possibly related to argument 'save') - Invalid save parameters");
  }
  const std::string path = dir_ + "/save.conf";
  Write(path, "save 100 2147483647\n");
  ASSERT_TRUE(Reg().LoadFile(path).ok());
  ASSERT_TRUE(Reg().Rewrite(path).ok());
  Config() = ServerConfig{};
  ASSERT_TRUE(Reg().LoadFile(path).ok()) << Read(path);
  EXPECT_EQ(GetOne("save"), "100 2147483647");
}

}  // namespace
}  // namespace server
