// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
//      [ALPHA] [STORE destination]
// SORT_RO: the same without STORE.
//
// Follows Redis 7.0's sortCommandGeneric step by step:
//  1. Options are parsed first, left to right; a bad LIMIT number or an
//     unknown option replies its error before the key is even looked up.
//     BY with a pattern holding no '*' means "don't sort" (BY nosort).
//  2. The key must be a set, list or sorted set (a missing key is empty);
//     a set with "don't sort" and STORE is sorted ALPHA anyway, so that the
//     stored result does not depend on the set's internal order.
//  3. LIMIT is clamped to [0, length - 1]; an offset past the end is empty.
//  4. Unless "don't sort", each element gets its sort key: the element, or
//     the value BY's pattern points at (missing: score 0 / no compare
//     string). Numeric scores are parsed as strtod does, and any element
//     whose score is not a whole number string, overflows or is NaN makes
//     the command reply "One or more scores can't be converted into double"
//     (after sorting, as Redis). Numeric ties are broken by comparing the
//     elements bytewise, so the order is total; ALPHA compares bytewise
//     (strcoll in the C locale, as Redis runs with LC_COLLATE from an
//     environment that is C/C.UTF-8 on the servers we compare with), and
//     with STORE as binary strings. The sort is stable, as glibc's qsort
//     (a merge sort) is for Redis, so equal BY ALPHA keys keep load order.
//  5. Output: each element in [start, end], or for each one the value of
//     every GET pattern ("#" is the element; missing values are nulls, or
//     empty strings in a STORE). STORE writes a list (or deletes the
//     destination when the result is empty) and replies its length.
//
// Patterns (Redis's lookupKeyByPattern): the first '*' is replaced by the
// element; "key->field" (with a non-empty field after the first "->" that
// follows the '*') reads a hash field; otherwise the key must hold a
// string. The '*' and "->" searches stop at a NUL byte, like Redis's C
// string functions.
#include "commands/sort_cmds.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/util.h"
#include "db/db.h"
#include "object/object.h"
#include "object/set_type.h"

