// The sorted set command family of Redis 7.0: ZADD ZINCRBY ZREM ZCARD ZCOUNT
// ZLEXCOUNT ZSCORE ZMSCORE ZRANK ZREVRANK ZRANGE ZRANGESTORE ZRANGEBYSCORE
// ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE ZREMRANGEBYRANK
// ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION
// ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZSCAN. The
// blocking forms (BZPOPMIN BZPOPMAX BZMPOP) are built on PopAndReply.
//
// Handlers parse, call object/zset_type (which knows the encodings) and
// reply; argument order, error texts, reply shapes and the encodings chosen
// follow Redis 7.0.15's t_zset.c (tests/integration/test_zset.py compares
// with Debian's redis-server). Scores are replied with ReplyBuilder::Double:
// RESP2 bulk strings of "%.17g" ("inf", "-inf", "3", "0.10000000000000001"),
// RESP3 doubles. WITHSCORES replies are flat member,score arrays in RESP2
// and arrays of [member, score] pairs in RESP3, as Redis 7.0.
//
// Every modifying command signals the key (WATCH), raises Redis's keyspace
// event and adds its number of changes to dirty; a zset emptied by a
// command is deleted (with a "del" event), as Redis never keeps empty
// collections. ZMPOP is propagated as ZPOPMIN/ZPOPMAX key count.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "commands/blocking.h"
#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/scan.h"
#include "commands/sort_cmds.h"
#include "commands/state.h"
#include "common/util.h"
#include "db/db.h"
#include "ds/skiplist.h"
#include "object/object.h"
#include "object/zset_type.h"

namespace commands {
namespace {

using object::Object;

// Error texts used only by this family.
constexpr char kNanResult[] = "ERR resulting score is not a number (NaN)";
constexpr char kXxAndNx[] = "ERR XX and NX options at the same time are not compatible";
constexpr char kGtLtNx[] = "ERR GT, LT, and/or NX options at the same time are not compatible";
constexpr char kIncrPairs[] = "ERR INCR option supports a single increment-element pair";
constexpr char kMinMaxNotFloat[] = "ERR min or max is not a float";
constexpr char kMinMaxNotString[] = "ERR min or max not valid string range item";
constexpr char kLimitNeedsBy[] =
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX";
constexpr char kWithscoresBylex[] = "ERR syntax error, WITHSCORES not supported in combination with BYLEX";
constexpr char kWeightNotFloat[] = "ERR weight value is not a float";
constexpr char kLimitNegative[] = "ERR LIMIT can't be negative";
constexpr char kNumkeysPositive[] = "ERR numkeys should be greater than 0";
constexpr char kCountPositive[] = "ERR count should be greater than 0";
constexpr char kRandCountOutOfRange[] = "ERR value is out of range";

inline bool IsZset(const Object* o) { return o->GetType() == object::Type::kZset; }

// Looks key up for reading; replies WRONGTYPE (and returns false) when it
// holds another type. *o is nullptr for a missing key.
bool LookupZsetRead(Client& c, std::string_view key, Object** o) {
  *o = c.db->LookupRead(key);
  if (*o != nullptr && !IsZset(*o)) {
    c.AddError(err::kWrongType);
    return false;
  }
  return true;
}
bool LookupZsetWrite(Client& c, std::string_view key, Object** o) {
  *o = c.db->LookupWrite(key);
  if (*o != nullptr && !IsZset(*o)) {
    c.AddError(err::kWrongType);
    return false;
  }
  return true;
}

// Deletes key when its zset became empty; returns true if it did (the
// caller raises "del" after its own event, as Redis orders them).
bool DeleteIfEmpty(Client& c, std::string_view key, Object* o) {
  if (object::ZsetLength(o) != 0) return false;
  c.db->Delete(key);
  return true;
}

void NotifyZset(Client& c, const char* event, std::string_view key) {
  NotifyKeyspaceEvent(kNotifyZset, event, key, c.db->id());
}
void NotifyDel(Client& c, std::string_view key) { NotifyKeyspaceEvent(kNotifyGeneric, "del", key, c.db->id()); }

// Stores val under key as Redis's setKey (expired key first, TTL dropped,
// WATCH signalled). Takes one reference of val.
void StoreZset(Client& c, std::string_view key, Object* val) {
  c.db->ExpireIfNeeded(key);
  c.db->SetKey(key, val, /*keep_ttl=*/false);
  SignalModifiedKey(c, *c.db, key);
}

// The reply of an empty store: 0, and the destination deleted if present.
void ReplyEmptyStore(Client& c, std::string_view dst) {
  c.reply.Integer(0);
  if (c.db->Delete(dst)) {
    SignalModifiedKey(c, *c.db, dst);
    NotifyDel(c, dst);
    GetState().dirty++;
  }
}

// One element of a WITHSCORES-style reply.
void ReplyElement(Client& c, std::string_view m, double score, bool withscores) {
  if (withscores && c.resp > 2) c.reply.ArrayHeader(2);
  c.reply.Bulk(m);
  if (withscores) c.reply.Double(score);
}
// The array header for n elements of such a reply.
void ReplyElementsHeader(Client& c, uint64_t n, bool withscores) {
  c.reply.ArrayHeader(withscores && c.resp == 2 ? n * 2 : n);
}

// ---- range parsing (zslParseRange, zslParseLexRange) ----

// A C-string view of an argument: Redis parses these with strtod on the
// sds, so the bytes after an embedded NUL are ignored.
std::string CString(std::string_view s) {
  size_t nul = s.find('\0');
  return std::string(s.substr(0, nul));
}

bool ParseScoreBound(std::string_view arg, double* v, bool* ex) {
  std::string s = CString(arg);
  const char* p = s.c_str();
  *ex = false;
  if (*p == '(') {
    *ex = true;
    p++;
  }
  char* end;
  *v = strtod(p, &end);
  return *end == '\0' && !std::isnan(*v);
}

bool ParseScoreRange(std::string_view min, std::string_view max, ds::ScoreRange* r) {
  return ParseScoreBound(min, &r->min, &r->minex) && ParseScoreBound(max, &r->max, &r->maxex);
}

// "-" and "+" are the infinities, "[x" and "(x" inclusive and exclusive
// bounds; anything else (including an empty argument) is invalid.
bool ParseLexBound(std::string_view arg, ds::LexBound* b) {
  if (arg.empty()) return false;
  const bool single = arg.size() == 1 || arg[1] == '\0';
  switch (arg[0]) {
    case '+':
      if (!single) return false;
      b->kind = ds::LexBound::kPlusInf;
      return true;
    case '-':
      if (!single) return false;
      b->kind = ds::LexBound::kMinusInf;
      return true;
    case '(':
    case '[':
      b->kind = ds::LexBound::kValue;
      b->exclusive = arg[0] == '(';
      b->s = arg.substr(1);
      return true;
    default: return false;
  }
}

bool ParseLexRange(std::string_view min, std::string_view max, ds::LexRange* r) {
  return ParseLexBound(min, &r->min) && ParseLexBound(max, &r->max);
}

// Turns rank arguments into an inclusive [start, end] within llen, as
// Redis: negatives count from the end; false when the range is empty.
bool ClampRanks(int64_t llen, int64_t* start, int64_t* end) {
  if (*start < 0) *start += llen;
  if (*end < 0) *end += llen;
  if (*start < 0) *start = 0;
  if (*start > *end || *start >= llen) return false;
  if (*end >= llen) *end = llen - 1;
  return true;
}

// ---- ZADD / ZINCRBY ----

void ZaddGeneric(Client& c, int flags) {
  std::string_view key = c.argv[1];
  size_t scoreidx = 2;
  bool ch = false;
  for (; scoreidx < c.argv.size(); scoreidx++) {
    std::string_view opt = c.argv[scoreidx];
    if (ArgIs(opt, "nx")) {
      flags |= object::kZaddInNx;
    } else if (ArgIs(opt, "xx")) {
      flags |= object::kZaddInXx;
    } else if (ArgIs(opt, "ch")) {
      ch = true;
    } else if (ArgIs(opt, "incr")) {
      flags |= object::kZaddInIncr;
    } else if (ArgIs(opt, "gt")) {
      flags |= object::kZaddInGt;
    } else if (ArgIs(opt, "lt")) {
      flags |= object::kZaddInLt;
    } else {
      break;
    }
  }
  const bool incr = flags & object::kZaddInIncr, nx = flags & object::kZaddInNx, xx = flags & object::kZaddInXx;
  const bool gt = flags & object::kZaddInGt, lt = flags & object::kZaddInLt;
  size_t elements = c.argv.size() - scoreidx;
  if (elements % 2 != 0 || elements == 0) {
    c.AddSyntaxError();
    return;
  }
  elements /= 2;
  if (nx && xx) {
    c.AddError(kXxAndNx);
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.AddError(kGtLtNx);
    return;
  }
  if (incr && elements > 1) {
    c.AddError(kIncrPairs);
    return;
  }
  // Every score parses before anything changes: all or nothing.
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; j++)
    if (!GetDoubleOrReply(c, c.argv[scoreidx + j * 2], &scores[j])) return;

