// What the files of src/script share with each other (not with the server:
// that is script.h).
#pragma once

#include <cstdint>
#include <string>

#include "commands/client.h"
#include "commands/registry.h"
#include "script/lua_vm.h"
#include "script/script.h"

namespace script {

void RegisterEvalCommands(commands::Registry& r);      // eval_cmds.cc
void RegisterFunctionCommands(commands::Registry& r);  // function_cmds.cc
// The EVAL side's INFO figures (lua_vm, eval_scripts, cached_scripts).
ScriptMemory GetEvalMemory();
// The key spec of EVAL* / FCALL* (keys counted at argv[2]); ro: *_RO;
// with_notes: Redis's notes saying the worst is assumed.
commands::KeySpec ScriptKeys(bool ro, bool with_notes = true);
// EVAL's and FCALL's numkeys argument (argv[2]): false after replying with
// Redis's errors.
bool GetNumKeysOrReply(commands::Client& c, int64_t* numkeys, bool fcall);
// The checks a script with declared flags (a shebang, a function) passes
// before it runs: *_RO with a script that may write, OOM, MISCONF. False
// after replying with the error.
bool ScriptMayStartOrReply(commands::Client& c, uint32_t flags, bool ro);
// Runs the Lua function on top of vm's stack for EVAL* / FCALL* (keys and
// args from c.argv[3...]), replying to c.
void RunFromCommand(LuaVm& vm, commands::Client& c, const std::string& name, uint32_t flags, bool ro,
                    bool is_function, int64_t numkeys);
// The FUNCTION side's (functions_vm, functions, num_*).
void AddFunctionMemory(ScriptMemory* m);

}  // namespace script
