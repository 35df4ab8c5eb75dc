// Client-side caching: CLIENT TRACKING's server side (Redis 7.0's
// tracking.c). A tracking client is told when a key it may have cached
// changes, by a push (RESP3: >2 "invalidate" [keys]) on its own connection
// or, redirected, by a message on __redis__:invalidate to another client
// (which RESP2 clients read through SUBSCRIBE).
//
// Two modes:
//  - default: the keys a client reads (read-only commands, their keys by the
//    command table) are remembered in one table, key -> client ids; the
//    first change of a key invalidates it for every client that read it and
//    forgets it (a client reads it again to be told again). OPTIN tracks
//    only the command after CLIENT CACHING YES, OPTOUT all but the command
//    after CLIENT CACHING NO. The table holds at most
//    tracking-table-max-keys keys: past that, keys are invalidated early.
//  - BCAST: a client names prefixes ("" for all) and gets, once per event
//    loop pass, one message per prefix with every key under it that changed
//    (deduplicated, sorted), whoever read them.
// NOLOOP spares a client invalidations caused by its own writes. A flush
// (FLUSHALL, FLUSHDB) sends every tracking client a null invalidation and
// empties the table. Keys are tracked by name whatever their db, as Redis.
//
// Thread safety: main thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "commands/client.h"

namespace commands {

struct TrackingOptions {
  bool bcast = false, optin = false, optout = false, noloop = false;
  uint64_t redirect = 0;  // 0: none
  std::vector<std::string> prefixes;
};

// CLIENT TRACKING ON / OFF. On: the error text (without "-") when the
// options do not fit the client's tracking state, else "" and tracking is
// on. REQUIRES: the options were parsed (redirect names a live client).
std::string EnableTracking(Client& c, const TrackingOptions& opts);
void DisableTracking(Client& c);
// CLIENT CACHING YES|NO: the error text, or "" when accepted.
std::string SetTrackingCaching(Client& c, bool yes);
// Clears the CACHING flag after a command (except CLIENT's own).
void TrackingAfterCommand(Client& c);

// After a read-only command of a tracking client: remember its keys.
void TrackingRememberKeys(Client& c);
// A key changed (by `by`, or by the server: expiry, eviction).
void TrackingInvalidateKey(Client* by, std::string_view key);
// FLUSHALL / FLUSHDB (by `by`): a null invalidation to every tracking
// client.
void TrackingInvalidateOnFlush(Client* by);
// Before sleeping: the BCAST messages of this pass, and keeping the table
// within tracking-table-max-keys.
void TrackingBeforeSleep(size_t max_keys);

// CLIENT TRACKINGINFO and GETREDIR, CLIENT LIST's flags and redir=.
void ReplyTrackingInfo(Client& c);
int64_t TrackingRedirect(const Client& c);  // -1: not tracking, 0: no redirect

// INFO: tracking_clients, tracking_total_keys/items/prefixes.
struct TrackingStats {
  size_t clients = 0, keys = 0, items = 0, prefixes = 0;
};
TrackingStats GetTrackingStats();

// Finds a client by id (installed by the server: the redirect target).
using ClientLookup = Client* (*)(uint64_t id);
void SetTrackingClientLookup(ClientLookup lookup);

}  // namespace commands
