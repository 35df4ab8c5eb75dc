// RDB encoding of the zset type. Placeholder until the zset family lands.
#include "persist/type_rdb.h"

namespace persist {

common::Result<RdbType> RdbZsetType(const object::Object*) {
  return common::Status::NotSupported("serialization of this type is not supported yet");
}

common::Status RdbWriteZset(std::string*, const object::Object*, bool) {
  return common::Status::NotSupported("serialization of this type is not supported yet");
}

common::Result<object::Object*> RdbReadZset(RdbType, RdbReader*) {
  return common::Status::NotSupported("loading this RDB type is not supported yet");
}

}  // namespace persist
