// The string command family of Redis 7.0: GET SET SETNX SETEX PSETEX GETSET
// GETDEL GETEX MGET MSET MSETNX APPEND STRLEN INCR DECR INCRBY DECRBY
// INCRBYFLOAT GETRANGE SETRANGE SUBSTR LCS, and the bitmap commands that
// read and write bits of a string: SETBIT GETBIT BITCOUNT BITPOS BITOP
// BITFIELD BITFIELD_RO (their bit-level helpers are object/bitops.h).
//
// Replies, error texts, argument-parsing order and encodings follow Redis
// 7.0.15 byte for byte (tests/integration/test_string.py runs every case on
// both servers). Encodings, as OBJECT ENCODING shows them:
//   - SET, SETNX, SETEX, PSETEX, GETSET, MSET, MSETNX and APPEND on a missing
//     key store the smallest encoding (object::CreateStringEncoded: shared or
//     plain int, embstr, raw);
//   - the INCR family stores ints, and reuses the object in place when it is
//     an unshared int (no allocation on the counter hot path);
//   - INCRBYFLOAT stores its human-formatted text as embstr/raw, never int;
//   - APPEND, SETRANGE and SETBIT leave the value raw: they un-share the
//     object first (a copy replaces a shared or multiply-referenced value,
//     keeping the TTL) and then edit its sds in place.
//
// Invariants every modifying command keeps, as Redis's handlers do: after a
// change it signals the modified key (WATCH), raises its keyspace event with
// Redis's name ("set", "incrby", "append", "expire", "del", ...) and adds
// the number of changes to the dirty counter; a command that changes nothing
// (SETRANGE with an empty value, SETBIT writing the bit already there, GETEX
// PERSIST on a key without TTL) does none of the three.
//
// Expiry: SET/SETEX/PSETEX/GETEX turn EX/PX/EXAT/PXAT into an absolute unix
// deadline in ms against db::Now(). A SET whose EXAT/PXAT deadline is already
// past stores the key with that deadline and replies OK; the key is gone at
// its next access (Redis 7.0 does the same: DBSIZE still counts it until
// then). GETEX with a past EXAT/PXAT deletes the key at once, as Redis.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/util.h"
#include "db/db.h"
#include "db/tiering.h"
#include "ds/sds.h"
#include "object/bitops.h"
#include "object/object.h"

