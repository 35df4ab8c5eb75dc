#include "commands/state.h"

#include "commands/client.h"
#include "commands/tracking.h"

namespace commands {

State& GetState() {
  static State* s = new State();
  return *s;
}

db::Db* GetDb(int index) {
  State& s = GetState();
  if (index < 0 || index >= static_cast<int>(s.dbs.size())) return nullptr;
  return s.dbs[index].get();
}

void SignalModifiedKey(Client& c, db::Db& d, std::string_view key) { SignalKeyModified(d.id(), key, &c); }

void SignalKeyModified(int db, std::string_view key, Client* by) {
  State& s = GetState();
  if (s.on_key_modified) s.on_key_modified(db, key);
  TrackingInvalidateKey(by, key);
}

// SignalFlushedDb is defined in multi_cmds.cc, next to WATCH.

// NotifyKeyspaceEvent is defined in pubsub.cc: it publishes.

}  // namespace commands
