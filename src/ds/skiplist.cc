// Skiplist implementation: see skiplist.h for the structure and invariants.
#include "ds/skiplist.h"

#include <cmath>
#include <cstring>

#include "alloc/zmalloc.h"
#include "common/macros.h"
#include "common/util.h"

namespace ds {

int CompareMembers(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  int c = n ? memcmp(a.data(), b.data(), n) : 0;
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

bool LexGteMin(std::string_view v, const LexRange& r) {
  switch (r.min.kind) {
    case LexBound::kMinusInf: return true;
    case LexBound::kPlusInf: return false;
    default: break;
  }
  int c = CompareMembers(v, r.min.s);
  return r.min.exclusive ? c > 0 : c >= 0;
}

bool LexLteMax(std::string_view v, const LexRange& r) {
  switch (r.max.kind) {
    case LexBound::kPlusInf: return true;
    case LexBound::kMinusInf: return false;
    default: break;
  }
  int c = CompareMembers(v, r.max.s);
  return r.max.exclusive ? c < 0 : c <= 0;
}

bool ScoreRangeEmpty(const ScoreRange& r) {
  return r.min > r.max || (r.min == r.max && (r.minex || r.maxex));
}

namespace {
// Orders bounds as Redis's sdscmplex orders its min/max sentinels: "-" is
// below every string, "+" above, and two identical sentinels are equal.
int CompareBounds(const LexBound& a, const LexBound& b) {
  if (a.kind == LexBound::kValue && b.kind == LexBound::kValue) return CompareMembers(a.s, b.s);
  auto weight = [](const LexBound& x) { return x.kind == LexBound::kMinusInf ? 0 : (x.kind == LexBound::kValue ? 1 : 2); };
  return weight(a) - weight(b);
}
}  // namespace

bool LexRangeEmpty(const LexRange& r) {
  int c = CompareBounds(r.min, r.max);
  return c > 0 || (c == 0 && (r.min.exclusive || r.max.exclusive));
}

// ---- nodes ------------------------------------------------------------------

SkiplistNode* Skiplist::CreateNode(int level, double score, sds ele) {
  size_t bytes = sizeof(SkiplistNode) + static_cast<size_t>(level) * sizeof(SkiplistNode::Level);
  auto* n = static_cast<SkiplistNode*>(alloc::Meta(bytes));
  n->ele = ele;
  n->score = score;
  n->backward = nullptr;
  return n;
}

void Skiplist::FreeNode(SkiplistNode* n) {
  SdsFree(n->ele);
  alloc::Free(n);
}

Skiplist::Skiplist() {
  header_ = CreateNode(kMaxLevel, 0, nullptr);
  for (int i = 0; i < kMaxLevel; i++) header_->level[i] = {nullptr, 0};
}

Skiplist::~Skiplist() {
  SkiplistNode* n = header_->level[0].forward;
  alloc::Free(header_);
  while (n != nullptr) {
    SkiplistNode* next = n->level[0].forward;
    FreeNode(n);
    n = next;
  }
}

size_t Skiplist::HeaderBytes() const { return alloc::UsableSize(header_); }

// A level in 1..kMaxLevel, each further level with probability kP: the draw
// compares 16 random bits with kP * 0xFFFF, as Redis's zslRandomLevel.
int Skiplist::RandomLevel() {
  static constexpr uint64_t kThreshold = static_cast<uint64_t>(kP * 0xFFFF);
  int level = 1;
  uint64_t bits = common::RandomU64();
  int left = 4;  // 16-bit draws left in `bits`
  while (true) {
    if (left == 0) {
      bits = common::RandomU64();
      left = 4;
    }
    uint64_t draw = bits & 0xFFFF;
    bits >>= 16;
    left--;
    if (draw >= kThreshold) break;
    level++;
  }
  return level < kMaxLevel ? level : kMaxLevel;
}

// ---- search helpers ---------------------------------------------------------

namespace {
// True iff node n sorts before (score, ele).
inline bool Before(const SkiplistNode* n, double score, std::string_view ele) {
  return n->score < score || (n->score == score && CompareMembers(SdsView(n->ele), ele) < 0);
}
}  // namespace

template <typename Pred>
SkiplistNode* Skiplist::FindUpdate(SkiplistNode** update, Pred keep_going) const {
  SkiplistNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && keep_going(x->level[i].forward)) x = x->level[i].forward;
    update[i] = x;
  }
  return x;
}

// ---- insert / delete ----------------------------------------------------------

