// The hash command family of Redis 7.0: HSET HSETNX HGET HMGET HMSET HDEL
// HLEN HSTRLEN HEXISTS HKEYS HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD
// HSCAN.
//
// Handlers parse, call object/hash_type (which knows the encodings and
// never replies), and reply as Redis 7.0.15's t_hash.c does, byte for byte:
// the same errors in the same order of checks, HGETALL as a RESP3 map,
// HRANDFIELD ... WITHVALUES as pairs in RESP3 and a flat array in RESP2
// (tests/integration/test_hash.py runs the cases on both servers).
//
// Invariants every modifying command keeps, as Redis's handlers do: after a
// change it signals the modified key (WATCH), raises its keyspace event
// ("hset", "hdel", "hincrby", "hincrbyfloat") and adds the number of
// changes to the dirty counter; a hash never stays in the keyspace empty:
// HDEL deletes the key with its last field (and raises "del").
//
// SORT ... BY/GET key->field reads hash fields through the getter this
// family installs (commands/sort_cmds.h).
//
// Propagation: HINCRBYFLOAT is propagated as HSET with the resulting text,
// so a replica or an AOF replay gets exactly the value the client saw,
// whatever its float formatting.
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/scan.h"
#include "commands/sort_cmds.h"
#include "commands/state.h"
#include "common/util.h"
#include "db/db.h"
#include "object/hash_type.h"
#include "object/object.h"

