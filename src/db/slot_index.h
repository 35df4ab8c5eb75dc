// The per-slot key index of a cluster node: for each of the 16384 hash
// slots, how many keys of the db hash to it and a list of their keyspace
// entries, so CLUSTER COUNTKEYSINSLOT is O(1), GETKEYSINSLOT O(count) and a
// slot's keys can be deleted (or moved by MIGRATE) without a keyspace scan.
//
// Layout (Redis 7.0 threads the same list through 16 bytes of dict entry
// metadata): every keyspace entry of a db with the index carries a
// SlotLinks of 16 bytes placed right BEFORE the entry, in the same DRAM
// allocation (db.cc "Keyspace entries"), so the dict, the value header and
// the key string keep their offsets and an entry without the index pays
// nothing. Each slot is a doubly linked list of entries, newest first, as
// Redis's (so GETKEYSINSLOT lists keys in Redis's order), and its length.
//
// Memory: 16 bytes per key (one jemalloc size class step up for most key
// lengths) plus a 256 KB table of heads, allocated with the db's first key
// and freed when it empties; nothing at all when cluster-enabled is no.
//
// Invariants: an entry is in the list of KeyHashSlot(its key) iff it is in
// the db's dict; count(s) is the length of list s; head(s)->prev is nullptr.
// Entries never move while they live (ds::Dict relinks, never copies), so
// the links stay valid.
//
// Thread safety: main thread only, like the keyspace. An entry handed to the
// lazy-free thread is unlinked first (or its whole index is dropped).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/crc64.h"
#include "ds/dict.h"

namespace db {

inline constexpr int kSlots = common::kClusterSlots;

// The links that precede an indexed keyspace entry in its allocation.
struct SlotLinks {
  ds::DictEntry* prev;
  ds::DictEntry* next;
};
static_assert(sizeof(SlotLinks) == 16, "two pointers, as Redis 7.0's clusterDictEntryMetadata");

// REQUIRES: de is an entry of an indexed db (created with its links).
inline SlotLinks* LinksOf(ds::DictEntry* de) { return reinterpret_cast<SlotLinks*>(de) - 1; }

class SlotIndex {
 public:
  SlotIndex() = default;
  ~SlotIndex();
  SlotIndex(const SlotIndex&) = delete;
  SlotIndex& operator=(const SlotIndex&) = delete;

  // Links de at the head of slot's list. REQUIRES: de not in any list.
  void Add(int slot, ds::DictEntry* de);
  // Unlinks de from slot's list. REQUIRES: de is in that list.
  void Remove(int slot, ds::DictEntry* de);
  // Forgets every list (the entries are freed by the caller, or the
  // lazy-free thread, without touching their links). Frees the table.
  void Clear();
  void Swap(SlotIndex& other);

  size_t Count(int slot) const { return heads_ ? heads_[slot].count : 0; }
  // The newest entry of slot, or nullptr; walk on with Next.
  ds::DictEntry* First(int slot) const { return heads_ ? heads_[slot].head : nullptr; }
  static ds::DictEntry* Next(ds::DictEntry* de) { return LinksOf(de)->next; }
  // Bytes of the table of heads (INFO memory's overhead).
  size_t TableBytes() const;

  // Walks every list and checks the invariants against `total` entries:
  // prev/next agree, counts match, every entry hashes to its slot. For
  // tests; O(total).
  bool Verify(size_t total, std::string_view (*key_of)(const ds::DictEntry*)) const;

 private:
  struct Head {
    ds::DictEntry* head;
    uint64_t count;
  };
  Head* heads_ = nullptr;  // kSlots entries, or nullptr while empty
  size_t keys_ = 0;
};

}  // namespace db