SkiplistNode* Skiplist::Insert(double score, sds ele) {
  TD_ASSERT(!std::isnan(score));
  SkiplistNode* update[kMaxLevel];
  uint64_t rank[kMaxLevel];
  std::string_view e = SdsView(ele);
  SkiplistNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    // rank[i]: level-0 position of update[i] (header = 0).
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->level[i].forward && Before(x->level[i].forward, score, e)) {
      rank[i] += x->level[i].span;
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  int level = RandomLevel();
  if (level > level_) {
    for (int i = level_; i < level; i++) {
      rank[i] = 0;
      update[i] = header_;
      update[i]->level[i].span = length_;
    }
    level_ = level;
  }
  x = CreateNode(level, score, ele);
  for (int i = 0; i < level; i++) {
    x->level[i].forward = update[i]->level[i].forward;
    update[i]->level[i].forward = x;
    x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
    update[i]->level[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; i++) update[i]->level[i].span++;
  x->backward = update[0] == header_ ? nullptr : update[0];
  if (x->level[0].forward) {
    x->level[0].forward->backward = x;
  } else {
    tail_ = x;
  }
  length_++;
  return x;
}

void Skiplist::DeleteNode(SkiplistNode* x, SkiplistNode** update) {
  for (int i = 0; i < level_; i++) {
    if (update[i]->level[i].forward == x) {
      update[i]->level[i].span += x->level[i].span - 1;
      update[i]->level[i].forward = x->level[i].forward;
    } else {
      update[i]->level[i].span -= 1;
    }
  }
  if (x->level[0].forward) {
    x->level[0].forward->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && header_->level[level_ - 1].forward == nullptr) level_--;
  length_--;
}

bool Skiplist::Delete(double score, std::string_view ele, SkiplistNode** node_out) {
  SkiplistNode* update[kMaxLevel];
  SkiplistNode* x = FindUpdate(update, [&](const SkiplistNode* n) { return Before(n, score, ele); });
  x = x->level[0].forward;
  if (x == nullptr || x->score != score || SdsView(x->ele) != ele) return false;
  DeleteNode(x, update);
  if (node_out != nullptr) {
    *node_out = x;
  } else {
    FreeNode(x);
  }
  return true;
}

SkiplistNode* Skiplist::UpdateScore(double curscore, std::string_view ele, double newscore) {
  TD_ASSERT(!std::isnan(newscore));
  SkiplistNode* update[kMaxLevel];
  SkiplistNode* x = FindUpdate(update, [&](const SkiplistNode* n) { return Before(n, curscore, ele); });
  x = x->level[0].forward;
  TD_ASSERT(x != nullptr && x->score == curscore && SdsView(x->ele) == ele);
  // Still in order with its neighbours: update in place.
  if ((x->backward == nullptr || x->backward->score < newscore) &&
      (x->level[0].forward == nullptr || x->level[0].forward->score > newscore)) {
    x->score = newscore;
    return x;
  }
  DeleteNode(x, update);
  SkiplistNode* n = Insert(newscore, x->ele);
  x->ele = nullptr;
  alloc::Free(x);
  return n;
}

// ---- rank -------------------------------------------------------------------

uint64_t Skiplist::Rank(double score, std::string_view ele) const {
  uint64_t rank = 0;
  SkiplistNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward &&
           (x->level[i].forward->score < score ||
            (x->level[i].forward->score == score && CompareMembers(SdsView(x->level[i].forward->ele), ele) <= 0))) {
      rank += x->level[i].span;
      x = x->level[i].forward;
    }
    if (x->ele != nullptr && x->score == score && SdsView(x->ele) == ele) return rank;
  }
  return 0;
}

SkiplistNode* Skiplist::ByRank(uint64_t rank) const {
  uint64_t traversed = 0;
  SkiplistNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && traversed + x->level[i].span <= rank) {
      traversed += x->level[i].span;
      x = x->level[i].forward;
    }
    if (traversed == rank) return x == header_ ? nullptr : x;
  }
  return nullptr;
}

// ---- ranges -----------------------------------------------------------------

SkiplistNode* Skiplist::FirstInRange(const ScoreRange& r) const {
  if (ScoreRangeEmpty(r) || tail_ == nullptr || !ScoreGteMin(tail_->score, r) || !ScoreLteMax(first()->score, r))
    return nullptr;
  SkiplistNode* update[kMaxLevel];
  SkiplistNode* x = FindUpdate(update, [&](const SkiplistNode* n) { return !ScoreGteMin(n->score, r); });
  x = x->level[0].forward;  // not null: the tail is >= min
  return ScoreLteMax(x->score, r) ? x : nullptr;
}

SkiplistNode* Skiplist::LastInRange(const ScoreRange& r) const {
  if (ScoreRangeEmpty(r) || tail_ == nullptr || !ScoreGteMin(tail_->score, r) || !ScoreLteMax(first()->score, r))
    return nullptr;
  SkiplistNode* update[kMaxLevel];
  SkiplistNode* x = FindUpdate(update, [&](const SkiplistNode* n) { return ScoreLteMax(n->score, r); });
  return x != header_ && ScoreGteMin(x->score, r) ? x : nullptr;
}

