// The hash command family. Placeholder registration until the family lands.
#include "commands/registry.h"

namespace commands {

void RegisterHashCommands(Registry&) {}

}  // namespace commands
