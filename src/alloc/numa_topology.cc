#include "alloc/numa_topology.h"

#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace alloc {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Lists entries of `dir` named <prefix><number>, returning the numbers.
std::vector<int> NumberedEntries(const std::string& dir, const char* prefix) {
  std::vector<int> ids;
  DIR* d = opendir(dir.c_str());
  if (!d) return ids;
  size_t plen = strlen(prefix);
  while (struct dirent* e = readdir(d)) {
    if (strncmp(e->d_name, prefix, plen) != 0) continue;
    const char* num = e->d_name + plen;
    if (!*num || !std::all_of(num, num + strlen(num), [](char c) { return isdigit(static_cast<unsigned char>(c)); }))
      continue;
    ids.push_back(atoi(num));
  }
  closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string NodeIds(const NumaTopology& topo) {
  std::string s;
  for (const auto& n : topo.nodes) {
    if (!s.empty()) s += ",";
    s += std::to_string(n.id);
  }
  return s.empty() ? "none" : s;
}

}  // namespace

const NumaNode* NumaTopology::Find(int id) const {
  for (const auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

std::vector<int> ParseNodeList(const std::string& text) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    part.erase(std::remove_if(part.begin(), part.end(), [](char c) { return isspace(static_cast<unsigned char>(c)); }),
               part.end());
    if (part.empty()) continue;
    int a = 0, b = 0;
    char dash = 0;
    int n = sscanf(part.c_str(), "%d%c%d", &a, &dash, &b);
    if (n == 1 && a >= 0) {
      out.push_back(a);
    } else if (n == 3 && dash == '-' && a >= 0 && b >= a && b - a < 4096) {
      for (int i = a; i <= b; i++) out.push_back(i);
    }
  }
  return out;
}

bool ReadNodeMemInfo(const std::string& sysfs_root, int node, uint64_t* total, uint64_t* free) {
  std::string text;
  if (!ReadFile(sysfs_root + "/devices/system/node/node" + std::to_string(node) + "/meminfo", &text))
    return false;
  // Lines look like "Node 1 MemTotal:       262144 kB".
  *total = *free = 0;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    unsigned long long kb = 0;
    int id = 0;
    char key[64];
    if (sscanf(line.c_str(), "Node %d %63[^:]: %llu", &id, key, &kb) == 3) {
      if (strcmp(key, "MemTotal") == 0) *total = kb * 1024;
      if (strcmp(key, "MemFree") == 0) *free = kb * 1024;
    }
  }
  return true;
}

NumaTopology ReadNumaTopology(const std::string& sysfs_root) {
  NumaTopology topo;
  const std::string node_dir = sysfs_root + "/devices/system/node";
  for (int id : NumberedEntries(node_dir, "node")) {
    NumaNode n;
    n.id = id;
    std::string cpulist;
    if (ReadFile(node_dir + "/node" + std::to_string(id) + "/cpulist", &cpulist))
      n.has_cpus = !ParseNodeList(cpulist).empty();
    ReadNodeMemInfo(sysfs_root, id, &n.mem_total, &n.mem_free);
    topo.nodes.push_back(n);
  }
  const std::string tier_dir = sysfs_root + "/devices/virtual/memory_tiering";
  for (int tier : NumberedEntries(tier_dir, "memory_tier")) {
    std::string list;
    if (!ReadFile(tier_dir + "/memory_tier" + std::to_string(tier) + "/nodelist", &list)) continue;
    topo.has_memory_tiers = true;
    for (int id : ParseNodeList(list))
      for (auto& n : topo.nodes)
        if (n.id == id) n.memory_tier = tier;
  }
  return topo;
}

common::Result<NodeChoice> ChooseNvmNode(const NumaTopology& topo, int requested) {
  NodeChoice choice;
  if (requested >= 0) {
    const NumaNode* n = topo.Find(requested);
    if (!n)
      return common::Status::InvalidArgument("tier-nvm-node " + std::to_string(requested) +
                                             ": NUMA node " + std::to_string(requested) +
                                             " does not exist (nodes on this machine: " + NodeIds(topo) + ")");
    if (n->mem_total == 0)
      return common::Status::InvalidArgument("tier-nvm-node " + std::to_string(requested) + ": NUMA node " +
                                             std::to_string(requested) + " has no memory");
    choice.node = requested;
    choice.reason = "node " + std::to_string(requested) + " named by tier-nvm-node" +
                    (n->has_cpus ? " (note: it has CPUs, so it is probably DRAM)" : "");
    return choice;
  }

  std::vector<const NumaNode*> candidates;
  for (const auto& n : topo.nodes)
    if (!n.has_cpus && n.mem_total > 0) candidates.push_back(&n);
  if (candidates.empty()) {
    choice.reason = topo.nodes.size() <= 1 ? "only one NUMA node" : "no CPU-less NUMA node with memory";
    return choice;
  }
  std::string why = "CPU-less node with memory";
  if (topo.has_memory_tiers) {
    int slowest = -1;
    for (auto* n : candidates) slowest = std::max(slowest, n->memory_tier);
    if (slowest >= 0) {
      std::erase_if(candidates, [&](const NumaNode* n) { return n->memory_tier != slowest; });
      why += ", in the slowest memory tier (memory_tier" + std::to_string(slowest) + ")";
    }
  }
  const NumaNode* best = candidates.front();
  for (auto* n : candidates)
    if (n->mem_total > best->mem_total) best = n;
  if (candidates.size() > 1) why += ", the largest of " + std::to_string(candidates.size()) + " candidates";
  choice.node = best->id;
  choice.reason = "node " + std::to_string(best->id) + ": " + why + " (" +
                  std::to_string(best->mem_total >> 20) + " MiB)";
  return choice;
}

}  // namespace alloc