namespace commands {
namespace {

using object::Object;

// Error texts used by no other family (shared ones live in errors.h).
constexpr char kDecrementOverflow[] = "ERR decrement would overflow";
constexpr char kLcsWrongType[] = "ERR The specified keys must contain string values";
constexpr char kLcsIdxAndLen[] = "ERR If you want both the length and indexes, please just use IDX.";
constexpr char kLcsTooLong[] = "ERR String too long for LCS";
constexpr char kLcsTableTooBig[] = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len";
constexpr char kLcsNoMemory[] = "ERR Insufficient memory, failed allocating transient memory for LCS";
constexpr char kBitOffsetInvalid[] = "ERR bit offset is not an integer or out of range";
constexpr char kBitValueInvalid[] = "ERR bit is not an integer or out of range";
constexpr char kBitposBitInvalid[] = "ERR The bit argument must be 1 or 0.";
constexpr char kBitopNotSingleSource[] = "ERR BITOP NOT must be called with a single source key.";
constexpr char kBitfieldTypeInvalid[] =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
constexpr char kBitfieldOverflowInvalid[] = "ERR Invalid OVERFLOW type specified";
constexpr char kBitfieldRoOnlyGet[] = "ERR BITFIELD_RO only supports the GET subcommand";

// Stack room for the digits of an int-encoded value: object::StringView
// needs at least 21 bytes ("-9223372036854775808" and its NUL); 24 keeps the
// buffer 8-byte aligned.
constexpr size_t kIntBufSize = 24;
static_assert(kIntBufSize >= common::kInt64BufSize);

constexpr int64_t kMsPerSecond = 1000;
constexpr int kBitsPerByte = 8;

inline bool IsString(const Object* o) { return o->GetType() == object::Type::kString; }

// Stores val under key as Redis's setKey: an expired key is deleted first
// (raising its "expired" event) rather than silently overwritten, the TTL is
// dropped unless keep_ttl, and WATCHers see the key modified. Takes one
// reference of val.
void StoreString(Client& c, db::Db& d, std::string_view key, Object* val, bool keep_ttl) {
  d.ExpireIfNeeded(key);
  d.SetKey(key, val, keep_ttl);
  SignalModifiedKey(c, d, key);
}

// The value of key for writing in place: o itself when this key is its only
// owner, otherwise a private copy that replaces it (keeping the TTL), as
// Redis's dbUnshareStringValue. REQUIRES: o is key's string value.
Object* UnshareString(db::Db& d, std::string_view key, Object* o) {
  if (o->refcount == 1) return o;  // shared integers have kSharedRefcount
  return d.SetKey(key, object::DupString(o), /*keep_ttl=*/true);
}

// A raw string object of n zero bytes, its payload placed for its final size
// (SETRANGE and SETBIT on a missing key).
Object* CreateZeroedRawString(size_t n) {
  return object::Create(object::Type::kString, object::Encoding::kRaw,
                        ds::SdsNewLen(nullptr, n, ds::SdsUse::kPayload));
}

// Redis's checkStringLength: false (after replying) when a string of `size`
// bytes grown by `append` bytes would exceed proto-max-bulk-len.
bool CheckStringLengthOrReply(Client& c, uint64_t size, uint64_t append) {
  uint64_t total;
  if (__builtin_add_overflow(size, append, &total) ||
      total > static_cast<uint64_t>(GetState().proto_max_bulk_len)) {
    c.AddError(err::kStringTooLong);
    return false;
  }
  return true;
}

// Redis's getGenericCommand: replies key's value, or a null when it is
// missing. Returns false after replying WRONGTYPE.
bool ReplyStringValue(Client& c, std::string_view key) {
  Object* o = c.db->LookupRead(key);
  if (o == nullptr) {
    c.reply.Null();
    return true;
  }
  if (!IsString(o)) {
    c.AddError(err::kWrongType);
    return false;
  }
  char buf[kIntBufSize];
  c.reply.Bulk(object::StringView(o, buf));
  return true;
}

// ---- SET options (Redis's parseExtendedStringArgumentsOrReply) ----

enum StringOption : uint32_t {
  kOptNx = 1u << 0,
  kOptXx = 1u << 1,
  kOptGet = 1u << 2,
  kOptKeepTtl = 1u << 3,
  kOptPersist = 1u << 4,
  kOptEx = 1u << 5,
  kOptPx = 1u << 6,
  kOptExAt = 1u << 7,
  kOptPxAt = 1u << 8,
};
constexpr uint32_t kOptAnyExpire = kOptEx | kOptPx | kOptExAt | kOptPxAt;

enum class OptionsOf { kSet, kGetEx };

struct StringOptions {
  uint32_t flags = 0;
  bool has_expire = false;
  std::string_view expire;  // the EX/PX/EXAT/PXAT argument, unparsed
};

// Parses c.argv[first..] as SET's (or GETEX's) options. Redis 7.0's rules:
// NX, XX, GET and KEEPTTL are SET's, PERSIST is GETEX's; NX and XX exclude
// each other; one expire kind at most (repeating the same one is allowed:
// the last value wins), never with KEEPTTL or PERSIST; an expire option
// needs a following argument. Anything else is a syntax error. The expire
// value itself is parsed later (after every syntax check), as in Redis.
bool ParseStringOptionsOrReply(Client& c, size_t first, OptionsOf cmd, StringOptions* out) {
  const bool is_set = cmd == OptionsOf::kSet;
  uint32_t& f = out->flags;
  for (size_t j = first; j < c.argv.size(); j++) {
    std::string_view opt = c.argv[j];
    bool has_next = j + 1 < c.argv.size();
    uint32_t expire_kind = 0;
    if (ArgIs(opt, "ex")) {
      expire_kind = kOptEx;
    } else if (ArgIs(opt, "px")) {
      expire_kind = kOptPx;
    } else if (ArgIs(opt, "exat")) {
      expire_kind = kOptExAt;
    } else if (ArgIs(opt, "pxat")) {
      expire_kind = kOptPxAt;
    }
    if (expire_kind != 0) {
      uint32_t conflicts = (kOptAnyExpire & ~expire_kind) | kOptKeepTtl | kOptPersist;
      if ((f & conflicts) || !has_next) {
        c.AddSyntaxError();
        return false;
      }
      f |= expire_kind;
      out->has_expire = true;
      out->expire = c.argv[++j];
    } else if (is_set && ArgIs(opt, "nx") && !(f & kOptXx)) {
      f |= kOptNx;
    } else if (is_set && ArgIs(opt, "xx") && !(f & kOptNx)) {
      f |= kOptXx;
    } else if (is_set && ArgIs(opt, "get")) {
      f |= kOptGet;
    } else if (is_set && ArgIs(opt, "keepttl") && !(f & (kOptAnyExpire | kOptPersist))) {
      f |= kOptKeepTtl;
    } else if (!is_set && ArgIs(opt, "persist") && !(f & (kOptAnyExpire | kOptKeepTtl))) {
      f |= kOptPersist;
    } else {
      c.AddSyntaxError();
      return false;
    }
  }
  return true;
}

// Redis's getExpireMillisecondsOrReply: turns an EX/PX/EXAT/PXAT argument
// into an absolute unix deadline in ms. Non-integers get the integer error;
// values <= 0, seconds that overflow when scaled to ms, and relative times
// that overflow when added to now get "invalid expire time in '<cmd>'".
bool ExpireDeadlineOrReply(Client& c, std::string_view arg, uint32_t flags, const char* cmd, int64_t* when) {
  int64_t v;
  if (!GetInt64OrReply(c, arg, &v)) return false;
  const bool seconds = flags & (kOptEx | kOptExAt);
  bool ok = v > 0 && !(seconds && v > INT64_MAX / kMsPerSecond);
  if (ok && seconds) v *= kMsPerSecond;
  if (ok && (flags & (kOptEx | kOptPx))) ok = !__builtin_add_overflow(v, db::Now(), &v);
  if (!ok) {
    c.AddErrorFormat(err::kInvalidExpire, cmd);
    return false;
  }
  *when = v;
  return true;
}

// ---- GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX ----

void GetCommand(Client& c) { ReplyStringValue(c, c.argv[1]); }

enum class SetReply { kOk, kOneZero };

// The value a SET-like command stores at key, placed where the value it
// replaces is (db/tiering.h ReplacementPlacement).
Object* NewValueFor(db::Db& d, std::string_view key, std::string_view value) {
  db::tiering::ReplacementPlacement place(d, key);
  return object::CreateStringEncoded(value);
}

// Redis's setGenericCommand: the expire is validated first, then GET replies
// the old value (WRONGTYPE aborts everything), then NX/XX decide. When GET
// was given it is the whole reply; otherwise OK (or 1) on success and null
// (or 0) when NX/XX refused.
void SetGeneric(Client& c, const StringOptions& opts, std::string_view key, std::string_view value,
                const char* cmd, SetReply style) {
  const uint32_t f = opts.flags;
  int64_t when = 0;
  if (opts.has_expire && !ExpireDeadlineOrReply(c, opts.expire, f, cmd, &when)) return;
  if ((f & kOptGet) && !ReplyStringValue(c, key)) return;
  db::Db& d = *c.db;
  if (f & (kOptNx | kOptXx)) {
    bool found = d.LookupWrite(key) != nullptr;
    if (((f & kOptNx) && found) || ((f & kOptXx) && !found)) {
      if (!(f & kOptGet)) {
        if (style == SetReply::kOk) {
          c.reply.Null();
        } else {
          c.reply.Integer(0);
        }
      }
      return;
    }
  }
  StoreString(c, d, key, NewValueFor(d, key, value), f & kOptKeepTtl);
  GetState().dirty++;
  NotifyKeyspaceEvent(kNotifyString, "set", key, d.id());
  if (opts.has_expire) {
    d.SetExpire(key, when);
    NotifyKeyspaceEvent(kNotifyGeneric, "expire", key, d.id());
  }
  // Propagation as Redis 7.0: a relative or seconds expire becomes
  // SET key value PXAT <ms> (the other options dropped); without any expire
  // the GET arguments are dropped; SET ... PXAT goes as it came.
  if (opts.has_expire && !(f & kOptPxAt)) {
    RewriteCommandForPropagation(
        c, {"SET", std::string(key), std::string(value), "PXAT", common::Int64ToString(when)});
  } else if ((f & kOptGet) && !opts.has_expire) {
    std::vector<std::string> argv;
    for (size_t j = 0; j < c.argv.size(); j++)
      if (j < 3 || !ArgIs(c.argv[j], "get")) argv.emplace_back(c.argv[j]);
    RewriteCommandForPropagation(c, std::move(argv));
  }
  if (f & kOptGet) return;
  if (style == SetReply::kOk) {
    c.reply.Ok();
  } else {
    c.reply.Integer(1);
  }
}

void SetCommand(Client& c) {
  StringOptions opts;
  if (c.argv.size() > 3 && !ParseStringOptionsOrReply(c, 3, OptionsOf::kSet, &opts)) return;
  SetGeneric(c, opts, c.argv[1], c.argv[2], "set", SetReply::kOk);
}

void SetNxCommand(Client& c) {
  StringOptions opts;
  opts.flags = kOptNx;
  SetGeneric(c, opts, c.argv[1], c.argv[2], "setnx", SetReply::kOneZero);
}

void SetExGeneric(Client& c, uint32_t unit_flag, const char* cmd) {
  StringOptions opts;
  opts.flags = unit_flag;
  opts.has_expire = true;
  opts.expire = c.argv[2];
  SetGeneric(c, opts, c.argv[1], c.argv[3], cmd, SetReply::kOk);
}

void SetExCommand(Client& c) { SetExGeneric(c, kOptEx, "setex"); }
void PSetExCommand(Client& c) { SetExGeneric(c, kOptPx, "psetex"); }

void GetSetCommand(Client& c) {
  std::string_view key = c.argv[1];
  if (!ReplyStringValue(c, key)) return;
  db::Db& d = *c.db;
  StoreString(c, d, key, NewValueFor(d, key, c.argv[2]), /*keep_ttl=*/false);
  NotifyKeyspaceEvent(kNotifyString, "set", key, d.id());
  GetState().dirty++;
  RewriteCommandForPropagation(c, {"SET", std::string(key), std::string(c.argv[2])});  // as Redis 7.0
}

void GetDelCommand(Client& c) {
  std::string_view key = c.argv[1];
  if (!ReplyStringValue(c, key)) return;
  db::Db& d = *c.db;
  if (d.Delete(key)) {
    SignalModifiedKey(c, d, key);
    NotifyKeyspaceEvent(kNotifyGeneric, "del", key, d.id());
    GetState().dirty++;
    RewriteCommandForPropagation(c, {"DEL", std::string(key)});
  }
}

// GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST]. Order as Redis:
// option syntax, then the key (a missing key replies null whatever the
// expire value), then the expire value, then the reply and the change.
void GetExCommand(Client& c) {
  StringOptions opts;
  if (!ParseStringOptionsOrReply(c, 2, OptionsOf::kGetEx, &opts)) return;
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* o = d.LookupRead(key);
  if (o == nullptr) {
    c.reply.Null();
    return;
  }
  if (!IsString(o)) {
    c.AddError(err::kWrongType);
    return;
  }
  int64_t when = 0;
  if (opts.has_expire && !ExpireDeadlineOrReply(c, opts.expire, opts.flags, "getex", &when)) return;
  char buf[kIntBufSize];
  c.reply.Bulk(object::StringView(o, buf));  // copied into the reply: o may go below

  const char* event = nullptr;
  if ((opts.flags & (kOptExAt | kOptPxAt)) && when <= db::Now() && !GetState().loading) {
    // An absolute deadline already past: the key expires right now.
    d.Delete(key);
    event = "del";
    RewriteCommandForPropagation(c, {GetState().lazyfree_lazy_expire ? "UNLINK" : "DEL", std::string(key)});
  } else if (opts.has_expire) {
    d.SetExpire(key, when);
    event = "expire";
    RewriteCommandForPropagation(c, {"PEXPIREAT", std::string(key), common::Int64ToString(when)});
  } else if ((opts.flags & kOptPersist) && d.RemoveExpire(key)) {
    event = "persist";
    RewriteCommandForPropagation(c, {"PERSIST", std::string(key)});
  }
  if (event == nullptr) return;
  SignalModifiedKey(c, d, key);
  NotifyKeyspaceEvent(kNotifyGeneric, event, key, d.id());
  GetState().dirty++;
}

// ---- MGET MSET MSETNX ----

void MGetCommand(Client& c) {
  db::Db& d = *c.db;
  const size_t n = c.argv.size() - 1;
  c.reply.ArrayHeader(n);
  char buf[kIntBufSize];
  for (size_t j = 1; j <= n; j++) {
    Object* o = d.LookupRead(c.argv[j]);
    if (o == nullptr || !IsString(o)) {
      c.reply.Null();  // MGET never fails: another type reads as missing
    } else {
      c.reply.Bulk(object::StringView(o, buf));
    }
  }
}

void MSetGeneric(Client& c, bool nx) {
  if (c.argv.size() % 2 == 0) {  // a key without its value
    c.AddArityError();
    return;
  }
  db::Db& d = *c.db;
  if (nx) {
    for (size_t j = 1; j < c.argv.size(); j += 2) {
      if (d.LookupWrite(c.argv[j]) != nullptr) {
        c.reply.Integer(0);
        return;
      }
    }
  }
  for (size_t j = 1; j < c.argv.size(); j += 2) {
    StoreString(c, d, c.argv[j], NewValueFor(d, c.argv[j], c.argv[j + 1]), /*keep_ttl=*/false);
    NotifyKeyspaceEvent(kNotifyString, "set", c.argv[j], d.id());
  }
  GetState().dirty += (c.argv.size() - 1) / 2;
  if (nx) {
    c.reply.Integer(1);
  } else {
    c.reply.Ok();
  }
}

void MSetCommand(Client& c) { MSetGeneric(c, false); }
void MSetNxCommand(Client& c) { MSetGeneric(c, true); }

// ---- APPEND STRLEN ----

void AppendCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  std::string_view tail = c.argv[2];
  Object* o = d.LookupWrite(key);
  size_t total;
  if (o == nullptr) {
    StoreString(c, d, key, object::CreateStringEncoded(tail), /*keep_ttl=*/false);
    total = tail.size();
  } else {
    if (!IsString(o)) {
      c.AddError(err::kWrongType);
      return;
    }
    if (!CheckStringLengthOrReply(c, object::StringLen(o), tail.size())) return;
    o = UnshareString(d, key, o);
    ds::sds& s = object::MutableRawString(o);
    s = ds::SdsCatLen(s, tail.data(), tail.size());
    total = ds::SdsLen(s);
    SignalModifiedKey(c, d, key);
  }
  NotifyKeyspaceEvent(kNotifyString, "append", key, d.id());
  GetState().dirty++;
  c.reply.Integer(static_cast<int64_t>(total));
}

void StrLenCommand(Client& c) {
  Object* o = c.db->LookupRead(c.argv[1]);
  if (o == nullptr) {
    c.reply.Integer(0);
  } else if (!IsString(o)) {
    c.AddError(err::kWrongType);
  } else {
    c.reply.Integer(static_cast<int64_t>(object::StringLen(o)));
  }
}

// ---- INCR DECR INCRBY DECRBY INCRBYFLOAT ----

// Adds incr to the integer at key (a missing key counts as 0) and replies
// the new value. A value that is not a canonical int64 replies the integer
// error; a result outside int64 replies the overflow error and changes
// nothing.
void IncrDecr(Client& c, int64_t incr) {
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* o = d.LookupWrite(key);
  int64_t value = 0;
  if (o != nullptr) {
    if (!IsString(o)) {
      c.AddError(err::kWrongType);
      return;
    }
    if (!object::GetInt64(o, &value)) {
      c.AddError(err::kNotInteger);
      return;
    }
  }
  if (__builtin_add_overflow(value, incr, &value)) {
    c.AddError(err::kOverflow);
    return;
  }
  // Reuse an unshared int object in place unless the result is one the
  // shared-integer pool should serve (Redis's rule, so that OBJECT REFCOUNT
  // answers the same).
  const bool pool_value = object::GetSettings().shared_integers && value >= 0 && value < object::kSharedIntegers;
  if (o != nullptr && o->refcount == 1 && o->GetEncoding() == object::Encoding::kInt && !pool_value) {
    o->ptr = reinterpret_cast<void*>(static_cast<intptr_t>(value));
  } else {
    // Overwriting keeps the TTL, as Redis's dbOverwrite.
    d.SetKey(key, object::CreateStringFromInt64(value), /*keep_ttl=*/o != nullptr);
  }
  SignalModifiedKey(c, d, key);
  NotifyKeyspaceEvent(kNotifyString, "incrby", key, d.id());
  GetState().dirty++;
  c.reply.Integer(value);
}

void IncrCommand(Client& c) { IncrDecr(c, 1); }
void DecrCommand(Client& c) { IncrDecr(c, -1); }

void IncrByCommand(Client& c) {
  int64_t incr;
  if (!GetInt64OrReply(c, c.argv[2], &incr)) return;
  IncrDecr(c, incr);
}

void DecrByCommand(Client& c) {
  int64_t decr;
  if (!GetInt64OrReply(c, c.argv[2], &decr)) return;
  if (decr == INT64_MIN) {  // its negation does not exist
    c.AddError(kDecrementOverflow);
    return;
  }
  IncrDecr(c, -decr);
}

void IncrByFloatCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* o = d.LookupWrite(key);
  long double value = 0;
  if (o != nullptr) {
    if (!IsString(o)) {
      c.AddError(err::kWrongType);
      return;
    }
    char buf[kIntBufSize];
    if (!common::StringToLongDouble(object::StringView(o, buf), &value)) {
      c.AddError(err::kNotFloat);
      return;
    }
  }
  long double incr;
  if (!GetLongDoubleOrReply(c, c.argv[2], &incr)) return;
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    c.AddError(err::kNanOrInf);
    return;
  }
  // Stored as the text the client sees (never int-encoded), so that a
  // replica or an AOF replay gets exactly this value.
  std::string text = common::FormatLongDouble(value, common::LongDoubleMode::kHuman);
  d.SetKey(key, object::CreateString(text), /*keep_ttl=*/o != nullptr);
  SignalModifiedKey(c, d, key);
  NotifyKeyspaceEvent(kNotifyString, "incrbyfloat", key, d.id());
  GetState().dirty++;
  // Propagated as the value reached, so float formatting never diverges.
  RewriteCommandForPropagation(c, {"SET", std::string(key), text, "KEEPTTL"});
  c.reply.Bulk(text);
}

