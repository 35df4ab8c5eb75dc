#include "script/lua_vm.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <lua-bitop.h>
#include <lua-cjson.h>
}

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "alloc/zmalloc.h"
#include "commands/acl_check.h"
#include "commands/dispatch.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "commands/tracking.h"
#include "commands/version.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "script/lua_libs.h"
#include "script/lua_reply.h"
#include "script/sha1.h"

namespace script {
namespace {

// Registry fields of each VM.
constexpr const char* kRealGlobals = "__td_globals";  // the real globals behind the proxy
constexpr const char* kProxyMark = "__td_readonly";   // in the metatable of every read-only proxy
constexpr const char* kLoadGlobals = "__td_load_globals";  // what FUNCTION LOAD's code sees as globals

// How long a library's code may run at FUNCTION LOAD (Redis's
// LOAD_TIMEOUT_MS).
constexpr int64_t kLoadTimeoutMs = 500;

// How often (in Lua VM instructions) a running script looks at the clock,
// the kill flag and, once busy, serves other clients: Redis's value, about a
// millisecond of plain Lua on current hardware.
constexpr int kHookInstructions = 100000;

// The -BUSY texts of Redis 7.0 (processCommand).
constexpr const char* kBusyScript =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
constexpr const char* kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

// ---- math.random as Redis: its own 48-bit LCG (the lrand48 recurrence)
// from lrand48's default state, shared by every script of a server run and
// never reseeded but by math.randomseed: each server run draws the same
// sequence. (Redis 7.0 replicates effects, so scripts need not repeat
// their numbers on replicas.) ----
uint64_t g_rand48 = 0x1234ABCD330EULL;
constexpr uint64_t kRandMul = 0x5DEECE66DULL;
constexpr uint64_t kRandAdd = 0xB;
constexpr uint64_t kRandMask = (uint64_t{1} << 48) - 1;
constexpr int32_t kRandMax = INT32_MAX;

void Srand48(int32_t seed) { g_rand48 = (uint64_t{static_cast<uint32_t>(seed)} << 16) | 0x330E; }
int32_t Lrand48() {
  g_rand48 = (kRandMul * g_rand48 + kRandAdd) & kRandMask;
  return static_cast<int32_t>(g_rand48 >> 17);
}

int MathRandom(lua_State* L) {
  lua_Number r = static_cast<lua_Number>(Lrand48() % kRandMax) / static_cast<lua_Number>(kRandMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  Srand48(luaL_checkint(L, 1));
  return 0;
}

// ---- the run in progress ----
struct ActiveRun {
  const RunSpec* spec = nullptr;
  RunState state;
  int resp = 2;  // redis.setresp
  LuaVm* vm = nullptr;
  bool pre_oom = false;  // over maxmemory when the script started
  bool hit_heap_limit = false;
};
ActiveRun* g_run = nullptr;
LoadContext* g_load = nullptr;

commands::Client& ScriptClient() {
  static commands::Client* c = [] {
    auto* sc = new commands::Client();
    sc->flags |= commands::kClientDenyBlocking | commands::kClientScript;
    sc->authenticated = true;
    sc->addr = "lua";  // MONITOR shows its commands as "[<db> lua]", as Redis
    return sc;
  }();
  return *c;
}

// Pushes Redis's error table {err = "<CODE> <msg>"} (luaPushErrorBuff): a
// message starting with '-' carries its own code, others get ERR.
void PushErrorTable(lua_State* L, std::string_view msg) {
  // Static: pushing may raise Lua's memory error, a longjmp that must not
  // skip a destructor.
  static std::string final_msg;
  std::string_view code = "ERR";
  std::string_view text = msg;
  if (!msg.empty() && msg[0] == '-') {
    size_t sp = msg.find(' ');
    if (sp == std::string_view::npos) {
      text = msg.substr(1);
    } else {
      code = msg.substr(1, sp - 1);
      text = msg.substr(sp + 1);
    }
  }
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.remove_suffix(1);
  final_msg.assign(code);
  final_msg += ' ';
  final_msg.append(text);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, final_msg.data(), final_msg.size());
  lua_rawset(L, -3);
}

// ---- redis.call / redis.pcall ----

// Formats the arguments of redis.call; false (error table pushed) when one
// is neither a string nor a number.
bool CollectArgs(lua_State* L, std::vector<std::string>* argv) {
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return false;
  }
  argv->reserve(static_cast<size_t>(argc));
  for (int j = 1; j <= argc; j++) {
    if (lua_type(L, j) == LUA_TNUMBER) {
      // Redis formats numbers with %.17g (so 0.1 is "0.10000000000000001").
      char buf[64];
      int n = snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, j)));
      argv->emplace_back(buf, static_cast<size_t>(n));
    } else if (lua_type(L, j) == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, j, &len);
      argv->emplace_back(s, len);
    } else {
      PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
      return false;
    }
  }
  return true;
}

