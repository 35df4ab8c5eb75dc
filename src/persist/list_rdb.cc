// RDB encoding of the list type. Placeholder until the list family lands.
#include "persist/type_rdb.h"

namespace persist {

common::Result<RdbType> RdbListType(const object::Object*) {
  return common::Status::NotSupported("serialization of this type is not supported yet");
}

common::Status RdbWriteList(std::string*, const object::Object*, bool) {
  return common::Status::NotSupported("serialization of this type is not supported yet");
}

common::Result<object::Object*> RdbReadList(RdbType, RdbReader*) {
  return common::Status::NotSupported("loading this RDB type is not supported yet");
}

}  // namespace persist
