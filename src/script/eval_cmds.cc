// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: the script cache.
//
// Every script is known by the SHA-1 of its body. Its compiled function
// lives in the EVAL VM's registry (EvalScript::ref) until SCRIPT FLUSH,
// which replaces the VM and so returns all of its memory at once.
//
// A script's own EVAL is never propagated: the write commands it runs are
// (through the dispatcher's Call, each queued with its db), and the AOF
// feed wraps them in MULTI/EXEC when there is more than one, as Redis 7.0's
// effects replication does.
#include <memory>
#include <string>
#include <unordered_map>

extern "C" {
#include <lua.h>
#include <lauxlib.h>
}

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/monitor.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/util.h"
#include "script/internal.h"
#include "script/lua_vm.h"
#include "script/script.h"
#include "script/sha1.h"

namespace script {
namespace {

using commands::Client;

struct EvalScript {
  std::string body;
  uint32_t flags = 0;  // ScriptFlag bits of its shebang
  int ref = LUA_NOREF;
};

struct EvalState {
  std::unique_ptr<LuaVm> vm;
  std::unordered_map<std::string, EvalScript> scripts;  // by sha
  size_t bodies_bytes = 0;
};

EvalState& E() {
  static EvalState* s = [] {
    auto* st = new EvalState();
    st->vm = std::make_unique<LuaVm>(false);
    return st;
  }();
  return *s;
}

// Compiles and caches `body` (known to hash to `sha`). Returns the entry, or
// nullptr after replying with the error.
const EvalScript* CreateScript(Client& c, const std::string& sha, std::string_view body) {
  EvalState& st = E();
  uint32_t flags = 0;
  size_t offset = 0;
  std::string err;
  if (!ParseEvalShebang(body, &flags, &offset, &err)) {
    c.AddError(err);
    return nullptr;
  }
  if (!Compile(*st.vm, body.substr(offset), &err)) {
    c.AddError("ERR Error compiling script (new function): " + err);
    return nullptr;
  }
  EvalScript s;
  s.body = std::string(body);
  s.flags = flags;
  s.ref = luaL_ref(st.vm->state(), LUA_REGISTRYINDEX);
  st.bodies_bytes += s.body.size();
  auto it = st.scripts.emplace(sha, std::move(s)).first;
  return &it->second;
}

std::string LowerSha(std::string_view s) { return common::ToLower(s); }

void EvalGeneric(Client& c, bool by_sha, bool ro) {
  int64_t numkeys = 0;
  if (!GetNumKeysOrReply(c, &numkeys, false)) return;
  EvalState& st = E();
  std::string sha = by_sha ? LowerSha(c.argv[1]) : Sha1Hex(c.argv[1]);
  auto it = st.scripts.find(sha);
  const EvalScript* script = nullptr;
  if (it != st.scripts.end()) {
    script = &it->second;
  } else if (by_sha) {
    c.AddError("NOSCRIPT No matching script. Please use EVAL.");
    return;
  } else {
    script = CreateScript(c, sha, c.argv[1]);
    if (script == nullptr) return;
  }
  if (!ScriptMayStartOrReply(c, script->flags, ro)) return;
  // Redis names the script f_<sha>; its errors show the sha.
  lua_rawgeti(st.vm->state(), LUA_REGISTRYINDEX, script->ref);
  RunFromCommand(*st.vm, c, sha, script->flags, ro, false, numkeys);
}

void EvalCommand(Client& c) { EvalGeneric(c, false, false); }
void EvalShaCommand(Client& c) { EvalGeneric(c, true, false); }
void EvalRoCommand(Client& c) { EvalGeneric(c, false, true); }
void EvalShaRoCommand(Client& c) { EvalGeneric(c, true, true); }

void ScriptLoadCommand(Client& c) {
  std::string sha = Sha1Hex(c.argv[2]);
  EvalState& st = E();
  if (st.scripts.find(sha) == st.scripts.end() && CreateScript(c, sha, c.argv[2]) == nullptr) return;
  c.reply.Bulk(sha);
}

void ScriptExistsCommand(Client& c) {
  EvalState& st = E();
  c.reply.ArrayHeader(c.argv.size() - 2);
  for (size_t i = 2; i < c.argv.size(); i++) c.reply.Integer(st.scripts.count(LowerSha(c.argv[i])) ? 1 : 0);
}

void ScriptFlushCommand(Client& c) {
  if (c.argv.size() > 3 ||
      (c.argv.size() == 3 && !commands::ArgIs(c.argv[2], "sync") && !commands::ArgIs(c.argv[2], "async"))) {
    c.AddError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  // ASYNC frees in the background in Redis; closing a VM of cached
  // scripts is quick, so both free here and now.
  EvalState& st = E();
  st.scripts.clear();
  st.bodies_bytes = 0;
  st.vm = std::make_unique<LuaVm>(false);
  c.reply.Ok();
}

void ScriptKillCommand(Client& c) {
  if (const char* e = KillRunning(false)) {
    c.AddError(e);
    return;
  }
  c.reply.Ok();
}

void ScriptHelpCommand(Client& c) {
  commands::ReplyHelp(
      c, "SCRIPT",
      {"EXISTS <sha1> [<sha1> ...]",
       "    Return information about the existence of the scripts in the script cache.",
       "FLUSH [ASYNC|SYNC]",
       "    Flush the Lua scripts cache. Very dangerous on replicas.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the scripts cache.",
       "    * SYNC: Synchronously flush the scripts cache.",
       "KILL",
       "    Kill the currently executing Lua script.",
       "LOAD <script>",
       "    Load a script into the scripts cache without executing it."});
}

}  // namespace

commands::KeySpec ScriptKeys(bool ro, bool with_notes) {
  // A script may do anything with its keys: the worst is assumed, and the
  // notes (Redis's, as COMMAND INFO shows them) say so.
  commands::KeySpec k = commands::KeynumKeys(
      ro ? (commands::kKeyRO | commands::kKeyAccess) : (commands::kKeyRW | commands::kKeyAccess | commands::kKeyUpdate),
      2);
  if (!with_notes) return k;  // EVALSHA* have none in Redis 7.0
  k.notes = ro ? "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS"
               : "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
  return k;
}

bool GetNumKeysOrReply(Client& c, int64_t* numkeys, bool fcall) {
  // FCALL words a numkeys that is not a number its own way.
  if (!commands::GetInt64OrReply(c, c.argv[2], numkeys, fcall ? "ERR Bad number of keys provided" : nullptr))
    return false;
  if (*numkeys > static_cast<int64_t>(c.argv.size()) - 3) {
    c.AddError("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (*numkeys < 0) {
    c.AddError("ERR Number of keys can't be negative");
    return false;
  }
  return true;
}

bool ScriptMayStartOrReply(Client& c, uint32_t flags, bool ro) {
  // A script that declared its flags (a shebang, a function) is checked up
  // front, as Redis 7.0 does from the flags in processCommand.
  if ((flags & kScriptEvalCompat) || (flags & kScriptNoWrites)) return true;
  if (ro) {
    c.AddError("ERR Can not execute a script with write flag using *_ro command.");
    return false;
  }
  commands::State& s = commands::GetState();
  if (!(flags & kScriptAllowOom) && s.pre_command_oom) {
    c.AddError(commands::err::kOom);
    return false;
  }
  if (s.disk_error != nullptr) {
    if (const char* e = s.disk_error()) {
      c.AddError(e);
      return false;
    }
  }
  return true;
}

void RunFromCommand(LuaVm& vm, Client& c, const std::string& name, uint32_t flags, bool ro, bool is_function,
                    int64_t numkeys) {
  // The script's own command is never propagated: the writes it runs are.
  commands::PreventPropagation(c);
  // MONITOR shows it before the commands it runs, as Redis (it is
  // skip-monitor, so the dispatcher does not show it again after).
  if (commands::HaveMonitors()) commands::FeedMonitors(c, 0);
  RunSpec spec;
  spec.caller = &c;
  spec.funcname = name;
  spec.flags = flags;
  spec.ro = ro;
  spec.is_function = is_function;
  auto nk = static_cast<std::ptrdiff_t>(numkeys);
  spec.keys.assign(c.argv.begin() + 3, c.argv.begin() + 3 + nk);
  spec.args.assign(c.argv.begin() + 3 + nk, c.argv.end());
  Run(vm, spec);
}

void RegisterEvalCommands(commands::Registry& r) {
  using namespace commands;
  const uint32_t kEvalFlags = kNoScript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys | kStale | kMovableKeys;
  const uint32_t kEvalRoFlags = kNoScript | kSkipMonitor | kNoMandatoryKeys | kStale | kReadonly | kMovableKeys;
  const uint32_t kCat = kCatSlow | kCatScripting;
  r.Add({"eval", -3, kEvalFlags, 0, 0, 0, EvalCommand, "scripting", "Executes a server-side Lua script.", "2.6.0",
         kCat})
      .key_specs = {ScriptKeys(false)};
  r.Add({"evalsha", -3, kEvalFlags, 0, 0, 0, EvalShaCommand, "scripting",
         "Executes a server-side Lua script by SHA1 digest.", "2.6.0", kCat})
      .key_specs = {ScriptKeys(false, false)};
  r.Add({"eval_ro", -3, kEvalRoFlags, 0, 0, 0, EvalRoCommand, "scripting",
         "Executes a read-only server-side Lua script.", "7.0.0", kCat})
      .key_specs = {ScriptKeys(true)};
  r.Add({"evalsha_ro", -3, kEvalRoFlags, 0, 0, 0, EvalShaRoCommand, "scripting",
         "Executes a read-only server-side Lua script by SHA1 digest.", "7.0.0", kCat})
      .key_specs = {ScriptKeys(true, false)};
  CommandSpec sc{"script", -2, 0, 0, 0, 0, nullptr, "scripting", "A container for Lua scripts management commands.",
                 "2.6.0", kCatSlow};
  sc.subcommands = {
      {"exists", -3, kNoScript, 0, 0, 0, ScriptExistsCommand, "scripting",
       "Determines whether server-side Lua scripts exist in the script cache.", "2.6.0", kCat},
      {"flush", -2, kNoScript, 0, 0, 0, ScriptFlushCommand, "scripting",
       "Removes all server-side Lua scripts from the script cache.", "2.6.0", kCat},
      {"help", 2, kLoading | kStale, 0, 0, 0, ScriptHelpCommand, "scripting",
       "Returns helpful text about the different subcommands.", "5.0.0", kCat},
      {"kill", 2, kNoScript | kAllowBusy, 0, 0, 0, ScriptKillCommand, "scripting",
       "Terminates a server-side Lua script during execution.", "2.6.0", kCat},
      {"load", 3, kNoScript | kStale, 0, 0, 0, ScriptLoadCommand, "scripting",
       "Loads a server-side Lua script to the script cache.", "2.6.0", kCat},
  };
  r.Add(std::move(sc));
}

ScriptMemory GetEvalMemory() {
  ScriptMemory m;
  EvalState& st = E();
  m.lua_vm = st.vm->UsedMemory();
  // Each cached script also costs its map entry and its Lua function.
  constexpr size_t kPerScriptOverhead = 64;
  m.eval_scripts = st.bodies_bytes + st.scripts.size() * kPerScriptOverhead;
  m.cached_scripts = st.scripts.size();
  return m;
}

}  // namespace script
