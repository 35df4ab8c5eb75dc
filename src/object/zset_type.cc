// The sorted set type: see zset_type.h for the encodings and when they
// change. The listpack half follows Redis's zzl* functions (linear walks over
// member,score pairs: a listpack zset is small by construction), the
// skiplist half its zset/zsl functions.
#include "object/zset_type.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <unordered_set>

#include "alloc/zmalloc.h"
#include "common/macros.h"
#include "common/util.h"
#include "ds/listpack.h"
#include "ds/sds.h"
#include "object/set_type.h"

namespace object {
namespace {

using ds::LexRange;
using ds::ScoreRange;
using ds::SkiplistNode;

// The zset dict: sds keys shared with the skiplist, which owns and frees
// them; the value is the score itself (v.d).
const ds::DictType kZsetDictType = {ds::DictSdsHash, ds::DictSdsKeyEqual, nullptr, nullptr};

// A temporary sds holding a member for dict lookups: on the stack when
// short, else a DRAM sds freed on scope exit.
class TmpSds {
 public:
  explicit TmpSds(std::string_view s) {
    if (ds::SdsEmbeddedSize(s.size()) <= sizeof(buf_)) {
      s_ = ds::SdsInitEmbedded(buf_, s.data(), s.size());
    } else {
      s_ = ds::SdsNewLen(s.data(), s.size(), ds::SdsUse::kMeta);
      heap_ = true;
    }
  }
  ~TmpSds() {
    if (heap_) ds::SdsFree(s_);
  }
  TmpSds(const TmpSds&) = delete;
  TmpSds& operator=(const TmpSds&) = delete;
  ds::sds get() const { return s_; }

 private:
  // Room for members up to ~250 bytes without a heap allocation.
  char buf_[256];
  ds::sds s_;
  bool heap_ = false;
};

inline Zset* Z(Object* o) { return static_cast<Zset*>(o->ptr); }
inline const Zset* Z(const Object* o) { return static_cast<const Zset*>(o->ptr); }
inline unsigned char* Lp(const Object* o) { return static_cast<unsigned char*>(o->ptr); }
inline bool IsListpack(const Object* o) { return o->GetEncoding() == Encoding::kListpack; }

// ---- listpack scores ----------------------------------------------------------

// Room for a score's text: "%.17g" of a double is at most 24 characters
// ("-2.2250738585072014e-308").
constexpr size_t kScoreBufSize = 32;
// Redis 7.0's d2string prints an integral double as an integer when it lies
// within +-LLONG_MAX/2 (its double2ll check: 2^62 as a double), so such
// scores become listpack integers; -0.0 becomes 0 too (a listpack zset
// loses the sign of zero, as in Redis). Other values are "%.17g" text.
constexpr double kIntWindow = static_cast<double>(INT64_MAX / 2);

std::string_view ScoreText(double v, char* buf) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v >= -kIntWindow && v <= kIntWindow && v == static_cast<double>(static_cast<long long>(v)))
    return std::string_view(buf, common::Int64ToChars(static_cast<long long>(v), buf));
  int n = snprintf(buf, kScoreBufSize, "%.17g", v);
  return std::string_view(buf, static_cast<size_t>(n));
}

// Redis's zzlStrtod copies at most 127 bytes before strtod.
constexpr size_t kScoreParseMax = 128;

double LpScore(const unsigned char* sptr) {
  ds::LpValue v = ds::LpGet(sptr);
  if (v.is_int) return static_cast<double>(v.ival);
  char buf[kScoreParseMax];
  size_t n = std::min(v.sval.size(), sizeof(buf) - 1);
  memcpy(buf, v.sval.data(), n);
  buf[n] = '\0';
  return strtod(buf, nullptr);
}

inline std::string_view LpMember(const unsigned char* eptr, char* buf) { return ds::LpGetView(eptr, buf); }

// Advance a (member, score) pair forward or backward; both become nullptr
// past the end.
void LpNextPair(const unsigned char* lp, unsigned char** eptr, unsigned char** sptr) {
  *eptr = ds::LpNext(lp, *sptr);
  *sptr = *eptr ? ds::LpNext(lp, *eptr) : nullptr;
}
void LpPrevPair(const unsigned char* lp, unsigned char** eptr, unsigned char** sptr) {
  *sptr = ds::LpPrev(lp, *eptr);
  *eptr = *sptr ? ds::LpPrev(lp, *sptr) : nullptr;
}

size_t LpPairs(const unsigned char* lp) { return ds::LpLength(lp) / 2; }

// zzlInsertAt: member then score, before eptr (or at the end).
unsigned char* LpInsertAt(unsigned char* lp, unsigned char* eptr, std::string_view member, double score) {
  char buf[kScoreBufSize];
  std::string_view s = ScoreText(score, buf);
  if (eptr == nullptr) {
    lp = ds::LpAppend(lp, member);
    return ds::LpAppend(lp, s);
  }
  unsigned char* newp = nullptr;
  lp = ds::LpInsertString(lp, member, eptr, ds::LpWhere::kBefore, &newp);
  return ds::LpInsertString(lp, s, newp, ds::LpWhere::kAfter, nullptr);
}

