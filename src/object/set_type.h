// The set type: Redis 7.0's two set encodings and the operations the SET
// commands, SORT and RDB are built on. No client or reply knowledge here.
//
//   kIntset     ptr is a ds::Intset blob (a value payload: placement decides
//               its tier, so a large intset lives on NVM). Used while every
//               member is an integer in canonical form (Redis's string2ll)
//               and there are at most set-max-intset-entries members
//               (capped at 2^30, Redis's intset limit).
//   kHashtable  ptr is a ds::Dict (its struct, tables and entries are DRAM
//               metadata) whose keys are the members as sds strings
//               allocated as payloads (SdsUse::kPayload: NVM once they reach
//               tier-nvm-min-size) and whose values are unused.
//
// Conversion goes one way only, exactly when Redis 7.0's setTypeAdd does it:
// adding a non-integer member to an intset, or an intset growing past
// set-max-intset-entries, turns it into a hashtable presized for its
// members. A hashtable never turns back into an intset (a plain RDB set of
// few integers loads as an intset, which is persist's business).
// (Listpack-encoded sets are Redis 7.2; 7.0 has none.)
//
// Invariants (SetTypeVerify): a set object stored in the keyspace is never
// empty (commands delete the key when the last member goes); an intset blob
// satisfies ds::IntsetVerify; a hashtable's keys are distinct payload sds
// strings with null values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ds/dict.h"
#include "ds/intset.h"
#include "object/object.h"

namespace object {

// Redis limits intsets to 2^30 members whatever set-max-intset-entries says
// (the blob's byte length must stay well inside 32 bits at 8 bytes each).
inline constexpr size_t kIntsetMaxEntriesCap = size_t{1} << 30;

// The dict type of hashtable sets: payload sds keys owned by the dict, no
// values.
extern const ds::DictType kSetDictType;

// A member as iteration and sampling yield it: an integer (intset) or the
// bytes of a member sds (hashtable), which stay valid while the set is not
// modified.
struct SetMember {
  bool is_int = false;
  int64_t ll = 0;
  std::string_view str;

  // The member's bytes; an integer is written in decimal into buf, which
  // must hold common::kInt64BufSize bytes.
  std::string_view View(char* buf) const;
};

// ---- creation ----

// An empty hashtable-encoded set.
Object* CreateSetObject();
// An empty intset-encoded set.
Object* CreateIntsetObject();
// Redis's setTypeCreate: an empty set able to hold `first`: an intset when
// it is an integer, a hashtable otherwise.
Object* SetTypeCreate(std::string_view first);

// ---- access ----

size_t SetTypeSize(const Object* set);
inline ds::Intset* SetIntset(const Object* set) { return static_cast<ds::Intset*>(set->ptr); }
inline ds::Dict* SetDict(const Object* set) { return static_cast<ds::Dict*>(set->ptr); }
// The effective set-max-intset-entries (the setting, capped at 2^30).
size_t SetMaxIntsetEntries();

// Adds member; returns true iff it was not there. Converts the encoding as
// described in the file comment.
bool SetTypeAdd(Object* set, std::string_view member);
// The same for a member known as an integer (no parsing when the set is an
// intset).
bool SetTypeAddInt(Object* set, int64_t v);
bool SetTypeAddMember(Object* set, const SetMember& m);
// Removes member; returns true iff it was there. A hashtable is shrunk when
// it becomes sparse, as Redis's setTypeRemove does.
bool SetTypeRemove(Object* set, std::string_view member);
bool SetTypeRemoveMember(Object* set, const SetMember& m);
bool SetTypeIsMember(const Object* set, std::string_view member);
bool SetTypeIsMemberInt(const Object* set, int64_t v);
bool SetTypeIsMemberOf(const Object* set, const SetMember& m);
// A random member (Redis's setTypeRandomElement: intsetRandom, or the
// dict's fair random key). REQUIRES: the set is not empty.
SetMember SetTypeRandomElement(const Object* set);
// Converts an intset set to a hashtable presized for its members.
// REQUIRES: set is intset-encoded.
void SetTypeConvertToHashtable(Object* set);

// Walks every member once: ascending for an intset, table order for a
// hashtable. The set must not be modified while the iterator lives (a
// hashtable checks that with the dict's fingerprint).
class SetIterator {
 public:
  explicit SetIterator(const Object* set);
  SetIterator(const SetIterator&) = delete;
  SetIterator& operator=(const SetIterator&) = delete;
  // The next member into *out; false at the end.
  bool Next(SetMember* out);

 private:
  const Object* set_;
  uint32_t pos_ = 0;                      // intset
  std::optional<ds::Dict::Iterator> it_;  // hashtable
};

// ---- whole-object operations (TypeOps) ----

// Frees the representation (not the header).
void FreeSetValue(Object* o);
// A deep copy with refcount 1, same encoding.
Object* DupSet(const Object* o);
// Adds the bytes of the representation per tier (MEMORY USAGE). samples > 0
// estimates the members' bytes from the first `samples` members, as Redis's
// objectComputeSize does; 0 counts every member.
void SetMemoryUsage(const Object* o, size_t samples, TierBytes* tb);
// Checks the invariants of the file comment; aborts on violation. O(n).
void SetTypeVerify(const Object* o);

}  // namespace object
