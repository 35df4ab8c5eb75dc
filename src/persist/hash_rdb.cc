// RDB encoding of the hash type. Placeholder until the hash family lands.
#include "persist/type_rdb.h"

namespace persist {

common::Result<RdbType> RdbHashType(const object::Object*) {
  return common::Status::NotSupported("serialization of this type is not supported yet");
}

common::Status RdbWriteHash(std::string*, const object::Object*, bool) {
  return common::Status::NotSupported("serialization of this type is not supported yet");
}

common::Result<object::Object*> RdbReadHash(RdbType, RdbReader*) {
  return common::Status::NotSupported("loading this RDB type is not supported yet");
}

}  // namespace persist
