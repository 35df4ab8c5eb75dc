// The set type (encodings, conversion rules and invariants in set_type.h).
#include "object/set_type.h"

#include <new>

#include "alloc/zmalloc.h"
#include "common/macros.h"
#include "common/util.h"
#include "ds/sds.h"

namespace object {

const ds::DictType kSetDictType = {ds::DictSdsHash, ds::DictSdsKeyEqual, ds::DictSdsFree, nullptr};

namespace {

// An sds view of caller bytes for dict lookups, built on the stack when it
// fits (no allocation on SISMEMBER/SREM's path), else in DRAM.
class LookupSds {
 public:
  explicit LookupSds(std::string_view s) {
    if (ds::SdsEmbeddedSize(s.size()) <= sizeof(buf_)) {
      s_ = ds::SdsInitEmbedded(buf_, s.data(), s.size());
    } else {
      s_ = ds::SdsNewLen(s.data(), s.size(), ds::SdsUse::kMeta);
      heap_ = true;
    }
  }
  ~LookupSds() {
    if (heap_) ds::SdsFree(s_);
  }
  LookupSds(const LookupSds&) = delete;
  LookupSds& operator=(const LookupSds&) = delete;
  ds::sds get() const { return s_; }

 private:
  // Members up to ~250 bytes (the 3-byte sds8 header and the NUL included)
  // are looked up without allocating; 256 keeps the frame small.
  char buf_[256];
  ds::sds s_;
  bool heap_ = false;
};

ds::Dict* NewSetDict() { return new (alloc::Meta(sizeof(ds::Dict))) ds::Dict(&kSetDictType); }

void FreeSetDict(ds::Dict* d) {
  d->~Dict();
  alloc::Free(d);
}

inline bool IsIntset(const Object* set) { return set->GetEncoding() == Encoding::kIntset; }

// Redis's string2ll: canonical integers only ("007", "+1", " 1" are strings).
inline bool ToInt64(std::string_view s, int64_t* v) { return common::StringToInt64(s, v); }

// Adds an sds copy of member to a hashtable set; true iff it was new.
bool DictAddMember(Object* set, std::string_view member) {
  LookupSds key(member);
  ds::Dict* d = SetDict(set);
  if (d->Find(key.get()) != nullptr) return false;
  ds::sds s = ds::SdsNewLen(member.data(), member.size(), ds::SdsUse::kPayload);
  TD_ASSERT(d->Add(s, nullptr));
  return true;
}

// After an intset insertion: convert when it has grown past the limit.
void MaybeConvertIntset(Object* set) {
  if (ds::IntsetLen(SetIntset(set)) > SetMaxIntsetEntries()) SetTypeConvertToHashtable(set);
}

}  // namespace

std::string_view SetMember::View(char* buf) const {
  if (!is_int) return str;
  return std::string_view(buf, common::Int64ToChars(ll, buf));
}

size_t SetMaxIntsetEntries() {
  size_t n = GetSettings().set_max_intset_entries;
  return n >= kIntsetMaxEntriesCap ? kIntsetMaxEntriesCap : n;
}

Object* CreateSetObject() { return Create(Type::kSet, Encoding::kHashtable, NewSetDict()); }
Object* CreateIntsetObject() { return Create(Type::kSet, Encoding::kIntset, ds::IntsetNew()); }

Object* SetTypeCreate(std::string_view first) {
  int64_t v;
  return ToInt64(first, &v) ? CreateIntsetObject() : CreateSetObject();
}

size_t SetTypeSize(const Object* set) {
  return IsIntset(set) ? ds::IntsetLen(SetIntset(set)) : SetDict(set)->size();
}

void SetTypeConvertToHashtable(Object* set) {
  TD_ASSERT(set->GetType() == Type::kSet && IsIntset(set));
  ds::Intset* is = SetIntset(set);
  ds::Dict* d = NewSetDict();
  d->Expand(ds::IntsetLen(is));
  int64_t v;
  for (uint32_t i = 0; ds::IntsetGet(is, i, &v); i++) {
    TD_ASSERT(d->Add(ds::SdsFromLongLong(v, ds::SdsUse::kPayload), nullptr));
  }
  ds::IntsetFree(is);
  set->ptr = d;
  set->encoding = static_cast<unsigned>(Encoding::kHashtable);
}

bool SetTypeAdd(Object* set, std::string_view member) {
  if (!IsIntset(set)) return DictAddMember(set, member);
  int64_t v;
  if (ToInt64(member, &v)) return SetTypeAddInt(set, v);
  // Not an integer: the set becomes a hashtable, where member is new.
  SetTypeConvertToHashtable(set);
  TD_ASSERT(DictAddMember(set, member));
  return true;
}

bool SetTypeAddInt(Object* set, int64_t v) {
  if (IsIntset(set)) {
    bool added;
    set->ptr = ds::IntsetAdd(SetIntset(set), v, &added);
    if (added) MaybeConvertIntset(set);
    return added;
  }
  char buf[common::kInt64BufSize];
  return DictAddMember(set, std::string_view(buf, common::Int64ToChars(v, buf)));
}

bool SetTypeAddMember(Object* set, const SetMember& m) {
  return m.is_int ? SetTypeAddInt(set, m.ll) : SetTypeAdd(set, m.str);
}

bool SetTypeRemove(Object* set, std::string_view member) {
  if (IsIntset(set)) {
    int64_t v;
    if (!ToInt64(member, &v)) return false;
    bool removed;
    set->ptr = ds::IntsetRemove(SetIntset(set), v, &removed);
    return removed;
  }
  LookupSds key(member);
  ds::Dict* d = SetDict(set);
  if (!d->Delete(key.get())) return false;
  d->ShrinkIfNeeded();  // Redis: if (htNeedsResize(dict)) dictResize(dict)
  return true;
}

bool SetTypeRemoveMember(Object* set, const SetMember& m) {
  if (m.is_int && IsIntset(set)) {
    bool removed;
    set->ptr = ds::IntsetRemove(SetIntset(set), m.ll, &removed);
    return removed;
  }
  char buf[common::kInt64BufSize];
  return SetTypeRemove(set, m.View(buf));
}

bool SetTypeIsMember(const Object* set, std::string_view member) {
  if (IsIntset(set)) {
    int64_t v;
    return ToInt64(member, &v) && ds::IntsetFind(SetIntset(set), v);
  }
  LookupSds key(member);
  return SetDict(set)->Find(key.get()) != nullptr;
}

bool SetTypeIsMemberInt(const Object* set, int64_t v) {
  if (IsIntset(set)) return ds::IntsetFind(SetIntset(set), v);
  char buf[common::kInt64BufSize];
  return SetTypeIsMember(set, std::string_view(buf, common::Int64ToChars(v, buf)));
}

bool SetTypeIsMemberOf(const Object* set, const SetMember& m) {
  return m.is_int ? SetTypeIsMemberInt(set, m.ll) : SetTypeIsMember(set, m.str);
}

SetMember SetTypeRandomElement(const Object* set) {
  SetMember m;
  if (IsIntset(set)) {
    m.is_int = true;
    m.ll = ds::IntsetRandom(SetIntset(set));
  } else {
    ds::DictEntry* de = SetDict(set)->RandomEntry();
    TD_ASSERT(de != nullptr);
    m.str = ds::SdsView(static_cast<ds::sds>(de->key));
  }
  return m;
}

SetIterator::SetIterator(const Object* set) : set_(set) {
  if (!IsIntset(set)) it_.emplace(SetDict(set)->MakeIterator(/*safe=*/false));
}

bool SetIterator::Next(SetMember* out) {
  if (!it_) {
    out->is_int = true;
    out->str = {};
    return ds::IntsetGet(SetIntset(set_), pos_++, &out->ll);
  }
  ds::DictEntry* de = it_->Next();
  if (de == nullptr) return false;
  out->is_int = false;
  out->str = ds::SdsView(static_cast<ds::sds>(de->key));
  return true;
}

// ---- TypeOps ----

void FreeSetValue(Object* o) {
  if (IsIntset(o)) {
    ds::IntsetFree(SetIntset(o));
  } else {
    FreeSetDict(SetDict(o));
  }
}

Object* DupSet(const Object* o) {
  if (IsIntset(o)) return Create(Type::kSet, Encoding::kIntset, ds::IntsetDup(SetIntset(o)));
  Object* copy = CreateSetObject();
  ds::Dict* src = SetDict(o);
  ds::Dict* dst = SetDict(copy);
  dst->Expand(src->size());
  auto it = src->MakeIterator(/*safe=*/false);
  while (ds::DictEntry* de = it.Next()) TD_ASSERT(dst->Add(ds::SdsDup(static_cast<ds::sds>(de->key)), nullptr));
  return copy;
}

// Payload: the intset, or every member string.
void SetPayload(const Object* o, size_t samples, TierBytes* tb) {
  if (IsIntset(o)) {
    AddAlloc(*tb, o->ptr);
    return;
  }
  ds::Dict* d = SetDict(o);
  TierBytes members;
  size_t seen = 0;
  auto it = d->MakeIterator(/*safe=*/false);
  for (ds::DictEntry* de = it.Next(); de != nullptr && (samples == 0 || seen < samples); de = it.Next()) {
    AddAlloc(members, ds::SdsAllocPtr(static_cast<ds::sds>(de->key)));
    seen++;
  }
  it.Release();
  AddScaled(*tb, members, seen, d->size());
}

// MEMORY USAGE: the dict and its tables and entries (metadata, always
// DRAM) and the payload: every member, or the average of the first
// `samples` scaled to the whole set (Redis's objectComputeSize estimate).
void SetMemoryUsage(const Object* o, size_t samples, TierBytes* tb) {
  if (!IsIntset(o)) {
    ds::Dict* d = SetDict(o);
    AddAlloc(*tb, d);
    tb->dram += d->MemoryUsage();
  }
  SetPayload(o, samples, tb);
}

void SetTypeVerify(const Object* o) {
  TD_ASSERT(o->GetType() == Type::kSet);
  if (IsIntset(o)) {
    ds::IntsetVerify(SetIntset(o));
    return;
  }
  TD_ASSERT(o->GetEncoding() == Encoding::kHashtable);
  ds::Dict* d = SetDict(o);
  TD_ASSERT(d->type() == &kSetDictType);
  size_t n = 0;
  auto it = d->MakeIterator(/*safe=*/false);
  while (ds::DictEntry* de = it.Next()) {
    const ds::sds s = static_cast<ds::sds>(de->key);
    if (ds::SdsUseOf(s) != ds::SdsUse::kPayload || de->v.val != nullptr) {
      common::Panic("set %p: member %zu is not a payload sds with a null value", static_cast<const void*>(o), n);
    }
    n++;
  }
  it.Release();
  if (n != d->size()) common::Panic("set %p: iterated %zu members, dict says %zu", static_cast<const void*>(o), n, d->size());
}

// Members are hashed by their bytes: an entry keeps its bucket when its
// member moves.
size_t RelocateSet(Object* o, alloc::Tier to) {
  size_t moved = 0;
  if (IsIntset(o)) {
    MoveBlock(&o->ptr, to, &moved);
    return moved;
  }
  auto it = SetDict(o)->MakeIterator(/*safe=*/false);
  for (ds::DictEntry* de = it.Next(); de != nullptr; de = it.Next()) {
    if (!MoveSds(&de->key, to, &moved)) break;
  }
  it.Release();
  return moved;
}

alloc::Tier SetPayloadTier(const Object* o) {
  if (IsIntset(o)) return alloc::TierOf(o->ptr);
  auto it = SetDict(o)->MakeIterator(/*safe=*/false);
  ds::DictEntry* de = it.Next();
  alloc::Tier t = de == nullptr ? alloc::Tier::kDram : alloc::TierOf(ds::SdsAllocPtr(static_cast<ds::sds>(de->key)));
  it.Release();
  return t;
}

void RegisterSetTypeOps() {
  TypeOps ops;
  ops.free_value = FreeSetValue;
  ops.memory = SetMemoryUsage;
  ops.dup = DupSet;
  ops.payload = SetPayload;
  ops.relocate = RelocateSet;
  ops.payload_tier = SetPayloadTier;
  RegisterTypeOps(Type::kSet, ops);
}

}  // namespace object