// zzlInsert: at its place in (score, member) order.
unsigned char* LpInsert(unsigned char* lp, std::string_view member, double score) {
  char buf[ds::kLpIntBufSize];
  for (unsigned char* eptr = ds::LpFirst(lp); eptr != nullptr;) {
    unsigned char* sptr = ds::LpNext(lp, eptr);
    double s = LpScore(sptr);
    if (s > score || (s == score && ds::CompareMembers(LpMember(eptr, buf), member) > 0))
      return LpInsertAt(lp, eptr, member, score);
    eptr = ds::LpNext(lp, sptr);
  }
  return LpInsertAt(lp, nullptr, member, score);
}

// zzlFind: the member's entry (and score), or nullptr.
unsigned char* LpFindMember(const unsigned char* lp, std::string_view member, double* score) {
  unsigned char* eptr = ds::LpFirst(lp);
  if (eptr == nullptr) return nullptr;
  eptr = ds::LpFind(lp, eptr, member, 1);
  if (eptr != nullptr && score != nullptr) *score = LpScore(ds::LpNext(lp, eptr));
  return eptr;
}

unsigned char* LpDeletePair(unsigned char* lp, unsigned char** eptr) {
  return ds::LpDeleteRangeWithEntry(lp, eptr, 2);
}

// ---- listpack ranges ------------------------------------------------------------

bool LpInScoreRange(const unsigned char* lp, const ScoreRange& r) {
  if (ds::ScoreRangeEmpty(r)) return false;
  unsigned char* last = ds::LpSeek(lp, -1);
  if (last == nullptr || !ds::ScoreGteMin(LpScore(last), r)) return false;
  return ds::ScoreLteMax(LpScore(ds::LpSeek(lp, 1)), r);
}

unsigned char* LpFirstInRange(const unsigned char* lp, const ScoreRange& r) {
  if (!LpInScoreRange(lp, r)) return nullptr;
  for (unsigned char* eptr = ds::LpFirst(lp); eptr != nullptr;) {
    unsigned char* sptr = ds::LpNext(lp, eptr);
    double s = LpScore(sptr);
    if (ds::ScoreGteMin(s, r)) return ds::ScoreLteMax(s, r) ? eptr : nullptr;
    eptr = ds::LpNext(lp, sptr);
  }
  return nullptr;
}

unsigned char* LpLastInRange(const unsigned char* lp, const ScoreRange& r) {
  if (!LpInScoreRange(lp, r)) return nullptr;
  for (unsigned char* eptr = ds::LpSeek(lp, -2); eptr != nullptr;) {
    double s = LpScore(ds::LpNext(lp, eptr));
    if (ds::ScoreLteMax(s, r)) return ds::ScoreGteMin(s, r) ? eptr : nullptr;
    unsigned char* sptr = ds::LpPrev(lp, eptr);
    eptr = sptr ? ds::LpPrev(lp, sptr) : nullptr;
  }
  return nullptr;
}

bool LpInLexRange(const unsigned char* lp, const LexRange& r) {
  if (ds::LexRangeEmpty(r)) return false;
  char buf[ds::kLpIntBufSize];
  unsigned char* last = ds::LpSeek(lp, -2);
  if (last == nullptr || !ds::LexGteMin(LpMember(last, buf), r)) return false;
  return ds::LexLteMax(LpMember(ds::LpSeek(lp, 0), buf), r);
}

unsigned char* LpFirstInLexRange(const unsigned char* lp, const LexRange& r) {
  if (!LpInLexRange(lp, r)) return nullptr;
  char buf[ds::kLpIntBufSize];
  for (unsigned char* eptr = ds::LpFirst(lp); eptr != nullptr;) {
    std::string_view m = LpMember(eptr, buf);
    if (ds::LexGteMin(m, r)) return ds::LexLteMax(m, r) ? eptr : nullptr;
    eptr = ds::LpNext(lp, ds::LpNext(lp, eptr));
  }
  return nullptr;
}

unsigned char* LpLastInLexRange(const unsigned char* lp, const LexRange& r) {
  if (!LpInLexRange(lp, r)) return nullptr;
  char buf[ds::kLpIntBufSize];
  for (unsigned char* eptr = ds::LpSeek(lp, -2); eptr != nullptr;) {
    std::string_view m = LpMember(eptr, buf);
    if (ds::LexLteMax(m, r)) return ds::LexGteMin(m, r) ? eptr : nullptr;
    unsigned char* sptr = ds::LpPrev(lp, eptr);
    eptr = sptr ? ds::LpPrev(lp, sptr) : nullptr;
  }
  return nullptr;
}

// ---- skiplist helpers -------------------------------------------------------------

// Adds a new member (REQUIRES: absent) to a skiplist zset, taking ownership
// of ele.
void SkiplistAdd(Zset* zs, double score, ds::sds ele) {
  zs->zsl.Insert(score, ele);
  ds::DictEntry* e = zs->dict.AddRaw(ele, nullptr);
  TD_ASSERT(e != nullptr);
  e->v.d = score;
}

ds::sds NewMember(std::string_view m) { return ds::SdsNewLen(m.data(), m.size(), ds::SdsUse::kPayload); }

// zsetRemoveFromSkiplist: the dict entry goes first (the sds it shares with
// the node is freed with the node).
bool SkiplistRemove(Zset* zs, std::string_view member) {
  TmpSds key(member);
  ds::DictEntry* e = zs->dict.Unlink(key.get());
  if (e == nullptr) return false;
  double score = e->v.d;
  zs->dict.FreeUnlinked(e);
  bool ok = zs->zsl.Delete(score, member, nullptr);
  TD_ASSERT(ok);
  return true;
}

