#include "object/object.h"

#include <cstring>

#include "common/macros.h"
#include "common/util.h"
#include "object/hash_type.h"
#include "object/list_type.h"
#include "object/lru.h"
#include "object/set_type.h"
#include "object/stream_type.h"
#include "object/zset_type.h"

namespace object {
namespace {

Settings g_settings;
TypeOps g_type_ops[8];

// The shared integers, created on first use. Their headers are DRAM and
// live for the whole process.
Object* g_shared_ints[kSharedIntegers];

}  // namespace

Settings& GetSettings() { return g_settings; }

void RegisterTypeOps(Type t, const TypeOps& ops) { g_type_ops[static_cast<int>(t)] = ops; }

void InitTypes() {
  RegisterListTypeOps();
  RegisterHashTypeOps();
  RegisterSetTypeOps();
  RegisterZsetTypeOps();
  RegisterStreamTypeOps();
}

Object* Dup(const Object* o) {
  if (o->GetType() == Type::kString) return DupString(o);
  auto& ops = g_type_ops[static_cast<int>(o->type)];
  return ops.dup ? ops.dup(o) : nullptr;
}

TierBytes PayloadBytes(const Object* o, size_t samples) {
  TierBytes tb;
  if (o->GetType() == Type::kString) {
    if (o->GetEncoding() == Encoding::kRaw) AddAlloc(tb, ds::SdsAllocPtr(static_cast<ds::sds>(o->ptr)));
    return tb;
  }
  auto& ops = g_type_ops[static_cast<int>(o->type)];
  if (ops.payload) ops.payload(o, samples, &tb);
  return tb;
}

alloc::Tier PayloadTier(const Object* o) {
  if (o->GetType() == Type::kString) {
    return o->GetEncoding() == Encoding::kRaw ? alloc::TierOf(o->ptr) : alloc::Tier::kDram;
  }
  auto& ops = g_type_ops[static_cast<int>(o->type)];
  return ops.payload_tier ? ops.payload_tier(o) : alloc::Tier::kDram;
}

bool MoveBlock(void** slot, alloc::Tier to, size_t* moved) {
  if (alloc::TierOf(*slot) == to) return true;
  void* p = alloc::Move(*slot, to);
  if (p == nullptr) return false;
  *slot = p;
  *moved += alloc::UsableSize(p);
  return true;
}

bool MoveSds(void** slot, alloc::Tier to, size_t* moved) {
  auto s = static_cast<ds::sds>(*slot);
  if (alloc::TierOf(ds::SdsAllocPtr(s)) == to) return true;
  ds::sds m = ds::SdsMove(s, to);
  if (m == nullptr) return false;
  *slot = m;
  *moved += alloc::UsableSize(ds::SdsAllocPtr(m));
  return true;
}

size_t Relocate(Object* o, alloc::Tier to) {
  if (o->GetType() == Type::kString) {
    size_t moved = 0;
    if (o->GetEncoding() == Encoding::kRaw) MoveSds(&o->ptr, to, &moved);
    return moved;
  }
  auto& ops = g_type_ops[static_cast<int>(o->type)];
  return ops.relocate ? ops.relocate(o, to) : 0;
}

size_t FreeEffort(const Object* o) {
  switch (o->GetEncoding()) {
    case Encoding::kQuicklist:
      return ListQl(o)->len();
    case Encoding::kHashtable:
      return o->GetType() == Type::kSet ? SetDict(o)->size() : HashLength(o);
    case Encoding::kSkiplist:
      return ZsetLength(o);
    case Encoding::kStream:
      return StreamOf(o)->rax.nodes() + StreamOf(o)->GroupCount();
    default:
      return 1;
  }
}

Object* Create(Type type, Encoding enc, void* ptr) {
  Object* o = static_cast<Object*>(alloc::Meta(sizeof(Object)));
  o->type = static_cast<unsigned>(type);
  o->in_entry = 0;
  o->encoding = static_cast<unsigned>(enc);
  o->lru = InitialAccess();
  o->refcount = 1;
  o->ptr = ptr;
  return o;
}

// Layout of an embstr: [Object][sds8 header: len, alloc, flags][bytes][NUL].
// We build the sds inside the same allocation with ds::SdsInitEmbedded.
Object* CreateEmbstr(std::string_view s) {
  size_t sds_bytes = ds::SdsEmbeddedSize(s.size());
  Object* o = static_cast<Object*>(alloc::Meta(sizeof(Object) + sds_bytes));
  o->type = static_cast<unsigned>(Type::kString);
  o->in_entry = 0;
  o->encoding = static_cast<unsigned>(Encoding::kEmbstr);
  o->lru = InitialAccess();
  o->refcount = 1;
  o->ptr = ds::SdsInitEmbedded(reinterpret_cast<char*>(o + 1), s.data(), s.size());
  return o;
}

Object* CreateRawString(std::string_view s) {
  return Create(Type::kString, Encoding::kRaw, ds::SdsNewLen(s.data(), s.size(), ds::SdsUse::kPayload));
}

Object* CreateString(std::string_view s) {
  if (s.size() <= g_settings.embstr_max) return CreateEmbstr(s);
  return CreateRawString(s);
}

Object* CreateStringFromInt64(int64_t v) {
  if (g_settings.shared_integers && v >= 0 && v < kSharedIntegers) {
    Object*& shared = g_shared_ints[v];
    if (shared == nullptr) {
      shared = Create(Type::kString, Encoding::kInt, reinterpret_cast<void*>(static_cast<intptr_t>(v)));
      shared->refcount = kSharedRefcount;
    }
    return shared;
  }
  return Create(Type::kString, Encoding::kInt, reinterpret_cast<void*>(static_cast<intptr_t>(v)));
}

Object* CreateStringEncoded(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && common::StringToInt64(s, &v)) return CreateStringFromInt64(v);
  return CreateString(s);
}

