// tierload: the load generator behind utils/bench (see options.cc's Usage()
// for what it does, driver.h for how it measures).
#include <cstdio>

#include "tierload/driver.h"
#include "tierload/options.h"
#include "tierload/report.h"

int main(int argc, char** argv) {
  auto options = tierload::ParseOptions(argc, argv);
  if (!options.ok()) {
    std::fprintf(stderr, "tierload: %s\n", options.status().message().c_str());
    return 1;
  }
  if (options->help) {
    std::fputs(tierload::Usage(), stdout);
    return 0;
  }
  auto config = options->GeneratorConfig();
  if (!config.ok()) {
    std::fprintf(stderr, "tierload: %s\n", config.status().message().c_str());
    return 1;
  }
  tierload::RequestGenerator gen(std::move(*config));
  auto stats = tierload::Drive(*options, &gen);
  if (!stats.ok()) {
    std::fprintf(stderr, "tierload: %s\n", stats.status().message().c_str());
    return 1;
  }
  std::string report = options->json ? tierload::JsonReport(*options, *stats) : tierload::TextReport(*options, *stats);
  std::fputs(report.c_str(), stdout);
  return stats->errors > 0 ? 2 : 0;
}
