// The zset type. Placeholder registration until the zset family lands.
#include "object/object.h"

namespace object {

void RegisterZsetTypeOps() {}

}  // namespace object
