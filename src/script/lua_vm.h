// The Lua 5.1 engine of EVAL scripts and FUNCTION libraries: one sandboxed
// lua_State per kind (LuaVm), the `redis` API scripts call, and the run of
// one script or function (Run) with its busy / kill handling. The reply
// conversions are lua_reply.h's; struct and cmsgpack are lua_libs.h's.
//
// Sandbox (Redis 7.0.15 as Debian ships it): base, table, string, math,
// cjson and bit libraries; no os, io, debug, package, print, dofile,
// loadfile, getfenv, setfenv, require, module, newproxy. The globals table
// and the library tables are read-only: a script's globals are a proxy
// whose reads fall through to the real table, whose writes fail with
// "Attempt to modify a readonly table", and a read of a missing global
// fails with "Script attempted to access nonexistent global variable".
// (Redis patches its bundled Lua with real read-only tables; Debian's
// liblua5.1 has no such hook, so the proxies give the same errors at the
// cost of `pairs(_G)` seeing nothing.)
//
// Commands from scripts go through commands::Call on a script client, the
// same checks the dispatcher makes for the ones that apply to scripts
// (unknown command, arity, no-script, write in a read-only script, OOM),
// and their replies come back as RESP parsed into Lua values.
//
// Lua's heap is plain malloc memory (DRAM), counted per VM for INFO.
//
// Thread safety: main thread only. Lua errors are longjmps: every C function
// that Lua calls keeps its C++ objects in a helper that returns before
// lua_error runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"

struct lua_State;

namespace script {

// Flags of a script (`#!lua flags=...`) or a function (register_function).
enum ScriptFlag : uint32_t {
  kScriptNoWrites = 1u << 0,
  kScriptAllowOom = 1u << 1,
  kScriptAllowStale = 1u << 2,
  kScriptNoCluster = 1u << 3,
  kScriptAllowCrossSlot = 1u << 4,
  // An EVAL script without a shebang: Redis 6 rules (OOM checked per
  // command, writes allowed unless run by EVAL_RO).
  kScriptEvalCompat = 1u << 5,
};

// "no-writes" -> kScriptNoWrites ... false for an unknown name.
bool ScriptFlagByName(std::string_view name, uint32_t* flag);
// The names of flags, in Redis's order (FUNCTION LIST).
std::vector<std::string> ScriptFlagNames(uint32_t flags);

class LuaVm {
 public:
  // functions: the FUNCTION VM (its `redis` table has register_function).
  explicit LuaVm(bool functions);
  ~LuaVm();
  LuaVm(const LuaVm&) = delete;
  LuaVm& operator=(const LuaVm&) = delete;

  lua_State* state() const { return L_; }
  // Bytes of Lua heap in use.
  size_t UsedMemory() const { return used_; }

 private:
  static void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize);
  lua_State* L_ = nullptr;
  size_t used_ = 0;
};

// One run of a script or function.
struct RunSpec {
  commands::Client* caller = nullptr;
  std::string funcname;  // "f_<sha>" for EVAL, the function's name for FCALL
  uint32_t flags = 0;    // ScriptFlag bits
  bool ro = false;       // EVAL_RO / FCALL_RO
  bool is_function = false;
  std::vector<std::string_view> keys, args;
};

// Runs the Lua function on top of vm's stack (popped) and writes its
// result (or error) to spec.caller's reply. EVAL scripts get KEYS and ARGV
// as globals; functions get them as their two arguments.
void Run(LuaVm& vm, const RunSpec& spec);

// The script running now (nullptr when none): SCRIPT KILL / FUNCTION KILL.
struct RunState {
  bool is_function = false;
  bool wrote = false;      // ran a write command: can't be killed
  bool killed = false;     // SCRIPT KILL asked to stop at the next hook
  bool timedout = false;   // past busy-reply-threshold
  int64_t start_ms = 0;
  std::string funcname;
  commands::Client* caller = nullptr;
};
const RunState* Running();
// Asks the running script to stop; returns the error to reply (nullptr: OK).
// is_function: FUNCTION KILL (refuses to kill an EVAL script and vice versa).
const char* KillRunning(bool is_function);

// Parses the `#!lua ...` first line of an EVAL script. *body_offset is where
// the Lua code starts (the shebang line's newline is kept so line numbers
// match). Returns false and sets *err (Redis's text, without '-') on a bad
// shebang. No shebang: kScriptEvalCompat, offset 0.
bool ParseEvalShebang(std::string_view body, uint32_t* flags, size_t* body_offset, std::string* err);

// Compiles `code` as chunk "@user_script" and leaves the function on the
// stack. On error returns false with Lua's message in *err.
bool Compile(LuaVm& vm, std::string_view code, std::string* err);

// What redis.register_function collects while FUNCTION LOAD runs a
// library's code.
struct PendingFunction {
  std::string name;
  int ref = -1;  // registry reference to the callback
  uint32_t flags = 0;
  std::string description;
  bool has_description = false;
};
struct LoadContext {
  std::vector<PendingFunction> functions;
};
// Runs a library's code (after its shebang line, which the caller strips,
// keeping its newline) in the functions VM, collecting what it registers
// into *ctx. False with *err (Redis's text, with its ERR code) when it does
// not compile or fails. The code runs at most kLoadTimeoutMs.
bool LoadLibraryCode(LuaVm& vm, std::string_view code, LoadContext* ctx, std::string* err);
// Drops the callbacks of functions (their registry references).
void ReleaseFunctions(LuaVm& vm, const std::vector<PendingFunction>& fns);

// Library and function names: letters, digits and '_', at least one.
bool ValidName(std::string_view name);
// Redis 7.0's error for a bad name (of a library or a function).
inline constexpr char kBadNameError[] =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

// Converts a Lua number to the integer a reply carries (C's (long long)
// cast on x86: NaN and out-of-range values give INT64_MIN).
int64_t LuaNumberToInteger(double d);

}  // namespace script