void DropFromDict(void* ctx, SkiplistNode* n) {
  bool ok = static_cast<ds::Dict*>(ctx)->Delete(n->ele);
  TD_ASSERT(ok);
}

void FreeZset(Zset* zs) {
  zs->~Zset();
  alloc::Free(zs);
}

Zset* NewZset(size_t size_hint) {
  auto* zs = new (alloc::Meta(sizeof(Zset))) Zset();
  if (size_hint > 0) zs->dict.Expand(size_hint);
  return zs;
}

}  // namespace

Zset::Zset() : dict(&kZsetDictType) {}

double ZsetListpackScore(const unsigned char* sptr) { return LpScore(sptr); }

std::string ZsetListpackScoreText(double score) {
  char buf[kScoreBufSize];
  return std::string(ScoreText(score, buf));
}

// ---- creation, length, conversion ---------------------------------------------------

Object* ZsetCreateListpack() { return Create(Type::kZset, Encoding::kListpack, ds::LpNew(0)); }

Object* ZsetCreateSkiplist(size_t size_hint) { return Create(Type::kZset, Encoding::kSkiplist, NewZset(size_hint)); }

size_t ZsetLength(const Object* o) { return IsListpack(o) ? LpPairs(Lp(o)) : Z(o)->zsl.length(); }

namespace {
void ConvertToSkiplist(Object* o, size_t cap) {
  unsigned char* lp = Lp(o);
  Zset* zs = NewZset(cap);
  char buf[ds::kLpIntBufSize];
  for (unsigned char* eptr = ds::LpFirst(lp); eptr != nullptr;) {
    unsigned char* sptr = ds::LpNext(lp, eptr);
    SkiplistAdd(zs, LpScore(sptr), NewMember(LpMember(eptr, buf)));
    eptr = ds::LpNext(lp, sptr);
  }
  ds::LpFree(lp);
  o->ptr = zs;
  o->encoding = static_cast<unsigned>(Encoding::kSkiplist);
}
}  // namespace

void ZsetConvert(Object* o, Encoding enc) {
  if (o->GetEncoding() == enc) return;
  if (enc == Encoding::kSkiplist) {
    ConvertToSkiplist(o, ZsetLength(o));
    return;
  }
  TD_ASSERT(enc == Encoding::kListpack);
  Zset* zs = Z(o);
  unsigned char* lp = ds::LpNew(0);
  for (SkiplistNode* n = zs->zsl.first(); n != nullptr; n = ds::Skiplist::Next(n))
    lp = LpInsertAt(lp, nullptr, ds::SdsView(n->ele), n->score);
  FreeZset(zs);
  o->ptr = lp;
  o->encoding = static_cast<unsigned>(Encoding::kListpack);
}

void ZsetConvertToListpackIfNeeded(Object* o, size_t maxelelen, size_t totelelen) {
  if (IsListpack(o)) return;
  const Settings& st = GetSettings();
  if (Z(o)->zsl.length() <= st.zset_max_listpack_entries && maxelelen <= st.zset_max_listpack_value &&
      ds::LpSafeToAdd(nullptr, totelelen))
    ZsetConvert(o, Encoding::kListpack);
}

// ---- single members -------------------------------------------------------------------

bool ZsetAdd(Object* o, double score, std::string_view member, int in_flags, int* out_flags, double* newscore) {
  const bool incr = in_flags & kZaddInIncr, nx = in_flags & kZaddInNx, xx = in_flags & kZaddInXx;
  const bool gt = in_flags & kZaddInGt, lt = in_flags & kZaddInLt;
  *out_flags = 0;
  if (std::isnan(score)) {
    *out_flags = kZaddOutNan;
    return false;
  }
  // An existing member: the same rules for both encodings. Returns whether
  // the caller must change the score (then `score` holds the new one).
  auto existing = [&](double curscore, bool* ok) {
    *ok = true;
    if (nx) {
      *out_flags |= kZaddOutNop;
      return false;
    }
    if (incr) {
      score += curscore;
      if (std::isnan(score)) {
        *out_flags |= kZaddOutNan;
        *ok = false;
        return false;
      }
    }
    if ((lt && score >= curscore) || (gt && score <= curscore)) {
      *out_flags |= kZaddOutNop;
      return false;
    }
    if (newscore) *newscore = score;
    if (score == curscore) return false;
    *out_flags |= kZaddOutUpdated;
    return true;
  };

  if (IsListpack(o)) {
    double curscore;
    unsigned char* eptr = LpFindMember(Lp(o), member, &curscore);
    if (eptr != nullptr) {
      bool ok;
      if (existing(curscore, &ok)) {
        unsigned char* lp = LpDeletePair(Lp(o), &eptr);
        o->ptr = LpInsert(lp, member, score);
      }
      return ok;
    }
    if (xx) {
      *out_flags |= kZaddOutNop;
      return true;
    }
    const Settings& st = GetSettings();
    if (LpPairs(Lp(o)) + 1 > st.zset_max_listpack_entries || member.size() > st.zset_max_listpack_value ||
        !ds::LpSafeToAdd(Lp(o), member.size())) {
      ConvertToSkiplist(o, ZsetLength(o) + 1);
    } else {
      o->ptr = LpInsert(Lp(o), member, score);
      if (newscore) *newscore = score;
      *out_flags |= kZaddOutAdded;
      return true;
    }
  }

  Zset* zs = Z(o);
  TmpSds key(member);
  ds::DictEntry* de = zs->dict.Find(key.get());
  if (de != nullptr) {
    bool ok;
    double curscore = de->v.d;
    if (existing(curscore, &ok)) {
      zs->zsl.UpdateScore(curscore, member, score);
      de->v.d = score;
    }
    return ok;
  }
  if (xx) {
    *out_flags |= kZaddOutNop;
    return true;
  }
  SkiplistAdd(zs, score, NewMember(member));
  *out_flags |= kZaddOutAdded;
  if (newscore) *newscore = score;
  return true;
}

