// zmalloc: every allocation of the server goes through here, and says what
// it allocates.
//
//   Meta(n)     metadata: dict tables and entries, object headers, list and
//               skiplist nodes, client buffers. Always DRAM.
//   Payload(n)  value bytes: strings, listpacks, intsets, member strings.
//               The tier comes from placement (alloc/placement.h).
//   Key(n)      key strings: placed by `tier-keys`.
//   Free(p), Realloc(p, n), UsableSize(p) take any pointer from above and
//   need no tier: the NVM arena owns one reserved address range, so the
//   tier of a pointer is a range check. Realloc keeps a block in its tier.
//
// DRAM is jemalloc's automatic arenas (plain malloc/free). NVM is one arena
// of our own whose extents come from the reserved range and are bound to the
// NVM node (alloc/nvm_arena.h). If the NVM arena cannot serve a request (the
// range is exhausted, or tier-mode is off) the payload goes to DRAM and the
// fallback is counted: a full NVM tier is never an error.
//
// Accounting is exact, in usable bytes of live blocks:
//  - NVM: our own per-thread counters (one cache line each, updated by the
//    owning thread without atomic read-modify-write), summed when read.
//  - DRAM: jemalloc already keeps per-thread "allocated" and "deallocated"
//    byte counters in its fast path (thread.allocatedp/deallocatedp); DRAM
//    use is their live sum minus the NVM counter. This makes the metadata
//    path exactly jemalloc's malloc/free: every extra per-call size lookup we
//    tried cost 2x on an alloc/free pair (utils/bench/alloc_bench.cc). It
//    also means DRAM use includes every malloc of the process on a thread
//    that has used this API, not only Meta() blocks, which is the truth an
//    operator wants. Under ASan, malloc is ASan's, so DRAM is counted
//    explicitly instead.
//
// Thread safety: all functions may be called from any thread. Init() is
// called once, by the main thread, before other threads start.
#pragma once

#include <jemalloc/jemalloc.h>
#include <malloc.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "alloc/placement.h"
#include "common/macros.h"
#include "common/status.h"

