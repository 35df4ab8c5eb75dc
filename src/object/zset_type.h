// The sorted set type: Redis 7.0's two encodings and every operation the
// zset commands need, with no knowledge of clients or replies.
//
//   kListpack  one listpack of member,score pairs sorted by (score, member
//              bytes). Scores are stored as Redis stores them (zzlInsertAt
//              with d2string): an integral double within +-2^62 becomes
//              the integer (-0.0 included: it becomes 0), anything else the
//              "%.17g" text ("inf", "0.10000000000000001"), which the
//              listpack keeps as a string.
//              The blob is a payload: placement decides its tier.
//   kSkiplist  a Zset: ds::Skiplist ordered by (score, member) plus a
//              ds::Dict member -> score (the double in the entry's value).
//              Both share one member sds per element, a payload
//              (ds::SdsUse::kPayload) owned by the skiplist; skiplist nodes,
//              dict tables and entries and the Zset struct are DRAM.
//
// Encoding changes follow Redis 7.0 exactly:
//  - ZsetAdd converts listpack -> skiplist *before* inserting a new member
//    when the listpack would exceed zset-max-listpack-entries or the member
//    is longer than zset-max-listpack-value (or the blob would pass the
//    listpack safety limit);
//  - ZsetConvertToListpackIfNeeded converts back (store commands of the
//    union/inter/diff family, RDB loading);
//  - nothing else converts back: deleting members keeps a skiplist.
//
// Scores are never NaN (ZsetAdd refuses and reports it). Members are binary
// safe. Every function taking an Object* REQUIRES o->type == kZset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ds/dict.h"
#include "ds/skiplist.h"
#include "object/object.h"

namespace object {

// The skiplist encoding's representation (o->ptr).
struct Zset {
  Zset();
  ds::Dict dict;  // member sds (shared with zsl) -> score in v.d
  ds::Skiplist zsl;
};

// A callable taking (member, score), passed without allocation. The member
// view is valid only during the call (it may point into a listpack or a
// stack buffer holding an integer's digits).
class ElementSink {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, ElementSink>>>
  ElementSink(F& f)  // NOLINT: implicit on purpose, callers pass lambdas
      : fn_([](void* c, std::string_view m, double s) { (*static_cast<F*>(c))(m, s); }), ctx_(&f) {}
  void operator()(std::string_view m, double s) const { fn_(ctx_, m, s); }