namespace commands {
namespace {

using object::Object;

// Error texts of this family (t_hash.c); shared ones live in errors.h.
constexpr char kHashNotInteger[] = "ERR hash value is not an integer";
constexpr char kHashNotFloat[] = "ERR hash value is not a float";
constexpr char kIncrNanOrInf[] = "ERR value is NaN or Infinity";
constexpr char kValueOutOfRange[] = "ERR value is out of range";

// HRANDFIELD's count is a long in [-LONG_MAX, LONG_MAX]; with WITHVALUES
// Redis also refuses |count| > LONG_MAX / 2, so that count * 2 (the RESP2
// array length) cannot overflow.
constexpr int64_t kRandMaxCount = INT64_MAX;
constexpr int64_t kRandMaxCountWithValues = INT64_MAX / 2;

inline bool IsHash(const Object* o) { return o->GetType() == object::Type::kHash; }

// The hash at key for reading into *out (nullptr when the key is missing).
// Returns false after replying WRONGTYPE when the key holds another type.
bool LookupHashRead(Client& c, std::string_view key, Object** out) {
  *out = c.db->LookupRead(key);
  if (*out != nullptr && !IsHash(*out)) {
    c.AddError(err::kWrongType);
    return false;
  }
  return true;
}

// As LookupHashRead for a write (no hit/miss statistics).
bool LookupHashWrite(Client& c, std::string_view key, Object** out) {
  *out = c.db->LookupWrite(key);
  if (*out != nullptr && !IsHash(*out)) {
    c.AddError(err::kWrongType);
    return false;
  }
  return true;
}

// Redis's hashTypeLookupWriteOrCreate: the hash at key, created empty (and
// added to the db) when missing; nullptr after replying WRONGTYPE. The
// caller adds at least one field before returning.
Object* LookupHashOrCreate(Client& c, std::string_view key) {
  Object* o;
  if (!LookupHashWrite(c, key, &o)) return nullptr;
  if (o == nullptr) {
    // SetKey, not Add: an expired key hidden by lookups may still sit there
    // while lazy deletion is off.
    o = c.db->SetKey(key, object::CreateHash(), /*keep_ttl=*/false);
  }
  return o;
}

// After a change: WATCH, the keyspace event and the dirty counter.
void HashModified(Client& c, std::string_view key, const char* event, uint64_t changes) {
  SignalModifiedKey(c, *c.db, key);
  NotifyKeyspaceEvent(kNotifyHash, event, key, c.db->id());
  GetState().dirty += changes;
}

// Replies field's value, or a null when the hash or the field is missing.
void ReplyFieldValue(Client& c, const Object* o, std::string_view field) {
  char buf[object::kHashIntBufSize];
  std::string_view v;
  if (o != nullptr && object::HashGet(o, field, buf, &v)) {
    c.reply.Bulk(v);
  } else {
    c.reply.Null();
  }
}

// ---- HSET HMSET HSETNX ----

void HSetGeneric(Client& c, bool ok_reply) {
  if (c.argv.size() % 2 == 1) {  // a field without its value
    c.AddArityError();
    return;
  }
  std::string_view key = c.argv[1];
  Object* o = LookupHashOrCreate(c, key);
  if (o == nullptr) return;
  object::HashTryConversion(o, c.argv.data() + 2, c.argv.size() - 2);
  int64_t created = 0;
  for (size_t j = 2; j < c.argv.size(); j += 2) created += object::HashSet(o, c.argv[j], c.argv[j + 1]) ? 1 : 0;
  if (ok_reply) {
    c.reply.Ok();  // HMSET, deprecated, replies OK
  } else {
    c.reply.Integer(created);
  }
  HashModified(c, key, "hset", (c.argv.size() - 2) / 2);
}

void HSetCommand(Client& c) { HSetGeneric(c, false); }
void HMSetCommand(Client& c) { HSetGeneric(c, true); }

void HSetNxCommand(Client& c) {
  std::string_view key = c.argv[1];
  Object* o = LookupHashOrCreate(c, key);
  if (o == nullptr) return;
  if (object::HashExists(o, c.argv[2])) {
    c.reply.Integer(0);
    return;
  }
  object::HashTryConversion(o, c.argv.data() + 2, 2);
  object::HashSet(o, c.argv[2], c.argv[3]);
  c.reply.Integer(1);
  HashModified(c, key, "hset", 1);
}

// ---- HGET HMGET HLEN HSTRLEN HEXISTS ----

void HGetCommand(Client& c) {
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  ReplyFieldValue(c, o, c.argv[2]);
}

void HMGetCommand(Client& c) {
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  c.reply.ArrayHeader(c.argv.size() - 2);
  for (size_t j = 2; j < c.argv.size(); j++) ReplyFieldValue(c, o, c.argv[j]);
}

void HLenCommand(Client& c) {
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  c.reply.Integer(o == nullptr ? 0 : static_cast<int64_t>(object::HashLength(o)));
}

void HStrLenCommand(Client& c) {
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  char buf[object::kHashIntBufSize];
  std::string_view v;
  bool found = o != nullptr && object::HashGet(o, c.argv[2], buf, &v);
  c.reply.Integer(found ? static_cast<int64_t>(v.size()) : 0);
}

void HExistsCommand(Client& c) {
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  c.reply.Integer(o != nullptr && object::HashExists(o, c.argv[2]) ? 1 : 0);
}

// ---- HDEL ----

void HDelCommand(Client& c) {
  std::string_view key = c.argv[1];
  Object* o;
  if (!LookupHashWrite(c, key, &o)) return;
  if (o == nullptr) {
    c.reply.Integer(0);
    return;
  }
  int64_t deleted = 0;
  bool key_removed = false;
  for (size_t j = 2; j < c.argv.size(); j++) {
    if (!object::HashDelete(o, c.argv[j])) continue;
    deleted++;
    if (object::HashLength(o) == 0) {
      c.db->Delete(key);  // o is gone
      key_removed = true;
      break;
    }
  }
  if (deleted > 0) {
    HashModified(c, key, "hdel", static_cast<uint64_t>(deleted));
    if (key_removed) NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db->id());
  }
  c.reply.Integer(deleted);
}

// ---- HKEYS HVALS HGETALL ----

enum HashParts : unsigned { kFields = 1, kValues = 2 };

// Redis's genericHgetallCommand: fields, values or both. Both make a map
// (RESP3 "%", RESP2 a flat array); one part makes an array.
void HGetAllGeneric(Client& c, unsigned parts) {
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  const bool map = parts == (kFields | kValues);
  size_t n = o == nullptr ? 0 : object::HashLength(o);
  if (map) {
    c.reply.MapHeader(n);
  } else {
    c.reply.ArrayHeader(n);
  }
  if (o == nullptr) return;
  object::HashIterator it(o);
  while (it.Next()) {
    if (parts & kFields) c.reply.Bulk(it.Field());
    if (parts & kValues) c.reply.Bulk(it.Value());
  }
}

void HKeysCommand(Client& c) { HGetAllGeneric(c, kFields); }
void HValsCommand(Client& c) { HGetAllGeneric(c, kValues); }
void HGetAllCommand(Client& c) { HGetAllGeneric(c, kFields | kValues); }

// ---- HINCRBY HINCRBYFLOAT ----

void HIncrByCommand(Client& c) {
  int64_t incr;
  if (!GetInt64OrReply(c, c.argv[3], &incr)) return;
  std::string_view key = c.argv[1];
  Object* o = LookupHashOrCreate(c, key);
  if (o == nullptr) return;
  int64_t value;
  switch (object::HashIncrBy(o, c.argv[2], incr, &value)) {
    case object::HashIncrStatus::kOk: break;
    case object::HashIncrStatus::kNotInteger: c.AddError(kHashNotInteger); return;
    default: c.AddError(err::kOverflow); return;
  }
  c.reply.Integer(value);
  HashModified(c, key, "hincrby", 1);
}

void HIncrByFloatCommand(Client& c) {
  long double incr;
  if (!GetLongDoubleOrReply(c, c.argv[3], &incr)) return;
  // StringToLongDouble already refuses "nan"; "inf" parses and is refused
  // here, before the key is looked up, as Redis does.
  if (std::isnan(incr) || std::isinf(incr)) {
    c.AddError(kIncrNanOrInf);
    return;
  }
  std::string_view key = c.argv[1];
  Object* o = LookupHashOrCreate(c, key);
  if (o == nullptr) return;
  std::string text;
  switch (object::HashIncrByFloat(o, c.argv[2], incr, &text)) {
    case object::HashIncrStatus::kOk: break;
    case object::HashIncrStatus::kNotFloat: c.AddError(kHashNotFloat); return;
    default: c.AddError(err::kNanOrInf); return;
  }
  c.reply.Bulk(text);
  HashModified(c, key, "hincrbyfloat", 1);
  RewriteCommandForPropagation(c, {"HSET", std::string(key), std::string(c.argv[2]), text});
}

// ---- HRANDFIELD ----

// Emits one HRANDFIELD element: the field, or with values a [field, value]
// pair in RESP3 and two flat elements in RESP2.
void ReplyRandomPair(Client& c, bool with_values, std::string_view field, std::string_view value) {
  if (with_values && c.reply.protocol() > 2) c.reply.ArrayHeader(2);
  c.reply.Bulk(field);
  if (with_values) c.reply.Bulk(value);
}

// Redis's hrandfieldWithCountCommand. A negative count allows repeats and
// always returns |count| elements; a positive one returns distinct fields,
// at most the whole hash. count 1 takes the repeats path (same result).
void HRandFieldWithCount(Client& c, int64_t l, bool with_values) {
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  if (o == nullptr || l == 0) {
    c.reply.ArrayHeader(0);
    return;
  }
  const bool unique = l > 1;
  const size_t count = static_cast<size_t>(l < 0 ? -l : l);
  const size_t size = object::HashLength(o);
  const size_t n = unique && count > size ? size : count;
  c.reply.ArrayHeader(with_values && c.reply.protocol() == 2 ? n * 2 : n);
  auto emit = [&](std::string_view f, std::string_view v) { ReplyRandomPair(c, with_values, f, v); };
  if (unique) {
    object::HashRandomFields(o, count, unique, emit);
  } else {
    DrawWhileReplying(c, count, [&](uint64_t k) { object::HashRandomFields(o, k, unique, emit); });
  }
}

void HRandFieldCommand(Client& c) {
  if (c.argv.size() >= 3) {
    int64_t l;
    if (!GetRangeInt64OrReply(c, c.argv[2], -kRandMaxCount, kRandMaxCount, &l)) return;
    bool with_values = false;
    if (c.argv.size() > 4 || (c.argv.size() == 4 && !ArgIs(c.argv[3], "withvalues"))) {
      c.AddSyntaxError();
      return;
    }
    if (c.argv.size() == 4) {
      with_values = true;
      if (l < -kRandMaxCountWithValues || l > kRandMaxCountWithValues) {
        c.AddError(kValueOutOfRange);
        return;
      }
    }
    HRandFieldWithCount(c, l, with_values);
    return;
  }
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  if (o == nullptr) {
    c.reply.Null();
    return;
  }
  object::HashRandomField(o, [&](std::string_view f, std::string_view) { c.reply.Bulk(f); });
}

// ---- HSCAN ----

// HSCAN key cursor [MATCH pattern] [COUNT count]. Order of checks as Redis:
// the cursor, then the key (missing: an empty scan; another type:
// WRONGTYPE), then the options. A listpack-encoded hash is returned whole
// with cursor 0 (COUNT does not apply), a hashtable is walked with SCAN's
// bounded cursor; MATCH filters fields afterwards, dropping their values.
void HScanCommand(Client& c) {
  ScanArgs args;
  uint64_t cursor;
  if (!ParseScanCursor(c.argv[2], &cursor)) {
    ParseScanArgsOrReply(c, 2, /*allow_type=*/false, &args);  // replies the cursor error
    return;
  }
  Object* o;
  if (!LookupHashRead(c, c.argv[1], &o)) return;
  if (o == nullptr) {
    c.reply.ArrayHeader(2);
    c.reply.Bulk("0");
    c.reply.ArrayHeader(0);
    return;
  }
  if (!ParseScanArgsOrReply(c, 2, /*allow_type=*/false, &args)) return;

  std::vector<std::pair<std::string, std::string>> pairs;
  uint64_t next = 0;
  if (o->GetEncoding() == object::Encoding::kHashtable) {
    auto* d = static_cast<ds::Dict*>(o->ptr);
    next = ScanDictBounded(*d, args.cursor, args.count, [&pairs](const ds::DictEntry* de) {
      pairs.emplace_back(ds::SdsView(static_cast<ds::sds>(de->key)), ds::SdsView(static_cast<ds::sds>(de->v.val)));
      return size_t{2};  // Redis counts fields and values against COUNT
    });
  } else {
    object::HashIterator it(o);
    while (it.Next()) pairs.emplace_back(it.Field(), it.Value());
  }
  if (args.use_pattern) {
    std::erase_if(pairs, [&args](const auto& p) { return !common::GlobMatch(args.pattern, p.first); });
  }
  c.reply.ArrayHeader(2);
  c.reply.Bulk(std::to_string(next));
  c.reply.ArrayHeader(pairs.size() * 2);
  for (const auto& p : pairs) {
    c.reply.Bulk(p.first);
    c.reply.Bulk(p.second);
  }
}

// SORT's BY/GET "key->field" patterns read hash fields through this.
bool SortHashField(const Object* hash, std::string_view field, std::string* out) {
  char buf[object::kHashIntBufSize];
  std::string_view v;
  if (!object::HashGet(hash, field, buf, &v)) return false;
  out->assign(v);
  return true;
}

}  // namespace