// The checks of Redis 7.0's scriptCall. Returns the error (luaPushErrorBuff
// form) or an empty string when the command may run.
std::string CheckCommand(const commands::CommandSpec* cmd, size_t argc) {
  if (cmd == nullptr) return "Unknown Redis command called from script";
  int a = cmd->arity;
  if ((a > 0 && static_cast<size_t>(a) != argc) || (a < 0 && argc < static_cast<size_t>(-a)))
    return "Wrong number of args calling Redis command from script";
  uint32_t flags = cmd->flags | (cmd->parent ? cmd->parent->flags : 0);
  if (flags & commands::kNoScript) return "This Redis command is not allowed from script";
  const RunSpec& spec = *g_run->spec;
  commands::State& s = commands::GetState();
  if (flags & commands::kWrite) {
    if (spec.ro || (spec.flags & kScriptNoWrites)) return "-ERR Write commands are not allowed from read-only scripts.";
    if (s.disk_error != nullptr) {
      if (const char* e = s.disk_error()) return std::string("-") + e;
    }
  }
  // Over maxmemory when the script started, and it has not written yet: a
  // command that may grow memory is refused (a script that already wrote
  // must go on, or it would not be atomic).
  if (!(spec.flags & kScriptAllowOom) && s.maxmemory && !g_run->state.wrote && g_run->pre_oom &&
      (flags & commands::kDenyOom))
    return std::string("-") + commands::err::kOom;
  return {};
}

// Runs one command for redis.call (raise) or redis.pcall. Pushes the reply,
// or an error table. Returns -1 when that error must be raised.
int DoRedisCall(lua_State* L, bool raise) {
  if (g_run == nullptr) {
    PushErrorTable(L, "redis.call/pcall can only be called inside a script invocation");
    return -1;
  }
  // Static, as everything this function keeps while it calls into Lua: a
  // Lua error (out of memory under the heap limit) is a longjmp that must
  // not skip a destructor. redis.call never nests (EVAL is no-script).
  static std::vector<std::string> args;
  static std::string err;
  args.clear();
  if (!CollectArgs(L, &args)) return raise ? -1 : 1;
  commands::Client& sc = ScriptClient();
  sc.argv.assign(args.begin(), args.end());
  const commands::CommandSpec* container = nullptr;
  const commands::CommandSpec* cmd = commands::Registry::Get().Lookup(sc.argv, &container);
  err = CheckCommand(cmd, sc.argv.size());
  if (err.empty()) {
    // The script runs with its caller's ACL user (Redis's scriptVerifyACL).
    sc.user = g_run->spec->caller->user;
    int errpos = 0;
    acl::Denied d = commands::CheckCommandPermission(sc.user, *cmd, sc.argv, &errpos);
    if (d != acl::Denied::kOk) {
      sc.cmd = cmd;
      commands::AddAclLogEntry(sc, d, acl::LogContext::kLua, errpos, {}, {}, g_run->spec->caller);
      err = d == acl::Denied::kCommand ? "The user executing the script can't run this command or subcommand"
            : d == acl::Denied::kKey
                ? "The user executing the script can't access at least one of the keys mentioned in the command "
                  "arguments"
                : "The user executing the script can't publish to the channel mentioned in the command";
    }
  }
  if (!err.empty()) {
    sc.argv.clear();
    PushErrorTable(L, err);
    return raise ? -1 : 1;
  }
  uint32_t flags = cmd->flags | (cmd->parent ? cmd->parent->flags : 0);
  if (flags & commands::kWrite) g_run->state.wrote = true;
  // A big reply's buffer is not kept for the next command's (the previous
  // reply was converted already).
  constexpr size_t kKeptReplyBuffer = 64 * 1024;
  if (sc.outbuf.capacity() > kKeptReplyBuffer) {
    std::string().swap(sc.outbuf);
  } else {
    sc.outbuf.clear();
  }
  sc.out_pos = 0;
  sc.reply.SetProtocol(g_run->resp);
  sc.resp = g_run->resp;
  commands::Call(sc, cmd);
  // Client-side caching: a read in a script makes the caller track the
  // script's declared keys (Redis 7.0 remembers the caller's own keys).
  commands::Client& caller = *g_run->spec->caller;
  if ((flags & commands::kReadonly) && (caller.flags & commands::kClientTracking) &&
      !(caller.flags & commands::kClientTrackingBcast))
    commands::TrackingRememberKeys(caller);
  sc.argv.clear();
  const char* p = sc.outbuf.data();
  const char* end = p + sc.outbuf.size();
  bool is_error = false;
  if (!PushResp(L, p, end, &is_error)) {
    PushErrorTable(L, "Unexpected reply from a command called from script");
    return -1;
  }
  if (is_error && raise) {
    // Redis raises the error table as the command's reply gave it; its
    // statistics were already counted when the command replied.
    return -1;
  }
  return 1;
}

