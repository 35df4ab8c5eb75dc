// What the files of src/script share with each other (not with the server:
// that is script.h).
#pragma once

#include "commands/registry.h"
#include "script/script.h"

namespace script {

void RegisterEvalCommands(commands::Registry& r);      // eval_cmds.cc
void RegisterFunctionCommands(commands::Registry& r);  // function_cmds.cc
// The EVAL side's INFO figures (lua_vm, eval_scripts, cached_scripts).
ScriptMemory GetEvalMemory();
// The FUNCTION side's (functions_vm, functions, num_*).
void AddFunctionMemory(ScriptMemory* m);

}  // namespace script