bool ZsetDel(Object* o, std::string_view member) {
  if (IsListpack(o)) {
    unsigned char* eptr = LpFindMember(Lp(o), member, nullptr);
    if (eptr == nullptr) return false;
    o->ptr = LpDeletePair(Lp(o), &eptr);
    return true;
  }
  if (!SkiplistRemove(Z(o), member)) return false;
  Z(o)->dict.ShrinkIfNeeded();
  return true;
}

bool ZsetScore(const Object* o, std::string_view member, double* score) {
  if (IsListpack(o)) return LpFindMember(Lp(o), member, score) != nullptr;
  TmpSds key(member);
  ds::DictEntry* de = const_cast<Zset*>(Z(o))->dict.Find(key.get());
  if (de == nullptr) return false;
  *score = de->v.d;
  return true;
}

int64_t ZsetRank(const Object* o, std::string_view member, bool reverse, double* score) {
  const int64_t len = static_cast<int64_t>(ZsetLength(o));
  if (IsListpack(o)) {
    const unsigned char* lp = Lp(o);
    int64_t rank = 0;
    for (unsigned char* eptr = ds::LpFirst(lp); eptr != nullptr; rank++) {
      unsigned char* sptr = ds::LpNext(lp, eptr);
      if (ds::LpCompare(eptr, member)) {
        if (score) *score = LpScore(sptr);
        return reverse ? len - rank - 1 : rank;
      }
      eptr = ds::LpNext(lp, sptr);
    }
    return -1;
  }
  double s;
  if (!ZsetScore(o, member, &s)) return -1;
  int64_t rank = static_cast<int64_t>(Z(o)->zsl.Rank(s, member));
  TD_ASSERT(rank != 0);
  if (score) *score = s;
  return reverse ? len - rank : rank - 1;
}

// ---- ranges ---------------------------------------------------------------------------

void ZsetRangeByRank(const Object* o, uint64_t start, uint64_t end, bool reverse, ElementSink emit) {
  uint64_t n = end - start + 1;
  if (IsListpack(o)) {
    const unsigned char* lp = Lp(o);
    long idx = reverse ? -2 - 2 * static_cast<long>(start) : 2 * static_cast<long>(start);
    unsigned char* eptr = ds::LpSeek(lp, idx);
    unsigned char* sptr = eptr ? ds::LpNext(lp, eptr) : nullptr;
    char buf[ds::kLpIntBufSize];
    while (n-- && eptr != nullptr) {
      emit(LpMember(eptr, buf), LpScore(sptr));
      if (reverse) {
        LpPrevPair(lp, &eptr, &sptr);
      } else {
        LpNextPair(lp, &eptr, &sptr);
      }
    }
    return;
  }
  const ds::Skiplist& zsl = Z(o)->zsl;
  SkiplistNode* ln;
  if (reverse) {
    ln = start > 0 ? zsl.ByRank(zsl.length() - start) : zsl.tail();
  } else {
    ln = start > 0 ? zsl.ByRank(start + 1) : zsl.first();
  }
  while (n-- && ln != nullptr) {
    emit(ds::SdsView(ln->ele), ln->score);
    ln = reverse ? ln->backward : ds::Skiplist::Next(ln);
  }
}

namespace {
// The shared walk of ZRANGEBYSCORE and ZRANGEBYLEX over either encoding:
// start at the first (last when reverse) element in range, skip offset
// elements unchecked, then emit while in range and under limit.
template <typename LpStart, typename SlStart, typename InRange>
uint64_t RangeWalk(const Object* o, bool reverse, int64_t offset, int64_t limit, LpStart lp_start,
                   SlStart sl_start, InRange in_range, ElementSink emit) {
  if (offset < 0 || (offset > 0 && static_cast<uint64_t>(offset) >= ZsetLength(o))) return 0;
  uint64_t emitted = 0;
  if (IsListpack(o)) {
    const unsigned char* lp = Lp(o);
    unsigned char* eptr = lp_start(lp);
    unsigned char* sptr = eptr ? ds::LpNext(lp, eptr) : nullptr;
    auto step = [&] {
      if (reverse) {
        LpPrevPair(lp, &eptr, &sptr);
      } else {
        LpNextPair(lp, &eptr, &sptr);
      }
    };
    while (eptr && offset--) step();
    char buf[ds::kLpIntBufSize];
    while (eptr && limit--) {
      std::string_view m = LpMember(eptr, buf);
      double s = LpScore(sptr);
      if (!in_range(m, s)) break;
      emit(m, s);
      emitted++;
      step();
    }
    return emitted;
  }
  SkiplistNode* ln = sl_start(Z(o)->zsl);
  while (ln && offset--) ln = reverse ? ln->backward : ds::Skiplist::Next(ln);
  while (ln && limit--) {
    std::string_view m = ds::SdsView(ln->ele);
    if (!in_range(m, ln->score)) break;
    emit(m, ln->score);
    emitted++;
    ln = reverse ? ln->backward : ds::Skiplist::Next(ln);
  }
  return emitted;
}
}  // namespace

