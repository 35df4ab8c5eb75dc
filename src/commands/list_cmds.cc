// The list command family. Placeholder registration until the family lands.
#include "commands/registry.h"

namespace commands {

void RegisterListCommands(Registry&) {}

}  // namespace commands
