#include "alloc/nvm_arena.h"

#include <jemalloc/jemalloc.h>
#include <numaif.h>
#include <sys/mman.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "common/log.h"
#include "common/macros.h"

namespace alloc::nvm {
namespace {

// jemalloc 5.3's arena_config_t (include/jemalloc/internal/arena_types.h),
// which its public header does not export; the layout is part of the
// experimental.arenas_create_ext contract.
struct ArenaConfig {
  extent_hooks_t* extent_hooks;
  bool metadata_use_hooks;
};

constexpr size_t kMinReserve = size_t{64} << 20;
constexpr size_t kPage = 4096;

// Range state. Hooks may run on any thread that allocates from the arena,
// so carving is under a mutex; it happens once per extent, not per block.
std::mutex g_mu;
uintptr_t g_lo = 0, g_hi = 0, g_next = 0;
std::atomic<size_t> g_limit{0};
std::atomic<uint64_t> g_bind_failures{0};
int g_node = -1;
// FailExtentsAfterForTest: extents still granted before the hook refuses
// (SIZE_MAX: no refusal). Read and decremented under g_mu.
size_t g_extents_left_for_test = SIZE_MAX;
unsigned g_arena = 0;
bool g_created = false;

// One explicit tcache per thread, created on first use. `tls_tcache_plus1`
// is 0 until then. The holder destroys the tcache when the thread exits so
// its cached blocks return to the arena.
thread_local unsigned tls_tcache_plus1 = 0;
// Set once the thread's holder is destroyed: frees from later thread-exit
// destructors then bypass the tcache instead of creating a new one.
thread_local bool tls_dead = false;
struct TcacheHolder {
  unsigned id = 0;
  bool live = false;
  ~TcacheHolder() {
    if (live) mallctl("tcache.destroy", nullptr, nullptr, &id, sizeof(id));
    tls_tcache_plus1 = 0;
    tls_dead = true;
  }
};
thread_local TcacheHolder tls_holder;

TD_NOINLINE unsigned CreateTcache() {
  if (tls_dead) return 0;
  unsigned id = 0;
  size_t sz = sizeof(id);
  if (mallctl("tcache.create", &id, &sz, nullptr, 0) != 0) return 0;
  tls_holder.id = id;
  tls_holder.live = true;
  tls_tcache_plus1 = id + 1;
  return id + 1;
}

inline int Flags() {
  unsigned t = tls_tcache_plus1;
  if (TD_UNLIKELY(t == 0)) t = CreateTcache();
  int tc = t ? MALLOCX_TCACHE(t - 1) : MALLOCX_TCACHE_NONE;
  return static_cast<int>(MALLOCX_ARENA(g_arena)) | tc;
}

inline int FreeFlags() {
  unsigned t = tls_tcache_plus1;
  if (TD_UNLIKELY(t == 0)) t = CreateTcache();
  return t ? MALLOCX_TCACHE(t - 1) : MALLOCX_TCACHE_NONE;
}

void Bind(void* addr, size_t len) {
  if (g_node < 0) return;
  unsigned long mask[16] = {};  // 1024 nodes
  mask[g_node / 64] |= 1UL << (g_node % 64);
  if (mbind(addr, len, MPOL_PREFERRED, mask, sizeof(mask) * 8, 0) != 0) {
    if (g_bind_failures.fetch_add(1) == 0)
      LOG_WARNING("WARNING: unable to mbind NVM tier memory to node %d (%s); "
                  "payloads will be placed by the default policy",
                  g_node, strerror(errno));
  }
}

// ---- extent hooks ----

void* HookAlloc(extent_hooks_t*, void* new_addr, size_t size, size_t alignment, bool* zero,
                bool* commit, unsigned) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_extents_left_for_test == 0) return nullptr;
  if (alignment < kPage) alignment = kPage;
  uintptr_t start = (g_next + alignment - 1) & ~(alignment - 1);
  if (new_addr != nullptr && reinterpret_cast<uintptr_t>(new_addr) != start) return nullptr;
  size_t limit = g_limit.load(std::memory_order_relaxed);
  if (start + size > g_hi || start + size - g_lo > limit || start + size < start) return nullptr;
  void* p = reinterpret_cast<void*>(start);
  if (mprotect(p, size, PROT_READ | PROT_WRITE) != 0) return nullptr;
  Bind(p, size);
  g_next = start + size;
  if (g_extents_left_for_test != SIZE_MAX) g_extents_left_for_test--;
  *zero = true;    // fresh anonymous pages read as zero
  *commit = true;
  return p;
}

// Opt out: the extent stays ours and jemalloc retains it for reuse.
bool HookDalloc(extent_hooks_t*, void*, size_t, bool, unsigned) { return true; }

void HookDestroy(extent_hooks_t*, void* addr, size_t size, bool, unsigned) {
  madvise(addr, size, MADV_DONTNEED);
}

