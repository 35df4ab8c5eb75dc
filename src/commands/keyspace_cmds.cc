// The generic keyspace commands of Redis 7.0: DEL UNLINK EXISTS TYPE KEYS
// SCAN RANDOMKEY RENAME RENAMENX COPY MOVE TOUCH DUMP RESTORE OBJECT, the
// expiry family (EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME
// PEXPIRETIME PERSIST) and the database commands DBSIZE FLUSHDB FLUSHALL
// SWAPDB SELECT WAIT.
//
// These commands are type-generic: they move Object pointers between keys
// and databases without looking inside, so new value types work with them
// unchanged. The exceptions are COPY (which must duplicate a value: strings
// only for now) and DUMP/RESTORE (whose serialization lives in
// persist/dump.h and grows with the types).
//
// Invariants every modifying command keeps, as Redis's handlers do: after a
// change it signals the modified key (WATCH), raises the keyspace event and
// adds to the dirty counter once per change; a key keeps its TTL when RENAME,
// MOVE or COPY carries it to a new name or database.
//
// Error texts are Redis 7.0's. The ones used by no other family live here;
// shared ones come from commands/errors.h.
#include <cctype>
#include <climits>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/scan.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/macros.h"
#include "common/util.h"
#include "db/db.h"
#include "object/lru.h"
#include "object/object.h"
#include "persist/dump.h"

