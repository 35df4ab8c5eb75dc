// The set command family. Placeholder registration until the family lands.
#include "commands/registry.h"

namespace commands {

void RegisterSetCommands(Registry&) {}

}  // namespace commands