bool HookCommit(extent_hooks_t*, void*, size_t, size_t, size_t, unsigned) { return false; }
// Opt out of decommit: jemalloc then purges instead, which keeps the
// mapping (and its NUMA policy) intact.
bool HookDecommit(extent_hooks_t*, void*, size_t, size_t, size_t, unsigned) { return true; }

bool HookPurgeLazy(extent_hooks_t*, void* addr, size_t, size_t offset, size_t length, unsigned) {
  return madvise(static_cast<char*>(addr) + offset, length, MADV_FREE) != 0;
}

bool HookPurgeForced(extent_hooks_t*, void* addr, size_t, size_t offset, size_t length, unsigned) {
  // After MADV_DONTNEED the next touch faults a zero page in by the range's
  // policy, i.e. on the NVM node again.
  return madvise(static_cast<char*>(addr) + offset, length, MADV_DONTNEED) != 0;
}

bool HookSplit(extent_hooks_t*, void*, size_t, size_t, size_t, bool, unsigned) { return false; }
bool HookMerge(extent_hooks_t*, void*, size_t, void*, size_t, bool, unsigned) { return false; }

// Must outlive the arena: static storage.
extent_hooks_t g_hooks = {HookAlloc,     HookDalloc,      HookDestroy, HookCommit, HookDecommit,
                          HookPurgeLazy, HookPurgeForced, HookSplit,   HookMerge};

}  // namespace

common::Status Create(size_t reserve, int node) {
  TD_ASSERT(!g_created);
  reserve = (reserve + kPage - 1) & ~(kPage - 1);
  if (reserve < kMinReserve) reserve = kMinReserve;
  void* base = MAP_FAILED;
  while (true) {
    base = mmap(nullptr, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base != MAP_FAILED || reserve <= kMinReserve) break;
    reserve /= 2;
  }
  if (base == MAP_FAILED)
    return common::Status::OutOfMemory(std::string("cannot reserve address space for the NVM tier: ") +
                                       strerror(errno));
  // No transparent huge pages in the range: copy-on-write after fork (BGSAVE,
  // AOF rewrite) then copies 4 KiB per written page rather than 2 MiB, as
  // Redis advises for DRAM too. The distinct VMA flag also keeps the kernel
  // from merging the range with an adjacent DRAM mapping, so /proc/self/smaps
  // and numa_maps attribute every mapping to one tier (the per-tier COW split
  // and residency figures rely on it). Failure only costs that precision.
  if (madvise(base, reserve, MADV_NOHUGEPAGE) != 0)
    LOG_WARNING("madvise(MADV_NOHUGEPAGE) on the NVM range failed: %s", strerror(errno));
  g_lo = g_next = reinterpret_cast<uintptr_t>(base);
  g_hi = g_lo + reserve;
  g_limit = reserve;
  g_node = node;

  ArenaConfig cfg{&g_hooks, false};
  unsigned idx = 0;
  size_t sz = sizeof(idx);
  int err = mallctl("experimental.arenas_create_ext", &idx, &sz, &cfg, sizeof(cfg));
  if (err != 0) {
    munmap(base, reserve);
    g_lo = g_hi = g_next = 0;
    return common::Status::NotSupported(std::string("jemalloc refused to create the NVM arena: ") +
                                        strerror(err));
  }
  g_arena = idx;
  g_created = true;
  return common::Status::Ok();
}

bool Created() { return g_created; }

void* Alloc(size_t n) { return mallocx(n, Flags()); }

void FreeSized(void* p, size_t usable) { sdallocx(p, usable, FreeFlags()); }

void* Realloc(void* p, size_t n) { return rallocx(p, n, Flags()); }

void Free(void* p) { dallocx(p, FreeFlags()); }

size_t UsableSize(const void* p) { return sallocx(const_cast<void*>(p), 0); }

uintptr_t RangeLo() { return g_lo; }
uintptr_t RangeHi() { return g_hi; }
size_t Carved() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_next - g_lo;
}
size_t Limit() { return g_limit.load(); }
void SetLimit(size_t bytes) {
  size_t span = g_hi - g_lo;
  g_limit = (bytes == 0 || bytes > span) ? span : bytes;
}
uint64_t BindFailures() { return g_bind_failures.load(); }

void Rebind(int node) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_node = node;
  if (g_next > g_lo) Bind(reinterpret_cast<void*>(g_lo), g_next - g_lo);
}
unsigned ArenaIndex() { return g_arena; }

void FailExtentsAfterForTest(size_t n) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_extents_left_for_test = n;
}

void FlushThreadCache() {
  if (tls_tcache_plus1 == 0) return;
  unsigned id = tls_tcache_plus1 - 1;
  mallctl("tcache.flush", nullptr, nullptr, &id, sizeof(id));
}

}  // namespace alloc::nvm
