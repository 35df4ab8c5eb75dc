// Dict: a chained hash table with incremental rehashing, after Redis's dict.
//
// Owns: two bucket arrays (tables) of power-of-two size and the entries
// chained from them. Everything the dict allocates is metadata (DRAM):
// tables with alloc::MetaCalloc, entries with alloc::Meta. Keys and values
// are opaque pointers owned according to the DictType (key_free/val_free),
// or, for a type with DictEntryOps, held inside entries the type allocates
// and frees itself (the keyspace's: key, value header and link in one
// allocation).
//
// Incremental rehashing: growing or shrinking allocates table 1 and then
// moves buckets from table 0 to table 1 a few at a time: one bucket on each
// lookup, insert and delete (as Redis does in _dictRehashStep) and in bulk
// from the server cron (RehashMilliseconds), so no single call pays for
// moving a big table. While rehashing, buckets [0, rehash_idx) of table 0 are
// empty, lookups check both tables and inserts go to table 1. When table 0
// is empty, table 1 becomes table 0.
//
// Rehashing pauses while a safe iterator or a Scan call is active, so the
// entries they are walking do not move under them.
//
// Resizing policy (Redis 7.0): a table grows to the next power of two above
// `used` when used >= size (load factor 1), unless resizing is disabled
// globally (SetResizeEnabled(false), while a fork child exists, to avoid
// copy-on-write of pages the rehash would touch); then it still grows once
// used/size > kForceResizeRatio. A DictType may veto a growth
// (expand_allowed, used for maxmemory). Shrinking is never automatic: the
// cron calls ShrinkIfNeeded.
//
// Invariants: used_[0] + used_[1] == size(); rehash_idx_ == -1 iff table 1 is
// not allocated; every entry sits in the bucket of its hash in the table it
// belongs to; while rehashing, table 0 buckets below rehash_idx_ are empty.
//
// Not thread-safe: one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

#include "ds/hash.h"
#include "ds/sds.h"

