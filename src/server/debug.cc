// The DEBUG subcommands operators and test suites use beyond the basics in
// server_cmds.cc: DIGEST and DIGEST-VALUE (server/digest.h), PROTOCOL, the
// crashes (SEGFAULT, ASSERT, PANIC: server/crash.h), PAUSE-CRON,
// SET-SKIP-CHECKSUM-VALIDATION, LISTPACK and QUICKLIST (structure dumps on
// standard output, as Redis prints them), HTSTATS-KEY, STRINGMATCH-TEST,
// MALLCTL and MALLCTL-STR (jemalloc), REPLYBUFFER, POPULATE, LEAK and
// STRUCTSIZE. Replies and errors are Redis 7.0's.
#include "server/debug.h"

#include <fcntl.h>
#include <jemalloc/jemalloc.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "alloc/nvm_arena.h"
#include "alloc/zmalloc.h"
#include "commands/client.h"
#include "commands/state.h"
#include "common/log.h"
#include "common/macros.h"
#include "common/util.h"
#include "db/db.h"
#include "ds/dict.h"
#include "ds/listpack.h"
#include "ds/quicklist.h"
#include "ds/sds.h"
#include "object/list_type.h"
#include "object/object.h"
#include "object/set_type.h"
#include "object/zset_type.h"
#include "persist/dump.h"
#include "server/config.h"
#include "server/crash.h"
#include "server/digest.h"
#include "server/maxmemory.h"
#include "server/server.h"

