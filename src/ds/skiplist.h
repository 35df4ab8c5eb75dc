// Skiplist: the ordered half of a skiplist-encoded sorted set, after Redis's
// zskiplist (William Pugh's skip list with three changes: repeated scores are
// allowed, elements are ordered by (score, member bytes), and level 0 has
// backward pointers so the list can be walked from the tail).
//
// Each node holds a score, a member and one (forward, span) pair per level.
// span is how many level-0 steps the forward pointer jumps, so summing spans
// along a search path gives an element's rank (1-based; the header is rank
// 0) in O(log N). Levels are drawn with p = 1/4 up to kMaxLevel = 32: enough
// for 4^32 elements, far beyond any memory.
//
// Memory: nodes (and the header) are metadata, alloc::Meta (DRAM): they are
// chased on every lookup. The member is an sds allocated by the caller as a
// payload (ds::SdsUse::kPayload), so placement puts long members on the NVM
// tier. The skiplist OWNS the member sds: deleting a node frees it. The zset
// dict beside the skiplist (member -> score) shares the same sds pointer and
// must not free it; that is why deletions hand each node to a callback
// before freeing, so the dict entry can be removed first.
//
// Invariants (checked by Verify):
//  - level-0 order is strictly increasing by (score, member) and has
//    exactly length() nodes; no score is NaN;
//  - each node's backward pointer is its level-0 predecessor (nullptr for
//    the first) and tail() is the last node;
//  - at every level i < level(), following forward pointers from the header
//    visits a subsequence of level 0, and the span of each non-null forward
//    pointer equals the level-0 distance it covers (the span stored beside
//    a null forward pointer is never read, as in Redis, and not checked);
//  - levels >= level() of the header are empty; level() is 1 or the header
//    has a node at level() - 1.
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ds/sds.h"

namespace ds {

struct SkiplistNode {
  sds ele;  // owned; nullptr only in the header
  double score;
  SkiplistNode* backward;
  struct Level {
    SkiplistNode* forward;
    uint64_t span;
  } level[];  // as many as the node's level (flexible array, as Redis)
};

// A score interval: [min, max] with either end exclusive.
struct ScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};

// One end of a lexicographic interval: -inf ("-"), +inf ("+"), or a string,
// inclusive ("[x") or exclusive ("(x").
struct LexBound {
  enum Kind : uint8_t { kMinusInf, kPlusInf, kValue };
  Kind kind = kMinusInf;
  bool exclusive = false;
  std::string_view s;  // kValue only; the caller keeps the bytes alive
};
struct LexRange {
  LexBound min, max;
};

// Range predicates shared by both zset encodings.
inline bool ScoreGteMin(double v, const ScoreRange& r) { return r.minex ? v > r.min : v >= r.min; }
inline bool ScoreLteMax(double v, const ScoreRange& r) { return r.maxex ? v < r.max : v <= r.max; }
// Redis's byte-wise member order (memcmp, then shorter first).
int CompareMembers(std::string_view a, std::string_view b);
bool LexGteMin(std::string_view v, const LexRange& r);
bool LexLteMax(std::string_view v, const LexRange& r);
// True iff the interval cannot contain anything (min above max, or equal
// bounds with either exclusive), as zslIsInRange / zslIsInLexRange check
// before looking at the data.
bool ScoreRangeEmpty(const ScoreRange& r);
bool LexRangeEmpty(const LexRange& r);

class Skiplist {
 public:
  // Redis's ZSKIPLIST_MAXLEVEL and ZSKIPLIST_P.
  static constexpr int kMaxLevel = 32;
  static constexpr double kP = 0.25;

  Skiplist();
  ~Skiplist();  // frees every node and its member
  Skiplist(const Skiplist&) = delete;
  Skiplist& operator=(const Skiplist&) = delete;

  uint64_t length() const { return length_; }
  int level() const { return level_; }
  // First and last nodes (nullptr when empty).
  SkiplistNode* first() const { return header_->level[0].forward; }
  SkiplistNode* tail() const { return tail_; }
  static SkiplistNode* Next(const SkiplistNode* n) { return n->level[0].forward; }
  static SkiplistNode* Prev(const SkiplistNode* n) { return n->backward; }

  // Inserts (score, ele) and returns its node; the skiplist takes ownership
  // of ele. REQUIRES: score is not NaN and no node holds ele (the dict
  // beside the skiplist is the membership test).
  SkiplistNode* Insert(double score, sds ele);
  // Removes the node with exactly (score, ele). Returns false if absent.
  // If node_out is null the node and its member are freed; otherwise the
  // unlinked node is returned in *node_out and the caller frees it with
  // FreeNode (its member included).
  bool Delete(double score, std::string_view ele, SkiplistNode** node_out);
  // Changes the score of the element (curscore, ele), which must exist, to
  // newscore and returns the node now holding it: the same node when the
  // order does not change, otherwise a new node carrying the same sds (as
  // Redis's zslUpdateScore). REQUIRES: newscore is not NaN.
  SkiplistNode* UpdateScore(double curscore, std::string_view ele, double newscore);
  static void FreeNode(SkiplistNode* n);

  // 1-based rank of (score, ele), 0 if absent.
  uint64_t Rank(double score, std::string_view ele) const;
  // The node of 1-based rank, nullptr if rank is 0 or > length().
  SkiplistNode* ByRank(uint64_t rank) const;

  // First / last node inside the range (nullptr if none).
  SkiplistNode* FirstInRange(const ScoreRange& r) const;
  SkiplistNode* LastInRange(const ScoreRange& r) const;
  SkiplistNode* FirstInLexRange(const LexRange& r) const;
  SkiplistNode* LastInLexRange(const LexRange& r) const;

  // Deletions of a whole range. Each removed node is unlinked and passed to
  // on_delete(ctx, node) while its member is still valid (so a dict sharing
  // the member can drop its entry), then freed. Return the number removed.
  // Ranks are 1-based and inclusive.
  using DeleteFn = void (*)(void* ctx, SkiplistNode* n);
  uint64_t DeleteRangeByScore(const ScoreRange& r, DeleteFn on_delete, void* ctx);
  uint64_t DeleteRangeByLex(const LexRange& r, DeleteFn on_delete, void* ctx);
  uint64_t DeleteRangeByRank(uint64_t start, uint64_t end, DeleteFn on_delete, void* ctx);

  // Usable bytes of the header node (DRAM), for MEMORY USAGE.
  size_t HeaderBytes() const;
  // Checks every invariant of the file comment; returns false (and logs
  // nothing) at the first violation. O(N * level).
  bool Verify() const;

 private:
  static SkiplistNode* CreateNode(int level, double score, sds ele);
  static int RandomLevel();
  void DeleteNode(SkiplistNode* x, SkiplistNode** update);
  // Fills update[] with, per level, the last node before the first node
  // for which keep_going(node) is false. Returns the level-0 predecessor.
  template <typename Pred>
  SkiplistNode* FindUpdate(SkiplistNode** update, Pred keep_going) const;
  template <typename InRange>
  uint64_t DeleteWhile(SkiplistNode** update, InRange in_range, DeleteFn on_delete, void* ctx);

  SkiplistNode* header_;
  SkiplistNode* tail_ = nullptr;
  uint64_t length_ = 0;
  int level_ = 1;
};

}  // namespace ds
