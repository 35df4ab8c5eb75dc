// Which arguments of a command line are keys, from the command table's key
// specs (Redis 7.0's getKeysFromCommandWithSpecs). COMMAND GETKEYS and
// GETKEYSANDFLAGS answer with it; ACL key patterns and cluster slots will
// ask it too.
//
// The specs are followed one by one: a begin-search step (an index, or a
// keyword searched for) and a find-keys step (a range, or a count read from
// the arguments). When one of them cannot be followed — its type is
// unknown, or the arguments contradict it (a key count that is not a
// number, or says more keys than there are arguments) — the command's own
// getkeys procedure decides, if it has one (SORT); otherwise no keys are
// found, which the caller reports as invalid arguments.
#pragma once

#include <string_view>
#include <vector>

#include "commands/registry.h"

namespace commands {

// Returns the keys of argv (argv[0] is the command name), in spec order;
// empty when the arguments do not fit the specs. REQUIRES: argv passed the
// command's arity check.
std::vector<KeyRef> GetKeysFromCommand(const CommandSpec& cmd, const std::vector<std::string_view>& argv);
// The same into *keys (cleared first), for callers that reuse one vector.
// include_not_keys: also the arguments of not_key specs (the shard channels
// cluster redirection hashes, Redis's GET_KEYSPEC_INCLUDE_NOT_KEYS).
void GetKeysFromCommand(const CommandSpec& cmd, const std::vector<std::string_view>& argv,
                        std::vector<KeyRef>* keys, bool include_not_keys = false);

// Redis's doesCommandHaveKeys: a getkeys procedure, or a spec for real keys
// (or, with include_not_keys, any spec).
bool CommandHasKeys(const CommandSpec& cmd, bool include_not_keys = false);

}  // namespace commands
