// The list command family of Redis 7.0: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP
// LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS RPOPLPUSH LMOVE LMPOP and
// the blocking BLPOP BRPOP BRPOPLPUSH BLMOVE BLMPOP (commands/blocking.h).
//
// Replies, errors and the order in which arguments and keys are checked
// follow Redis 7.0.15's t_list.c (tests/integration/test_list.py compares
// with Debian's redis-server). What each modifying command does, as Redis:
//   - signals the modified key (WATCH), raises its keyspace event ("lpush",
//     "rpush", "lpop", "rpop", "linsert", "lset", "lrem", "ltrim"; LMOVE
//     raises the push on the destination, then the pop on the source) and
//     adds the number of elements changed to dirty;
//   - a list that becomes empty is deleted, with a "del" event;
//   - propagation: LMPOP propagates as LPOP/RPOP key count, BLPOP/BRPOP as
//     LPOP/RPOP key, BLMPOP as LPOP/RPOP key count, BLMOVE as LMOVE and
//     BRPOPLPUSH as RPOPLPUSH, both when they pop at once and when a blocked
//     client is served later (then through AlsoPropagate, as Redis's
//     serveClientBlockedOnList does).
// Lists are also a SORT source (ordered) and SORT ... STORE builds its result
// with this family's list builder.
// Blocking commands inside MULTI/EXEC never block: they answer as on a
// timeout (BLMOVE/BRPOPLPUSH with a null bulk, the others with a null
// array), as Redis does for clients that may not block.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/blocking.h"
#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/sort_cmds.h"
#include "commands/state.h"
#include "common/macros.h"
#include "common/util.h"
#include "db/db.h"
#include "object/list_type.h"
#include "object/object.h"