Object* TryCreateStringEncoded(std::string_view s) {
  int64_t v;
  if (s.size() <= 20 && common::StringToInt64(s, &v)) return CreateStringFromInt64(v);
  if (s.size() <= g_settings.embstr_max) return CreateEmbstr(s);
  ds::sds bytes = ds::SdsTryNewLen(s.data(), s.size(), ds::SdsUse::kPayload);
  return bytes == nullptr ? nullptr : Create(Type::kString, Encoding::kRaw, bytes);
}

Object* TryEncode(Object* o) {
  if (o->GetType() != Type::kString || IsShared(o) || o->refcount > 1) return o;
  Encoding e = o->GetEncoding();
  if (e == Encoding::kInt) return o;
  ds::sds s = static_cast<ds::sds>(o->ptr);
  std::string_view v = ds::SdsView(s);
  int64_t n;
  if (v.size() <= 20 && common::StringToInt64(v, &n)) {
    Object* r = CreateStringFromInt64(n);
    DecrRef(o);
    return r;
  }
  if (e == Encoding::kRaw && v.size() <= g_settings.embstr_max) {
    Object* r = CreateEmbstr(v);
    DecrRef(o);
    return r;
  }
  // Redis trims a raw string whose free space exceeds 10% of its length.
  if (e == Encoding::kRaw && ds::SdsAvail(s) > v.size() / 10) o->ptr = ds::SdsRemoveFreeSpace(s);
  return o;
}

Object* DupString(const Object* o) {
  TD_ASSERT(o->GetType() == Type::kString);
  switch (o->GetEncoding()) {
    case Encoding::kInt:
      return Create(Type::kString, Encoding::kInt, o->ptr);
    case Encoding::kEmbstr:
      return CreateEmbstr(ds::SdsView(static_cast<ds::sds>(o->ptr)));
    default:
      return Create(Type::kString, Encoding::kRaw, ds::SdsDup(static_cast<ds::sds>(o->ptr)));
  }
}

void IncrRef(Object* o) {
  TD_ASSERT(!o->in_entry);
  if (o->refcount != kSharedRefcount) o->refcount++;
}

// Frees o's value, not its header. An embstr's string shares a standalone
// header's allocation, but is an sds of its own in an in-entry header.
static void FreeValue(Object* o) {
  switch (o->GetType()) {
    case Type::kString:
      if (o->GetEncoding() == Encoding::kRaw || (o->in_entry && o->GetEncoding() == Encoding::kEmbstr)) {
        ds::SdsFree(static_cast<ds::sds>(o->ptr));
      }
      break;
    default: {
      auto& ops = g_type_ops[static_cast<int>(o->type)];
      TD_ASSERT(ops.free_value != nullptr);
      ops.free_value(o);
    }
  }
}

void DecrRef(Object* o) {
  TD_ASSERT(!o->in_entry);
  if (o->refcount == kSharedRefcount) return;
  TD_ASSERT(o->refcount > 0);
  if (--o->refcount == 0) {
    FreeValue(o);
    alloc::Free(o);
  }
}

void AdoptInto(Object* dst, Object* val) {
  if (val == dst) return;
  if (!IsShared(val) && (val->in_entry || val->refcount > 1)) {
    // Someone else keeps val's value: hold a copy of it.
    Object* copy = Dup(val);
    TD_ASSERT(copy != nullptr);
    if (!val->in_entry) DecrRef(val);
    val = copy;
  }
  dst->type = val->type;
  dst->encoding = val->encoding;
  // A shared integer's own header was stamped when it was first made: the
  // key's access clock starts now.
  dst->lru = IsShared(val) ? InitialAccess() : val->lru;
  dst->in_entry = 1;
  if (IsShared(val)) {
    dst->refcount = kSharedRefcount;
    dst->ptr = val->ptr;
    return;
  }
  dst->refcount = 1;
  if (val->GetEncoding() == Encoding::kEmbstr) {
    // The string lives in val's own allocation, which is about to go.
    dst->ptr = ds::SdsNewLen(val->ptr, ds::SdsLen(static_cast<ds::sds>(val->ptr)), ds::SdsUse::kMeta);
  } else {
    dst->ptr = val->ptr;
  }
  alloc::Free(val);
}

