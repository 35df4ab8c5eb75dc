// The list type: see list_type.h. Also registers the list's TypeOps (free,
// per-tier memory, deep copy).
#include "object/list_type.h"

#include "common/util.h"

namespace object {
namespace {

using ds::Quicklist;

// The bytes of an entry (integers in decimal, into buf).
std::string_view EntryView(const Quicklist::Entry& e, char* buf) {
  if (!e.value.is_int) return e.value.sval;
  size_t n = common::Int64ToChars(e.value.ival, buf);
  return std::string_view(buf, n);
}

bool EntryEquals(const Quicklist::Entry& e, std::string_view s) {
  if (e.node->container == Quicklist::Container::kPlain) return e.value.sval == s;
  return ds::LpCompare(e.p, s);
}

void FreeList(Object* o) { Quicklist::Destroy(ListQl(o)); }

// Redis's objectComputeSize for quicklists: the quicklist header, then the
// first `samples` nodes (0 = all) with their listpacks, extrapolated to
// every node. Each allocation counts on its own tier.
void ListMemory(const Object* o, size_t samples, TierBytes* tb) {
  const Quicklist* ql = ListQl(o);
  AddAlloc(*tb, ql);
  TierBytes nodes;
  size_t seen = 0;
  for (Quicklist::Node* n = ql->head(); n && (samples == 0 || seen < samples); n = n->next) {
    AddAlloc(nodes, n);
    AddAlloc(nodes, n->entry);
    seen++;
  }
  AddScaled(*tb, nodes, seen, ql->len());
}

Object* DupList(const Object* o) { return Create(Type::kList, Encoding::kQuicklist, ListQl(o)->Dup()); }

// The payload of a list is each node's entry (a listpack, or a plain
// element's bytes); the quicklist and its nodes are metadata.
void ListPayload(const Object* o, size_t samples, TierBytes* tb) {
  const Quicklist* ql = ListQl(o);
  TierBytes entries;
  size_t seen = 0;
  for (Quicklist::Node* n = ql->head(); n && (samples == 0 || seen < samples); n = n->next) {
    AddAlloc(entries, n->entry);
    seen++;
  }
  AddScaled(*tb, entries, seen, ql->len());
}

// Nothing but the node points at its entry (iterators do not outlive a
// command), so a move is one pointer update per node.
size_t RelocateList(Object* o, alloc::Tier to) {
  size_t moved = 0;
  for (Quicklist::Node* n = ListQl(o)->head(); n != nullptr; n = n->next) {
    void* entry = n->entry;
    const bool ok = MoveBlock(&entry, to, &moved);
    n->entry = static_cast<unsigned char*>(entry);
    if (!ok) break;
  }
  return moved;
}

alloc::Tier ListPayloadTier(const Object* o) {
  const Quicklist::Node* n = ListQl(o)->head();
  return n == nullptr ? alloc::Tier::kDram : alloc::TierOf(n->entry);
}

}  // namespace

void RegisterListTypeOps() {
  TypeOps ops;
  ops.free_value = FreeList;
  ops.memory = ListMemory;
  ops.dup = DupList;
  ops.payload = ListPayload;
  ops.relocate = RelocateList;
  ops.payload_tier = ListPayloadTier;
  RegisterTypeOps(Type::kList, ops);
}

Object* CreateList() {
  const Settings& s = GetSettings();
  return Create(Type::kList, Encoding::kQuicklist, Quicklist::Create(s.list_max_listpack_size, s.list_compress_depth));
}

void ListPush(Object* o, std::string_view value, ListEnd where) { ListQl(o)->Push(where, value); }

bool ListPop(Object* o, ListEnd where, std::string* out) { return ListQl(o)->Pop(where, out); }

bool ListIndex(const Object* o, long index, std::string* out) {
  Quicklist::Entry e;
  if (!ListQl(o)->Index(index, &e)) return false;
  char buf[ds::kLpIntBufSize];
  out->assign(EntryView(e, buf));
  return true;
}

bool ListSet(Object* o, long index, std::string_view value) { return ListQl(o)->ReplaceAtIndex(index, value); }

bool ListInsert(Object* o, std::string_view pivot, std::string_view value, bool after) {
  Quicklist* ql = ListQl(o);
  Quicklist::Iterator it(ql, ListEnd::kHead);
  Quicklist::Entry e;
  while (it.Next(&e)) {
    if (EntryEquals(e, pivot)) {
      after ? ql->InsertAfter(e, value) : ql->InsertBefore(e, value);
      return true;
    }
  }
  return false;
}

size_t ListRemove(Object* o, std::string_view value, long count) {
  Quicklist* ql = ListQl(o);
  Quicklist::Iterator it(ql, count < 0 ? ListEnd::kTail : ListEnd::kHead);
  size_t limit = count < 0 ? static_cast<size_t>(-(count + 1)) + 1 : static_cast<size_t>(count);
  size_t removed = 0;
  Quicklist::Entry e;
  while (it.Next(&e)) {
    if (!EntryEquals(e, value)) continue;
    it.DeleteCurrent();
    removed++;
    if (limit != 0 && removed == limit) break;
  }
  return removed;
}

void ListTrim(Object* o, long ltrim, long rtrim) {
  Quicklist* ql = ListQl(o);
  ql->DelRange(0, ltrim);
  ql->DelRange(-rtrim, rtrim);
}

void ListRange(const Object* o, long start, long end, bool reverse,
               const std::function<void(std::string_view)>& fn) {
  Quicklist* ql = ListQl(o);
  Quicklist::Iterator it(ql, reverse ? ListEnd::kTail : ListEnd::kHead, reverse ? end : start);
  long n = end - start + 1;
  Quicklist::Entry e;
  char buf[ds::kLpIntBufSize];
  while (n-- > 0 && it.Next(&e)) fn(EntryView(e, buf));
}

std::vector<long> ListPositions(const Object* o, std::string_view value, long rank, long count, long maxlen) {
  std::vector<long> out;
  Quicklist* ql = ListQl(o);
  const bool forward = rank > 0;
  const long len = static_cast<long>(ql->count());
  Quicklist::Iterator it(ql, forward ? ListEnd::kHead : ListEnd::kTail);
  long skip = forward ? rank - 1 : -rank - 1;
  long index = 0;
  Quicklist::Entry e;
  while (it.Next(&e) && (maxlen == 0 || index < maxlen)) {
    if (EntryEquals(e, value)) {
      if (skip > 0) {
        skip--;
      } else {
        out.push_back(forward ? index : len - index - 1);
        if (count != 0 && static_cast<long>(out.size()) == count) break;
      }
    }
    index++;
  }
  return out;
}

}  // namespace object