namespace ds {

// The standard entry: a key pointer, a value and the chain link. The link
// comes first because it is the one member every entry layout shares (see
// DictEntryOps).
struct DictEntry {
  DictEntry* next;  // next entry in the same bucket
  void* key;
  union {
    void* val;
    int64_t s64;
    uint64_t u64;
    double d;
  } v;
};
static_assert(sizeof(DictEntry) == 24, "three words: chain link, key, value");

// Entries of another layout, which hold their key (and value) inline instead
// of pointing at them: the keyspace uses them so that one key costs one DRAM
// allocation (db/db.cc). Such an entry is any struct whose first member is a
// `DictEntry* next`; the dict touches only that member and reaches the rest
// through these functions. Add, Replace, FetchValue, SetVal and FreeVal,
// which read the standard `v`, must not be used with them.
struct DictEntryOps {
  // A new entry holding a copy of key (the caller keeps key). The dict sets
  // the link.
  DictEntry* (*create)(const void* key);
  // The key stored in e, in the representation hash and key_equal take.
  const void* (*key)(const DictEntry* e);
  // Frees e and everything it owns.
  void (*destroy)(DictEntry* e);
  // Bytes of e's allocation (MemoryUsage).
  size_t (*size)(const DictEntry* e);
};

struct DictType {
  uint64_t (*hash)(const void* key);
  bool (*key_equal)(const void* a, const void* b);  // nullptr: pointer equality
  void (*key_free)(void* key);                       // nullptr: keys not owned
  void (*val_free)(void* val);                       // nullptr: values not owned
  // Optional veto on growing (maxmemory): more_mem is the size in bytes of
  // the table that would be allocated, used_ratio is used/size now. Return
  // false to refuse; the forced growth at kForceResizeRatio is vetoed too.
  bool (*expand_allowed)(size_t more_mem, double used_ratio) = nullptr;
  // Inline-key entries (see DictEntryOps); nullptr: standard DictEntry, with
  // key_free/val_free. When set, key_free and val_free are unused.
  const DictEntryOps* entry_ops = nullptr;
};

// ---- Ready-made hashing and types ----------------------------------------

// For sds keys: binary-safe, case-sensitive.
uint64_t DictSdsHash(const void* key);
bool DictSdsKeyEqual(const void* a, const void* b);
// For sds keys compared case-insensitively (ASCII), e.g. command names.
uint64_t DictSdsCaseHash(const void* key);
bool DictSdsKeyCaseEqual(const void* a, const void* b);
// For NUL-terminated C string keys compared case-insensitively (ASCII).
uint64_t DictCStrCaseHash(const void* key);
bool DictCStrKeyCaseEqual(const void* a, const void* b);
// Frees an sds (a key_free/val_free for sds keys or values).
void DictSdsFree(void* p);

// sds keys owned by the dict (freed with SdsFree); values not owned.
extern const DictType kSdsDictType;
// Case-insensitive sds keys owned by the dict; values not owned.
extern const DictType kSdsCaseDictType;
// Case-insensitive C string keys; neither keys nor values owned.
extern const DictType kCStrCaseDictType;

// ---- The table --------------------------------------------------------------

// Sizes and chain-length statistics of one table (DEBUG HTSTATS).
struct DictTableStats {
  size_t size = 0;            // buckets
  size_t used = 0;            // entries
  size_t nonempty = 0;        // buckets with at least one entry
  size_t max_chain = 0;
  // chain_hist[i]: buckets with chains of length i; the last slot counts
  // every chain of kDictStatsVectLen - 1 or more.
  static constexpr int kDictStatsVectLen = 50;  // Redis's DICT_STATS_VECTLEN
  size_t chain_hist[kDictStatsVectLen] = {};
};

class Dict {
 public:
  // Table sizes are 1 << exp, never below this (Redis DICT_HT_INITIAL_SIZE).
  static constexpr size_t kMinSize = 4;
  // With resizing disabled, a table still grows when used/size exceeds this:
  // chains of 5+ entries on average cost more than the copy-on-write.
  static constexpr size_t kForceResizeRatio = 5;
  // Shrink when fewer than this percent of the buckets would be used
  // (Redis HASHTABLE_MIN_FILL).
  static constexpr size_t kMinFillPercent = 10;

  explicit Dict(const DictType* type);
  ~Dict();  // frees every entry (with key_free/val_free) and the tables
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;

  const DictType* type() const { return type_; }
  // Entries in both tables.
  size_t size() const { return used_[0] + used_[1]; }
  // Buckets in both tables.
  size_t buckets() const { return TableSize(0) + TableSize(1); }
  bool IsRehashing() const { return rehash_idx_ != -1; }

  // The entry of key, or nullptr. Does one rehash step.
  DictEntry* Find(const void* key);
  // The value of key, or nullptr if absent.
  void* FetchValue(const void* key) {
    DictEntry* e = Find(key);
    return e ? e->v.val : nullptr;
  }

  // Adds an entry for key with the value unset (zero) and returns it, or
  // returns nullptr if key is present (then *existing, if existing is not
  // nullptr, is that entry). On success the dict owns key (with entry_ops:
  // the entry holds a copy, and the caller keeps key). Does one rehash step
  // and may start a growth.
  DictEntry* AddRaw(void* key, DictEntry** existing);
  // Adds key -> val. Returns false if key is present; then nothing is stored
  // or freed and the caller still owns key and val.
  bool Add(void* key, void* val);
  // Adds or overwrites key -> val. Returns true if the key was new (the dict
  // now owns key). When it overwrites, returns false: the new value is set
  // first and then the old one is freed with val_free (so replacing a value
  // with itself under refcounting is safe), and the key passed in is NOT
  // stored: the caller still owns it and must free it if needed.
  bool Replace(void* key, void* val);
  // The entry of key, added (value unset) if absent. If key was present the
  // caller still owns the key passed in; if it was added the dict owns it.
  DictEntry* AddOrFind(void* key);

