// The object layer: Redis's robj, in 16 bytes of DRAM.
//
// Every value in the keyspace is an Object header (metadata, DRAM) whose
// `ptr` points at the value's representation:
//
//   encoding kInt     ptr holds the int64 itself; no payload at all
//   encoding kEmbstr  header and sds share one DRAM allocation (short strings:
//                     one pointer chase, one cache line, like Redis)
//   encoding kRaw     ptr is an sds allocated as payload: placement decides
//                     its tier (NVM at or above tier-nvm-min-size)
//
// Type and encoding numbers are Redis's (OBJ_STRING.., OBJ_ENCODING_..):
// OBJECT ENCODING reports their names, and persist/ maps them to the RDB
// type codes, which never change.
//
// Refcounts: shared objects (the integers 0..9999) have kSharedRefcount and
// are never freed. The lru field holds the LRU clock or LFU data
// (object/lru.h).
//
// Headers inside keyspace entries (in_entry = 1). The keyspace stores each
// value's header inside the key's dict entry (db/db.cc), so a key costs one
// DRAM allocation. Such a header is not an allocation of its own: it is
// filled by AdoptInto, emptied by ReleaseInEntry or DetachFromEntry, never
// passed to IncrRef/DecrRef, and lives exactly as long as its entry. An
// in-entry embstr keeps its short string in a separate DRAM sds (the entry
// has no room to grow), still reported as "embstr". An in-entry header's
// refcount is 1, or kSharedRefcount when it holds a shared integer, so
// OBJECT REFCOUNT and the copy-before-write checks see what Redis shows.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "alloc/zmalloc.h"
#include "ds/sds.h"

namespace object {

enum class Type : uint8_t { kString = 0, kList = 1, kSet = 2, kZset = 3, kHash = 4, kModule = 5, kStream = 6 };

enum class Encoding : uint8_t {
  kRaw = 0,
  kInt = 1,
  kHashtable = 2,
  kZipmap = 3,      // no longer used: old hash encoding
  kLinkedlist = 4,  // no longer used: old list encoding
  kZiplist = 5,     // no longer used in memory (RDB loading converts)
  kIntset = 6,
  kSkiplist = 7,
  kEmbstr = 8,
  kQuicklist = 9,
  kStream = 10,
  kListpack = 11,
};

inline constexpr int kLruBits = 24;
inline constexpr int kSharedRefcount = INT_MAX;
// Redis's OBJ_SHARED_INTEGERS: integer values 0..9999 are one shared object.
inline constexpr int64_t kSharedIntegers = 10000;
// Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: 44 bytes of string plus the
// 16-byte header, the 3-byte sds8 header and the NUL fill jemalloc's 64-byte
// bin exactly. Configurable down (tier-embstr-max) so that more strings take
// the raw encoding and so become NVM payloads.
inline constexpr size_t kEmbstrMaxLimit = 44;

struct Object {
  unsigned type : 3;      // Type (0..6)
  unsigned in_entry : 1;  // lives inside a keyspace entry (see above)
  unsigned encoding : 4;
  unsigned lru : kLruBits;
  int refcount;
  void* ptr;

