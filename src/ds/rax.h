// Rax: an ordered map from byte strings to pointers, kept as a radix tree
// with compressed nodes (Redis's rax shape), for the stream type: its
// listpacks by 128-bit big-endian entry ID, its consumer groups and
// consumers by name, and its pending-entry lists by ID.
//
// Shape. Every node holds the run of key bytes that leads to it from its
// parent (its "prefix"; the root's is empty), an optional value, and its
// children sorted by the first byte of their prefixes (no two children share
// a first byte). A key is the concatenation of the prefixes from the root to
// the node that holds its value. Invariants, checked by Verify():
//   - every node but the root has a non-empty prefix;
//   - children are sorted strictly by their first prefix byte;
//   - a node other than the root has a value or at least two children
//     (a valueless node with one child is merged into it, one with none is
//     removed): so a chain of single-child nodes never forms, which is what
//     "compressed" means here, and the node count is below 2 x keys + 1.
// Keys of a stream (16 bytes) therefore take one node each plus the shared
// prefix nodes above them, not 16.
//
// Memory: a node is a 14-byte header and its prefix in one block; a leaf
// keeps its value in the header, a node with children points at one array
// of child pointers followed, when it also holds a key, by the value. So a
// stream's node costs 16 bytes plus its pointer in the parent's array,
// less than Redis's own rax. Nodes and arrays are metadata (alloc::Meta, DRAM);
// the values are the caller's. bytes() is the sum of the usable sizes of
// every block the tree holds, kept up to date on each change (MEMORY USAGE).
//
// Iteration is by seeking: an Iterator remembers its current key and every
// step is a fresh O(key length x fan-out) descent, so the tree may be
// modified between steps (entries removed or inserted) without invalidating
// it, as the stream code needs when it deletes while it walks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ds {

class Rax {
 public:
  Rax();
  ~Rax();
  Rax(const Rax&) = delete;
  Rax& operator=(const Rax&) = delete;

  // Opaque outside rax.cc.
  struct Node;

  size_t size() const { return size_; }
  size_t nodes() const { return nodes_; }
  // Usable bytes of every node and child array (DRAM).
  size_t bytes() const { return bytes_; }
  // The node count Redis's own rax would have for the same keys (XINFO
  // STREAM radix-tree-nodes): Redis keeps a node per position where keys
  // branch or end, as here, plus one per multi-byte edge leaving a
  // branching node (its first byte is the branch, the rest a compressed
  // node of its own). O(nodes).
  size_t RedisNodeCount() const;

  // Inserts key -> value. Returns false, leaving the old value, when the key
  // exists (*old receives it if not null).
  bool TryInsert(std::string_view key, void* value, void** old = nullptr);
  // Inserts or overwrites. Returns true when the key is new.
  bool Insert(std::string_view key, void* value);
  // True iff key is present; *value receives its value if not null.
  bool Find(std::string_view key, void** value = nullptr) const;
  // Removes key; true when it was present (*old receives its value).
  bool Remove(std::string_view key, void** old = nullptr);
  // Removes every key, calling free_value on each value when not null.
  void Clear(void (*free_value)(void*) = nullptr);
  // Calls fn on every value, in no particular order, allocating nothing
  // (destructors, possibly on the lazy-free thread). The tree is unchanged.
  void ForEachValue(void (*fn)(void*)) const;

  // Seek operations: the first key >= / > key, the last key <= / < key, the
  // first and the last key. Each returns false when there is none; else
  // *out receives the key and *value (if not null) its value.
  enum class Op { kGe, kGt, kLe, kLt };
  bool Seek(Op op, std::string_view key, std::string* out, void** value) const;
  bool First(std::string* out, void** value) const;
  bool Last(std::string* out, void** value) const;

  // Visits every key in order (fn returns false to stop early).
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    std::string k;
    void* v;
    bool ok = First(&k, &v);
    while (ok && fn(std::string_view(k), v)) ok = Seek(Op::kGt, k, &k, &v);
  }

  // Checks the invariants above and the counters; false when broken.
  bool Verify() const;

  // A position in the tree, valid across modifications (see above).
  class Iterator {
   public:
    explicit Iterator(const Rax* rax) : rax_(rax) {}
    // Positions before the first key of the given seek (Next returns it).
    void Seek(Op op, std::string_view key);
    void SeekFirst();
    void SeekLast();
    // Moves to the next key in the direction given: Next after a Seek
    // returns the key found by the seek; later calls move forward (Next) or
    // backward (Prev) from the current key. False at the end.
    bool Next() { return Step(Op::kGt); }
    bool Prev() { return Step(Op::kLt); }
    std::string_view key() const { return key_; }
    void* value() const { return value_; }

   private:
    enum class Pending { kNone, kSeek, kFirst, kLast };
    bool Step(Op step);
    const Rax* rax_;
    std::string key_;
    void* value_ = nullptr;
    Pending pending_ = Pending::kNone;
    Op op_ = Op::kGe;
    bool valid_ = false;
  };

 private:
  Node* NewNode(std::string_view prefix);
  void FreeNode(Node* n);
  // Resizes n's slot array to `slots` entries (children, then the value
  // when the node has one and children), keeping bytes_ exact.
  void ResizeSlots(Node* n, size_t slots);
  void AddChild(Node* n, Node* child);
  void RemoveChild(Node* n, int at);
  void SetValue(Node* n, void* value);
  void ClearValue(Node* n);
  // A copy of n with another prefix (value and children taken over); frees n.
  Node* CloneWithPrefix(Node* n, std::string_view prefix);
  void FreeTree(Node* n, void (*free_value)(void*));
  bool VerifyNode(const Node* n, bool root, size_t* keys, size_t* nodes, size_t* bytes) const;

  Node* root_;
  size_t size_ = 0;
  size_t nodes_ = 0;
  size_t bytes_ = 0;
};

}  // namespace ds