  // Removes key, freeing key and value via the type. Returns false if absent.
  bool Delete(const void* key);
  // Removes key's entry from the table without freeing anything and returns
  // it (nullptr if absent). The caller then uses it and calls FreeUnlinked.
  DictEntry* Unlink(const void* key);
  // Frees an entry returned by Unlink, with its key and value (via the
  // type). nullptr is a no-op.
  void FreeUnlinked(DictEntry* e);
  // Sets the value of e. Does NOT free the old value.
  void SetVal(DictEntry* e, void* val) { e->v.val = val; }
  // Frees e's value via val_free (for callers that overwrite in two steps).
  void FreeVal(DictEntry* e) {
    if (type_->val_free) type_->val_free(e->v.val);
  }

  // A random entry, or nullptr when empty. Samples a handful of entries from
  // consecutive buckets and picks one of them, so an entry in a long chain
  // is not favoured over one alone in its bucket (dictGetFairRandomKey).
  DictEntry* RandomEntry();
  // Up to count entries sampled from random consecutive buckets into out
  // (dictGetSomeKeys). Fast, not uniform; may return fewer than count even
  // when size() >= count, and, rarely (after a jump over a sparse region),
  // the same entry twice. Does up to count rehash steps.
  size_t SomeEntries(DictEntry** out, size_t count);

