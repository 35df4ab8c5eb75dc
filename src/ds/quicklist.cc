// Quicklist: see quicklist.h for the design, the sizing rules and the
// invariants. The algorithms follow Redis 7.0's quicklist.c (insert with
// split and merge, range deletion, iterator deletion) so that the node layout
// matches a real Redis for the same commands.
#include "ds/quicklist.h"

#include <cstring>
#include <new>

#include "alloc/zmalloc.h"
#include "common/macros.h"

namespace ds {
namespace {

size_t g_packed_threshold = Quicklist::kDefaultPackedThreshold;

inline bool IsLargeElement(size_t sz) { return sz >= g_packed_threshold; }
inline bool IsPlain(const Quicklist::Node* n) { return n->container == Quicklist::Container::kPlain; }

// What Redis 7.0.15 subtracts from the sum of two nodes' sizes to estimate
// their merge: 11, the header and end byte of the old ziplist format (a
// listpack's are 7), so merges may produce nodes up to 4 bytes over the cap.
// Measured against Debian's redis-server 7.0.15 (a middle LINSERT that
// splits a node merges back exactly when the sum minus 11 fits).
constexpr size_t kMergeOverhead = 11;

// Redis 7.0.15 estimates what one element adds to a node as its bytes plus
// SIZE_ESTIMATE_OVERHEAD = 8: an overestimate of a listpack entry's header
// and backlen (at most 5 + 5 bytes, but 2 + 1 for the common small strings),
// so a node ends a few bytes below its cap. Measured against Debian's
// redis-server 7.0.15: the DUMP of a list built by the same pushes has the
// same node sizes.
constexpr size_t kSizeEstimateOverhead = 8;

// The first/last/next/previous element of a node, treating a plain node as
// one element whose "pointer" is its data.
unsigned char* NodeFirst(const Quicklist::Node* n) { return IsPlain(n) ? n->entry : LpFirst(n->entry); }
unsigned char* NodeLast(const Quicklist::Node* n) { return IsPlain(n) ? n->entry : LpLast(n->entry); }
unsigned char* NodeNext(const Quicklist::Node* n, unsigned char* p) {
  return IsPlain(n) ? nullptr : LpNext(n->entry, p);
}
unsigned char* NodePrev(const Quicklist::Node* n, unsigned char* p) {
  return IsPlain(n) ? nullptr : LpPrev(n->entry, p);
}

}  // namespace

void Quicklist::SetPackedThreshold(size_t bytes) { g_packed_threshold = bytes; }
size_t Quicklist::PackedThreshold() { return g_packed_threshold; }

Quicklist::Quicklist(int fill, int compress) : compress_(compress < 0 ? 0 : compress) {
  if (fill > kFillMax) fill = kFillMax;
  if (fill < -5) fill = -5;
  fill_ = fill;
}

Quicklist::~Quicklist() {
  Node* n = head_;
  while (n) {
    Node* next = n->next;
    alloc::Free(n->entry);
    alloc::Free(n);
    n = next;
  }
}

Quicklist* Quicklist::Create(int fill, int compress) {
  return new (alloc::Meta(sizeof(Quicklist))) Quicklist(fill, compress);
}

void Quicklist::Destroy(Quicklist* ql) {
  ql->~Quicklist();
  alloc::Free(ql);
}

Quicklist* Quicklist::Dup() const {
  Quicklist* copy = Create(fill_, compress_);
  for (Node* n = head_; n; n = n->next) {
    Node* c = NewNode();
    if (IsPlain(n)) {
      c->entry = static_cast<unsigned char*>(alloc::Payload(n->sz));
      memcpy(c->entry, n->entry, n->sz);
    } else {
      c->entry = LpDup(n->entry);
    }
    c->sz = n->sz;
    c->count = n->count;
    c->container = n->container;
    copy->InsertNode(copy->tail_, c, true);
    copy->count_ += c->count;
  }
  return copy;
}

Quicklist::Node* Quicklist::NewNode() {
  Node* n = static_cast<Node*>(alloc::Meta(sizeof(Node)));
  n->prev = n->next = nullptr;
  n->entry = nullptr;
  n->sz = 0;
  n->count = 0;
  n->container = Container::kPacked;
  return n;
}

Quicklist::Node* Quicklist::CreatePlainNode(std::string_view value) {
  Node* n = NewNode();
  n->entry = static_cast<unsigned char*>(alloc::Payload(value.size() ? value.size() : 1));
  if (!value.empty()) memcpy(n->entry, value.data(), value.size());
  n->sz = value.size();
  n->count = 1;
  n->container = Container::kPlain;
  return n;
}

void Quicklist::FillEntry(Node* n, unsigned char* p, long offset, Entry* e) {
  e->node = n;
  e->p = p;
  e->offset = offset;
  if (IsPlain(n)) {
    e->value = LpValue{};
    e->value.sval = std::string_view(reinterpret_cast<const char*>(n->entry), n->sz);
  } else {
    e->value = LpGet(p);
  }
}

// ---- sizing (Redis's _quicklistNodeAllowInsert / _quicklistNodeAllowMerge) ----

bool Quicklist::SizeMeetsOptimization(size_t sz) const {
  if (fill_ >= 0) return false;
  size_t level = static_cast<size_t>(-fill_) - 1;
  constexpr size_t kLevels = sizeof(kOptimizationLevel) / sizeof(kOptimizationLevel[0]);
  return level < kLevels && sz <= kOptimizationLevel[level];
}

bool Quicklist::AllowInsert(const Node* n, size_t sz) const {
  if (n == nullptr || IsPlain(n) || IsLargeElement(sz)) return false;
  size_t new_sz = n->sz + sz + kSizeEstimateOverhead;
  if (SizeMeetsOptimization(new_sz)) return true;
  if (new_sz > kSizeSafetyLimit) return false;
  return static_cast<long>(n->count) < fill_;
}

bool Quicklist::AllowMerge(const Node* a, const Node* b) const {
  if (a == nullptr || b == nullptr || IsPlain(a) || IsPlain(b)) return false;
  size_t merge_sz = a->sz + b->sz - kMergeOverhead;
  if (SizeMeetsOptimization(merge_sz)) return true;
  if (merge_sz > kSizeSafetyLimit) return false;
  return static_cast<long>(a->count + b->count) <= fill_;
}

// ---- node list maintenance ----

void Quicklist::InsertNode(Node* old_node, Node* new_node, bool after) {
  if (after) {
    new_node->prev = old_node;
    if (old_node) {
      new_node->next = old_node->next;
      if (old_node->next) old_node->next->prev = new_node;
      old_node->next = new_node;
    }
    if (tail_ == old_node) tail_ = new_node;
  } else {
    new_node->next = old_node;
    if (old_node) {
      new_node->prev = old_node->prev;
      if (old_node->prev) old_node->prev->next = new_node;
      old_node->prev = new_node;
    }
    if (head_ == old_node) head_ = new_node;
  }
  if (len_ == 0) head_ = tail_ = new_node;
  len_++;
}

void Quicklist::DelNode(Node* n) {
  if (n->next) n->next->prev = n->prev;
  if (n->prev) n->prev->next = n->next;
  if (n == tail_) tail_ = n->prev;
  if (n == head_) head_ = n->next;
  len_--;
  count_ -= n->count;
  alloc::Free(n->entry);
  alloc::Free(n);
}

bool Quicklist::DelIndex(Node* n, unsigned char** p) {
  if (IsPlain(n)) {
    DelNode(n);
    *p = nullptr;
    return true;
  }
  n->entry = LpDelete(n->entry, *p, p);
  n->count--;
  count_--;
  if (n->count == 0) {
    n->count = 0;
    DelNode(n);
    return true;
  }
  UpdateSize(n);
  return false;
}

void Quicklist::InsertPlainNode(Node* old_node, std::string_view value, bool after) {
  InsertNode(old_node, CreatePlainNode(value), after);
  count_++;
}

// ---- push / pop ----

void Quicklist::Push(End where, std::string_view value) {
  const bool at_head = where == End::kHead;
  Node* end = at_head ? head_ : tail_;
  if (TD_UNLIKELY(IsLargeElement(value.size()))) {
    InsertPlainNode(end, value, !at_head);
    return;
  }
  if (AllowInsert(end, value.size())) {
    end->entry = at_head ? LpPrepend(end->entry, value) : LpAppend(end->entry, value);
    UpdateSize(end);
    end->count++;
  } else {
    Node* n = NewNode();
    n->entry = at_head ? LpPrepend(LpNew(0), value) : LpAppend(LpNew(0), value);
    UpdateSize(n);
    n->count = 1;
    InsertNode(end, n, !at_head);
  }
  count_++;
}

bool Quicklist::Pop(End where, std::string* out) {
  if (count_ == 0) return false;
  Node* n = where == End::kHead ? head_ : tail_;
  unsigned char* p = where == End::kHead ? NodeFirst(n) : NodeLast(n);
  Entry e;
  FillEntry(n, p, 0, &e);
  if (e.value.is_int) {
    char buf[kLpIntBufSize];
    out->assign(LpGetView(p, buf));
  } else {
    out->assign(e.value.sval);
  }
  DelIndex(n, &p);
  return true;
}

// ---- random access ----

bool Quicklist::Index(long index, Entry* out) const {
  const bool forward = index >= 0;
  size_t want = forward ? static_cast<size_t>(index) : static_cast<size_t>(-(index + 1));
  if (want >= count_) return false;
  // Seek from the nearer end, as Redis 7.0 does.
  bool seek_forward = forward;
  size_t seek = want;
  if (want > (count_ - 1) / 2) {
    seek_forward = !forward;
    seek = count_ - 1 - want;
  }
  Node* n = seek_forward ? head_ : tail_;
  size_t passed = 0;
  while (n && passed + n->count <= seek) {
    passed += n->count;
    n = seek_forward ? n->next : n->prev;
  }
  TD_ASSERT(n != nullptr);
  long in_node = static_cast<long>(seek - passed);
  long offset = seek_forward ? in_node : static_cast<long>(n->count) - 1 - in_node;
  unsigned char* p = IsPlain(n) ? n->entry : LpSeek(n->entry, offset);
  FillEntry(n, p, offset, out);
  return true;
}

bool Quicklist::ReplaceAtIndex(long index, std::string_view value) {
  Entry e;
  if (!Index(index, &e)) return false;
  Node* n = e.node;
  if (!IsPlain(n) && !IsLargeElement(value.size())) {
    n->entry = LpReplace(n->entry, &e.p, value);
    UpdateSize(n);
  } else if (IsPlain(n)) {
    if (IsLargeElement(value.size())) {
      alloc::Free(n->entry);
      n->entry = static_cast<unsigned char*>(alloc::Payload(value.size()));
      memcpy(n->entry, value.data(), value.size());
      n->sz = value.size();
    } else {
      // A small value replacing a plain node goes into a packed node next
      // to it, then the plain node goes.
      Insert(e, value, true);
      DelNode(n);
    }
  } else {
    // A large value in a packed node: insert it after the element (which
    // splits the node so the element is the last of n), then delete the
    // element itself.
    Insert(e, value, true);
    if (n->count == 1) {
      DelNode(n);
    } else {
      unsigned char* p = LpLast(n->entry);
      DelIndex(n, &p);
    }
  }
  return true;
}

// ---- insertion in the middle (Redis's _quicklistInsert) ----

Quicklist::Node* Quicklist::SplitNode(Node* n, long offset, bool after) {
  Node* nn = NewNode();
  nn->entry = LpDup(n->entry);
  // after: n keeps [0, offset], nn gets the rest; before: n keeps
  // [offset, end), nn gets [0, offset).
  long count = static_cast<long>(n->count);
  if (after) {
    n->entry = LpDeleteRange(n->entry, offset + 1, static_cast<size_t>(count - offset - 1));
    nn->entry = LpDeleteRange(nn->entry, 0, static_cast<size_t>(offset + 1));
  } else {
    n->entry = LpDeleteRange(n->entry, 0, static_cast<size_t>(offset));
    nn->entry = LpDeleteRange(nn->entry, offset, static_cast<size_t>(count - offset));
  }
  n->count = static_cast<uint32_t>(LpLength(n->entry));
  UpdateSize(n);
  nn->count = static_cast<uint32_t>(LpLength(nn->entry));
  UpdateSize(nn);
  return nn;
}

Quicklist::Node* Quicklist::MergeListpacks(Node* a, Node* b) {
  a->entry = LpMerge(a->entry, b->entry);
  b->entry = nullptr;
  a->count += b->count;
  UpdateSize(a);
  // Unlink b; its elements now live in a, so the list's count stays.
  b->count = 0;
  DelNode(b);
  return a;
}

void Quicklist::MergeNodes(Node* center) {
  Node* prev = center->prev;
  Node* prev_prev = prev ? prev->prev : nullptr;
  Node* next = center->next;
  Node* next_next = next ? next->next : nullptr;
  if (AllowMerge(prev, prev_prev)) MergeListpacks(prev_prev, prev);
  if (AllowMerge(next, next_next)) MergeListpacks(next, next_next);
  Node* target = center;
  if (AllowMerge(center, center->prev)) target = MergeListpacks(center->prev, center);
  if (AllowMerge(target, target->next)) MergeListpacks(target, target->next);
}

void Quicklist::Insert(const Entry& e, std::string_view value, bool after) {
  Node* n = e.node;
  const size_t sz = value.size();
  if (n == nullptr) {
    if (IsLargeElement(sz)) {
      InsertPlainNode(tail_, value, after);
      return;
    }
    Node* nn = NewNode();
    nn->entry = LpPrepend(LpNew(0), value);
    UpdateSize(nn);
    nn->count = 1;
    InsertNode(nullptr, nn, after);
    count_++;
    return;
  }
  const bool full = !AllowInsert(n, sz);
  const long last = static_cast<long>(n->count) - 1;
  const bool at_tail = after && e.offset == last;
  const bool at_head = !after && e.offset == 0;
  const bool avail_next = at_tail && AllowInsert(n->next, sz);
  const bool avail_prev = at_head && AllowInsert(n->prev, sz);

  if (IsLargeElement(sz)) {
    if (IsPlain(n) || at_tail || at_head) {
      InsertPlainNode(n, value, after);
    } else {
      Node* split = SplitNode(n, e.offset, after);
      Node* plain = CreatePlainNode(value);
      InsertNode(n, plain, after);
      InsertNode(plain, split, after);
      count_++;
    }
    return;
  }

  if (!full) {
    unsigned char* p = e.p;
    n->entry = LpInsertString(n->entry, value, p, after ? LpWhere::kAfter : LpWhere::kBefore, nullptr);
    n->count++;
    UpdateSize(n);
  } else if (at_tail && avail_next) {
    Node* nn = n->next;
    nn->entry = LpPrepend(nn->entry, value);
    nn->count++;
    UpdateSize(nn);
  } else if (at_head && avail_prev) {
    Node* pn = n->prev;
    pn->entry = LpAppend(pn->entry, value);
    pn->count++;
    UpdateSize(pn);
  } else if (at_tail || at_head) {
    Node* nn = NewNode();
    nn->entry = LpPrepend(LpNew(0), value);
    nn->count = 1;
    UpdateSize(nn);
    InsertNode(n, nn, after);
  } else {
    // A full node in the middle: split at the element, put the value at
    // the near end of the new half, and merge what can be merged around.
    Node* nn = SplitNode(n, e.offset, after);
    nn->entry = after ? LpPrepend(nn->entry, value) : LpAppend(nn->entry, value);
    nn->count++;
    UpdateSize(nn);
    InsertNode(n, nn, after);
    MergeNodes(n);
  }
  count_++;
}

void Quicklist::InsertBefore(const Entry& e, std::string_view value) { Insert(e, value, false); }
void Quicklist::InsertAfter(const Entry& e, std::string_view value) { Insert(e, value, true); }

// ---- range deletion (Redis's quicklistDelRange) ----

bool Quicklist::DelRange(long start, long count) {
  if (count <= 0) return false;
  size_t extent = static_cast<size_t>(count);
  if (start >= 0 && static_cast<size_t>(start) < count_ && extent > count_ - static_cast<size_t>(start)) {
    extent = count_ - static_cast<size_t>(start);
  } else if (start < 0 && extent > static_cast<size_t>(-start)) {
    extent = static_cast<size_t>(-start);
  }
  Entry e;
  if (!Index(start, &e)) return false;
  Node* n = e.node;
  size_t offset = static_cast<size_t>(e.offset);
  while (extent > 0 && n != nullptr) {
    Node* next = n->next;
    size_t del;
    bool entire = false;
    if (offset == 0 && extent >= n->count) {
      entire = true;
      del = n->count;
    } else if (extent + offset >= n->count) {
      del = n->count - offset;
    } else {
      del = extent;
    }
    if (entire || IsPlain(n)) {
      DelNode(n);
    } else {
      n->entry = LpDeleteRange(n->entry, static_cast<long>(offset), del);
      UpdateSize(n);
      n->count -= static_cast<uint32_t>(del);
      count_ -= del;
      if (n->count == 0) DelNode(n);
    }
    extent -= del;
    n = next;
    offset = 0;
  }
  return true;
}

// ---- loading ----

void Quicklist::AppendListpack(unsigned char* lp) {
  Node* n = NewNode();
  n->entry = lp;
  n->count = static_cast<uint32_t>(LpLength(lp));
  UpdateSize(n);
  InsertNode(tail_, n, true);
  count_ += n->count;
}

void Quicklist::AppendPlainNode(std::string_view value) {
  InsertNode(tail_, CreatePlainNode(value), true);
  count_++;
}

// ---- verification ----

bool Quicklist::Verify(std::string* why) const {
  auto fail = [&](const char* msg) {
    if (why) *why = msg;
    return false;
  };
  size_t nodes = 0, elems = 0;
  const Node* prev = nullptr;
  for (const Node* n = head_; n; n = n->next) {
    if (n->prev != prev) return fail("broken prev link");
    if (n->count == 0) return fail("empty node");
    if (IsPlain(n)) {
      if (n->count != 1) return fail("plain node with more than one element");
    } else {
      if (n->container != Container::kPacked) return fail("bad container");
      if (n->sz != LpBytes(n->entry)) return fail("cached size differs from the listpack's");
      if (n->count != LpLength(n->entry)) return fail("cached count differs from the listpack's");
      if (!LpValidateIntegrity(n->entry, n->sz, true)) return fail("listpack fails validation");
    }
    nodes++;
    elems += n->count;
    prev = n;
  }
  if (prev != tail_) return fail("tail is not the last node");
  if (nodes != len_) return fail("node count differs from len");
  if (elems != count_) return fail("element count differs from count");
  if ((head_ == nullptr) != (tail_ == nullptr)) return fail("head/tail mismatch");
  return true;
}

// ---- iteration ----

Quicklist::Iterator::Iterator(Quicklist* ql, End from) : ql_(ql), forward_(from == End::kHead) {}

Quicklist::Iterator::Iterator(Quicklist* ql, End from, long start_index) : ql_(ql), forward_(from == End::kHead) {
  Entry e;
  started_ = true;
  deleted_ = true;  // "p_ is what Next returns", as after a deletion
  if (ql->Index(start_index, &e)) {
    node_ = e.node;
    p_ = e.p;
    offset_ = e.offset;
  }
}

bool Quicklist::Iterator::Next(Entry* e) {
  if (!started_) {
    started_ = true;
    node_ = forward_ ? ql_->head_ : ql_->tail_;
    if (node_) {
      p_ = forward_ ? NodeFirst(node_) : NodeLast(node_);
      offset_ = forward_ ? 0 : static_cast<long>(node_->count) - 1;
    }
  } else if (!deleted_ && node_ != nullptr) {
    p_ = forward_ ? NodeNext(node_, p_) : NodePrev(node_, p_);
    offset_ += forward_ ? 1 : -1;
  }
  // After a deletion node_/p_/offset_ already name the element to return.
  deleted_ = false;
  while (node_ != nullptr && p_ == nullptr) {
    node_ = forward_ ? node_->next : node_->prev;
    if (node_) {
      p_ = forward_ ? NodeFirst(node_) : NodeLast(node_);
      offset_ = forward_ ? 0 : static_cast<long>(node_->count) - 1;
    }
  }
  if (node_ == nullptr) return false;
  FillEntry(node_, p_, offset_, e);
  return true;
}

void Quicklist::Iterator::DeleteCurrent() {
  TD_ASSERT(started_ && !deleted_ && node_ != nullptr);
  Node* prev = node_->prev;
  Node* next = node_->next;
  unsigned char* following = p_;
  bool gone = ql_->DelIndex(node_, &following);
  deleted_ = true;
  if (gone) {
    node_ = forward_ ? next : prev;
    p_ = nullptr;
    if (node_) {
      p_ = forward_ ? NodeFirst(node_) : NodeLast(node_);
      offset_ = forward_ ? 0 : static_cast<long>(node_->count) - 1;
    }
    return;
  }
  if (forward_) {
    p_ = following;  // same offset; nullptr: Next moves to the next node
  } else {
    p_ = following ? LpPrev(node_->entry, following) : LpLast(node_->entry);
    offset_--;
  }
}

}  // namespace ds
