// The NVM arena: one jemalloc arena whose memory comes from one reserved
// address range bound to the NVM node.
//
// Memory map of the range (reserved once, never returned to the kernel):
//
//   lo                       next                                 limit   hi
//   | extents handed to jemalloc | PROT_NONE, not yet carved ...   |  cap  |
//
// The extent-alloc hook carves extents from `next` upward: each is made
// readable and writable and given mbind(MPOL_PREFERRED, node) before anything
// touches it, so its pages fault in on the NVM node and spill to another node
// when that one is full (MPOL_BIND would invoke the OOM killer instead).
// jemalloc keeps freed extents (our dalloc hook opts out, so they are
// "retained") and reuses them; purging is madvise. Because extents never
// leave the range, split and merge always succeed.
//
// The arena is made with experimental.arenas_create_ext and
// metadata_use_hooks = false, so jemalloc's own bookkeeping for it stays in
// DRAM. Allocations and frees use an explicit tcache per thread that holds
// only NVM blocks: jemalloc's automatic tcache is keyed by size class, not
// arena, and would hand freed NVM blocks out as DRAM (DESIGN.md, measured).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/status.h"

namespace alloc::nvm {

// Reserves `reserve` bytes of address space (halving on refusal down to
// 64 MiB) and creates the arena. node < 0: no binding (logical mode).
// REQUIRES: not created yet.
common::Status Create(size_t reserve, int node);
bool Created();

// NULL when the range cannot serve the request. n > 0.
void* Alloc(size_t n);
// NULL (and p untouched) when it cannot grow within the range.
void* Realloc(void* p, size_t n);
// REQUIRES: p came from Alloc/Realloc.
void Free(void* p);
// As Free, for a block whose usable size the caller knows (no size lookup).
void FreeSized(void* p, size_t usable);
size_t UsableSize(const void* p);

uintptr_t RangeLo();
uintptr_t RangeHi();
size_t Carved();
size_t Limit();
// REQUIRES: bytes <= RangeHi() - RangeLo(); 0 = the whole range.
void SetLimit(size_t bytes);
uint64_t BindFailures();
// Binds the range to another node (MPOL_PREFERRED): every extent carved from
// now on, and every page of the carved part that faults in from now on.
// Pages already resident stay where they are. REQUIRES: Created(), node >= 0.
void Rebind(int node);
unsigned ArenaIndex();
// Tests only: the extent hook hands out `n` more extents, then refuses
// every request as if the NVM node (or the range) had run out, until called
// again; SIZE_MAX (the default) turns the refusal off. jemalloc still
// serves blocks from extents it already holds, so only growth fails.
void FailExtentsAfterForTest(size_t n);
// Returns this thread's cached NVM blocks to the arena.
void FlushThreadCache();

}  // namespace alloc::nvm