  // Reverse-binary cursor scan (dictScan). Start with cursor 0; each call
  // visits the bucket(s) the cursor names, calls fn(ctx, e) for each entry,
  // and returns the next cursor, 0 when the scan is complete.
  // Guarantee: an entry present from the first call to the last is reported
  // at least once, even if the table grows, shrinks or rehashes between
  // calls; it may be reported more than once.
  // fn may delete the entry it was given (and no other); it must not add.
  using ScanFn = void (*)(void* ctx, DictEntry* e);
  uint64_t Scan(uint64_t cursor, ScanFn fn, void* ctx);
  // The same with any callable taking a DictEntry*.
  template <typename F>
  uint64_t Scan(uint64_t cursor, F&& fn) {
    using Fn = std::remove_reference_t<F>;
    return Scan(
        cursor, [](void* c, DictEntry* e) { (*static_cast<Fn*>(c))(e); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Resizes to the next power of two >= max(size, kMinSize), starting an
  // incremental rehash (or just allocating, when the dict has no table).
  // Returns false, changing nothing, when a rehash is in progress, size is
  // smaller than the number of entries, or the size would not change. Does
  // not consult expand_allowed or the global resize switch (callers such as
  // RDB loading size the table on purpose).
  bool Expand(size_t size);
  // The cron's shrink (Redis htNeedsResize + dictResize): if the dict has
  // more than kMinSize buckets and fewer than kMinFillPercent% are used,
  // resizes to fit. Returns true if a resize started. No-op while rehashing
  // or with resizing disabled.
  bool ShrinkIfNeeded();
  // The growth check run on every add: allocates the first table, or grows
  // when used >= size (resizing enabled) or used/size > kForceResizeRatio,
  // subject to expand_allowed. Returns true if a resize started.
  bool ExpandIfNeeded();

  // Moves up to n buckets from table 0 to table 1, visiting at most n * 10
  // empty buckets, so one call has bounded cost even on a sparse table.
  // Returns 1 if there is more to move, 0 if not rehashing (anymore). While
  // rehashing is paused (safe iterator or Scan in progress) it moves nothing
  // and returns 1.
  int Rehash(int n);
  // Rehashes in batches of 100 buckets for about ms milliseconds (server
  // cron, activerehashing). Returns the number of buckets moved (in units of
  // 100). Does nothing while rehashing is paused.
  int RehashMilliseconds(int ms);

  // Frees every entry (via the type) and the tables; the dict is empty and
  // usable afterwards. callback(ctx), if given, runs every 65536 buckets so
  // a long clear can serve events. REQUIRES: no iterator in use.
  void Clear(void (*callback)(void* ctx) = nullptr, void* ctx = nullptr);

  // Iteration over every entry.
  //  - Safe: pauses rehashing while it lives; the caller may Delete (or
  //    Unlink) the entry just returned, and may Find/Add (an added entry
  //    may or may not be returned).
  //  - Unsafe: only reading is allowed. The dict's fingerprint is taken at
  //    the first Next() and checked when the iterator is released: any
  //    modification in between aborts the process.
  // Release happens in the destructor, or earlier with Release().
  class Iterator {
   public:
    Iterator(Iterator&& o) noexcept;
    Iterator(const Iterator&) = delete;
    Iterator& operator=(const Iterator&) = delete;
    Iterator& operator=(Iterator&&) = delete;
    ~Iterator() { Release(); }
    // The next entry, or nullptr at the end.
    DictEntry* Next();
    // Ends the iteration early (idempotent).
    void Release();

   private:
    friend class Dict;
    Iterator(Dict* d, bool safe) : d_(d), safe_(safe) {}
    Dict* d_;
    bool safe_;
    bool started_ = false;
    int ht_ = 0;  // which table index_ walks
    int64_t index_ = -1;
    DictEntry* entry_ = nullptr;
    DictEntry* next_ = nullptr;
    uint64_t fingerprint_ = 0;
  };
  Iterator MakeIterator(bool safe) { return Iterator(this, safe); }

  // Bytes of both tables and all entries (what MEMORY USAGE counts for the
  // dict itself; keys and values are the caller's to add). With entry_ops
  // the entries are counted one by one, which is O(size()).
  size_t MemoryUsage() const;
  // Bytes of the tables alone (O(1)).
  size_t TablesMemoryUsage() const;

  // Stats of table t (0: main, 1: rehash target; all zero if absent).
  // Walks every bucket: O(buckets), for DEBUG HTSTATS only.
  DictTableStats TableStats(int t) const;
  // The text of Redis 7.0's DEBUG HTSTATS for this dict ("Hash table 0
  // stats (main hash table):\n table size: ..."), table 1 included while
  // rehashing.
  std::string StatsText() const;

  // Global switch (dict_can_resize): false while a fork child exists, so
  // tables grow only past kForceResizeRatio and never shrink.
  static void SetResizeEnabled(bool on);
  static bool ResizeEnabled();

  // Exchanges the contents of two dicts of the same type (SWAPDB).
  // REQUIRES: a.type_ == b.type_ and neither has a safe iterator or scan
  // in progress.
  static void Swap(Dict& a, Dict& b);

 private:
  size_t TableSize(int t) const { return exp_[t] < 0 ? 0 : size_t{1} << exp_[t]; }
  size_t TableMask(int t) const { return exp_[t] < 0 ? 0 : TableSize(t) - 1; }
  uint64_t HashKey(const void* key) const { return type_->hash(key); }
  bool KeysEqual(const void* a, const void* b) const {
    return a == b || (type_->key_equal != nullptr && type_->key_equal(a, b));
  }
  // The key of an entry of either layout.
  const void* KeyOf(const DictEntry* e) const {
    return type_->entry_ops != nullptr ? type_->entry_ops->key(e) : e->key;
  }
  DictEntry* NewEntry(void* key);
  // Frees an entry with its key and value (via the type).
  void FreeEntry(DictEntry* e);
  // One rehash step, unless paused (Redis _dictRehashStep).
  void RehashStep() {
    if (pause_rehash_ == 0) Rehash(1);
  }
  // Bucket index for a new key in the table new entries go to, or -1 if the
  // key exists (then *existing = its entry). May start a growth.
  int64_t KeyIndex(const void* key, uint64_t hash, DictEntry** existing);
  DictEntry* GenericDelete(const void* key, bool free_it);
  void ClearTable(int t, void (*callback)(void*), void* ctx);
  uint64_t Fingerprint() const;
  // An entry chosen by picking random non-empty buckets (dictGetRandomKey).
  DictEntry* RandomEntryUnfair();

  const DictType* type_;
  DictEntry** table_[2] = {nullptr, nullptr};
  size_t used_[2] = {0, 0};
  int8_t exp_[2] = {-1, -1};   // log2 of the table size; -1: no table
  int64_t rehash_idx_ = -1;    // next table-0 bucket to move; -1: not rehashing
  int32_t pause_rehash_ = 0;   // >0: safe iterators or scans in progress
};

}  // namespace ds
