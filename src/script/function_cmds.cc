// FUNCTION LOAD/DELETE/FLUSH/LIST/DUMP/RESTORE/STATS/KILL/HELP, FCALL and
// FCALL_RO: Redis 7.0's function libraries.
//
// A library is Lua code whose first line is `#!lua name=<lib>`; running it
// (once, at load) calls redis.register_function for each function. The
// callbacks live in the functions VM's registry (Function::ref). Library
// and function names are unique across the server; a function belongs to
// exactly one library, and a library is replaced or deleted as a whole.
//
// Libraries are data: FUNCTION LOAD/DELETE/FLUSH/RESTORE are write commands
// (propagated as themselves), RDB files keep each library's code in a
// FUNCTION2 record (persist/rdb.h) and AOF rewrites emit FUNCTION LOAD.
#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/crc64.h"
#include "common/util.h"
#include "persist/dump.h"
#include "persist/rdb.h"
#include "script/internal.h"
#include "script/lua_vm.h"

namespace script {
namespace {

using commands::Client;

struct Function {
  std::string library;
  int ref = LUA_NOREF;
  uint32_t flags = 0;
  std::string description;
  bool has_description = false;
};

struct Library {
  std::string code;
  std::vector<std::string> functions;  // names, in registration order
};

struct FunctionsState {
  std::unique_ptr<LuaVm> vm = std::make_unique<LuaVm>(true);
  std::map<std::string, Library> libraries;  // by name
  std::unordered_map<std::string, Function> functions;
  size_t code_bytes = 0;
};

FunctionsState& F() {
  static FunctionsState* s = new FunctionsState();
  return *s;
}

// Reads `#!lua name=<lib>`: the library's name and where its code starts.
bool ParseLibraryHeader(std::string_view code, std::string* name, size_t* offset, std::string* err) {
  if (code.substr(0, 2) != "#!") {
    *err = "ERR Missing library metadata";
    return false;
  }
  size_t nl = code.find('\n');
  std::string_view line = code.substr(0, nl == std::string_view::npos ? code.size() : nl);
  const std::vector<std::string_view> parts = common::SplitSpaces(line);
  std::string_view engine = parts.empty() ? std::string_view() : parts[0].substr(2);
  if (engine != "lua") {
    *err = "ERR Engine '" + std::string(engine) + "' not found";
    return false;
  }
  name->clear();
  for (size_t k = 1; k < parts.size(); k++) {
    if (parts[k].substr(0, 5) != "name=") {
      *err = "ERR Invalid metadata value given: " + std::string(parts[k]);
      return false;
    }
    *name = std::string(parts[k].substr(5));
  }
  if (name->empty()) {
    *err = "ERR Library name was not given";
    return false;
  }
  if (!ValidName(*name)) {
    *err = std::string("ERR ") + kBadNameError;
    return false;
  }
  *offset = line.size();
  return true;
}

void DropLibrary(FunctionsState& st, std::map<std::string, Library>::iterator it) {
  for (const std::string& fn : it->second.functions) {
    auto f = st.functions.find(fn);
    if (f == st.functions.end()) continue;
    luaL_unref(st.vm->state(), LUA_REGISTRYINDEX, f->second.ref);
    st.functions.erase(f);
  }
  st.code_bytes -= it->second.code.size();
  st.libraries.erase(it);
}

// Loads a library; returns its name, or false with *err set.
bool CreateLibrary(std::string_view code, bool replace, std::string* name, std::string* err) {
  FunctionsState& st = F();
  size_t offset = 0;
  if (!ParseLibraryHeader(code, name, &offset, err)) return false;
  auto old = st.libraries.find(*name);
  if (old != st.libraries.end() && !replace) {
    *err = "ERR Library '" + *name + "' already exists";
    return false;
  }
  LoadContext ctx;
  if (!LoadLibraryCode(*st.vm, code.substr(offset), &ctx, err)) return false;
  if (ctx.functions.empty()) {
    *err = "ERR No functions registered";
    return false;
  }
  for (const PendingFunction& f : ctx.functions) {
    auto it = st.functions.find(f.name);
    if (it != st.functions.end() && it->second.library != *name) {
      ReleaseFunctions(*st.vm, ctx.functions);
      *err = "ERR Function " + f.name + " already exists";
      return false;
    }
  }
  if (old != st.libraries.end()) DropLibrary(st, old);
  Library lib;
  lib.code = std::string(code);
  for (PendingFunction& f : ctx.functions) {
    lib.functions.push_back(f.name);
    Function fn;
    fn.library = *name;
    fn.ref = f.ref;
    fn.flags = f.flags;
    fn.description = std::move(f.description);
    fn.has_description = f.has_description;
    st.functions[f.name] = std::move(fn);
  }
  st.code_bytes += lib.code.size();
  st.libraries[*name] = std::move(lib);
  return true;
}

void FlushAll() {
  FunctionsState& st = F();
  st.libraries.clear();
  st.functions.clear();
  st.code_bytes = 0;
  st.vm = std::make_unique<LuaVm>(true);
}

// ---- FCALL ----

void FcallGeneric(Client& c, bool ro) {
  int64_t numkeys = 0;
  if (!GetNumKeysOrReply(c, &numkeys, true)) return;
  FunctionsState& st = F();
  auto it = st.functions.find(std::string(c.argv[1]));
  if (it == st.functions.end()) {
    c.AddError("ERR Function not found");
    return;
  }
  const Function& fn = it->second;
  if (!ScriptMayStartOrReply(c, fn.flags, ro)) return;
  lua_rawgeti(st.vm->state(), LUA_REGISTRYINDEX, fn.ref);
  RunFromCommand(*st.vm, c, it->first, fn.flags, ro, true, numkeys);
}

void FcallCommand(Client& c) { FcallGeneric(c, false); }
void FcallRoCommand(Client& c) { FcallGeneric(c, true); }

// ---- FUNCTION ----

void FunctionLoadCommand(Client& c) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < c.argv.size(); i++) {
    if (commands::ArgIs(c.argv[i], "replace")) {
      replace = true;
    } else {
      c.AddError("ERR Unknown option given: " + std::string(c.argv[i]));
      return;
    }
  }
  if (i >= c.argv.size()) {
    c.AddError("ERR Function code is missing");
    return;
  }
  std::string name, err;
  if (!CreateLibrary(c.argv[i], replace, &name, &err)) {
    c.AddError(err);
    return;
  }
  commands::GetState().dirty++;
  c.reply.Bulk(name);
}

