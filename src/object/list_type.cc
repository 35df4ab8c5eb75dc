// The list type. Placeholder registration until the list family lands.
#include "object/object.h"

namespace object {

void RegisterListTypeOps() {}

}  // namespace object
