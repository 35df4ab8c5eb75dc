// RDB encoding of the set type, exactly as Redis 7.0 writes and reads it:
//
//   RDB_TYPE_SET (2)         <len> then len members, each an RDB string
//                            (hashtable-encoded sets)
//   RDB_TYPE_SET_INTSET (11) the intset blob as one RDB string (so LZF may
//                            compress it), intset-encoded sets
//
// Loading, as Redis's rdbLoadObject:
//  - a plain set starts as an intset when its length is at most
//    set-max-intset-entries and stays one while every member is an integer;
//    the first non-integer converts it to a hashtable presized for the whole
//    length. Duplicate members and empty sets are corrupt.
//  - an intset blob must pass ds::IntsetValidateIntegrity with the deep check
//    (header, size, non-empty, strictly ascending) before it is adopted. We
//    always run the deep check, whatever sanitize-dump-payload says: it is
//    O(n), and a blob with disordered elements would break binary search.
//    An intset longer than set-max-intset-entries becomes a hashtable.
#include <string>
#include <string_view>

#include "common/util.h"
#include "ds/dict.h"
#include "ds/intset.h"
#include "ds/sds.h"
#include "object/set_type.h"
#include "persist/type_rdb.h"

namespace persist {
namespace {

using object::Object;

common::Result<Object*> ReadPlainSet(RdbReader* in) {
  uint64_t len;
  if (!in->ReadPlainLen(&len)) return common::Status::Corruption("bad set length");
  if (len == 0) return common::Status::Corruption("empty set");
  // Each member takes at least one byte: a longer claim is corrupt, and is
  // refused before anything is presized for it.
  if (len > in->remaining()) return common::Status::Corruption("set length exceeds the input");
  Object* set;
  if (len > object::SetMaxIntsetEntries()) {
    set = object::CreateSetObject();
    object::SetDict(set)->Expand(len);
  } else {
    set = object::CreateIntsetObject();
  }
  StringScratch scratch;
  for (uint64_t i = 0; i < len; i++) {
    bool is_int;
    int64_t v;
    std::string_view bytes;
    if (!in->ReadString(&is_int, &v, &bytes, &scratch)) {
      object::DecrRef(set);
      return common::Status::Corruption("bad set member");
    }
    char buf[common::kInt64BufSize];
    if (is_int) bytes = std::string_view(buf, common::Int64ToChars(v, buf));
    if (set->GetEncoding() == object::Encoding::kIntset && !common::StringToInt64(bytes, &v)) {
      object::SetTypeConvertToHashtable(set);
      object::SetDict(set)->Expand(len);
    }
    if (!object::SetTypeAdd(set, bytes)) {
      object::DecrRef(set);
      return common::Status::Corruption("duplicate set members");
    }
  }
  return set;
}

common::Result<Object*> ReadIntsetSet(RdbReader* in) {
  bool is_int;
  int64_t v;
  std::string_view blob;
  StringScratch scratch;
  if (!in->ReadString(&is_int, &v, &blob, &scratch)) return common::Status::Corruption("bad intset string");
  char buf[common::kInt64BufSize];
  if (is_int) blob = std::string_view(buf, common::Int64ToChars(v, buf));  // never a valid intset
  if (!ds::IntsetValidateIntegrity(blob.data(), blob.size(), /*deep=*/true)) {
    return common::Status::Corruption("Intset integrity check failed.");
  }
  Object* set = object::Create(object::Type::kSet, object::Encoding::kIntset,
                               ds::IntsetFromBlob(blob.data(), blob.size()));
  if (ds::IntsetLen(object::SetIntset(set)) > object::SetMaxIntsetEntries()) {
    object::SetTypeConvertToHashtable(set);
  }
  return set;
}

}  // namespace

common::Result<RdbType> RdbSetType(const Object* o) {
  switch (o->GetEncoding()) {
    case object::Encoding::kIntset: return RdbType::kSetIntset;
    case object::Encoding::kHashtable: return RdbType::kSet;
    default: return common::Status::NotSupported("unknown set encoding");
  }
}

common::Status RdbWriteSet(std::string* out, const Object* o, bool compress) {
  if (o->GetEncoding() == object::Encoding::kIntset) {
    const ds::Intset* is = object::SetIntset(o);
    RdbWriteString(out, std::string_view(reinterpret_cast<const char*>(is), ds::IntsetBlobLen(is)), compress);
    return common::Status::Ok();
  }
  if (o->GetEncoding() != object::Encoding::kHashtable) return common::Status::NotSupported("unknown set encoding");
  ds::Dict* d = object::SetDict(o);
  RdbWriteLen(out, d->size());
  auto it = d->MakeIterator(/*safe=*/false);
  while (ds::DictEntry* de = it.Next()) RdbWriteString(out, ds::SdsView(static_cast<ds::sds>(de->key)), compress);
  return common::Status::Ok();
}

common::Result<Object*> RdbReadSet(RdbType type, RdbReader* in) {
  if (type == RdbType::kSet) return ReadPlainSet(in);
  if (type == RdbType::kSetIntset) return ReadIntsetSet(in);
  return common::Status::NotSupported("not a set RDB type");
}

}  // namespace persist
