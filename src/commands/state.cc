#include "commands/state.h"

#include "commands/client.h"

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

void SignalModifiedKey(Client&, db::Db& d, std::string_view key) {
  State& s = GetState();
  if (s.on_key_modified) s.on_key_modified(d.id(), key);
}

// SignalFlushedDb is defined in multi_cmds.cc, next to WATCH.

void NotifyKeyspaceEvent(int type, const char* event, std::string_view key, int db) {
  State& s = GetState();
  if (s.notify_keyspace_event) s.notify_keyspace_event(type, event, key, db);
}

}  // namespace commands
