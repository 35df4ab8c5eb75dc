// Quicklist: Redis 7.0's list representation, a doubly linked list of nodes
// each holding a listpack of elements (or, for one huge element, the raw
// bytes of that element: a "plain" node).
//
// Tiers. A node (prev/next/entry/size/count: what every LINDEX or LPUSH
// chases) is metadata, allocated with alloc::Meta and so always in DRAM. Its
// listpack is a payload (ds::LpNew / every growth through ReallocPayload),
// so placement decides its tier: a node's listpack that grows past
// tier-nvm-min-size moves to NVM and stays there. Plain nodes' bytes are
// payloads too.
//
// Node sizing follows Redis 7.0 exactly (so DUMP produces the same node
// layout as a real Redis for the same history of commands):
//  - fill > 0 (list-max-listpack-size N): at most N entries per node, and
//    no node grows past kSizeSafetyLimit (8 KiB) bytes by insertion;
//  - fill -1..-5: a node's listpack may reach 4/8/16/32/64 KiB; values
//    below -5 act as -5, above kFillMax as kFillMax, 0 as 1 entry per node;
//  - the size of an insertion is estimated as Redis does (the element's
//    bytes plus 8, an overestimate of a listpack entry's overhead), and a
//    merge as the sum minus 11 (Redis 7.0.15 still subtracts the old
//    ziplist header), so a merged node can exceed its cap by 4 bytes;
//  - an element of at least the packed threshold (1 GiB by default, Redis's
//    packed_threshold, changeable for tests) gets a plain node of its own.
// Inserting in the middle of a full node splits it and then merges the
// neighbourhood as Redis's _quicklistMergeNodes does; deletions never merge.
//
// Compression: list-compress-depth is accepted and kept, but nodes are not
// LZF-compressed (Redis's own default is depth 0, no compression). Nothing
// observable depends on it except memory use.
//
// Invariants (checked by Verify): no node is empty; a plain node holds
// exactly one element; each node's cached count and size equal its
// listpack's; the sum of node counts is count(); prev/next links are
// consistent and head/tail are the ends.
//
// Iterators: at most one iterator modifies a list at a time; any
// modification other than through that iterator's DeleteCurrent invalidates
// every iterator and Entry of the list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ds/listpack.h"

namespace ds {

class Quicklist {
 public:
  enum class Container : uint8_t { kPlain = 1, kPacked = 2 };  // Redis's numbers (RDB)

  struct Node {
    Node* prev;
    Node* next;
    unsigned char* entry;  // listpack (packed) or raw element bytes (plain)
    size_t sz;             // bytes of entry
    uint32_t count;        // elements in this node
    Container container;
  };

  // One element as seen by Index or an iterator. The value views bytes inside
  // the node (or is an integer); valid until the list is modified.
  struct Entry {
    Node* node = nullptr;
    unsigned char* p = nullptr;  // element inside node's listpack; node->entry for plain nodes
    long offset = 0;             // index of the element inside its node (0-based)
    LpValue value;
  };

  enum class End { kHead, kTail };

  // Redis's limits: fill is stored in 16 bits, so at most 32767 entries.
  static constexpr int kFillMax = (1 << 15) - 1;
  // Redis's optimization_level[]: the byte caps of fill -1..-5.
  static constexpr size_t kOptimizationLevel[] = {4096, 8192, 16384, 32768, 65536};
  // Redis's SIZE_SAFETY_LIMIT: with a count fill, no node grows past 8 KiB.
  static constexpr size_t kSizeSafetyLimit = 8192;
  // Redis's packed_threshold default: elements of 1 GiB or more get a plain node.
  static constexpr size_t kDefaultPackedThreshold = size_t{1} << 30;

  // fill: list-max-listpack-size; compress: list-compress-depth.
  Quicklist(int fill, int compress);
  ~Quicklist();
  Quicklist(const Quicklist&) = delete;
  Quicklist& operator=(const Quicklist&) = delete;

  // A quicklist allocated as metadata (alloc::Meta, so the DRAM counters
  // see it in every build), and its destruction.
  static Quicklist* Create(int fill, int compress);
  static void Destroy(Quicklist* ql);