int RedisCall(lua_State* L) {
  if (DoRedisCall(L, true) < 0) return lua_error(L);
  return 1;
}
int RedisPCall(lua_State* L) {
  DoRedisCall(L, false);
  return 1;
}

int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  const char* e = lua_tostring(L, -1);
  if (e[0] == '-') {
    PushErrorTable(L, e);
  } else {
    lua_pushstring(L, "-");
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
    PushErrorTable(L, lua_tostring(L, -1));
  }
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, 1);
  lua_rawset(L, -3);
  return 1;
}

int RaiseError(lua_State* L, const char* msg) {
  PushErrorTable(L, msg);
  return lua_error(L);
}

int DoSha1Hex(lua_State* L) {
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  static std::string hex;  // static: see DoRedisCall
  hex = Sha1Hex(std::string_view(s ? s : "", s ? len : 0));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}
int RedisSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  return DoSha1Hex(L);
}

int DoLog(lua_State* L) {
  int level = static_cast<int>(lua_tointeger(L, 1));
  static std::string msg;  // static: see DoRedisCall
  msg.clear();
  for (int j = 2; j <= lua_gettop(L); j++) {
    size_t len = 0;
    const char* s = lua_tolstring(L, j, &len);
    if (s == nullptr) continue;
    if (j > 2) msg += ' ';
    msg.append(s, len);
  }
  static const common::LogLevel kLevels[] = {common::LogLevel::kDebug, common::LogLevel::kVerbose,
                                             common::LogLevel::kNotice, common::LogLevel::kWarning};
  common::Log(kLevels[level], "%s", msg.c_str());
  return 0;
}
int RedisLog(lua_State* L) {
  if (lua_gettop(L) < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return RaiseError(L, "First argument must be a number (log level).");
  lua_Integer level = lua_tointeger(L, 1);
  if (level < 0 || level > 3) return RaiseError(L, "Invalid debug level.");
  return DoLog(L);
}

int RedisSetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  lua_Integer v = lua_tointeger(L, 1);
  if (v != 2 && v != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  if (g_run != nullptr) g_run->resp = static_cast<int>(v);
  return 0;
}

// Scripts' effects are always replicated as commands (the only mode of
// Redis 7.0), so these only check their argument.
int RedisSetRepl(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires one argument.");
  lua_Integer flags = lua_tointeger(L, 1);
  if (flags < 0 || flags > 3)
    return RaiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  return 0;
}
int RedisReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}
// redis.breakpoint and redis.debug act only under the Lua debugger.
int RedisBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int RedisDebug(lua_State*) { return 0; }

bool ValidNameImpl(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name)
    if (!isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
  return true;
}

// redis.register_function(name, callback) or redis.register_function{
// function_name=..., callback=..., flags={...}, description=...}.
int DoRegisterFunction(lua_State* L) {
  if (g_load == nullptr) {
    PushErrorTable(L, "redis.register_function can only be called on FUNCTION LOAD command");
    return -1;
  }
  PendingFunction f;
  int argc = lua_gettop(L);
  if (argc == 2) {
    if (lua_type(L, 1) != LUA_TSTRING || lua_type(L, 2) != LUA_TFUNCTION) {
      PushErrorTable(L, "wrong arguments given to redis.register_function");
      return -1;
    }
    f.name = lua_tostring(L, 1);
    lua_pushvalue(L, 2);
  } else if (argc == 1 && lua_type(L, 1) == LUA_TTABLE) {
    lua_pushnil(L);
    bool have_cb = false;
    while (lua_next(L, 1) != 0) {
      if (lua_type(L, -2) != LUA_TSTRING) {
        lua_pop(L, 2);
        PushErrorTable(L, "named argument key given to redis.register_function is not a string");
        return -1;
      }
      std::string key = lua_tostring(L, -2);
      if (key == "function_name") {
        if (lua_type(L, -1) != LUA_TSTRING) {
          lua_pop(L, 2);
          PushErrorTable(L, "function_name argument given to redis.register_function must be a string");
          return -1;
        }
        f.name = lua_tostring(L, -1);
      } else if (key == "description") {
        if (lua_type(L, -1) != LUA_TSTRING) {
          lua_pop(L, 2);
          PushErrorTable(L, "description argument given to redis.register_function must be a string");
          return -1;
        }
        f.description = lua_tostring(L, -1);
        f.has_description = true;
      } else if (key == "callback") {
        if (lua_type(L, -1) != LUA_TFUNCTION) {
          lua_pop(L, 2);
          PushErrorTable(L, "callback argument given to redis.register_function must be a function");
          return -1;
        }
        if (have_cb) lua_remove(L, 2);
        lua_pushvalue(L, -1);
        lua_insert(L, 2);  // keep the callback at index 2
        have_cb = true;
      } else if (key == "flags") {
        if (lua_type(L, -1) != LUA_TTABLE) {
          lua_pop(L, 2);
          PushErrorTable(L, "flags argument to redis.register_function must be a table representing function flags");
          return -1;
        }
        for (int i = 1;; i++) {
          lua_rawgeti(L, -1, i);
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            break;
          }
          uint32_t flag = 0;
          if (lua_type(L, -1) != LUA_TSTRING || !ScriptFlagByName(lua_tostring(L, -1), &flag)) {
            lua_pop(L, 3);
            PushErrorTable(L, "unknown flag given");
            return -1;
          }
          f.flags |= flag;
          lua_pop(L, 1);
        }
      } else {
        lua_pop(L, 2);
        PushErrorTable(L, "unknown argument given to redis.register_function");
        return -1;
      }
      lua_pop(L, 1);
    }
    if (f.name.empty()) {
      PushErrorTable(L, "redis.register_function must get a function name argument");
      return -1;
    }
    if (!have_cb) {
      PushErrorTable(L, "redis.register_function must get a callback argument");
      return -1;
    }
    lua_pushvalue(L, 2);
  } else {
    PushErrorTable(L, "wrong number of arguments to redis.register_function");
    return -1;
  }
  if (!ValidNameImpl(f.name)) {
    lua_pop(L, 1);
    // Redis 7.0's text says "Library" for function names too.
    PushErrorTable(L, kBadNameError);
    return -1;
  }
  for (const PendingFunction& other : g_load->functions) {
    if (other.name == f.name) {
      lua_pop(L, 1);
      PushErrorTable(L, "Function already exists in the library");
      return -1;
    }
  }
  f.ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the callback
  g_load->functions.push_back(std::move(f));
  return 0;
}
int RedisRegisterFunction(lua_State* L) {
  if (DoRegisterFunction(L) < 0) return lua_error(L);
  return 0;
}