// ---- GETRANGE SUBSTR SETRANGE ----

// Redis's index rules for GETRANGE and BITCOUNT/BITPOS ranges over `total`
// units: negative indexes count from the end, then both are clamped into
// [0, total - 1]. The range is empty when *start > *end afterwards.
void NormalizeRange(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
}

void GetRangeCommand(Client& c) {
  int64_t start, end;
  if (!GetInt64OrReply(c, c.argv[2], &start) || !GetInt64OrReply(c, c.argv[3], &end)) return;
  Object* o = c.db->LookupRead(c.argv[1]);
  if (o == nullptr) {
    c.reply.Bulk("");
    return;
  }
  if (!IsString(o)) {
    c.AddError(err::kWrongType);
    return;
  }
  char buf[kIntBufSize];
  std::string_view s = object::StringView(o, buf);
  // Both negative and reversed: empty, before clamping could make it "0 0".
  if (start < 0 && end < 0 && start > end) {
    c.reply.Bulk("");
    return;
  }
  NormalizeRange(static_cast<int64_t>(s.size()), &start, &end);
  if (s.empty() || start > end) {
    c.reply.Bulk("");
    return;
  }
  c.reply.Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void SetRangeCommand(Client& c) {
  int64_t offset;
  if (!GetInt64OrReply(c, c.argv[2], &offset)) return;
  if (offset < 0) {
    c.AddError(err::kBitOffset);  // "ERR offset is out of range"
    return;
  }
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  std::string_view value = c.argv[3];
  Object* o = d.LookupWrite(key);
  if (o == nullptr) {
    if (value.empty()) {  // nothing to write: no key is created
      c.reply.Integer(0);
      return;
    }
    if (!CheckStringLengthOrReply(c, static_cast<uint64_t>(offset), value.size())) return;
    o = d.SetKey(key, CreateZeroedRawString(static_cast<size_t>(offset) + value.size()), /*keep_ttl=*/false);
  } else {
    if (!IsString(o)) {
      c.AddError(err::kWrongType);
      return;
    }
    if (value.empty()) {
      c.reply.Integer(static_cast<int64_t>(object::StringLen(o)));
      return;
    }
    if (!CheckStringLengthOrReply(c, static_cast<uint64_t>(offset), value.size())) return;
    o = UnshareString(d, key, o);
  }
  ds::sds& s = object::MutableRawString(o);
  const size_t need = static_cast<size_t>(offset) + value.size();
  if (ds::SdsLen(s) < need) s = ds::SdsGrowZero(s, need);
  memcpy(s + offset, value.data(), value.size());
  SignalModifiedKey(c, d, key);
  NotifyKeyspaceEvent(kNotifyString, "setrange", key, d.id());
  GetState().dirty++;
  c.reply.Integer(static_cast<int64_t>(ds::SdsLen(s)));
}

// ---- LCS ----

// Frees the LCS table (plain malloc: a transient buffer that may be refused,
// and whose refusal must become a reply, not an abort).
struct FreeDeleter {
  void operator()(void* p) const { free(p); }
};

struct LcsOptions {
  bool idx = false;
  bool len = false;
  bool with_match_len = false;
  int64_t min_match_len = 0;
};

bool ParseLcsOptionsOrReply(Client& c, LcsOptions* o) {
  for (size_t j = 3; j < c.argv.size(); j++) {
    std::string_view opt = c.argv[j];
    if (ArgIs(opt, "idx")) {
      o->idx = true;
    } else if (ArgIs(opt, "len")) {
      o->len = true;
    } else if (ArgIs(opt, "withmatchlen")) {
      o->with_match_len = true;
    } else if (ArgIs(opt, "minmatchlen") && j + 1 < c.argv.size()) {
      if (!GetInt64OrReply(c, c.argv[++j], &o->min_match_len)) return false;
      if (o->min_match_len < 0) o->min_match_len = 0;
    } else {
      c.AddSyntaxError();
      return false;
    }
  }
  if (o->idx && o->len) {
    c.AddError(kLcsIdxAndLen);
    return false;
  }
  return true;
}

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN]: the longest
// common subsequence by the classic dynamic program. dp[i][j] is the LCS
// length of a[0..i) and b[0..j); walking back from (|a|, |b|) rebuilds the
// sequence from its end. The walk's tie-break (move in a when dp[i-1][j] is
// strictly larger, else in b) and the way runs are cut are Redis's, so IDX
// reports the same ranges, last match first. Missing keys are empty strings.
void LcsCommand(Client& c) {
  db::Db& d = *c.db;
  Object* oa = d.LookupRead(c.argv[1]);
  Object* ob = d.LookupRead(c.argv[2]);
  if ((oa != nullptr && !IsString(oa)) || (ob != nullptr && !IsString(ob))) {
    c.AddError(kLcsWrongType);
    return;
  }
  LcsOptions opts;
  if (!ParseLcsOptionsOrReply(c, &opts)) return;
  char abuf[kIntBufSize], bbuf[kIntBufSize];
  std::string_view a = oa ? object::StringView(oa, abuf) : std::string_view();
  std::string_view b = ob ? object::StringView(ob, bbuf) : std::string_view();
  // Lengths and indexes are kept in 32 bits, as Redis's table cells.
  if (a.size() >= UINT32_MAX - 1 || b.size() >= UINT32_MAX - 1) {
    c.AddError(kLcsTooLong);
    return;
  }
  const uint64_t alen = a.size(), blen = b.size();
  const uint64_t stride = blen + 1;
  uint64_t table_bytes;
  std::unique_ptr<uint32_t[], FreeDeleter> dp;
  if (!__builtin_mul_overflow((alen + 1) * stride, sizeof(uint32_t), &table_bytes)) {
    if (table_bytes > static_cast<uint64_t>(GetState().proto_max_bulk_len)) {
      c.AddError(kLcsTableTooBig);
      return;
    }
    dp.reset(static_cast<uint32_t*>(malloc(table_bytes)));
  }
  if (dp == nullptr) {
    c.AddError(kLcsNoMemory);
    return;
  }
  auto cell = [&dp, stride](uint64_t i, uint64_t j) -> uint32_t& { return dp[i * stride + j]; };
  for (uint64_t j = 0; j <= blen; j++) cell(0, j) = 0;
  for (uint64_t i = 1; i <= alen; i++) {
    cell(i, 0) = 0;
    for (uint64_t j = 1; j <= blen; j++) {
      if (a[i - 1] == b[j - 1]) {
        cell(i, j) = cell(i - 1, j - 1) + 1;
      } else {
        cell(i, j) = std::max(cell(i - 1, j), cell(i, j - 1));
      }
    }
  }
  const uint32_t lcs_len = cell(alen, blen);
  if (opts.len) {
    c.reply.Integer(lcs_len);
    return;
  }

  std::string sequence;
  if (!opts.idx) sequence.resize(lcs_len);
  size_t matches_handle = 0;
  size_t matches = 0;
  if (opts.idx) {
    c.reply.MapHeader(2);
    c.reply.Bulk("matches");
    matches_handle = c.reply.DeferLen();
  }
  // The run being collected, walking backwards: a[a_lo..a_hi] equals
  // b[b_lo..b_hi]. Consecutive matches always extend it, because a match
  // moves both indexes down by one; a non-match step ends it.
  bool in_run = false;
  uint64_t a_lo = 0, a_hi = 0, b_lo = 0, b_hi = 0;
  auto emit_run = [&]() {
    in_run = false;
    if (!opts.idx) return;
    const uint64_t run_len = a_hi - a_lo + 1;
    if (opts.min_match_len != 0 && run_len < static_cast<uint64_t>(opts.min_match_len)) return;
    c.reply.ArrayHeader(opts.with_match_len ? 3 : 2);
    c.reply.ArrayHeader(2);
    c.reply.Integer(static_cast<int64_t>(a_lo));
    c.reply.Integer(static_cast<int64_t>(a_hi));
    c.reply.ArrayHeader(2);
    c.reply.Integer(static_cast<int64_t>(b_lo));
    c.reply.Integer(static_cast<int64_t>(b_hi));
    if (opts.with_match_len) c.reply.Integer(static_cast<int64_t>(run_len));
    matches++;
  };
  uint64_t i = alen, j = blen;
  uint32_t k = lcs_len;
  while (i > 0 && j > 0) {
    if (a[i - 1] == b[j - 1]) {
      if (!opts.idx) sequence[--k] = a[i - 1];
      if (!in_run) {
        in_run = true;
        a_hi = i - 1;
        b_hi = j - 1;
      }
      a_lo = i - 1;
      b_lo = j - 1;
      i--;
      j--;
      // A run touching the start of either string cannot grow further.
      if (i == 0 || j == 0) emit_run();
    } else {
      if (cell(i - 1, j) > cell(i, j - 1)) {
        i--;
      } else {
        j--;
      }
      if (in_run) emit_run();
    }
  }
  if (opts.idx) {
    c.reply.SetDeferredArrayLen(matches_handle, matches);
    c.reply.Bulk("len");
    c.reply.Integer(lcs_len);
  } else {
    c.reply.Bulk(sequence);
  }
}

