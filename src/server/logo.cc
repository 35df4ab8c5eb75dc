#include "server/logo.h"

#include <cstdio>
#include <string_view>

#include "common/log.h"

namespace server {
namespace {

// Two memory tiers as stacked boards: the small fast DRAM one on top (the
// metadata), the large slow one below (the payloads). The facts go to the
// right of the rows named in RenderLogo, from column kFactsColumn.
constexpr std::string_view kArt[] = {
    R"(        .------------------.)",
    R"(       /  DRAM  [] [] []   /|)",
    R"(      '------------------'  |)",
    R"(      |  keys   headers   |  ')",
    R"(   .--'------------------'----.)",
    R"(  /  NVM  ::::::::::::::::::  /|)",
    R"( /  ::::::::::::::::::::::::  / |)",
    R"('-----------------------------'  |)",
    R"(|  values  listpacks  zsets   |  ')",
    R"('-----------------------------')",
};
constexpr size_t kFactsColumn = 40;

}  // namespace

std::string RenderLogo(const LogoFacts& f) {
  char line[160];
  std::string facts[std::size(kArt)];
  snprintf(line, sizeof(line), "Redis %s (00000000/0) 64 bit", f.redis_version);
  facts[1] = line;
  snprintf(line, sizeof(line), "tieredis %s", f.tieredis_version);
  facts[2] = line;
  snprintf(line, sizeof(line), "Running in %s mode", f.mode);
  facts[4] = line;
  snprintf(line, sizeof(line), "Port: %d", f.port);
  facts[5] = line;
  snprintf(line, sizeof(line), "PID: %d", f.pid);
  facts[6] = line;
  facts[8] = f.tiers;
  std::string out = "\n";
  for (size_t i = 0; i < std::size(kArt); i++) {
    std::string row(kArt[i]);
    if (!facts[i].empty()) row.resize(kFactsColumn, ' ');
    out += row + facts[i] + '\n';
  }
  out += '\n';
  return out;
}

void ShowStartupBanner(const LogoFacts& f, bool always_show_logo) {
  if (always_show_logo || common::LogIsTerminal()) {
    common::LogVerbatim(common::LogLevel::kNotice, RenderLogo(f));
  } else {
    LOG_NOTICE("Running mode=%s, port=%d.", f.mode, f.port);
  }
}

}  // namespace server
