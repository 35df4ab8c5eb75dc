// The hash type. Placeholder registration until the hash family lands.
#include "object/object.h"

namespace object {

void RegisterHashTypeOps() {}

}  // namespace object