  Type GetType() const { return static_cast<Type>(type); }
  Encoding GetEncoding() const { return static_cast<Encoding>(encoding); }
};
static_assert(sizeof(Object) == 16, "the object header is 16 bytes, as Redis's robj");

// ---- settings read on the hot path (set by the server from config) ----
struct Settings {
  size_t embstr_max = kEmbstrMaxLimit;  // tier-embstr-max
  bool shared_integers = true;          // false when maxmemory uses LRU/LFU
  // Encoding thresholds (Redis 7.0's names and compiled-in defaults): a
  // collection keeps its compact encoding while it has at most *_entries
  // elements and every element is at most *_value bytes.
  size_t hash_max_listpack_entries = 512;  // hash-max-listpack-entries
  size_t hash_max_listpack_value = 64;     // hash-max-listpack-value
  size_t set_max_intset_entries = 512;     // set-max-intset-entries
  size_t zset_max_listpack_entries = 128;  // zset-max-listpack-entries
  size_t zset_max_listpack_value = 64;     // zset-max-listpack-value
  // list-max-listpack-size: > 0 caps entries per quicklist node; -1..-5 cap
  // a node's bytes at 4, 8, 16, 32, 64 KiB.
  int list_max_listpack_size = -2;
  int list_compress_depth = 0;             // list-compress-depth
  size_t hll_sparse_max_bytes = 3000;      // hll-sparse-max-bytes (object/hyperloglog.h)
  size_t stream_node_max_bytes = 4096;     // stream-node-max-bytes (object/stream_type.h)
  int64_t stream_node_max_entries = 100;   // stream-node-max-entries
};
Settings& GetSettings();


// ---- creation / destruction ----

// Takes ownership of ptr.
Object* Create(Type type, Encoding enc, void* ptr);
// A string object for the bytes: embstr if short enough, raw otherwise.
Object* CreateString(std::string_view s);
Object* CreateRawString(std::string_view s);
Object* CreateEmbstr(std::string_view s);
// An integer-encoded string (shared for 0..9999 when allowed).
Object* CreateStringFromInt64(int64_t v);
// Like CreateString, then the smallest encoding Redis would choose
// (tryObjectEncoding): int if it is a canonical int64 of <= 20 chars,
// embstr if short, raw otherwise.
Object* CreateStringEncoded(std::string_view s);
// Same, but nullptr when the bytes of a raw string cannot be allocated:
// for strings whose length a client chose (RESTORE), where that is an error
// reply and not the end of the process.
Object* TryCreateStringEncoded(std::string_view s);
// Re-encodes a string object in place if Redis's tryObjectEncoding would;
// returns the object to use (possibly a new one; the old is released).
Object* TryEncode(Object* o);
// A copy with refcount 1 (COPY, and before modifying a shared object).
Object* DupString(const Object* o);

// REQUIRES (both): o is not an in-entry header.
void IncrRef(Object* o);
void DecrRef(Object* o);  // frees at zero

// ---- in-entry headers (the keyspace's; see the top of this file) ----

// Moves val's value into dst, an in-entry header that holds no value (its
// previous value released), and consumes val: one reference of a standalone
// object (its header is freed when it was the last; a value shared with
// other holders is copied), nothing of a shared integer (dst then holds the
// shared marker too), nothing of another entry's header (copied: the other
// key keeps its value). val == dst is a no-op.
void AdoptInto(Object* dst, Object* val);
// Frees the value held by the in-entry header o (not the header).
void ReleaseInEntry(Object* o);
// Moves the value of the in-entry header o into a new standalone object
// (refcount 1) and returns it; o holds no value afterwards.
Object* DetachFromEntry(Object* o);
inline bool IsShared(const Object* o) { return o->refcount == kSharedRefcount; }

// ---- strings ----

// The bytes of a string object. For kInt the digits are written into buf
// (>= 21 bytes) and the view points there.
std::string_view StringView(const Object* o, char* buf);
size_t StringLen(const Object* o);
// True iff the string is an int64 in canonical form (Redis's
// getLongLongFromObject); sets *v.
bool GetInt64(const Object* o, int64_t* v);
// Makes o's string a modifiable raw sds (for APPEND/SETRANGE) and returns it.
// REQUIRES: o->refcount == 1 (not shared), type string.
ds::sds& MutableRawString(Object* o);

// ---- introspection ----

const char* EncodingName(Encoding e);  // OBJECT ENCODING names
const char* TypeName(Type t);          // TYPE names

// Bytes per tier of the value (header included, on DRAM, unless it is an
// in-entry header: then its bytes belong to the entry). MEMORY USAGE reports
// dram + nvm; MEMORY TIER reports them apart.
struct TierBytes {
  size_t dram = 0;
  size_t nvm = 0;
  size_t total() const { return dram + nvm; }
  TierBytes& operator+=(const TierBytes& o) {
    dram += o.dram;
    nvm += o.nvm;
    return *this;
  }
};
// samples: for aggregate types, how many elements to sample (0 = all).
TierBytes MemoryUsage(const Object* o, size_t samples);

// Adds the bytes of allocation p to the right tier of tb.
inline void AddAlloc(TierBytes& tb, const void* p) {
  if (p == nullptr) return;
  (alloc::InNvmRange(p) ? tb.nvm : tb.dram) += alloc::UsableSize(p);
}

// Adds `sample`, measured over `seen` of a value's `total` elements, scaled
// to all of them (Redis's objectComputeSize estimate); seen == 0 adds none.
inline void AddScaled(TierBytes& tb, const TierBytes& sample, size_t seen, size_t total) {
  if (seen == 0) return;
  if (seen == total) {
    tb += sample;
    return;
  }
  const double scale = static_cast<double>(total) / static_cast<double>(seen);
  tb.dram += static_cast<size_t>(static_cast<double>(sample.dram) * scale);
  tb.nvm += static_cast<size_t>(static_cast<double>(sample.nvm) * scale);
}

// What each non-string type provides to the generic object code: freeing
// its representation, reporting its memory per tier, a deep copy (COPY),
// and for the tiering engine (db/tiering.h) its payloads: their bytes per
// tier, and moving them. Each type's file registers its ops; InitTypes()
// registers them all.
struct TypeOps {
  void (*free_value)(Object* o) = nullptr;
  void (*memory)(const Object* o, size_t samples, TierBytes* tb) = nullptr;
  Object* (*dup)(const Object* o) = nullptr;
  // Payload bytes only (no dict tables, entries, nodes: those are DRAM
  // metadata), per tier; `samples` as for memory.
  void (*payload)(const Object* o, size_t samples, TierBytes* tb) = nullptr;
  // Moves every payload block of the value to `to` (alloc::Move), updating
  // every pointer to it (a skiplist member is shared by its node and the
  // dict: both). Returns the bytes moved. Stops at the first block `to`
  // cannot take: the rest stays, and the value straddles the tiers until
  // the next attempt. Contents, encoding and element order are unchanged.
  size_t (*relocate)(Object* o, alloc::Tier to) = nullptr;
  // The tier of the payload a read reaches first.
  alloc::Tier (*payload_tier)(const Object* o) = nullptr;
};
void RegisterTypeOps(Type t, const TypeOps& ops);
// Registers every built-in type's ops. Called once at start-up (and by unit
// tests that create collections); idempotent.
void InitTypes();
// Each defined in its type's file (object/<type>_type.cc).
void RegisterListTypeOps();
void RegisterHashTypeOps();
void RegisterSetTypeOps();
void RegisterZsetTypeOps();
void RegisterStreamTypeOps();

// A deep copy of any value with refcount 1 (COPY). nullptr for a type with
// no dup op (none once every type is registered).
Object* Dup(const Object* o);

// The tiering engine's view of any value (strings included): payload bytes
// per tier (collections sampled as MEMORY USAGE does, `samples` 0 = all),
// the tier a read of it reaches first (DRAM for values with no payload:
// integers, embedded strings), and moving all of its payload to `to` (see
// TypeOps::relocate; returns the bytes moved). Replies copy payload bytes
// into the client's buffer (resp::ReplyBuilder), never reference them, so
// a value may move between any two events.
TierBytes PayloadBytes(const Object* o, size_t samples);
// The relocate ops' two steps: move the block at *slot (a listpack, an
// intset) or the sds at *slot to `to`, store the new address there and add
// the bytes moved to *moved. True when the block is now on `to`, false when
// `to` could not take it (*slot unchanged).
bool MoveBlock(void** slot, alloc::Tier to, size_t* moved);
bool MoveSds(void** slot, alloc::Tier to, size_t* moved);
alloc::Tier PayloadTier(const Object* o);
size_t Relocate(Object* o, alloc::Tier to);

// How much work freeing o's value takes, in allocations give or take
// (Redis's lazyfreeGetFreeEffort): the nodes of a quicklist, the entries of
// a hashtable set or hash, the length of a skiplist; 1 for everything kept
// in one block (strings, listpacks, intsets).
size_t FreeEffort(const Object* o);

}  // namespace object