namespace commands {
namespace {

using object::ListEnd;
using object::Object;

constexpr char kRankZero[] =
    "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to "
    "start from the end of the list";
constexpr char kCountNegative[] = "ERR COUNT can't be negative";
constexpr char kMaxlenNegative[] = "ERR MAXLEN can't be negative";
constexpr char kMustBePositive[] = "ERR value is out of range, must be positive";
constexpr char kNumkeysPositive[] = "ERR numkeys should be greater than 0";
constexpr char kCountPositive[] = "ERR count should be greater than 0";

inline bool IsList(const Object* o) { return o->GetType() == object::Type::kList; }

// Redis's checkType for lists: replies WRONGTYPE and returns true when o is
// a value of another type.
bool WrongType(Client& c, const Object* o) {
  if (o != nullptr && !IsList(o)) {
    c.AddError(err::kWrongType);
    return true;
  }
  return false;
}

// What a command replies when its key is missing.
enum class Missing { kZero, kNull, kNullArray, kEmptyArray, kOk, kNoSuchKey };

// Redis's lookupKey{Read,Write}OrReply followed by checkType: the list
// under key, or nullptr after replying `missing` (absent key) or WRONGTYPE.
Object* LookupListOrReply(Client& c, std::string_view key, bool write, Missing missing) {
  Object* o = write ? c.db->LookupWrite(key) : c.db->LookupRead(key);
  if (o == nullptr) {
    switch (missing) {
      case Missing::kZero: c.reply.Integer(0); break;
      case Missing::kNull: c.reply.Null(); break;
      case Missing::kNullArray: c.reply.NullArray(); break;
      case Missing::kEmptyArray: c.reply.ArrayHeader(0); break;
      case Missing::kOk: c.reply.Ok(); break;
      case Missing::kNoSuchKey: c.AddError(err::kNoSuchKey); break;
    }
    return nullptr;
  }
  return WrongType(c, o) ? nullptr : o;
}

const char* PopEvent(ListEnd where) { return where == ListEnd::kHead ? "lpop" : "rpop"; }
const char* PushEvent(ListEnd where) { return where == ListEnd::kHead ? "lpush" : "rpush"; }

void Notify(Client& c, int type, const char* event, std::string_view key) {
  NotifyKeyspaceEvent(type, event, key, c.db->id());
}

// LEFT | RIGHT (Redis's getListPositionFromObjectOrReply).
bool GetListPositionOrReply(Client& c, std::string_view arg, ListEnd* where) {
  if (ArgIs(arg, "left")) {
    *where = ListEnd::kHead;
  } else if (ArgIs(arg, "right")) {
    *where = ListEnd::kTail;
  } else {
    c.AddSyntaxError();
    return false;
  }
  return true;
}

// Redis's listElementsRemoved: the pop event, deletion of an emptied list
// (with its "del" event), WATCH, dirty. o may be freed on return.
void ElementsRemoved(Client& c, std::string_view key, ListEnd where, Object* o, long count) {
  Notify(c, kNotifyList, PopEvent(where), key);
  if (object::ListLength(o) == 0) {
    c.db->Delete(key);
    Notify(c, kNotifyGeneric, "del", key);
  }
  SignalModifiedKey(c, *c.db, key);
  GetState().dirty += static_cast<uint64_t>(count);
}

// Redis's addListRangeReply: elements [start, end] (any indexes, Redis's
// clamping), from end to start when reverse.
void ReplyRange(Client& c, const Object* o, long start, long end, bool reverse) {
  long llen = static_cast<long>(object::ListLength(o));
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    c.reply.ArrayHeader(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  c.reply.ArrayHeader(static_cast<size_t>(end - start + 1));
  object::ListRange(o, start, end, reverse, [&](std::string_view v) { c.reply.Bulk(v); });
}

// Pops up to count elements at `where`, replying with them as an array
// (ReplyRange's order), then ElementsRemoved. Returns how many.
long PopRangeAndReply(Client& c, Object* o, std::string_view key, ListEnd where, long count) {
  long llen = static_cast<long>(object::ListLength(o));
  long rangelen = count > llen ? llen : count;
  long start = where == ListEnd::kHead ? 0 : -rangelen;
  long end = where == ListEnd::kHead ? rangelen - 1 : -1;
  ReplyRange(c, o, start, end, where == ListEnd::kTail);
  object::ListQl(o)->DelRange(start, rangelen);
  ElementsRemoved(c, key, where, o, rangelen);
  return rangelen;
}

// Redis's listPopRangeAndReplyWithKey: [key, [elements...]].
long PopRangeAndReplyWithKey(Client& c, Object* o, std::string_view key, ListEnd where, long count) {
  c.reply.ArrayHeader(2);
  c.reply.Bulk(key);
  return PopRangeAndReply(c, o, key, where, count);
}

// ---- push ----

void PushGeneric(Client& c, ListEnd where, bool only_existing) {
  std::string_view key = c.argv[1];
  Object* o = c.db->LookupWrite(key);
  if (WrongType(c, o)) return;
  if (o == nullptr) {
    if (only_existing) {
      c.reply.Integer(0);
      return;
    }
    o = c.db->Add(key, object::CreateList());
  }
  for (size_t j = 2; j < c.argv.size(); j++) object::ListPush(o, c.argv[j], where);
  GetState().dirty += c.argv.size() - 2;
  c.reply.Integer(static_cast<int64_t>(object::ListLength(o)));
  SignalModifiedKey(c, *c.db, key);
  Notify(c, kNotifyList, PushEvent(where), key);
}

void LPushCommand(Client& c) { PushGeneric(c, ListEnd::kHead, false); }
void RPushCommand(Client& c) { PushGeneric(c, ListEnd::kTail, false); }
void LPushXCommand(Client& c) { PushGeneric(c, ListEnd::kHead, true); }
void RPushXCommand(Client& c) { PushGeneric(c, ListEnd::kTail, true); }

// ---- pop ----

void PopGeneric(Client& c, ListEnd where) {
  const bool hascount = c.argv.size() == 3;
  if (c.argv.size() > 3) {
    c.AddArityError();
    return;
  }
  int64_t count = 0;
  if (hascount && !GetPositiveInt64OrReply(c, c.argv[2], &count, kMustBePositive)) return;
  std::string_view key = c.argv[1];
  Object* o = LookupListOrReply(c, key, true, hascount ? Missing::kNullArray : Missing::kNull);
  if (o == nullptr) return;
  if (hascount && count == 0) {
    c.reply.ArrayHeader(0);
    return;
  }
  if (!hascount) {
    std::string value;
    object::ListPop(o, where, &value);
    c.reply.Bulk(value);
    ElementsRemoved(c, key, where, o, 1);
  } else {
    PopRangeAndReply(c, o, key, where, count);
  }
}

void LPopCommand(Client& c) { PopGeneric(c, ListEnd::kHead); }
void RPopCommand(Client& c) { PopGeneric(c, ListEnd::kTail); }

// ---- reading ----

void LLenCommand(Client& c) {
  Object* o = LookupListOrReply(c, c.argv[1], false, Missing::kZero);
  if (o == nullptr) return;
  c.reply.Integer(static_cast<int64_t>(object::ListLength(o)));
}

void LRangeCommand(Client& c) {
  int64_t start, end;
  if (!GetInt64OrReply(c, c.argv[2], &start) || !GetInt64OrReply(c, c.argv[3], &end)) return;
  Object* o = LookupListOrReply(c, c.argv[1], false, Missing::kEmptyArray);
  if (o == nullptr) return;
  ReplyRange(c, o, start, end, false);
}

void LIndexCommand(Client& c) {
  Object* o = LookupListOrReply(c, c.argv[1], false, Missing::kNull);
  if (o == nullptr) return;
  int64_t index;
  if (!GetInt64OrReply(c, c.argv[2], &index)) return;
  std::string value;
  if (object::ListIndex(o, index, &value)) {
    c.reply.Bulk(value);
  } else {
    c.reply.Null();
  }
}

void LPosCommand(Client& c) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < c.argv.size(); j++) {
    std::string_view opt = c.argv[j];
    const bool moreargs = j + 1 < c.argv.size();
    if (ArgIs(opt, "rank") && moreargs) {
      if (!GetInt64OrReply(c, c.argv[++j], &rank)) return;
      if (rank == 0) {
        c.AddError(kRankZero);
        return;
      }
    } else if (ArgIs(opt, "count") && moreargs) {
      if (!GetPositiveInt64OrReply(c, c.argv[++j], &count, kCountNegative)) return;
    } else if (ArgIs(opt, "maxlen") && moreargs) {
      if (!GetPositiveInt64OrReply(c, c.argv[++j], &maxlen, kMaxlenNegative)) return;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  // Redis negates a negative rank in a long: LLONG_MIN stays itself and so
  // counts every match from the tail, like -1.
  if (rank == INT64_MIN) rank = -1;
  Object* o = c.db->LookupRead(c.argv[1]);
  if (o == nullptr) {
    count != -1 ? c.reply.ArrayHeader(0) : c.reply.Null();
    return;
  }
  if (WrongType(c, o)) return;
  std::vector<long> pos = object::ListPositions(o, c.argv[2], rank, count == -1 ? 1 : count, maxlen);
  if (count != -1) {
    c.reply.ArrayHeader(pos.size());
    for (long p : pos) c.reply.Integer(p);
  } else if (pos.empty()) {
    c.reply.Null();
  } else {
    c.reply.Integer(pos[0]);
  }
}

// ---- modifying in place ----

void LSetCommand(Client& c) {
  std::string_view key = c.argv[1];
  Object* o = LookupListOrReply(c, key, true, Missing::kNoSuchKey);
  if (o == nullptr) return;
  int64_t index;
  if (!GetInt64OrReply(c, c.argv[2], &index)) return;
  if (!object::ListSet(o, index, c.argv[3])) {
    c.AddError(err::kOutOfRange);
    return;
  }
  c.reply.Ok();
  SignalModifiedKey(c, *c.db, key);
  Notify(c, kNotifyList, "lset", key);
  GetState().dirty++;
}

void LInsertCommand(Client& c) {
  bool after;
  if (ArgIs(c.argv[2], "after")) {
    after = true;
  } else if (ArgIs(c.argv[2], "before")) {
    after = false;
  } else {
    c.AddSyntaxError();
    return;
  }
  std::string_view key = c.argv[1];
  Object* o = LookupListOrReply(c, key, true, Missing::kZero);
  if (o == nullptr) return;
  if (!object::ListInsert(o, c.argv[3], c.argv[4], after)) {
    c.reply.Integer(-1);
    return;
  }
  SignalModifiedKey(c, *c.db, key);
  Notify(c, kNotifyList, "linsert", key);
  GetState().dirty++;
  c.reply.Integer(static_cast<int64_t>(object::ListLength(o)));
}

void LRemCommand(Client& c) {
  int64_t toremove;
  if (!GetInt64OrReply(c, c.argv[2], &toremove)) return;
  std::string_view key = c.argv[1];
  Object* o = LookupListOrReply(c, key, true, Missing::kZero);
  if (o == nullptr) return;
  size_t removed = object::ListRemove(o, c.argv[3], toremove);
  GetState().dirty += removed;
  if (removed) {
    SignalModifiedKey(c, *c.db, key);
    Notify(c, kNotifyList, "lrem", key);
  }
  if (object::ListLength(o) == 0) {
    c.db->Delete(key);
    Notify(c, kNotifyGeneric, "del", key);
  }
  c.reply.Integer(static_cast<int64_t>(removed));
}

void LTrimCommand(Client& c) {
  int64_t start, end;
  if (!GetInt64OrReply(c, c.argv[2], &start) || !GetInt64OrReply(c, c.argv[3], &end)) return;
  std::string_view key = c.argv[1];
  Object* o = LookupListOrReply(c, key, true, Missing::kOk);
  if (o == nullptr) return;
  long llen = static_cast<long>(object::ListLength(o));
  if (start < 0) start = llen + start;
  if (end < 0) end = llen + end;
  if (start < 0) start = 0;
  long ltrim, rtrim;
  if (start > end || start >= llen) {
    ltrim = llen;  // everything goes
    rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start;
    rtrim = llen - end - 1;
  }
  object::ListTrim(o, ltrim, rtrim);
  Notify(c, kNotifyList, "ltrim", key);
  if (object::ListLength(o) == 0) {
    c.db->Delete(key);
    Notify(c, kNotifyGeneric, "del", key);
  }
  SignalModifiedKey(c, *c.db, key);
  GetState().dirty += static_cast<uint64_t>(ltrim + rtrim);
  c.reply.Ok();
}

// ---- moving between lists ----

// Redis's lmoveHandlePush: pushes value onto dst (created when absent),
// replying with the value. REQUIRES: dst is absent or a list.
void MovePush(Client& c, std::string_view dstkey, Object* dst, std::string_view value, ListEnd where) {
  if (dst == nullptr) {
    dst = c.db->Add(dstkey, object::CreateList());
  }
  SignalModifiedKey(c, *c.db, dstkey);
  object::ListPush(dst, value, where);
  Notify(c, kNotifyList, PushEvent(where), dstkey);
  c.reply.Bulk(value);
}

// Pops from the non-empty list src and pushes onto dst (REQUIRES: absent or
// a list), with every side effect of Redis's lmoveGenericCommand except the
// propagation rewrite.
void MoveElement(Client& c, std::string_view srckey, Object* src, std::string_view dstkey, Object* dst,
                 ListEnd wherefrom, ListEnd whereto) {
  std::string value;
  object::ListPop(src, wherefrom, &value);
  MovePush(c, dstkey, dst, value, whereto);
  Notify(c, kNotifyList, PopEvent(wherefrom), srckey);
  if (object::ListLength(src) == 0) {
    c.db->Delete(srckey);
    Notify(c, kNotifyGeneric, "del", srckey);
  }
  SignalModifiedKey(c, *c.db, srckey);
  GetState().dirty++;
}

const char* EndName(ListEnd where) { return where == ListEnd::kHead ? "LEFT" : "RIGHT"; }

// LMOVE / RPOPLPUSH, and BLMOVE / BRPOPLPUSH when the source has elements
// (propagated as the non-blocking form, as Redis does).
void MoveGeneric(Client& c, ListEnd wherefrom, ListEnd whereto) {
  std::string_view srckey = c.argv[1], dstkey = c.argv[2];
  Object* src = LookupListOrReply(c, srckey, true, Missing::kNull);
  if (src == nullptr) return;
  Object* dst = c.db->LookupWrite(dstkey);
  if (WrongType(c, dst)) return;
  MoveElement(c, srckey, src, dstkey, dst, wherefrom, whereto);
  std::string_view name = c.cmd->name;
  if (name == "blmove") {
    RewriteCommandForPropagation(c, {"LMOVE", std::string(srckey), std::string(dstkey), EndName(wherefrom),
                                     EndName(whereto)});
  } else if (name == "brpoplpush") {
    RewriteCommandForPropagation(c, {"RPOPLPUSH", std::string(srckey), std::string(dstkey)});
  }
}

void RPopLPushCommand(Client& c) { MoveGeneric(c, ListEnd::kTail, ListEnd::kHead); }

void LMoveCommand(Client& c) {
  ListEnd from, to;
  if (!GetListPositionOrReply(c, c.argv[3], &from) || !GetListPositionOrReply(c, c.argv[4], &to)) return;
  MoveGeneric(c, from, to);
}

// ---- LMPOP / BLMPOP argument parsing ----

struct MpopArgs {
  size_t first_key = 0;
  size_t numkeys = 0;
  ListEnd where = ListEnd::kHead;
  int64_t count = 1;
};

// Redis's lmpopGenericCommand parsing: numkeys at numkeys_idx, the keys,
// LEFT|RIGHT, then an optional COUNT (once).
bool ParseMpopOrReply(Client& c, size_t numkeys_idx, MpopArgs* out) {
  int64_t numkeys;
  if (!GetRangeInt64OrReply(c, c.argv[numkeys_idx], 1, INT64_MAX, &numkeys, kNumkeysPositive)) return false;
  // where must exist after the keys (Redis: where_idx >= argc is a syntax
  // error; compared without overflow here).
  if (static_cast<uint64_t>(numkeys) >= c.argv.size() - numkeys_idx - 1) {
    c.AddSyntaxError();
    return false;
  }
  size_t where_idx = numkeys_idx + static_cast<size_t>(numkeys) + 1;
  if (!GetListPositionOrReply(c, c.argv[where_idx], &out->where)) return false;
  bool has_count = false;
  for (size_t j = where_idx + 1; j < c.argv.size(); j++) {
    const bool moreargs = j + 1 < c.argv.size();
    if (!has_count && ArgIs(c.argv[j], "count") && moreargs) {
      if (!GetRangeInt64OrReply(c, c.argv[++j], 1, INT64_MAX, &out->count, kCountPositive)) return false;
      has_count = true;
    } else {
      c.AddSyntaxError();
      return false;
    }
  }
  out->first_key = numkeys_idx + 1;
  out->numkeys = static_cast<size_t>(numkeys);
  return true;
}

// The first non-empty list among the keys: pops from it with the LMPOP
// reply and the LPOP/RPOP key count propagation. Returns false, with
// nothing replied, when every key is absent; *failed after WRONGTYPE.
bool MpopFirstNonEmpty(Client& c, const MpopArgs& a, bool* failed) {
  *failed = false;
  for (size_t j = 0; j < a.numkeys; j++) {
    std::string_view key = c.argv[a.first_key + j];
    Object* o = c.db->LookupWrite(key);
    if (o == nullptr) continue;
    if (WrongType(c, o)) {
      *failed = true;
      return false;
    }
    long popped = PopRangeAndReplyWithKey(c, o, key, a.where, a.count);
    RewriteCommandForPropagation(c, {a.where == ListEnd::kHead ? "LPOP" : "RPOP", std::string(key),
                                     std::to_string(popped)});
    return true;
  }
  return false;
}

void LMPopCommand(Client& c) {
  MpopArgs a;
  if (!ParseMpopOrReply(c, 1, &a)) return;
  bool failed;
  if (!MpopFirstNonEmpty(c, a, &failed) && !failed) c.reply.NullArray();
}

// ---- blocking ----

// The serve function of every blocking list command (see blocking.h):
// c.argv is the blocked command.
bool ServeList(Client& c, std::string_view key) {
  Object* o = c.db->LookupWrite(key);
  if (o == nullptr || !IsList(o)) return false;
  std::string_view name = c.cmd->name;
  if (name == "blpop" || name == "brpop") {
    ListEnd where = name == "blpop" ? ListEnd::kHead : ListEnd::kTail;
    std::string value;
    object::ListPop(o, where, &value);
    c.reply.ArrayHeader(2);
    c.reply.Bulk(key);
    c.reply.Bulk(value);
    AlsoPropagate(c, {where == ListEnd::kHead ? "LPOP" : "RPOP", std::string(key)});
    ElementsRemoved(c, key, where, o, 1);
    return true;
  }
  if (name == "blmpop") {
    MpopArgs a;
    bool parsed = ParseMpopOrReply(c, 2, &a);  // validated when the client blocked
    TD_ASSERT(parsed);
    long llen = static_cast<long>(object::ListLength(o));
    long n = a.count > llen ? llen : a.count;
    AlsoPropagate(c, {a.where == ListEnd::kHead ? "LPOP" : "RPOP", std::string(key), std::to_string(n)});
    PopRangeAndReplyWithKey(c, o, key, a.where, a.count);
    return true;
  }
  // BLMOVE / BRPOPLPUSH: a destination of another type answers WRONGTYPE
  // and leaves the source alone (the client is unblocked all the same).
  ListEnd from = ListEnd::kTail, to = ListEnd::kHead;
  if (name == "blmove") {
    GetListPositionOrReply(c, c.argv[3], &from);
    GetListPositionOrReply(c, c.argv[4], &to);
  }
  std::string dstkey(c.argv[2]);
  Object* dst = c.db->LookupWrite(dstkey);
  if (WrongType(c, dst)) return true;
  MoveElement(c, key, o, dstkey, dst, from, to);
  if (name == "blmove") {
    AlsoPropagate(c, {"LMOVE", std::string(key), dstkey, EndName(from), EndName(to)});
  } else {
    AlsoPropagate(c, {"RPOPLPUSH", std::string(key), dstkey});
  }
  return true;
}

// BLPOP / BRPOP key [key ...] timeout.
void BlockingPopGeneric(Client& c, ListEnd where) {
  int64_t deadline;
  if (!GetTimeoutOrReply(c, c.argv.back(), &deadline)) return;
  std::vector<std::string_view> keys(c.argv.begin() + 1, c.argv.end() - 1);
  for (std::string_view key : keys) {
    Object* o = c.db->LookupWrite(key);
    if (o == nullptr) continue;
    if (WrongType(c, o)) return;
    std::string value;
    object::ListPop(o, where, &value);
    c.reply.ArrayHeader(2);
    c.reply.Bulk(key);
    c.reply.Bulk(value);
    ElementsRemoved(c, key, where, o, 1);
    RewriteCommandForPropagation(c, {where == ListEnd::kHead ? "LPOP" : "RPOP", std::string(key)});
    return;
  }
  if (MustNotBlock(c)) {
    c.reply.NullArray();
    return;
  }
  BlockForKeys(c, keys, deadline, object::Type::kList, ServeList);
}

void BLPopCommand(Client& c) { BlockingPopGeneric(c, ListEnd::kHead); }
void BRPopCommand(Client& c) { BlockingPopGeneric(c, ListEnd::kTail); }

void BLMPopCommand(Client& c) {
  MpopArgs a;
  if (!ParseMpopOrReply(c, 2, &a)) return;
  int64_t deadline;
  if (!GetTimeoutOrReply(c, c.argv[1], &deadline)) return;
  bool failed;
  if (MpopFirstNonEmpty(c, a, &failed) || failed) return;
  if (MustNotBlock(c)) {
    c.reply.NullArray();
    return;
  }
  std::vector<std::string_view> keys(c.argv.begin() + static_cast<long>(a.first_key),
                                     c.argv.begin() + static_cast<long>(a.first_key + a.numkeys));
  BlockForKeys(c, keys, deadline, object::Type::kList, ServeList);
}

// BLMOVE / BRPOPLPUSH once the timeout is parsed.
void BlockingMoveGeneric(Client& c, ListEnd wherefrom, ListEnd whereto, int64_t deadline) {
  Object* src = c.db->LookupWrite(c.argv[1]);
  if (WrongType(c, src)) return;
  if (src != nullptr) {
    MoveGeneric(c, wherefrom, whereto);
    return;
  }
  if (MustNotBlock(c)) {
    c.reply.Null();
    return;
  }
  BlockForKeys(c, {c.argv[1]}, deadline, object::Type::kList, ServeList);
}

void BRPopLPushCommand(Client& c) {
  int64_t deadline;
  if (!GetTimeoutOrReply(c, c.argv[3], &deadline)) return;
  BlockingMoveGeneric(c, ListEnd::kTail, ListEnd::kHead, deadline);
}

void BLMoveCommand(Client& c) {
  ListEnd from, to;
  if (!GetListPositionOrReply(c, c.argv[3], &from) || !GetListPositionOrReply(c, c.argv[4], &to)) return;
  int64_t deadline;
  if (!GetTimeoutOrReply(c, c.argv[5], &deadline)) return;
  BlockingMoveGeneric(c, from, to, deadline);
}

// ---- SORT's view of lists (commands/sort_cmds.h) ----

size_t SortListLength(const Object* o) { return object::ListLength(o); }

// count elements from rank start in list order, or, when reverse, from the
// tail's rank start towards the head (Redis's SORT ... BY nosort DESC).
void SortListLoad(const Object* o, size_t start, size_t count, bool reverse, std::vector<std::string>* out) {
  long len = static_cast<long>(object::ListLength(o));
  if (count == 0 || static_cast<long>(start) >= len) return;
  long n = std::min(static_cast<long>(count), len - static_cast<long>(start));
  long first = reverse ? len - static_cast<long>(start) - n : static_cast<long>(start);
  object::ListRange(o, first, first + n - 1, reverse, [&](std::string_view v) { out->emplace_back(v); });
}

// SORT ... STORE: a list built as by RPUSH of each element.
Object* SortListBuilder(std::vector<std::string>&& elements) {
  Object* o = object::CreateList();
  for (const std::string& e : elements) object::ListPush(o, e, ListEnd::kTail);
  return o;
}

}  // namespace

void RegisterListCommands(Registry& r) {
  RegisterSortSource(object::Type::kList, SortSource{SortListLength, SortListLoad, /*ordered=*/true});
  SetSortListBuilder(SortListBuilder);
  const uint32_t kWriteFast = kCatWrite | kCatList | kCatFast;
  const uint32_t kWriteSlow = kCatWrite | kCatList | kCatSlow;
  const uint32_t kReadFast = kCatRead | kCatList | kCatFast;
  const uint32_t kReadSlow = kCatRead | kCatList | kCatSlow;
  const uint32_t kBlock = kCatWrite | kCatList | kCatSlow | kCatBlocking;
  // clang-format off
  r.Add({"lpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, LPushCommand, "list", "Prepend one or multiple elements to a list", "1.0.0", kWriteFast});
  r.Add({"rpush", -3, kWrite | kDenyOom | kFast, 1, 1, 1, RPushCommand, "list", "Append one or multiple elements to a list", "1.0.0", kWriteFast});
  r.Add({"lpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, LPushXCommand, "list", "Prepend an element to a list, only if the list exists", "2.2.0", kWriteFast});
  r.Add({"rpushx", -3, kWrite | kDenyOom | kFast, 1, 1, 1, RPushXCommand, "list", "Append an element to a list, only if the list exists", "2.2.0", kWriteFast});
  r.Add({"lpop", -2, kWrite | kFast, 1, 1, 1, LPopCommand, "list", "Remove and get the first elements in a list", "1.0.0", kWriteFast});
  r.Add({"rpop", -2, kWrite | kFast, 1, 1, 1, RPopCommand, "list", "Remove and get the last elements in a list", "1.0.0", kWriteFast});
  r.Add({"llen", 2, kReadonly | kFast, 1, 1, 1, LLenCommand, "list", "Get the length of a list", "1.0.0", kReadFast});
  r.Add({"lrange", 4, kReadonly, 1, 1, 1, LRangeCommand, "list", "Get a range of elements from a list", "1.0.0", kReadSlow});
  r.Add({"lindex", 3, kReadonly, 1, 1, 1, LIndexCommand, "list", "Get an element from a list by its index", "1.0.0", kReadSlow});
  r.Add({"lset", 4, kWrite | kDenyOom, 1, 1, 1, LSetCommand, "list", "Set the value of an element in a list by its index", "1.0.0", kWriteSlow});
  r.Add({"linsert", 5, kWrite | kDenyOom, 1, 1, 1, LInsertCommand, "list", "Insert an element before or after another element in a list", "2.2.0", kWriteSlow});
  r.Add({"lrem", 4, kWrite, 1, 1, 1, LRemCommand, "list", "Remove elements from a list", "1.0.0", kWriteSlow});
  r.Add({"ltrim", 4, kWrite, 1, 1, 1, LTrimCommand, "list", "Trim a list to the specified range", "1.0.0", kWriteSlow});
  r.Add({"lpos", -3, kReadonly, 1, 1, 1, LPosCommand, "list", "Return the index of matching elements on a list", "6.0.6", kReadSlow});
  r.Add({"rpoplpush", 3, kWrite | kDenyOom, 1, 2, 1, RPopLPushCommand, "list", "Remove the last element in a list, prepend it to another list and return it", "1.2.0", kWriteSlow});
  r.Add({"lmove", 5, kWrite | kDenyOom, 1, 2, 1, LMoveCommand, "list", "Pop an element from a list, push it to another list and return it", "6.2.0", kWriteSlow});
  r.Add({"lmpop", -4, kWrite | kMovableKeys, 0, 0, 0, LMPopCommand, "list", "Pop elements from a list", "7.0.0", kWriteSlow})
      .key_specs = {KeynumKeys(kKeyRW | kKeyAccess | kKeyDelete, 1)};  // numkeys key...
  r.Add({"blpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, BLPopCommand, "list", "Remove and get the first element in a list, or block until one is available", "2.0.0", kBlock});
  r.Add({"brpop", -3, kWrite | kNoScript | kBlocking, 1, -2, 1, BRPopCommand, "list", "Remove and get the last element in a list, or block until one is available", "2.0.0", kBlock});
  r.Add({"brpoplpush", 4, kWrite | kDenyOom | kNoScript | kBlocking, 1, 2, 1, BRPopLPushCommand, "list", "Pop an element from a list, push it to another list and return it; or block until one is available", "2.2.0", kBlock});
  r.Add({"blmove", 6, kWrite | kDenyOom | kNoScript | kBlocking, 1, 2, 1, BLMoveCommand, "list", "Pop an element from a list, push it to another list and return it; or block until one is available", "6.2.0", kBlock});
  r.Add({"blmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, BLMPopCommand, "list", "Pop elements from a list, or block until one is available", "7.0.0", kBlock})
      .key_specs = {KeynumKeys(kKeyRW | kKeyAccess | kKeyDelete, 2)};  // timeout numkeys key...
  // clang-format on
}

}  // namespace commands
