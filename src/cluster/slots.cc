// Keys by slot, over the keyspace's per-slot index (db/slot_index.h): the
// slot of a key, and the deletion of a lost slot's keys.
#include "cluster/internal.h"
#include "commands/propagate.h"
#include "commands/state.h"
#include "common/crc64.h"
#include "db/db.h"

namespace cluster {

static_assert(kSlots == common::kClusterSlots, "one slot count");

int KeySlot(std::string_view key) { return common::KeyHashSlot(key); }

size_t DeleteKeysInSlot(int slot) {
  db::Db* d = commands::GetDb(0);
  if (d == nullptr) return 0;
  const bool lazy = db::Lazyfree().server_del;
  const size_t n = d->DeleteKeysInSlot(slot, [d, lazy](std::string_view key) {
    commands::PropagateDeletion(d->id(), key, lazy);
    commands::SignalKeyModified(d->id(), key, nullptr);
    commands::NotifyKeyspaceEvent(commands::kNotifyGeneric, "del", key, d->id());
  });
  commands::GetState().dirty += n;
  return n;
}

}  // namespace cluster
