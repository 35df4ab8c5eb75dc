// RDB encoding of the set type. Placeholder until the set family lands.
#include "persist/type_rdb.h"

namespace persist {

common::Result<RdbType> RdbSetType(const object::Object*) {
  return common::Status::NotSupported("serialization of this type is not supported yet");
}

common::Status RdbWriteSet(std::string*, const object::Object*, bool) {
  return common::Status::NotSupported("serialization of this type is not supported yet");
}

common::Result<object::Object*> RdbReadSet(RdbType, RdbReader*) {
  return common::Status::NotSupported("loading this RDB type is not supported yet");
}

}  // namespace persist
