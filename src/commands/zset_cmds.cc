// The zset command family. Placeholder registration until the family lands.
#include "commands/registry.h"

namespace commands {

void RegisterZsetCommands(Registry&) {}

}  // namespace commands
