// Placeholder entry point until the server core lands: initialises the
// tiered allocator from the command line and reports what it decided.
#include <cstdio>

#include "alloc/zmalloc.h"
#include "common/log.h"

int main() {
  auto st = alloc::Init(alloc::Options{});
  if (!st.ok()) {
    LOG_WARNING("%s", st.message().c_str());
    return 1;
  }
  auto ts = alloc::GetTierState();
  LOG_NOTICE("tier mode %s (%s)", alloc::ModeName(ts.mode), ts.node_reason.c_str());
  return 0;
}