namespace commands {
namespace {

using object::Object;

constexpr char kBadDataFormat[] = "ERR Bad data format";
constexpr char kInvalidTtl[] = "ERR Invalid TTL value, must be >= 0";
constexpr char kInvalidIdletime[] = "ERR Invalid IDLETIME value, must be >= 0";
constexpr char kInvalidFreq[] = "ERR Invalid FREQ value, must be >= 0 and <= 255";
constexpr char kExpireNxConflict[] = "ERR NX and XX, GT or LT options at the same time are not compatible";
constexpr char kExpireGtLtConflict[] = "ERR GT and LT options at the same time are not compatible";
constexpr char kFreqNotLfu[] =
    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching "
    "between policies at runtime LRU and LFU data will take some time to adjust.";
constexpr char kIdleIsLfu[] =
    "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between "
    "policies at runtime LRU and LFU data will take some time to adjust.";
constexpr char kSwapFirstIndex[] = "ERR invalid first DB index";
constexpr char kSwapSecondIndex[] = "ERR invalid second DB index";


using db::EntryKey;

// True iff the entry's key has a deadline that has passed (KEYS hides such
// keys without deleting them, as Redis's keyIsExpired).
bool EntryIsExpired(db::Db& d, const ds::DictEntry* de, int64_t now) {
  if (d.expires_size() == 0) return false;
  ds::DictEntry* ee = d.expires().Find(db::EntryKeySds(de));
  return ee != nullptr && ee->v.s64 <= now;
}

// A read lookup that does not touch the key's LRU/LFU data but counts a hit
// or a miss, and raises `keymiss` unless told not to (Redis's
// lookupKeyReadWithFlags(LOOKUP_NOTOUCH [| LOOKUP_NONOTIFY])).
Object* LookupReadNoTouch(db::Db& d, std::string_view key, bool notify = true) {
  Object* o = d.LookupNoTouch(key);
  db::Stats& st = db::GetStats();
  (o ? st.keyspace_hits : st.keyspace_misses)++;
  if (o == nullptr && notify) NotifyKeyspaceEvent(kNotifyKeyMiss, "keymiss", key, d.id());
  return o;
}

// The bookkeeping after one change to key in d: WATCH invalidation, the
// generic keyspace event, and one more dirty change.
void Modified(Client& c, db::Db& d, std::string_view key, const char* event) {
  SignalModifiedKey(c, d, key);
  NotifyKeyspaceEvent(kNotifyGeneric, event, key, d.id());
  GetState().dirty++;
}

// Parses a 32-bit DB index as Redis's getIntFromObjectOrReply (replying the
// generic integer or range error), then resolves it. Returns null after
// replying when the argument is bad or no such db exists (kDbIndex).
db::Db* GetDbOrReply(Client& c, std::string_view arg) {
  int64_t id;
  if (!GetRangeInt64OrReply(c, arg, INT_MIN, INT_MAX, &id)) return nullptr;
  db::Db* d = GetDb(static_cast<int>(id));
  if (d == nullptr) c.AddError(err::kDbIndex);
  return d;
}

// ---- DEL UNLINK EXISTS TYPE TOUCH ----

// DEL and UNLINK; `lazy`: big values are freed by the lazy-free thread.
void DelGeneric(Client& c, bool lazy) {
  db::Db& d = *c.db;
  int64_t deleted = 0;
  for (size_t j = 1; j < c.argv.size(); j++) {
    std::string_view key = c.argv[j];
    // An expired key is deleted as expired (its own event), not counted.
    d.ExpireIfNeeded(key);
    if (d.Delete(key, lazy)) {
      Modified(c, d, key, "del");
      deleted++;
    }
  }
  c.reply.Integer(deleted);
}

void DelCommand(Client& c) { DelGeneric(c, GetState().lazyfree_lazy_user_del); }
void UnlinkCommand(Client& c) { DelGeneric(c, true); }

void ExistsCommand(Client& c) {
  int64_t n = 0;
  for (size_t j = 1; j < c.argv.size(); j++)
    if (LookupReadNoTouch(*c.db, c.argv[j]) != nullptr) n++;
  c.reply.Integer(n);
}

void TypeCommand(Client& c) {
  Object* o = LookupReadNoTouch(*c.db, c.argv[1]);
  c.reply.SimpleString(o ? object::TypeName(o->GetType()) : "none");
}

void TouchCommand(Client& c) {
  int64_t n = 0;
  for (size_t j = 1; j < c.argv.size(); j++)
    if (c.db->LookupRead(c.argv[j]) != nullptr) n++;
  c.reply.Integer(n);
}

// ---- KEYS SCAN RANDOMKEY ----

void KeysCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view pattern = c.argv[1];
  bool all = pattern == "*";
  int64_t now = db::Now();
  size_t handle = c.reply.DeferLen();
  size_t n = 0;
  auto it = d.dict().MakeIterator(/*safe=*/true);
  while (ds::DictEntry* de = it.Next()) {
    std::string_view key = EntryKey(de);
    if (!all && !common::GlobMatch(pattern, key)) continue;
    if (EntryIsExpired(d, de, now)) continue;
    c.reply.Bulk(key);
    n++;
  }
  c.reply.SetDeferredArrayLen(handle, n);
}

void ScanCommand(Client& c) {
  ScanArgs args;
  if (!ParseScanArgsOrReply(c, 1, /*allow_type=*/true, &args)) return;
  uint64_t cursor = args.cursor;
  const std::string_view pattern = args.pattern, type_name = args.type;
  const bool use_pattern = args.use_pattern, use_type = args.use_type;

  db::Db& d = *c.db;
  // Collect first, filter after: filtering may delete expired keys, which
  // must not happen while the dict is being scanned. As Redis, COUNT bounds
  // the keys collected before filtering.
  std::vector<std::string> keys;
  cursor = ScanDictBounded(d.dict(), cursor, args.count, [&keys](const ds::DictEntry* de) {
    keys.emplace_back(EntryKey(de));
    return size_t{1};
  });

  size_t kept = 0;
  for (size_t i = 0; i < keys.size(); i++) {
    const std::string& key = keys[i];
    if (use_pattern && !common::GlobMatch(pattern, key)) continue;
    if (use_type) {
      Object* o = d.LookupNoTouch(key);
      if (!common::EqualsNoCase(type_name, o ? object::TypeName(o->GetType()) : "none")) continue;
    }
    if (d.ExpireIfNeeded(key)) continue;
    if (kept != i) keys[kept] = std::move(keys[i]);
    kept++;
  }
  keys.resize(kept);

  c.reply.ArrayHeader(2);
  c.reply.Bulk(std::to_string(cursor));
  c.reply.ArrayHeader(keys.size());
  for (const std::string& k : keys) c.reply.Bulk(k);
}

void RandomKeyCommand(Client& c) {
  std::string key;
  if (c.db->RandomKey(&key)) {
    c.reply.Bulk(key);
  } else {
    c.reply.Null();
  }
}

// ---- RENAME RENAMENX COPY MOVE ----

// Moves the value of from_key (which must exist) to to_key by pointer, as
// Redis does (incrRefCount, dbDelete, dbAdd): the value's representation is
// not copied, whatever its type; only its header moves between entries.
// An old value at to_key is released and its TTL dropped; from_key's TTL is
// dropped too (callers carry it over). SetKey rather than Add: an expired key
// that lookups hide may still occupy to_key while lazy deletion is off.
void MoveValue(db::Db& from, std::string_view from_key, db::Db& to, std::string_view to_key) {
  Object* val = from.Unlink(from_key);
  TD_ASSERT(val != nullptr);
  to.SetKey(to_key, val, /*keep_ttl=*/false);
}

void RenameGeneric(Client& c, bool nx) {
  db::Db& d = *c.db;
  std::string_view src = c.argv[1];
  std::string_view dst = c.argv[2];
  if (d.LookupWrite(src) == nullptr) {
    c.AddError(err::kNoSuchKey);
    return;
  }
  // Renaming a key to itself is a no-op, but only for an existing key.
  if (src == dst) {
    if (nx) {
      c.reply.Integer(0);
    } else {
      c.reply.Ok();
    }
    return;
  }
  int64_t expire = d.GetExpire(src);
  if (d.LookupWrite(dst) != nullptr && nx) {
    c.reply.Integer(0);
    return;
  }
  MoveValue(d, src, d, dst);
  if (expire != -1) d.SetExpire(dst, expire);
  SignalModifiedKey(c, d, src);
  SignalModifiedKey(c, d, dst);
  NotifyKeyspaceEvent(kNotifyGeneric, "rename_from", src, d.id());
  NotifyKeyspaceEvent(kNotifyGeneric, "rename_to", dst, d.id());
  GetState().dirty++;
  if (nx) {
    c.reply.Integer(1);
  } else {
    c.reply.Ok();
  }
}

void RenameCommand(Client& c) { RenameGeneric(c, false); }
void RenameNxCommand(Client& c) { RenameGeneric(c, true); }

void CopyCommand(Client& c) {
  db::Db* src = c.db;
  db::Db* dst = c.db;
  bool replace = false;
  for (size_t j = 3; j < c.argv.size(); j++) {
    size_t additional = c.argv.size() - j - 1;
    if (ArgIs(c.argv[j], "replace")) {
      replace = true;
    } else if (ArgIs(c.argv[j], "db") && additional >= 1) {
      dst = GetDbOrReply(c, c.argv[j + 1]);
      if (dst == nullptr) return;
      j++;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  std::string_view key = c.argv[1];
  std::string_view newkey = c.argv[2];
  if (src == dst && key == newkey) {
    c.AddError(err::kSameObject);
    return;
  }
  Object* o = src->LookupRead(key);
  if (o == nullptr) {
    c.reply.Integer(0);
    return;
  }
  int64_t expire = src->GetExpire(key);
  if (dst->LookupWrite(newkey) != nullptr && !replace) {
    c.reply.Integer(0);
    return;
  }
  Object* copy = object::Dup(o);
  if (copy == nullptr) {
    c.AddError("ERR COPY does not support this value type yet");
    return;
  }
  dst->SetKey(newkey, copy, /*keep_ttl=*/false);
  if (expire != -1) dst->SetExpire(newkey, expire);
  Modified(c, *dst, newkey, "copy_to");
  c.reply.Integer(1);
}

void MoveCommand(Client& c) {
  db::Db* src = c.db;
  db::Db* dst = GetDbOrReply(c, c.argv[2]);
  if (dst == nullptr) return;
  if (src == dst) {
    c.AddError(err::kSameObject);
    return;
  }
  std::string_view key = c.argv[1];
  if (src->LookupWrite(key) == nullptr) {
    c.reply.Integer(0);
    return;
  }
  int64_t expire = src->GetExpire(key);
  if (dst->LookupWrite(key) != nullptr) {
    c.reply.Integer(0);
    return;
  }
  MoveValue(*src, key, *dst, key);
  if (expire != -1) dst->SetExpire(key, expire);
  SignalModifiedKey(c, *src, key);
  SignalModifiedKey(c, *dst, key);
  NotifyKeyspaceEvent(kNotifyGeneric, "move_from", key, src->id());
  NotifyKeyspaceEvent(kNotifyGeneric, "move_to", key, dst->id());
  GetState().dirty++;
  c.reply.Integer(1);
}

// ---- DUMP RESTORE ----

void DumpCommand(Client& c) {
  Object* o = c.db->LookupRead(c.argv[1]);
  if (o == nullptr) {
    c.reply.Null();
    return;
  }
  // As Redis, DUMP compresses strings with LZF when rdbcompression is on.
  common::Result<std::string> payload = persist::CreateDumpPayload(o, GetState().rdb_compression);
  if (!payload.ok()) {
    c.AddError("ERR " + payload.status().message());
    return;
  }
  c.reply.Bulk(*payload);
}

void RestoreCommand(Client& c) {
  bool replace = false, absttl = false;
  int64_t lfu_freq = -1, lru_idle = -1;
  for (size_t j = 4; j < c.argv.size(); j++) {
    size_t additional = c.argv.size() - j - 1;
    if (ArgIs(c.argv[j], "replace")) {
      replace = true;
    } else if (ArgIs(c.argv[j], "absttl")) {
      absttl = true;
    } else if (ArgIs(c.argv[j], "idletime") && additional >= 1 && lfu_freq == -1) {
      if (!GetInt64OrReply(c, c.argv[j + 1], &lru_idle)) return;
      if (lru_idle < 0) {
        c.AddError(kInvalidIdletime);
        return;
      }
      j++;
    } else if (ArgIs(c.argv[j], "freq") && additional >= 1 && lru_idle == -1) {
      if (!GetInt64OrReply(c, c.argv[j + 1], &lfu_freq)) return;
      if (lfu_freq < 0 || lfu_freq > 255) {
        c.AddError(kInvalidFreq);
        return;
      }
      j++;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  if (!replace && d.LookupWrite(key) != nullptr) {
    c.AddError(err::kBusyKey);
    return;
  }
  int64_t ttl;
  if (!GetInt64OrReply(c, c.argv[2], &ttl)) return;
  if (ttl < 0) {
    c.AddError(kInvalidTtl);
    return;
  }
  // No string of the value may be longer than a client could make it
  // (proto-max-bulk-len), whatever length the payload claims.
  common::Result<Object*> loaded =
      persist::LoadDumpPayload(c.argv[3], static_cast<uint64_t>(GetState().proto_max_bulk_len));
  if (!loaded.ok()) {
    if (loaded.status().code() == common::Code::kOutOfMemory)
      LOG_WARNING("RESTORE: %s", loaded.status().message().c_str());
    // As Redis's rdbReportError in a RESTORE: the reason at verbose level.
    if (loaded.status().code() == common::Code::kCorruption)
      LOG_VERBOSE("Internal error in RDB reading offset 0, function at RESTORE -> %s",
                  loaded.status().message().c_str());
    c.AddError(loaded.status().code() == common::Code::kInvalidArgument ? err::kDumpPayload : kBadDataFormat);
    return;
  }
  Object* obj = *loaded;
  bool deleted = replace && d.Delete(key);
  // A relative TTL becomes a deadline. Redis adds without an overflow check
  // (a wrapped deadline lies in the past); the unsigned sum reproduces that
  // without undefined behaviour.
  int64_t now = common::MsTime();
  if (ttl != 0 && !absttl) ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + static_cast<uint64_t>(now));
  if (ttl != 0 && ttl <= now) {
    // Already expired: the key ends up absent.
    if (deleted) {
      Modified(c, d, key, "del");
      RewriteCommandForPropagation(c, {"DEL", std::string(key)});
    }
    object::DecrRef(obj);
    c.reply.Ok();
    return;
  }
  obj = d.SetKey(key, obj, /*keep_ttl=*/false);  // not Add: see MoveCommand
  if (ttl != 0) d.SetExpire(key, ttl);
  if (ttl != 0 && !absttl) {
    // A relative TTL propagates as the absolute deadline plus ABSTTL.
    std::vector<std::string> argv(c.argv.begin(), c.argv.end());
    argv[2] = common::Int64ToString(ttl);
    argv.push_back("ABSTTL");
    RewriteCommandForPropagation(c, std::move(argv));
  }
  object::SetLruOrLfu(obj, lfu_freq, lru_idle, object::LruClock());
  Modified(c, d, key, "restore");
  c.reply.Ok();
}

// ---- OBJECT ----

// The object at argv[2], or null after replying a null (OBJECT's lookups
// neither touch the key nor raise key-miss events).
Object* ObjectLookupOrReply(Client& c) {
  Object* o = LookupReadNoTouch(*c.db, c.argv[2], /*notify=*/false);
  if (o == nullptr) c.reply.Null();
  return o;
}

void ObjectEncodingCommand(Client& c) {
  if (Object* o = ObjectLookupOrReply(c)) c.reply.Bulk(object::EncodingName(o->GetEncoding()));
}

void ObjectRefcountCommand(Client& c) {
  if (Object* o = ObjectLookupOrReply(c)) c.reply.Integer(o->refcount);
}

void ObjectIdletimeCommand(Client& c) {
  Object* o = ObjectLookupOrReply(c);
  if (o == nullptr) return;
  if (object::ClockSettings().lfu) {
    c.AddError(kIdleIsLfu);
    return;
  }
  c.reply.Integer(static_cast<int64_t>(object::IdleMs(o) / 1000));
}

void ObjectFreqCommand(Client& c) {
  Object* o = ObjectLookupOrReply(c);
  if (o == nullptr) return;
  if (!object::ClockSettings().lfu) {
    c.AddError(kFreqNotLfu);
    return;
  }
  c.reply.Integer(object::LfuCounter(o));
}

void ObjectHelpCommand(Client& c) {
  ReplyHelp(c, "OBJECT",
            {
                "ENCODING <key>",
                "    Return the kind of internal representation used in order to store the value",
                "    associated with a <key>.",
                "FREQ <key>",
                "    Return the access frequency index of the <key>. The returned integer is",
                "    proportional to the logarithm of the recent access frequency of the key.",
                "IDLETIME <key>",
                "    Return the idle time of the <key>, that is the approximated number of",
                "    seconds elapsed since the last access to the key.",
                "REFCOUNT <key>",
                "    Return the number of references of the value associated with the specified",
                "    <key>.",
            });
}

// ---- EXPIRE family ----

enum ExpireFlag : int { kExpireNx = 1, kExpireXx = 2, kExpireGt = 4, kExpireLt = 8 };

// Parses NX/XX/GT/LT from argv[3..] (Redis's
// parseExtendedExpireArgumentsOrReply). Replies and returns false on error.
bool ParseExpireFlagsOrReply(Client& c, int* flags) {
  *flags = 0;
  for (size_t j = 3; j < c.argv.size(); j++) {
    std::string_view opt = c.argv[j];
    if (ArgIs(opt, "nx")) {
      *flags |= kExpireNx;
    } else if (ArgIs(opt, "xx")) {
      *flags |= kExpireXx;
    } else if (ArgIs(opt, "gt")) {
      *flags |= kExpireGt;
    } else if (ArgIs(opt, "lt")) {
      *flags |= kExpireLt;
    } else {
      // Redis formats the option with %s: it stops at a NUL byte.
      c.AddError("ERR Unsupported option " + std::string(opt.substr(0, opt.find('\0'))));
      return false;
    }
  }
  if ((*flags & kExpireNx) && (*flags & (kExpireXx | kExpireGt | kExpireLt))) {
    c.AddError(kExpireNxConflict);
    return false;
  }
  if ((*flags & kExpireGt) && (*flags & kExpireLt)) {
    c.AddError(kExpireGtLtConflict);
    return false;
  }
  return true;
}

void AddInvalidExpireError(Client& c) { c.AddErrorFormat(err::kInvalidExpire, c.cmd ? c.cmd->full_name.c_str() : "expire"); }

// basetime_ms: added to the argument (now for EXPIRE/PEXPIRE, 0 for the
// *AT forms). seconds: the argument is in seconds.
void ExpireGeneric(Client& c, int64_t basetime_ms, bool seconds) {
  int flags;
  if (!ParseExpireFlagsOrReply(c, &flags)) return;
  int64_t when;
  if (!GetInt64OrReply(c, c.argv[2], &when)) return;
  // Negative values are allowed (they delete the key), but a unit
  // conversion or base-time addition that overflows is an error.
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      AddInvalidExpireError(c);
      return;
    }
    when *= 1000;
  }
  if (when > INT64_MAX - basetime_ms) {
    AddInvalidExpireError(c);
    return;
  }
  when += basetime_ms;

  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  if (d.LookupWrite(key) == nullptr) {
    c.reply.Integer(0);
    return;
  }
  if (flags) {
    int64_t current = d.GetExpire(key);  // -1: no TTL, i.e. an infinite one
    bool refuse = ((flags & kExpireNx) && current != -1) || ((flags & kExpireXx) && current == -1) ||
                  ((flags & kExpireGt) && (current == -1 || when <= current)) ||
                  ((flags & kExpireLt) && current != -1 && when >= current);
    if (refuse) {
      c.reply.Integer(0);
      return;
    }
  }
  if (when <= common::MsTime()) {
    // A deadline in the past deletes the key now (propagated as DEL).
    d.Delete(key);
    Modified(c, d, key, "del");
    RewriteCommandForPropagation(c, {GetState().lazyfree_lazy_expire ? "UNLINK" : "DEL", std::string(key)});
  } else {
    d.SetExpire(key, when);
    Modified(c, d, key, "expire");
    // Propagated as PEXPIREAT <absolute ms>, the NX/XX/GT/LT options kept
    // (Redis 7.0: PEXPIREAT itself goes as it came).
    if (c.cmd == nullptr || std::string_view(c.cmd->name) != "pexpireat") {
      std::vector<std::string> argv(c.argv.begin(), c.argv.end());
      argv[0] = "PEXPIREAT";
      if (basetime_ms != 0 || seconds) argv[2] = common::Int64ToString(when);
      RewriteCommandForPropagation(c, std::move(argv));
    }
  }
  c.reply.Integer(1);
}

void ExpireCommand(Client& c) { ExpireGeneric(c, common::MsTime(), true); }
void PExpireCommand(Client& c) { ExpireGeneric(c, common::MsTime(), false); }
void ExpireAtCommand(Client& c) { ExpireGeneric(c, 0, true); }
void PExpireAtCommand(Client& c) { ExpireGeneric(c, 0, false); }

// ms: reply in milliseconds (else seconds, rounded). absolute: the deadline
// itself rather than the time left.
void TtlGeneric(Client& c, bool ms, bool absolute) {
  std::string_view key = c.argv[1];
  if (LookupReadNoTouch(*c.db, key) == nullptr) {
    c.reply.Integer(-2);
    return;
  }
  int64_t expire = c.db->GetExpire(key);
  if (expire == -1) {
    c.reply.Integer(-1);
    return;
  }
  int64_t ttl = absolute ? expire : expire - common::MsTime();
  if (ttl < 0) ttl = 0;
  c.reply.Integer(ms ? ttl : (ttl + 500) / 1000);
}

void TtlCommand(Client& c) { TtlGeneric(c, false, false); }
void PTtlCommand(Client& c) { TtlGeneric(c, true, false); }
void ExpireTimeCommand(Client& c) { TtlGeneric(c, false, true); }
void PExpireTimeCommand(Client& c) { TtlGeneric(c, true, true); }

void PersistCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  if (d.LookupWrite(key) != nullptr && d.RemoveExpire(key)) {
    Modified(c, d, key, "persist");
    c.reply.Integer(1);
  } else {
    c.reply.Integer(0);
  }
}

// ---- DBSIZE FLUSHDB FLUSHALL SWAPDB SELECT WAIT ----

void DbSizeCommand(Client& c) { c.reply.Integer(static_cast<int64_t>(c.db->size())); }

// Accepts no argument, SYNC or ASYNC (Redis's getFlushCommandFlags); with
// none, lazyfree-lazy-user-flush decides. ASYNC hands the old tables to the
// lazy-free thread.
bool ParseFlushModeOrReply(Client& c, bool* async) {
  if (c.argv.size() > 2 || (c.argv.size() == 2 && !ArgIs(c.argv[1], "sync") && !ArgIs(c.argv[1], "async"))) {
    c.AddSyntaxError();
    return false;
  }
  *async = c.argv.size() == 2 ? ArgIs(c.argv[1], "async") : GetState().lazyfree_lazy_user_flush;
  return true;
}

void FlushDbCommand(Client& c) {
  bool async;
  if (!ParseFlushModeOrReply(c, &async)) return;
  SignalFlushedDb(c.db->id(), &c);
  GetState().dirty += c.db->Flush(async);
  PreventPropagation(c);  // propagated even when empty (forceCommandPropagation)
  AlsoPropagate(c, std::vector<std::string>(c.argv.begin(), c.argv.end()));
  c.reply.Ok();
}

void FlushAllCommand(Client& c) {
  bool async;
  if (!ParseFlushModeOrReply(c, &async)) return;
  State& s = GetState();
  SignalFlushedDb(-1, &c);
  for (auto& d : s.dbs) s.dirty += d->Flush(async);
  // Redis 7.0 adds only the keys removed (no extra increment). With save
  // points it also rewrites the RDB (an empty dataset) and stops an RDB
  // child; the server's hook does that.
  if (s.on_flushall != nullptr) s.on_flushall();
  // Propagated even when nothing was removed (forceCommandPropagation).
  PreventPropagation(c);
  AlsoPropagate(c, std::vector<std::string>(c.argv.begin(), c.argv.end()));
  c.reply.Ok();
}

void SwapDbCommand(Client& c) {
  int64_t id1, id2;
  if (!GetRangeInt64OrReply(c, c.argv[1], INT_MIN, INT_MAX, &id1, kSwapFirstIndex)) return;
  if (!GetRangeInt64OrReply(c, c.argv[2], INT_MIN, INT_MAX, &id2, kSwapSecondIndex)) return;
  db::Db* a = GetDb(static_cast<int>(id1));
  db::Db* b = GetDb(static_cast<int>(id2));
  if (a == nullptr || b == nullptr) {
    c.AddError(err::kDbIndex);
    return;
  }
  if (a != b) {
    // Clients keep their db index, so they now see the other contents.
    SignalSwappedDb(a->id(), b->id());
    a->SwapWith(*b);
  }
  GetState().dirty++;
  c.reply.Ok();
}

void SelectCommand(Client& c) {
  int64_t id;
  if (!GetRangeInt64OrReply(c, c.argv[1], INT_MIN, INT_MAX, &id)) return;
  if (GetState().cluster_enabled && id != 0) {
    c.AddError("ERR SELECT is not allowed in cluster mode");
    return;
  }
  db::Db* d = GetDb(static_cast<int>(id));
  if (d == nullptr) {
    c.AddError(err::kDbIndex);
    return;
  }
  c.db_index = static_cast<int>(id);
  c.db = d;
  c.reply.Ok();
}

}  // namespace

