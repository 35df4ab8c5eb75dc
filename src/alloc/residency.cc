#include "alloc/residency.h"

#include <numaif.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "alloc/numa_topology.h"
#include "alloc/nvm_arena.h"
#include "alloc/zmalloc.h"

namespace alloc {
namespace {

constexpr size_t kPage = 4096;
// move_pages takes its page list in one array; the kernel walks it in
// chunks of 16 anyway, so batches of 512 only bound our stack use.
constexpr size_t kBatch = 512;

std::mutex g_mu;
Residency g_truth;
uint64_t g_refreshes = 0;

// The golden ratio's fractional part: successive phases k * 0.618... mod 1
// spread evenly over [0, 1), so successive refreshes look at different pages.
constexpr double kPhaseStep = 0.6180339887498949;

bool ReadSelfMaps(std::string* out) {
  std::ifstream in("/proc/self/maps");
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

}  // namespace

double NodePages::On(int node) const {
  return node >= 0 && static_cast<size_t>(node) < per_node.size() ? per_node[node] : 0;
}

double NodePages::Resident() const {
  double sum = 0;
  for (double p : per_node) sum += p;
  return sum;
}

double NodePages::NotOn(int node) const { return Resident() - On(node); }

std::vector<Region> ParseAnonymousRegions(std::string_view text, uintptr_t exclude_lo, uintptr_t exclude_hi) {
  std::vector<Region> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string line(text.substr(pos, eol - pos));
    pos = eol + 1;
    // "start-end perms offset dev inode [path]"
    unsigned long long lo = 0, hi = 0, offset = 0, inode = 0;
    char perms[8] = {}, dev[16] = {};
    int consumed = 0;
    if (sscanf(line.c_str(), "%llx-%llx %7s %llx %15s %llu %n", &lo, &hi, perms, &offset, dev, &inode,
               &consumed) < 6)
      continue;
    if (hi <= lo || strlen(perms) != 4 || perms[0] != 'r' || perms[1] != 'w' || perms[3] != 'p' || inode != 0)
      continue;
    std::string_view path = std::string_view(line).substr(std::min<size_t>(consumed, line.size()));
    while (!path.empty() && (path.back() == ' ' || path.back() == '\r')) path.remove_suffix(1);
    if (!path.empty() && path != "[heap]" && path != "[stack]") continue;
    if (hi - lo > kMaxDramRegion) continue;
    uintptr_t a = lo, b = hi;
    // Cut out the excluded range: what is left is zero, one or two pieces.
    if (exclude_hi > exclude_lo && a < exclude_hi && b > exclude_lo) {
      if (a < exclude_lo) out.push_back({a, exclude_lo - a});
      if (b > exclude_hi) out.push_back({exclude_hi, b - exclude_hi});
      continue;
    }
    out.push_back({a, b - a});
  }
  return out;
}

bool MovePagesQuery(void** pages, size_t n, int* status) {
  for (size_t i = 0; i < n; i += kBatch) {
    size_t k = std::min(kBatch, n - i);
    if (move_pages(0, k, pages + i, nullptr, status + i, 0) != 0) return false;
  }
  return true;
}

NodePages CountPages(const std::vector<Region>& regions, size_t budget, double phase, const PageQuery& query) {
  NodePages r;
  uint64_t total = 0;
  for (const Region& g : regions) total += g.len / kPage;
  if (total == 0) {
    r.exact = true;
    return r;
  }
  r.exact = total <= budget;
  size_t want = r.exact ? total : budget;
  double stride = static_cast<double>(total) / static_cast<double>(want);
  double weight = stride;  // pages each sample stands for

  void* pages[kBatch];
  int status[kBatch];
  size_t region = 0;
  uint64_t region_first = 0;  // page index where `region` starts
  auto flush = [&](size_t n) {
    if (n == 0) return;
    if (!query(pages, n, status)) {
      r.absent += weight * static_cast<double>(n);
      return;
    }
    for (size_t i = 0; i < n; i++) {
      int node = status[i];
      if (node < 0) {
        r.absent += weight;
        continue;
      }
      if (static_cast<size_t>(node) >= r.per_node.size()) r.per_node.resize(node + 1, 0);
      r.per_node[node] += weight;
    }
  };
  size_t n = 0;
  for (size_t i = 0; i < want; i++) {
    uint64_t idx = r.exact ? i : static_cast<uint64_t>((static_cast<double>(i) + phase) * stride);
    if (idx >= total) idx = total - 1;
    while (idx >= region_first + regions[region].len / kPage) {
      region_first += regions[region].len / kPage;
      region++;
    }
    pages[n++] = reinterpret_cast<void*>(regions[region].start + (idx - region_first) * kPage);
    if (n == kBatch) {
      flush(n);
      n = 0;
    }
  }
  flush(n);
  r.sampled = want;
  return r;
}

int PhysicalNode(const void* p) {
  void* page = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(p) & ~(uintptr_t{kPage} - 1));
  int status = -1;
  if (move_pages(0, 1, &page, nullptr, &status, 0) != 0) return -1;
  return status >= 0 ? status : -1;
}

void RefreshResidency() {
  TierState ts = GetTierState();
  Residency t;
  if (ts.mode != Mode::kOff && ts.nvm_hi > ts.nvm_lo) {
    t.measured = true;
    t.node = ts.mode == Mode::kNuma ? ts.nvm_node : ts.home_node;
    uint64_t n;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      n = g_refreshes++;
    }
    double phase = std::fmod(static_cast<double>(n) * kPhaseStep, 1.0);
    std::vector<Region> nvm_side;
    size_t carved = nvm::Carved();
    if (carved > 0) nvm_side.push_back({ts.nvm_lo, carved});
    NodePages nvm_pages = CountPages(nvm_side, kSampleBudget, phase, MovePagesQuery);
    std::string maps;
    std::vector<Region> dram_side;
    if (ReadSelfMaps(&maps)) dram_side = ParseAnonymousRegions(maps, ts.nvm_lo, ts.nvm_hi);
    NodePages dram_pages = CountPages(dram_side, kSampleBudget, phase, MovePagesQuery);
    t.nvm_on_node = static_cast<uint64_t>(std::llround(nvm_pages.On(t.node))) * kPage;
    t.nvm_spilled = static_cast<uint64_t>(std::llround(nvm_pages.NotOn(t.node))) * kPage;
    t.dram_on_node = static_cast<uint64_t>(std::llround(dram_pages.On(t.node))) * kPage;
    t.dram_resident = static_cast<uint64_t>(std::llround(dram_pages.Resident())) * kPage;
    t.pages_sampled = nvm_pages.sampled + dram_pages.sampled;
    t.exact = nvm_pages.exact && dram_pages.exact;
    ReadNodeMemInfo(ts.sysfs_root, t.node, &t.node_total, &t.node_free);
  }
  std::lock_guard<std::mutex> lock(g_mu);
  g_truth = t;
}

Residency GetResidency() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_truth;
}

}  // namespace alloc
