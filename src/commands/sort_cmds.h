// SORT and SORT_RO (commands/sort_cmds.cc) over the collection types. The
// command itself knows no type: each type that can be sorted registers a
// SortSource saying how to read its elements, and the hash and list types
// provide the two operations SORT borrows from them (reading a hash field for
// BY/GET "key->field" patterns, building the list that STORE writes).
//
// Today the set type registers itself (RegisterSortCommands does it). Lists
// and sorted sets become sortable by calling RegisterSortSource from their
// family's Register*Commands; the hash family installs SetSortHashFieldGetter
// and the list family SetSortListBuilder. Until a getter or builder is
// installed, a "->field" pattern finds nothing (no hash can exist) and
// STORE with a non-empty result replies an error instead of storing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "object/object.h"

namespace commands {

struct SortSource {
  // Number of elements.
  size_t (*length)(const object::Object* o) = nullptr;
  // Appends up to `count` elements to *out in the type's native order,
  // starting at rank `start`, walking from the end when `reverse` (for an
  // unordered type, start is 0, count covers everything, reverse is false).
  void (*load)(const object::Object* o, size_t start, size_t count, bool reverse,
               std::vector<std::string>* out) = nullptr;
  // True for types with a native order (lists, sorted sets): BY with a
  // constant pattern then returns that order (reversed by DESC) and LIMIT
  // loads only the requested range, as Redis does. Sets have none.
  bool ordered = false;
};

// Makes values of type t sortable (replacing any earlier registration).
void RegisterSortSource(object::Type t, const SortSource& source);

// Reads field of a hash object into *out; false when the field is absent.
using SortHashFieldFn = bool (*)(const object::Object* hash, std::string_view field, std::string* out);
void SetSortHashFieldGetter(SortHashFieldFn fn);

// A new list object (refcount 1) holding elements in order, with the
// encoding Redis gives a list built by pushing them one by one.
using SortListBuilderFn = object::Object* (*)(std::vector<std::string>&& elements);
void SetSortListBuilder(SortListBuilderFn fn);

}  // namespace commands
