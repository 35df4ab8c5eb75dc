#include "script/internal.h"

namespace script {

void RegisterFunctionCommands(commands::Registry&) {}
void AddFunctionMemory(ScriptMemory*) {}
std::vector<std::string> LibraryCodes() { return {}; }
bool LoadLibrary(const std::string&, bool, std::string* err) {
  *err = "not supported";
  return false;
}
void FlushLibraries() {}

}  // namespace script