namespace commands {
namespace {

using object::Object;

constexpr char kScoresNotDouble[] = "ERR One or more scores can't be converted into double";
// Until the list family installs its builder (see sort_cmds.h).
constexpr char kStoreNoListType[] = "ERR SORT STORE needs the list type, which this build does not have";

// Indexed by object::Type.
constexpr int kNumTypes = 8;
SortSource g_sources[kNumTypes];
SortHashFieldFn g_hash_field = nullptr;
SortListBuilderFn g_list_builder = nullptr;

struct SortItem {
  std::string elem;
  double score = 0;
  bool has_cmp = false;  // BY ALPHA: the pattern found a value
  std::string cmp;
};

// The value a BY/GET pattern points at for element `subst`, into *out;
// false when there is none. "#" is the element itself.
bool LookupByPattern(db::Db& d, std::string_view pattern, std::string_view subst, std::string* out) {
  // C-string semantics of Redis's spat[0] == '#' && spat[1] == '\0'.
  const std::string_view cpat = pattern.substr(0, pattern.find('\0'));
  if (cpat == "#") {
    out->assign(subst);
    return true;
  }
  const size_t star = cpat.find('*');
  if (star == std::string_view::npos) return false;
  size_t field_len = 0;
  const size_t arrow = cpat.find("->", star + 1);
  if (arrow != std::string_view::npos && arrow + 2 < cpat.size()) field_len = pattern.size() - arrow - 2;
  const size_t postfix_len = pattern.size() - star - 1 - (field_len ? field_len + 2 : 0);
  std::string key;
  key.reserve(star + subst.size() + postfix_len);
  key.append(pattern.substr(0, star));
  key.append(subst);
  key.append(pattern.substr(star + 1, postfix_len));
  Object* o = d.LookupRead(key);
  if (o == nullptr) return false;
  if (field_len != 0) {
    if (o->GetType() != object::Type::kHash || g_hash_field == nullptr) return false;
    return g_hash_field(o, pattern.substr(pattern.size() - field_len), out);
  }
  if (o->GetType() != object::Type::kString) return false;
  char buf[common::kInt64BufSize];
  out->assign(object::StringView(o, buf));
  return true;
}

// Redis's numeric sort key: strtod over the C string, which must be consumed
// up to its NUL, without overflow and not NaN. The empty string scores 0.
bool ParseScore(const std::string& s, double* score) {
  char* end;
  errno = 0;
  *score = strtod(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*score);
}

// memcmp order, the shorter string first on a common prefix (Redis's
// compareStringObjects).
int CompareBinary(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// strcoll in the C locale: strcmp, which stops at the first NUL.
int CompareCString(const std::string& a, const std::string& b) { return strcmp(a.c_str(), b.c_str()); }

struct SortOptions {
  bool desc = false;
  bool alpha = false;
  bool dontsort = false;
  bool has_by = false;
  std::string_view by;
  int64_t limit_start = 0;
  int64_t limit_count = -1;
  bool has_store = false;
  std::string_view store;
  std::vector<std::string_view> gets;
};

bool ParseSortOptionsOrReply(Client& c, bool readonly, SortOptions* o) {
  for (size_t j = 2; j < c.argv.size(); j++) {
    const size_t left = c.argv.size() - j - 1;
    std::string_view a = c.argv[j];
    if (ArgIs(a, "asc")) {
      o->desc = false;
    } else if (ArgIs(a, "desc")) {
      o->desc = true;
    } else if (ArgIs(a, "alpha")) {
      o->alpha = true;
    } else if (ArgIs(a, "limit") && left >= 2) {
      if (!GetInt64OrReply(c, c.argv[j + 1], &o->limit_start) ||
          !GetInt64OrReply(c, c.argv[j + 2], &o->limit_count)) {
        return false;
      }
      j += 2;
    } else if (!readonly && ArgIs(a, "store") && left >= 1) {
      o->has_store = true;
      o->store = c.argv[++j];
    } else if (ArgIs(a, "by") && left >= 1) {
      o->has_by = true;
      o->by = c.argv[++j];
      // strchr semantics: a '*' after a NUL byte does not count.
      std::string_view cby = o->by.substr(0, o->by.find('\0'));
      o->dontsort = cby.find('*') == std::string_view::npos;
    } else if (ArgIs(a, "get") && left >= 1) {
      o->gets.push_back(c.argv[++j]);
    } else {
      c.AddSyntaxError();
      return false;
    }
  }
  return true;
}

void SortGeneric(Client& c, bool readonly) {
  SortOptions opt;
  if (!ParseSortOptionsOrReply(c, readonly, &opt)) return;
  db::Db& d = *c.db;
  Object* o = d.LookupRead(c.argv[1]);
  const SortSource* source = nullptr;
  if (o != nullptr) {
    const int t = static_cast<int>(o->type);
    if (t < kNumTypes && g_sources[t].load != nullptr) source = &g_sources[t];
    if (source == nullptr) {
      c.AddError(err::kWrongType);
      return;
    }
  }
  // An unordered set sorted for STORE must not depend on its internal
  // order: sort it ALPHA by the elements themselves.
  if (opt.dontsort && o != nullptr && !source->ordered && opt.has_store) {
    opt.dontsort = false;
    opt.alpha = true;
    opt.has_by = false;
  }

  int64_t len = o == nullptr ? 0 : static_cast<int64_t>(source->length(o));
  // LIMIT, clamped as Redis: [start, end] inclusive, empty when end < start.
  int64_t start = opt.limit_start < 0 ? 0 : opt.limit_start;
  int64_t end;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  } else if (opt.limit_count < 0 || opt.limit_count >= len - start) {
    end = len - 1;  // also where start + count - 1 would overflow
  } else {
    end = start + opt.limit_count - 1;
  }

  std::vector<std::string> elems;
  if (o != nullptr) {
    if (source->ordered && opt.dontsort && end >= start) {
      // Only the requested range, in native order (reversed by DESC).
      source->load(o, static_cast<size_t>(start), static_cast<size_t>(end - start + 1), opt.desc, &elems);
      end -= start;
      start = 0;
    } else if (!(source->ordered && opt.dontsort)) {
      source->load(o, 0, static_cast<size_t>(len), false, &elems);
    }
  }
  std::vector<SortItem> items(elems.size());
  for (size_t j = 0; j < elems.size(); j++) items[j].elem = std::move(elems[j]);

  bool conversion_error = false;
  if (!opt.dontsort) {
    std::string byval;
    for (SortItem& it : items) {
      const std::string* key = &it.elem;
      if (opt.has_by) {
        if (!LookupByPattern(d, opt.by, it.elem, &byval)) continue;
        key = &byval;
      }
      if (opt.alpha) {
        if (opt.has_by) {
          it.has_cmp = true;
          it.cmp = byval;
        }
      } else if (!ParseScore(*key, &it.score)) {
        conversion_error = true;
      }
    }
    const bool alpha = opt.alpha, by = opt.has_by, store = opt.has_store, desc = opt.desc;
    std::stable_sort(items.begin(), items.end(), [=](const SortItem& a, const SortItem& b) {
      int cmp;
      if (!alpha) {
        cmp = a.score > b.score ? 1 : (a.score < b.score ? -1 : CompareBinary(a.elem, b.elem));
      } else if (by) {
        if (!a.has_cmp || !b.has_cmp) {
          cmp = a.has_cmp == b.has_cmp ? 0 : (a.has_cmp ? 1 : -1);
        } else {
          cmp = store ? CompareBinary(a.cmp, b.cmp) : CompareCString(a.cmp, b.cmp);
        }
      } else {
        cmp = store ? CompareBinary(a.elem, b.elem) : CompareCString(a.elem, b.elem);
      }
      return (desc ? -cmp : cmp) < 0;
    });
  }

  const uint64_t n_range = end >= start ? static_cast<uint64_t>(end - start + 1) : 0;
  const uint64_t outputlen = opt.gets.empty() ? n_range : opt.gets.size() * n_range;
  if (conversion_error) {
    c.AddError(kScoresNotDouble);
    return;
  }
  std::string val;
  if (!opt.has_store) {
    c.reply.ArrayHeader(outputlen);
    for (int64_t j = start; j <= end; j++) {
      const std::string& e = items[static_cast<size_t>(j)].elem;
      if (opt.gets.empty()) c.reply.Bulk(e);
      for (std::string_view g : opt.gets) {
        if (LookupByPattern(d, g, e, &val)) {
          c.reply.Bulk(val);
        } else {
          c.reply.Null();
        }
      }
    }
    return;
  }

  std::vector<std::string> result;
  result.reserve(outputlen);
  for (int64_t j = start; j <= end; j++) {
    std::string& e = items[static_cast<size_t>(j)].elem;
    if (opt.gets.empty()) result.push_back(e);
    for (std::string_view g : opt.gets) {
      if (!LookupByPattern(d, g, e, &val)) val.clear();
      result.push_back(val);
    }
  }
  if (outputlen > 0) {
    if (g_list_builder == nullptr) {
      c.AddError(kStoreNoListType);
      return;
    }
    d.SetKey(opt.store, g_list_builder(std::move(result)), /*keep_ttl=*/false);
    SignalModifiedKey(c, d, opt.store);
    NotifyKeyspaceEvent(kNotifyList, "sortstore", opt.store, d.id());
    GetState().dirty += outputlen;
  } else if (d.Delete(opt.store)) {
    SignalModifiedKey(c, d, opt.store);
    NotifyKeyspaceEvent(kNotifyGeneric, "del", opt.store, d.id());
    GetState().dirty++;
  }
  c.reply.Integer(static_cast<int64_t>(outputlen));
}

void SortCommand(Client& c) { SortGeneric(c, false); }
void SortRoCommand(Client& c) { SortGeneric(c, true); }

// ---- the set type as a sort source ----

size_t SetLength(const Object* o) { return object::SetTypeSize(o); }

void SetLoad(const Object* o, size_t, size_t, bool, std::vector<std::string>* out) {
  out->reserve(out->size() + object::SetTypeSize(o));
  object::SetIterator it(o);
  object::SetMember m;
  char buf[common::kInt64BufSize];
  while (it.Next(&m)) out->emplace_back(m.View(buf));
}

// Redis's sortGetKeys: the sorted key, and the destination of the last
// STORE. Options are scanned as SORT parses them: LIMIT skips two
// arguments, GET and BY one, so their values are never taken for STORE.
int SortGetKeys(const std::vector<std::string_view>& argv, std::vector<KeyRef>* out) {
  out->push_back({1, kKeyRO | kKeyAccess});
  int store = 0;
  for (size_t i = 2; i < argv.size(); i++) {
    if (ArgIs(argv[i], "limit")) {
      i += 2;
    } else if (ArgIs(argv[i], "get") || ArgIs(argv[i], "by")) {
      i += 1;
    } else if (ArgIs(argv[i], "store") && i + 1 < argv.size()) {
      store = static_cast<int>(i + 1);  // the last STORE wins, as SORT's
    }
  }
  if (store > 0) out->push_back({store, kKeyOW | kKeyUpdate});
  return static_cast<int>(out->size());
}

// SORT_RO has no STORE: only the sorted key.
int SortRoGetKeys(const std::vector<std::string_view>&, std::vector<KeyRef>* out) {
  out->push_back({1, kKeyRO | kKeyAccess});
  return 1;
}

}  // namespace

void RegisterSortSource(object::Type t, const SortSource& source) { g_sources[static_cast<int>(t)] = source; }
void SetSortHashFieldGetter(SortHashFieldFn fn) { g_hash_field = fn; }
void SetSortListBuilder(SortListBuilderFn fn) { g_list_builder = fn; }

void RegisterSortCommands(Registry& r) {
  RegisterSortSource(object::Type::kSet, SortSource{SetLength, SetLoad, /*ordered=*/false});
  const uint32_t kCats = kCatSet | kCatSortedSet | kCatList | kCatSlow | kCatDangerous;
  // Redis 7.0's key specs: the sorted key, then what no spec can locate
  // (SortGetKeys finds those).
  const KeySpec kSorted = RangeKeys(kKeyRO | kKeyAccess, 1);
  const KeySpec kByGet = UnknownKeys(kKeyRO | kKeyAccess,
                                     "For the optional BY/GET keyword. It is marked 'unknown' because the key names "
                                     "derive from the content of the key we sort");
  const KeySpec kStore = UnknownKeys(kKeyOW | kKeyUpdate,
                                     "For the optional STORE keyword. It is marked 'unknown' because the keyword can "
                                     "appear anywhere in the argument array");
  CommandSpec& sort = r.Add({"sort", -2, kWrite | kDenyOom | kMovableKeys, 1, 1, 1, SortCommand, "generic",
                             "Sort the elements in a list, set or sorted set", "1.0.0", kCatWrite | kCats});
  sort.key_specs = {kSorted, kByGet, kStore};
  sort.getkeys = SortGetKeys;
  CommandSpec& sort_ro =
      r.Add({"sort_ro", -2, kReadonly | kMovableKeys, 1, 1, 1, SortRoCommand, "generic",
             "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", kCatRead | kCats});
  sort_ro.key_specs = {kSorted, kByGet};
  sort_ro.getkeys = SortRoGetKeys;
}

}  // namespace commands
