// Rax implementation (shape and invariants in rax.h).
//
// A node is one DRAM block: a 14-byte header followed by its prefix bytes.
// `ptr` is the value of a leaf, or, when the node has children, an
// exact-size array of slots: the children sorted by their first prefix
// byte, then the node's value if it has one. Fan-out is small (stream IDs
// that share a millisecond differ in their last bytes only), so arrays are
// reallocated on every change.
#include "ds/rax.h"

#include <cstddef>
#include <cstring>
#include <vector>

#include "alloc/zmalloc.h"
#include "common/macros.h"

namespace ds {

struct Rax::Node {
  void* ptr;                 // value (no children) or slot array (see above)
  uint32_t prefix_len : 31;
  uint32_t has_value : 1;
  uint16_t n_children;       // at most 256
  static const size_t kHeader;
  unsigned char* prefix() { return reinterpret_cast<unsigned char*>(this) + kHeader; }
  const unsigned char* prefix() const { return reinterpret_cast<const unsigned char*>(this) + kHeader; }
  std::string_view prefix_view() const { return {reinterpret_cast<const char*>(prefix()), prefix_len}; }
  void** slots() const { return static_cast<void**>(ptr); }
  Node* child(size_t i) const { return static_cast<Node*>(slots()[i]); }
  void* value() const { return n_children == 0 ? ptr : slots()[n_children]; }
};
// The prefix follows the last field directly (in the header's trailing
// padding): a node with a 1-byte prefix is a 16-byte block.
const size_t Rax::Node::kHeader = offsetof(Rax::Node, n_children) + sizeof(uint16_t);
static_assert(offsetof(Rax::Node, n_children) + sizeof(uint16_t) == 14, "the node header is 14 bytes");

namespace {

size_t CommonPrefix(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  size_t i = 0;
  while (i < n && a[i] == b[i]) i++;
  return i;
}

// The index of the child whose prefix starts with b, or -1.
int FindChild(const Rax::Node* n, unsigned char b) {
  // Children are few and sorted: a binary search over their first bytes.
  int lo = 0, hi = static_cast<int>(n->n_children) - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    unsigned char c = n->child(static_cast<size_t>(mid))->prefix()[0];
    if (c == b) return mid;
    if (c < b) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return -1;
}

}  // namespace

Rax::Rax() { root_ = NewNode({}); }

Rax::~Rax() { FreeTree(root_, nullptr); }

Rax::Node* Rax::NewNode(std::string_view prefix) {
  const size_t size = Node::kHeader + prefix.size();
  auto* n = static_cast<Node*>(alloc::Meta(size < sizeof(Node) ? sizeof(Node) : size));
  n->ptr = nullptr;
  n->prefix_len = static_cast<uint32_t>(prefix.size());
  n->has_value = 0;
  n->n_children = 0;
  if (!prefix.empty()) memcpy(n->prefix(), prefix.data(), prefix.size());
  nodes_++;
  bytes_ += alloc::UsableSize(n);
  return n;
}

void Rax::FreeNode(Node* n) {
  if (n->n_children != 0) {
    bytes_ -= alloc::UsableSize(n->ptr);
    alloc::Free(n->ptr);
  }
  bytes_ -= alloc::UsableSize(n);
  nodes_--;
  alloc::Free(n);
}

void Rax::ResizeSlots(Node* n, size_t slots) {
  void* arr = n->n_children != 0 ? n->ptr : nullptr;
  if (arr != nullptr) bytes_ -= alloc::UsableSize(arr);
  arr = alloc::Realloc(arr, slots * sizeof(void*));
  bytes_ += alloc::UsableSize(arr);
  n->ptr = arr;
}

// Inserts child at its sorted place.
void Rax::AddChild(Node* n, Node* child) {
  const unsigned char b = child->prefix()[0];
  const size_t count = n->n_children;
  void* value = n->has_value ? n->value() : nullptr;
  if (count == 0) n->ptr = nullptr;  // the value moves into the array
  ResizeSlots(n, count + 1 + n->has_value);
  void** s = n->slots();
  size_t at = 0;
  while (at < count && static_cast<Node*>(s[at])->prefix()[0] < b) at++;
  memmove(s + at + 1, s + at, (count - at) * sizeof(void*));
  s[at] = child;
  if (n->has_value) s[count + 1] = value;
  n->n_children = static_cast<uint16_t>(count + 1);
}

void Rax::RemoveChild(Node* n, int at) {
  const size_t count = n->n_children;
  void** s = n->slots();
  void* value = n->has_value ? s[count] : nullptr;
  if (count == 1) {
    bytes_ -= alloc::UsableSize(s);
    alloc::Free(s);
    n->ptr = value;
    n->n_children = 0;
    return;
  }
  memmove(s + at, s + at + 1, (count - static_cast<size_t>(at) - 1) * sizeof(void*));
  if (n->has_value) s[count - 1] = value;
  ResizeSlots(n, count - 1 + n->has_value);
  n->n_children = static_cast<uint16_t>(count - 1);
}

void Rax::SetValue(Node* n, void* value) {
  if (n->n_children == 0) {
    n->ptr = value;
  } else {
    if (!n->has_value) ResizeSlots(n, n->n_children + 1u);
    n->slots()[n->n_children] = value;
  }
  n->has_value = 1;
}

void Rax::ClearValue(Node* n) {
  if (n->n_children == 0) {
    n->ptr = nullptr;
  } else if (n->has_value) {
    ResizeSlots(n, n->n_children);
  }
  n->has_value = 0;
}

// A copy of n (value and children taken over) with another prefix; n is
// freed (its slot array moves to the copy).
Rax::Node* Rax::CloneWithPrefix(Node* n, std::string_view prefix) {
  Node* c = NewNode(prefix);
  c->ptr = n->ptr;
  c->has_value = n->has_value;
  c->n_children = n->n_children;
  n->n_children = 0;
  n->ptr = nullptr;
  FreeNode(n);
  return c;
}

void Rax::FreeTree(Node* n, void (*free_value)(void*)) {
  for (uint32_t i = 0; i < n->n_children; i++) FreeTree(n->child(i), free_value);
  if (n->has_value && free_value != nullptr) free_value(n->value());
  FreeNode(n);
}

namespace {
void ValuesUnder(const Rax::Node* n, void (*fn)(void*)) {
  for (uint32_t i = 0; i < n->n_children; i++) ValuesUnder(n->child(i), fn);
  if (n->has_value) fn(n->value());
}
}  // namespace

void Rax::ForEachValue(void (*fn)(void*)) const { ValuesUnder(root_, fn); }

void Rax::Clear(void (*free_value)(void*)) {
  FreeTree(root_, free_value);
  root_ = NewNode({});
  size_ = 0;
}

bool Rax::TryInsert(std::string_view key, void* value, void** old) {
  Node* n = root_;
  size_t pos = 0;
  for (;;) {
    if (pos == key.size()) {
      if (n->has_value) {
        if (old != nullptr) *old = n->value();
        return false;
      }
      SetValue(n, value);
      size_++;
      return true;
    }
    const auto b = static_cast<unsigned char>(key[pos]);
    int ci = FindChild(n, b);
    if (ci < 0) {
      // A new leaf holding the rest of the key.
      Node* leaf = NewNode(key.substr(pos));
      SetValue(leaf, value);
      AddChild(n, leaf);
      size_++;
      return true;
    }
    Node* c = n->child(static_cast<size_t>(ci));
    std::string_view cp = c->prefix_view();
    size_t m = CommonPrefix(cp, key.substr(pos));
    if (m == cp.size()) {
      n = c;
      pos += m;
      continue;
    }
    // Split c: a middle node with the shared part, c below it with the rest.
    Node* mid = NewNode(cp.substr(0, m));
    std::string rest(cp.substr(m));
    Node* lower = CloneWithPrefix(c, rest);
    AddChild(mid, lower);
    n->slots()[ci] = mid;
    n = mid;
    pos += m;
    // The loop adds the key to mid (as its value, or as a new leaf).
  }
}

bool Rax::Insert(std::string_view key, void* value) {
  Node* n = root_;
  size_t pos = 0;
  // Overwrite in place when present (no structural change).
  for (;;) {
    if (pos == key.size()) {
      if (n->has_value) {
        SetValue(n, value);
        return false;
      }
      break;
    }
    int ci = FindChild(n, static_cast<unsigned char>(key[pos]));
    if (ci < 0) break;
    Node* c = n->child(static_cast<size_t>(ci));
    if (key.size() - pos < c->prefix_len || memcmp(c->prefix(), key.data() + pos, c->prefix_len) != 0) break;
    pos += c->prefix_len;
    n = c;
  }
  return TryInsert(key, value, nullptr);
}

bool Rax::Find(std::string_view key, void** value) const {
  const Node* n = root_;
  size_t pos = 0;
  for (;;) {
    if (pos == key.size()) {
      if (!n->has_value) return false;
      if (value != nullptr) *value = n->value();
      return true;
    }
    int ci = FindChild(n, static_cast<unsigned char>(key[pos]));
    if (ci < 0) return false;
    const Node* c = n->child(static_cast<size_t>(ci));
    if (key.size() - pos < c->prefix_len || memcmp(c->prefix(), key.data() + pos, c->prefix_len) != 0)
      return false;
    pos += c->prefix_len;
    n = c;
  }
}

bool Rax::Remove(std::string_view key, void** old) {
  // The path: parents and the child index taken at each.
  Node* path[64];
  int idx[64];
  std::vector<std::pair<Node*, int>> deep;  // only for keys deeper than 64 nodes
  size_t depth = 0;
  auto push = [&](Node* p, int i) {
    if (depth < 64) {
      path[depth] = p;
      idx[depth] = i;
    } else {
      deep.emplace_back(p, i);
    }
    depth++;
  };
  auto at = [&](size_t d, Node** p, int* i) {
    if (d < 64) {
      *p = path[d];
      *i = idx[d];
    } else {
      *p = deep[d - 64].first;
      *i = deep[d - 64].second;
    }
  };
  Node* n = root_;
  size_t pos = 0;
  while (pos < key.size()) {
    int ci = FindChild(n, static_cast<unsigned char>(key[pos]));
    if (ci < 0) return false;
    Node* c = n->child(static_cast<size_t>(ci));
    if (key.size() - pos < c->prefix_len || memcmp(c->prefix(), key.data() + pos, c->prefix_len) != 0)
      return false;
    push(n, ci);
    pos += c->prefix_len;
    n = c;
  }
  if (!n->has_value) return false;
  if (old != nullptr) *old = n->value();
  ClearValue(n);
  size_--;
  // Restore the invariants walking up: remove childless valueless nodes,
  // merge a valueless node with its only child.
  while (n != root_ && !n->has_value) {
    Node* parent;
    int pi;
    at(depth - 1, &parent, &pi);
    if (n->n_children == 0) {
      FreeNode(n);
      RemoveChild(parent, pi);
      n = parent;
      depth--;
      continue;
    }
    if (n->n_children == 1) {
      Node* child = n->child(0);
      std::string merged(n->prefix_view());
      merged.append(child->prefix_view());
      parent->slots()[pi] = CloneWithPrefix(child, merged);
      FreeNode(n);
    }
    break;
  }
  return true;
}

namespace {

using Node = Rax::Node;

bool MinUnder(const Node* n, std::string* path, void** value) {
  for (;;) {
    if (n->has_value) {
      if (value) *value = n->value();
      return true;
    }
    if (n->n_children == 0) return false;
    n = n->child(0);
    path->append(n->prefix_view());
  }
}

bool MaxUnder(const Node* n, std::string* path, void** value) {
  for (;;) {
    if (n->n_children == 0) {
      if (!n->has_value) return false;
      if (value) *value = n->value();
      return true;
    }
    n = n->child(n->n_children - 1u);
    path->append(n->prefix_view());
  }
}

// The first key >= (strict: >) key under n, whose path (n's prefix
// included) is key[0, pos) and sits in *path.
bool SeekGe(const Node* n, std::string_view key, size_t pos, bool strict, std::string* path, void** value) {
  if (pos == key.size()) {
    if (n->has_value && !strict) {
      if (value) *value = n->value();
      return true;
    }
    // Every key below is longer, so greater.
    for (uint32_t i = 0; i < n->n_children; i++) {
      size_t keep = path->size();
      path->append(n->child(i)->prefix_view());
      if (MinUnder(n->child(i), path, value)) return true;
      path->resize(keep);
    }
    return false;
  }
  // n's own key is a proper prefix of key: smaller, skipped.
  const auto b = static_cast<unsigned char>(key[pos]);
  for (uint32_t i = 0; i < n->n_children; i++) {
    const Node* c = n->child(i);
    const unsigned char first = c->prefix()[0];
    if (first < b) continue;
    size_t keep = path->size();
    path->append(c->prefix_view());
    if (first > b) {
      if (MinUnder(c, path, value)) return true;
      path->resize(keep);
      continue;
    }
    size_t rest = key.size() - pos;
    size_t m = c->prefix_len < rest ? c->prefix_len : rest;
    int cmp = memcmp(c->prefix(), key.data() + pos, m);
    if (cmp > 0 || (cmp == 0 && c->prefix_len > rest)) {
      // The whole subtree is greater than key.
      if (MinUnder(c, path, value)) return true;
    } else if (cmp == 0) {
      if (SeekGe(c, key, pos + c->prefix_len, strict, path, value)) return true;
    }
    path->resize(keep);
  }
  return false;
}

// The last key <= (strict: <) key under n (same conventions).
bool SeekLe(const Node* n, std::string_view key, size_t pos, bool strict, std::string* path, void** value) {
  if (pos == key.size()) {
    if (n->has_value && !strict) {
      if (value) *value = n->value();
      return true;
    }
    return false;  // everything below is longer, so greater
  }
  const auto b = static_cast<unsigned char>(key[pos]);
  for (uint32_t j = n->n_children; j-- > 0;) {
    const Node* c = n->child(j);
    const unsigned char first = c->prefix()[0];
    if (first > b) continue;
    size_t keep = path->size();
    path->append(c->prefix_view());
    if (first < b) {
      if (MaxUnder(c, path, value)) return true;
      path->resize(keep);
      continue;
    }
    size_t rest = key.size() - pos;
    size_t m = c->prefix_len < rest ? c->prefix_len : rest;
    int cmp = memcmp(c->prefix(), key.data() + pos, m);
    if (cmp < 0) {
      if (MaxUnder(c, path, value)) return true;
    } else if (cmp == 0 && c->prefix_len <= rest) {
      if (SeekLe(c, key, pos + c->prefix_len, strict, path, value)) return true;
    }
    path->resize(keep);
  }
  // n's own key is a proper prefix of key: smaller.
  if (n->has_value) {
    if (value) *value = n->value();
    return true;
  }
  return false;
}

}  // namespace

bool Rax::Seek(Op op, std::string_view key, std::string* out, void** value) const {
  std::string path;
  bool found;
  switch (op) {
    case Op::kGe: found = SeekGe(root_, key, 0, false, &path, value); break;
    case Op::kGt: found = SeekGe(root_, key, 0, true, &path, value); break;
    case Op::kLe: found = SeekLe(root_, key, 0, false, &path, value); break;
    default: found = SeekLe(root_, key, 0, true, &path, value); break;
  }
  if (found) *out = std::move(path);
  return found;
}

bool Rax::First(std::string* out, void** value) const {
  out->clear();
  return MinUnder(root_, out, value);
}

bool Rax::Last(std::string* out, void** value) const {
  out->clear();
  return MaxUnder(root_, out, value);
}

bool Rax::VerifyNode(const Node* n, bool root, size_t* keys, size_t* nodes, size_t* bytes) const {
  (*nodes)++;
  *bytes += alloc::UsableSize(n);
  if (n->n_children != 0) {
    *bytes += alloc::UsableSize(n->ptr);
    if (alloc::UsableSize(n->ptr) < (n->n_children + n->has_value) * sizeof(void*)) return false;
  }
  if (n->has_value) (*keys)++;
  if (!root) {
    if (n->prefix_len == 0) return false;
    if (!n->has_value && n->n_children < 2) return false;
  }
  if (n->n_children == 0 && !n->has_value && n->ptr != nullptr) return false;
  for (uint32_t i = 0; i < n->n_children; i++) {
    if (i > 0 && n->child(i - 1)->prefix()[0] >= n->child(i)->prefix()[0]) return false;
    if (!VerifyNode(n->child(i), false, keys, nodes, bytes)) return false;
  }
  return true;
}

namespace {
size_t ExtraRedisNodes(const Node* n) {
  size_t extra = 0;
  for (uint32_t i = 0; i < n->n_children; i++) {
    const Node* c = n->child(i);
    if (n->n_children >= 2 && c->prefix_len >= 2) extra++;
    extra += ExtraRedisNodes(c);
  }
  return extra;
}
}  // namespace

size_t Rax::RedisNodeCount() const { return nodes_ + ExtraRedisNodes(root_); }

bool Rax::Verify() const {
  size_t keys = 0, nodes = 0, bytes = 0;
  if (!VerifyNode(root_, true, &keys, &nodes, &bytes)) return false;
  return keys == size_ && nodes == nodes_ && bytes == bytes_;
}

void Rax::Iterator::Seek(Op op, std::string_view key) {
  pending_ = Pending::kSeek;
  op_ = op;
  key_.assign(key);
  valid_ = false;
}
void Rax::Iterator::SeekFirst() {
  pending_ = Pending::kFirst;
  valid_ = false;
}
void Rax::Iterator::SeekLast() {
  pending_ = Pending::kLast;
  valid_ = false;
}

bool Rax::Iterator::Step(Op step) {
  Pending p = pending_;
  pending_ = Pending::kNone;
  switch (p) {
    case Pending::kSeek: valid_ = rax_->Seek(op_, std::string(key_), &key_, &value_); break;
    case Pending::kFirst: valid_ = rax_->First(&key_, &value_); break;
    case Pending::kLast: valid_ = rax_->Last(&key_, &value_); break;
    case Pending::kNone:
      if (!valid_) return false;
      valid_ = rax_->Seek(step, std::string(key_), &key_, &value_);
      break;
  }
  return valid_;
}

}  // namespace ds