// Leaves an in-entry header holding no value: the integer 0, whose release
// frees nothing.
static void SetEmpty(Object* o) {
  o->type = static_cast<unsigned>(Type::kString);
  o->encoding = static_cast<unsigned>(Encoding::kInt);
  o->refcount = 1;
  o->ptr = nullptr;
}

void ReleaseInEntry(Object* o) {
  TD_ASSERT(o->in_entry);
  if (!IsShared(o)) FreeValue(o);
  SetEmpty(o);
}

Object* DetachFromEntry(Object* o) {
  TD_ASSERT(o->in_entry);
  Object* out;
  if (IsShared(o)) {
    // A shared integer stays the shared object (OBJECT REFCOUNT after RENAME).
    out = CreateStringFromInt64(static_cast<int64_t>(reinterpret_cast<intptr_t>(o->ptr)));
    SetEmpty(o);
    return out;
  }
  if (o->GetEncoding() == Encoding::kEmbstr) {
    auto s = static_cast<ds::sds>(o->ptr);
    out = CreateEmbstr(ds::SdsView(s));
    ds::SdsFree(s);
  } else {
    out = Create(o->GetType(), o->GetEncoding(), o->ptr);
  }
  out->lru = o->lru;
  SetEmpty(o);
  return out;
}

std::string_view StringView(const Object* o, char* buf) {
  if (o->GetEncoding() == Encoding::kInt) {
    size_t n = common::Int64ToChars(static_cast<int64_t>(reinterpret_cast<intptr_t>(o->ptr)), buf);
    return std::string_view(buf, n);
  }
  return ds::SdsView(static_cast<ds::sds>(o->ptr));
}

size_t StringLen(const Object* o) {
  char buf[24];
  return StringView(o, buf).size();
}

bool GetInt64(const Object* o, int64_t* v) {
  if (o->GetEncoding() == Encoding::kInt) {
    *v = static_cast<int64_t>(reinterpret_cast<intptr_t>(o->ptr));
    return true;
  }
  return common::StringToInt64(ds::SdsView(static_cast<ds::sds>(o->ptr)), v);
}

ds::sds& MutableRawString(Object* o) {
  TD_ASSERT(o->GetType() == Type::kString && o->refcount == 1);
  if (o->GetEncoding() != Encoding::kRaw) {
    char buf[24];
    std::string_view v = StringView(o, buf);
    // An embstr's bytes stay unused inside the header's allocation until the
    // object dies: the header cannot move, since the keyspace points at it.
    ds::sds s = ds::SdsNewLen(v.data(), v.size(), ds::SdsUse::kPayload);
    // An in-entry embstr's string is an sds of its own: free it.
    if (o->in_entry && o->GetEncoding() == Encoding::kEmbstr) ds::SdsFree(static_cast<ds::sds>(o->ptr));
    o->encoding = static_cast<unsigned>(Encoding::kRaw);
    o->ptr = s;
  }
  return reinterpret_cast<ds::sds&>(o->ptr);
}

const char* EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kRaw: return "raw";
    case Encoding::kInt: return "int";
    case Encoding::kHashtable: return "hashtable";
    case Encoding::kZipmap: return "zipmap";
    case Encoding::kLinkedlist: return "linkedlist";
    case Encoding::kZiplist: return "ziplist";
    case Encoding::kIntset: return "intset";
    case Encoding::kSkiplist: return "skiplist";
    case Encoding::kEmbstr: return "embstr";
    case Encoding::kQuicklist: return "quicklist";
    case Encoding::kStream: return "stream";
    case Encoding::kListpack: return "listpack";
  }
  return "unknown";
}

const char* TypeName(Type t) {
  switch (t) {
    case Type::kString: return "string";
    case Type::kList: return "list";
    case Type::kSet: return "set";
    case Type::kZset: return "zset";
    case Type::kHash: return "hash";
    case Type::kModule: return "module";
    case Type::kStream: return "stream";
  }
  return "unknown";
}

TierBytes MemoryUsage(const Object* o, size_t samples) {
  TierBytes tb;
  if (!o->in_entry) AddAlloc(tb, o);  // header (and a standalone embstr's string)
  if (o->GetType() == Type::kString) {
    if (o->GetEncoding() == Encoding::kRaw || (o->in_entry && o->GetEncoding() == Encoding::kEmbstr)) {
      AddAlloc(tb, ds::SdsAllocPtr(static_cast<ds::sds>(o->ptr)));
    }
    return tb;
  }
  auto& ops = g_type_ops[static_cast<int>(o->type)];
  if (ops.memory) ops.memory(o, samples, &tb);
  return tb;
}

}  // namespace object