 private:
  void (*fn_)(void*, std::string_view, double);
  void* ctx_;
};

// ---- creation, length, conversion ----

// An empty listpack-encoded zset.
Object* ZsetCreateListpack();
// An empty skiplist-encoded zset whose dict is sized for size_hint members.
Object* ZsetCreateSkiplist(size_t size_hint = 0);
size_t ZsetLength(const Object* o);
// Converts to enc (kListpack or kSkiplist); no-op if already there. The
// caller is responsible for the listpack fitting (ConvertToListpackIfNeeded
// checks it).
void ZsetConvert(Object* o, Encoding enc);
// Redis's zsetConvertToListpackIfNeeded: a skiplist becomes a listpack when
// it has at most zset-max-listpack-entries members, the longest is at most
// zset-max-listpack-value bytes and totelelen bytes fit in a listpack.
void ZsetConvertToListpackIfNeeded(Object* o, size_t maxelelen, size_t totelelen);

// ---- single members ----

// Redis's ZADD_IN_* flags (combinable) and ZADD_OUT_* results.
enum ZaddFlag : int {
  kZaddInNone = 0,
  kZaddInIncr = 1 << 0,
  kZaddInNx = 1 << 1,
  kZaddInXx = 1 << 2,
  kZaddInGt = 1 << 3,
  kZaddInLt = 1 << 4,
};
enum ZaddResult : int {
  kZaddOutNan = 1 << 0,      // the resulting score would be NaN: nothing done
  kZaddOutAdded = 1 << 1,    // a new member
  kZaddOutUpdated = 1 << 2,  // an existing member's score changed
  kZaddOutNop = 1 << 3,      // NX/XX/GT/LT said no
};
// Redis's zsetAdd: adds or updates member with score under the in_flags
// rules; *out_flags receives the ZaddResult bits. With kZaddInIncr the new
// score is old + score (old = 0 for a new member). *newscore (if not null)
// receives the member's score after the call when it was added or updated
// or matched without change. Returns false only for NaN (input or result),
// with kZaddOutNan set. May convert listpack -> skiplist.
bool ZsetAdd(Object* o, double score, std::string_view member, int in_flags, int* out_flags, double* newscore);
// Removes member; false if absent. Never converts; the caller deletes an
// emptied key.
bool ZsetDel(Object* o, std::string_view member);
// The score of member; false if absent.
bool ZsetScore(const Object* o, std::string_view member, double* score);
// 0-based rank of member (from the highest score when reverse), -1 if
// absent; *score (if not null) receives its score.
int64_t ZsetRank(const Object* o, std::string_view member, bool reverse, double* score);

// ---- ranges ----

// Elements of ranks [start, end] (0-based, inclusive, counted from the
// highest score when reverse; REQUIRES 0 <= start <= end < length), in
// that order.
void ZsetRangeByRank(const Object* o, uint64_t start, uint64_t end, bool reverse, ElementSink emit);
// Elements with score in r, lowest first (highest first when reverse),
// skipping `offset` of them and emitting at most `limit` (< 0: no limit).
// Redis's genericZrangebyscoreCommand rules: a negative offset, or one at
// or past the length, emits nothing. Returns the number emitted.
uint64_t ZsetRangeByScore(const Object* o, const ds::ScoreRange& r, bool reverse, int64_t offset, int64_t limit,
                          ElementSink emit);
uint64_t ZsetRangeByLex(const Object* o, const ds::LexRange& r, bool reverse, int64_t offset, int64_t limit,
                        ElementSink emit);
uint64_t ZsetCount(const Object* o, const ds::ScoreRange& r);
uint64_t ZsetLexCount(const Object* o, const ds::LexRange& r);
// Deletions; ranks 0-based inclusive (REQUIRES 0 <= start <= end < length).
// Return the number removed. Never convert.
uint64_t ZsetDeleteRangeByRank(Object* o, uint64_t start, uint64_t end);
uint64_t ZsetDeleteRangeByScore(Object* o, const ds::ScoreRange& r);
uint64_t ZsetDeleteRangeByLex(Object* o, const ds::LexRange& r);
// Every element in order.
void ZsetForEach(const Object* o, ElementSink emit);

// Removes up to count elements from the low (max = false) or high end and
// passes each to emit before removing it, in pop order. Returns the number
// popped. The shared core of ZPOPMIN/ZPOPMAX/ZMPOP and their blocking forms.
size_t ZsetPop(Object* o, bool max, size_t count, ElementSink emit);

// ---- random members (ZRANDMEMBER) ----

// One element chosen uniformly. REQUIRES: not empty.
void ZsetRandomElement(const Object* o, ElementSink emit);
// `count` elements chosen with repetition (negative ZRANDMEMBER counts).
void ZsetRandomWithRepetition(const Object* o, uint64_t count, ElementSink emit);
// min(count, length) distinct elements; when count >= length, every element
// from the highest score down (as Redis), otherwise a random subset in
// unspecified order.
void ZsetRandomDistinct(const Object* o, uint64_t count, ElementSink emit);

// ---- union / intersection / difference ----

// Plain sets (object/set_type.h) are valid inputs of ZUNION/ZINTER/ZDIFF:
// every member counts with score 1.
enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };
struct SetOpInput {
  const Object* obj = nullptr;  // zset, set, or nullptr for a missing key
  double weight = 1;
};
struct SetOpResult {
  Object* zset = nullptr;  // skiplist-encoded result (nullptr when cardinality_only)
  uint64_t cardinality = 0;
  size_t maxelelen = 0, totelelen = 0;
};
// Redis's zunionInterDiffGenericCommand core: inputs are ordered by size
// (ascending) for union and intersection, weights multiply scores (a NaN
// product counts 0), SUM turns inf + -inf into 0. cardinality_only
// (ZINTERCARD, kInter only) counts up to `limit` (0: no limit) without
// building a result. The result zset is owned by the caller.
SetOpResult ZsetSetOperation(SetOp op, std::vector<SetOpInput> inputs, Aggregate agg, bool cardinality_only,
                             uint64_t limit);
// Length of an input as the set operations see it (0 for a missing key).
size_t SetOpInputLength(const Object* o);

// ---- access for commands that walk the encodings (ZSCAN) ----

// The member dict of a skiplist-encoded zset.
ds::Dict* ZsetDict(Object* o);
// A deep copy with the same encoding (COPY).
Object* ZsetDup(const Object* o);
// Checks the encoding's invariants (sortedness, dict/skiplist agreement,
// no NaN, listpack shape). For tests.
bool ZsetVerify(const Object* o);

// Score helpers shared with RDB: the listpack score text of a double (Redis
// d2string) and the score of a listpack score entry.
double ZsetListpackScore(const unsigned char* sptr);
// The text a listpack stores for score (integers as their digits): what
// ZSCAN shows for a listpack-encoded zset.
std::string ZsetListpackScoreText(double score);

}  // namespace object
