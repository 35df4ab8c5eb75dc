// Scripting and functions (EVAL, SCRIPT, FUNCTION, FCALL), as the server
// sees them: command registration, INFO figures, and the function
// libraries' persistence (RDB and AOF rewrite).
//
// Layering: script sits above commands (it runs commands through the
// dispatcher's Call on a script client) and below server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "commands/registry.h"

namespace script {

// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT (eval_cmds.cc); FCALL,
// FCALL_RO, FUNCTION (function_cmds.cc).
void RegisterScriptCommands(commands::Registry& r);

// INFO memory figures.
struct ScriptMemory {
  size_t lua_vm = 0;          // used_memory_lua (the EVAL VM's heap)
  size_t eval_scripts = 0;    // used_memory_scripts_eval
  size_t cached_scripts = 0;  // number_of_cached_scripts
  size_t functions_vm = 0;    // used_memory_vm_functions
  size_t functions = 0;       // used_memory_functions (libraries' code and metadata)
  size_t num_functions = 0;
  size_t num_libraries = 0;
};
ScriptMemory GetScriptMemory();

// The function libraries' code, in load order (RDB's FUNCTION2 records,
// AOF rewrite's FUNCTION LOAD commands).
std::vector<std::string> LibraryCodes();
// Loads one library (RDB loading). replace: an existing library of the
// same name is replaced. Returns false with *err set on failure.
bool LoadLibrary(const std::string& code, bool replace, std::string* err);
// Drops every library (FLUSHALL does not; DEBUG RELOAD and loading an RDB
// start from none).
void FlushLibraries();

}  // namespace script
