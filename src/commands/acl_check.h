// The command layer's side of access control: asks acl::Check whether a
// client's user may run a command with its arguments (keys found through
// the command's key specs, channels by the command's channel kind), and
// records refusals in the ACL LOG. The dispatcher, EXEC, scripts and ACL
// DRYRUN all come through here, so every path checks the same way.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "acl/acl.h"
#include "commands/client.h"
#include "commands/registry.h"

namespace commands {

// Builds acl's command table from the registry (ids in table order,
// subcommands after their container). Called once by Registry::Finalize.
void InstallAclCommandTable(Registry& r);

// Whether `user` may run cmd with argv (argv[0] the command name). nullptr
// user: unrestricted (internal clients). *errpos: see acl::Check.
acl::Denied CheckCommandPermission(const acl::User* user, const CommandSpec& cmd,
                                   const std::vector<std::string_view>& argv, int* errpos);

// Adds the ACL LOG entry for a refusal of c's current command (c.cmd,
// c.argv). For kAuth, `object`/`username` give the command and the user
// name tried. `real`: the client whose CLIENT LIST line the entry shows
// (a script's caller), default c.
void AddAclLogEntry(Client& c, acl::Denied reason, acl::LogContext ctx, int errpos,
                    std::string_view username = {}, std::string_view object = {}, const Client* real = nullptr);

// The dispatcher's error text (without "-") for a refusal: Redis 7.0's
// "NOPERM this user has no permissions to ...".
std::string NoPermError(acl::Denied reason, const CommandSpec& cmd);

}  // namespace commands