// ---- the sandbox ----

// __index of the real globals: a missing global read by a script is an
// error (reads from C, e.g. lua_getglobal, get nil).
int GlobalsIndex(lua_State* L) {
  lua_Debug ar;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "S", &ar) && strcmp(ar.what, "C") != 0) {
    luaL_where(L, 1);
    lua_pushstring(L, "Script attempted to access nonexistent global variable '");
    lua_pushstring(L, luaL_typename(L, 2)[0] == 's' ? lua_tostring(L, 2) : luaL_typename(L, 2));
    lua_pushstring(L, "'");
    lua_concat(L, 4);
    return lua_error(L);
  }
  return 0;
}

int ReadonlyNewIndex(lua_State* L) {
  luaL_where(L, 1);
  lua_pushstring(L, "Attempt to modify a readonly table");
  lua_concat(L, 2);
  return lua_error(L);
}

bool IsProxy(lua_State* L, int idx) {
  if (!lua_getmetatable(L, idx)) return false;
  lua_pushstring(L, kProxyMark);
  lua_rawget(L, -2);
  bool proxy = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return proxy;
}

// rawset refuses the read-only proxies, as Redis's read-only tables do.
int SafeRawSet(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProxy(L, 1)) {
    // Raised from C: no position, as Redis's rawset on a read-only table.
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// pcall as Redis 7.0 replaces it: an error table ({err=...}, what
// redis.call raises) reaches the script as its err field, so scripts see
// the error's text, not the table the reply machinery uses. Redis pushes
// its result placeholder before calling, so pcall() calls a boolean.
int SafePcall(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc == 0) {
    lua_pushboolean(L, 0);
    lua_pushstring(L, "attempt to call a boolean value");
    return 2;
  }
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) == 0) {
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return lua_gettop(L);
  }
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "err");
    if (lua_isstring(L, -1)) {
      lua_replace(L, -2);
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pushboolean(L, 0);
  lua_insert(L, -2);
  return 2;
}

