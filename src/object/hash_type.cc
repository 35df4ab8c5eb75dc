// The hash type (see hash_type.h for the encodings and invariants).
#include "object/hash_type.h"

#include <algorithm>
#include <cmath>
#include <new>
#include <string>
#include <unordered_set>
#include <vector>

#include "alloc/zmalloc.h"
#include "common/macros.h"
#include "common/util.h"

namespace object {

const ds::DictType kHashDictType = {ds::DictSdsHash, ds::DictSdsKeyEqual, ds::DictSdsFree, ds::DictSdsFree};

namespace {

// Redis's dictGetSomeKeys-free strategy switch in hrandfieldWithCountCommand:
// when the caller wants more than a third of the fields, removing random
// fields from a full copy is cheaper than drawing distinct ones.
constexpr size_t kRandomSubtractFactor = 3;

// Lookup keys up to this many bytes are built on the stack (the dict
// compares sds, so a string_view needs an sds header in front of it).
// 128 bytes cover hash-max-listpack-value's default of 64 with room to spare.
constexpr size_t kLookupStackBytes = 128;

bool IsListpack(const Object* o) { return o->GetEncoding() == Encoding::kListpack; }
unsigned char* Lp(const Object* o) { return static_cast<unsigned char*>(o->ptr); }
ds::Dict* DictOf(const Object* o) { return static_cast<ds::Dict*>(o->ptr); }

// An sds holding a copy of a field, for dict lookups: on the stack when it
// fits, otherwise a DRAM allocation freed at scope end.
class LookupKey {
 public:
  explicit LookupKey(std::string_view s) {
    if (ds::SdsEmbeddedSize(s.size()) <= sizeof(stack_)) {
      s_ = ds::SdsInitEmbedded(stack_, s.data(), s.size());
    } else {
      s_ = ds::SdsNewLen(s.data(), s.size(), ds::SdsUse::kMeta);
      heap_ = true;
    }
  }
  ~LookupKey() {
    if (heap_) ds::SdsFree(s_);
  }
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;
  ds::sds get() const { return s_; }