  Object* zobj;
  if (!LookupZsetWrite(c, key, &zobj)) return;
  uint64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan = false;
  if (zobj == nullptr && !xx) {
    // Redis 7.0 picks the encoding from the first member only; later
    // members convert as usual.
    const object::Settings& st = object::GetSettings();
    zobj = st.zset_max_listpack_entries == 0 || st.zset_max_listpack_value < c.argv[scoreidx + 1].size()
               ? object::ZsetCreateSkiplist()
               : object::ZsetCreateListpack();
    zobj = c.db->Add(key, zobj);
  }
  if (zobj != nullptr) {
    for (size_t j = 0; j < elements; j++) {
      int out = 0;
      double newscore = 0;
      if (!object::ZsetAdd(zobj, scores[j], c.argv[scoreidx + 1 + j * 2], flags, &out, &newscore)) {
        nan = true;
        break;
      }
      if (out & object::kZaddOutAdded) added++;
      if (out & object::kZaddOutUpdated) updated++;
      if (!(out & object::kZaddOutNop)) processed++;
      score = newscore;
    }
  }
  if (nan) {
    c.AddError(kNanResult);
  } else {
    GetState().dirty += added + updated;
    if (incr) {
      if (processed) {
        c.reply.Double(score);
      } else {
        c.reply.Null();
      }
    } else {
      c.reply.Integer(static_cast<int64_t>(ch ? added + updated : added));
    }
  }
  if (added || updated) {
    SignalModifiedKey(c, *c.db, key);
    NotifyZset(c, incr ? "zincr" : "zadd", key);
  }
}

void ZaddCommand(Client& c) { ZaddGeneric(c, object::kZaddInNone); }
void ZincrbyCommand(Client& c) { ZaddGeneric(c, object::kZaddInIncr); }

// ---- ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ----

void ZremCommand(Client& c) {
  std::string_view key = c.argv[1];
  Object* zobj;
  if (!LookupZsetWrite(c, key, &zobj)) return;
  if (zobj == nullptr) {
    c.reply.Integer(0);
    return;
  }
  int64_t deleted = 0;
  bool removed_key = false;
  for (size_t j = 2; j < c.argv.size(); j++) {
    if (object::ZsetDel(zobj, c.argv[j])) deleted++;
    if (DeleteIfEmpty(c, key, zobj)) {
      removed_key = true;
      break;
    }
  }
  if (deleted) {
    NotifyZset(c, "zrem", key);
    if (removed_key) NotifyDel(c, key);
    SignalModifiedKey(c, *c.db, key);
    GetState().dirty += static_cast<uint64_t>(deleted);
  }
  c.reply.Integer(deleted);
}

void ZcardCommand(Client& c) {
  Object* zobj;
  if (!LookupZsetRead(c, c.argv[1], &zobj)) return;
  c.reply.Integer(zobj ? static_cast<int64_t>(object::ZsetLength(zobj)) : 0);
}

void ZscoreCommand(Client& c) {
  Object* zobj;
  if (!LookupZsetRead(c, c.argv[1], &zobj)) return;
  double score;
  if (zobj == nullptr || !object::ZsetScore(zobj, c.argv[2], &score)) {
    c.reply.Null();
    return;
  }
  c.reply.Double(score);
}

void ZmscoreCommand(Client& c) {
  Object* zobj;
  if (!LookupZsetRead(c, c.argv[1], &zobj)) return;
  c.reply.ArrayHeader(c.argv.size() - 2);
  for (size_t j = 2; j < c.argv.size(); j++) {
    double score;
    if (zobj != nullptr && object::ZsetScore(zobj, c.argv[j], &score)) {
      c.reply.Double(score);
    } else {
      c.reply.Null();
    }
  }
}

void ZrankGeneric(Client& c, bool reverse) {
  Object* zobj;
  if (!LookupZsetRead(c, c.argv[1], &zobj)) return;
  int64_t rank = zobj ? object::ZsetRank(zobj, c.argv[2], reverse, nullptr) : -1;
  if (rank >= 0) {
    c.reply.Integer(rank);
  } else {
    c.reply.Null();
  }
}
void ZrankCommand(Client& c) { ZrankGeneric(c, false); }
void ZrevrankCommand(Client& c) { ZrankGeneric(c, true); }

void ZcountCommand(Client& c) {
  ds::ScoreRange r;
  if (!ParseScoreRange(c.argv[2], c.argv[3], &r)) {
    c.AddError(kMinMaxNotFloat);
    return;
  }
  Object* zobj;
  if (!LookupZsetRead(c, c.argv[1], &zobj)) return;
  c.reply.Integer(zobj ? static_cast<int64_t>(object::ZsetCount(zobj, r)) : 0);
}

void ZlexcountCommand(Client& c) {
  ds::LexRange r;
  if (!ParseLexRange(c.argv[2], c.argv[3], &r)) {
    c.AddError(kMinMaxNotString);
    return;
  }
  Object* zobj;
  if (!LookupZsetRead(c, c.argv[1], &zobj)) return;
  c.reply.Integer(zobj ? static_cast<int64_t>(object::ZsetLexCount(zobj, r)) : 0);
}

// ---- ZRANGE and friends ----

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Where range results go: the client, or a new zset (ZRANGESTORE).
struct RangeSink {
  Client& c;
  bool store = false;
  bool withscores = false;
  std::string_view dst;
  Object* dstobj = nullptr;
  size_t deferred = 0;
  bool have_deferred = false;

