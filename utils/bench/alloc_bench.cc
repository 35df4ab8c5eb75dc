// Allocation/free pairs: plain jemalloc malloc/free against our metadata
// (DRAM) path and payload (NVM) path, for 16 B, 64 B, 1 KiB and 64 KiB.
// Also the NVM arena without any tcache, the alternative to our explicit
// tcache, so the choice is measured rather than assumed.
//
//   make bench-alloc
#include <jemalloc/jemalloc.h>

#include <cstdlib>

#include "alloc/nvm_arena.h"
#include "alloc/zmalloc.h"
#include "benchmark/benchmark.h"

namespace {

void InitOnce() {
  static bool done = [] {
    alloc::Options o;
    o.mode = alloc::Mode::kLogical;
    if (!alloc::Init(o).ok()) abort();
    return true;
  }();
  (void)done;
}

void BM_PlainMalloc(benchmark::State& state) {
  size_t n = state.range(0);
  for (auto _ : state) {
    void* p = malloc(n);
    benchmark::DoNotOptimize(p);
    free(p);
  }
}

void BM_MetaDram(benchmark::State& state) {
  InitOnce();
  size_t n = state.range(0);
  for (auto _ : state) {
    void* p = alloc::Meta(n);
    benchmark::DoNotOptimize(p);
    alloc::Free(p);
  }
}

void BM_PayloadNvm(benchmark::State& state) {
  InitOnce();
  size_t n = state.range(0);
  for (auto _ : state) {
    void* p = alloc::Alloc(alloc::Tier::kNvm, n);
    benchmark::DoNotOptimize(p);
    alloc::Free(p);
  }
  if (!alloc::InNvmRange(alloc::Alloc(alloc::Tier::kNvm, n))) state.SkipWithError("not on NVM");
}

void BM_NvmArenaNoTcache(benchmark::State& state) {
  InitOnce();
  size_t n = state.range(0);
  int flags = static_cast<int>(MALLOCX_ARENA(alloc::nvm::ArenaIndex())) | MALLOCX_TCACHE_NONE;
  for (auto _ : state) {
    void* p = mallocx(n, flags);
    benchmark::DoNotOptimize(p);
    dallocx(p, MALLOCX_TCACHE_NONE);
  }
}

#define SIZES Arg(16)->Arg(64)->Arg(1024)->Arg(65536)
BENCHMARK(BM_PlainMalloc)->SIZES;
BENCHMARK(BM_MetaDram)->SIZES;
BENCHMARK(BM_PayloadNvm)->SIZES;
BENCHMARK(BM_NvmArenaNoTcache)->SIZES;

}  // namespace

BENCHMARK_MAIN();
