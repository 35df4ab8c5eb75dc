#include "script/script.h"

#include "script/internal.h"

namespace script {

void RegisterScriptCommands(commands::Registry& r) {
  RegisterEvalCommands(r);
  RegisterFunctionCommands(r);
}

ScriptMemory GetScriptMemory() {
  ScriptMemory m = GetEvalMemory();
  AddFunctionMemory(&m);
  return m;
}

}  // namespace script