uint64_t ZsetRangeByScore(const Object* o, const ScoreRange& r, bool reverse, int64_t offset, int64_t limit,
                          ElementSink emit) {
  return RangeWalk(
      o, reverse, offset, limit,
      [&](const unsigned char* lp) { return reverse ? LpLastInRange(lp, r) : LpFirstInRange(lp, r); },
      [&](const ds::Skiplist& zsl) { return reverse ? zsl.LastInRange(r) : zsl.FirstInRange(r); },
      [&](std::string_view, double s) { return reverse ? ds::ScoreGteMin(s, r) : ds::ScoreLteMax(s, r); }, emit);
}

uint64_t ZsetRangeByLex(const Object* o, const LexRange& r, bool reverse, int64_t offset, int64_t limit,
                        ElementSink emit) {
  return RangeWalk(
      o, reverse, offset, limit,
      [&](const unsigned char* lp) { return reverse ? LpLastInLexRange(lp, r) : LpFirstInLexRange(lp, r); },
      [&](const ds::Skiplist& zsl) { return reverse ? zsl.LastInLexRange(r) : zsl.FirstInLexRange(r); },
      [&](std::string_view m, double) { return reverse ? ds::LexGteMin(m, r) : ds::LexLteMax(m, r); }, emit);
}

uint64_t ZsetCount(const Object* o, const ScoreRange& r) {
  if (IsListpack(o)) {
    const unsigned char* lp = Lp(o);
    uint64_t count = 0;
    unsigned char* eptr = LpFirstInRange(lp, r);
    unsigned char* sptr = eptr ? ds::LpNext(lp, eptr) : nullptr;
    while (eptr && ds::ScoreLteMax(LpScore(sptr), r)) {
      count++;
      LpNextPair(lp, &eptr, &sptr);
    }
    return count;
  }
  const ds::Skiplist& zsl = Z(o)->zsl;
  SkiplistNode* first = zsl.FirstInRange(r);
  if (first == nullptr) return 0;
  SkiplistNode* last = zsl.LastInRange(r);
  return zsl.Rank(last->score, ds::SdsView(last->ele)) - zsl.Rank(first->score, ds::SdsView(first->ele)) + 1;
}

uint64_t ZsetLexCount(const Object* o, const LexRange& r) {
  if (IsListpack(o)) {
    const unsigned char* lp = Lp(o);
    uint64_t count = 0;
    char buf[ds::kLpIntBufSize];
    unsigned char* eptr = LpFirstInLexRange(lp, r);
    unsigned char* sptr = eptr ? ds::LpNext(lp, eptr) : nullptr;
    while (eptr && ds::LexLteMax(LpMember(eptr, buf), r)) {
      count++;
      LpNextPair(lp, &eptr, &sptr);
    }
    return count;
  }
  const ds::Skiplist& zsl = Z(o)->zsl;
  SkiplistNode* first = zsl.FirstInLexRange(r);
  if (first == nullptr) return 0;
  SkiplistNode* last = zsl.LastInLexRange(r);
  return zsl.Rank(last->score, ds::SdsView(last->ele)) - zsl.Rank(first->score, ds::SdsView(first->ele)) + 1;
}

uint64_t ZsetDeleteRangeByRank(Object* o, uint64_t start, uint64_t end) {
  if (IsListpack(o)) {
    uint64_t num = end - start + 1;
    o->ptr = ds::LpDeleteRange(Lp(o), 2 * static_cast<long>(start), 2 * num);
    return num;
  }
  Zset* zs = Z(o);
  uint64_t removed = zs->zsl.DeleteRangeByRank(start + 1, end + 1, DropFromDict, &zs->dict);
  zs->dict.ShrinkIfNeeded();
  return removed;
}

uint64_t ZsetDeleteRangeByScore(Object* o, const ScoreRange& r) {
  if (IsListpack(o)) {
    unsigned char* lp = Lp(o);
    uint64_t removed = 0;
    unsigned char* eptr = LpFirstInRange(lp, r);
    while (eptr && ds::ScoreLteMax(LpScore(ds::LpNext(lp, eptr)), r)) {
      lp = LpDeletePair(lp, &eptr);
      removed++;
    }
    o->ptr = lp;
    return removed;
  }
  Zset* zs = Z(o);
  uint64_t removed = zs->zsl.DeleteRangeByScore(r, DropFromDict, &zs->dict);
  zs->dict.ShrinkIfNeeded();
  return removed;
}

uint64_t ZsetDeleteRangeByLex(Object* o, const LexRange& r) {
  if (IsListpack(o)) {
    unsigned char* lp = Lp(o);
    uint64_t removed = 0;
    char buf[ds::kLpIntBufSize];
    unsigned char* eptr = LpFirstInLexRange(lp, r);
    while (eptr && ds::LexLteMax(LpMember(eptr, buf), r)) {
      lp = LpDeletePair(lp, &eptr);
      removed++;
    }
    o->ptr = lp;
    return removed;
  }
  Zset* zs = Z(o);
  uint64_t removed = zs->zsl.DeleteRangeByLex(r, DropFromDict, &zs->dict);
  zs->dict.ShrinkIfNeeded();
  return removed;
}

