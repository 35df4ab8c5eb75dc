#include "db/db.h"

#include <cstring>
#include <memory>
#include <new>

#include "alloc/placement.h"
#include "common/crc64.h"
#include "common/macros.h"
#include "db/lazyfree.h"
#include "db/tiering.h"
#include "object/lru.h"

namespace db {
namespace {

// ---- Keyspace entries -------------------------------------------------------
//
// One DRAM allocation per key, a ds::DictEntryOps layout:
//
//   offset 0   next    the dict's chain link
//          8   obj     the value's object header (in_entry = 1)
//         24   h       size of the key sds's header, or 0 (see below), with
//                      kLinked set when SlotLinks precede the entry
//         25   the key sds: its h-byte header, the bytes, a NUL
//
// A 16-byte key takes 24 + 1 + 3 + 16 + 1 = 45 bytes, jemalloc's 48-byte
// class, where a standard entry, a key sds and a header take 32 + 32 + 16.
// When tier-keys places the key string on NVM (alloc::PlaceKey), h is 0 and
// the entry holds a pointer to that string at offset 32 instead.
//
// In a db with the per-slot key index (cluster mode) the allocation starts
// 16 bytes earlier with the entry's SlotLinks (db/slot_index.h), so the
// layout above is unchanged and the entry's own flag says where its
// allocation begins.
struct KeyEntry {
  ds::DictEntry* next;
  Object obj;
};
constexpr size_t kKeyAt = sizeof(KeyEntry);
constexpr size_t kKeyPtrAt = 32;  // the out-of-line key's pointer, aligned
constexpr uint8_t kLinked = 0x80;  // h's flag: SlotLinks precede the entry (sds headers are < 0x80 bytes)
static_assert(kKeyAt == 24 && offsetof(KeyEntry, next) == 0, "link, then header, then key");

KeyEntry* AsKeyEntry(ds::DictEntry* de) { return reinterpret_cast<KeyEntry*>(de); }
const KeyEntry* AsKeyEntry(const ds::DictEntry* de) { return reinterpret_cast<const KeyEntry*>(de); }

uint8_t HeaderByte(const ds::DictEntry* de) { return static_cast<uint8_t>(reinterpret_cast<const char*>(de)[kKeyAt]); }

ds::sds KeyOfEntry(const ds::DictEntry* de) {
  const char* p = reinterpret_cast<const char*>(de);
  const uint8_t h = HeaderByte(de) & ~kLinked;
  if (h != 0) return const_cast<char*>(p + kKeyAt + 1 + h);
  ds::sds k;
  memcpy(&k, p + kKeyPtrAt, sizeof(k));
  return k;
}

bool KeyOutOfLine(const ds::DictEntry* de) { return (HeaderByte(de) & ~kLinked) == 0; }

// Where the entry's allocation begins.
void* AllocationOf(const ds::DictEntry* de) {
  const char* p = reinterpret_cast<const char*>(de);
  return const_cast<char*>((HeaderByte(de) & kLinked) ? p - sizeof(SlotLinks) : p);
}

template <size_t kPrefix>
ds::DictEntry* CreateEntry(const void* key) {
  const auto k = static_cast<ds::sds>(const_cast<void*>(key));
  const size_t len = ds::SdsLen(k);
  const size_t key_bytes = ds::SdsEmbeddedSize(len);
  const uint8_t linked = kPrefix ? kLinked : 0;
  char* mem;
  if (alloc::PlaceKey(key_bytes) == alloc::Tier::kDram) {
    mem = static_cast<char*>(alloc::Meta(kPrefix + kKeyAt + 1 + key_bytes)) + kPrefix;
    ds::sds s = ds::SdsInitEmbedded(mem + kKeyAt + 1, k, len);
    mem[kKeyAt] = static_cast<char>((s - (mem + kKeyAt + 1)) | linked);
  } else {
    mem = static_cast<char*>(alloc::Meta(kPrefix + kKeyPtrAt + sizeof(ds::sds))) + kPrefix;
    mem[kKeyAt] = static_cast<char>(linked);
    ds::sds s = ds::SdsNewLen(k, len, ds::SdsUse::kKey);
    memcpy(mem + kKeyPtrAt, &s, sizeof(s));
  }
  KeyEntry* e = new (mem) KeyEntry{};
  // No value yet: the integer 0 (releasing it frees nothing) until the
  // caller adopts one.
  e->obj.in_entry = 1;
  e->obj.type = static_cast<unsigned>(object::Type::kString);
  e->obj.encoding = static_cast<unsigned>(object::Encoding::kInt);
  e->obj.refcount = 1;
  return reinterpret_cast<ds::DictEntry*>(e);
}

const void* EntryKeyOp(const ds::DictEntry* de) { return KeyOfEntry(de); }

void DestroyEntry(ds::DictEntry* de) {
  object::ReleaseInEntry(&AsKeyEntry(de)->obj);
  if (KeyOutOfLine(de)) ds::SdsFree(KeyOfEntry(de));
  alloc::Free(AllocationOf(de));
}

size_t EntrySize(const ds::DictEntry* de) {
  size_t n = alloc::UsableSize(AllocationOf(de));
  if (KeyOutOfLine(de)) n += alloc::UsableSize(ds::SdsAllocPtr(KeyOfEntry(de)));
  return n;
}

const ds::DictEntryOps kKeyEntryOps = {CreateEntry<0>, EntryKeyOp, DestroyEntry, EntrySize};
const ds::DictEntryOps kLinkedKeyEntryOps = {CreateEntry<sizeof(SlotLinks)>, EntryKeyOp, DestroyEntry, EntrySize};
bool g_slot_index = false;

Stats g_stats;
int64_t g_now_ms = 0;
bool g_lazy_deletes = true;
LazyfreeSettings g_lazyfree;
bool g_clocks_frozen = false;
ExpiredHook g_expired_hook = nullptr;
KeyAddedHook g_key_added_hook = nullptr;
KeyHook g_key_miss_hook = nullptr;
KeyHook g_key_created_hook = nullptr;
KeyHook g_key_deleted_hook = nullptr;

// Monotonic clock in microseconds for the expire cycle's time budget.
int64_t MonoUs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace

uint64_t SdsHash(const void* key) {
  ds::sds s = static_cast<ds::sds>(const_cast<void*>(key));
  return ds::HashBytes(s, ds::SdsLen(s));
}

bool SdsEqual(const void* a, const void* b) {
  ds::sds x = static_cast<ds::sds>(const_cast<void*>(a));
  ds::sds y = static_cast<ds::sds>(const_cast<void*>(b));
  size_t n = ds::SdsLen(x);
  return n == ds::SdsLen(y) && memcmp(x, y, n) == 0;
}

const ds::DictType kKeyspaceDictType = {SdsHash, SdsEqual, nullptr, nullptr, nullptr, &kKeyEntryOps};
const ds::DictType kKeyspaceSlotsDictType = {SdsHash, SdsEqual, nullptr, nullptr, nullptr, &kLinkedKeyEntryOps};
const ds::DictType kExpiresDictType = {SdsHash, SdsEqual, nullptr, nullptr, nullptr};

Stats& GetStats() { return g_stats; }
int64_t Now() { return g_now_ms; }
void SetNow(int64_t ms) { g_now_ms = ms; }
void SetLazyExpireDeletes(bool on) { g_lazy_deletes = on; }
void SetForkChildAlive(bool alive) {
  g_clocks_frozen = alive;
  tiering::SetForkChildAlive(alive);
}
LazyfreeSettings& Lazyfree() { return g_lazyfree; }

// Frees the value held by the in-entry header o: in the background when
// `lazy` and worth it (it moves out of the entry into a standalone object
// first), else now. o holds no value afterwards.
static void ReleaseValue(Object* o, bool lazy) {
  if (lazy && !object::IsShared(o) && lazyfree::WorthIt(o)) {
    lazyfree::FreeObject(object::DetachFromEntry(o));
  } else {
    object::ReleaseInEntry(o);
  }
}

void Db::Touch(Object* o) {
  if (!g_clocks_frozen) object::Touch(o);
}
void SetExpiredHook(ExpiredHook hook) { g_expired_hook = hook; }
void SetKeyAddedHook(KeyAddedHook hook) { g_key_added_hook = hook; }
void SetKeyMissHook(KeyHook hook) { g_key_miss_hook = hook; }
void SetKeyCreatedHook(KeyHook hook) { g_key_created_hook = hook; }
void SetKeyDeletedHook(KeyHook hook) { g_key_deleted_hook = hook; }

std::string_view EntryKey(const ds::DictEntry* de) { return ds::SdsView(KeyOfEntry(de)); }
ds::sds EntryKeySds(const ds::DictEntry* de) { return KeyOfEntry(de); }
Object* EntryValue(ds::DictEntry* de) { return &AsKeyEntry(de)->obj; }
const Object* EntryValue(const ds::DictEntry* de) { return &AsKeyEntry(de)->obj; }
size_t EntryBytes(const ds::DictEntry* de) { return EntrySize(de); }

TempKey::TempKey(std::string_view k) : heap_(ds::SdsEmbeddedSize(k.size()) > kInline) {
  s_ = heap_ ? ds::SdsNewLen(k.data(), k.size(), ds::SdsUse::kMeta) : ds::SdsInitEmbedded(buf_, k.data(), k.size());
}
TempKey::~TempKey() {
  if (heap_) ds::SdsFree(s_);
}

void EnableSlotIndex(bool on) { g_slot_index = on; }
bool SlotIndexEnabled() { return g_slot_index; }

Db::Db(int id, bool slot_index)
    : id_(id),
      dict_(slot_index ? &kKeyspaceSlotsDictType : &kKeyspaceDictType),
      expires_(&kExpiresDictType),
      slots_(slot_index ? std::make_unique<SlotIndex>() : nullptr) {}
Db::~Db() {
  expires_.Clear();
  dict_.Clear();
}

ds::DictEntry* Db::FindEntry(std::string_view key) {
  if (dict_.size() == 0) return nullptr;
  TempKey k(key);
  return dict_.Find(k.get());
}

int64_t Db::GetExpire(std::string_view key) {
  if (expires_.size() == 0) return -1;
  TempKey k(key);
  ds::DictEntry* de = expires_.Find(k.get());
  return de ? de->v.s64 : -1;
}

bool Db::ExpireIfNeeded(std::string_view key) {
  int64_t when = GetExpire(key);
  if (when < 0 || when > g_now_ms) return false;
  if (!g_lazy_deletes) return true;
  g_stats.expired_keys++;
  Delete(key, g_lazyfree.expire);
  if (g_expired_hook) g_expired_hook(id_, key);
  return true;
}

Object* Db::LookupNoTouch(std::string_view key) {
  if (ExpireIfNeeded(key)) return nullptr;
  ds::DictEntry* de = FindEntry(key);
  return de ? EntryValue(de) : nullptr;
}

Object* Db::LookupWrite(std::string_view key) {
  Object* o = LookupNoTouch(key);
  if (o) Touch(o);
  return o;
}

Object* Db::LookupRead(std::string_view key) {
  Object* o = LookupNoTouch(key);
  if (o) {
    g_stats.keyspace_hits++;
    tiering::OnRead(id_, key, o);  // before Touch: it reads the clock as it was
    Touch(o);
  } else {
    g_stats.keyspace_misses++;
    if (g_key_miss_hook) g_key_miss_hook(id_, key);
  }
  return o;
}

Object* Db::Add(std::string_view key, Object* val) {
  TempKey k(key);
  ds::DictEntry* de = dict_.AddRaw(k.get(), nullptr);
  TD_ASSERT(de != nullptr);
  if (slots_) slots_->Add(common::KeyHashSlot(key), de);
  Object* stored = EntryValue(de);
  object::AdoptInto(stored, val);
  if (g_key_added_hook) g_key_added_hook(id_, key, stored);
  if (g_key_created_hook) g_key_created_hook(id_, key);
  return stored;
}

Object* Db::Overwrite(ds::DictEntry* de, Object* val) {
  Object* stored = EntryValue(de);
  if (val != stored) {
    // Under LFU a key keeps its access history when its value is replaced
    // (Redis's dbSetValue); under LRU the new value's creation is an access.
    const uint32_t lru = stored->lru;
    ReleaseValue(stored, g_lazyfree.server_del);
    object::AdoptInto(stored, val);
    if (object::ClockSettings().lfu) stored->lru = lru;
  }
  if (g_key_added_hook) g_key_added_hook(id_, EntryKey(de), stored);
  return stored;
}

Object* Db::SetKey(std::string_view key, Object* val, bool keep_ttl) {
  ds::DictEntry* de = FindEntry(key);
  if (de == nullptr) return Add(key, val);
  Object* stored = Overwrite(de, val);
  if (!keep_ttl && expires_.size() > 0) expires_.Delete(EntryKeySds(de));
  return stored;
}

void Db::UnindexEntry(ds::DictEntry* de) {
  if (slots_) slots_->Remove(common::KeyHashSlot(EntryKey(de)), de);
}

bool Db::Delete(std::string_view key, bool lazy) {
  if (dict_.size() == 0) return false;
  TempKey k(key);
  // The expires entry borrows the key string: remove it first.
  if (expires_.size() > 0) expires_.Delete(k.get());
  ds::DictEntry* de = dict_.Unlink(k.get());
  if (de == nullptr) return false;
  UnindexEntry(de);
  if (lazy) ReleaseValue(EntryValue(de), true);
  dict_.FreeUnlinked(de);
  if (g_key_deleted_hook) g_key_deleted_hook(id_, key);
  return true;
}

Object* Db::Unlink(std::string_view key) {
  if (dict_.size() == 0) return nullptr;
  TempKey k(key);
  if (expires_.size() > 0) expires_.Delete(k.get());
  ds::DictEntry* de = dict_.Unlink(k.get());
  if (de == nullptr) return nullptr;
  UnindexEntry(de);
  Object* val = object::DetachFromEntry(EntryValue(de));
  dict_.FreeUnlinked(de);
  return val;
}

std::vector<std::string_view> Db::GetKeysInSlot(int slot, size_t max) const {
  std::vector<std::string_view> out;
  if (!slots_) return out;
  for (ds::DictEntry* de = slots_->First(slot); de && out.size() < max; de = SlotIndex::Next(de))
    out.push_back(EntryKey(de));
  return out;
}

size_t Db::DeleteKeysInSlot(int slot, const std::function<void(std::string_view)>& deleted) {
  size_t n = 0;
  while (ds::DictEntry* de = slots_ ? slots_->First(slot) : nullptr) {
    const std::string key(EntryKey(de));  // the entry goes with the key
    Delete(key);
    if (deleted) deleted(key);
    n++;
  }
  return n;
}

void Db::SetExpire(std::string_view key, int64_t when_ms) {
  ds::DictEntry* de = FindEntry(key);
  TD_ASSERT(de != nullptr);
  ds::DictEntry* ee = expires_.AddOrFind(EntryKeySds(de));
  ee->v.s64 = when_ms;
}

bool Db::RemoveExpire(std::string_view key) {
  if (expires_.size() == 0) return false;
  TempKey k(key);
  return expires_.Delete(k.get());
}

size_t Db::Flush(bool async) {
  size_t n = dict_.size();
  if (async && n > 0) {
    auto dict = std::make_unique<ds::Dict>(dict_.type());
    auto expires = std::make_unique<ds::Dict>(&kExpiresDictType);
    ds::Dict::Swap(*dict, dict_);
    ds::Dict::Swap(*expires, expires_);
    lazyfree::FreeKeyspace(std::move(dict), std::move(expires));
  }
  if (slots_) slots_->Clear();
  expires_.Clear();
  dict_.Clear();
  expire_cursor = 0;
  avg_ttl = 0;
  return n;
}

void Db::SwapWith(Db& other) {
  ds::Dict::Swap(dict_, other.dict_);
  ds::Dict::Swap(expires_, other.expires_);
  if (slots_ && other.slots_) slots_->Swap(*other.slots_);
  std::swap(expire_cursor, other.expire_cursor);
  std::swap(avg_ttl, other.avg_ttl);
}

bool Db::RandomKey(std::string* out) {
  // Redis tries up to 100 times when every sampled key is expired.
  for (int tries = 0; tries < 100 && dict_.size() > 0; tries++) {
    ds::DictEntry* de = dict_.RandomEntry();
    if (de == nullptr) return false;
    ds::sds k = EntryKeySds(de);
    std::string key(k, ds::SdsLen(k));
    if (expires_.size() > 0) {
      ds::DictEntry* ee = expires_.Find(k);
      if (ee && ee->v.s64 <= g_now_ms) {
        if (g_lazy_deletes) ExpireIfNeeded(key);
        continue;
      }
    }
    *out = std::move(key);
    return true;
  }
  return false;
}

// Redis's active expire cycle, simplified: for each db with volatile keys,
// scan buckets of the expires dict from the db's cursor, deleting expired
// keys, and repeat while more than (10 - effort)% of the sampled keys were
// expired. Bounded by the time budget, checked every 16 iterations.
void ActiveExpireCycle(std::vector<Db*>& dbs, int effort, int64_t budget_us) {
  if (effort < 1) effort = 1;
  if (effort > 10) effort = 10;
  const size_t keys_per_loop = 20 + 20 / 4 * (effort - 1);  // ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP scaled
  const size_t acceptable_stale = 10 - (effort - 1);           // percent
  const int64_t start = MonoUs();
  uint64_t sampled_total = 0, expired_total = 0;
  bool timed_out = false;
  for (Db* d : dbs) {
    if (timed_out) break;
    int iteration = 0;
    while (d->expires_size() > 0) {
      size_t sampled = 0;
      std::vector<std::string> expired;
      size_t buckets = 0;
      do {
        d->expire_cursor = d->expires().Scan(d->expire_cursor, [&](const ds::DictEntry* de) {
          sampled++;
          if (de->v.s64 <= g_now_ms) {
            auto k = static_cast<ds::sds>(de->key);  // the keyspace entry's key
            expired.emplace_back(k, ds::SdsLen(k));
          }
        });
        buckets++;
      } while (d->expire_cursor != 0 && sampled < keys_per_loop && buckets < keys_per_loop * 20);
      for (const auto& k : expired) {
        g_stats.expired_keys++;
        d->Delete(k, g_lazyfree.expire);
        if (g_expired_hook) g_expired_hook(d->id(), k);
      }
      sampled_total += sampled;
      expired_total += expired.size();
      if ((++iteration & 15) == 0 && MonoUs() - start > budget_us) {
        timed_out = true;
        g_stats.expired_time_cap_reached_count++;
        break;
      }
      if (sampled == 0 || expired.size() * 100 / sampled <= acceptable_stale) break;
    }
  }
  g_stats.expire_cycle_cpu_milliseconds += static_cast<uint64_t>((MonoUs() - start) / 1000);
  if (sampled_total) g_stats.expired_stale_perc = expired_total * 100 / sampled_total;
}

}  // namespace db
