// Stream implementation (layout in stream.h), following Redis 7.0's
// t_stream.c step by step where the bytes or the counters are observable
// (node splitting, tombstones, trimming, the lag estimates).
#include "ds/stream.h"

#include <cstring>
#include <new>

#include "alloc/zmalloc.h"
#include "common/macros.h"
#include "common/util.h"
#include "ds/listpack.h"

namespace ds {
namespace {

int64_t LpInt(const unsigned char* p) {
  LpValue v = LpGet(p);
  if (v.is_int) return v.ival;
  int64_t out = 0;
  common::StringToInt64(v.sval, &out);
  return out;
}

template <typename T>
T* MetaNew() {
  return new (alloc::Meta(sizeof(T))) T();
}
template <typename T>
void MetaDelete(T* p) {
  p->~T();
  alloc::Free(p);
}

// The master entry's field count element and first field.
struct Master {
  int64_t count, deleted, nfields;
  unsigned char* first_field;  // nullptr when nfields == 0
  unsigned char* terminator;
};
Master ReadMaster(unsigned char* lp) {
  Master m;
  unsigned char* p = LpFirst(lp);
  m.count = LpInt(p);
  p = LpNext(lp, p);
  m.deleted = LpInt(p);
  p = LpNext(lp, p);
  m.nfields = LpInt(p);
  p = LpNext(lp, p);
  m.first_field = m.nfields > 0 ? p : nullptr;
  for (int64_t i = 0; i < m.nfields; i++) p = LpNext(lp, p);
  m.terminator = p;
  return m;
}

// The ID of the first or last entry of a node (tombstones included).
StreamId NodeEdgeId(unsigned char* lp, const StreamId& master, bool first) {
  unsigned char* p;
  if (first) {
    p = LpNext(lp, ReadMaster(lp).terminator);  // flags
  } else {
    p = LpLast(lp);  // lp-count
    int64_t lp_count = LpInt(p);
    for (int64_t i = 0; i < lp_count; i++) p = LpPrev(lp, p);
  }
  p = LpNext(lp, p);
  StreamId id;
  id.ms = master.ms + static_cast<uint64_t>(LpInt(p));
  p = LpNext(lp, p);
  id.seq = master.seq + static_cast<uint64_t>(LpInt(p));
  return id;
}

}  // namespace

void StreamIdEncode(const StreamId& id, char* key) {
  for (int i = 0; i < 8; i++) {
    key[i] = static_cast<char>(id.ms >> (56 - 8 * i));
    key[8 + i] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
}

std::string StreamIdKey(const StreamId& id) {
  std::string k(kStreamIdKeyLen, '\0');
  StreamIdEncode(id, k.data());
  return k;
}

StreamId StreamIdDecode(const char* key) {
  StreamId id;
  for (int i = 0; i < 8; i++) {
    id.ms = id.ms << 8 | static_cast<unsigned char>(key[i]);
    id.seq = id.seq << 8 | static_cast<unsigned char>(key[8 + i]);
  }
  return id;
}

size_t StreamIdFormat(const StreamId& id, char* buf) {
  size_t n = common::Uint64ToChars(id.ms, buf);
  buf[n++] = '-';
  n += common::Uint64ToChars(id.seq, buf + n);
  return n;
}

std::string StreamIdString(const StreamId& id) {
  char buf[kStreamIdStrMax];
  return std::string(buf, StreamIdFormat(id, buf));
}

bool StreamIdIncr(StreamId* id) {
  if (id->seq == UINT64_MAX) {
    if (id->ms == UINT64_MAX) return false;
    id->ms++;
    id->seq = 0;
  } else {
    id->seq++;
  }
  return true;
}

bool StreamIdDecr(StreamId* id) {
  if (id->seq == 0) {
    if (id->ms == 0) return false;
    id->ms--;
    id->seq = UINT64_MAX;
  } else {
    id->seq--;
  }
  return true;
}

// ---- Stream ----

// Frees the values; the Rax destructors free the nodes. Nothing is
// allocated: a stream may be freed on the lazy-free thread.
Stream::~Stream() {
  rax.ForEachValue([](void* lp) { LpFree(static_cast<unsigned char*>(lp)); });
  if (cgroups != nullptr) {
    cgroups->ForEachValue([](void* cg) { FreeGroup(static_cast<StreamCG*>(cg)); });
    MetaDelete(cgroups);
  }
}

Stream::AppendResult Stream::Append(const std::string_view* fv, size_t nfields, const StreamId* use_id,
                                    bool seq_given, int64_t now_ms, const StreamNodeLimits& limits,
                                    StreamId* added) {
  StreamId id;
  if (use_id != nullptr) {
    if (seq_given) {
      id = *use_id;
    } else if (last_id.ms == use_id->ms) {
      if (last_id.seq == UINT64_MAX) return AppendResult::kNoSequence;
      id = last_id;
      id.seq++;
    } else {
      id = *use_id;
    }
  } else {
    // streamNextID: the current ms when it is ahead of the last ID, else
    // the last ID plus one.
    const auto now = static_cast<uint64_t>(now_ms);
    if (now > last_id.ms) {
      id = {now, 0};
    } else {
      id = last_id;
      if (!StreamIdIncr(&id)) return AppendResult::kIdTooSmall;
    }
  }
  if (id <= last_id) return AppendResult::kIdTooSmall;

  size_t totelelen = 0;
  for (size_t i = 0; i < nfields * 2; i++) totelelen += fv[i].size();
  if (totelelen > kStreamListpackMaxSize) return AppendResult::kTooLarge;

  // The tail node's key; reused (main thread only) so that an append
  // allocates nothing but listpack growth.
  static std::string tail_key;
  void* tail = nullptr;
  unsigned char* lp = nullptr;
  if (rax.Last(&tail_key, &tail)) lp = static_cast<unsigned char*>(tail);
  size_t node_max_bytes = limits.max_bytes;
  if (node_max_bytes == 0 || node_max_bytes > kStreamListpackMaxSize) node_max_bytes = kStreamListpackMaxSize;
  if (lp != nullptr) {
    bool new_node = false;
    if (LpBytes(lp) + totelelen >= node_max_bytes) {
      new_node = true;
    } else if (limits.max_entries != 0) {
      unsigned char* p = LpFirst(lp);
      int64_t count = LpInt(p) + LpInt(LpNext(lp, p));
      if (count >= limits.max_entries) new_node = true;
    }
    if (new_node) {
      // Give back the full node's preallocated room.
      unsigned char* shrunk = LpShrinkToFit(lp);
      if (shrunk != lp) rax.Insert(tail_key, shrunk);
      lp = nullptr;
    }
  }

  int64_t flags = 0;
  StreamId master_id;
  const std::string* key = &tail_key;
  std::string new_key;
  if (lp == nullptr) {
    master_id = id;
    new_key = StreamIdKey(id);
    key = &new_key;
    size_t prealloc = kStreamListpackPrealloc;
    if (limits.max_bytes > 0 && limits.max_bytes < prealloc) prealloc = limits.max_bytes;
    lp = LpNew(prealloc);
    lp = LpAppendInteger(lp, 1);
    lp = LpAppendInteger(lp, 0);
    lp = LpAppendInteger(lp, static_cast<int64_t>(nfields));
    for (size_t i = 0; i < nfields; i++) lp = LpAppend(lp, fv[i * 2]);
    lp = LpAppendInteger(lp, 0);
    rax.Insert(*key, lp);
    tail = lp;
    flags |= kStreamItemSameFields;
  } else {
    master_id = StreamIdDecode(key->data());
    unsigned char* p = LpFirst(lp);
    int64_t count = LpInt(p);
    lp = LpReplaceInteger(lp, &p, count + 1);
    p = LpNext(lp, p);  // deleted
    p = LpNext(lp, p);  // master num-fields
    int64_t master_fields = LpInt(p);
    p = LpNext(lp, p);
    if (static_cast<int64_t>(nfields) == master_fields) {
      size_t i = 0;
      for (; i < nfields; i++) {
        if (!LpCompare(p, fv[i * 2])) break;
        p = LpNext(lp, p);
      }
      if (i == nfields) flags |= kStreamItemSameFields;
    }
  }
  // The entry, appended with one resize of the listpack.
  const bool same = flags & kStreamItemSameFields;
  int64_t lp_count = static_cast<int64_t>(nfields) + 3;
  if (!same) lp_count += static_cast<int64_t>(nfields) + 1;
  constexpr size_t kInlineItems = 16;
  LpItem inline_items[kInlineItems];
  std::vector<LpItem> heap_items;
  LpItem* items = inline_items;
  if (static_cast<size_t>(lp_count) + 1 > kInlineItems) {
    heap_items.resize(static_cast<size_t>(lp_count) + 1);
    items = heap_items.data();
  }
  size_t k = 0;
  auto add_int = [&items, &k](int64_t v) {
    items[k].is_int = true;
    items[k++].ival = v;
  };
  add_int(flags);
  add_int(static_cast<int64_t>(id.ms - master_id.ms));
  add_int(static_cast<int64_t>(id.seq - master_id.seq));
  if (!same) add_int(static_cast<int64_t>(nfields));
  for (size_t i = 0; i < nfields; i++) {
    if (!same) items[k++].sval = fv[i * 2];
    items[k++].sval = fv[i * 2 + 1];
  }
  add_int(lp_count);
  lp = LpAppendBatch(lp, items, k);
  if (lp != tail) rax.Insert(*key, lp);  // the node's listpack moved
  length++;
  entries_added++;
  last_id = id;
  if (length == 1) first_id = id;
  if (added != nullptr) *added = id;
  return AppendResult::kOk;
}

bool Stream::DeleteEntry(const StreamId& id) {
  StreamIterator it(this, &id, &id, false);
  StreamId found;
  int64_t nf;
  if (!it.Next(&found, &nf)) return false;
  it.RemoveCurrent();
  return true;
}

int64_t Stream::Trim(const StreamTrimArgs& args) {
  using S = StreamTrimArgs::Strategy;
  if (args.strategy == S::kNone) return 0;
  int64_t deleted = 0;
  const auto maxlen = static_cast<uint64_t>(args.maxlen);
  Rax::Iterator ri(&rax);
  ri.SeekFirst();
  while (ri.Next()) {
    if (args.strategy == S::kMaxlen && length <= maxlen) break;
    auto* lp = static_cast<unsigned char*>(ri.value());
    const std::string key(ri.key());
    int64_t entries = LpInt(LpFirst(lp));
    if (args.limit != 0 && deleted + entries > args.limit) break;
    const StreamId master_id = StreamIdDecode(key.data());
    bool remove_node;
    if (args.strategy == S::kMaxlen) {
      remove_node = length - static_cast<uint64_t>(entries) >= maxlen;
    } else {
      remove_node = NodeEdgeId(lp, master_id, /*first=*/false) < args.minid;
    }
    if (remove_node) {
      LpFree(lp);
      rax.Remove(key);
      ri.Seek(Rax::Op::kGe, key);
      length -= static_cast<uint64_t>(entries);
      deleted += entries;
      continue;
    }
    if (args.approx) break;

    // Tombstone entries inside this node.
    int64_t deleted_from_lp = 0;
    Master m = ReadMaster(lp);
    const int64_t master_fields = m.nfields;
    unsigned char* p = LpNext(lp, m.terminator);
    while (p != nullptr) {
      unsigned char* flags_p = p;
      int64_t flags = LpInt(p);
      p = LpNext(lp, p);
      int64_t ms_delta = LpInt(p);
      p = LpNext(lp, p);
      int64_t seq_delta = LpInt(p);
      p = LpNext(lp, p);
      bool stop;
      if (args.strategy == S::kMaxlen) {
        stop = length <= maxlen;
      } else {
        StreamId cur{master_id.ms + static_cast<uint64_t>(ms_delta), master_id.seq + static_cast<uint64_t>(seq_delta)};
        stop = cur >= args.minid;
      }
      if (stop) break;
      int64_t to_skip;
      if (flags & kStreamItemSameFields) {
        to_skip = master_fields;
      } else {
        to_skip = LpInt(p) * 2;
        p = LpNext(lp, p);
      }
      while (to_skip-- > 0) p = LpNext(lp, p);
      p = LpNext(lp, p);  // lp-count
      if (!(flags & kStreamItemDeleted)) {
        const ptrdiff_t delta = p == nullptr ? -1 : p - lp;
        lp = LpReplaceInteger(lp, &flags_p, flags | kStreamItemDeleted);
        deleted_from_lp++;
        length--;
        p = delta < 0 ? nullptr : lp + delta;
      }
    }
    deleted += deleted_from_lp;
    p = LpFirst(lp);
    lp = LpReplaceInteger(lp, &p, entries - deleted_from_lp);
    p = LpNext(lp, p);
    int64_t marked = LpInt(p);
    lp = LpReplaceInteger(lp, &p, marked + deleted_from_lp);
    rax.Insert(key, lp);
    break;
  }
  first_id = length == 0 ? StreamId{} : EdgeId(/*first=*/true, /*skip_tombstones=*/true);
  return deleted;
}

StreamId Stream::EdgeId(bool first, bool skip_tombstones) const {
  StreamIterator it(const_cast<Stream*>(this), nullptr, nullptr, !first, skip_tombstones);
  StreamId id;
  int64_t nf;
  if (it.Next(&id, &nf)) return id;
  return first ? kStreamIdMax : kStreamIdMin;
}

StreamId Stream::LastValidId() const {
  StreamIterator it(const_cast<Stream*>(this), nullptr, nullptr, true);
  StreamId id;
  int64_t nf;
  if (it.Next(&id, &nf)) return id;
  return {};
}

bool Stream::RangeHasTombstones(const StreamId* start, const StreamId* end) const {
  if (length == 0 || max_deleted_entry_id.IsZero()) return false;
  // The latest tombstone is before the first entry: none in the stream.
  if (first_id > max_deleted_entry_id) return false;
  const StreamId s = start ? *start : kStreamIdMin;
  const StreamId e = end ? *end : kStreamIdMax;
  return s <= max_deleted_entry_id && max_deleted_entry_id <= e;
}

int64_t Stream::EstimateDistanceFromFirstEverEntry(const StreamId& id) const {
  if (entries_added == 0) return 0;
  if (length == 0 && id <= last_id) return static_cast<int64_t>(entries_added);
  if (id == last_id) return static_cast<int64_t>(entries_added);
  if (id > last_id) return kInvalidEntriesRead;
  if (max_deleted_entry_id.IsZero() || max_deleted_entry_id < first_id) {
    if (id < first_id) return static_cast<int64_t>(entries_added - length);
    if (id == first_id) return static_cast<int64_t>(entries_added - length + 1);
  }
  return kInvalidEntriesRead;
}

bool Stream::Verify() const {
  if (!rax.Verify()) return false;
  StreamId prev;
  bool has_prev = false, ok = true;
  uint64_t live_total = 0;
  rax.ForEach([&](std::string_view key, void* v) {
    auto* lp = static_cast<const unsigned char*>(v);
    uint64_t live = 0;
    ok = key.size() == kStreamIdKeyLen &&
         StreamValidateListpack(lp, LpBytes(lp), StreamIdDecode(key.data()), &prev, &has_prev, &live);
    live_total += live;
    return ok;
  });
  if (!ok || live_total != length || (has_prev && last_id < prev)) return false;
  if (cgroups == nullptr) return true;
  if (!cgroups->Verify()) return false;
  cgroups->ForEach([&ok](std::string_view, void* gv) {
    auto* cg = static_cast<const StreamCG*>(gv);
    ok = cg->pel.Verify() && cg->consumers.Verify();
    size_t owned = 0;
    cg->consumers.ForEach([&](std::string_view name, void* cv) {
      auto* con = static_cast<const StreamConsumer*>(cv);
      ok = ok && con->pel.Verify() && SdsView(con->name) == name;
      owned += con->pel.size();
      con->pel.ForEach([&](std::string_view id, void* nv) {
        void* g;
        ok = ok && cg->pel.Find(id, &g) && g == nv && static_cast<StreamNack*>(nv)->consumer == con;
        return ok;
      });
      return ok;
    });
    ok = ok && owned == cg->pel.size();
    cg->pel.ForEach([&](std::string_view, void* nv) {
      const StreamConsumer* con = static_cast<StreamNack*>(nv)->consumer;
      ok = ok && con != nullptr && LookupConsumer(cg, SdsView(con->name)) == con;
      return ok;
    });
    return ok;
  });
  return ok;
}

// ---- consumer groups ----

StreamCG* Stream::LookupGroup(std::string_view name) const {
  void* v;
  if (cgroups == nullptr || !cgroups->Find(name, &v)) return nullptr;
  return static_cast<StreamCG*>(v);
}

StreamCG* Stream::CreateGroup(std::string_view name, const StreamId& id, int64_t entries_read) {
  if (cgroups == nullptr) cgroups = MetaNew<Rax>();
  if (cgroups->Find(name)) return nullptr;
  auto* cg = MetaNew<StreamCG>();
  cg->last_id = id;
  cg->entries_read = entries_read;
  cgroups->Insert(name, cg);
  return cg;
}

bool Stream::DestroyGroup(std::string_view name) {
  void* v;
  if (cgroups == nullptr || !cgroups->Remove(name, &v)) return false;
  FreeGroup(static_cast<StreamCG*>(v));
  return true;
}

StreamConsumer* Stream::LookupConsumer(const StreamCG* cg, std::string_view name) {
  void* v;
  if (!cg->consumers.Find(name, &v)) return nullptr;
  return static_cast<StreamConsumer*>(v);
}

StreamConsumer* Stream::CreateConsumer(StreamCG* cg, std::string_view name, int64_t now_ms) {
  if (cg->consumers.Find(name)) return nullptr;
  auto* c = MetaNew<StreamConsumer>();
  c->name = SdsNewLen(name.data(), name.size(), SdsUse::kMeta);
  c->seen_time = now_ms;
  cg->consumers.Insert(name, c);
  return c;
}

void Stream::DeleteConsumer(StreamCG* cg, StreamConsumer* consumer) {
  consumer->pel.ForEach([cg](std::string_view key, void* nack) {
    cg->pel.Remove(key);
    FreeNack(static_cast<StreamNack*>(nack));
    return true;
  });
  cg->consumers.Remove(SdsView(consumer->name));
  SdsFree(consumer->name);
  MetaDelete(consumer);
}

StreamNack* Stream::NewNack(StreamConsumer* consumer, int64_t now_ms) {
  auto* n = MetaNew<StreamNack>();
  n->delivery_time = now_ms;
  n->delivery_count = 1;
  n->consumer = consumer;
  return n;
}

void Stream::FreeNack(StreamNack* nack) { MetaDelete(nack); }

void Stream::FreeGroup(StreamCG* cg) {
  cg->pel.ForEachValue([](void* n) { FreeNack(static_cast<StreamNack*>(n)); });
  cg->consumers.ForEachValue([](void* v) {
    auto* c = static_cast<StreamConsumer*>(v);
    SdsFree(c->name);
    MetaDelete(c);
  });
  MetaDelete(cg);
}

size_t Stream::MetadataBytes() const {
  size_t b = rax.bytes();
  if (cgroups == nullptr) return b;
  b += alloc::UsableSize(cgroups) + cgroups->bytes();
  cgroups->ForEach([&b](std::string_view, void* v) {
    auto* cg = static_cast<const StreamCG*>(v);
    b += alloc::UsableSize(cg) + cg->pel.bytes() + cg->consumers.bytes();
    cg->pel.ForEach([&b](std::string_view, void* n) {
      b += alloc::UsableSize(n);
      return true;
    });
    cg->consumers.ForEach([&b](std::string_view, void* c) {
      auto* con = static_cast<const StreamConsumer*>(c);
      b += alloc::UsableSize(con) + con->pel.bytes() + alloc::UsableSize(SdsAllocPtr(con->name));
      return true;
    });
    return true;
  });
  return b;
}

// ---- StreamIterator ----

StreamIterator::StreamIterator(Stream* s, const StreamId* start, const StreamId* end, bool rev, bool skip_tombstones)
    : s_(s),
      start_(start ? *start : kStreamIdMin),
      end_(end ? *end : kStreamIdMax),
      rev_(rev),
      skip_tombstones_(skip_tombstones),
      ri_(&s->rax) {
  if (!rev) {
    std::string k = StreamIdKey(start_);
    std::string found;
    if (s->rax.Seek(Rax::Op::kLe, k, &found, nullptr)) {
      ri_.Seek(Rax::Op::kGe, found);
    } else {
      ri_.SeekFirst();
    }
  } else {
    std::string k = StreamIdKey(end_);
    std::string found;
    if (s->rax.Seek(Rax::Op::kLe, k, &found, nullptr)) {
      ri_.Seek(Rax::Op::kLe, found);
    } else {
      ri_.SeekLast();
    }
  }
}

std::string_view StreamIterator::Get(const unsigned char* p, char* buf) { return LpGetView(p, buf); }

const unsigned char* StreamIterator::NextEl(const unsigned char* p) const { return LpNext(lp_, p); }

bool StreamIterator::LoadNode() {
  if (!(rev_ ? ri_.Prev() : ri_.Next())) return false;
  lp_ = static_cast<unsigned char*>(ri_.value());
  master_id_ = StreamIdDecode(ri_.key().data());
  Master m = ReadMaster(lp_);
  master_fields_count_ = m.nfields;
  master_fields_ = m.first_field;
  pos_ = rev_ ? LpLast(lp_) : LpNext(lp_, m.terminator);
  return true;
}

bool StreamIterator::Next(StreamId* id, int64_t* numfields) {
  for (;;) {
    if (lp_ == nullptr && !LoadNode()) return false;
    unsigned char* p;
    if (!rev_) {
      if (pos_ == nullptr) {
        lp_ = nullptr;
        continue;
      }
      p = pos_;
    } else {
      if (pos_ == nullptr) {
        lp_ = nullptr;
        continue;
      }
      int64_t lp_count = LpInt(pos_);
      if (lp_count == 0) {  // the master entry's terminator: node done
        lp_ = nullptr;
        continue;
      }
      p = pos_;
      for (int64_t i = 0; i < lp_count; i++) p = LpPrev(lp_, p);
    }
    flags_p_ = p;
    const int64_t flags = LpInt(p);
    p = LpNext(lp_, p);
    id->ms = master_id_.ms + static_cast<uint64_t>(LpInt(p));
    p = LpNext(lp_, p);
    id->seq = master_id_.seq + static_cast<uint64_t>(LpInt(p));
    p = LpNext(lp_, p);
    same_fields_ = flags & kStreamItemSameFields;
    if (same_fields_) {
      numfields_ = master_fields_count_;
    } else {
      numfields_ = LpInt(p);
      p = LpNext(lp_, p);
    }
    fields_ = p;
    if (!rev_) {
      int64_t skip = same_fields_ ? numfields_ : numfields_ * 2;
      for (int64_t i = 0; i < skip; i++) p = LpNext(lp_, p);
      pos_ = LpNext(lp_, p);  // past lp-count
    } else {
      pos_ = LpPrev(lp_, flags_p_);  // the previous entry's lp-count (or the master's 0)
    }
    if ((flags & kStreamItemDeleted) && skip_tombstones_) continue;
    if (!rev_) {
      if (*id > end_) return false;
      if (*id >= start_) {
        *numfields = numfields_;
        return true;
      }
    } else {
      if (*id < start_) return false;
      if (*id <= end_) {
        *numfields = numfields_;
        return true;
      }
    }
  }
}

void StreamIterator::RemoveCurrent() {
  unsigned char* lp = lp_;
  const ptrdiff_t pos_off = pos_ == nullptr ? -1 : pos_ - lp;
  const int64_t flags = LpInt(flags_p_);
  unsigned char* fp = flags_p_;
  lp = LpReplaceInteger(lp, &fp, flags | kStreamItemDeleted);
  unsigned char* p = LpFirst(lp);
  const int64_t count = LpInt(p);
  const std::string key(ri_.key());
  if (count == 1) {
    LpFree(lp);
    s_->rax.Remove(key);
    lp_ = nullptr;  // the next Next moves to the following node
  } else {
    lp = LpReplaceInteger(lp, &p, count - 1);
    p = LpNext(lp, p);
    const int64_t deleted = LpInt(p);
    lp = LpReplaceInteger(lp, &p, deleted + 1);
    if (lp != lp_) s_->rax.Insert(key, lp);
    lp_ = lp;
    // Flags and counters keep their sizes (small integers), so offsets
    // after them are unchanged unless the counters grew a byte.
    Master m = ReadMaster(lp_);
    master_fields_ = m.first_field;
    pos_ = pos_off < 0 ? nullptr : lp_ + pos_off;
  }
  s_->length--;
}

// ---- validation of untrusted nodes ----

bool StreamValidateListpack(const unsigned char* lp, size_t size, const StreamId& master_id, StreamId* prev,
                            bool* has_prev, uint64_t* live) {
  if (*has_prev && master_id <= *prev) return false;
  if (!LpValidateIntegrity(lp, size, /*deep=*/true)) return false;
  auto* l = const_cast<unsigned char*>(lp);
  auto need_int = [](const unsigned char* p, int64_t* v) {
    if (p == nullptr) return false;
    LpValue x = LpGet(p);
    if (!x.is_int) return false;
    *v = x.ival;
    return true;
  };
  unsigned char* p = LpFirst(l);
  int64_t count, deleted, nfields, zero;
  if (!need_int(p, &count)) return false;
  p = LpNext(l, p);
  if (!need_int(p, &deleted)) return false;
  p = LpNext(l, p);
  if (!need_int(p, &nfields) || nfields < 0) return false;
  p = LpNext(l, p);
  for (int64_t i = 0; i < nfields; i++) {
    if (p == nullptr) return false;
    p = LpNext(l, p);
  }
  if (!need_int(p, &zero) || zero != 0) return false;
  p = LpNext(l, p);
  int64_t seen_live = 0, seen_deleted = 0;
  bool first = true;
  while (p != nullptr) {
    int64_t flags, msd, seqd, nf;
    if (!need_int(p, &flags) || (flags & ~(kStreamItemDeleted | kStreamItemSameFields)) != 0) return false;
    p = LpNext(l, p);
    if (!need_int(p, &msd)) return false;
    p = LpNext(l, p);
    if (!need_int(p, &seqd)) return false;
    p = LpNext(l, p);
    StreamId id{master_id.ms + static_cast<uint64_t>(msd), master_id.seq + static_cast<uint64_t>(seqd)};
    if (first && id < master_id) return false;
    if (*has_prev && id <= *prev) return false;
    *prev = id;
    *has_prev = true;
    first = false;
    int64_t elements;
    if (flags & kStreamItemSameFields) {
      nf = nfields;
      elements = nf;
    } else {
      if (!need_int(p, &nf) || nf < 0) return false;
      p = LpNext(l, p);
      elements = nf * 2;
    }
    for (int64_t i = 0; i < elements; i++) {
      if (p == nullptr) return false;
      p = LpNext(l, p);
    }
    int64_t lp_count;
    if (!need_int(p, &lp_count)) return false;
    int64_t expect = (flags & kStreamItemSameFields) ? nf + 3 : nf * 2 + 4;
    if (lp_count != expect) return false;
    p = LpNext(l, p);
    if (flags & kStreamItemDeleted) {
      seen_deleted++;
    } else {
      seen_live++;
    }
  }
  if (seen_live != count || seen_deleted != deleted || seen_live + seen_deleted == 0) return false;
  *live = static_cast<uint64_t>(seen_live);
  return true;
}

}  // namespace ds