namespace alloc {

// ---- Configuration -------------------------------------------------------

enum class Mode : uint8_t {
  kAuto,     // numa if a CPU-less node with memory exists, else logical
  kNuma,     // require an NVM node (fails when there is none)
  kLogical,  // two arenas and exact accounting, no NUMA binding
  kOff,      // one tier: plain Redis behaviour, everything in DRAM
};
const char* ModeName(Mode m);  // "auto" | "numa" | "logical" | "off"
// The allocator library and version, as Redis's ZMALLOC_LIB ("jemalloc-5.3.0").
const char* AllocatorName();

struct Options {
  Mode mode = Mode::kAuto;
  int nvm_node = -1;              // tier-nvm-node: -1 = auto
  size_t nvm_max_memory = 0;      // tier-nvm-max-memory: 0 = kDefaultNvmReserve
  PlacementConfig placement;
  std::string sysfs_root = "/sys";  // injectable for tests
};

// Address space reserved for the NVM arena when tier-nvm-max-memory is 0.
// Reserving costs no memory (PROT_NONE, MAP_NORESERVE); 1 TiB is larger than
// any PMem/CXL node sold today, so the cap never binds by accident. If the
// kernel refuses that much address space, Init halves it until it fits.
inline constexpr size_t kDefaultNvmReserve = size_t{1} << 40;

// Sets up the NVM arena (unless mode is off) and the placement policy.
// Errors (an explicit node that does not exist, tier-mode numa with no NVM
// node) leave the allocator as it was, with everything in DRAM. Calling it
// again after success keeps the arena and range, and applies the placement
// and limit; a different node or mode needs a restart.
common::Status Init(const Options& opts);

// What Init decided, for the start-up log and INFO.
struct TierState {
  Mode mode = Mode::kOff;    // effective: kNuma, kLogical or kOff
  int nvm_node = -1;         // -1 unless kNuma
  std::string node_reason;   // why this node (or why logical)
  uintptr_t nvm_lo = 0, nvm_hi = 0;  // the reserved range [lo, hi)
  int home_node = 0;         // lowest node with memory: where logical mode's pages live
  std::string sysfs_root = "/sys";
};
TierState GetTierState();

// tier-nvm-node at run time (CONFIG SET); requested < 0 means auto. The node
// is checked as at start-up: one that does not exist or has no memory is
// refused with the same message, and nothing changes. In numa mode a
// different valid node takes over the NVM range (nvm::Rebind): pages that
// fault in from now on prefer it; pages already resident stay where they
// are (INFO's used_memory_nvm_spilled shows them) because moving them would
// stall the server for as long as the copy takes. In logical and off modes
// the running mode does not change (tier-mode is fixed at start-up): a valid
// node is accepted for the next start.
common::Status SetNvmNode(int requested);

// Lowers or raises the cap on bytes carved from the reserved range
// (tier-nvm-max-memory at run time). Values above the reservation made at
// start-up are refused; 0 means "the whole reservation".
common::Status SetNvmLimit(size_t bytes);

// ---- Allocation ----------------------------------------------------------

void* Meta(size_t n);
void* MetaCalloc(size_t n);
void* Payload(size_t n);
void* Key(size_t n);
// Allocates on a given tier (NVM falls back to DRAM when it cannot serve).
// For code that moves data between tiers or must mirror a block's tier.
void* Alloc(Tier t, size_t n);
// Like Alloc, but returns nullptr instead of aborting when neither tier can
// serve n bytes (NVM still falls back to DRAM first). For sizes a client
// chooses (a RESTORE payload's values, a big argument), where a failed
// allocation must be an error reply, not the end of the process. Free the
// block with Free as any other.
void* TryAlloc(Tier t, size_t n);
inline void* TryPayload(size_t n);
// Tests only: TryAlloc fails for every request above n bytes (SIZE_MAX, the
// default, turns this off), so the error paths of its callers can be driven.
void SetTryAllocLimitForTest(size_t n);
// Moves a block to tier `to` (the tiering engine's one primitive): takes a
// block of the same usable size there, copies every usable byte, frees the
// old one, and returns the new block. No fallback: when `to` cannot serve
// the size (the NVM range is full, DRAM malloc fails), returns nullptr and
// p stays as it was, where it was. A block already on `to` is returned as
// is. Callers replace every pointer to the block (and into it) with the
// result.
void* Move(void* p, Tier to);
// Keeps the block in its tier; p == nullptr behaves as Alloc(kDram, n).
void* Realloc(void* p, size_t n);
// Resizes a payload block (a listpack, an intset) that grows in place: an
// NVM block stays on NVM; a DRAM block that has become large enough for
// placement to put it on NVM moves there (the first min(old, n) bytes are
// copied). This is how a listpack that started small in DRAM reaches the
// NVM tier as it grows, with the decision still made by alloc/placement.
// p == nullptr behaves as Payload(n).
void* ReallocPayload(void* p, size_t n);
void Free(void* p);
size_t UsableSize(const void* p);
char* MetaStrdup(const char* s);

inline bool InNvmRange(const void* p);
inline Tier TierOf(const void* p) { return InNvmRange(p) ? Tier::kNvm : Tier::kDram; }

// ---- Accounting ----------------------------------------------------------

// Bytes in use on a tier (usable sizes of live blocks). Cheap: sums the
// per-thread counters. Callable on every command (maxmemory checks).
size_t UsedMemory(Tier t);
inline size_t UsedMemory() { return UsedMemory(Tier::kDram) + UsedMemory(Tier::kNvm); }

struct TierStats {
  size_t used = 0;       // our counter: usable bytes of live blocks
  size_t peak = 0;       // highest `used` seen by UpdatePeaks()
  size_t allocated = 0;  // jemalloc's view of the arena(s): bytes in live blocks
  size_t active = 0;     // bytes of pages holding live blocks
  size_t resident = 0;   // bytes of resident pages (incl. allocator metadata for DRAM)
  double frag_ratio = 0; // active / allocated
};

struct Stats {
  TierStats dram, nvm;
  uint64_t nvm_allocs = 0;               // payload/key blocks placed on NVM
  uint64_t nvm_fallback_full = 0;        // asked for NVM, range exhausted -> DRAM
  uint64_t nvm_fallback_unavailable = 0; // asked for NVM, no NVM arena (mode off) -> DRAM
  size_t nvm_reserved = 0;               // size of the reserved range
  size_t nvm_limit = 0;                  // cap on carved bytes
  size_t nvm_carved = 0;                 // bytes handed to jemalloc so far
  uint64_t nvm_bind_failures = 0;        // mbind calls that failed
};
// Reads counters and refreshes jemalloc's statistics (an mallctl "epoch"):
// meant for INFO and cron, not per command.
Stats GetStats();
// Records the current per-tier usage into the peaks. Called from cron.
void UpdatePeaks();
// Returns unused dirty pages of both tiers to the kernel (MEMORY PURGE).
void Purge();

// ---- Inline fast paths ---------------------------------------------------

namespace detail {

extern uintptr_t g_nvm_lo;
extern size_t g_nvm_span;  // hi - lo; 0 when there is no NVM range

// Per-thread counters: one cache line each. The owning thread updates them
// with a plain load and store; readers sum all slots with relaxed loads.
struct alignas(64) ThreadCounters {
  std::atomic<int64_t> nvm_used;
  std::atomic<int64_t> dram_used;  // explicit DRAM counting (ASan build only)
  std::atomic<uint64_t> nvm_allocs;
  std::atomic<uint64_t> fallback_full;
  std::atomic<uint64_t> fallback_unavailable;
  // jemalloc's counters of this thread; null once the thread has exited.
  std::atomic<const uint64_t*> je_allocated;
  std::atomic<const uint64_t*> je_deallocated;
  bool shared;  // the overflow slot shared by threads past kMaxThreads
};
extern thread_local ThreadCounters* tls_counters;
ThreadCounters* AttachThread();

TD_ALWAYS_INLINE ThreadCounters* Local() {
  ThreadCounters* c = tls_counters;
  if (TD_UNLIKELY(c == nullptr)) c = AttachThread();
  return c;
}

template <typename T>
TD_ALWAYS_INLINE void Bump(std::atomic<T>& a, T d, bool shared) {
  if (TD_UNLIKELY(shared)) {
    a.fetch_add(d, std::memory_order_relaxed);
  } else {
    a.store(a.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
}

// jemalloc's usable size for a request of n bytes (its "usize"), computed
// inline: 8, then 16-byte steps to 64, then four size classes per doubling
// (delta = 1/4 of the power of two below, at least 16). This is jemalloc's
// default size-class layout (LG_QUANTUM 4, 4 KiB pages); Init checks it
// against nallocx() and falls back to nallocx() if the build differs.
// Saves nallocx's ~4 ns per NVM allocation.
extern bool g_inline_usize_ok;
TD_ALWAYS_INLINE size_t UsableSizeOfRequest(size_t n) {
  if (TD_UNLIKELY(!g_inline_usize_ok)) return nallocx(n ? n : 1, 0);
  if (n <= 8) return 8;
  if (n <= 64) return (n + 15) & ~size_t{15};
  int lg = 63 - __builtin_clzl(n - 1);  // floor(log2(n - 1))
  size_t delta = size_t{1} << (lg - 2);
  return (n + delta - 1) & ~(delta - 1);
}

[[noreturn]] void OutOfMemory(size_t n);
// An NVM block of n bytes, or nullptr (counted as a fallback) when the NVM
// arena cannot serve it.
void* NvmAllocOrNull(size_t n);
void* NvmAllocOrFallback(size_t n);
void NvmFree(void* p);

#ifdef TIEREDIS_SANITIZE
TD_ALWAYS_INLINE void CountDramAlloc(void* p) {
  ThreadCounters* c = Local();
  Bump(c->dram_used, static_cast<int64_t>(malloc_usable_size(p)), c->shared);
}
TD_ALWAYS_INLINE void DramFree(void* p) {
  ThreadCounters* c = Local();
  Bump(c->dram_used, -static_cast<int64_t>(malloc_usable_size(p)), c->shared);
  free(p);
}
#else
// jemalloc counts; we only make sure the thread is registered for reading.
TD_ALWAYS_INLINE void CountDramAlloc(void*) { Local(); }
TD_ALWAYS_INLINE void DramFree(void* p) {
  Local();
  free(p);
}
#endif

}  // namespace detail

inline bool InNvmRange(const void* p) {
  return reinterpret_cast<uintptr_t>(p) - detail::g_nvm_lo < detail::g_nvm_span;
}

inline void* Meta(size_t n) {
  void* p = malloc(n);
  if (TD_UNLIKELY(p == nullptr)) detail::OutOfMemory(n);
  detail::CountDramAlloc(p);
  return p;
}

inline void* Alloc(Tier t, size_t n) {
  if (t == Tier::kNvm) return detail::NvmAllocOrFallback(n);
  return Meta(n);
}

inline void* Payload(size_t n) { return Alloc(PlacePayload(n), n); }
inline void* TryPayload(size_t n) { return TryAlloc(PlacePayload(n), n); }
inline void* Key(size_t n) { return Alloc(PlaceKey(n), n); }

inline void Free(void* p) {
  if (p == nullptr) return;
  if (TD_UNLIKELY(InNvmRange(p))) {
    detail::NvmFree(p);
    return;
  }
  detail::DramFree(p);
}

}  // namespace alloc
