// Residency: where the tiers' pages physically are, as opposed to where the
// allocator meant to put them.
//
// With MPOL_PREFERRED a full NVM node spills silently to another node, so
// the allocator's byte counters say "NVM" for pages that sit in DRAM. This
// module asks the kernel. Once a second (from cron, never per command) it
// counts the resident pages of
//   - the NVM range (the part carved so far): on the NVM node vs elsewhere;
//   - the DRAM side: the process's private anonymous writable mappings
//     outside the NVM range (jemalloc's DRAM arenas, plus thread stacks and
//     libc's data), found in /proc/self/maps: how many sit on the NVM node.
//
// How: move_pages(2) with nodes == NULL, which reports the node of each page
// it is given (or that the page is not resident), on a bounded sample of
// pages. Why not /proc/self/numa_maps: the kernel computes every line of it
// by walking the page tables of every mapping of the process, NVM range
// included, and no reader can skip lines it does not want; measured on this
// machine kind at 8 ms per GiB resident (31 ns a page), i.e. most of a
// second, holding mmap_lock, for a 100 GiB server. move_pages costs about
// 180 ns a page but only for the pages asked about, so a fixed budget of
// samples (kSampleBudget per side) keeps every refresh under 1.5 ms whatever
// the size of the data set. Below the budget every page is asked about and
// the figures are exact; above it pages are taken at an even stride (with a
// phase that moves each refresh) and each stands for stride pages. The NVM
// range fills from its low end, and spilling starts when the node fills up,
// so placement comes in long runs of pages and a stride sample is off by at
// most one stride per run boundary.
//
// "On node" means on the node the NVM tier is bound to (tier_nvm_node). In
// logical mode there is no such node: the tier lives on the same node as
// DRAM, and the figures describe the lowest-numbered node with memory (node 0
// on every machine seen so far). On a one-node machine that makes on_node
// the NVM range's resident bytes, spilled 0, and dram_on_node the whole DRAM
// side, which is the honest physical picture of logical tiering. With
// tier-mode off there is no NVM range and every figure is 0.
//
// Thread safety: Refresh and Get may be called from any thread; the server
// calls Refresh from cron on the main thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace alloc {

// Pages sampled per side per refresh: about 0.75 ms of move_pages at the
// 180 ns a page measured on this machine kind, and a statistical error of
// well under 1% of the range for a split between two nodes.
inline constexpr size_t kSampleBudget = 4096;

// Anonymous mappings larger than this are address-space reservations, not
// memory in use: ASan's shadow (about 16 TiB of mostly untouched pages) is
// the one seen here. Sampling one would spend nearly every sample on absent
// pages and report the DRAM side as empty. 4 TiB is more DRAM than one
// machine of today's kind holds, so no jemalloc arena mapping comes near it.
inline constexpr size_t kMaxDramRegion = size_t{4} << 40;

struct Region {
  uintptr_t start = 0;
  size_t len = 0;  // bytes, a multiple of the page size
};

// The private anonymous writable mappings listed in /proc/PID/maps text
// (no path, or "[heap]"; "[stack]" too, as it is DRAM-side memory), minus
// any part of them inside [exclude_lo, exclude_hi), and any mapping larger
// than kMaxDramRegion. Malformed lines are skipped. Result is in the order of the text (ascending addresses).
std::vector<Region> ParseAnonymousRegions(std::string_view maps_text, uintptr_t exclude_lo,
                                          uintptr_t exclude_hi);

// Estimated resident pages per node of a set of regions.
struct NodePages {
  std::vector<double> per_node;  // index: node id
  double absent = 0;             // pages not resident (or not queryable)
  size_t sampled = 0;            // pages asked about
  bool exact = false;            // every page was asked about
  double On(int node) const;
  double NotOn(int node) const;  // resident pages on every other node
  double Resident() const;
};

// Asks `query` about the node of `n` pages (status[i] = node id, or a
// negative errno for a page that is not resident), as move_pages(2) does.
// Returns false if the call failed as a whole.
using PageQuery = std::function<bool(void** pages, size_t n, int* status)>;
// The real one: move_pages(0, n, pages, NULL, status, 0) in batches.
bool MovePagesQuery(void** pages, size_t n, int* status);

// Samples at most `budget` pages of `regions` (every page if they hold no
// more), starting the stride at a fraction `phase` in [0, 1) of it.
// REQUIRES: budget > 0; region starts and lengths page-aligned.
NodePages CountPages(const std::vector<Region>& regions, size_t budget, double phase, const PageQuery& query);

// The physical node of the page holding p, or -1 if it is not resident
// (never touched, purged) or the kernel cannot tell. One system call.
int PhysicalNode(const void* p);

// The physical truth, as of the last Refresh.
struct Residency {
  bool measured = false;      // false until the first Refresh with a range
  int node = -1;              // the node "on node" refers to (see top)
  uint64_t nvm_on_node = 0;   // bytes of the NVM range resident on `node`
  uint64_t nvm_spilled = 0;   // bytes of the NVM range resident elsewhere
  uint64_t dram_on_node = 0;  // bytes of the DRAM side resident on `node`
  uint64_t dram_resident = 0; // bytes of the DRAM side resident anywhere
  uint64_t node_total = 0;    // `node`'s MemTotal (sysfs meminfo)
  uint64_t node_free = 0;     // `node`'s MemFree
  size_t pages_sampled = 0;   // pages asked about in the last refresh
  bool exact = false;         // both sides counted page by page
};

// Recomputes the truth (one /proc/self/maps read, at most 2 x kSampleBudget
// pages asked about, one sysfs meminfo read). Cheap enough for cron at 1 Hz.
void RefreshResidency();
Residency GetResidency();

}  // namespace alloc