 private:
  alignas(8) char stack_[kLookupStackBytes];
  ds::sds s_;
  bool heap_ = false;
};

ds::sds NewPayload(std::string_view s) { return ds::SdsNewLen(s.data(), s.size(), ds::SdsUse::kPayload); }

ds::Dict* NewDict() { return new (alloc::Meta(sizeof(ds::Dict))) ds::Dict(&kHashDictType); }

void DeleteDict(ds::Dict* d) {
  d->~Dict();
  alloc::Free(d);
}

// The field element of `field` in a listpack, or nullptr.
unsigned char* LpFindField(unsigned char* lp, std::string_view field) {
  unsigned char* p = ds::LpFirst(lp);
  return p == nullptr ? nullptr : ds::LpFind(lp, p, field, 1);
}

// The value element of `field`, or nullptr.
unsigned char* LpFindValue(unsigned char* lp, std::string_view field) {
  unsigned char* f = LpFindField(lp, field);
  return f == nullptr ? nullptr : ds::LpNext(lp, f);
}

// The field elements of a listpack hash, in order (for random access).
std::vector<unsigned char*> LpFieldPointers(unsigned char* lp) {
  std::vector<unsigned char*> v;
  v.reserve(ds::LpLength(lp) / 2);
  for (unsigned char* p = ds::LpFirst(lp); p != nullptr; p = ds::LpNext(lp, ds::LpNext(lp, p))) v.push_back(p);
  return v;
}

size_t RandomBelow(size_t n) { return static_cast<size_t>(common::RandomU64() % n); }

void EmitLpPair(unsigned char* lp, unsigned char* f, const HashPairFn& fn) {
  char fbuf[kHashIntBufSize], vbuf[kHashIntBufSize];
  std::string_view field = ds::LpGetView(f, fbuf);
  fn(field, ds::LpGetView(ds::LpNext(lp, f), vbuf));
}

void EmitDictPair(const ds::DictEntry* de, const HashPairFn& fn) {
  fn(ds::SdsView(static_cast<ds::sds>(de->key)), ds::SdsView(static_cast<ds::sds>(de->v.val)));
}

// Sets field in a hashtable; returns true iff it was new.
bool DictSet(ds::Dict* d, std::string_view field, std::string_view value) {
  LookupKey key(field);
  ds::DictEntry* de = d->Find(key.get());
  if (de != nullptr) {
    d->FreeVal(de);
    d->SetVal(de, NewPayload(value));
    return false;
  }
  bool added = d->Add(NewPayload(field), NewPayload(value));
  TD_ASSERT(added);
  return true;
}

void FreeHash(Object* o) {
  if (IsListpack(o)) {
    ds::LpFree(Lp(o));
  } else {
    DeleteDict(DictOf(o));
  }
}

// Adds the sds allocation s to its tier's bytes.
void AddSds(TierBytes* tb, ds::sds s) { AddAlloc(*tb, ds::SdsAllocPtr(s)); }

// Payload: the listpack, or every field and value string (the dict's
// tables and entries are metadata).
void HashPayload(const Object* o, size_t samples, TierBytes* tb) {
  if (IsListpack(o)) {
    AddAlloc(*tb, o->ptr);
    return;
  }
  ds::Dict* d = DictOf(o);
  TierBytes strings;
  size_t seen = 0;
  auto it = d->MakeIterator(/*safe=*/false);
  for (ds::DictEntry* de = it.Next(); de != nullptr && (samples == 0 || seen < samples); de = it.Next()) {
    AddSds(&strings, static_cast<ds::sds>(de->key));
    AddSds(&strings, static_cast<ds::sds>(de->v.val));
    seen++;
  }
  it.Release();
  AddScaled(*tb, strings, seen, d->size());
}

// MEMORY USAGE as Redis's objectComputeSize, split by tier: a listpack is
// its blob; a hashtable is the dict (struct, tables, entries: DRAM) plus the
// field and value strings of up to `samples` entries (0: all), scaled to the
// whole dict (the payload).
void HashMemory(const Object* o, size_t samples, TierBytes* tb) {
  if (!IsListpack(o)) {
    ds::Dict* d = DictOf(o);
    AddAlloc(*tb, d);
    tb->dram += d->MemoryUsage();
  }
  HashPayload(o, samples, tb);
}

// COPY: a listpack blob is copied whole; a hashtable copies every string
// with SdsDup (same tier as the source).
Object* DupHash(const Object* o) {
  if (IsListpack(o)) return Create(Type::kHash, Encoding::kListpack, ds::LpDup(Lp(o)));
  ds::Dict* src = DictOf(o);
  ds::Dict* d = NewDict();
  d->Expand(src->size());
  auto it = src->MakeIterator(/*safe=*/false);
  for (ds::DictEntry* de = it.Next(); de != nullptr; de = it.Next()) {
    d->Add(ds::SdsDup(static_cast<ds::sds>(de->key)), ds::SdsDup(static_cast<ds::sds>(de->v.val)));
  }
  return Create(Type::kHash, Encoding::kHashtable, d);
}

// A field is hashed by its bytes, not its address, so the entry stays in
// its bucket when its strings move.
size_t RelocateHash(Object* o, alloc::Tier to) {
  size_t moved = 0;
  if (IsListpack(o)) {
    MoveBlock(&o->ptr, to, &moved);
    return moved;
  }
  auto it = DictOf(o)->MakeIterator(/*safe=*/false);
  for (ds::DictEntry* de = it.Next(); de != nullptr; de = it.Next()) {
    if (!MoveSds(&de->key, to, &moved) || !MoveSds(&de->v.val, to, &moved)) break;
  }
  it.Release();
  return moved;
}

alloc::Tier HashPayloadTier(const Object* o) {
  if (IsListpack(o)) return alloc::TierOf(o->ptr);
  auto it = DictOf(o)->MakeIterator(/*safe=*/false);
  ds::DictEntry* de = it.Next();
  alloc::Tier t = de == nullptr ? alloc::Tier::kDram : alloc::TierOf(ds::SdsAllocPtr(static_cast<ds::sds>(de->v.val)));
  it.Release();
  return t;
}

}  // namespace

void RegisterHashTypeOps() {
  TypeOps ops;
  ops.free_value = FreeHash;
  ops.memory = HashMemory;
  ops.dup = DupHash;
  ops.payload = HashPayload;
  ops.relocate = RelocateHash;
  ops.payload_tier = HashPayloadTier;
  RegisterTypeOps(Type::kHash, ops);
}

Object* CreateHash() { return Create(Type::kHash, Encoding::kListpack, ds::LpNew()); }

Object* CreateHashtableHash(size_t expected) {
  ds::Dict* d = NewDict();
  if (expected > 0) d->Expand(expected);
  return Create(Type::kHash, Encoding::kHashtable, d);
}

size_t HashLength(const Object* o) {
  return IsListpack(o) ? ds::LpLength(Lp(o)) / 2 : DictOf(o)->size();
}

bool HashGet(const Object* o, std::string_view field, char* buf, std::string_view* value) {
  if (IsListpack(o)) {
    unsigned char* v = LpFindValue(Lp(o), field);
    if (v == nullptr) return false;
    *value = ds::LpGetView(v, buf);
    return true;
  }
  LookupKey key(field);
  ds::DictEntry* de = DictOf(o)->Find(key.get());
  if (de == nullptr) return false;
  *value = ds::SdsView(static_cast<ds::sds>(de->v.val));
  return true;
}

bool HashExists(const Object* o, std::string_view field) {
  if (IsListpack(o)) return LpFindField(Lp(o), field) != nullptr;
  LookupKey key(field);
  return DictOf(o)->Find(key.get()) != nullptr;
}

void HashTryConversion(Object* o, const std::string_view* args, size_t n) {
  if (!IsListpack(o)) return;
  const size_t max_value = GetSettings().hash_max_listpack_value;
  size_t sum = 0;
  for (size_t i = 0; i < n; i++) {
    if (args[i].size() > max_value) {
      HashConvertToHashtable(o);
      return;
    }
    sum += args[i].size();
  }
  if (!ds::LpSafeToAdd(Lp(o), sum)) HashConvertToHashtable(o);
}

bool HashSet(Object* o, std::string_view field, std::string_view value) {
  if (IsListpack(o)) {
    const Settings& s = GetSettings();
    if (field.size() > s.hash_max_listpack_value || value.size() > s.hash_max_listpack_value ||
        !ds::LpSafeToAdd(Lp(o), field.size() + value.size())) {
      HashConvertToHashtable(o);
    }
  }
  if (!IsListpack(o)) return DictSet(DictOf(o), field, value);

  unsigned char* lp = Lp(o);
  unsigned char* v = LpFindValue(lp, field);
  if (v != nullptr) {
    o->ptr = ds::LpReplace(lp, &v, value);
    return false;
  }
  lp = ds::LpAppend(lp, field);
  o->ptr = ds::LpAppend(lp, value);
  if (HashLength(o) > GetSettings().hash_max_listpack_entries) HashConvertToHashtable(o);
  return true;
}

bool HashDelete(Object* o, std::string_view field) {
  if (IsListpack(o)) {
    unsigned char* lp = Lp(o);
    unsigned char* f = LpFindField(lp, field);
    if (f == nullptr) return false;
    o->ptr = ds::LpDeleteRangeWithEntry(lp, &f, 2);
    return true;
  }
  ds::Dict* d = DictOf(o);
  LookupKey key(field);
  if (!d->Delete(key.get())) return false;
  // As Redis's hashTypeDelete: check for a shrink after every delete.
  d->ShrinkIfNeeded();
  return true;
}

void HashConvertToHashtable(Object* o) {
  if (!IsListpack(o)) return;
  unsigned char* lp = Lp(o);
  ds::Dict* d = NewDict();
  d->Expand(ds::LpLength(lp) / 2);  // presized: no rehash while filling
  char fbuf[kHashIntBufSize], vbuf[kHashIntBufSize];
  for (unsigned char* f = ds::LpFirst(lp); f != nullptr;) {
    unsigned char* v = ds::LpNext(lp, f);
    TD_ASSERT(v != nullptr);
    ds::sds field = NewPayload(ds::LpGetView(f, fbuf));
    // A duplicate would mean a corrupt listpack: loading validates against
    // that, so here it is a broken invariant.
    bool added = d->Add(field, NewPayload(ds::LpGetView(v, vbuf)));
    TD_ASSERT(added);
    f = ds::LpNext(lp, v);
  }
  ds::LpFree(lp);
  o->encoding = static_cast<unsigned>(Encoding::kHashtable);
  o->ptr = d;
}

HashIncrStatus HashIncrBy(Object* o, std::string_view field, int64_t incr, int64_t* result) {
  int64_t value = 0;
  char buf[kHashIntBufSize];
  std::string_view cur;
  if (HashGet(o, field, buf, &cur) && !common::StringToInt64(cur, &value)) return HashIncrStatus::kNotInteger;
  if (__builtin_add_overflow(value, incr, &value)) return HashIncrStatus::kOverflow;
  char digits[common::kInt64BufSize];
  size_t n = common::Int64ToChars(value, digits);
  HashSet(o, field, std::string_view(digits, n));
  *result = value;
  return HashIncrStatus::kOk;
}

HashIncrStatus HashIncrByFloat(Object* o, std::string_view field, long double incr, std::string* text) {
  long double value = 0;
  char buf[kHashIntBufSize];
  std::string_view cur;
  if (HashGet(o, field, buf, &cur) && !common::StringToLongDouble(cur, &value)) return HashIncrStatus::kNotFloat;
  value += incr;
  if (std::isnan(value) || std::isinf(value)) return HashIncrStatus::kNanOrInf;
  *text = common::FormatLongDouble(value, common::LongDoubleMode::kHuman);
  HashSet(o, field, *text);
  return HashIncrStatus::kOk;
}

// ---- iteration ----

HashIterator::HashIterator(const Object* o) : o_(o) {
  if (!IsListpack(o)) dit_.emplace(DictOf(o)->MakeIterator(/*safe=*/false));
}

bool HashIterator::Next() {
  if (dit_) {
    de_ = dit_->Next();
    return de_ != nullptr;
  }
  unsigned char* lp = Lp(o_);
  fptr_ = started_ ? (vptr_ == nullptr ? nullptr : ds::LpNext(lp, vptr_)) : ds::LpFirst(lp);
  started_ = true;
  vptr_ = fptr_ == nullptr ? nullptr : ds::LpNext(lp, fptr_);
  return fptr_ != nullptr;
}

std::string_view HashIterator::Field() {
  if (dit_) return ds::SdsView(static_cast<ds::sds>(de_->key));
  return ds::LpGetView(fptr_, fbuf_);
}

std::string_view HashIterator::Value() {
  if (dit_) return ds::SdsView(static_cast<ds::sds>(de_->v.val));
  return ds::LpGetView(vptr_, vbuf_);
}

// ---- random fields ----

void HashRandomField(const Object* o, const HashPairFn& fn) {
  if (IsListpack(o)) {
    unsigned char* lp = Lp(o);
    size_t pairs = ds::LpLength(lp) / 2;
    TD_ASSERT(pairs > 0);
    EmitLpPair(lp, ds::LpSeek(lp, static_cast<long>(2 * RandomBelow(pairs))), fn);
    return;
  }
  ds::DictEntry* de = DictOf(o)->RandomEntry();
  TD_ASSERT(de != nullptr);
  EmitDictPair(de, fn);
}

void HashRandomFields(const Object* o, size_t count, bool unique, const HashPairFn& fn) {
  if (count == 0) return;
  const size_t size = HashLength(o);
  TD_ASSERT(size > 0);

  // Independent draws, repeats allowed.
  if (!unique) {
    if (IsListpack(o)) {
      unsigned char* lp = Lp(o);
      std::vector<unsigned char*> fields = LpFieldPointers(lp);
      for (size_t i = 0; i < count; i++) EmitLpPair(lp, fields[RandomBelow(fields.size())], fn);
    } else {
      ds::Dict* d = DictOf(o);
      for (size_t i = 0; i < count; i++) EmitDictPair(d->RandomEntry(), fn);
    }
    return;
  }

  // Everything: the whole hash in iteration order.
  if (count >= size) {
    HashIterator it(o);
    while (it.Next()) fn(it.Field(), it.Value());
    return;
  }

  if (IsListpack(o)) {
    // Selection sampling (Knuth's algorithm S): each field is taken with
    // probability needed/remaining, which gives a uniform subset of exactly
    // count fields, emitted in listpack order (as Redis's
    // lpRandomPairsUnique also returns them).
    unsigned char* lp = Lp(o);
    size_t needed = count;
    size_t remaining = size;
    for (unsigned char* f = ds::LpFirst(lp); f != nullptr && needed > 0; f = ds::LpNext(lp, ds::LpNext(lp, f))) {
      if (RandomBelow(remaining) < needed) {
        EmitLpPair(lp, f, fn);
        needed--;
      }
      remaining--;
    }
    return;
  }

  ds::Dict* d = DictOf(o);
  if (count * kRandomSubtractFactor > size) {
    // Most fields are wanted: take all, then drop random ones.
    std::vector<ds::DictEntry*> all;
    all.reserve(size);
    auto it = d->MakeIterator(/*safe=*/false);
    for (ds::DictEntry* de = it.Next(); de != nullptr; de = it.Next()) all.push_back(de);
    it.Release();
    while (all.size() > count) {
      size_t victim = RandomBelow(all.size());
      all[victim] = all.back();
      all.pop_back();
    }
    for (ds::DictEntry* de : all) EmitDictPair(de, fn);
    return;
  }
  // Few fields are wanted: draw until count distinct ones.
  std::unordered_set<ds::DictEntry*> picked;
  picked.reserve(count);
  while (picked.size() < count) {
    ds::DictEntry* de = d->RandomEntry();
    if (picked.insert(de).second) EmitDictPair(de, fn);
  }
}

// ---- checks ----

bool HashVerify(const Object* o) {
  if (o->GetType() != Type::kHash) return false;
  if (IsListpack(o)) {
    unsigned char* lp = Lp(o);
    if (!ds::LpValidateIntegrity(lp, ds::LpBytes(lp), /*deep=*/true)) return false;
    size_t n = ds::LpLength(lp);
    if (n == 0 || n % 2 != 0) return false;
    std::unordered_set<std::string> fields;
    char buf[kHashIntBufSize];
    for (unsigned char* f = ds::LpFirst(lp); f != nullptr; f = ds::LpNext(lp, ds::LpNext(lp, f))) {
      if (!fields.insert(std::string(ds::LpGetView(f, buf))).second) return false;
    }
    return true;
  }
  if (o->GetEncoding() != Encoding::kHashtable) return false;
  ds::Dict* d = DictOf(o);
  if (d->size() == 0 || d->type() != &kHashDictType) return false;
  size_t seen = 0;
  auto it = d->MakeIterator(/*safe=*/false);
  for (ds::DictEntry* de = it.Next(); de != nullptr; de = it.Next()) {
    if (ds::SdsUseOf(static_cast<ds::sds>(de->key)) != ds::SdsUse::kPayload) return false;
    if (ds::SdsUseOf(static_cast<ds::sds>(de->v.val)) != ds::SdsUse::kPayload) return false;
    seen++;
  }
  return seen == d->size();
}

}  // namespace object
