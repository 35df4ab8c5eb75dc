// The stream type: see stream_type.h.
#include "object/stream_type.h"

#include <new>
#include <string>

#include "alloc/zmalloc.h"
#include "ds/listpack.h"

namespace object {
namespace {

using ds::Stream;

Stream* NewStream() { return new (alloc::Meta(sizeof(Stream))) Stream(); }

void FreeStream(Object* o) {
  Stream* s = StreamOf(o);
  s->~Stream();
  alloc::Free(s);
}

// The listpacks of the first `samples` nodes (0 = all), scaled to every
// node, on their tiers.
TierBytes SampledListpacks(const Stream* s, size_t samples) {
  TierBytes lps;
  size_t seen = 0;
  s->rax.ForEach([&](std::string_view, void* lp) {
    AddAlloc(lps, lp);
    seen++;
    return samples == 0 || seen < samples;
  });
  TierBytes out;
  AddScaled(out, lps, seen, s->rax.size());
  return out;
}

// The header, the Stream, its Rax and groups (DRAM), then the sampled
// listpacks on their tiers (Redis's objectComputeSize samples the nodes the
// same way).
void StreamMemory(const Object* o, size_t samples, TierBytes* tb) {
  const Stream* s = StreamOf(o);
  AddAlloc(*tb, s);
  tb->dram += s->MetadataBytes();
  *tb += SampledListpacks(s, samples);
}

void StreamPayload(const Object* o, size_t samples, TierBytes* tb) { *tb += SampledListpacks(StreamOf(o), samples); }

Object* DupStream(const Object* o) {
  const Stream* src = StreamOf(o);
  Stream* dst = NewStream();
  src->rax.ForEach([dst](std::string_view key, void* lp) {
    dst->rax.Insert(key, ds::LpDup(static_cast<unsigned char*>(lp)));
    return true;
  });
  dst->length = src->length;
  dst->last_id = src->last_id;
  dst->first_id = src->first_id;
  dst->max_deleted_entry_id = src->max_deleted_entry_id;
  dst->entries_added = src->entries_added;
  if (src->cgroups != nullptr) {
    src->cgroups->ForEach([dst](std::string_view name, void* v) {
      const auto* cg = static_cast<const ds::StreamCG*>(v);
      ds::StreamCG* ncg = dst->CreateGroup(name, cg->last_id, cg->entries_read);
      cg->consumers.ForEach([ncg](std::string_view cname, void* cv) {
        const auto* c = static_cast<const ds::StreamConsumer*>(cv);
        ds::StreamConsumer* nc = Stream::CreateConsumer(ncg, cname, c->seen_time);
        c->pel.ForEach([ncg, nc](std::string_view id, void* nv) {
          const auto* n = static_cast<const ds::StreamNack*>(nv);
          ds::StreamNack* nn = Stream::NewNack(nc, n->delivery_time);
          nn->delivery_count = n->delivery_count;
          ncg->pel.Insert(id, nn);
          nc->pel.Insert(id, nn);
          return true;
        });
        return true;
      });
      return true;
    });
  }
  return Create(Type::kStream, Encoding::kStream, dst);
}

// Only the Rax points at a listpack (iterators do not outlive a command).
size_t RelocateStream(Object* o, alloc::Tier to) {
  Stream* s = StreamOf(o);
  size_t moved = 0;
  ds::Rax::Iterator it(&s->rax);
  it.SeekFirst();
  while (it.Next()) {
    void* lp = it.value();
    const bool ok = MoveBlock(&lp, to, &moved);
    if (lp != it.value()) s->rax.Insert(std::string(it.key()), lp);
    if (!ok) break;
  }
  return moved;
}

alloc::Tier StreamPayloadTier(const Object* o) {
  std::string key;
  void* lp;
  if (!StreamOf(o)->rax.First(&key, &lp)) return alloc::Tier::kDram;
  return alloc::TierOf(lp);
}

}  // namespace

void RegisterStreamTypeOps() {
  TypeOps ops;
  ops.free_value = FreeStream;
  ops.memory = StreamMemory;
  ops.dup = DupStream;
  ops.payload = StreamPayload;
  ops.relocate = RelocateStream;
  ops.payload_tier = StreamPayloadTier;
  RegisterTypeOps(Type::kStream, ops);
}

Object* CreateStream() { return Create(Type::kStream, Encoding::kStream, NewStream()); }

ds::StreamNodeLimits StreamLimits() {
  const Settings& s = GetSettings();
  ds::StreamNodeLimits l;
  l.max_bytes = s.stream_node_max_bytes;
  l.max_entries = s.stream_node_max_entries;
  return l;
}

}  // namespace object
