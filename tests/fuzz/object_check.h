// What the RESTORE and RDB targets check on every value that loads:
//
//  - CheckObject(o): the type's own invariant check (Quicklist::Verify,
//    SetTypeVerify, ZsetVerify, HashVerify, Stream::Verify; strings: a
//    valid encoding), a
//    value of a collection type is never empty, MEMORY USAGE works, and a
//    deep copy (COPY's object::Dup) has the same content and passes too;
//  - Content(o): the value as comparable bytes, independent of encoding and
//    of hash-table order (lists in order, sets and hashes sorted, zsets in
//    score order with each score's bit pattern), so "DUMP of it round-trips"
//    means Content(reloaded) == Content(o) whatever encodings either has;
//  - WarmUpSharedIntegers(): what the targets call once before comparing
//    byte counters across inputs.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/util.h"
#include "ds/quicklist.h"
#include "fuzz_util.h"
#include "object/hash_type.h"
#include "object/list_type.h"
#include "object/object.h"
#include "object/set_type.h"
#include "object/stream_type.h"
#include "object/zset_type.h"

namespace fuzz {

inline void AppendField(std::string* out, std::string_view s) {
  out->append(std::to_string(s.size()));
  out->push_back(':');
  out->append(s);
}

// Creates every shared integer (0..9999) now: they are made on first use
// and never freed, which the per-input leak checks would otherwise count.
inline void WarmUpSharedIntegers() {
  for (int64_t v = 0; v < object::kSharedIntegers; v++) object::CreateStringFromInt64(v);
}

inline std::string Content(const object::Object* o) {
  std::string out(1, static_cast<char>('0' + static_cast<int>(o->GetType())));
  std::vector<std::string> items;
  switch (o->GetType()) {
    case object::Type::kString: {
      char buf[32];
      AppendField(&out, object::StringView(o, buf));
      return out;
    }
    case object::Type::kList:
      object::ListRange(o, 0, static_cast<long>(object::ListLength(o)) - 1, false,
                        [&](std::string_view e) { AppendField(&out, e); });
      return out;
    case object::Type::kSet: {
      object::SetIterator it(o);
      object::SetMember m;
      char buf[common::kInt64BufSize];
      while (it.Next(&m)) items.emplace_back(m.View(buf));
      break;
    }
    case object::Type::kHash: {
      object::HashIterator it(o);
      while (it.Next()) {
        std::string pair;
        AppendField(&pair, it.Field());
        AppendField(&pair, it.Value());
        items.push_back(std::move(pair));
      }
      break;
    }
    case object::Type::kZset: {
      auto emit = [&](std::string_view m, double score) {
        uint64_t bits;
        memcpy(&bits, &score, sizeof(bits));
        AppendField(&out, m);
        AppendField(&out, std::to_string(bits));
      };
      object::ZsetForEach(o, emit);
      return out;
    }
    case object::Type::kStream: {
      // Entries in order, the counters, then each group's state in order.
      ds::Stream* s = object::StreamOf(o);
      ds::StreamIterator it(s, nullptr, nullptr, false);
      ds::StreamId id;
      int64_t nf;
      auto id_field = [&out](const ds::StreamId& i) { AppendField(&out, ds::StreamIdString(i)); };
      while (it.Next(&id, &nf)) {
        id_field(id);
        it.ForEachField([&](std::string_view f, std::string_view v) {
          AppendField(&out, f);
          AppendField(&out, v);
        });
      }
      for (const ds::StreamId& i : {s->last_id, s->first_id, s->max_deleted_entry_id}) id_field(i);
      AppendField(&out, std::to_string(s->length) + "/" + std::to_string(s->entries_added));
      if (s->cgroups != nullptr) {
        s->cgroups->ForEach([&](std::string_view name, void* gv) {
          auto* cg = static_cast<const ds::StreamCG*>(gv);
          AppendField(&out, name);
          id_field(cg->last_id);
          AppendField(&out, std::to_string(cg->entries_read));
          cg->pel.ForEach([&](std::string_view pid, void* nv) {
            auto* n = static_cast<const ds::StreamNack*>(nv);
            id_field(ds::StreamIdDecode(pid.data()));
            AppendField(&out, ds::SdsView(n->consumer->name));
            AppendField(&out, std::to_string(n->delivery_time) + "/" + std::to_string(n->delivery_count));
            return true;
          });
          cg->consumers.ForEach([&](std::string_view cname, void* cv) {
            AppendField(&out, cname);
            AppendField(&out, std::to_string(static_cast<const ds::StreamConsumer*>(cv)->seen_time));
            return true;
          });
          return true;
        });
      }
      return out;
    }
    default:
      FUZZ_CHECK(false && "a type the loaders never make");
  }
  std::sort(items.begin(), items.end());
  for (const std::string& s : items) AppendField(&out, s);
  return out;
}

// The invariants of one loaded value (aborts on a violation).
inline void CheckObjectShallow(const object::Object* o) {
  FUZZ_CHECK(o != nullptr);
  switch (o->GetType()) {
    case object::Type::kString: {
      object::Encoding e = o->GetEncoding();
      FUZZ_CHECK(e == object::Encoding::kRaw || e == object::Encoding::kEmbstr || e == object::Encoding::kInt);
      break;
    }
    case object::Type::kList: {
      FUZZ_CHECK(o->GetEncoding() == object::Encoding::kQuicklist);
      std::string why;
      if (!object::ListQl(o)->Verify(&why)) {
        fprintf(stderr, "Quicklist::Verify: %s\n", why.c_str());
        FUZZ_CHECK(false);
      }
      FUZZ_CHECK(object::ListLength(o) > 0);
      break;
    }
    case object::Type::kSet:
      object::SetTypeVerify(o);
      FUZZ_CHECK(object::SetTypeSize(o) > 0);
      break;
    case object::Type::kZset:
      FUZZ_CHECK(object::ZsetVerify(o));
      FUZZ_CHECK(object::ZsetLength(o) > 0);
      break;
    case object::Type::kHash:
      FUZZ_CHECK(object::HashVerify(o));
      FUZZ_CHECK(object::HashLength(o) > 0);
      break;
    case object::Type::kStream:
      // A stream may be empty (XGROUP CREATE ... MKSTREAM, XDEL of all).
      FUZZ_CHECK(o->GetEncoding() == object::Encoding::kStream);
      FUZZ_CHECK(object::StreamOf(o)->Verify());
      break;
    default:
      FUZZ_CHECK(false && "a type the loaders never make");
  }
  object::TierBytes tb = object::MemoryUsage(o, 0);
  FUZZ_CHECK(tb.total() > 0 || o->GetEncoding() == object::Encoding::kInt || o->in_entry);
}

inline void CheckObject(const object::Object* o) {
  CheckObjectShallow(o);
  const std::string content = Content(o);
  object::Object* copy = object::Dup(o);
  FUZZ_CHECK(copy != nullptr);
  CheckObjectShallow(copy);
  FUZZ_CHECK(Content(copy) == content);
  object::DecrRef(copy);
}

}  // namespace fuzz