// setmetatable of a proxy fails the same way (its metatable is what makes
// it read-only).
int SafeSetMetatable(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (IsProxy(L, 1)) return ReadonlyNewIndex(L);
  int t = lua_type(L, 2);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// Replaces the table at the top of the stack by a read-only proxy of it.
void MakeReadonlyProxy(lua_State* L) {
  lua_newtable(L);  // proxy
  lua_newtable(L);  // its metatable
  lua_pushstring(L, "__index");
  lua_pushvalue(L, -4);
  lua_rawset(L, -3);
  lua_pushstring(L, "__newindex");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_rawset(L, -3);
  lua_pushstring(L, "__metatable");
  lua_pushboolean(L, 0);
  lua_rawset(L, -3);
  lua_pushstring(L, kProxyMark);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_setmetatable(L, -2);
  lua_remove(L, -2);
}

void OpenLib(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

void SetField(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushstring(L, name);
  lua_pushcfunction(L, f);
  lua_rawset(L, -3);
}
void SetNumber(lua_State* L, const char* name, lua_Number n) {
  lua_pushstring(L, name);
  lua_pushnumber(L, n);
  lua_rawset(L, -3);
}

int GlobalsIndex(lua_State* L);
void MakeReadonlyProxy(lua_State* L);

// Replaces the table on top of the stack by a read-only proxy of it whose
// missing fields are errors when a script reads them (the globals, and
// `redis` at FUNCTION LOAD).
void MakeStrictReadonly(lua_State* L) {
  lua_newtable(L);
  lua_pushstring(L, "__index");
  lua_pushcfunction(L, GlobalsIndex);
  lua_rawset(L, -3);
  lua_setmetatable(L, -2);
  MakeReadonlyProxy(L);
}

void SetLogLevels(lua_State* L) {
  SetNumber(L, "LOG_DEBUG", 0);
  SetNumber(L, "LOG_VERBOSE", 1);
  SetNumber(L, "LOG_NOTICE", 2);
  SetNumber(L, "LOG_WARNING", 3);
}

void SetVersion(lua_State* L) {
  lua_pushstring(L, "REDIS_VERSION");
  lua_pushstring(L, commands::kRedisVersion);
  lua_rawset(L, -3);
  // REDIS_VERSION_NUM: 0x00MMmmpp.
  int major = 0, minor = 0, patch = 0;
  sscanf(commands::kRedisVersion, "%d.%d.%d", &major, &minor, &patch);
  SetNumber(L, "REDIS_VERSION_NUM", (major << 16) | (minor << 8) | patch);
}

void BuildRedisTable(lua_State* L, bool functions) {
  lua_newtable(L);
  SetField(L, "call", RedisCall);
  SetField(L, "pcall", RedisPCall);
  SetField(L, "error_reply", RedisErrorReply);
  SetField(L, "status_reply", RedisStatusReply);
  SetField(L, "sha1hex", RedisSha1Hex);
  SetField(L, "log", RedisLog);
  SetField(L, "setresp", RedisSetResp);
  SetField(L, "set_repl", RedisSetRepl);
  SetField(L, "replicate_commands", RedisReplicateCommands);
  SetField(L, "breakpoint", RedisBreakpoint);
  SetField(L, "debug", RedisDebug);
  SetLogLevels(L);
  SetNumber(L, "REPL_NONE", 0);
  SetNumber(L, "REPL_AOF", 1);
  SetNumber(L, "REPL_SLAVE", 2);
  SetNumber(L, "REPL_REPLICA", 2);
  SetNumber(L, "REPL_ALL", 3);
  SetVersion(L);
  lua_setglobal(L, "redis");
  if (!functions) return;
  // What a library's code sees as `redis` while FUNCTION LOAD runs it:
  // register_function and logging only; any other field is an error.
  lua_newtable(L);
  SetField(L, "register_function", RedisRegisterFunction);
  SetField(L, "log", RedisLog);
  SetLogLevels(L);
  SetVersion(L);
  MakeStrictReadonly(L);
  // The globals a library's code sees while it loads: `redis` alone.
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, "redis");
  lua_newtable(L);
  lua_pushstring(L, "__index");
  lua_pushcfunction(L, GlobalsIndex);
  lua_rawset(L, -3);
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadGlobals);
}

