// The hash type: field -> value maps with Redis 7.0's two encodings.
//
//   listpack   o->ptr is one ds listpack of field,value,field,value,... in
//              insertion order. The whole blob is a payload: placement
//              decides its tier (it moves to NVM as it grows past
//              tier-nvm-min-size, see ds/listpack.h).
//   hashtable  o->ptr is a ds::Dict (its struct, table and entries are DRAM
//              metadata) from field sds to value sds; every field and value
//              sds is a payload (ds::SdsUse::kPayload), so placement puts
//              each one on its tier by its size.
//
// A new hash is a listpack. It becomes a hashtable exactly where Redis 7.0
// converts (hashTypeTryConversion / hashTypeSet): when it would hold more
// than hash-max-listpack-entries fields, when a field or value longer than
// hash-max-listpack-value bytes is written, or when the blob would pass the
// listpack safety limit. It never converts back, even when it shrinks or the
// thresholds are raised. Converting builds every field and value as a new
// payload allocation, so they land wherever placement puts them now.
//
// Nothing here knows about clients, replies or the keyspace: commands/
// hash_cmds.cc maps these results to RESP. Views returned by the functions
// below point into the hash (or into a caller's buffer for integers stored
// in a listpack) and are valid until the hash is modified.
//
// Invariants (HashVerify): the listpack holds an even, non-zero number of
// elements with no field twice; the dict's fields are unique by
// construction, and its field and value sds are kPayload strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ds/dict.h"
#include "ds/listpack.h"
#include "object/object.h"

namespace object {

// Room a caller provides for one listpack integer read back as text.
inline constexpr size_t kHashIntBufSize = ds::kLpIntBufSize;

// The dict type of hashtable-encoded hashes: sds fields (binary-safe hash
// and compare) and sds values, both owned and freed by the dict.
extern const ds::DictType kHashDictType;

// A new empty hash, listpack-encoded (refcount 1). A hash with no fields
// must not stay in the keyspace: callers delete the key when the last field
// goes, as Redis does.
Object* CreateHash();
// A hashtable-encoded hash sized for `expected` fields (RDB loading).
Object* CreateHashtableHash(size_t expected);

// Number of fields.
size_t HashLength(const Object* o);

// True iff field is present; then *value views its value. buf (at least
// kHashIntBufSize bytes) receives the digits of an integer stored in a
// listpack.
bool HashGet(const Object* o, std::string_view field, char* buf, std::string_view* value);
bool HashExists(const Object* o, std::string_view field);

// Redis's hashTypeTryConversion, called before a write of the given fields
// and values: converts a listpack to a hashtable if any of them is longer
// than hash-max-listpack-value, or if adding all of them could take the blob
// past the listpack safety size.
void HashTryConversion(Object* o, const std::string_view* args, size_t n);
// Sets field to value, adding the field if absent. Converts first when
// field or value is too long for a listpack, and after adding when the
// field count exceeds hash-max-listpack-entries. Returns true iff the field
// was new.
bool HashSet(Object* o, std::string_view field, std::string_view value);
// Removes field. Returns true iff it was present. A hashtable may shrink.
bool HashDelete(Object* o, std::string_view field);
// listpack -> hashtable. No-op on a hashtable.
void HashConvertToHashtable(Object* o);

enum class HashIncrStatus {
  kOk,
  kNotInteger,  // HINCRBY: the value is not an int64 in canonical form
  kOverflow,    // HINCRBY: the sum does not fit int64
  kNotFloat,    // HINCRBYFLOAT: the value does not parse as a long double
  kNanOrInf,    // HINCRBYFLOAT: the sum is NaN or infinite
};
// HINCRBY: a missing field counts as 0. On kOk the field holds the sum and
// *result is it; otherwise nothing changed.
HashIncrStatus HashIncrBy(Object* o, std::string_view field, int64_t incr, int64_t* result);
// HINCRBYFLOAT: as HashIncrBy with long doubles. On kOk the field holds the
// sum in Redis's human format (ld2string LD_STR_HUMAN), also put in *text.
// REQUIRES: incr is finite.
HashIncrStatus HashIncrByFloat(Object* o, std::string_view field, long double incr, std::string* text);

// ---- iteration ----

// Walks every field,value pair: listpack order (insertion) or dict order.
// REQUIRES: the hash is not modified while the iterator lives.
class HashIterator {
 public:
  explicit HashIterator(const Object* o);
  HashIterator(const HashIterator&) = delete;
  HashIterator& operator=(const HashIterator&) = delete;
  // Moves to the next pair; false at the end (then Field/Value must not be
  // called).
  bool Next();
  // The current pair; valid until the next Next().
  std::string_view Field();
  std::string_view Value();

 private:
  const Object* o_;
  unsigned char* fptr_ = nullptr;  // listpack: the current field
  unsigned char* vptr_ = nullptr;  // listpack: the current value
  bool started_ = false;
  std::optional<ds::Dict::Iterator> dit_;
  ds::DictEntry* de_ = nullptr;
  char fbuf_[kHashIntBufSize];
  char vbuf_[kHashIntBufSize];
};

// ---- random fields (HRANDFIELD) ----

using HashPairFn = std::function<void(std::string_view field, std::string_view value)>;

// One random field and its value (fair in a listpack; dictGetFairRandomKey
// in a hashtable). REQUIRES: HashLength(o) > 0.
void HashRandomField(const Object* o, const HashPairFn& fn);
// HRANDFIELD with a count, with Redis 7.0's strategies:
//  - !unique: exactly count fields, each drawn independently (repeats);
//  - unique and count >= length: every field once, in iteration order;
//  - unique, count * 3 > length: copy the fields, remove random ones until
//    count remain (cheap when most are kept);
//  - unique otherwise: draw random fields until count distinct ones.
// fn sees each emitted pair; unique output never repeats a field.
// REQUIRES: HashLength(o) > 0 when count > 0.
void HashRandomFields(const Object* o, size_t count, bool unique, const HashPairFn& fn);

// ---- checks ----

// True iff o satisfies the invariants in the file comment. O(n) (listpack:
// O(n) with a temporary set of fields). For tests and DEBUG.
bool HashVerify(const Object* o);

}  // namespace object