void RegisterHashCommands(Registry& r) {
  SetSortHashFieldGetter(SortHashField);
  // Flags, arity and ACL categories as Redis 7.0's COMMAND INFO reports them.
  const uint32_t kReadFast = kCatRead | kCatHash | kCatFast;
  const uint32_t kReadSlow = kCatRead | kCatHash | kCatSlow;
  const uint32_t kWriteFast = kCatWrite | kCatHash | kCatFast;
  r.Add({"hset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, HSetCommand, "hash", "Set the string value of a hash field",
         "2.0.0", kWriteFast});
  r.Add({"hsetnx", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HSetNxCommand, "hash",
         "Set the value of a hash field, only if the field does not exist", "2.0.0", kWriteFast});
  r.Add({"hget", 3, kReadonly | kFast, 1, 1, 1, HGetCommand, "hash", "Get the value of a hash field", "2.0.0",
         kReadFast});
  r.Add({"hmset", -4, kWrite | kDenyOom | kFast, 1, 1, 1, HMSetCommand, "hash",
         "Set multiple hash fields to multiple values", "2.0.0", kWriteFast});
  r.Add({"hmget", -3, kReadonly | kFast, 1, 1, 1, HMGetCommand, "hash", "Get the values of all the given hash fields",
         "2.0.0", kReadFast});
  r.Add({"hdel", -3, kWrite | kFast, 1, 1, 1, HDelCommand, "hash", "Delete one or more hash fields", "2.0.0",
         kWriteFast});
  r.Add({"hlen", 2, kReadonly | kFast, 1, 1, 1, HLenCommand, "hash", "Get the number of fields in a hash", "2.0.0",
         kReadFast});
  r.Add({"hstrlen", 3, kReadonly | kFast, 1, 1, 1, HStrLenCommand, "hash",
         "Get the length of the value of a hash field", "3.2.0", kReadFast});
  r.Add({"hexists", 3, kReadonly | kFast, 1, 1, 1, HExistsCommand, "hash", "Determine if a hash field exists",
         "2.0.0", kReadFast});
  r.Add({"hkeys", 2, kReadonly, 1, 1, 1, HKeysCommand, "hash", "Get all the fields in a hash", "2.0.0", kReadSlow});
  r.Add({"hvals", 2, kReadonly, 1, 1, 1, HValsCommand, "hash", "Get all the values in a hash", "2.0.0", kReadSlow});
  r.Add({"hgetall", 2, kReadonly, 1, 1, 1, HGetAllCommand, "hash", "Get all the fields and values in a hash",
         "2.0.0", kReadSlow});
  r.Add({"hincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HIncrByCommand, "hash",
         "Increment the integer value of a hash field by the given number", "2.0.0", kWriteFast});
  r.Add({"hincrbyfloat", 4, kWrite | kDenyOom | kFast, 1, 1, 1, HIncrByFloatCommand, "hash",
         "Increment the float value of a hash field by the given amount", "2.6.0", kWriteFast});
  r.Add({"hrandfield", -2, kReadonly, 1, 1, 1, HRandFieldCommand, "hash", "Get one or multiple random fields from a hash",
         "6.2.0", kReadSlow});
  r.Add({"hscan", -3, kReadonly, 1, 1, 1, HScanCommand, "hash", "Incrementally iterate hash fields and associated values",
         "2.8.0", kReadSlow});
}

}  // namespace commands
