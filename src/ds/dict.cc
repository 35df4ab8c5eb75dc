// Dict implementation. The algorithms follow Redis 7.0's dict.c (facts:
// resize thresholds, the bounded rehash step, dictScan's reverse-binary
// cursor, the sampling of dictGetSomeKeys); the code is our own. See dict.h
// for the invariants.
#include "ds/dict.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "alloc/zmalloc.h"
#include "common/macros.h"

namespace ds {

namespace {

// dict_can_resize: see Dict::SetResizeEnabled.
bool g_resize_enabled = true;

// A Rehash(n) call gives up after visiting n * kEmptyVisitsPerStep empty
// buckets, so a sparse table cannot make one step arbitrarily long.
constexpr int kEmptyVisitsPerStep = 10;
// RehashMilliseconds works in batches of this many buckets between clock
// reads: reading the clock per bucket would cost more than moving it.
constexpr int kRehashBatch = 100;
// Clear yields to its callback every this many buckets (a power of two minus
// one is used as a mask).
constexpr size_t kClearCallbackMask = 65535;
// RandomEntry samples this many entries and picks one of them: enough to
// dilute the bias toward entries in short chains (Redis GETFAIR_NUM_ENTRIES).
constexpr size_t kFairSample = 15;
// SomeEntries jumps to a new random bucket after this many consecutive empty
// buckets (and more than `count`), so a sparse region does not eat the step
// budget; it gives up after count * kSampleStepsPerEntry bucket visits.
constexpr size_t kSampleEmptyJump = 5;
constexpr size_t kSampleStepsPerEntry = 10;

// Pseudo-random numbers for sampling: splitmix64 (Steele, Lea, Flood 2014),
// per thread. Quality only needs to beat the bias of bucket chains; it is
// not a security boundary.
thread_local uint64_t tls_rand_state = 0x9e3779b97f4a7c15ULL;
uint64_t Rand() {
  uint64_t z = (tls_rand_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// 64-bit finalizer (MurmurHash3 fmix64): spreads every input bit over the
// output, for the iterator fingerprint.
uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

uint64_t ReverseBits(uint64_t v) {
  v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
  v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
  v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
  return __builtin_bswap64(v);
}

// log2 of the table size for at least n buckets: the next power of two,
// never below kMinSize. Returns -1 if that table could not be addressed.
int NextExp(size_t n) {
  constexpr int kMinExp = 2;  // log2(Dict::kMinSize)
  static_assert((size_t{1} << kMinExp) == Dict::kMinSize);
  // The byte size of the table, (1 << exp) * sizeof(pointer), must fit.
  constexpr int kMaxExp = 63 - 3;
  if (n <= Dict::kMinSize) return kMinExp;
  int exp = 64 - __builtin_clzll(n - 1);  // ceil(log2(n))
  return exp > kMaxExp ? -1 : exp;
}

bool AsciiCaseEqual(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
    if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
    if (x != y) return false;
  }
  return true;
}

// Usable bytes of one entry allocation (jemalloc rounds 24 up to 32).
size_t EntryAllocSize() {
  static const size_t kSize = [] {
    void* p = alloc::Meta(sizeof(DictEntry));
    size_t n = alloc::UsableSize(p);
    alloc::Free(p);
    return n;
  }();
  return kSize;
}

// The chain link of an entry of any layout: its first member, a
// `DictEntry*` (DictEntryOps). Every read and write of a link in this file
// goes through this one lvalue type, so entries of another struct type are
// never accessed through a DictEntry member.
DictEntry*& LinkOf(DictEntry* e) { return *reinterpret_cast<DictEntry**>(e); }
static_assert(offsetof(DictEntry, next) == 0, "the link is the first member of every entry layout");

}  // namespace

// ---- Ready-made hashing and types ----------------------------------------

uint64_t DictSdsHash(const void* key) {
  const sds s = static_cast<sds>(const_cast<void*>(key));
  return HashBytes(s, SdsLen(s));
}
bool DictSdsKeyEqual(const void* a, const void* b) {
  const sds x = static_cast<sds>(const_cast<void*>(a));
  const sds y = static_cast<sds>(const_cast<void*>(b));
  const size_t n = SdsLen(x);
  return n == SdsLen(y) && memcmp(x, y, n) == 0;
}
uint64_t DictSdsCaseHash(const void* key) {
  const sds s = static_cast<sds>(const_cast<void*>(key));
  return HashBytesNoCase(s, SdsLen(s));
}
bool DictSdsKeyCaseEqual(const void* a, const void* b) {
  const sds x = static_cast<sds>(const_cast<void*>(a));
  const sds y = static_cast<sds>(const_cast<void*>(b));
  const size_t n = SdsLen(x);
  return n == SdsLen(y) && AsciiCaseEqual(x, y, n);
}
uint64_t DictCStrCaseHash(const void* key) {
  const char* s = static_cast<const char*>(key);
  return HashBytesNoCase(s, strlen(s));
}
bool DictCStrKeyCaseEqual(const void* a, const void* b) {
  const char* x = static_cast<const char*>(a);
  const char* y = static_cast<const char*>(b);
  const size_t n = strlen(x);
  return n == strlen(y) && AsciiCaseEqual(x, y, n);
}
void DictSdsFree(void* p) { SdsFree(static_cast<sds>(p)); }

const DictType kSdsDictType = {DictSdsHash, DictSdsKeyEqual, DictSdsFree, nullptr};
const DictType kSdsCaseDictType = {DictSdsCaseHash, DictSdsKeyCaseEqual, DictSdsFree, nullptr};
const DictType kCStrCaseDictType = {DictCStrCaseHash, DictCStrKeyCaseEqual, nullptr, nullptr};

// ---- Construction -----------------------------------------------------------

Dict::Dict(const DictType* type) : type_(type) { TD_ASSERT(type != nullptr && type->hash != nullptr); }

Dict::~Dict() { Clear(); }

void Dict::SetResizeEnabled(bool on) { g_resize_enabled = on; }
bool Dict::ResizeEnabled() { return g_resize_enabled; }

// ---- Resizing and rehashing ------------------------------------------------

bool Dict::Expand(size_t size) {
  if (IsRehashing() || used_[0] > size) return false;
  const int exp = NextExp(size);
  if (exp < 0 || exp == exp_[0]) return false;
  auto* table = static_cast<DictEntry**>(alloc::MetaCalloc(sizeof(DictEntry*) << exp));
  if (table_[0] == nullptr) {  // first table: nothing to rehash
    table_[0] = table;
    exp_[0] = static_cast<int8_t>(exp);
    used_[0] = 0;
    return true;
  }
  table_[1] = table;
  exp_[1] = static_cast<int8_t>(exp);
  used_[1] = 0;
  rehash_idx_ = 0;
  return true;
}

bool Dict::ExpandIfNeeded() {
  if (IsRehashing()) return false;
  if (table_[0] == nullptr) return Expand(kMinSize);
  const size_t size = TableSize(0);
  if (used_[0] < size) return false;
  if (!g_resize_enabled && used_[0] / size <= kForceResizeRatio) return false;
  if (type_->expand_allowed != nullptr) {
    const int exp = NextExp(used_[0] + 1);
    if (exp < 0) return false;
    const size_t more_mem = sizeof(DictEntry*) << exp;
    if (!type_->expand_allowed(more_mem, static_cast<double>(used_[0]) / size)) return false;
  }
  return Expand(used_[0] + 1);
}

bool Dict::ShrinkIfNeeded() {
  if (!g_resize_enabled || IsRehashing()) return false;
  const size_t slots = buckets();
  if (slots <= kMinSize || size() * 100 / slots >= kMinFillPercent) return false;
  return Expand(std::max(used_[0], kMinSize));
}

int Dict::Rehash(int n) {
  if (!IsRehashing()) return 0;
  if (pause_rehash_ > 0) return 1;  // entries must not move under iterators
  int empty_visits = n * kEmptyVisitsPerStep;
  const size_t mask1 = TableMask(1);
  while (n-- > 0 && used_[0] != 0) {
    TD_ASSERT(static_cast<size_t>(rehash_idx_) < TableSize(0));
    while (table_[0][rehash_idx_] == nullptr) {
      rehash_idx_++;
      if (--empty_visits == 0) return 1;
    }
    DictEntry* e = table_[0][rehash_idx_];
    while (e != nullptr) {
      DictEntry* next = LinkOf(e);
      const size_t idx = HashKey(KeyOf(e)) & mask1;
      LinkOf(e) = table_[1][idx];
      table_[1][idx] = e;
      used_[0]--;
      used_[1]++;
      e = next;
    }
    table_[0][rehash_idx_] = nullptr;
    rehash_idx_++;
  }
  if (used_[0] != 0) return 1;
  // Done: table 1 becomes the main table.
  alloc::Free(table_[0]);
  table_[0] = table_[1];
  exp_[0] = exp_[1];
  used_[0] = used_[1];
  table_[1] = nullptr;
  exp_[1] = -1;
  used_[1] = 0;
  rehash_idx_ = -1;
  return 0;
}

int Dict::RehashMilliseconds(int ms) {
  if (pause_rehash_ > 0) return 0;
  const auto start = std::chrono::steady_clock::now();
  const auto budget = std::chrono::milliseconds(ms);
  int batches = 0;
  while (Rehash(kRehashBatch)) {
    batches++;
    if (std::chrono::steady_clock::now() - start > budget) break;
  }
  return batches * kRehashBatch;
}

// ---- Lookup, insert, delete -------------------------------------------------

int64_t Dict::KeyIndex(const void* key, uint64_t hash, DictEntry** existing) {
  ExpandIfNeeded();
  int64_t idx = -1;
  for (int t = 0; t <= 1; t++) {
    idx = static_cast<int64_t>(hash & TableMask(t));
    for (DictEntry* e = table_[t][idx]; e != nullptr; e = LinkOf(e)) {
      if (KeysEqual(key, KeyOf(e))) {
        if (existing != nullptr) *existing = e;
        return -1;
      }
    }
    if (!IsRehashing()) break;
  }
  return idx;
}

DictEntry* Dict::Find(const void* key) {
  if (size() == 0) return nullptr;
  if (IsRehashing()) RehashStep();
  const uint64_t h = HashKey(key);
  for (int t = 0; t <= 1; t++) {
    for (DictEntry* e = table_[t][h & TableMask(t)]; e != nullptr; e = LinkOf(e)) {
      if (KeysEqual(key, KeyOf(e))) return e;
    }
    if (!IsRehashing()) break;
  }
  return nullptr;
}

DictEntry* Dict::AddRaw(void* key, DictEntry** existing) {
  if (IsRehashing()) RehashStep();
  const int64_t idx = KeyIndex(key, HashKey(key), existing);
  if (idx < 0) return nullptr;
  // While rehashing, new entries go to table 1 so table 0 only drains.
  const int t = IsRehashing() ? 1 : 0;
  DictEntry* e = NewEntry(key);
  LinkOf(e) = table_[t][idx];
  table_[t][idx] = e;
  used_[t]++;
  return e;
}

DictEntry* Dict::NewEntry(void* key) {
  if (type_->entry_ops != nullptr) return type_->entry_ops->create(key);
  auto* e = static_cast<DictEntry*>(alloc::Meta(sizeof(DictEntry)));
  e->key = key;
  e->v.u64 = 0;
  return e;
}

void Dict::FreeEntry(DictEntry* e) {
  if (type_->entry_ops != nullptr) {
    type_->entry_ops->destroy(e);
    return;
  }
  if (type_->key_free) type_->key_free(e->key);
  if (type_->val_free) type_->val_free(e->v.val);
  alloc::Free(e);
}

bool Dict::Add(void* key, void* val) {
  TD_ASSERT(type_->entry_ops == nullptr);
  DictEntry* e = AddRaw(key, nullptr);
  if (e == nullptr) return false;
  e->v.val = val;
  return true;
}

bool Dict::Replace(void* key, void* val) {
  TD_ASSERT(type_->entry_ops == nullptr);
  DictEntry* existing = nullptr;
  DictEntry* e = AddRaw(key, &existing);
  if (e != nullptr) {
    e->v.val = val;
    return true;
  }
  // Set the new value before freeing the old: they may be the same object
  // with a reference count, and freeing first would destroy it.
  void* old = existing->v.val;
  existing->v.val = val;
  if (type_->val_free) type_->val_free(old);
  return false;
}

DictEntry* Dict::AddOrFind(void* key) {
  DictEntry* existing = nullptr;
  DictEntry* e = AddRaw(key, &existing);
  return e != nullptr ? e : existing;
}

DictEntry* Dict::Unlink(const void* key) {
  if (size() == 0) return nullptr;
  if (IsRehashing()) RehashStep();
  const uint64_t h = HashKey(key);
  for (int t = 0; t <= 1; t++) {
    DictEntry** link = &table_[t][h & TableMask(t)];
    for (DictEntry* e = *link; e != nullptr; link = &LinkOf(e), e = LinkOf(e)) {
      if (KeysEqual(key, KeyOf(e))) {
        *link = LinkOf(e);
        LinkOf(e) = nullptr;
        used_[t]--;
        return e;
      }
    }
    if (!IsRehashing()) break;
  }
  return nullptr;
}

void Dict::FreeUnlinked(DictEntry* e) {
  if (e == nullptr) return;
  FreeEntry(e);
}

bool Dict::Delete(const void* key) {
  DictEntry* e = Unlink(key);
  if (e == nullptr) return false;
  FreeUnlinked(e);
  return true;
}

// ---- Clearing ---------------------------------------------------------------

void Dict::ClearTable(int t, void (*callback)(void*), void* ctx) {
  const size_t n = TableSize(t);
  for (size_t i = 0; i < n && used_[t] > 0; i++) {
    if (callback != nullptr && (i & kClearCallbackMask) == 0) callback(ctx);
    DictEntry* e = table_[t][i];
    while (e != nullptr) {
      DictEntry* next = LinkOf(e);
      FreeEntry(e);
      used_[t]--;
      e = next;
    }
  }
  alloc::Free(table_[t]);
  table_[t] = nullptr;
  exp_[t] = -1;
  used_[t] = 0;
}

void Dict::Clear(void (*callback)(void* ctx), void* ctx) {
  ClearTable(0, callback, ctx);
  ClearTable(1, callback, ctx);
  rehash_idx_ = -1;
}

// ---- Sampling ---------------------------------------------------------------

DictEntry* Dict::RandomEntryUnfair() {
  if (size() == 0) return nullptr;
  if (IsRehashing()) RehashStep();
  DictEntry* e = nullptr;
  if (IsRehashing()) {
    // Buckets below rehash_idx_ in table 0 are empty: draw from the rest of
    // table 0 followed by all of table 1.
    const size_t size0 = TableSize(0);
    const size_t lo = static_cast<size_t>(rehash_idx_);
    const size_t span = size0 + TableSize(1) - lo;
    do {
      const size_t h = lo + Rand() % span;
      e = h >= size0 ? table_[1][h - size0] : table_[0][h];
    } while (e == nullptr);
  } else {
    const size_t mask = TableMask(0);
    do {
      e = table_[0][Rand() & mask];
    } while (e == nullptr);
  }
  size_t len = 0;
  for (DictEntry* x = e; x != nullptr; x = LinkOf(x)) len++;
  for (size_t pick = Rand() % len; pick > 0; pick--) e = LinkOf(e);
  return e;
}

DictEntry* Dict::RandomEntry() {
  DictEntry* sample[kFairSample];
  const size_t n = SomeEntries(sample, kFairSample);
  if (n == 0) return RandomEntryUnfair();
  return sample[Rand() % n];
}

size_t Dict::SomeEntries(DictEntry** out, size_t count) {
  count = std::min(count, size());
  if (count == 0) return 0;
  size_t max_steps = count * kSampleStepsPerEntry;
  // Help the rehash along in proportion to the work asked of us.
  for (size_t j = 0; j < count && IsRehashing(); j++) RehashStep();

  const int tables = IsRehashing() ? 2 : 1;
  size_t max_mask = TableMask(0);
  if (tables == 2) max_mask = std::max(max_mask, TableMask(1));
  size_t i = Rand() & max_mask;
  size_t empty_run = 0;
  size_t stored = 0;
  while (stored < count && max_steps-- > 0) {
    for (int t = 0; t < tables; t++) {
      if (tables == 2 && t == 0 && i < static_cast<size_t>(rehash_idx_)) {
        // Table 0 is empty below rehash_idx_. If i is also past the end of
        // table 1 (it is shrinking), nothing is there: jump to rehash_idx_.
        if (i >= TableSize(1)) {
          i = static_cast<size_t>(rehash_idx_);
        } else {
          continue;
        }
      }
      if (i >= TableSize(t)) continue;
      DictEntry* e = table_[t][i];
      if (e == nullptr) {
        empty_run++;
        if (empty_run >= kSampleEmptyJump && empty_run > count) {
          i = Rand() & max_mask;
          empty_run = 0;
        }
        continue;
      }
      empty_run = 0;
      for (; e != nullptr; e = LinkOf(e)) {
        out[stored++] = e;
        if (stored == count) return stored;
      }
    }
    i = (i + 1) & max_mask;
  }
  return stored;
}

// ---- Scan -------------------------------------------------------------------
//
// The cursor is a bucket index whose bits are incremented from the top
// (reverse binary). With a table of 2^k buckets, bucket b of the small table
// corresponds to buckets {b, b + 2^k, b + 2*2^k, ...} of any larger table,
// and those all share the low k bits. Incrementing the high-order bits first
// means that, after the table grows or shrinks, the buckets still to visit
// under the new mask are exactly the expansions/contractions of the ones not
// yet visited under the old mask, so nothing present throughout is missed
// (a shrink may report some entries twice). While rehashing, each call visits
// a bucket of the smaller table and every bucket of the larger table that
// expands it.

uint64_t Dict::Scan(uint64_t cursor, ScanFn fn, void* ctx) {
  if (size() == 0) return 0;
  pause_rehash_++;
  auto emit = [&](int t, size_t idx) {
    DictEntry* e = table_[t][idx];
    while (e != nullptr) {
      DictEntry* next = LinkOf(e);  // fn may delete e
      fn(ctx, e);
      e = next;
    }
  };
  uint64_t v = cursor;
  if (!IsRehashing()) {
    const uint64_t m0 = TableMask(0);
    emit(0, v & m0);
    v |= ~m0;  // set the unmasked bits so the increment carries into the masked ones
    v = ReverseBits(v);
    v++;
    v = ReverseBits(v);
  } else {
    int small = 0, big = 1;
    if (TableSize(small) > TableSize(big)) std::swap(small, big);
    const uint64_t m0 = TableMask(small), m1 = TableMask(big);
    emit(small, v & m0);
    // Every bucket of the big table whose low bits are v & m0.
    do {
      emit(big, v & m1);
      v |= ~m1;
      v = ReverseBits(v);
      v++;
      v = ReverseBits(v);
    } while (v & (m0 ^ m1));
  }
  pause_rehash_--;
  return v;
}

// ---- Iteration --------------------------------------------------------------

uint64_t Dict::Fingerprint() const {
  const uint64_t parts[] = {reinterpret_cast<uintptr_t>(table_[0]),
                            static_cast<uint64_t>(exp_[0]),
                            used_[0],
                            reinterpret_cast<uintptr_t>(table_[1]),
                            static_cast<uint64_t>(exp_[1]),
                            used_[1]};
  uint64_t h = 0;
  for (uint64_t p : parts) h = Mix(h + p);
  return h;
}

Dict::Iterator::Iterator(Iterator&& o) noexcept
    : d_(o.d_),
      safe_(o.safe_),
      started_(o.started_),
      ht_(o.ht_),
      index_(o.index_),
      entry_(o.entry_),
      next_(o.next_),
      fingerprint_(o.fingerprint_) {
  o.d_ = nullptr;
}

DictEntry* Dict::Iterator::Next() {
  if (d_ == nullptr) return nullptr;
  while (true) {
    if (entry_ == nullptr) {
      if (!started_) {
        started_ = true;
        if (safe_) {
          d_->pause_rehash_++;
        } else {
          fingerprint_ = d_->Fingerprint();
        }
      }
      index_++;
      if (static_cast<size_t>(index_) >= d_->TableSize(ht_)) {
        if (d_->IsRehashing() && ht_ == 0) {
          ht_ = 1;
          index_ = 0;
        } else {
          return nullptr;
        }
      }
      entry_ = d_->table_[ht_][index_];
    } else {
      entry_ = next_;
    }
    if (entry_ != nullptr) {
      // Remember the successor now: the caller may delete entry_.
      next_ = LinkOf(entry_);
      return entry_;
    }
  }
}

void Dict::Iterator::Release() {
  if (d_ == nullptr) return;
  if (started_) {
    if (safe_) {
      d_->pause_rehash_--;
      TD_ASSERT(d_->pause_rehash_ >= 0);
    } else {
      // An unsafe iterator saw the dict change: entries may have been
      // skipped or returned twice, and the caller relied on neither.
      TD_ASSERT(fingerprint_ == d_->Fingerprint());
    }
  }
  d_ = nullptr;
}

// ---- Memory and statistics --------------------------------------------------

size_t Dict::MemoryUsage() const {
  size_t bytes = 0;
  for (int t = 0; t <= 1; t++) {
    if (table_[t] != nullptr) bytes += alloc::UsableSize(table_[t]);
  }
  if (size() == 0) return bytes;
  if (type_->entry_ops == nullptr) return bytes + size() * EntryAllocSize();
  for (int t = 0; t <= 1; t++) {
    for (size_t i = 0; i < TableSize(t); i++) {
      for (DictEntry* e = table_[t][i]; e != nullptr; e = LinkOf(e)) bytes += type_->entry_ops->size(e);
    }
  }
  return bytes;
}

size_t Dict::TablesMemoryUsage() const {
  size_t bytes = 0;
  for (int t = 0; t <= 1; t++) {
    if (table_[t] != nullptr) bytes += alloc::UsableSize(table_[t]);
  }
  return bytes;
}

DictTableStats Dict::TableStats(int t) const {
  DictTableStats st;
  if (t < 0 || t > 1 || table_[t] == nullptr) return st;
  st.size = TableSize(t);
  st.used = used_[t];
  for (size_t i = 0; i < st.size; i++) {
    size_t len = 0;
    for (DictEntry* e = table_[t][i]; e != nullptr; e = LinkOf(e)) len++;
    if (len > 0) st.nonempty++;
    st.max_chain = std::max(st.max_chain, len);
    st.chain_hist[std::min<size_t>(len, DictTableStats::kDictStatsVectLen - 1)]++;
  }
  return st;
}

namespace {

void AppendTableStats(std::string* out, const DictTableStats& st, int t) {
  char buf[512];
  snprintf(buf, sizeof(buf), "Hash table %d stats (%s):\n", t,
           t == 0 ? "main hash table" : "rehashing target");
  out->append(buf);
  if (st.used == 0) {
    out->append("No stats available for empty dictionaries\n");
    return;
  }
  size_t counted = 0;  // entries found by walking the chains
  for (int i = 0; i < DictTableStats::kDictStatsVectLen; i++) counted += i * st.chain_hist[i];
  // Redis prints these averages through a float; do the same so the digits match.
  snprintf(buf, sizeof(buf),
           " table size: %zu\n"
           " number of elements: %zu\n"
           " different slots: %zu\n"
           " max chain length: %zu\n"
           " avg chain length (counted): %.02f\n"
           " avg chain length (computed): %.02f\n"
           " Chain length distribution:\n",
           st.size, st.used, st.nonempty, st.max_chain,
           static_cast<double>(static_cast<float>(counted) / st.nonempty),
           static_cast<double>(static_cast<float>(st.used) / st.nonempty));
  out->append(buf);
  // As Redis does, the last (overflow) slot of the histogram is not printed.
  for (int i = 0; i < DictTableStats::kDictStatsVectLen - 1; i++) {
    if (st.chain_hist[i] == 0) continue;
    snprintf(buf, sizeof(buf), "   %d: %zu (%.02f%%)\n", i, st.chain_hist[i],
             static_cast<double>(static_cast<float>(st.chain_hist[i]) / st.size * 100));
    out->append(buf);
  }
}

}  // namespace

std::string Dict::StatsText() const {
  std::string out;
  AppendTableStats(&out, TableStats(0), 0);
  if (IsRehashing()) AppendTableStats(&out, TableStats(1), 1);
  return out;
}

void Dict::Swap(Dict& a, Dict& b) {
  TD_ASSERT(a.type_ == b.type_ && a.pause_rehash_ == 0 && b.pause_rehash_ == 0);
  std::swap(a.table_, b.table_);
  std::swap(a.used_, b.used_);
  std::swap(a.exp_, b.exp_);
  std::swap(a.rehash_idx_, b.rehash_idx_);
}

}  // namespace ds