// The error handler of every run (Redis's __redis__err__handler): turns
// the error into a table {err=..., source=..., line=...} naming where the
// script was when it failed.
int ErrorHandler(lua_State* L) {
  lua_Debug ar;
  bool have = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
  if (have && strcmp(ar.what, "C") == 0) have = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
  if (!lua_istable(L, 1)) {
    // {err = 'ERR ' .. tostring(err)}
    lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
    lua_getfield(L, -1, "tostring");
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_pushstring(L, "ERR ");
    lua_insert(L, -2);
    lua_concat(L, 2);
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  if (have) {
    lua_pushstring(L, "source");
    lua_pushstring(L, ar.source);
    lua_rawset(L, 1);
    lua_pushstring(L, "line");
    lua_pushnumber(L, ar.currentline);
    lua_rawset(L, 1);
  }
  lua_settop(L, 1);
  return 1;
}

// Formats the error a run ended with (Redis's luaCallFunction).
std::string RunError(lua_State* L, const std::string& funcname) {
  if (!lua_istable(L, -1)) {
    const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
    return "ERR Error running script " + funcname + ", " + std::string(msg).substr(0, 100);
  }
  std::string out;
  if (RawField(L, "err") == LUA_TSTRING) {
    out = lua_tostring(L, -1);
  } else {
    out = "ERR unknown error";
  }
  lua_pop(L, 1);
  std::string source, line;
  if (RawField(L, "source") == LUA_TSTRING) source = lua_tostring(L, -1);
  lua_pop(L, 1);
  if (RawField(L, "line") == LUA_TNUMBER) line = std::to_string(static_cast<long long>(lua_tonumber(L, -1)));
  lua_pop(L, 1);
  if (!source.empty() && !line.empty()) out += " script: " + funcname + ", on " + source + ":" + line + ".";
  return out;
}

// Between instructions: the busy threshold, serving other clients once
// past it, and SCRIPT KILL. Returns true when the script must stop.
bool HookWork() {
  if (g_run == nullptr) return false;
  commands::State& s = commands::GetState();
  RunState& rs = g_run->state;
  int64_t elapsed = common::MsTime() - rs.start_ms;
  if (!rs.timedout && s.busy_reply_threshold_ms > 0 && elapsed >= s.busy_reply_threshold_ms) {
    rs.timedout = true;
    s.busy_error = rs.is_function ? kBusyFunction : kBusyScript;
    LOG_WARNING(
        "Slow script detected: still in execution after %lld milliseconds. You can try killing the script using "
        "the %s command. Script name is: %s.",
        static_cast<long long>(elapsed), rs.is_function ? "FUNCTION KILL" : "SCRIPT KILL", rs.funcname.c_str());
  }
  if (rs.timedout && s.process_events_while_busy != nullptr && rs.caller != nullptr)
    s.process_events_while_busy(*rs.caller);
  return rs.killed;
}

void MaskCountHook(lua_State* L, lua_Debug*) {
  if (HookWork()) {
    // Stop again at once if the script catches the error with pcall.
    lua_sethook(L, MaskCountHook, LUA_MASKLINE, 0);
    PushErrorTable(L, g_run->state.is_function ? "Script killed by user with FUNCTION KILL..."
                                               : "Script killed by user with SCRIPT KILL...");
    lua_error(L);
  }
}

void PushStringArray(lua_State* L, const std::vector<std::string_view>& v) {
  lua_createtable(L, static_cast<int>(v.size()), 0);
  for (size_t i = 0; i < v.size(); i++) {
    lua_pushlstring(L, v[i].data(), v[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

}  // namespace

int64_t LuaNumberToInteger(double d) {
  // Doubles in [-2^63, 2^63) convert exactly; the rest is what x86's
  // cvttsd2si gives (Redis relies on that cast).
  if (std::isnan(d) || d >= 9223372036854775808.0 || d < -9223372036854775808.0) return INT64_MIN;
  return static_cast<int64_t>(d);
}

namespace {
// Redis 7.0's script flag names, in its order.
constexpr std::pair<const char*, uint32_t> kFlagNames[] = {
    {"no-writes", kScriptNoWrites},       {"allow-oom", kScriptAllowOom},
    {"allow-stale", kScriptAllowStale},   {"no-cluster", kScriptNoCluster},
    {"allow-cross-slot-keys", kScriptAllowCrossSlot},
};
}  // namespace

bool ScriptFlagByName(std::string_view name, uint32_t* flag) {
  for (const auto& n : kFlagNames) {
    if (name == n.first) {
      *flag = n.second;
      return true;
    }
  }
  return false;
}

std::vector<std::string> ScriptFlagNames(uint32_t flags) {
  std::vector<std::string> out;
  for (const auto& n : kFlagNames)
    if (flags & n.second) out.emplace_back(n.first);
  return out;
}

namespace {

// The least a running script's VM may grow to under maxmemory, whatever
// maxmemory is: a small maxmemory (tests use 1 byte) must not starve
// ordinary scripts. 64 MiB holds the compiled code of about 100k cached
// scripts (~600 bytes each) with room to run.
constexpr size_t kMinLuaHeapLimit = size_t{64} << 20;

// Whether a running script may grow its VM's heap to `bytes`. With
// maxmemory set, a VM may hold at most max(maxmemory, kMinLuaHeapLimit): a
// script that allocates without bound then fails with "not enough memory"
// instead of taking the machine's memory. (Redis sets no such limit.)
// Only a running script is refused: Lua's allocations outside lua_pcall
// are unprotected and a failure there would abort.
bool HeapGrowthAllowed(size_t bytes) {
  if (g_run == nullptr) return true;
  uint64_t maxmemory = commands::GetState().maxmemory;
  if (maxmemory == 0 || bytes <= std::max<uint64_t>(maxmemory, kMinLuaHeapLimit)) return true;
  g_run->hit_heap_limit = true;
  return false;
}

}  // namespace

// Lua's heap is DRAM: metadata of the server as far as the tiers go.
void* LuaVm::Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* vm = static_cast<LuaVm*>(ud);
  if (nsize == 0) {
    vm->used_ -= osize;
    alloc::Free(ptr);
    return nullptr;
  }
  if (nsize > osize && !HeapGrowthAllowed(vm->used_ - osize + nsize)) return nullptr;
  void* p = alloc::Realloc(ptr, nsize);
  vm->used_ = vm->used_ - osize + nsize;
  return p;
}

LuaVm::LuaVm(bool functions) {
  L_ = lua_newstate(Alloc, this);
  lua_State* L = L_;
  lua_pushcfunction(L, luaopen_base);
  lua_pushstring(L, "");
  lua_call(L, 1, 0);
  OpenLib(L, LUA_TABLIBNAME, luaopen_table);
  OpenLib(L, LUA_STRLIBNAME, luaopen_string);
  OpenLib(L, LUA_MATHLIBNAME, luaopen_math);
  OpenLib(L, "cjson", luaopen_cjson);
  OpenLib(L, "bit", luaopen_bit);
  OpenLib(L, "struct", OpenStruct);
  OpenLib(L, "cmsgpack", OpenCmsgpack);
  // What Redis removes from the base library.
  for (const char* name : {"dofile", "loadfile", "print", "getfenv", "setfenv", "module", "require", "newproxy"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_pushcfunction(L, SafeRawSet);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, SafeSetMetatable);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, SafePcall);
  lua_setglobal(L, "pcall");
  lua_getglobal(L, "math");
  SetField(L, "random", MathRandom);
  SetField(L, "randomseed", MathRandomSeed);
  lua_pop(L, 1);
  BuildRedisTable(L, functions);
  // Library tables become read-only proxies.
  for (const char* name : {"redis", "string", "table", "math", "cjson", "bit", "struct", "cmsgpack", "coroutine"}) {
    lua_getglobal(L, name);
    if (lua_istable(L, -1)) {
      MakeReadonlyProxy(L);
      lua_setglobal(L, name);
    } else {
      lua_pop(L, 1);
    }
  }
  // The real globals: missing names are errors. Scripts see a read-only
  // proxy of them as their globals (and as _G).
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  MakeStrictReadonly(L);
  lua_pushstring(L, "_G");
  lua_pushvalue(L, -2);
  lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
  lua_insert(L, -3);
  lua_rawset(L, -3);  // real._G = proxy
  lua_pop(L, 1);
  lua_replace(L, LUA_GLOBALSINDEX);
}

LuaVm::~LuaVm() {
  if (L_ != nullptr) lua_close(L_);
}

bool ParseEvalShebang(std::string_view body, uint32_t* flags, size_t* body_offset, std::string* err) {
  *body_offset = 0;
  if (body.substr(0, 2) != "#!") {
    *flags = kScriptEvalCompat;
    return true;
  }
  size_t nl = body.find('\n');
  std::string_view line = body.substr(0, nl == std::string_view::npos ? body.size() : nl);
  *flags = 0;
  const std::vector<std::string_view> parts = common::SplitSpaces(line);
  if (parts.empty() || parts[0] != "#!lua") {
    *err = "ERR Unexpected engine in script shebang: " + std::string(parts.empty() ? line : parts[0]);
    return false;
  }
  for (size_t k = 1; k < parts.size(); k++) {
    std::string_view p = parts[k];
    if (p.substr(0, 6) != "flags=") {
      *err = "ERR Unknown lua shebang option: " + std::string(p);
      return false;
    }
    p.remove_prefix(6);
    while (!p.empty()) {
      size_t comma = p.find(',');
      std::string_view name = p.substr(0, comma);
      uint32_t f = 0;
      if (!name.empty()) {
        if (!ScriptFlagByName(name, &f)) {
          *err = "ERR Unexpected flag in script shebang: " + std::string(name);
          return false;
        }
        *flags |= f;
      }
      if (comma == std::string_view::npos) break;
      p.remove_prefix(comma + 1);
    }
  }
  *body_offset = line.size();
  return true;
}

bool Compile(LuaVm& vm, std::string_view code, std::string* err) {
  lua_State* L = vm.state();
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_script") != 0) {
    const char* m = lua_tostring(L, -1);
    *err = m ? m : "unknown error";
    lua_pop(L, 1);
    return false;
  }
  return true;
}

bool ValidName(std::string_view name) { return ValidNameImpl(name); }

namespace {
int64_t g_load_start_ms = 0;

// Points the globals proxy's reads at the table under registry field `src`.
void SetGlobalsSource(lua_State* L, const char* src) {
  lua_getmetatable(L, LUA_GLOBALSINDEX);
  lua_pushstring(L, "__index");
  lua_getfield(L, LUA_REGISTRYINDEX, src);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

void LoadTimeoutHook(lua_State* L, lua_Debug*) {
  if (common::MsTime() - g_load_start_ms > kLoadTimeoutMs) {
    lua_sethook(L, LoadTimeoutHook, LUA_MASKLINE, 0);
    PushErrorTable(L, "FUNCTION LOAD timeout");
    lua_error(L);
  }
}
}  // namespace

bool LoadLibraryCode(LuaVm& vm, std::string_view code, LoadContext* ctx, std::string* err) {
  lua_State* L = vm.state();
  int base = lua_gettop(L);
  lua_pushcfunction(L, ErrorHandler);
  if (luaL_loadbuffer(L, code.data(), code.size(), "@user_function") != 0) {
    const char* m = lua_tostring(L, -1);
    *err = std::string("ERR Error compiling function: ") + (m ? m : "unknown error");
    lua_settop(L, base);
    return false;
  }
  // While the code runs, the globals proxy reads from the load-time
  // globals (only a `redis` with register_function and log), as Redis 7.0
  // swaps its globals' __index; functions created meanwhile look their
  // globals up when they run, so they see the real ones.
  SetGlobalsSource(L, kLoadGlobals);
  g_load = ctx;
  g_load_start_ms = common::MsTime();
  lua_sethook(L, LoadTimeoutHook, LUA_MASKCOUNT, kHookInstructions);
  int rc = lua_pcall(L, 0, 0, base + 1);
  lua_sethook(L, nullptr, 0, 0);
  g_load = nullptr;
  SetGlobalsSource(L, kRealGlobals);
  bool ok = rc == 0;
  if (!ok) {
    std::string msg = "unknown error";
    if (lua_istable(L, -1)) {
      if (RawField(L, "err") == LUA_TSTRING) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
    } else if (lua_isstring(L, -1)) {
      msg = lua_tostring(L, -1);
    }
    *err = "ERR Error registering functions: " + msg;
    ReleaseFunctions(vm, ctx->functions);
    ctx->functions.clear();
  }
  lua_settop(L, base);
  lua_gc(L, LUA_GCSTEP, 1);
  return ok;
}

void ReleaseFunctions(LuaVm& vm, const std::vector<PendingFunction>& fns) {
  for (const PendingFunction& f : fns) luaL_unref(vm.state(), LUA_REGISTRYINDEX, f.ref);
}

const RunState* Running() { return g_run ? &g_run->state : nullptr; }

const char* KillRunning(bool is_function) {
  if (g_run == nullptr) return "NOTBUSY No scripts in execution right now.";
  RunState& rs = g_run->state;
  // SCRIPT KILL does not stop a function, nor FUNCTION KILL a script.
  if (rs.is_function != is_function) return "NOTBUSY No scripts in execution right now.";
  if (rs.wrote)
    return "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait "
           "the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
  rs.killed = true;
  return nullptr;
}

constexpr int kGcPeriod = 50;

void Run(LuaVm& vm, const RunSpec& spec) {
  lua_State* L = vm.state();
  commands::Client& caller = *spec.caller;
  lua_pushcfunction(L, ErrorHandler);
  lua_insert(L, -2);
  int base = lua_gettop(L) - 1;  // the handler's index
  int nargs = 0;
  if (spec.is_function) {
    PushStringArray(L, spec.keys);
    PushStringArray(L, spec.args);
    nargs = 2;
  } else {
    lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobals);
    PushStringArray(L, spec.keys);
    lua_setfield(L, -2, "KEYS");
    PushStringArray(L, spec.args);
    lua_setfield(L, -2, "ARGV");
    lua_pop(L, 1);
  }
  ActiveRun run;
  run.spec = &spec;
  run.vm = &vm;
  run.state.is_function = spec.is_function;
  run.state.start_ms = common::MsTime();
  run.state.funcname = spec.funcname;
  run.state.caller = &caller;
  commands::Client& sc = ScriptClient();
  sc.db = caller.db;
  sc.db_index = caller.db_index;
  sc.flags = (sc.flags & ~commands::kClientMulti) | commands::kClientDenyBlocking;
  run.pre_oom = commands::GetState().pre_command_oom;
  ActiveRun* outer = g_run;
  g_run = &run;
  lua_sethook(L, MaskCountHook, LUA_MASKCOUNT, kHookInstructions);
  int rc = lua_pcall(L, nargs, 1, base);
  lua_sethook(L, nullptr, 0, 0);
  g_run = outer;
  commands::State& s = commands::GetState();
  if (run.state.timedout) {
    s.busy_error = nullptr;
    LOG_WARNING("Slow script finished after %lld milliseconds.",
                static_cast<long long>(common::MsTime() - run.state.start_ms));
  }
  if (rc != 0) {
    std::string err = RunError(L, spec.funcname);
    lua_pop(L, 1);
    caller.AddError(err);
  } else {
    ReplyFromLua(caller, L, run.resp);
  }
  // A script that reached the heap limit (even if it caught the error)
  // leaves garbage to return now.
  if (run.hit_heap_limit) lua_gc(L, LUA_GCCOLLECT, 0);
  lua_settop(L, base - 1);
  // Collection in steps, so that Lua never runs a full cycle at a bad
  // moment: a step of kGcPeriod units every kGcPeriod runs (Redis's rhythm;
  // a step after every run costs more CPU for the same work).
  static int runs_since_gc = 0;
  if (++runs_since_gc == kGcPeriod) {
    lua_gc(L, LUA_GCSTEP, kGcPeriod);
    runs_since_gc = 0;
  }
}

}  // namespace script