namespace server {

using commands::ArgIs;
using commands::Client;

namespace {

constexpr char kNoSuchKey[] = "ERR no such key";

bool g_cron_paused = false;
// DEBUG REPLYBUFFER's settings (Redis's reply_buffer_peak_reset_time,
// default 5000 ms, and reply_buffer_resizing_enabled). Kept and accepted;
// our reply buffers are plain strings that the writer trims by itself.
constexpr long kDefaultPeakResetMs = 5000;
long g_reply_peak_reset_ms = kDefaultPeakResetMs;
bool g_reply_resizing = true;

// The value at key without touching its access time (Redis's
// objectCommandLookupOrReply), or nullptr after replying "no such key".
const object::Object* LookupOrReply(Client& c, std::string_view key) {
  ds::DictEntry* de = c.db->FindEntry(key);
  if (de == nullptr) {
    c.AddError(kNoSuchKey);
    return nullptr;
  }
  return db::EntryValue(de);
}

// Redis's lpRepr, to standard output: each entry's place, size, bytes and
// value.
void PrintListpack(const unsigned char* lp) {
  printf("{total bytes %zu} {num entries %zu}\n", ds::LpBytes(lp), ds::LpLength(lp));
  const unsigned char* end = lp + ds::LpBytes(lp) - 1;  // the end marker
  int index = 0;
  for (unsigned char* p = ds::LpFirst(lp); p != nullptr; index++) {
    unsigned char* next = ds::LpNext(lp, p);
    size_t size = static_cast<size_t>((next ? next : end) - p);
    printf("{\n\taddr: 0x%08" PRIxPTR ",\n\tindex: %2d,\n\toffset: %1zu,\n\thdr+entrylen+backlen: %2zu,\n",
           reinterpret_cast<uintptr_t>(p), index, static_cast<size_t>(p - lp), size);
    printf("\tbytes: ");
    for (size_t i = 0; i < size; i++) printf("%02x|", p[i]);
    char buf[common::kInt64BufSize];
    std::string_view v = ds::LpGetView(p, buf);
    printf("\n\t[str]%.*s%s\n}\n", static_cast<int>(v.size() > 40 ? 40 : v.size()), v.data(),
           v.size() > 40 ? "..." : "");
    p = next;
  }
  printf("{end}\n\n");
}

// Redis's quicklistRepr: the list's header, and with full each node and
// its listpack.
void PrintQuicklist(const ds::Quicklist* ql, bool full) {
  printf("{quicklist }\n{count : %zu}\n{len : %zu}\n{fill : %d}\n{compress : %d}\n{bookmark_count : 0}\n",
         ql->count(), ql->len(), ql->fill(), ql->compress());
  if (!full) {
    fflush(stdout);
    return;
  }
  int i = 0;
  for (const ds::Quicklist::Node* n = ql->head(); n != nullptr; n = n->next, i++) {
    bool packed = n->container == ds::Quicklist::Container::kPacked;
    printf("{quicklist node(%d)\n{container : %s, encoding: RAW, size: %zu, count: %u, recompress: 0, "
           "attempted_compress: 0}\n",
           i, packed ? "PACKED" : "PLAIN", n->sz, n->count);
    if (packed) PrintListpack(n->entry);
    printf("}\n");
  }
  fflush(stdout);
}

// The dict behind a value, for HTSTATS-KEY: hashtable sets and hashes, and
// a skiplist zset's member index.
ds::Dict* ValueDict(const object::Object* o) {
  switch (o->GetEncoding()) {
    case object::Encoding::kHashtable: return static_cast<ds::Dict*>(o->ptr);
    case object::Encoding::kSkiplist: return object::ZsetDict(const_cast<object::Object*>(o));
    default: return nullptr;
  }
}

// DEBUG STRINGMATCH-TEST: random patterns against random strings, to show
// the glob matcher neither crashes nor runs away (Redis's
// stringmatchlen_fuzz_test). Fixed seed, bounded work.
void StringmatchTest() {
  constexpr int kRounds = 100000;
  constexpr size_t kMaxLen = 32;
  std::mt19937 rng(1234);
  // Bytes the matcher treats specially, and a few plain ones.
  static const char kAlphabet[] = "*?[]\\^-abc";
  auto random_text = [&rng]() {
    std::string s(rng() % kMaxLen, ' ');
    for (char& ch : s) ch = rng() % 2 ? kAlphabet[rng() % (sizeof(kAlphabet) - 1)] : static_cast<char>(rng() % 256);
    return s;
  };
  for (int i = 0; i < kRounds; i++) {
    std::string pattern = random_text();
    std::string str = random_text();
    (void)common::GlobMatch(pattern, str, i % 2 == 0);
  }
}

// jemalloc's mallctl for DEBUG MALLCTL: an integer read (and write, with a
// value), trying 64, 32 and 8-bit sizes as Redis's mallctl_int does. In
// names, "arena.nvm." and "arenas.nvm." stand for the NVM tier's arena.
std::string MallctlName(std::string_view name) {
  std::string n(name);
  for (const char* prefix : {"arena.nvm.", "stats.arenas.nvm."}) {
    size_t plen = strlen(prefix);
    if (n.compare(0, plen, prefix) == 0)
      n = std::string(prefix, plen - 4) + std::to_string(alloc::nvm::ArenaIndex()) + "." + n.substr(plen);
  }
  return n;
}

void MallctlInt(Client& c) {
  std::string name = MallctlName(c.argv[2]);
  bool set = c.argv.size() > 3;
  int64_t val = 0;
  if (set && !commands::GetInt64OrReply(c, c.argv[3], &val)) return;
  int64_t old = 0;
  for (size_t sz = sizeof(old); sz > 0; sz /= 2) {
    size_t oldlen = sz;
    int ret = mallctl(name.c_str(), &old, &oldlen, set ? &val : nullptr, set ? sz : 0);
    if (ret == 0) {
      // Little endian: the low bytes hold the smaller value.
      if (sz < sizeof(old)) old &= static_cast<int64_t>((uint64_t{1} << (8 * sz)) - 1);
      c.reply.Integer(old);
      return;
    }
    if (ret == EPERM && set) {  // write-only
      ret = mallctl(name.c_str(), nullptr, nullptr, &val, sz);
      if (ret == 0) {
        c.reply.Ok();
        return;
      }
    }
    if (ret != EINVAL) {
      c.AddErrorFormat("ERR %s", strerror(ret));
      return;
    }
  }
  c.AddErrorFormat("ERR %s", strerror(EINVAL));
}

void MallctlStr(Client& c) {
  std::string name = MallctlName(c.argv[2]);
  const char* old = nullptr;
  size_t sz = sizeof(old);
  int rret = mallctl(name.c_str(), &old, &sz, nullptr, 0);
  bool set = c.argv.size() > 3;
  if (rret != 0 && !(rret == EPERM && set)) {
    c.AddErrorFormat("ERR %s", strerror(rret));
    return;
  }
  int wret = 0;
  if (set) {
    std::string val(c.argv[3]);
    const char* vp = val.c_str();
    // "VOID" writes nothing but still triggers the control (e.g. a flush).
    wret = val == "VOID" ? mallctl(name.c_str(), nullptr, nullptr, nullptr, 0)
                         : mallctl(name.c_str(), nullptr, nullptr, &vp, sizeof(vp));
  }
  if (rret == 0) {
    c.reply.Bulk(old ? old : "");
  } else if (wret != 0) {
    c.AddErrorFormat("ERR %s", strerror(wret));
  } else {
    c.reply.Ok();
  }
}

// DEBUG POPULATE <count> [<prefix>] [<size>]: keys prefix:N holding
// "value:N" (cut or zero-padded to size bytes), skipping keys that exist.
// Not propagated, as in Redis.
void Populate(Client& c) {
  int64_t keys;
  if (!commands::GetPositiveInt64OrReply(c, c.argv[2], &keys)) return;
  int64_t valsize = 0;
  if (c.argv.size() == 5 && !commands::GetPositiveInt64OrReply(c, c.argv[4], &valsize)) return;
  std::string prefix = c.argv.size() >= 4 ? std::string(c.argv[3]) : "key";
  for (int64_t j = 0; j < keys; j++) {
    std::string key = prefix + ":" + std::to_string(j);
    if (c.db->LookupWrite(key) != nullptr) continue;
    std::string val = "value:" + std::to_string(j);
    if (valsize > 0) val.resize(static_cast<size_t>(valsize), '\0');
    c.db->Add(key, object::CreateString(val));
    commands::SignalModifiedKey(c, *c.db, key);
  }
  c.reply.Ok();
}

// DEBUG CLIENT-EVICTION: the clients client eviction may close, by memory
// in power-of-two buckets, in Redis's layout (its CLIENT_MEM_USAGE_BUCKET_*:
// 32 KiB and below, then one bucket per power of two, 8 GiB and above).
void ClientEvictionBuckets(Client& c) {
  constexpr int kMinLog = 15;
  constexpr int kMaxLog = 33;
  constexpr int kBuckets = kMaxLog - kMinLog + 1;
  if (ClientEvictionLimit() == 0) {
    c.AddError("ERR maxmemory-clients is disabled.");
    return;
  }
  size_t mem[kBuckets] = {};
  size_t count[kBuckets] = {};
  for (const auto& [id, cl] : Runtime().clients) {
    if (cl->flags & commands::kClientNoEvict) continue;
    size_t m = cl->mem_usage;
    int bits = m > 0 ? 64 - __builtin_clzl(m) : 0;
    int b = std::min(std::max(bits, kMinLog), kMaxLog) - kMinLog;
    mem[b] += m;
    count[b]++;
  }
  std::string out;
  char line[128];
  for (int j = 0; j < kBuckets; j++) {
    if (j == 0) {
      out += "bucket          0";
    } else {
      snprintf(line, sizeof(line), "bucket %10zu", size_t{1} << (j - 1 + kMinLog));
      out += line;
    }
    if (j == kBuckets - 1) {
      out += "+            : ";
    } else {
      snprintf(line, sizeof(line), " - %10zu: ", (size_t{1} << (j + kMinLog)) - 1);
      out += line;
    }
    snprintf(line, sizeof(line), "tot-mem: %10zu, clients: %zu\n", mem[j], count[j]);
    out += line;
  }
  c.reply.Verbatim(out, "txt");
}

// DEBUG PROTOCOL <type>: one reply of each RESP3 type with Redis's values,
// for client library tests.
void DebugProtocol(Client& c) {
  std::string_view name = c.argv[2];
  auto& r = c.reply;
  if (ArgIs(name, "string")) {
    r.Bulk("Hello World");
  } else if (ArgIs(name, "integer")) {
    r.Integer(12345);
  } else if (ArgIs(name, "double")) {
    r.Double(3.141);
  } else if (ArgIs(name, "bignum")) {
    r.BigNumber("1234567999999999999999999999999999999");
  } else if (ArgIs(name, "null")) {
    r.Null();
  } else if (ArgIs(name, "array") || ArgIs(name, "set")) {
    if (ArgIs(name, "array")) {
      r.ArrayHeader(3);
    } else {
      r.SetHeader(3);
    }
    for (int j = 0; j < 3; j++) r.Integer(j);
  } else if (ArgIs(name, "map")) {
    r.MapHeader(3);
    for (int j = 0; j < 3; j++) {
      r.Integer(j);
      r.Bool(j == 1);
    }
  } else if (ArgIs(name, "attrib")) {
    // An attribute is no reply of its own: a real reply follows it.
    if (c.resp >= 3) {
      r.Raw("|1\r\n");
      r.Bulk("key-popularity");
      r.ArrayHeader(2);
      r.Bulk("key:123");
      r.Integer(90);
    }
    r.Bulk("Some real reply following the attribute");
  } else if (ArgIs(name, "push")) {
    if (c.resp < 3) {
      c.AddError("ERR RESP2 is not supported by this command");
      return;
    }
    // A push is out of band: a normal reply follows for the caller waiting.
    r.PushHeader(2);
    r.Bulk("server-cpu-usage");
    r.Integer(42);
    r.Bulk("Some real reply following the push reply");
  } else if (ArgIs(name, "true") || ArgIs(name, "false")) {
    r.Bool(ArgIs(name, "true"));
  } else if (ArgIs(name, "verbatim")) {
    r.Verbatim("This is a verbatim\nstring", "txt");
  } else {
    c.AddError(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

}  // namespace

bool& CronPaused() { return g_cron_paused; }

namespace {

std::string g_executable;             // absolute (/proc/self/exe)
std::vector<std::string> g_exec_argv;  // the original command line

// Redis's restartServer: optionally rewrite the config and shut down as
// SHUTDOWN does, close every descriptor but stdin/out/err, wait `delay_ms`,
// then exec the same binary with the same arguments (same pid). Returns
// only on failure.
void RestartServer(bool graceful, int64_t delay_ms) {
  if (g_executable.empty() || access(g_executable.c_str(), X_OK) != 0) {
    LOG_WARNING("Can't restart: this process has no permissions to execute %s", g_executable.c_str());
    return;
  }
  const std::string& config_file = Runtime().config_file;
  if (graceful && !config_file.empty()) {
    common::Status s = ConfigRegistry::Get().Rewrite(config_file);
    if (!s.ok()) {
      LOG_WARNING("Can't restart: configuration rewrite process failed: %s", s.message().c_str());
      return;
    }
  }
  if (graceful && !PrepareForShutdown(false, false, false)) {
    LOG_WARNING("Can't restart: error preparing for shutdown");
    return;
  }
  // maxclients + 1024 bounds the descriptors we may hold (as Redis's loop).
  int limit = Config().maxclients + 1024;
  for (int fd = 3; fd < limit; fd++)
    if (fcntl(fd, F_GETFD) != -1) close(fd);
  if (delay_ms > 0) usleep(static_cast<useconds_t>(delay_ms * 1000));
  std::vector<char*> argv;
  for (std::string& a : g_exec_argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  execve(g_executable.c_str(), argv.data(), environ);
  _exit(1);  // nothing left to return to
}

}  // namespace

void SaveExecArgv(int argc, char** argv) {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  g_executable = n > 0 ? std::string(path, static_cast<size_t>(n)) : std::string(argv[0]);
  g_exec_argv.assign(argv, argv + argc);
  // A relative config file would not be found from the new working
  // directory (dir): run it by its absolute path.
  if (argc > 1 && argv[1][0] != '-' && argv[1][0] != '/') {
    char* abs = realpath(argv[1], nullptr);
    if (abs != nullptr) {
      g_exec_argv[1] = abs;
      free(abs);
    }
  }
}

int& AofFlushSleepUs() {
  static int us = 0;
  return us;
}

bool DebugOpsCommand(Client& c) {
  std::string_view sub = c.argv[1];
  size_t argc = c.argv.size();
  if (ArgIs(sub, "digest") && argc == 2) {
    c.reply.SimpleString(DatasetDigestHex());
  } else if (ArgIs(sub, "digest-value")) {
    c.reply.ArrayHeader(argc - 2);
    for (size_t j = 2; j < argc; j++) c.reply.SimpleString(ValueDigestHex(*c.db, c.argv[j]));
  } else if (ArgIs(sub, "protocol") && argc == 3) {
    DebugProtocol(c);
  } else if (ArgIs(sub, "aof-flush-sleep") && argc == 3) {
    AofFlushSleepUs() = atoi(std::string(c.argv[2]).c_str());  // atoi, as Redis
    c.reply.Ok();
  } else if (ArgIs(sub, "pause-cron") && argc == 3) {
    g_cron_paused = atoi(std::string(c.argv[2]).c_str()) != 0;  // atoi, as Redis
    c.reply.Ok();
  } else if (ArgIs(sub, "set-skip-checksum-validation") && argc == 3) {
    persist::SkipChecksumValidation() = atoi(std::string(c.argv[2]).c_str()) != 0;
    c.reply.Ok();
  } else if (ArgIs(sub, "listpack") && argc == 3) {
    const object::Object* o = LookupOrReply(c, c.argv[2]);
    if (o == nullptr) return true;
    if (o->GetEncoding() != object::Encoding::kListpack) {
      c.AddError("ERR Not a listpack encoded object.");
    } else {
      PrintListpack(static_cast<const unsigned char*>(o->ptr));
      fflush(stdout);
      c.reply.SimpleString("Listpack structure printed on stdout");
    }
  } else if (ArgIs(sub, "quicklist") && (argc == 3 || argc == 4)) {
    const object::Object* o = LookupOrReply(c, c.argv[2]);
    if (o == nullptr) return true;
    bool full = argc == 4 && atoi(std::string(c.argv[3]).c_str()) != 0;
    if (o->GetEncoding() != object::Encoding::kQuicklist) {
      c.AddError("ERR Not a quicklist encoded object.");
    } else {
      PrintQuicklist(object::ListQl(o), full);
      c.reply.SimpleString("Quicklist structure printed on stdout");
    }
  } else if (ArgIs(sub, "htstats-key") && argc == 3) {
    const object::Object* o = LookupOrReply(c, c.argv[2]);
    if (o == nullptr) return true;
    ds::Dict* d = ValueDict(o);
    if (d == nullptr) {
      c.AddError("ERR The value stored at the specified key is not represented using an hash table");
    } else {
      c.reply.Verbatim(d->StatsText(), "txt");
    }
  } else if (ArgIs(sub, "stringmatch-test") && argc == 2) {
    StringmatchTest();
    c.reply.SimpleString("Apparently Redis did not crash: test passed");
  } else if (ArgIs(sub, "mallctl") && argc >= 3) {
    MallctlInt(c);
  } else if (ArgIs(sub, "mallctl-str") && argc >= 3) {
    MallctlStr(c);
  } else if (ArgIs(sub, "replybuffer") && argc == 4) {
    std::string_view what = c.argv[2], v = c.argv[3];
    if (ArgIs(what, "peak-reset-time")) {
      if (ArgIs(v, "never")) {
        g_reply_peak_reset_ms = -1;
      } else if (ArgIs(v, "reset")) {
        g_reply_peak_reset_ms = kDefaultPeakResetMs;
      } else {
        int64_t ms;
        if (!commands::GetInt64OrReply(c, v, &ms)) return true;
        g_reply_peak_reset_ms = static_cast<long>(ms);
      }
    } else if (ArgIs(what, "resizing")) {
      g_reply_resizing = atoi(std::string(v).c_str()) != 0;
    } else {
      commands::AddSubcommandSyntaxError(c);
      return true;
    }
    c.reply.Ok();
  } else if (ArgIs(sub, "populate") && argc >= 3 && argc <= 5) {
    Populate(c);
  } else if (ArgIs(sub, "client-eviction") && argc == 2) {
    ClientEvictionBuckets(c);
  } else if (ArgIs(sub, "sdslen") && argc == 3) {
    ds::DictEntry* de = c.db->FindEntry(c.argv[2]);
    if (de == nullptr) {
      c.AddError(kNoSuchKey);
      return true;
    }
    const object::Object* o = db::EntryValue(de);
    if (o->GetType() != object::Type::kString || o->GetEncoding() == object::Encoding::kInt) {
      c.AddError("ERR Not an sds encoded string.");
      return true;
    }
    // The key lives inside its dict entry here (one DRAM allocation per
    // key): key_zmalloc is that entry's size. The value's sds is its own
    // allocation (raw, or an in-entry embstr's short string).
    ds::sds key = db::EntryKeySds(de);
    auto val = static_cast<ds::sds>(o->ptr);
    char buf[256];
    snprintf(buf, sizeof(buf),
             "key_sds_len:%zu, key_sds_avail:%zu, key_zmalloc: %zu, val_sds_len:%zu, val_sds_avail:%zu, "
             "val_zmalloc: %zu",
             ds::SdsLen(key), ds::SdsAvail(key), db::EntryBytes(de), ds::SdsLen(val), ds::SdsAvail(val),
             ds::SdsAllocSize(val));
    c.reply.SimpleString(buf);
  } else if (ArgIs(sub, "leak") && argc == 3) {
    // Deliberately never freed: for leak checkers' tests.
    (void)ds::SdsNew(c.argv[2], ds::SdsUse::kMeta);
    c.reply.Ok();
  } else if (ArgIs(sub, "structsize") && argc == 2) {
    std::string sizes = "bits:64 robj:" + std::to_string(sizeof(object::Object)) +
                        " dictentry:" + std::to_string(sizeof(ds::DictEntry)) + " ";
    c.reply.Bulk(sizes);
  } else if (ArgIs(sub, "config-rewrite-force-all") && argc == 2) {
    common::Status s = ConfigRegistry::Get().Rewrite(Runtime().config_file, /*force_all=*/true);
    if (s.ok()) {
      c.reply.Ok();
    } else {
      std::string why = s.message();
      if (why.rfind("ERR ", 0) == 0) why = why.substr(4);
      c.AddError("ERR CONFIG-REWRITE-FORCE-ALL failed: " + why);
    }
  } else if (ArgIs(sub, "restart") || ArgIs(sub, "crash-and-recover")) {
    int64_t delay = 0;
    if (argc >= 3) {
      if (!commands::GetInt64OrReply(c, c.argv[2], &delay)) return true;
      if (delay < 0) delay = 0;
    }
    RestartServer(ArgIs(sub, "restart"), delay);
    c.AddError("ERR failed to restart the server. Check server logs.");
  } else if (ArgIs(sub, "oom")) {
    // An allocation no allocator can serve: the out-of-memory report.
    volatile size_t huge = SIZE_MAX;
    alloc::Free(alloc::Meta(huge));
    c.reply.Ok();
  } else if (ArgIs(sub, "segfault")) {
    CrashBySegfault();
  } else if (ArgIs(sub, "panic")) {
    common::Panic("DEBUG PANIC called at Unix time %lld", static_cast<long long>(time(nullptr)));
  } else if (ArgIs(sub, "assert")) {
    // As Redis's serverAssertWithInfo: the client's context first.
    LOG_WARNING("=== ASSERTION FAILED CLIENT CONTEXT ===");
    LOG_WARNING("client->flags = %llu", static_cast<unsigned long long>(c.flags));
    LOG_WARNING("client->argc = %zu", argc);
    for (size_t j = 0; j < argc; j++)
      LOG_WARNING("client->argv[%zu] = \"%.*s\" (refcount: 1)", j, static_cast<int>(c.argv[j].size()),
                  c.argv[j].data());
    common::AssertFailed("1 == 2", __FILE__, __LINE__);
  } else {
    return false;
  }
  return true;
}

}  // namespace server
