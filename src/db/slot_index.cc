#include "db/slot_index.h"

#include <utility>
#include <vector>

#include "alloc/zmalloc.h"
#include "common/macros.h"

namespace db {

SlotIndex::~SlotIndex() { Clear(); }

void SlotIndex::Add(int slot, ds::DictEntry* de) {
  if (heads_ == nullptr) heads_ = static_cast<Head*>(alloc::MetaCalloc(sizeof(Head) * kSlots));
  Head& h = heads_[slot];
  SlotLinks* l = LinksOf(de);
  l->prev = nullptr;
  l->next = h.head;
  if (h.head) LinksOf(h.head)->prev = de;
  h.head = de;
  h.count++;
  keys_++;
}

void SlotIndex::Remove(int slot, ds::DictEntry* de) {
  TD_ASSERT(heads_ != nullptr && heads_[slot].count > 0);
  Head& h = heads_[slot];
  SlotLinks* l = LinksOf(de);
  if (l->prev) {
    LinksOf(l->prev)->next = l->next;
  } else {
    TD_ASSERT(h.head == de);
    h.head = l->next;
  }
  if (l->next) LinksOf(l->next)->prev = l->prev;
  l->prev = l->next = nullptr;
  h.count--;
  // The last key gone: the table goes too (an empty db costs nothing).
  if (--keys_ == 0) Clear();
}

void SlotIndex::Clear() {
  alloc::Free(heads_);
  heads_ = nullptr;
  keys_ = 0;
}

void SlotIndex::Swap(SlotIndex& other) {
  std::swap(heads_, other.heads_);
  std::swap(keys_, other.keys_);
}

size_t SlotIndex::TableBytes() const { return heads_ ? alloc::UsableSize(heads_) : 0; }

bool SlotIndex::Verify(size_t total, std::string_view (*key_of)(const ds::DictEntry*)) const {
  if (heads_ == nullptr) return total == 0 && keys_ == 0;
  size_t seen = 0;
  for (int s = 0; s < kSlots; s++) {
    size_t n = 0;
    ds::DictEntry* prev = nullptr;
    for (ds::DictEntry* de = heads_[s].head; de; de = LinksOf(de)->next) {
      if (LinksOf(de)->prev != prev || common::KeyHashSlot(key_of(de)) != s) return false;
      prev = de;
      if (++n > total) return false;  // a cycle
    }
    if (n != heads_[s].count) return false;
    seen += n;
  }
  return seen == total && keys_ == total;
}

}  // namespace db