void ZsetForEach(const Object* o, ElementSink emit) {
  size_t n = ZsetLength(o);
  if (n > 0) ZsetRangeByRank(o, 0, n - 1, false, emit);
}

size_t ZsetPop(Object* o, bool max, size_t count, ElementSink emit) {
  size_t popped = 0;
  while (popped < count && ZsetLength(o) > 0) {
    if (IsListpack(o)) {
      unsigned char* eptr = ds::LpSeek(Lp(o), max ? -2 : 0);
      char buf[ds::kLpIntBufSize];
      emit(LpMember(eptr, buf), LpScore(ds::LpNext(Lp(o), eptr)));
      o->ptr = LpDeletePair(Lp(o), &eptr);
    } else {
      Zset* zs = Z(o);
      SkiplistNode* n = max ? zs->zsl.tail() : zs->zsl.first();
      emit(ds::SdsView(n->ele), n->score);
      double score = n->score;
      ds::DictEntry* e = zs->dict.Unlink(n->ele);
      TD_ASSERT(e != nullptr);
      zs->dict.FreeUnlinked(e);
      zs->zsl.Delete(score, ds::SdsView(n->ele), nullptr);
    }
    popped++;
  }
  if (!IsListpack(o)) Z(o)->dict.ShrinkIfNeeded();
  return popped;
}

// ---- random members ----------------------------------------------------------------------

namespace {
// The member entries of a listpack zset, for O(1) access by index.
std::vector<unsigned char*> LpMemberEntries(const unsigned char* lp) {
  std::vector<unsigned char*> v;
  v.reserve(LpPairs(lp));
  for (unsigned char* eptr = ds::LpFirst(lp); eptr != nullptr; eptr = ds::LpNext(lp, ds::LpNext(lp, eptr)))
    v.push_back(eptr);
  return v;
}

void EmitLpEntry(const unsigned char* lp, unsigned char* eptr, ElementSink emit) {
  char buf[ds::kLpIntBufSize];
  emit(LpMember(eptr, buf), LpScore(ds::LpNext(lp, eptr)));
}

void EmitDictEntry(const ds::DictEntry* e, ElementSink emit) {
  emit(ds::SdsView(static_cast<ds::sds>(e->key)), e->v.d);
}
}  // namespace

void ZsetRandomElement(const Object* o, ElementSink emit) { ZsetRandomWithRepetition(o, 1, emit); }

void ZsetRandomWithRepetition(const Object* o, uint64_t count, ElementSink emit) {
  if (IsListpack(o)) {
    const unsigned char* lp = Lp(o);
    std::vector<unsigned char*> entries = LpMemberEntries(lp);
    for (uint64_t i = 0; i < count; i++) EmitLpEntry(lp, entries[common::RandomU64() % entries.size()], emit);
    return;
  }
  ds::Dict& d = const_cast<Zset*>(Z(o))->dict;
  for (uint64_t i = 0; i < count; i++) EmitDictEntry(d.RandomEntry(), emit);
}

void ZsetRandomDistinct(const Object* o, uint64_t count, ElementSink emit) {
  const uint64_t size = ZsetLength(o);
  if (count >= size) {
    // The whole set, from the highest score down: Redis walks it with the
    // union/inter iterator, which starts at the tail.
    if (size > 0) ZsetRangeByRank(o, 0, size - 1, /*reverse=*/true, emit);
    return;
  }
  if (IsListpack(o)) {
    // Floyd's sampling of `count` distinct indexes, emitted in listpack
    // order (as Redis's lpRandomPairsUnique).
    const unsigned char* lp = Lp(o);
    std::vector<unsigned char*> entries = LpMemberEntries(lp);
    std::vector<bool> chosen(size, false);
    for (uint64_t j = size - count; j < size; j++) {
      uint64_t t = common::RandomU64() % (j + 1);
      chosen[chosen[t] ? j : t] = true;
    }
    for (uint64_t i = 0; i < size; i++)
      if (chosen[i]) EmitLpEntry(lp, entries[i], emit);
    return;
  }
  ds::Dict& d = const_cast<Zset*>(Z(o))->dict;
  // Redis's ZRANDMEMBER_SUB_STRATEGY_MUL: when the request is more than a
  // third of the set, copying and removing random elements beats drawing
  // random ones and rejecting repeats.
  constexpr uint64_t kSubStrategyMul = 3;
  if (count * kSubStrategyMul > size) {
    std::vector<const SkiplistNode*> all;
    all.reserve(size);
    for (SkiplistNode* n = Z(o)->zsl.first(); n != nullptr; n = ds::Skiplist::Next(n)) all.push_back(n);
    while (all.size() > count) {
      size_t i = common::RandomU64() % all.size();
      all[i] = all.back();
      all.pop_back();
    }
    for (const SkiplistNode* n : all) emit(ds::SdsView(n->ele), n->score);
    return;
  }
  std::unordered_set<const void*> seen;
  while (seen.size() < count) {
    ds::DictEntry* e = d.RandomEntry();
    if (seen.insert(e->key).second) EmitDictEntry(e, emit);
  }
}

// ---- union / intersection / difference -----------------------------------------------------

size_t SetOpInputLength(const Object* o) {
  if (o == nullptr) return 0;
  return o->GetType() == Type::kZset ? ZsetLength(o) : SetTypeSize(o);
}

