// The keyspace: one Db per logical database (SELECT 0..databases-1).
//
// A Db owns two dicts, as Redis does:
//   dict     key -> value, one DRAM allocation per key holding the chain
//            link, the value's object header and the key string (see
//            "Keyspace entries" in db.cc; read them with EntryKey and
//            EntryValue)
//   expires  the key string of that entry -> int64 unix-ms deadline
// The expires dict borrows the key from the `dict` entry and never frees
// it, so a key with a TTL costs one more DRAM entry, not a second string.
// Entries never move while they live (rehashing relinks them), so the
// borrowed pointer stays valid until the key is deleted.
//
// Values: the header lives in the entry, so an Object* returned by a lookup
// or by Add/SetKey is valid until the key is deleted or its value replaced,
// and Add/SetKey consume the object passed in (object::AdoptInto): callers
// continue with the pointer they return.
//
// Expiry is lazy (every lookup checks the deadline and deletes an expired
// key) and active (ActiveExpireCycle, from cron, samples keys with a TTL
// under a time budget). Nothing here knows about clients or replies.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "ds/dict.h"
#include "db/slot_index.h"
#include "ds/sds.h"
#include "object/object.h"

namespace db {

using object::Object;

struct Stats {
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t expired_stale_perc = 0;  // last cycle's estimate, percent
  uint64_t expired_time_cap_reached_count = 0;
  uint64_t expire_cycle_cpu_milliseconds = 0;
};
Stats& GetStats();

// The clock used for expiry decisions. The server sets it once per event
// loop iteration (and per command), like Redis's cached mstime, so one
// command sees one time.
int64_t Now();
void SetNow(int64_t ms);
// When false, keys are not deleted on access even if expired (used while
// loading and by DEBUG SET-ACTIVE-EXPIRE); lookups still hide them.
void SetLazyExpireDeletes(bool on);

// lazyfree-lazy-server-del and lazyfree-lazy-expire, as the keyspace
// applies them (set by the server from config): implicit deletions and
// overwrites, and deletions of expired keys, free big values in the
// background thread (db/lazyfree.h).
struct LazyfreeSettings {
  bool server_del = false;
  bool expire = false;
};
LazyfreeSettings& Lazyfree();

// The server calls this when it starts and reaps a fork child. While one
// lives, lookups leave the access clocks alone (Db::Touch) and the tiering
// engine moves nothing, so that the parent does not make the kernel copy
// the pages the child shares, as Redis does for the clocks.
void SetForkChildAlive(bool alive);

// Called for every key deleted because it expired (for notifications and
// propagation). Set by the command layer.
using ExpiredHook = void (*)(int db_id, std::string_view key);
void SetExpiredHook(ExpiredHook hook);
// Called when LookupRead finds no key (the `keymiss` event), and when Add
// creates a key (the `new` event). Set by the command layer.
using KeyHook = void (*)(int db_id, std::string_view key);
void SetKeyMissHook(KeyHook hook);
void SetKeyCreatedHook(KeyHook hook);
// Called after Delete removed a key (DEL, UNLINK, expiry...): clients
// blocked in XREADGROUP on a stream learn that it is gone.
void SetKeyDeletedHook(KeyHook hook);

// Called whenever a key is added or its value replaced (Add, SetKey,
// Overwrite) with the new value, after the change. The command layer uses it
// to wake clients blocked on the key (commands/blocking.h), so every command
// that creates a key (LPUSH, RENAME, COPY, RESTORE, ...) wakes them.
using KeyAddedHook = void (*)(int db_id, std::string_view key, const Object* val);
void SetKeyAddedHook(KeyAddedHook hook);

// Whether Dbs made from now on keep a per-slot key index (db/slot_index.h):
// set once by the server, before it makes its dbs, when cluster-enabled is
// yes. Off by default: no index, no links in the entries.
void EnableSlotIndex(bool on);
bool SlotIndexEnabled();

class Db {
 public:
  explicit Db(int id) : Db(id, SlotIndexEnabled()) {}
  Db(int id, bool slot_index);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int id() const { return id_; }
  size_t size() const { return dict_.size(); }
  size_t expires_size() const { return expires_.size(); }
  ds::Dict& dict() { return dict_; }
  ds::Dict& expires() { return expires_; }

  // Returns the value, or nullptr if absent or expired (an expired key is
  // deleted). Updates the key's LRU/LFU data and the hit/miss stats.
  Object* LookupRead(std::string_view key);
  // As LookupRead, without touching stats (for writes).
  Object* LookupWrite(std::string_view key);
  // No expiry check side effects beyond hiding, no LRU touch: for TYPE-less
  // introspection (OBJECT, DEBUG).
  Object* LookupNoTouch(std::string_view key);
  ds::DictEntry* FindEntry(std::string_view key);
  // One access of a key's value where Redis counts one (every lookup but
  // LookupNoTouch): its LRU clock or LFU counter (object/lru.h), unless the
  // clocks are frozen.
  static void Touch(Object* o);

