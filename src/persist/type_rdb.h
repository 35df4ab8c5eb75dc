// The RDB value encodings of the collection types, one file per type
// (persist/<type>_rdb.cc), called by dump.cc's RdbObjectType /
// RdbWriteObject / RdbReadObject. Same contracts as those: the write
// functions append the value encoding (no type byte); the read functions
// take the RDB type code read from the input, bounds-check everything,
// validate blobs (listpacks, intsets, ziplists) before trusting them, and
// return Corruption on malformed input and NotSupported for codes they do
// not load. They never crash on untrusted bytes (RESTORE, RDB files).
#pragma once

#include <string>

#include "common/status.h"
#include "object/object.h"
#include "persist/dump.h"

namespace persist {

common::Result<RdbType> RdbListType(const object::Object* o);
common::Status RdbWriteList(std::string* out, const object::Object* o, bool compress);
common::Result<object::Object*> RdbReadList(RdbType type, RdbReader* in);

common::Result<RdbType> RdbHashType(const object::Object* o);
common::Status RdbWriteHash(std::string* out, const object::Object* o, bool compress);
common::Result<object::Object*> RdbReadHash(RdbType type, RdbReader* in);

common::Result<RdbType> RdbSetType(const object::Object* o);
common::Status RdbWriteSet(std::string* out, const object::Object* o, bool compress);
common::Result<object::Object*> RdbReadSet(RdbType type, RdbReader* in);

common::Result<RdbType> RdbZsetType(const object::Object* o);
common::Status RdbWriteZset(std::string* out, const object::Object* o, bool compress);
common::Result<object::Object*> RdbReadZset(RdbType type, RdbReader* in);

common::Result<RdbType> RdbStreamType(const object::Object* o);
common::Status RdbWriteStream(std::string* out, const object::Object* o, bool compress);
common::Result<object::Object*> RdbReadStream(RdbType type, RdbReader* in);

}  // namespace persist