// ---- SETBIT GETBIT BITCOUNT BITPOS ----

// Redis's getBitOffsetFromArgument: a canonical non-negative int64 whose
// byte (offset / 8) is below proto-max-bulk-len. Like Redis, the argument is
// read as a C string, so it ends at an embedded NUL.
bool GetBitOffsetOrReply(Client& c, std::string_view arg, uint64_t* out) {
  arg = arg.substr(0, arg.find('\0'));
  int64_t v;
  if (!common::StringToInt64(arg, &v) || v < 0 || (v >> 3) >= GetState().proto_max_bulk_len) {
    c.AddError(kBitOffsetInvalid);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

// Bit numbering is Redis's: bit 0 is the most significant bit of byte 0.
inline uint8_t BitMask(uint64_t bit_offset) { return static_cast<uint8_t>(0x80u >> (bit_offset & 7)); }

void SetBitCommand(Client& c) {
  uint64_t offset;
  if (!GetBitOffsetOrReply(c, c.argv[2], &offset)) return;
  int64_t on;
  if (!GetInt64OrReply(c, c.argv[3], &on, kBitValueInvalid)) return;
  if (on != 0 && on != 1) {
    c.AddError(kBitValueInvalid);
    return;
  }
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* o = d.LookupWrite(key);
  const size_t byte = offset >> 3;
  bool grown;  // created or lengthened: a change even if the bit stays 0
  if (o == nullptr) {
    o = d.SetKey(key, CreateZeroedRawString(byte + 1), /*keep_ttl=*/false);
    grown = true;
  } else {
    if (!IsString(o)) {
      c.AddError(err::kWrongType);
      return;
    }
    o = UnshareString(d, key, o);
    grown = false;
  }
  ds::sds& s = object::MutableRawString(o);
  if (ds::SdsLen(s) < byte + 1) {
    s = ds::SdsGrowZero(s, byte + 1);
    grown = true;
  }
  uint8_t* cell = reinterpret_cast<uint8_t*>(s) + byte;
  const uint8_t mask = BitMask(offset);
  const bool was_set = *cell & mask;
  if (grown || was_set != (on == 1)) {
    *cell = static_cast<uint8_t>(on ? (*cell | mask) : (*cell & ~mask));
    SignalModifiedKey(c, d, key);
    NotifyKeyspaceEvent(kNotifyString, "setbit", key, d.id());
    GetState().dirty++;
  }
  c.reply.Integer(was_set ? 1 : 0);
}

using object::bits::CountBitsInRange;
using object::bits::FindBit;

void GetBitCommand(Client& c) {
  uint64_t offset;
  if (!GetBitOffsetOrReply(c, c.argv[2], &offset)) return;
  Object* o = c.db->LookupRead(c.argv[1]);
  if (o == nullptr) {
    c.reply.Integer(0);
    return;
  }
  if (!IsString(o)) {
    c.AddError(err::kWrongType);
    return;
  }
  char buf[kIntBufSize];
  std::string_view s = object::StringView(o, buf);
  const uint64_t byte = offset >> 3;
  bool set = byte < s.size() && (static_cast<uint8_t>(s[byte]) & BitMask(offset));
  c.reply.Integer(set ? 1 : 0);
}

// Parses the optional BIT|BYTE unit argument of BITCOUNT/BITPOS. Sets *bits.
bool ParseBitUnitOrReply(Client& c, std::string_view arg, bool* bits) {
  if (ArgIs(arg, "bit")) {
    *bits = true;
  } else if (ArgIs(arg, "byte")) {
    *bits = false;
  } else {
    c.AddSyntaxError();
    return false;
  }
  return true;
}

// BITCOUNT key [start end [BYTE|BIT]]. Redis 7.0's order: the key first (a
// missing key is 0 whatever the arguments), then start and end, then an
// empty negative range answers 0 before the unit is even checked.
void BitCountCommand(Client& c) {
  Object* o = c.db->LookupRead(c.argv[1]);
  if (o == nullptr) {
    c.reply.Integer(0);
    return;
  }
  if (!IsString(o)) {
    c.AddError(err::kWrongType);
    return;
  }
  char buf[kIntBufSize];
  std::string_view s = object::StringView(o, buf);
  const int64_t len = static_cast<int64_t>(s.size());
  const size_t argc = c.argv.size();
  int64_t first, last;  // bit offsets, inclusive
  if (argc == 2) {
    first = 0;
    last = len * kBitsPerByte - 1;
  } else if (argc == 4 || argc == 5) {
    int64_t start, end;
    if (!GetInt64OrReply(c, c.argv[2], &start) || !GetInt64OrReply(c, c.argv[3], &end)) return;
    if (start < 0 && end < 0 && start > end) {
      c.reply.Integer(0);
      return;
    }
    bool bits = false;
    if (argc == 5 && !ParseBitUnitOrReply(c, c.argv[4], &bits)) return;
    NormalizeRange(bits ? len * kBitsPerByte : len, &start, &end);
    if (start > end) {
      c.reply.Integer(0);
      return;
    }
    first = bits ? start : start * kBitsPerByte;
    last = bits ? end : end * kBitsPerByte + (kBitsPerByte - 1);
  } else {
    c.AddSyntaxError();
    return;
  }
  if (first > last) {  // the empty string
    c.reply.Integer(0);
    return;
  }
  c.reply.Integer(static_cast<int64_t>(
      CountBitsInRange(s, static_cast<uint64_t>(first), static_cast<uint64_t>(last))));
}

// BITPOS key bit [start [end [BYTE|BIT]]]. A missing key is an endless run
// of zeros. When no 0 is found and no end was given, the answer is the first
// bit past the string (the zero padding), as in Redis; with an explicit end
// it is -1.
void BitPosCommand(Client& c) {
  int64_t bit;
  if (!GetInt64OrReply(c, c.argv[2], &bit)) return;
  if (bit != 0 && bit != 1) {
    c.AddError(kBitposBitInvalid);
    return;
  }
  Object* o = c.db->LookupRead(c.argv[1]);
  if (o == nullptr) {
    c.reply.Integer(bit ? -1 : 0);
    return;
  }
  if (!IsString(o)) {
    c.AddError(err::kWrongType);
    return;
  }
  char buf[kIntBufSize];
  std::string_view s = object::StringView(o, buf);
  const int64_t len = static_cast<int64_t>(s.size());
  const size_t argc = c.argv.size();
  bool end_given = false;
  int64_t first, last;  // bit offsets, inclusive
  if (argc == 3) {
    first = 0;
    last = len * kBitsPerByte - 1;
  } else if (argc <= 6) {
    int64_t start, end;
    if (!GetInt64OrReply(c, c.argv[3], &start)) return;
    bool bits = false;
    if (argc == 6 && !ParseBitUnitOrReply(c, c.argv[5], &bits)) return;
    const int64_t total = bits ? len * kBitsPerByte : len;
    if (argc >= 5) {
      if (!GetInt64OrReply(c, c.argv[4], &end)) return;
      end_given = true;
    } else {
      end = total - 1;
    }
    NormalizeRange(total, &start, &end);
    if (start > end) {
      c.reply.Integer(-1);
      return;
    }
    first = bits ? start : start * kBitsPerByte;
    last = bits ? end : end * kBitsPerByte + (kBitsPerByte - 1);
  } else {
    c.AddSyntaxError();
    return;
  }
  if (first > last) {  // the empty string holds neither a 0 nor a 1
    c.reply.Integer(-1);
    return;
  }
  int64_t pos = FindBit(s, static_cast<uint64_t>(first), static_cast<uint64_t>(last), bit == 1);
  if (pos < 0 && bit == 0 && !end_given) pos = last + 1;
  c.reply.Integer(pos);
}


// ---- BITOP ----

using object::bits::BitOp;
using object::bits::CombineBytes;

// BITOP AND|OR|XOR|NOT destkey key [key ...]. Missing sources are empty
// strings and shorter ones are padded with zeros, so AND of sources with
// different lengths clears the tail. An empty result deletes destkey.
// Replies the length of the result.
void BitOpCommand(Client& c) {
  std::string_view opname = c.argv[1];
  BitOp op;
  if (ArgIs(opname, "and")) {
    op = BitOp::kAnd;
  } else if (ArgIs(opname, "or")) {
    op = BitOp::kOr;
  } else if (ArgIs(opname, "xor")) {
    op = BitOp::kXor;
  } else if (ArgIs(opname, "not")) {
    op = BitOp::kNot;
  } else {
    c.AddSyntaxError();
    return;
  }
  const size_t nsrc = c.argv.size() - 3;
  if (op == BitOp::kNot && nsrc != 1) {
    c.AddError(kBitopNotSingleSource);
    return;
  }
  db::Db& d = *c.db;
  // Views of the sources (an int-encoded one is printed into its own
  // buffer). They stay valid until the result replaces destkey, which may
  // be one of them: the result is built in a new string first.
  std::vector<std::string_view> srcs(nsrc);
  std::vector<std::array<char, kIntBufSize>> digits(nsrc);
  size_t maxlen = 0;
  for (size_t j = 0; j < nsrc; j++) {
    Object* o = d.LookupRead(c.argv[3 + j]);
    if (o == nullptr) continue;
    if (!IsString(o)) {
      c.AddError(err::kWrongType);
      return;
    }
    srcs[j] = object::StringView(o, digits[j].data());
    maxlen = std::max(maxlen, srcs[j].size());
  }
  std::string_view key = c.argv[2];
  if (maxlen == 0) {
    if (d.Delete(key)) {
      SignalModifiedKey(c, d, key);
      NotifyKeyspaceEvent(kNotifyGeneric, "del", key, d.id());
      GetState().dirty++;
    }
    c.reply.Integer(0);
    return;
  }
  ds::sds res = ds::SdsNewLen(nullptr, maxlen, ds::SdsUse::kPayload);
  uint8_t* out = reinterpret_cast<uint8_t*>(res);
  const uint8_t* first = reinterpret_cast<const uint8_t*>(srcs[0].data());
  if (op == BitOp::kNot) {
    for (size_t i = 0; i < maxlen; i++) out[i] = static_cast<uint8_t>(~first[i]);
  } else {
    // The result starts as the first source (zero padded) and combines the
    // others in turn; AND with a shorter source clears past its end.
    if (!srcs[0].empty()) memcpy(out, first, srcs[0].size());
    for (size_t j = 1; j < nsrc; j++) {
      std::string_view s = srcs[j];
      CombineBytes(op, out, reinterpret_cast<const uint8_t*>(s.data()), s.size());
      if (op == BitOp::kAnd) memset(out + s.size(), 0, maxlen - s.size());
    }
  }
  StoreString(c, d, key, object::Create(object::Type::kString, object::Encoding::kRaw, res), /*keep_ttl=*/false);
  NotifyKeyspaceEvent(kNotifyString, "set", key, d.id());
  GetState().dirty++;
  c.reply.Integer(static_cast<int64_t>(maxlen));
}

// ---- BITFIELD BITFIELD_RO ----

using object::bits::GetSignedField;
using object::bits::GetUnsignedField;
using object::bits::Overflow;
using object::bits::SetField;
using object::bits::SignedFieldResult;
using object::bits::UnsignedFieldResult;

struct BitfieldOp {
  enum Kind { kGet, kSet, kIncrBy } kind;
  bool is_signed;
  int bits;         // 1..64 (signed), 1..63 (unsigned)
  uint64_t offset;  // bit offset of the field's most significant bit
  int64_t arg;      // SET's value, INCRBY's increment
  Overflow overflow;
};

// Parses "i<bits>" / "u<bits>" (Redis reads it as a C string).
bool ParseBitfieldTypeOrReply(Client& c, std::string_view arg, bool* is_signed, int* bits) {
  arg = arg.substr(0, arg.find('\0'));
  int64_t n = 0;
  bool ok = !arg.empty() && (arg[0] == 'i' || arg[0] == 'u');  // lower case only, as Redis
  if (ok) {
    *is_signed = arg[0] == 'i';
    ok = common::StringToInt64(arg.substr(1), &n) && n >= 1 && n <= (*is_signed ? 64 : 63);
  }
  if (!ok) {
    c.AddError(kBitfieldTypeInvalid);
    return false;
  }
  *bits = static_cast<int>(n);
  return true;
}

// A BITFIELD offset: a bit offset, or "#N" meaning N * bits. The product
// wraps as Redis's signed multiplication does on the machines it runs on,
// then the usual range check applies.
bool ParseBitfieldOffsetOrReply(Client& c, std::string_view arg, int bits, uint64_t* out) {
  const bool by_width = !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!common::StringToInt64(arg.substr(by_width ? 1 : 0), &v)) {
    c.AddError(kBitOffsetInvalid);
    return false;
  }
  if (by_width) v = static_cast<int64_t>(static_cast<uint64_t>(v) * static_cast<uint64_t>(bits));
  if (v < 0 || (v >> 3) >= GetState().proto_max_bulk_len) {
    c.AddError(kBitOffsetInvalid);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

// Executes one SET or INCRBY on the bitmap s, replying its result (the old
// value for SET, the new one for INCRBY, null when OVERFLOW FAIL refused).
// Returns whether it wrote.
bool RunBitfieldWrite(Client& c, const BitfieldOp& op, uint8_t* s) {
  int64_t reply;
  bool ok;
  if (op.is_signed) {
    const int64_t old = GetSignedField(s, op.offset, op.bits);
    int64_t v;
    ok = op.kind == BitfieldOp::kIncrBy ? SignedFieldResult(old, op.arg, op.bits, op.overflow, &v)
                                        : SignedFieldResult(op.arg, 0, op.bits, op.overflow, &v);
    if (ok) SetField(s, op.offset, op.bits, static_cast<uint64_t>(v));
    reply = op.kind == BitfieldOp::kIncrBy ? v : old;
  } else {
    const uint64_t old = GetUnsignedField(s, op.offset, op.bits);
    uint64_t v;
    ok = op.kind == BitfieldOp::kIncrBy
             ? UnsignedFieldResult(old, op.arg, op.bits, op.overflow, &v)
             : UnsignedFieldResult(static_cast<uint64_t>(op.arg), 0, op.bits, op.overflow, &v);
    if (ok) SetField(s, op.offset, op.bits, v);
    reply = static_cast<int64_t>(op.kind == BitfieldOp::kIncrBy ? v : old);
  }
  if (ok) {
    c.reply.Integer(reply);
  } else {
    c.reply.Null();
  }
  return ok;
}

// BITFIELD key [GET type offset] [SET type offset value] [INCRBY type offset
// increment] [OVERFLOW WRAP|SAT|FAIL] ... Every argument is checked before
// anything runs; the key is created or grown once, for the highest bit any
// write touches. Each SET/INCRBY that wrote counts as a change (one that
// OVERFLOW FAIL refused does not), as in Redis.
void BitfieldGeneric(Client& c, bool read_only_command) {
  std::vector<BitfieldOp> ops;
  Overflow overflow = Overflow::kWrap;
  bool writes = false;
  uint64_t highest_write_bit = 0;
  const size_t argc = c.argv.size();
  for (size_t j = 2; j < argc; j++) {
    const size_t left = argc - j - 1;
    std::string_view sub = c.argv[j];
    BitfieldOp op{};
    if (ArgIs(sub, "get") && left >= 2) {
      op.kind = BitfieldOp::kGet;
    } else if (ArgIs(sub, "set") && left >= 3) {
      op.kind = BitfieldOp::kSet;
    } else if (ArgIs(sub, "incrby") && left >= 3) {
      op.kind = BitfieldOp::kIncrBy;
    } else if (ArgIs(sub, "overflow") && left >= 1) {
      std::string_view kind = c.argv[++j];
      if (ArgIs(kind, "wrap")) {
        overflow = Overflow::kWrap;
      } else if (ArgIs(kind, "sat")) {
        overflow = Overflow::kSat;
      } else if (ArgIs(kind, "fail")) {
        overflow = Overflow::kFail;
      } else {
        c.AddError(kBitfieldOverflowInvalid);
        return;
      }
      continue;
    } else {
      c.AddSyntaxError();
      return;
    }
    if (!ParseBitfieldTypeOrReply(c, c.argv[j + 1], &op.is_signed, &op.bits)) return;
    if (!ParseBitfieldOffsetOrReply(c, c.argv[j + 2], op.bits, &op.offset)) return;
    if (op.kind != BitfieldOp::kGet) {
      writes = true;
      highest_write_bit = std::max(highest_write_bit, op.offset + static_cast<uint64_t>(op.bits) - 1);
      if (!GetInt64OrReply(c, c.argv[j + 3], &op.arg)) return;
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == BitfieldOp::kGet ? 2 : 3;
  }
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* o;
  if (!writes) {
    o = d.LookupRead(key);
    if (o != nullptr && !IsString(o)) {
      c.AddError(err::kWrongType);
      return;
    }
  } else {
    if (read_only_command) {
      c.AddError(kBitfieldRoOnlyGet);
      return;
    }
    o = d.LookupWrite(key);
    const size_t need = static_cast<size_t>(highest_write_bit >> 3) + 1;
    if (o == nullptr) {
      o = d.SetKey(key, CreateZeroedRawString(need), /*keep_ttl=*/false);
    } else {
      if (!IsString(o)) {
        c.AddError(err::kWrongType);
        return;
      }
      o = UnshareString(d, key, o);
      ds::sds& s = object::MutableRawString(o);
      if (ds::SdsLen(s) < need) s = ds::SdsGrowZero(s, need);
    }
  }
  c.reply.ArrayHeader(ops.size());
  uint64_t changes = 0;
  for (const BitfieldOp& op : ops) {
    if (op.kind != BitfieldOp::kGet) {
      if (RunBitfieldWrite(c, op, reinterpret_cast<uint8_t*>(object::MutableRawString(o)))) changes++;
      continue;
    }
    // A read may run past the string: the field is read from a 9-byte
    // window (enough for 64 bits at any bit alignment), zero padded.
    uint8_t window[9] = {};
    const uint64_t byte = op.offset >> 3;
    if (o != nullptr) {
      char buf[kIntBufSize];
      std::string_view s = object::StringView(o, buf);
      if (byte < s.size()) memcpy(window, s.data() + byte, std::min<size_t>(sizeof(window), s.size() - byte));
    }
    const uint64_t in_window = op.offset & 7;
    if (op.is_signed) {
      c.reply.Integer(GetSignedField(window, in_window, op.bits));
    } else {
      c.reply.Integer(static_cast<int64_t>(GetUnsignedField(window, in_window, op.bits)));
    }
  }
  if (changes > 0) {
    SignalModifiedKey(c, d, key);
    NotifyKeyspaceEvent(kNotifyString, "setbit", key, d.id());
    GetState().dirty += changes;
  }
}

void BitfieldCommand(Client& c) { BitfieldGeneric(c, /*read_only_command=*/false); }
void BitfieldRoCommand(Client& c) { BitfieldGeneric(c, /*read_only_command=*/true); }

}  // namespace

namespace {

// The key flags of SET and BITFIELD depend on their arguments (their specs
// say variable_flags), as Redis 7.0's setGetKeys and bitfieldGetKeys: SET
// reads the old value only with GET; BITFIELD writes unless it only GETs.
int SetGetKeys(const std::vector<std::string_view>& argv, std::vector<KeyRef>* out) {
  uint32_t flags = kKeyOW | kKeyUpdate;
  for (size_t i = 3; i < argv.size(); i++)
    if (ArgIs(argv[i], "get")) flags = kKeyRW | kKeyAccess | kKeyUpdate;
  out->push_back({1, flags});
  return 1;
}

int BitfieldGetKeys(const std::vector<std::string_view>& argv, std::vector<KeyRef>* out) {
  bool readonly = true;
  for (size_t i = 2; i < argv.size() && readonly; i++) {
    const size_t rest = argv.size() - i - 1;
    if (ArgIs(argv[i], "get") && rest >= 2) {
      i += 2;
    } else if (ArgIs(argv[i], "overflow") && rest >= 1) {
      i += 1;
    } else {
      readonly = false;  // SET, INCRBY, or a syntax error: assume a write
    }
  }
  out->push_back({1, readonly ? (kKeyRO | kKeyAccess) : (kKeyRW | kKeyAccess | kKeyUpdate)});
  return 1;
}

}  // namespace

void RegisterStringCommands(Registry& r) {
  // ACL categories as Redis 7.0's COMMAND INFO reports them.
  const uint32_t kReadFast = kCatRead | kCatString | kCatFast;
  const uint32_t kReadSlow = kCatRead | kCatString | kCatSlow;
  const uint32_t kWriteFast = kCatWrite | kCatString | kCatFast;
  const uint32_t kWriteSlow = kCatWrite | kCatString | kCatSlow;
  const uint32_t kBitRead = kCatRead | kCatBitmap;
  const uint32_t kBitWrite = kCatWrite | kCatBitmap;
  r.Add({"get", 2, kReadonly | kFast, 1, 1, 1, GetCommand, "string", "Get the value of a key", "1.0.0", kReadFast});
  CommandSpec& set = r.Add({"set", -3, kWrite | kDenyOom, 1, 1, 1, SetCommand, "string",
                            "Set the string value of a key", "1.0.0", kWriteSlow});
  set.key_specs = {RangeKeys(kKeyRW | kKeyAccess | kKeyUpdate | kKeyVariableFlags, 1)};
  set.key_specs[0].notes = "RW and ACCESS due to the optional `GET` argument";
  set.getkeys = SetGetKeys;
  r.Add({"setnx", 3, kWrite | kDenyOom | kFast, 1, 1, 1, SetNxCommand, "string",
         "Set the value of a key, only if the key does not exist", "1.0.0", kWriteFast});
  r.Add({"setex", 4, kWrite | kDenyOom, 1, 1, 1, SetExCommand, "string", "Set the value and expiration of a key",
         "2.0.0", kWriteSlow});
  r.Add({"psetex", 4, kWrite | kDenyOom, 1, 1, 1, PSetExCommand, "string",
         "Set the value and expiration in milliseconds of a key", "2.6.0", kWriteSlow});
  r.Add({"getset", 3, kWrite | kDenyOom | kFast, 1, 1, 1, GetSetCommand, "string",
         "Set the string value of a key and return its old value", "1.0.0", kWriteFast});
  r.Add({"getdel", 2, kWrite | kFast, 1, 1, 1, GetDelCommand, "string", "Get the value of a key and delete the key",
         "6.2.0", kWriteFast});
  CommandSpec& getex = r.Add({"getex", -2, kWrite | kFast, 1, 1, 1, GetExCommand, "string",
                              "Get the value of a key and optionally set its expiration", "6.2.0", kWriteFast});
  getex.key_specs = {RangeKeys(kKeyRW | kKeyAccess | kKeyUpdate, 1)};
  getex.key_specs[0].notes = "RW and UPDATE because it changes the TTL";

  r.Add({"mget", -2, kReadonly | kFast, 1, -1, 1, MGetCommand, "string", "Get the values of all the given keys",
         "1.0.0", kReadFast});
  r.Add({"mset", -3, kWrite | kDenyOom, 1, -1, 2, MSetCommand, "string", "Set multiple keys to multiple values",
         "1.0.1", kWriteSlow});
  r.Add({"msetnx", -3, kWrite | kDenyOom, 1, -1, 2, MSetNxCommand, "string",
         "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", kWriteSlow});
  r.Add({"append", 3, kWrite | kDenyOom | kFast, 1, 1, 1, AppendCommand, "string", "Append a value to a key",
         "2.0.0", kWriteFast});
  r.Add({"strlen", 2, kReadonly | kFast, 1, 1, 1, StrLenCommand, "string",
         "Get the length of the value stored in a key", "2.2.0", kReadFast});
  r.Add({"incr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, IncrCommand, "string",
         "Increment the integer value of a key by one", "1.0.0", kWriteFast});
  r.Add({"decr", 2, kWrite | kDenyOom | kFast, 1, 1, 1, DecrCommand, "string",
         "Decrement the integer value of a key by one", "1.0.0", kWriteFast});
  r.Add({"incrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, IncrByCommand, "string",
         "Increment the integer value of a key by the given amount", "1.0.0", kWriteFast});
  r.Add({"decrby", 3, kWrite | kDenyOom | kFast, 1, 1, 1, DecrByCommand, "string",
         "Decrement the integer value of a key by the given number", "1.0.0", kWriteFast});
  r.Add({"incrbyfloat", 3, kWrite | kDenyOom | kFast, 1, 1, 1, IncrByFloatCommand, "string",
         "Increment the float value of a key by the given amount", "2.6.0", kWriteFast});
  r.Add({"getrange", 4, kReadonly, 1, 1, 1, GetRangeCommand, "string",
         "Get a substring of the string stored at a key", "2.4.0", kReadSlow});
  r.Add({"setrange", 4, kWrite | kDenyOom, 1, 1, 1, SetRangeCommand, "string",
         "Overwrite part of a string at key starting at the specified offset", "2.2.0", kWriteSlow});
  r.Add({"substr", 4, kReadonly, 1, 1, 1, GetRangeCommand, "string", "Get a substring of the string stored at a key",
         "1.0.0", kReadSlow});
  r.Add({"lcs", -3, kReadonly, 1, 2, 1, LcsCommand, "string", "Find longest common substring", "7.0.0", kReadSlow});
  // Redis files the bit commands under the "bitmap" group.
  r.Add({"setbit", 4, kWrite | kDenyOom, 1, 1, 1, SetBitCommand, "bitmap",
         "Sets or clears the bit at offset in the string value stored at key", "2.2.0", kBitWrite | kCatSlow});
  r.Add({"getbit", 3, kReadonly | kFast, 1, 1, 1, GetBitCommand, "bitmap",
         "Returns the bit value at offset in the string value stored at key", "2.2.0", kBitRead | kCatFast});
  r.Add({"bitcount", -2, kReadonly, 1, 1, 1, BitCountCommand, "bitmap", "Count set bits in a string", "2.6.0",
         kBitRead | kCatSlow});
  r.Add({"bitpos", -3, kReadonly, 1, 1, 1, BitPosCommand, "bitmap", "Find first bit set or clear in a string",
         "2.8.7", kBitRead | kCatSlow});
  r.Add({"bitop", -4, kWrite | kDenyOom, 2, -1, 1, BitOpCommand, "bitmap",
         "Perform bitwise operations between strings", "2.6.0", kBitWrite | kCatSlow})
      .key_specs = {RangeKeys(kKeyOW | kKeyUpdate, 2), RangeKeys(kKeyRO | kKeyAccess, 3, -1)};
  CommandSpec& bitfield = r.Add({"bitfield", -2, kWrite | kDenyOom, 1, 1, 1, BitfieldCommand, "bitmap",
                                 "Perform arbitrary bitfield integer operations on strings", "3.2.0",
                                 kBitWrite | kCatSlow});
  bitfield.key_specs = {RangeKeys(kKeyRW | kKeyAccess | kKeyUpdate | kKeyVariableFlags, 1)};
  bitfield.key_specs[0].notes = "This command allows both access and modification of the key";
  bitfield.getkeys = BitfieldGetKeys;
  r.Add({"bitfield_ro", -2, kReadonly | kFast, 1, 1, 1, BitfieldRoCommand, "bitmap",
         "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", "6.0.0",
         kBitRead | kCatFast});
}

}  // namespace commands