  // length < 0: unknown (deferred header).
  void Begin(int64_t length) {
    if (store) {
      dstobj = object::ZsetCreateListpack();
      return;
    }
    if (length > 0) {
      ReplyElementsHeader(c, static_cast<uint64_t>(length), withscores);
    } else {
      deferred = c.reply.DeferLen();
      have_deferred = true;
    }
  }
  void Emit(std::string_view m, double score) {
    if (store) {
      int out;
      object::ZsetAdd(dstobj, score, m, object::kZaddInNone, &out, nullptr);
      return;
    }
    ReplyElement(c, m, score, withscores);
  }
  void Finish(uint64_t count) {
    if (!store) {
      if (have_deferred) c.reply.SetDeferredArrayLen(deferred, withscores && c.resp == 2 ? count * 2 : count);
      return;
    }
    if (count) {
      StoreZset(c, dst, dstobj);
      c.reply.Integer(static_cast<int64_t>(count));
      NotifyZset(c, "zrangestore", dst);
      GetState().dirty++;
    } else {
      object::DecrRef(dstobj);
      ReplyEmptyStore(c, dst);
    }
    dstobj = nullptr;
  }
};

// Redis's zrangeGenericCommand: argv[first] is the source key, then min and
// max, then options (WITHSCORES unless storing, LIMIT, and REV / BYSCORE /
// BYLEX when the command did not fix them).
void ZrangeGeneric(Client& c, size_t first, bool store, RangeType type, Direction dir) {
  std::string_view key = c.argv[first];
  size_t minidx = first + 1, maxidx = first + 2;
  int64_t offset = 0, limit = -1;
  bool withscores = false;
  for (size_t j = first + 3; j < c.argv.size(); j++) {
    size_t left = c.argv.size() - j - 1;
    std::string_view a = c.argv[j];
    if (!store && ArgIs(a, "withscores")) {
      withscores = true;
    } else if (ArgIs(a, "limit") && left >= 2) {
      if (!GetInt64OrReply(c, c.argv[j + 1], &offset) || !GetInt64OrReply(c, c.argv[j + 2], &limit)) return;
      j += 2;
    } else if (dir == Direction::kAuto && ArgIs(a, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && ArgIs(a, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && ArgIs(a, "byscore")) {
      type = RangeType::kScore;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  if (limit != -1 && type == RangeType::kRank) {
    c.AddError(kLimitNeedsBy);
    return;
  }
  if (withscores && type == RangeType::kLex) {
    c.AddError(kWithscoresBylex);
    return;
  }
  const bool reverse = dir == Direction::kReverse;
  if (reverse && type != RangeType::kRank) std::swap(minidx, maxidx);  // given as max, min

  int64_t start = 0, end = 0;
  ds::ScoreRange sr;
  ds::LexRange lr;
  switch (type) {
    case RangeType::kScore:
      if (!ParseScoreRange(c.argv[minidx], c.argv[maxidx], &sr)) {
        c.AddError(kMinMaxNotFloat);
        return;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(c.argv[minidx], c.argv[maxidx], &lr)) {
        c.AddError(kMinMaxNotString);
        return;
      }
      break;
    default:
      if (!GetInt64OrReply(c, c.argv[minidx], &start) || !GetInt64OrReply(c, c.argv[maxidx], &end)) return;
  }

  RangeSink sink{c};
  sink.store = store;
  sink.withscores = withscores;
  if (store) sink.dst = c.argv[1];
  Object* zobj;
  if (!LookupZsetRead(c, key, &zobj)) return;
  if (zobj == nullptr) {
    if (store) {
      sink.Begin(-1);
      sink.Finish(0);
    } else {
      c.reply.ArrayHeader(0);
    }
    return;
  }
  auto emit = [&sink](std::string_view m, double s) { sink.Emit(m, s); };
  switch (type) {
    case RangeType::kScore:
      sink.Begin(-1);
      sink.Finish(object::ZsetRangeByScore(zobj, sr, reverse, offset, limit, emit));
      break;
    case RangeType::kLex:
      sink.Begin(-1);
      sink.Finish(object::ZsetRangeByLex(zobj, lr, reverse, offset, limit, emit));
      break;
    default: {
      if (!ClampRanks(static_cast<int64_t>(object::ZsetLength(zobj)), &start, &end)) {
        sink.Begin(0);
        sink.Finish(0);
        break;
      }
      sink.Begin(end - start + 1);
      object::ZsetRangeByRank(zobj, static_cast<uint64_t>(start), static_cast<uint64_t>(end), reverse, emit);
      sink.Finish(static_cast<uint64_t>(end - start + 1));
    }
  }
}

void ZrangeCommand(Client& c) { ZrangeGeneric(c, 1, false, RangeType::kAuto, Direction::kAuto); }
void ZrangestoreCommand(Client& c) { ZrangeGeneric(c, 2, true, RangeType::kAuto, Direction::kAuto); }
void ZrevrangeCommand(Client& c) { ZrangeGeneric(c, 1, false, RangeType::kRank, Direction::kReverse); }
void ZrangebyscoreCommand(Client& c) { ZrangeGeneric(c, 1, false, RangeType::kScore, Direction::kForward); }
void ZrevrangebyscoreCommand(Client& c) { ZrangeGeneric(c, 1, false, RangeType::kScore, Direction::kReverse); }
void ZrangebylexCommand(Client& c) { ZrangeGeneric(c, 1, false, RangeType::kLex, Direction::kForward); }
void ZrevrangebylexCommand(Client& c) { ZrangeGeneric(c, 1, false, RangeType::kLex, Direction::kReverse); }

// ---- ZREMRANGEBY* ----

void ZremrangeGeneric(Client& c, RangeType type) {
  std::string_view key = c.argv[1];
  int64_t start = 0, end = 0;
  ds::ScoreRange sr;
  ds::LexRange lr;
  if (type == RangeType::kRank) {
    if (!GetInt64OrReply(c, c.argv[2], &start) || !GetInt64OrReply(c, c.argv[3], &end)) return;
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(c.argv[2], c.argv[3], &sr)) {
      c.AddError(kMinMaxNotFloat);
      return;
    }
  } else if (!ParseLexRange(c.argv[2], c.argv[3], &lr)) {
    c.AddError(kMinMaxNotString);
    return;
  }
  Object* zobj;
  if (!LookupZsetWrite(c, key, &zobj)) return;
  if (zobj == nullptr) {
    c.reply.Integer(0);
    return;
  }
  uint64_t deleted;
  const char* event;
  if (type == RangeType::kRank) {
    if (!ClampRanks(static_cast<int64_t>(object::ZsetLength(zobj)), &start, &end)) {
      c.reply.Integer(0);
      return;
    }
    deleted = object::ZsetDeleteRangeByRank(zobj, static_cast<uint64_t>(start), static_cast<uint64_t>(end));
    event = "zremrangebyrank";
  } else if (type == RangeType::kScore) {
    deleted = object::ZsetDeleteRangeByScore(zobj, sr);
    event = "zremrangebyscore";
  } else {
    deleted = object::ZsetDeleteRangeByLex(zobj, lr);
    event = "zremrangebylex";
  }
  bool removed_key = DeleteIfEmpty(c, key, zobj);
  if (deleted) {
    SignalModifiedKey(c, *c.db, key);
    NotifyZset(c, event, key);
    if (removed_key) NotifyDel(c, key);
  }
  GetState().dirty += deleted;
  c.reply.Integer(static_cast<int64_t>(deleted));
}

void ZremrangebyrankCommand(Client& c) { ZremrangeGeneric(c, RangeType::kRank); }
void ZremrangebyscoreCommand(Client& c) { ZremrangeGeneric(c, RangeType::kScore); }
void ZremrangebylexCommand(Client& c) { ZremrangeGeneric(c, RangeType::kLex); }

// ---- ZPOPMIN ZPOPMAX ZMPOP (and the blocking forms' core) ----

enum class PopReply {
  kFlat,          // ZPOPMIN/ZPOPMAX: member, score, ... (RESP2, or no COUNT)
  kNested,        // ZPOPMIN/ZPOPMAX with COUNT in RESP3: [member, score] ...
  kKeyFlat,       // BZPOPMIN/BZPOPMAX: key, member, score
  kKeyAndNested,  // ZMPOP/BZMPOP: [key, [[member, score] ...]]
};

// Redis's genericZpopCommand after the key was chosen: pops up to count
// (>= 1) elements of zobj (key's value) from the low or high end, replies
// in the given shape, and does the bookkeeping: dirty per element, the
// "zpopmin"/"zpopmax" event, "del" when emptied, WATCH. Returns the number
// popped. The blocking commands call it when they serve a client.
size_t PopAndReply(Client& c, std::string_view key, Object* zobj, bool max, size_t count, PopReply shape) {
  size_t n = std::min(count, object::ZsetLength(zobj));
  switch (shape) {
    case PopReply::kFlat: c.reply.ArrayHeader(n * 2); break;
    case PopReply::kNested: c.reply.ArrayHeader(n); break;
    case PopReply::kKeyFlat:
      c.reply.ArrayHeader(n * 2 + 1);
      c.reply.Bulk(key);
      break;
    case PopReply::kKeyAndNested:
      c.reply.ArrayHeader(2);
      c.reply.Bulk(key);
      c.reply.ArrayHeader(n);
      break;
  }
  const bool nested = shape == PopReply::kNested || shape == PopReply::kKeyAndNested;
  auto emit = [&](std::string_view m, double score) {
    if (nested) c.reply.ArrayHeader(2);
    c.reply.Bulk(m);
    c.reply.Double(score);
  };
  size_t popped = object::ZsetPop(zobj, max, n, emit);
  GetState().dirty += popped;
  if (popped) NotifyZset(c, max ? "zpopmax" : "zpopmin", key);
  if (DeleteIfEmpty(c, key, zobj)) NotifyDel(c, key);
  SignalModifiedKey(c, *c.db, key);
  return popped;
}

void ZpopGeneric(Client& c, bool max) {
  if (c.argv.size() > 3) {
    c.AddSyntaxError();
    return;
  }
  int64_t count = -1;  // -1: no COUNT argument
  if (c.argv.size() == 3 && !GetPositiveInt64OrReply(c, c.argv[2], &count)) return;
  std::string_view key = c.argv[1];
  Object* zobj;
  if (!LookupZsetWrite(c, key, &zobj)) return;
  if (zobj == nullptr || count == 0) {
    c.reply.ArrayHeader(0);
    return;
  }
  PopReply shape = c.resp > 2 && count != -1 ? PopReply::kNested : PopReply::kFlat;
  PopAndReply(c, key, zobj, max, count == -1 ? 1 : static_cast<size_t>(count), shape);
}

void ZpopminCommand(Client& c) { ZpopGeneric(c, false); }
void ZpopmaxCommand(Client& c) { ZpopGeneric(c, true); }

// The arguments of ZMPOP/BZMPOP after the timeout:
// numkeys key [key ...] MIN|MAX [COUNT count].
struct ZmpopArgs {
  size_t first_key = 0;  // index in argv
  size_t numkeys = 0;
  bool max = false;
  int64_t count = 1;
};

// Parses them starting at argv[numkeys_idx]; replies with Redis's errors.
bool ParseZmpopOrReply(Client& c, size_t numkeys_idx, ZmpopArgs* a) {
  int64_t numkeys;
  if (!GetRangeInt64OrReply(c, c.argv[numkeys_idx], 1, INT64_MAX, &numkeys, kNumkeysPositive)) return false;
  // numkeys + numkeys_idx + 1 cannot overflow: numkeys is bounded by int64
  // and compared with the (small) argument count first.
  if (static_cast<uint64_t>(numkeys) >= c.argv.size() - numkeys_idx - 1) {
    c.AddSyntaxError();
    return false;
  }
  a->first_key = numkeys_idx + 1;
  a->numkeys = static_cast<size_t>(numkeys);
  size_t where_idx = a->first_key + a->numkeys;
  if (ArgIs(c.argv[where_idx], "min")) {
    a->max = false;
  } else if (ArgIs(c.argv[where_idx], "max")) {
    a->max = true;
  } else {
    c.AddSyntaxError();
    return false;
  }
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < c.argv.size(); j++) {
    bool more = j + 1 < c.argv.size();
    if (count == -1 && ArgIs(c.argv[j], "count") && more) {
      j++;
      if (!GetRangeInt64OrReply(c, c.argv[j], 1, INT64_MAX, &count, kCountPositive)) return false;
    } else {
      c.AddSyntaxError();
      return false;
    }
  }
  a->count = count == -1 ? 1 : count;
  return true;
}

// Pops from the first non-empty zset among a's keys with the
// [key, [[member, score] ...]] reply, propagated as ZPOPMIN/ZPOPMAX key
// <popped> as Redis does. Returns false with nothing replied when every key is
// absent; *failed after a WRONGTYPE reply.
bool ZmpopFirstNonEmpty(Client& c, const ZmpopArgs& a, bool* failed) {
  *failed = false;
  for (size_t k = a.first_key; k < a.first_key + a.numkeys; k++) {
    Object* zobj;
    if (!LookupZsetWrite(c, c.argv[k], &zobj)) {
      *failed = true;
      return false;
    }
    if (zobj == nullptr) continue;
    std::string key(c.argv[k]);
    // Propagated with the number actually popped, as Redis 7.0 does.
    size_t popped = PopAndReply(c, key, zobj, a.max, static_cast<size_t>(a.count), PopReply::kKeyAndNested);
    RewriteCommandForPropagation(c, {a.max ? "ZPOPMAX" : "ZPOPMIN", key, std::to_string(popped)});
    return true;
  }
  return false;
}

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
void ZmpopCommand(Client& c) {
  ZmpopArgs a;
  if (!ParseZmpopOrReply(c, 1, &a)) return;
  bool failed;
  if (!ZmpopFirstNonEmpty(c, a, &failed) && !failed) c.reply.NullArray();
}

// ---- BZPOPMIN BZPOPMAX BZMPOP ----

// The serve function of the blocking zset commands (commands/blocking.h):
// c.argv is the blocked command, key now holds a zset. Served clients are
// propagated as the non-blocking pop, as Redis 7.0 does.
bool ServeZset(Client& c, std::string_view key) {
  Object* zobj = c.db->LookupWrite(key);
  if (zobj == nullptr || zobj->GetType() != object::Type::kZset) return false;
  std::string k(key);
  if (ArgIs(c.argv[0], "bzmpop")) {
    ZmpopArgs a;
    bool parsed = ParseZmpopOrReply(c, 2, &a);  // validated when the client blocked
    TD_ASSERT(parsed);
    size_t popped = PopAndReply(c, k, zobj, a.max, static_cast<size_t>(a.count), PopReply::kKeyAndNested);
    AlsoPropagate(c, {a.max ? "ZPOPMAX" : "ZPOPMIN", k, std::to_string(popped)});
    return true;
  }
  bool max = ArgIs(c.argv[0], "bzpopmax");
  AlsoPropagate(c, {max ? "ZPOPMAX" : "ZPOPMIN", k});
  PopAndReply(c, k, zobj, max, 1, PopReply::kKeyFlat);
  return true;
}

// BZPOPMIN / BZPOPMAX key [key ...] timeout
void BzpopGeneric(Client& c, bool max) {
  int64_t deadline;
  if (!GetTimeoutOrReply(c, c.argv.back(), &deadline)) return;
  std::vector<std::string_view> keys(c.argv.begin() + 1, c.argv.end() - 1);
  for (std::string_view key : keys) {
    Object* zobj;
    if (!LookupZsetWrite(c, key, &zobj)) return;
    if (zobj == nullptr) continue;
    std::string k(key);
    PopAndReply(c, k, zobj, max, 1, PopReply::kKeyFlat);
    RewriteCommandForPropagation(c, {max ? "ZPOPMAX" : "ZPOPMIN", k});
    return;
  }
  if (MustNotBlock(c)) {
    c.reply.NullArray();
    return;
  }
  BlockForKeys(c, keys, deadline, object::Type::kZset, ServeZset);
}

void BzpopminCommand(Client& c) { BzpopGeneric(c, false); }
void BzpopmaxCommand(Client& c) { BzpopGeneric(c, true); }

// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
void BzmpopCommand(Client& c) {
  ZmpopArgs a;
  if (!ParseZmpopOrReply(c, 2, &a)) return;
  int64_t deadline;
  if (!GetTimeoutOrReply(c, c.argv[1], &deadline)) return;
  bool failed;
  if (ZmpopFirstNonEmpty(c, a, &failed) || failed) return;
  if (MustNotBlock(c)) {
    c.reply.NullArray();
    return;
  }
  std::vector<std::string_view> keys(c.argv.begin() + static_cast<long>(a.first_key),
                                     c.argv.begin() + static_cast<long>(a.first_key + a.numkeys));
  BlockForKeys(c, keys, deadline, object::Type::kZset, ServeZset);
}

// ---- ZRANDMEMBER ----

void ZrandmemberCommand(Client& c) {
  std::string_view key = c.argv[1];
  if (c.argv.size() == 2) {
    Object* zobj;
    if (!LookupZsetRead(c, key, &zobj)) return;
    if (zobj == nullptr) {
      c.reply.Null();
      return;
    }
    auto emit = [&c](std::string_view m, double) { c.reply.Bulk(m); };
    object::ZsetRandomElement(zobj, emit);
    return;
  }
  int64_t l;
  if (!GetRangeInt64OrReply(c, c.argv[2], -INT64_MAX, INT64_MAX, &l)) return;
  bool withscores = false;
  if (c.argv.size() > 4 || (c.argv.size() == 4 && !ArgIs(c.argv[3], "withscores"))) {
    c.AddSyntaxError();
    return;
  }
  if (c.argv.size() == 4) {
    withscores = true;
    // The reply would hold 2 * |count| entries.
    if (l < -INT64_MAX / 2 || l > INT64_MAX / 2) {
      c.AddError(kRandCountOutOfRange);
      return;
    }
  }
  const bool uniq = l >= 0;
  const uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  Object* zobj;
  if (!LookupZsetRead(c, key, &zobj)) return;
  if (zobj == nullptr || count == 0) {
    c.reply.ArrayHeader(0);
    return;
  }
  auto emit = [&](std::string_view m, double s) { ReplyElement(c, m, s, withscores); };
  if (!uniq || count == 1) {
    ReplyElementsHeader(c, count, withscores);
    DrawWhileReplying(c, count, [&](uint64_t n) { object::ZsetRandomWithRepetition(zobj, n, emit); });
    return;
  }
  ReplyElementsHeader(c, std::min<uint64_t>(count, object::ZsetLength(zobj)), withscores);
  object::ZsetRandomDistinct(zobj, count, emit);
}

// ---- ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD ----

// Redis's zunionInterDiffGenericCommand. numkeys_idx is 1 (ZUNION ZINTER
// ZDIFF ZINTERCARD) or 2 (the STORE forms, dst = argv[1]).
void SetOpGeneric(Client& c, bool store, size_t numkeys_idx, object::SetOp op, bool cardinality_only) {
  int64_t setnum;
  if (!GetInt64OrReply(c, c.argv[numkeys_idx], &setnum)) return;
  if (setnum < 1) {
    c.AddErrorFormat("ERR at least 1 input key is needed for '%s' command", c.cmd ? c.cmd->full_name.c_str() : "");
    return;
  }
  if (static_cast<uint64_t>(setnum) > c.argv.size() - (numkeys_idx + 1)) {
    c.AddSyntaxError();
    return;
  }
  std::vector<object::SetOpInput> inputs(static_cast<size_t>(setnum));
  size_t j = numkeys_idx + 1;
  for (auto& in : inputs) {
    Object* o = store ? c.db->LookupWrite(c.argv[j]) : c.db->LookupRead(c.argv[j]);
    j++;
    if (o == nullptr) continue;
    if (o->GetType() != object::Type::kZset && o->GetType() != object::Type::kSet) {
      c.AddError(err::kWrongType);
      return;
    }
    in.obj = o;
  }
  object::Aggregate agg = object::Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  const bool diff = op == object::SetOp::kDiff;
  while (j < c.argv.size()) {
    size_t remaining = c.argv.size() - j;
    std::string_view a = c.argv[j];
    if (!diff && !cardinality_only && remaining >= inputs.size() + 1 && ArgIs(a, "weights")) {
      j++;
      for (auto& in : inputs)
        if (!GetDoubleOrReply(c, c.argv[j++], &in.weight, kWeightNotFloat)) return;
    } else if (!diff && !cardinality_only && remaining >= 2 && ArgIs(a, "aggregate")) {
      std::string_view v = c.argv[j + 1];
      if (ArgIs(v, "sum")) {
        agg = object::Aggregate::kSum;
      } else if (ArgIs(v, "min")) {
        agg = object::Aggregate::kMin;
      } else if (ArgIs(v, "max")) {
        agg = object::Aggregate::kMax;
      } else {
        c.AddSyntaxError();
        return;
      }
      j += 2;
    } else if (!store && !cardinality_only && ArgIs(a, "withscores")) {
      j++;
      withscores = true;
    } else if (cardinality_only && remaining >= 2 && ArgIs(a, "limit")) {
      if (!GetPositiveInt64OrReply(c, c.argv[j + 1], &limit, kLimitNegative)) return;
      j += 2;
    } else {
      c.AddSyntaxError();
      return;
    }
  }

  object::SetOpResult res =
      object::ZsetSetOperation(op, std::move(inputs), agg, cardinality_only, static_cast<uint64_t>(limit));
  if (cardinality_only) {
    c.reply.Integer(static_cast<int64_t>(res.cardinality));
    return;
  }
  if (store) {
    std::string_view dst = c.argv[1];
    if (res.cardinality == 0) {
      object::DecrRef(res.zset);
      ReplyEmptyStore(c, dst);
      return;
    }
    object::ZsetConvertToListpackIfNeeded(res.zset, res.maxelelen, res.totelelen);
    StoreZset(c, dst, res.zset);
    c.reply.Integer(static_cast<int64_t>(res.cardinality));
    const char* event = op == object::SetOp::kUnion ? "zunionstore"
                        : op == object::SetOp::kInter ? "zinterstore"
                                                      : "zdiffstore";
    NotifyZset(c, event, dst);
    GetState().dirty++;
    return;
  }
  ReplyElementsHeader(c, res.cardinality, withscores);
  auto emit = [&](std::string_view m, double s) { ReplyElement(c, m, s, withscores); };
  object::ZsetForEach(res.zset, emit);
  object::DecrRef(res.zset);
}

void ZunionstoreCommand(Client& c) { SetOpGeneric(c, true, 2, object::SetOp::kUnion, false); }
void ZinterstoreCommand(Client& c) { SetOpGeneric(c, true, 2, object::SetOp::kInter, false); }
void ZdiffstoreCommand(Client& c) { SetOpGeneric(c, true, 2, object::SetOp::kDiff, false); }
void ZunionCommand(Client& c) { SetOpGeneric(c, false, 1, object::SetOp::kUnion, false); }
void ZinterCommand(Client& c) { SetOpGeneric(c, false, 1, object::SetOp::kInter, false); }
void ZdiffCommand(Client& c) { SetOpGeneric(c, false, 1, object::SetOp::kDiff, false); }
void ZintercardCommand(Client& c) { SetOpGeneric(c, false, 1, object::SetOp::kInter, true); }

// ---- ZSCAN ----

// A score as ZSCAN shows it: Redis formats the skiplist's double as a long
// double with "%.17Lg" (the same digits as "%.17g" for any double).
std::string ScanScore(double d) { return common::FormatLongDouble(d, common::LongDoubleMode::kAutoExp); }

void ZscanCommand(Client& c) {
  ScanArgs args;
  if (!ParseScanArgsOrReply(c, 2, /*allow_type=*/false, &args)) return;
  Object* zobj;
  if (!LookupZsetRead(c, c.argv[1], &zobj)) return;
  if (zobj == nullptr) {
    c.reply.ArrayHeader(2);
    c.reply.Bulk("0");
    c.reply.ArrayHeader(0);
    return;
  }
  // member, score, member, score ...
  std::vector<std::string> items;
  uint64_t cursor = 0;
  if (zobj->GetEncoding() == object::Encoding::kListpack) {
    // A listpack is returned whole, its score entries as stored.
    auto emit = [&](std::string_view m, double s) {
      items.emplace_back(m);
      items.push_back(object::ZsetListpackScoreText(s));
    };
    object::ZsetForEach(zobj, emit);
  } else {
    cursor = ScanDictBounded(*object::ZsetDict(zobj), args.cursor, args.count, [&items](const ds::DictEntry* de) {
      items.emplace_back(ds::SdsView(static_cast<ds::sds>(de->key)));
      items.push_back(ScanScore(de->v.d));
      return size_t{2};
    });
  }
  size_t kept = 0;
  for (size_t i = 0; i < items.size(); i += 2) {
    if (args.use_pattern && !common::GlobMatch(args.pattern, items[i])) continue;
    if (kept != i) {
      items[kept] = std::move(items[i]);
      items[kept + 1] = std::move(items[i + 1]);
    }
    kept += 2;
  }
  items.resize(kept);
  c.reply.ArrayHeader(2);
  c.reply.Bulk(std::to_string(cursor));
  c.reply.ArrayHeader(items.size());
  for (const std::string& s : items) c.reply.Bulk(s);
}

}  // namespace

// SORT over a zset: its native order is by score (BY nosort keeps it).
size_t ZsetSortLength(const Object* o) { return object::ZsetLength(o); }

void ZsetSortLoad(const Object* o, size_t start, size_t count, bool reverse, std::vector<std::string>* out) {
  if (count == 0) return;
  auto emit = [out](std::string_view member, double) { out->emplace_back(member); };
  object::ZsetRangeByRank(o, start, start + count - 1, reverse, emit);
}

void RegisterZsetCommands(Registry& r) {
  RegisterSortSource(object::Type::kZset, {ZsetSortLength, ZsetSortLoad, /*ordered=*/true});
  const uint32_t kReadFast = kCatRead | kCatSortedSet | kCatFast;
  const uint32_t kReadSlow = kCatRead | kCatSortedSet | kCatSlow;
  const uint32_t kWriteFast = kCatWrite | kCatSortedSet | kCatFast;
  const uint32_t kWriteSlow = kCatWrite | kCatSortedSet | kCatSlow;
  const char* g = "sorted-set";
  r.Add({"zadd", -4, kWrite | kDenyOom | kFast, 1, 1, 1, ZaddCommand, g,
         "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", kWriteFast});
  r.Add({"zincrby", 4, kWrite | kDenyOom | kFast, 1, 1, 1, ZincrbyCommand, g,
         "Increment the score of a member in a sorted set", "1.2.0", kWriteFast});
  r.Add({"zrem", -3, kWrite | kFast, 1, 1, 1, ZremCommand, g, "Remove one or more members from a sorted set",
         "1.2.0", kWriteFast});
  r.Add({"zcard", 2, kReadonly | kFast, 1, 1, 1, ZcardCommand, g, "Get the number of members in a sorted set",
         "1.2.0", kReadFast});
  r.Add({"zcount", 4, kReadonly | kFast, 1, 1, 1, ZcountCommand, g,
         "Count the members in a sorted set with scores within the given values", "2.0.0", kReadFast});
  r.Add({"zlexcount", 4, kReadonly | kFast, 1, 1, 1, ZlexcountCommand, g,
         "Count the number of members in a sorted set between a given lexicographical range", "2.8.9", kReadFast});
  r.Add({"zscore", 3, kReadonly | kFast, 1, 1, 1, ZscoreCommand, g,
         "Get the score associated with the given member in a sorted set", "1.2.0", kReadFast});
  r.Add({"zmscore", -3, kReadonly | kFast, 1, 1, 1, ZmscoreCommand, g,
         "Get the score associated with the given members in a sorted set", "6.2.0", kReadFast});
  r.Add({"zrank", 3, kReadonly | kFast, 1, 1, 1, ZrankCommand, g, "Determine the index of a member in a sorted set",
         "2.0.0", kReadFast});
  r.Add({"zrevrank", 3, kReadonly | kFast, 1, 1, 1, ZrevrankCommand, g,
         "Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0",
         kReadFast});
  r.Add({"zrange", -4, kReadonly, 1, 1, 1, ZrangeCommand, g, "Return a range of members in a sorted set", "1.2.0",
         kReadSlow});
  r.Add({"zrangestore", -5, kWrite | kDenyOom, 1, 2, 1, ZrangestoreCommand, g,
         "Store a range of members from sorted set into another key", "6.2.0", kWriteSlow});
  r.Add({"zrangebyscore", -4, kReadonly, 1, 1, 1, ZrangebyscoreCommand, g,
         "Return a range of members in a sorted set, by score", "1.0.5", kReadSlow});
  r.Add({"zrevrangebyscore", -4, kReadonly, 1, 1, 1, ZrevrangebyscoreCommand, g,
         "Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0",
         kReadSlow});
  r.Add({"zrangebylex", -4, kReadonly, 1, 1, 1, ZrangebylexCommand, g,
         "Return a range of members in a sorted set, by lexicographical range", "2.8.9", kReadSlow});
  r.Add({"zrevrangebylex", -4, kReadonly, 1, 1, 1, ZrevrangebylexCommand, g,
         "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower "
         "strings.",
         "2.8.9", kReadSlow});
  r.Add({"zrevrange", -4, kReadonly, 1, 1, 1, ZrevrangeCommand, g,
         "Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0",
         kReadSlow});
  r.Add({"zremrangebyrank", 4, kWrite, 1, 1, 1, ZremrangebyrankCommand, g,
         "Remove all members in a sorted set within the given indexes", "2.0.0", kWriteSlow});
  r.Add({"zremrangebyscore", 4, kWrite, 1, 1, 1, ZremrangebyscoreCommand, g,
         "Remove all members in a sorted set within the given scores", "1.2.0", kWriteSlow});
  r.Add({"zremrangebylex", 4, kWrite, 1, 1, 1, ZremrangebylexCommand, g,
         "Remove all members in a sorted set between the given lexicographical range", "2.8.9", kWriteSlow});
  r.Add({"zpopmin", -2, kWrite | kFast, 1, 1, 1, ZpopminCommand, g,
         "Remove and return members with the lowest scores in a sorted set", "5.0.0", kWriteFast});
  r.Add({"zpopmax", -2, kWrite | kFast, 1, 1, 1, ZpopmaxCommand, g,
         "Remove and return members with the highest scores in a sorted set", "5.0.0", kWriteFast});
  r.Add({"bzpopmin", -3, kWrite | kNoScript | kBlocking | kFast, 1, -2, 1, BzpopminCommand, g,
         "Remove and return the member with the lowest score from one or more sorted sets, or block until one "
         "is available", "5.0.0", kWriteFast | kCatBlocking});
  r.Add({"bzpopmax", -3, kWrite | kNoScript | kBlocking | kFast, 1, -2, 1, BzpopmaxCommand, g,
         "Remove and return the member with the highest score from one or more sorted sets, or block until one "
         "is available", "5.0.0", kWriteFast | kCatBlocking});
  // Key specs of the commands whose keys follow a count (Redis 7.0's).
  const KeySpec kPopped = KeynumKeys(kKeyRW | kKeyAccess | kKeyDelete, 1);          // numkeys key...
  const KeySpec kBlockPopped = KeynumKeys(kKeyRW | kKeyAccess | kKeyDelete, 2);     // timeout numkeys key...
  const KeySpec kSources = KeynumKeys(kKeyRO | kKeyAccess, 1);                      // numkeys key...
  const std::vector<KeySpec> kStoreSpecs = {RangeKeys(kKeyOW | kKeyUpdate, 1),      // destination
                                            KeynumKeys(kKeyRO | kKeyAccess, 2)};    // numkeys key...
  r.Add({"bzmpop", -5, kWrite | kBlocking | kMovableKeys, 0, 0, 0, BzmpopCommand, g,
         "Remove and return members with scores in a sorted set or block until one is available", "7.0.0",
         kWriteSlow | kCatBlocking}).key_specs = {kBlockPopped};
  r.Add({"zmpop", -4, kWrite | kMovableKeys, 0, 0, 0, ZmpopCommand, g,
         "Remove and return members with scores in a sorted set", "7.0.0", kWriteSlow}).key_specs = {kPopped};
  r.Add({"zrandmember", -2, kReadonly, 1, 1, 1, ZrandmemberCommand, g,
         "Get one or multiple random elements from a sorted set", "6.2.0", kReadSlow});
  r.Add({"zunion", -3, kReadonly | kMovableKeys, 0, 0, 0, ZunionCommand, g, "Add multiple sorted sets", "6.2.0",
         kReadSlow}).key_specs = {kSources};
  r.Add({"zinter", -3, kReadonly | kMovableKeys, 0, 0, 0, ZinterCommand, g, "Intersect multiple sorted sets",
         "6.2.0", kReadSlow}).key_specs = {kSources};
  r.Add({"zdiff", -3, kReadonly | kMovableKeys, 0, 0, 0, ZdiffCommand, g, "Subtract multiple sorted sets", "6.2.0",
         kReadSlow}).key_specs = {kSources};
  r.Add({"zunionstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, ZunionstoreCommand, g,
         "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", kWriteSlow})
      .key_specs = kStoreSpecs;
  r.Add({"zinterstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, ZinterstoreCommand, g,
         "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", kWriteSlow})
      .key_specs = kStoreSpecs;
  r.Add({"zdiffstore", -4, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, ZdiffstoreCommand, g,
         "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0", kWriteSlow})
      .key_specs = kStoreSpecs;
  r.Add({"zintercard", -3, kReadonly | kMovableKeys, 0, 0, 0, ZintercardCommand, g,
         "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", kReadSlow})
      .key_specs = {kSources};
  r.Add({"zscan", -3, kReadonly, 1, 1, 1, ZscanCommand, g, "Incrementally iterate sorted sets elements and associated scores",
         "2.8.0", kReadSlow});
}

}  // namespace commands
