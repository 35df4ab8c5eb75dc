#include "alloc/zmalloc.h"

#include <jemalloc/jemalloc.h>
#include <numa.h>

#include <cstring>
#include <mutex>

#include "alloc/numa_topology.h"
#include "alloc/nvm_arena.h"
#include "common/log.h"

namespace alloc {
namespace detail {

uintptr_t g_nvm_lo = 0;
bool g_inline_usize_ok = false;
size_t g_nvm_span = 0;
size_t g_payload_threshold = kNever;
size_t g_key_threshold = kNever;
Policy g_policy = Policy::kStatic;
size_t g_min_size = 64;
uint32_t g_promote_rank = 0;
uint32_t g_demote_rank = UINT32_MAX;
bool g_new_payloads_nvm = true;

// Slots for per-thread counters. Threads are few (the main thread, a handful
// of background threads, test threads); slot kMaxThreads is the shared
// overflow slot, updated with atomic adds. Slots are never reused, so a
// reader never sees a slot change owner.
constexpr int kMaxThreads = 128;
ThreadCounters g_slots[kMaxThreads + 1];
std::atomic<int> g_nslots{0};
thread_local ThreadCounters* tls_counters = nullptr;

// Guards reading jemalloc's counters of other threads against their exit.
std::mutex g_threads_mu;
// Live bytes (allocated - deallocated, by jemalloc's counters) of threads
// that have exited: their blocks may still be live, freed by others.
int64_t g_retired_bytes = 0;

namespace {
// Folds the thread's jemalloc counters into g_retired_bytes at thread exit.
struct Retirer {
  ThreadCounters* slot = nullptr;
  ~Retirer() {
    if (slot == nullptr) return;
    std::lock_guard<std::mutex> lock(g_threads_mu);
    const uint64_t* a = slot->je_allocated.load();
    const uint64_t* d = slot->je_deallocated.load();
    if (a && d) g_retired_bytes += static_cast<int64_t>(*a) - static_cast<int64_t>(*d);
    slot->je_allocated = nullptr;
    slot->je_deallocated = nullptr;
  }
};
thread_local Retirer tls_retirer;
}  // namespace

ThreadCounters* AttachThread() {
  int i = g_nslots.fetch_add(1);
  ThreadCounters* c;
  if (i < kMaxThreads) {
    c = &g_slots[i];
  } else {
    g_nslots.store(kMaxThreads + 1);
    c = &g_slots[kMaxThreads];
    c->shared = true;
  }
  tls_counters = c;
#ifndef TIEREDIS_SANITIZE
  if (!c->shared) {
    uint64_t* a = nullptr;
    uint64_t* d = nullptr;
    size_t sz = sizeof(a);
    if (mallctl("thread.allocatedp", &a, &sz, nullptr, 0) == 0 &&
        mallctl("thread.deallocatedp", &d, &sz, nullptr, 0) == 0) {
      std::lock_guard<std::mutex> lock(g_threads_mu);
      c->je_allocated = a;
      c->je_deallocated = d;
      tls_retirer.slot = c;
    }
  }
#endif
  return c;
}

void OutOfMemory(size_t n) {
  // Redis's redisOutOfMemoryHandler: a log line, then the panic report.
  common::Log(common::LogLevel::kWarning, "Out Of Memory allocating %zu bytes!", n);
  common::Panic("Redis aborting for OUT OF MEMORY. Allocating %zu bytes!", n);
}

void* NvmAllocOrNull(size_t n) {
  ThreadCounters* c = Local();
  if (TD_LIKELY(g_nvm_span != 0)) {
    if (n == 0) n = 1;
    void* p = nvm::Alloc(n);
    if (TD_LIKELY(p != nullptr)) {
      Bump(c->nvm_used, static_cast<int64_t>(UsableSizeOfRequest(n)), c->shared);
      Bump(c->nvm_allocs, uint64_t{1}, c->shared);
      return p;
    }
    Bump(c->fallback_full, uint64_t{1}, c->shared);
  } else {
    Bump(c->fallback_unavailable, uint64_t{1}, c->shared);
  }
  return nullptr;
}

void* NvmAllocOrFallback(size_t n) {
  void* p = NvmAllocOrNull(n);
  return TD_LIKELY(p != nullptr) ? p : Meta(n);
}

void NvmFree(void* p) {
  ThreadCounters* c = Local();
  size_t usable = nvm::UsableSize(p);
  Bump(c->nvm_used, -static_cast<int64_t>(usable), c->shared);
  nvm::FreeSized(p, usable);  // sized: jemalloc skips its own lookup
}

}  // namespace detail

namespace {

std::mutex g_init_mu;
bool g_initialized = false;
TierState g_state;
PlacementConfig g_placement;
size_t g_peak[kNumTiers] = {0, 0};

void ApplyPlacement() {
  using detail::kNever;
  const Policy p = g_placement.policy;
  const bool sized = p == Policy::kStatic || ((p == Policy::kRatio || p == Policy::kHot) && detail::g_new_payloads_nvm);
  size_t t = kNever;
  if (detail::g_nvm_span != 0 && sized) t = g_placement.nvm_min_size;
  detail::g_payload_threshold = t;
  detail::g_key_threshold = g_placement.keys == KeysTier::kNvm ? t : kNever;
  detail::g_policy = p;
  detail::g_min_size = g_placement.nvm_min_size;
}

int NumSlots() {
  int n = detail::g_nslots.load(std::memory_order_relaxed);
  return n > detail::kMaxThreads + 1 ? detail::kMaxThreads + 1 : n;
}

int64_t SumNvm() {
  int64_t sum = 0;
  for (int i = 0; i < NumSlots(); i++) sum += detail::g_slots[i].nvm_used.load(std::memory_order_relaxed);
  return sum;
}

int64_t SumDram() {
#ifdef TIEREDIS_SANITIZE
  int64_t sum = 0;
  for (int i = 0; i < NumSlots(); i++) sum += detail::g_slots[i].dram_used.load(std::memory_order_relaxed);
  return sum;
#else
  // jemalloc's counters cover both arenas: subtract what is on NVM.
  std::lock_guard<std::mutex> lock(detail::g_threads_mu);
  int64_t sum = detail::g_retired_bytes;
  for (int i = 0; i < NumSlots(); i++) {
    const uint64_t* a = detail::g_slots[i].je_allocated.load(std::memory_order_relaxed);
    const uint64_t* d = detail::g_slots[i].je_deallocated.load(std::memory_order_relaxed);
    if (a && d)
      sum += static_cast<int64_t>(__atomic_load_n(a, __ATOMIC_RELAXED)) -
             static_cast<int64_t>(__atomic_load_n(d, __ATOMIC_RELAXED));
  }
  return sum - SumNvm();
#endif
}

size_t SumUsed(Tier t) {
  int64_t v = t == Tier::kNvm ? SumNvm() : SumDram();
  return v < 0 ? 0 : static_cast<size_t>(v);
}

template <typename F>
uint64_t SumField(F f) {
  uint64_t sum = 0;
  for (int i = 0; i < NumSlots(); i++) sum += f(detail::g_slots[i]).load(std::memory_order_relaxed);
  return sum;
}

size_t CtlSize(const char* name) {
  size_t v = 0, sz = sizeof(v);
  if (mallctl(name, &v, &sz, nullptr, 0) != 0) return 0;
  return v;
}

}  // namespace

const char* TierName(Tier t) { return t == Tier::kNvm ? "nvm" : "dram"; }
const char* PolicyName(Policy p) {
  switch (p) {
    case Policy::kStatic: return "static";
    case Policy::kDramOnly: return "dram-only";
    case Policy::kRatio: return "ratio";
    case Policy::kHot: return "hot";
  }
  return "?";
}
const char* KeysTierName(KeysTier k) { return k == KeysTier::kNvm ? "nvm" : "dram"; }

#define TD_STR2(x) #x
#define TD_STR(x) TD_STR2(x)
const char* AllocatorName() {
  return "jemalloc-" TD_STR(JEMALLOC_VERSION_MAJOR) "." TD_STR(JEMALLOC_VERSION_MINOR) "." TD_STR(JEMALLOC_VERSION_BUGFIX);
}
#undef TD_STR
#undef TD_STR2

const char* ModeName(Mode m) {
  switch (m) {
    case Mode::kAuto: return "auto";
    case Mode::kNuma: return "numa";
    case Mode::kLogical: return "logical";
    case Mode::kOff: return "off";
  }
  return "?";
}

void SetPlacement(const PlacementConfig& cfg) {
  std::lock_guard<std::mutex> lock(g_init_mu);
  g_placement = cfg;
  ApplyPlacement();
}

void SetNewPayloadsToNvm(bool nvm) {
  std::lock_guard<std::mutex> lock(g_init_mu);
  if (detail::g_new_payloads_nvm == nvm) return;
  detail::g_new_payloads_nvm = nvm;
  ApplyPlacement();
}

void SetHeatRanks(uint32_t promote_below, uint32_t demote_from) {
  detail::g_promote_rank = promote_below;
  detail::g_demote_rank = demote_from;
}

PlacementConfig GetPlacement() {
  std::lock_guard<std::mutex> lock(g_init_mu);
  return g_placement;
}

int64_t EffectiveThreshold() {
  size_t t = detail::g_payload_threshold;
  return t == detail::kNever ? -1 : static_cast<int64_t>(t);
}

// True iff UsableSizeOfRequest's arithmetic matches this jemalloc for
// every size up to 1 MiB and a sample of larger ones.
bool InlineUsizeMatchesJemalloc() {
  detail::g_inline_usize_ok = true;
  bool ok = true;
  for (size_t n = 1; n <= (size_t{1} << 20) && ok; n++) ok = detail::UsableSizeOfRequest(n) == nallocx(n, 0);
  for (size_t n = size_t{1} << 20; n <= (size_t{1} << 36) && ok; n = n * 5 / 4 + 4097)
    ok = detail::UsableSizeOfRequest(n) == nallocx(n, 0);
  detail::g_inline_usize_ok = ok;
  return ok;
}

common::Status Init(const Options& opts) {
  std::lock_guard<std::mutex> lock(g_init_mu);
  static const bool usize_checked = InlineUsizeMatchesJemalloc();
  (void)usize_checked;

  // Decide the mode and node first: an invalid choice changes nothing.
  TierState state;
  state.sysfs_root = opts.sysfs_root;
  if (opts.mode == Mode::kOff) {
    state.mode = Mode::kOff;
    state.node_reason = "tier-mode off";
  } else {
    NumaTopology topo = ReadNumaTopology(opts.sysfs_root);
    for (const NumaNode& n : topo.nodes) {
      if (n.mem_total > 0) {
        state.home_node = n.id;
        break;
      }
    }
    int requested = opts.mode == Mode::kLogical ? -1 : opts.nvm_node;
    auto choice = ChooseNvmNode(topo, requested);
    if (!choice.ok()) return choice.status();
    if (opts.mode == Mode::kLogical) {
      state.mode = Mode::kLogical;
      state.node_reason = "tier-mode logical";
    } else if (choice->node < 0) {
      if (opts.mode == Mode::kNuma)
        return common::Status::InvalidArgument("tier-mode numa: " + choice->reason +
                                               "; name the node with tier-nvm-node or use tier-mode logical");
      state.mode = Mode::kLogical;
      state.node_reason = choice->reason;
    } else if (opts.sysfs_root == "/sys" && numa_available() < 0) {
      state.mode = Mode::kLogical;
      state.node_reason = "the kernel has no NUMA support";
    } else {
      state.mode = Mode::kNuma;
      state.nvm_node = choice->node;
      state.node_reason = choice->reason;
    }
  }

  if (g_initialized) {
    // The arena, its range and its binding are fixed for the life of the
    // process; only placement and the carving cap change.
    if (state.mode != g_state.mode || state.nvm_node != g_state.nvm_node)
      return common::Status::InvalidArgument("tier-mode and tier-nvm-node take effect only at start-up");
    if (nvm::Created()) {
      if (opts.nvm_max_memory > nvm::RangeHi() - nvm::RangeLo())
        return common::Status::InvalidArgument(
            "tier-nvm-max-memory is larger than the range reserved at start-up");
      nvm::SetLimit(opts.nvm_max_memory);
    }
    g_placement = opts.placement;
    ApplyPlacement();
    return common::Status::Ok();
  }

  if (state.mode != Mode::kOff) {
    size_t reserve = opts.nvm_max_memory ? opts.nvm_max_memory : kDefaultNvmReserve;
    common::Status s = nvm::Create(reserve, state.nvm_node);
    if (!s.ok()) return s;
    if (opts.nvm_max_memory) nvm::SetLimit(opts.nvm_max_memory);
    state.nvm_lo = nvm::RangeLo();
    state.nvm_hi = nvm::RangeHi();
    detail::g_nvm_lo = state.nvm_lo;
    detail::g_nvm_span = state.nvm_hi - state.nvm_lo;
  }
  g_initialized = true;
  g_state = state;
  g_placement = opts.placement;
  ApplyPlacement();
  return common::Status::Ok();
}

TierState GetTierState() {
  std::lock_guard<std::mutex> lock(g_init_mu);
  return g_state;
}

common::Status SetNvmNode(int requested) {
  NumaTopology topo = ReadNumaTopology(GetTierState().sysfs_root);
  auto choice = ChooseNvmNode(topo, requested);
  if (!choice.ok()) return choice.status();
  std::lock_guard<std::mutex> lock(g_init_mu);
  if (g_state.mode != Mode::kNuma || choice->node < 0 || choice->node == g_state.nvm_node)
    return common::Status::Ok();
  nvm::Rebind(choice->node);
  g_state.nvm_node = choice->node;
  g_state.node_reason = choice->reason;
  return common::Status::Ok();
}

common::Status SetNvmLimit(size_t bytes) {
  if (!nvm::Created()) return common::Status::Ok();
  if (bytes > nvm::RangeHi() - nvm::RangeLo())
    return common::Status::InvalidArgument(
        "tier-nvm-max-memory cannot exceed the range reserved at start-up (" +
        std::to_string((nvm::RangeHi() - nvm::RangeLo()) >> 20) + " MiB); restart to raise it");
  nvm::SetLimit(bytes);
  return common::Status::Ok();
}

namespace {
std::atomic<size_t> g_try_alloc_limit{SIZE_MAX};
}  // namespace

void SetTryAllocLimitForTest(size_t n) { g_try_alloc_limit.store(n, std::memory_order_relaxed); }

void* TryAlloc(Tier t, size_t n) {
  if (TD_UNLIKELY(n > g_try_alloc_limit.load(std::memory_order_relaxed))) return nullptr;
  if (t == Tier::kNvm) {
    if (void* p = detail::NvmAllocOrNull(n)) return p;
  }
  void* p = malloc(n);
  if (p != nullptr) detail::CountDramAlloc(p);
  return p;
}

void* Move(void* p, Tier to) {
  if (p == nullptr || TierOf(p) == to) return p;
  const size_t n = UsableSize(p);
  void* q;
  if (to == Tier::kNvm) {
    if (detail::g_nvm_span == 0) return nullptr;
    q = nvm::Alloc(n);
    if (q == nullptr) return nullptr;
    detail::ThreadCounters* c = detail::Local();
    detail::Bump(c->nvm_used, static_cast<int64_t>(nvm::UsableSize(q)), c->shared);
  } else {
    q = malloc(n);
    if (q == nullptr) return nullptr;
    detail::CountDramAlloc(q);
  }
  memcpy(q, p, n);
  Free(p);
  return q;
}

void* MetaCalloc(size_t n) {
  void* p = calloc(1, n);
  if (TD_UNLIKELY(p == nullptr)) detail::OutOfMemory(n);
  detail::CountDramAlloc(p);
  return p;
}

char* MetaStrdup(const char* s) {
  size_t n = strlen(s) + 1;
  char* p = static_cast<char*>(Meta(n));
  memcpy(p, s, n);
  return p;
}

void* ReallocPayload(void* p, size_t n) {
  if (p == nullptr) return Payload(n);
  if (n == 0) n = 1;
  if (InNvmRange(p) || PlacePayload(n) == Tier::kDram) return Realloc(p, n);
  void* q = Alloc(Tier::kNvm, n);
  if (InNvmRange(q)) {
    size_t old = UsableSize(p);
    memcpy(q, p, old < n ? old : n);
    Free(p);
    return q;
  }
  // NVM could not serve it (full, or tier-mode off): grow in DRAM instead.
  Free(q);
  return Realloc(p, n);
}

void* Realloc(void* p, size_t n) {
  if (p == nullptr) return Meta(n);
  if (n == 0) n = 1;
  if (InNvmRange(p)) {
    size_t old = nvm::UsableSize(p);
    void* q = nvm::Realloc(p, n);
    detail::ThreadCounters* c = detail::Local();
    if (q != nullptr) {
      detail::Bump(c->nvm_used, static_cast<int64_t>(nvm::UsableSize(q)) - static_cast<int64_t>(old), c->shared);
      return q;
    }
    // The range cannot hold the larger block: move it to DRAM (counted).
    detail::Bump(c->fallback_full, uint64_t{1}, c->shared);
    q = Meta(n);
    memcpy(q, p, old < n ? old : n);
    detail::NvmFree(p);
    return q;
  }
#ifdef TIEREDIS_SANITIZE
  detail::ThreadCounters* c = detail::Local();
  int64_t old = static_cast<int64_t>(malloc_usable_size(p));
  void* q = realloc(p, n);
  if (TD_UNLIKELY(q == nullptr)) detail::OutOfMemory(n);
  detail::Bump(c->dram_used, static_cast<int64_t>(malloc_usable_size(q)) - old, c->shared);
#else
  detail::Local();
  void* q = realloc(p, n);
  if (TD_UNLIKELY(q == nullptr)) detail::OutOfMemory(n);
#endif
  return q;
}

size_t UsableSize(const void* p) {
  if (p == nullptr) return 0;
  if (InNvmRange(p)) return nvm::UsableSize(p);
  return malloc_usable_size(const_cast<void*>(p));
}

size_t UsedMemory(Tier t) { return SumUsed(t); }

void UpdatePeaks() {
  for (int t = 0; t < kNumTiers; t++) {
    size_t u = SumUsed(static_cast<Tier>(t));
    if (u > g_peak[t]) g_peak[t] = u;
  }
}

Stats GetStats() {
  UpdatePeaks();
  Stats s;
  s.dram.used = SumUsed(Tier::kDram);
  s.nvm.used = SumUsed(Tier::kNvm);
  s.dram.peak = g_peak[0];
  s.nvm.peak = g_peak[1];
  s.nvm_allocs = SumField([](detail::ThreadCounters& c) -> auto& { return c.nvm_allocs; });
  s.nvm_fallback_full = SumField([](detail::ThreadCounters& c) -> auto& { return c.fallback_full; });
  s.nvm_fallback_unavailable =
      SumField([](detail::ThreadCounters& c) -> auto& { return c.fallback_unavailable; });

  uint64_t epoch = 1;
  size_t esz = sizeof(epoch);
  mallctl("epoch", &epoch, &esz, &epoch, esz);
  size_t page = CtlSize("arenas.page");
  size_t all_alloc = CtlSize("stats.allocated");
  size_t all_active = CtlSize("stats.active");
  size_t all_resident = CtlSize("stats.resident");
  if (nvm::Created()) {
    std::string pre = "stats.arenas." + std::to_string(nvm::ArenaIndex()) + ".";
    s.nvm.allocated = CtlSize((pre + "small.allocated").c_str()) + CtlSize((pre + "large.allocated").c_str());
    s.nvm.active = CtlSize((pre + "pactive").c_str()) * page;
    s.nvm.resident = CtlSize((pre + "resident").c_str());
    s.nvm_reserved = nvm::RangeHi() - nvm::RangeLo();
    s.nvm_limit = nvm::Limit();
    s.nvm_carved = nvm::Carved();
    s.nvm_bind_failures = nvm::BindFailures();
  }
  auto sub = [](size_t a, size_t b) { return a > b ? a - b : 0; };
  s.dram.allocated = sub(all_alloc, s.nvm.allocated);
  s.dram.active = sub(all_active, s.nvm.active);
  s.dram.resident = sub(all_resident, s.nvm.resident);
#ifdef TIEREDIS_SANITIZE
  // Under ASan, DRAM blocks come from ASan's allocator, which jemalloc does
  // not see: report our own counter instead.
  s.dram.allocated = s.dram.active = s.dram.resident = s.dram.used;
#endif
  s.dram.frag_ratio = s.dram.allocated ? static_cast<double>(s.dram.active) / s.dram.allocated : 0;
  s.nvm.frag_ratio = s.nvm.allocated ? static_cast<double>(s.nvm.active) / s.nvm.allocated : 0;
  return s;
}

void Purge() {
  // Flush this thread's automatic tcache first so its blocks can be purged;
  // then arena.<MALLCTL_ARENAS_ALL>.purge purges every arena, ours included.
  mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  nvm::FlushThreadCache();
  std::string name = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  mallctl(name.c_str(), nullptr, nullptr, nullptr, 0);
}

}  // namespace alloc