SkiplistNode* Skiplist::FirstInLexRange(const LexRange& r) const {
  if (LexRangeEmpty(r) || tail_ == nullptr || !LexGteMin(SdsView(tail_->ele), r) ||
      !LexLteMax(SdsView(first()->ele), r))
    return nullptr;
  SkiplistNode* update[kMaxLevel];
  SkiplistNode* x = FindUpdate(update, [&](const SkiplistNode* n) { return !LexGteMin(SdsView(n->ele), r); });
  x = x->level[0].forward;
  return LexLteMax(SdsView(x->ele), r) ? x : nullptr;
}

SkiplistNode* Skiplist::LastInLexRange(const LexRange& r) const {
  if (LexRangeEmpty(r) || tail_ == nullptr || !LexGteMin(SdsView(tail_->ele), r) ||
      !LexLteMax(SdsView(first()->ele), r))
    return nullptr;
  SkiplistNode* update[kMaxLevel];
  SkiplistNode* x = FindUpdate(update, [&](const SkiplistNode* n) { return LexLteMax(SdsView(n->ele), r); });
  return x != header_ && LexGteMin(SdsView(x->ele), r) ? x : nullptr;
}

template <typename InRange>
uint64_t Skiplist::DeleteWhile(SkiplistNode** update, InRange in_range, DeleteFn on_delete, void* ctx) {
  uint64_t removed = 0;
  SkiplistNode* x = update[0]->level[0].forward;
  while (x != nullptr && in_range(x)) {
    SkiplistNode* next = x->level[0].forward;
    DeleteNode(x, update);
    if (on_delete != nullptr) on_delete(ctx, x);
    FreeNode(x);
    removed++;
    x = next;
  }
  return removed;
}

uint64_t Skiplist::DeleteRangeByScore(const ScoreRange& r, DeleteFn on_delete, void* ctx) {
  SkiplistNode* update[kMaxLevel];
  FindUpdate(update, [&](const SkiplistNode* n) { return !ScoreGteMin(n->score, r); });
  return DeleteWhile(update, [&](const SkiplistNode* n) { return ScoreLteMax(n->score, r); }, on_delete, ctx);
}

uint64_t Skiplist::DeleteRangeByLex(const LexRange& r, DeleteFn on_delete, void* ctx) {
  SkiplistNode* update[kMaxLevel];
  FindUpdate(update, [&](const SkiplistNode* n) { return !LexGteMin(SdsView(n->ele), r); });
  return DeleteWhile(update, [&](const SkiplistNode* n) { return LexLteMax(SdsView(n->ele), r); }, on_delete, ctx);
}

uint64_t Skiplist::DeleteRangeByRank(uint64_t start, uint64_t end, DeleteFn on_delete, void* ctx) {
  SkiplistNode* update[kMaxLevel];
  uint64_t traversed = 0;
  SkiplistNode* x = header_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && traversed + x->level[i].span < start) {
      traversed += x->level[i].span;
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  traversed++;  // rank of update[0]'s successor
  return DeleteWhile(update, [&](const SkiplistNode*) { return traversed++ <= end; }, on_delete, ctx);
}

// ---- verification -------------------------------------------------------------

bool Skiplist::Verify() const {
  if (level_ < 1 || level_ > kMaxLevel) return false;
  if (level_ > 1 && header_->level[level_ - 1].forward == nullptr) return false;
  for (int i = level_; i < kMaxLevel; i++)
    if (header_->level[i].forward != nullptr) return false;
  // Level 0: order, backward links, length, tail.
  uint64_t n = 0;
  const SkiplistNode* prev = nullptr;
  for (const SkiplistNode* x = header_->level[0].forward; x != nullptr; x = x->level[0].forward) {
    if (x->ele == nullptr || std::isnan(x->score)) return false;
    if (x->backward != prev) return false;
    if (prev != nullptr && !Before(prev, x->score, SdsView(x->ele))) return false;
    if (x->level[0].span != 1 && x->level[0].forward != nullptr) return false;
    prev = x;
    n++;
  }
  if (n != length_ || tail_ != prev) return false;
  // Upper levels: each forward pointer lands on a later node and its span is
  // the level-0 distance. Positions are found by walking level 0 alongside.
  for (int i = 1; i < level_; i++) {
    const SkiplistNode* x = header_;
    uint64_t pos = 0;  // level-0 position of x
    const SkiplistNode* walker = header_;
    uint64_t walker_pos = 0;
    while (x->level[i].forward != nullptr) {
      const SkiplistNode* target = x->level[i].forward;
      while (walker != target) {
        walker = walker->level[0].forward;
        walker_pos++;
        if (walker == nullptr) return false;  // not on level 0 after x
      }
      if (x->level[i].span != walker_pos - pos) return false;
      x = target;
      pos = walker_pos;
    }
  }
  return true;
}

}  // namespace ds