namespace {
void InputForEach(const Object* o, ElementSink emit) {
  if (o == nullptr) return;
  if (o->GetType() == Type::kZset) {
    ZsetForEach(o, emit);
    return;
  }
  SetIterator it(o);
  SetMember m;
  char buf[common::kInt64BufSize];
  while (it.Next(&m)) emit(m.View(buf), 1.0);
}

bool InputFind(const Object* o, std::string_view m, double* score) {
  if (o == nullptr) return false;
  if (o->GetType() == Type::kZset) return ZsetScore(o, m, score);
  if (!SetTypeIsMember(o, m)) return false;
  *score = 1.0;
  return true;
}

void AggregateInto(double* target, double val, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target = *target + val;
      // inf + -inf is NaN: Redis's convention makes it 0.
      if (std::isnan(*target)) *target = 0.0;
      break;
    case Aggregate::kMin: *target = val < *target ? val : *target; break;
    case Aggregate::kMax: *target = val > *target ? val : *target; break;
  }
}

// The accumulator of ZUNION: sds keys (handed to the result afterwards, so
// neither freed nor placed anywhere but the payload tier) -> score.
const ds::DictType kAccumulatorDictType = {ds::DictSdsHash, ds::DictSdsKeyEqual, nullptr, nullptr};
}  // namespace

SetOpResult ZsetSetOperation(SetOp op, std::vector<SetOpInput> inputs, Aggregate agg, bool cardinality_only,
                             uint64_t limit) {
  SetOpResult res;
  if (op != SetOp::kDiff) {
    std::stable_sort(inputs.begin(), inputs.end(), [](const SetOpInput& a, const SetOpInput& b) {
      return SetOpInputLength(a.obj) < SetOpInputLength(b.obj);
    });
  }
  Zset* dst = nullptr;
  if (!cardinality_only) {
    res.zset = ZsetCreateSkiplist();
    dst = Z(res.zset);
  }
  auto add_result = [&](std::string_view m, double score) {
    SkiplistAdd(dst, score, NewMember(m));
    res.totelelen += m.size();
    res.maxelelen = std::max(res.maxelelen, m.size());
  };
  const size_t n = inputs.size();

  if (op == SetOp::kInter) {
    if (SetOpInputLength(inputs[0].obj) == 0) return res;
    bool done = false;
    auto visit = [&](std::string_view m, double s) {
      if (done) return;
      double score = inputs[0].weight * s;
      if (std::isnan(score)) score = 0;
      size_t j = 1;
      for (; j < n; j++) {
        double value;
        if (inputs[j].obj == inputs[0].obj) {
          value = s * inputs[j].weight;
        } else if (InputFind(inputs[j].obj, m, &value)) {
          value *= inputs[j].weight;
        } else {
          break;
        }
        AggregateInto(&score, value, agg);
      }
      if (j != n) return;
      if (cardinality_only) {
        res.cardinality++;
        if (limit != 0 && res.cardinality >= limit) done = true;
      } else {
        add_result(m, score);
      }
    };
    InputForEach(inputs[0].obj, visit);
  } else if (op == SetOp::kUnion) {
    ds::Dict acc(&kAccumulatorDictType);
    if (n > 0) acc.Expand(SetOpInputLength(inputs[n - 1].obj));
    for (size_t i = 0; i < n; i++) {
      auto visit = [&](std::string_view m, double s) {
        double score = inputs[i].weight * s;
        if (std::isnan(score)) score = 0;
        TmpSds key(m);
        ds::DictEntry* e = acc.Find(key.get());
        if (e != nullptr) {
          AggregateInto(&e->v.d, score, agg);
          return;
        }
        e = acc.AddRaw(NewMember(m), nullptr);
        e->v.d = score;
        res.totelelen += m.size();
        res.maxelelen = std::max(res.maxelelen, m.size());
      };
      InputForEach(inputs[i].obj, visit);
    }
    dst->dict.Expand(acc.size());
    auto it = acc.MakeIterator(false);
    while (ds::DictEntry* e = it.Next()) SkiplistAdd(dst, e->v.d, static_cast<ds::sds>(e->key));
  } else {
    if (SetOpInputLength(inputs[0].obj) == 0) return res;
    auto visit = [&](std::string_view m, double s) {
      for (size_t j = 1; j < n; j++) {
        double ignored;
        if (inputs[j].obj == inputs[0].obj || InputFind(inputs[j].obj, m, &ignored)) return;
      }
      add_result(m, s);
    };
    InputForEach(inputs[0].obj, visit);
  }
  if (dst != nullptr) res.cardinality = dst->zsl.length();
  return res;
}

// ---- access, dup, verify, type ops -----------------------------------------------------------

ds::Dict* ZsetDict(Object* o) {
  TD_ASSERT(!IsListpack(o));
  return &Z(o)->dict;
}

Object* ZsetDup(const Object* o) {
  if (IsListpack(o)) return Create(Type::kZset, Encoding::kListpack, ds::LpDup(Lp(o)));
  const Zset* src = Z(o);
  Object* copy = ZsetCreateSkiplist(src->zsl.length());
  Zset* dst = Z(copy);
  // From the tail: each insert then stops at the head (as Redis's zsetDup).
  for (SkiplistNode* n = src->zsl.tail(); n != nullptr; n = n->backward) SkiplistAdd(dst, n->score, ds::SdsDup(n->ele));
  return copy;
}