  // Adds a key and returns its stored value. REQUIRES: absent. Consumes val
  // (object::AdoptInto): use the returned pointer from then on.
  Object* Add(std::string_view key, Object* val);
  // Adds or overwrites, and returns the stored value. Overwriting drops the
  // TTL unless keep_ttl. Consumes val as Add does.
  Object* SetKey(std::string_view key, Object* val, bool keep_ttl);
  // Replaces the value of an existing entry, keeping its TTL; returns the
  // stored value. Consumes val as Add does. The old value is freed in the
  // background under lazyfree-lazy-server-del when that is worth it.
  Object* Overwrite(ds::DictEntry* de, Object* val);
  // Deletes the key: its value is freed in the background when `lazy` and
  // that is worth it (lazyfree::WorthIt). Without `lazy`, as
  // lazyfree-lazy-server-del says (Redis's dbDelete). False if absent.
  bool Delete(std::string_view key, bool lazy);
  bool Delete(std::string_view key) { return Delete(key, Lazyfree().server_del); }
  // Removes the key and returns its value as a standalone object (the
  // caller owns the reference); the TTL is dropped. nullptr if absent.
  Object* Unlink(std::string_view key);

  // Deadline in unix ms, or -1.
  int64_t GetExpire(std::string_view key);
  // REQUIRES: key exists.
  void SetExpire(std::string_view key, int64_t when_ms);
  bool RemoveExpire(std::string_view key);
  // True iff the key is expired by Now(); deletes it when allowed.
  bool ExpireIfNeeded(std::string_view key);

  // Deletes everything: at once, or with `async` by handing both dicts to
  // the lazy-free thread (Redis's emptyDbAsync). Returns the number of keys
  // removed.
  size_t Flush(bool async = false);
  // Swaps contents with another Db (SWAPDB); ids stay.
  void SwapWith(Db& other);

  // A random key that is not expired, or an empty sds-less view when the
  // db is empty. Tries a bounded number of times if all keys are expired.
  bool RandomKey(std::string* out);

  // The per-slot key index (cluster mode), or nullptr.
  const SlotIndex* slot_index() const { return slots_.get(); }
  // Keys of a slot: O(1); 0 without the index.
  size_t CountKeysInSlot(int slot) const { return slots_ ? slots_->Count(slot) : 0; }
  // Up to max keys of the slot, newest first (Redis's order). O(max).
  std::vector<std::string_view> GetKeysInSlot(int slot, size_t max) const;
  // Deletes every key of the slot (Redis's delKeysInSlot, for a slot this
  // node lost), calling `deleted(key)` after each deletion (for
  // notifications and propagation); returns how many. O(keys in the slot).
  size_t DeleteKeysInSlot(int slot, const std::function<void(std::string_view)>& deleted = {});

  // Per-db expire cycle state (the cursor into expires_).
  uint64_t expire_cursor = 0;
  int64_t avg_ttl = 0;

 private:
  // Removes an unlinked entry from the slot index, if any.
  void UnindexEntry(ds::DictEntry* de);

  int id_;
  ds::Dict dict_;
  ds::Dict expires_;
  std::unique_ptr<SlotIndex> slots_;  // null unless the slot index is on
};

// The key and the value of a keyspace entry (of Db::dict()).
std::string_view EntryKey(const ds::DictEntry* de);
// The key as the sds stored in the entry: what the expires dict is keyed by.
ds::sds EntryKeySds(const ds::DictEntry* de);
Object* EntryValue(ds::DictEntry* de);
const Object* EntryValue(const ds::DictEntry* de);
// Bytes of the entry's own allocations: the entry, and the key string when
// tier-keys placed it outside (MEMORY USAGE's per-key overhead).
size_t EntryBytes(const ds::DictEntry* de);

// A temporary sds copy of a key for lookups. Keys up to kInline - 4 bytes
// are built in place (no allocation on the lookup path); longer ones are
// allocated on the DRAM tier. Only for lookups: never stored in a dict.
class TempKey {
 public:
  explicit TempKey(std::string_view k);
  ~TempKey();
  TempKey(const TempKey&) = delete;
  TempKey& operator=(const TempKey&) = delete;
  ds::sds get() const { return s_; }

 private:
  // Room for the 3-byte sds header, a 60-byte key and its NUL.
  static constexpr size_t kInline = 64;
  char buf_[kInline];
  ds::sds s_;
  bool heap_;
};

// One step of the active expire cycle over all dbs: samples keys with a
// TTL and deletes the expired ones, stopping when the time budget is used
// or few sampled keys were expired. `effort` is active-expire-effort (1..10),
// `budget_us` the time limit of this call.
void ActiveExpireCycle(std::vector<Db*>& dbs, int effort, int64_t budget_us);

// The dict types for the keyspace and expires dicts. The keyspace of a db
// with the slot index uses kKeyspaceSlotsDictType, whose entries carry
// SlotLinks before them.
extern const ds::DictType kKeyspaceDictType;
extern const ds::DictType kKeyspaceSlotsDictType;
extern const ds::DictType kExpiresDictType;
// sds hashing/equality for other dicts keyed by sds (e.g. WATCH).
uint64_t SdsHash(const void* key);
bool SdsEqual(const void* a, const void* b);

}  // namespace db
