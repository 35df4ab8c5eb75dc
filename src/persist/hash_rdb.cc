// RDB encoding of the hash type, as Redis 7.0 writes and reads it:
//
//   RDB_TYPE_HASH (4)           <len> then len x (<field string> <value string>)
//                               (what a hashtable-encoded hash is saved as)
//   RDB_TYPE_HASH_LISTPACK (16) the listpack blob as one RDB string
//                               (what a listpack-encoded hash is saved as)
//
// Loading follows Redis's rdbLoadObject:
//  - type 4 builds a listpack while the fields fit (at most
//    hash-max-listpack-entries of them, each field and value at most
//    hash-max-listpack-value bytes) and converts to a hashtable at the first
//    pair that does not; duplicate fields are corruption;
//  - type 16 takes the blob as is, after deep validation (always: the input
//    may be a RESTORE payload from anyone), with an even, non-zero element
//    count and no field twice; it converts to a hashtable when it has more
//    than hash-max-listpack-entries fields. Like Redis 7.0.15, a long value
//    alone does not convert a loaded listpack.
// The old ziplist/zipmap hash encodings (13, 9) are not loadable yet.
#include <algorithm>
#include <string>

#include "common/util.h"
#include "ds/listpack.h"
#include "object/hash_type.h"
#include "persist/type_rdb.h"
#include "persist/ziplist.h"

namespace persist {
namespace {

common::Result<object::Object*> Corrupt(object::Object* o, const char* why) {
  if (o != nullptr) object::DecrRef(o);
  return common::Status::Corruption(why);
}

common::Result<object::Object*> ReadHashPairs(RdbReader* in) {
  uint64_t len;
  if (!in->ReadPlainLen(&len)) return common::Status::Corruption("bad hash length");
  if (len == 0) return common::Status::Corruption("empty hash");
  // Each pair takes at least two bytes: refuse counts the input cannot hold
  // before presizing anything.
  if (len > in->remaining() / 2) return common::Status::Corruption("hash length exceeds the input");
  const object::Settings& s = object::GetSettings();
  object::Object* o =
      len > s.hash_max_listpack_entries ? object::CreateHashtableHash(len) : object::CreateHash();
  // HashSet converts at the first pair too long for a listpack (and
  // reports a field it already holds: corruption).
  StringScratch fscratch, vscratch;
  for (uint64_t i = 0; i < len; i++) {
    std::string_view field, value;
    if (!in->ReadStringBytes(&field, &fscratch) || !in->ReadStringBytes(&value, &vscratch)) {
      return Corrupt(o, "bad hash field or value");
    }
    if (!object::HashSet(o, field, value)) return Corrupt(o, "hash with duplicate fields");
  }
  return o;
}

// Takes ownership of lp (already layout-validated): the hash it holds,
// converted to a hashtable past hash-max-listpack-entries as Redis's loader
// does.
common::Result<object::Object*> HashFromListpack(unsigned char* lp, const char* why) {
  object::Object* o = object::Create(object::Type::kHash, object::Encoding::kListpack, lp);
  // Even and non-empty, no field twice.
  // Even and non-empty, no field twice; `why` says so in Redis's words.
  if (!object::HashVerify(o)) return Corrupt(o, why);
  if (object::HashLength(o) > object::GetSettings().hash_max_listpack_entries) object::HashConvertToHashtable(o);
  return o;
}

// The RDB string holding a blob (listpack, ziplist, zipmap).
bool ReadBlob(RdbReader* in, std::string_view* blob, StringScratch* scratch) {
  bool is_int;
  int64_t v;
  return in->ReadString(&is_int, &v, blob, scratch) && !is_int;
}

common::Result<object::Object*> ReadHashListpack(RdbReader* in) {
  std::string_view blob;
  StringScratch scratch;
  if (!ReadBlob(in, &blob, &scratch)) return common::Status::Corruption("bad hash listpack string");
  const auto* bytes = reinterpret_cast<const unsigned char*>(blob.data());
  if (!ds::LpValidateIntegrity(bytes, blob.size(), /*deep=*/true)) {
    return common::Status::Corruption("Hash listpack integrity check failed.");
  }
  return HashFromListpack(ds::LpFromBytes(blob), "Hash listpack integrity check failed.");
}

// RDB 9 and older: a ziplist (type 13) or zipmap (type 9) of field/value
// pairs, converted to the listpack Redis 7.0 keeps.
common::Result<object::Object*> ReadHashZiplistOrZipmap(RdbType type, RdbReader* in) {
  std::string_view blob;
  StringScratch scratch;
  if (!ReadBlob(in, &blob, &scratch)) return common::Status::Corruption("bad hash ziplist string");
  auto lp = type == RdbType::kHashZipmap ? ZipmapToListpack(blob) : ZiplistToListpack(blob, /*pairs=*/true);
  if (!lp.ok()) return lp.status();
  auto o = HashFromListpack(*lp, type == RdbType::kHashZipmap ? "Zipmap integrity check failed."
                                                              : "Hash ziplist integrity check failed.");
  if (!o.ok() || type != RdbType::kHashZipmap || (*o)->GetEncoding() != object::Encoding::kListpack) return o;
  // A zipmap is also converted for a field or value over
  // hash-max-listpack-value (Redis 7.0 checks sizes only for this one; a
  // ziplist or listpack hash keeps its long elements).
  size_t maxlen = 0;
  {
    object::HashIterator it(*o);
    while (it.Next()) maxlen = std::max({maxlen, it.Field().size(), it.Value().size()});
  }
  if (maxlen > object::GetSettings().hash_max_listpack_value) object::HashConvertToHashtable(*o);
  return o;
}

}  // namespace

common::Result<RdbType> RdbHashType(const object::Object* o) {
  switch (o->GetEncoding()) {
    case object::Encoding::kListpack: return RdbType::kHashListpack;
    case object::Encoding::kHashtable: return RdbType::kHash;
    default: return common::Status::NotSupported("unknown hash encoding");
  }
}

common::Status RdbWriteHash(std::string* out, const object::Object* o, bool compress) {
  if (o->GetEncoding() == object::Encoding::kListpack) {
    const auto* lp = static_cast<const unsigned char*>(o->ptr);
    RdbWriteString(out, std::string_view(reinterpret_cast<const char*>(lp), ds::LpBytes(lp)), compress);
    return common::Status::Ok();
  }
  if (o->GetEncoding() != object::Encoding::kHashtable) return common::Status::NotSupported("unknown hash encoding");
  RdbWriteLen(out, object::HashLength(o));
  object::HashIterator it(o);
  while (it.Next()) {
    RdbWriteString(out, it.Field(), compress);
    RdbWriteString(out, it.Value(), compress);
  }
  return common::Status::Ok();
}

common::Result<object::Object*> RdbReadHash(RdbType type, RdbReader* in) {
  switch (type) {
    case RdbType::kHash: return ReadHashPairs(in);
    case RdbType::kHashListpack: return ReadHashListpack(in);
    case RdbType::kHashZiplist:
    case RdbType::kHashZipmap: return ReadHashZiplistOrZipmap(type, in);
    default: return common::Status::NotSupported("loading this RDB hash encoding is not supported yet");
  }
}

}  // namespace persist
