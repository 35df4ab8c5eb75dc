// The set type. Placeholder registration until the set family lands.
#include "object/object.h"

namespace object {

void RegisterSetTypeOps() {}

}  // namespace object
