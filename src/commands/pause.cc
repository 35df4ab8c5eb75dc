#include "commands/pause.h"

#include "commands/blocking.h"
#include "commands/registry.h"
#include "db/db.h"

namespace commands {
namespace {

PauseType g_type = PauseType::kNone;
int64_t g_end_ms = 0;

}  // namespace

void PauseClients(int64_t end_ms, PauseType type) {
  if (type > g_type) g_type = type;
  if (end_ms > g_end_ms) g_end_ms = end_ms;
  db::SetLazyExpireDeletes(false);
}

void UnpauseClients() {
  g_type = PauseType::kNone;
  g_end_ms = 0;
  db::SetLazyExpireDeletes(true);
  UnblockPostponedClients();
}

bool CheckClientPauseTimeout(int64_t now_ms) {
  if (g_type == PauseType::kNone) return false;
  if (g_end_ms < now_ms) UnpauseClients();
  return g_type != PauseType::kNone;
}

PauseType CurrentPause() { return g_type; }

bool PauseHoldsCommand(uint32_t cmd_flags, int64_t now_ms) {
  if (!CheckClientPauseTimeout(now_ms)) return false;
  return g_type == PauseType::kAll || (cmd_flags & (kWrite | kMayReplicate)) != 0;
}

}  // namespace commands