void RegisterKeyspaceCommands(Registry& r) {
  // ACL categories and flags as Redis 7.0's COMMAND INFO reports them.
  const uint32_t kKsReadFast = kCatKeyspace | kCatRead | kCatFast;
  const uint32_t kKsReadSlow = kCatKeyspace | kCatRead | kCatSlow;
  const uint32_t kKsWriteFast = kCatKeyspace | kCatWrite | kCatFast;
  const uint32_t kKsWriteSlow = kCatKeyspace | kCatWrite | kCatSlow;
  r.Add({"del", -2, kWrite, 1, -1, 1, DelCommand, "generic", "Delete a key", "1.0.0", kKsWriteSlow});
  r.Add({"unlink", -2, kWrite | kFast, 1, -1, 1, UnlinkCommand, "generic",
         "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0",
         kKsWriteFast});
  r.Add({"exists", -2, kReadonly | kFast, 1, -1, 1, ExistsCommand, "generic", "Determine if a key exists", "1.0.0",
         kKsReadFast});
  r.Add({"type", 2, kReadonly | kFast, 1, 1, 1, TypeCommand, "generic", "Determine the type stored at key", "1.0.0",
         kKsReadFast});
  r.Add({"keys", 2, kReadonly, 0, 0, 0, KeysCommand, "generic", "Find all keys matching the given pattern", "1.0.0",
         kKsReadSlow | kCatDangerous});
  r.Add({"scan", -2, kReadonly, 0, 0, 0, ScanCommand, "generic", "Incrementally iterate the keys space", "2.8.0",
         kKsReadSlow});
  r.Add({"randomkey", 1, kReadonly, 0, 0, 0, RandomKeyCommand, "generic", "Return a random key from the keyspace",
         "1.0.0", kKsReadSlow});
  r.Add({"rename", 3, kWrite, 1, 2, 1, RenameCommand, "generic", "Rename a key", "1.0.0", kKsWriteSlow});
  r.Add({"renamenx", 3, kWrite | kFast, 1, 2, 1, RenameNxCommand, "generic",
         "Rename a key, only if the new key does not exist", "1.0.0", kKsWriteFast});
  r.Add({"copy", -3, kWrite | kDenyOom, 1, 2, 1, CopyCommand, "generic", "Copy a key", "6.2.0", kKsWriteSlow});
  r.Add({"move", 3, kWrite | kFast, 1, 1, 1, MoveCommand, "generic", "Move a key to another database", "1.0.0",
         kKsWriteFast});
  r.Add({"touch", -2, kReadonly | kFast, 1, -1, 1, TouchCommand, "generic",
         "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1",
         kKsReadFast});
  r.Add({"dump", 2, kReadonly, 1, 1, 1, DumpCommand, "generic",
         "Return a serialized version of the value stored at the specified key.", "2.6.0", kKsReadSlow});
  r.Add({"restore", -4, kWrite | kDenyOom, 1, 1, 1, RestoreCommand, "generic",
         "Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0",
         kKsWriteSlow | kCatDangerous});
  CommandSpec object_cmd{"object", -2, 0, 0, 0, 0, nullptr, "generic",
                         "A container for object introspection commands", "2.2.3", kCatSlow};
  object_cmd.subcommands = {
      {"encoding", 3, kReadonly, 2, 2, 1, ObjectEncodingCommand, "generic",
       "Inspect the internal encoding of a Redis object", "2.2.3", kKsReadSlow},
      {"freq", 3, kReadonly, 2, 2, 1, ObjectFreqCommand, "generic",
       "Get the logarithmic access frequency counter of a Redis object", "4.0.0", kKsReadSlow},
      {"help", 2, kLoading | kStale, 0, 0, 0, ObjectHelpCommand, "generic",
       "Show helpful text about the different subcommands", "6.2.0", kCatKeyspace | kCatSlow},
      {"idletime", 3, kReadonly, 2, 2, 1, ObjectIdletimeCommand, "generic",
       "Get the time since a Redis object was last accessed", "2.2.3", kKsReadSlow},
      {"refcount", 3, kReadonly, 2, 2, 1, ObjectRefcountCommand, "generic",
       "Get the number of references to the value of the key", "2.2.3", kKsReadSlow},
  };
  r.Add(std::move(object_cmd));
  r.Add({"expire", -3, kWrite | kFast, 1, 1, 1, ExpireCommand, "generic", "Set a key's time to live in seconds",
         "1.0.0", kKsWriteFast});
  r.Add({"pexpire", -3, kWrite | kFast, 1, 1, 1, PExpireCommand, "generic",
         "Set a key's time to live in milliseconds", "2.6.0", kKsWriteFast});
  r.Add({"expireat", -3, kWrite | kFast, 1, 1, 1, ExpireAtCommand, "generic",
         "Set the expiration for a key as a UNIX timestamp", "1.2.0", kKsWriteFast});
  r.Add({"pexpireat", -3, kWrite | kFast, 1, 1, 1, PExpireAtCommand, "generic",
         "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", kKsWriteFast});
  r.Add({"ttl", 2, kReadonly | kFast, 1, 1, 1, TtlCommand, "generic", "Get the time to live for a key in seconds",
         "1.0.0", kKsReadFast});
  r.Add({"pttl", 2, kReadonly | kFast, 1, 1, 1, PTtlCommand, "generic",
         "Get the time to live for a key in milliseconds", "2.6.0", kKsReadFast});
  r.Add({"expiretime", 2, kReadonly | kFast, 1, 1, 1, ExpireTimeCommand, "generic",
         "Get the expiration Unix timestamp for a key", "7.0.0", kKsReadFast});
  r.Add({"pexpiretime", 2, kReadonly | kFast, 1, 1, 1, PExpireTimeCommand, "generic",
         "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", kKsReadFast});
  r.Add({"persist", 2, kWrite | kFast, 1, 1, 1, PersistCommand, "generic", "Remove the expiration from a key",
         "2.2.0", kKsWriteFast});
  // Redis files these under the "server" and "connection" groups.
  r.Add({"dbsize", 1, kReadonly | kFast, 0, 0, 0, DbSizeCommand, "server",
         "Return the number of keys in the selected database", "1.0.0", kKsReadFast});
  r.Add({"flushdb", -1, kWrite, 0, 0, 0, FlushDbCommand, "server", "Remove all keys from the current database",
         "1.0.0", kKsWriteSlow | kCatDangerous});
  r.Add({"flushall", -1, kWrite, 0, 0, 0, FlushAllCommand, "server", "Remove all keys from all databases", "1.0.0",
         kKsWriteSlow | kCatDangerous});
  r.Add({"swapdb", 3, kWrite | kFast, 0, 0, 0, SwapDbCommand, "server", "Swaps two Redis databases", "4.0.0",
         kKsWriteFast | kCatDangerous});
  r.Add({"select", 2, kLoading | kStale | kFast, 0, 0, 0, SelectCommand, "connection",
         "Change the selected database for the current connection", "1.0.0", kCatFast | kCatConnection});
  // WAIT is replication's (repl/replication.cc).
}

}  // namespace commands