  // A deep copy (COPY) made by Create: same node layout, payloads placed anew.
  Quicklist* Dup() const;

  size_t count() const { return count_; }  // elements
  size_t len() const { return len_; }      // nodes
  int fill() const { return fill_; }
  int compress() const { return compress_; }
  Node* head() const { return head_; }
  Node* tail() const { return tail_; }

  void Push(End where, std::string_view value);
  void PushHead(std::string_view value) { Push(End::kHead, value); }
  void PushTail(std::string_view value) { Push(End::kTail, value); }
  // Removes the element at an end and copies its bytes into *out (integers
  // in decimal). Returns false when the list is empty.
  bool Pop(End where, std::string* out);

  // The element at index (negative: from the tail, -1 is the last). Returns
  // false when out of range.
  bool Index(long index, Entry* out) const;
  // Replaces the element at index. Returns false when out of range.
  bool ReplaceAtIndex(long index, std::string_view value);
  // Inserts value before / after the element e (from Index or an iterator).
  // Invalidates e and every iterator.
  void InsertBefore(const Entry& e, std::string_view value);
  void InsertAfter(const Entry& e, std::string_view value);
  // Deletes count elements starting at start (negative: from the tail).
  // Returns false when start is out of range or count <= 0.
  bool DelRange(long start, long count);

  // RDB loading: appends a node made of a whole listpack (ownership taken;
  // REQUIRES: non-empty, validated) or a plain node of one element (the
  // bytes are copied into a payload).
  void AppendListpack(unsigned char* lp);
  void AppendPlainNode(std::string_view value);

  // Checks every invariant listed at the top; false (with the first
  // violation in *why when given) if one fails.
  bool Verify(std::string* why = nullptr) const;

  // Elements of at least this many bytes get plain nodes (DEBUG
  // QUICKLIST-PACKED-THRESHOLD). Process-wide, as in Redis.
  static void SetPackedThreshold(size_t bytes);
  static size_t PackedThreshold();

  // Iteration in either direction, with deletion of the current element.
  class Iterator {
   public:
    // Starts before the first element of the direction (head for kHead
    // meaning "walk head to tail"). start_index, when given, is the index
    // of the first element returned (negative from the tail); an index out
    // of range yields an iterator that returns nothing.
    Iterator(Quicklist* ql, End from);
    Iterator(Quicklist* ql, End from, long start_index);
    // Moves to the next element and fills *e. False at the end.
    bool Next(Entry* e);
    // Deletes the element last returned by Next; the following Next returns
    // the element after it in the iteration direction. REQUIRES: Next
    // returned true since the last DeleteCurrent.
    void DeleteCurrent();

   private:
    Quicklist* ql_;
    bool forward_;
    Node* node_ = nullptr;       // node of the current element
    unsigned char* p_ = nullptr; // current element, or the element to return next after a delete
    long offset_ = 0;            // index of p_ inside node_
    bool started_ = false;
    bool deleted_ = false;       // DeleteCurrent ran: p_/node_ already point at what comes next
  };

 private:
  static Node* NewNode();
  static void FillEntry(Node* n, unsigned char* p, long offset, Entry* e);
  bool AllowInsert(const Node* n, size_t sz) const;
  bool AllowMerge(const Node* a, const Node* b) const;
  bool SizeMeetsOptimization(size_t sz) const;
  void InsertNode(Node* old_node, Node* new_node, bool after);
  void DelNode(Node* n);
  // Deletes the element p of node n; returns true if n itself was deleted
  // (it became empty or was plain). *p receives the following element.
  bool DelIndex(Node* n, unsigned char** p);
  Node* SplitNode(Node* n, long offset, bool after);
  Node* MergeListpacks(Node* a, Node* b);
  void MergeNodes(Node* center);
  void Insert(const Entry& e, std::string_view value, bool after);
  void InsertPlainNode(Node* old_node, std::string_view value, bool after);
  static Node* CreatePlainNode(std::string_view value);
  static void UpdateSize(Node* n) { n->sz = LpBytes(n->entry); }

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t count_ = 0;
  size_t len_ = 0;
  int fill_;
  int compress_;
};

}  // namespace ds
