// The list type: Redis 7.0 lists are always encoding "quicklist" (OBJECT
// ENCODING says so for a list of any size), a ds::Quicklist whose nodes are
// DRAM metadata and whose listpacks are payloads (see ds/quicklist.h).
//
// Operations here know nothing of clients or replies: the list command
// family (commands/list_cmds.cc) parses, calls these and replies. Indexes
// follow Redis: negative counts from the tail. A list never stays empty in
// the keyspace: callers delete the key when Length reaches 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ds/quicklist.h"
#include "object/object.h"

namespace object {

using ListEnd = ds::Quicklist::End;

// A new empty list (refcount 1) built with the current
// list-max-listpack-size and list-compress-depth.
Object* CreateList();
// The quicklist of a list object. REQUIRES: o is a list.
inline ds::Quicklist* ListQl(const Object* o) { return static_cast<ds::Quicklist*>(o->ptr); }
inline size_t ListLength(const Object* o) { return ListQl(o)->count(); }

void ListPush(Object* o, std::string_view value, ListEnd where);
// Removes the element at an end into *out; false if the list is empty.
bool ListPop(Object* o, ListEnd where, std::string* out);
// The element at index into *out; false when out of range.
bool ListIndex(const Object* o, long index, std::string* out);
// LSET: false when out of range.
bool ListSet(Object* o, long index, std::string_view value);
// LINSERT: inserts value before/after the first element equal to pivot
// (searching from the head). Returns false when pivot is absent.
bool ListInsert(Object* o, std::string_view pivot, std::string_view value, bool after);
// LREM: removes up to |count| elements equal to value, from the head when
// count >= 0 (0 = all), from the tail when negative. Returns how many.
size_t ListRemove(Object* o, std::string_view value, long count);
// LTRIM after index normalization: deletes ltrim elements from the head and
// rtrim from the tail.
void ListTrim(Object* o, long ltrim, long rtrim);
// Calls fn for the elements at [start, end] (REQUIRES: 0 <= start <= end <
// length), walking from the head (or, if reverse, from end down to start).
void ListRange(const Object* o, long start, long end, bool reverse,
               const std::function<void(std::string_view)>& fn);

// LPOS: positions of elements equal to value. rank > 0 scans from the head
// and skips the first rank-1 matches; rank < 0 scans from the tail. Stops
// after `count` matches (0 = all) or after comparing maxlen elements (0 = no
// limit).
std::vector<long> ListPositions(const Object* o, std::string_view value, long rank, long count, long maxlen);

}  // namespace object