void FunctionDeleteCommand(Client& c) {
  FunctionsState& st = F();
  auto it = st.libraries.find(std::string(c.argv[2]));
  if (it == st.libraries.end()) {
    c.AddError("ERR Library not found");
    return;
  }
  DropLibrary(st, it);
  commands::GetState().dirty++;
  c.reply.Ok();
}

void FunctionFlushCommand(Client& c) {
  if (c.argv.size() > 3 ||
      (c.argv.size() == 3 && !commands::ArgIs(c.argv[2], "sync") && !commands::ArgIs(c.argv[2], "async"))) {
    c.AddError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  FlushAll();
  commands::GetState().dirty++;
  c.reply.Ok();
}

void FunctionKillCommand(Client& c) {
  if (const char* e = KillRunning(true)) {
    c.AddError(e);
    return;
  }
  c.reply.Ok();
}

void FunctionListCommand(Client& c) {
  bool with_code = false;
  std::string pattern;
  bool have_pattern = false;
  for (size_t i = 2; i < c.argv.size(); i++) {
    if (!with_code && commands::ArgIs(c.argv[i], "withcode")) {
      with_code = true;
    } else if (!have_pattern && commands::ArgIs(c.argv[i], "libraryname")) {
      if (i + 1 >= c.argv.size()) {
        c.AddError("ERR library name argument was not given");
        return;
      }
      pattern = std::string(c.argv[++i]);
      have_pattern = true;
    } else {
      c.AddError("ERR Unknown argument " + std::string(c.argv[i]));
      return;
    }
  }
  FunctionsState& st = F();
  resp::ReplyBuilder& rb = c.reply;
  size_t h = rb.DeferLen();
  size_t n = 0;
  for (const auto& [name, lib] : st.libraries) {
    if (have_pattern && !common::GlobMatch(pattern, name)) continue;
    n++;
    rb.MapHeader(with_code ? 4 : 3);
    rb.Bulk("library_name");
    rb.Bulk(name);
    rb.Bulk("engine");
    rb.Bulk("LUA");
    rb.Bulk("functions");
    rb.ArrayHeader(lib.functions.size());
    for (const std::string& fname : lib.functions) {
      const Function& fn = st.functions.at(fname);
      rb.MapHeader(3);
      rb.Bulk("name");
      rb.Bulk(fname);
      rb.Bulk("description");
      if (fn.has_description) {
        rb.Bulk(fn.description);
      } else {
        rb.Null();
      }
      rb.Bulk("flags");
      std::vector<std::string> flags = ScriptFlagNames(fn.flags);
      rb.SetHeader(flags.size());
      for (const std::string& f : flags) rb.SimpleString(f);
    }
    if (with_code) {
      rb.Bulk("library_code");
      rb.Bulk(lib.code);
    }
  }
  rb.SetDeferredArrayLen(h, n);
}

void FunctionStatsCommand(Client& c) {
  FunctionsState& st = F();
  resp::ReplyBuilder& rb = c.reply;
  rb.MapHeader(2);
  rb.Bulk("running_script");
  const RunState* rs = Running();
  if (rs == nullptr || !rs->is_function) {
    rb.Null();
  } else {
    rb.MapHeader(3);
    rb.Bulk("name");
    rb.Bulk(rs->funcname);
    rb.Bulk("command");
    rb.ArrayHeader(rs->caller->argv.size());
    for (std::string_view a : rs->caller->argv) rb.Bulk(a);
    rb.Bulk("duration_ms");
    rb.Integer(common::MsTime() - rs->start_ms);
  }
  rb.Bulk("engines");
  rb.MapHeader(1);
  rb.Bulk("LUA");
  rb.MapHeader(2);
  rb.Bulk("libraries_count");
  rb.Integer(static_cast<int64_t>(st.libraries.size()));
  rb.Bulk("functions_count");
  rb.Integer(static_cast<int64_t>(st.functions.size()));
}

// The FUNCTION DUMP payload: a FUNCTION2 record per library, then the
// DUMP footer (RDB version, CRC64), as Redis 7.0 writes it.
std::string DumpPayload(bool compress) {
  std::string out;
  for (const std::string& code : LibraryCodes()) {
    out.push_back(static_cast<char>(persist::kOpFunction2));
    persist::RdbWriteString(&out, code, compress);
  }
  out.push_back(static_cast<char>(persist::kRdbVersion & 0xff));
  out.push_back(static_cast<char>(persist::kRdbVersion >> 8));
  uint64_t crc = common::Crc64(0, out.data(), out.size());
  for (int i = 0; i < 8; i++) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

void FunctionDumpCommand(Client& c) { c.reply.Bulk(DumpPayload(commands::GetState().rdb_compression)); }

void FunctionRestoreCommand(Client& c) {
  enum class Policy { kAppend, kReplace, kFlush } policy = Policy::kAppend;
  if (c.argv.size() == 4) {
    if (commands::ArgIs(c.argv[3], "append")) {
      policy = Policy::kAppend;
    } else if (commands::ArgIs(c.argv[3], "replace")) {
      policy = Policy::kReplace;
    } else if (commands::ArgIs(c.argv[3], "flush")) {
      policy = Policy::kFlush;
    } else {
      c.AddError("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  } else if (c.argv.size() > 4) {
    c.AddSyntaxError();
    return;
  }
  std::string_view payload = c.argv[2];
  if (!persist::VerifyDumpPayload(payload).ok()) {
    c.AddError(commands::err::kDumpPayload);
    return;
  }
  persist::RdbReader in(payload.substr(0, payload.size() - 10));
  std::vector<std::string> codes;
  persist::StringScratch scratch;
  while (in.remaining() > 0) {
    uint8_t type = 0;
    std::string_view code;
    if (!in.ReadByte(&type) || type != persist::kOpFunction2) {
      c.AddError("ERR given type is not a function");
      return;
    }
    if (!in.ReadStringBytes(&code, &scratch)) {
      c.AddError("ERR Failed loading library");
      return;
    }
    codes.emplace_back(code);
  }
  FunctionsState& st = F();
  if (policy == Policy::kAppend) {
    // Refused as a whole when a library exists already.
    for (const std::string& code : codes) {
      std::string name, err;
      size_t offset = 0;
      if (ParseLibraryHeader(code, &name, &offset, &err) && st.libraries.count(name)) {
        c.AddError("ERR Library " + name + " already exists");
        return;
      }
    }
  }
  // All or nothing, as Redis: on a failure the libraries from before are
  // loaded again (their code ran once already, so it loads).
  std::vector<std::string> before = LibraryCodes();
  if (policy == Policy::kFlush) FlushAll();
  for (const std::string& code : codes) {
    std::string name, err;
    if (!CreateLibrary(code, policy != Policy::kAppend, &name, &err)) {
      FlushAll();
      for (const std::string& old : before) (void)CreateLibrary(old, false, &name, &err);
      c.AddError(err);
      return;
    }
  }
  commands::GetState().dirty++;
  c.reply.Ok();
}

void FunctionHelpCommand(Client& c) {
  commands::ReplyHelp(
      c, "FUNCTION",
      {"LOAD [REPLACE] <FUNCTION CODE>",
       "    Create a new library with the given library name and code.",
       "DELETE <LIBRARY NAME>",
       "    Delete the given library.",
       "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
       "    Return general information on all the libraries:",
       "    * Library name",
       "    * The engine used to run the Library",
       "    * Library description",
       "    * Functions list",
       "    * Library code (if WITHCODE is given)",
       "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
       "STATS",
       "    Return information about the current function running:",
       "    * Function name",
       "    * Command used to run the function",
       "    * Duration in MS that the function is running",
       "    If no function is running, return nil",
       "    In addition, returns a list of available engines.",
       "KILL",
       "    Kill the current running function.",
       "FLUSH [ASYNC|SYNC]",
       "    Delete all the libraries.",
       "    When called without the optional mode argument, the behavior is determined by the",
       "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
       "    * ASYNC: Asynchronously flush the libraries.",
       "    * SYNC: Synchronously flush the libraries.",
       "DUMP",
       "    Return a serialized payload representing the current libraries, can be restored using FUNCTION "
       "RESTORE command",
       "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
       "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
       "    control how to handle existing libraries (default APPEND):",
       "    * FLUSH: delete all existing libraries.",
       "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
       "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
       "      libraries with the new libraries (notice that even on this option there is a chance of failure",
       "      in case of functions name collision with another library)."});
}

}  // namespace

void RegisterFunctionCommands(commands::Registry& r) {
  using namespace commands;
  const uint32_t kCat = kCatSlow | kCatScripting;
  const uint32_t kFcallFlags = kNoScript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys | kStale | kMovableKeys;
  r.Add({"fcall", -3, kFcallFlags, 0, 0, 0, FcallCommand, "scripting", "Invokes a function.", "7.0.0", kCat})
      .key_specs = {ScriptKeys(false)};
  r.Add({"fcall_ro", -3, (kFcallFlags & ~kMayReplicate) | kReadonly, 0, 0, 0, FcallRoCommand, "scripting",
         "Invokes a read-only function.", "7.0.0", kCat})
      .key_specs = {ScriptKeys(true)};
  CommandSpec fn{"function", -2, 0, 0, 0, 0, nullptr, "scripting", "A container for function commands.", "7.0.0",
                 kCatSlow};
  fn.subcommands = {
      {"delete", 3, kNoScript | kWrite, 0, 0, 0, FunctionDeleteCommand, "scripting", "Deletes a library and its functions.",
       "7.0.0", kCat | kCatWrite},
      {"dump", 2, kNoScript, 0, 0, 0, FunctionDumpCommand, "scripting", "Dumps all libraries into a serialized binary payload.",
       "7.0.0", kCat},
      {"flush", -2, kNoScript | kWrite, 0, 0, 0, FunctionFlushCommand, "scripting", "Deletes all libraries and functions.",
       "7.0.0", kCat | kCatWrite},
      {"help", 2, kLoading | kStale, 0, 0, 0, FunctionHelpCommand, "scripting",
       "Returns helpful text about the different subcommands.", "7.0.0", kCat},
      {"kill", 2, kNoScript | kAllowBusy, 0, 0, 0, FunctionKillCommand, "scripting",
       "Terminates a function during execution.", "7.0.0", kCat},
      {"list", -2, kNoScript, 0, 0, 0, FunctionListCommand, "scripting", "Returns information about all libraries.",
       "7.0.0", kCat},
      {"load", -3, kNoScript | kWrite | kDenyOom, 0, 0, 0, FunctionLoadCommand, "scripting", "Creates a library.",
       "7.0.0", kCat | kCatWrite},
      {"restore", -3, kNoScript | kWrite | kDenyOom, 0, 0, 0, FunctionRestoreCommand, "scripting",
       "Restores all libraries from a payload.", "7.0.0", kCat | kCatWrite},
      {"stats", 2, kNoScript | kAllowBusy, 0, 0, 0, FunctionStatsCommand, "scripting",
       "Returns information about a function during execution.", "7.0.0", kCat},
  };
  r.Add(std::move(fn));
}

void AddFunctionMemory(ScriptMemory* m) {
  FunctionsState& st = F();
  m->functions_vm = st.vm->UsedMemory();
  // Each library and function also costs its map entries.
  constexpr size_t kPerEntryOverhead = 64;
  m->functions = st.code_bytes + (st.libraries.size() + st.functions.size()) * kPerEntryOverhead;
  m->num_functions = st.functions.size();
  m->num_libraries = st.libraries.size();
}

std::vector<std::string> LibraryCodes() {
  std::vector<std::string> out;
  for (const auto& [name, lib] : F().libraries) out.push_back(lib.code);
  return out;
}

bool LoadLibrary(const std::string& code, bool replace, std::string* err) {
  std::string name;
  return CreateLibrary(code, replace, &name, err);
}

void FlushLibraries() { FlushAll(); }

}  // namespace script