bool ZsetVerify(const Object* o) {
  if (o->GetType() != Type::kZset) return false;
  std::unordered_set<std::string> members;
  if (IsListpack(o)) {
    const unsigned char* lp = Lp(o);
    if (ds::LpLength(lp) % 2 != 0) return false;
    bool have_prev = false;
    double prev_score = 0;
    std::string prev_member;
    char buf[ds::kLpIntBufSize];
    for (unsigned char* eptr = ds::LpFirst(lp); eptr != nullptr;) {
      unsigned char* sptr = ds::LpNext(lp, eptr);
      if (sptr == nullptr) return false;
      double s = LpScore(sptr);
      std::string m(LpMember(eptr, buf));
      if (std::isnan(s) || !members.insert(m).second) return false;
      if (have_prev && (s < prev_score || (s == prev_score && ds::CompareMembers(prev_member, m) >= 0))) return false;
      have_prev = true;
      prev_score = s;
      prev_member = m;
      eptr = ds::LpNext(lp, sptr);
    }
    return true;
  }
  Zset* zs = const_cast<Zset*>(Z(o));
  if (!zs->zsl.Verify() || zs->dict.size() != zs->zsl.length()) return false;
  for (SkiplistNode* n = zs->zsl.first(); n != nullptr; n = ds::Skiplist::Next(n)) {
    ds::DictEntry* e = zs->dict.Find(n->ele);
    if (e == nullptr || e->key != n->ele || e->v.d != n->score) return false;
  }
  return true;
}

namespace {

void FreeZsetValue(Object* o) {
  if (IsListpack(o)) {
    ds::LpFree(Lp(o));
  } else {
    FreeZset(Z(o));
  }
}

// MEMORY USAGE: the listpack blob; or the Zset struct, the dict's tables
// and entries and the skiplist header (DRAM) plus, per element, its node
// (DRAM) and member sds (its tier). With samples > 0 only the first
// `samples` elements are measured and the per-element average is scaled
// to the whole set, as Redis's objectComputeSize.
void ZsetMemory(const Object* o, size_t samples, TierBytes* tb) {
  if (IsListpack(o)) {
    AddAlloc(*tb, o->ptr);
    return;
  }
  const Zset* zs = Z(o);
  AddAlloc(*tb, zs);
  tb->dram += zs->dict.MemoryUsage() + zs->zsl.HeaderBytes();
  TierBytes elems;
  size_t seen = 0;
  for (SkiplistNode* n = zs->zsl.first(); n != nullptr && (samples == 0 || seen < samples);
       n = ds::Skiplist::Next(n)) {
    AddAlloc(elems, n);
    AddAlloc(elems, ds::SdsAllocPtr(n->ele));
    seen++;
  }
  if (seen == 0) return;
  double scale = static_cast<double>(zs->zsl.length()) / static_cast<double>(seen);
  tb->dram += static_cast<size_t>(static_cast<double>(elems.dram) * scale);
  tb->nvm += static_cast<size_t>(static_cast<double>(elems.nvm) * scale);
}

// Payload: the listpack, or every member string.
void ZsetPayload(const Object* o, size_t samples, TierBytes* tb) {
  if (IsListpack(o)) {
    AddAlloc(*tb, o->ptr);
    return;
  }
  const Zset* zs = Z(o);
  TierBytes members;
  size_t seen = 0;
  for (SkiplistNode* n = zs->zsl.first(); n != nullptr && (samples == 0 || seen < samples);
       n = ds::Skiplist::Next(n)) {
    AddAlloc(members, ds::SdsAllocPtr(n->ele));
    seen++;
  }
  AddScaled(*tb, members, seen, zs->zsl.length());
}

// A skiplist member is one sds shared by its node and its dict entry (the
// dict's key): find the entry by the member's bytes first, then move the
// string and point both at the new copy.
size_t RelocateZset(Object* o, alloc::Tier to) {
  size_t moved = 0;
  if (IsListpack(o)) {
    MoveBlock(&o->ptr, to, &moved);
    return moved;
  }
  Zset* zs = Z(o);
  for (SkiplistNode* n = zs->zsl.first(); n != nullptr; n = ds::Skiplist::Next(n)) {
    if (alloc::TierOf(ds::SdsAllocPtr(n->ele)) == to) continue;
    ds::DictEntry* de = zs->dict.Find(n->ele);
    TD_ASSERT(de != nullptr && de->key == n->ele);
    void* ele = n->ele;
    if (!MoveSds(&ele, to, &moved)) break;
    n->ele = static_cast<ds::sds>(ele);
    de->key = ele;
  }
  return moved;
}

alloc::Tier ZsetPayloadTier(const Object* o) {
  if (IsListpack(o)) return alloc::TierOf(o->ptr);
  const SkiplistNode* n = Z(o)->zsl.first();
  return n == nullptr ? alloc::Tier::kDram : alloc::TierOf(ds::SdsAllocPtr(n->ele));
}

}  // namespace

void RegisterZsetTypeOps() {
  TypeOps ops;
  ops.free_value = FreeZsetValue;
  ops.memory = ZsetMemory;
  ops.dup = ZsetDup;
  ops.payload = ZsetPayload;
  ops.relocate = RelocateZset;
  ops.payload_tier = ZsetPayloadTier;
  RegisterTypeOps(Type::kZset, ops);
}

}  // namespace object
