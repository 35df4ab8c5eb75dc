#include "commands/acl_check.h"

#include "commands/keys.h"
#include "commands/state.h"
#include "common/clock.h"

namespace commands {

void InstallAclCommandTable(Registry& r) {
  std::vector<acl::CommandEntry> table;
  for (const CommandSpec* s : r.All()) {
    auto* top = const_cast<CommandSpec*>(s);
    top->acl_id = static_cast<int>(table.size());
    table.push_back({top->full_name, top->acl, -1, {}});
    for (CommandSpec& sub : top->subcommands) {
      sub.acl_id = static_cast<int>(table.size());
      table[static_cast<size_t>(top->acl_id)].subs.push_back(sub.acl_id);
      table.push_back({sub.full_name, sub.acl, top->acl_id, {}});
    }
  }
  acl::SetCommandTable(std::move(table));
}

acl::Denied CheckCommandPermission(const acl::User* user, const CommandSpec& cmd,
                                   const std::vector<std::string_view>& argv, int* errpos) {
  *errpos = 0;
  if (user == nullptr || acl::Unrestricted(*user)) return acl::Denied::kOk;
  const uint32_t flags = cmd.flags | (cmd.parent ? cmd.parent->flags : 0);
  acl::CommandCheck req;
  req.id = cmd.acl_id;
  req.no_auth = flags & kNoAuth;
  req.subcommand = cmd.parent != nullptr;
  req.argv = &argv;
  // Reused between calls (no allocation per command once grown): a check
  // never runs inside another (a script's commands are checked after the
  // EVAL that runs them).
  static std::vector<KeyRef> refs;
  static std::vector<acl::KeyArg> keys;
  keys.clear();
  if (acl::NeedsKeys(*user) && CommandHasKeys(cmd)) {
    GetKeysFromCommand(cmd, argv, &refs);
    for (const KeyRef& k : refs) {
      // Redis's ACLSelectorCheckKey: reading the data needs %R, changing
      // it %W; a key only tested (EXISTS) needs neither.
      uint8_t perm = 0;
      if (k.flags & kKeyAccess) perm |= acl::kPermRead;
      if (k.flags & (kKeyInsert | kKeyDelete | kKeyUpdate)) perm |= acl::kPermWrite;
      keys.push_back({k.pos, perm});
    }
    req.keys = &keys;
  }
  static std::vector<acl::ChannelArg> channels;
  channels.clear();
  if (cmd.channel_args != kNoChannels && acl::NeedsChannels(*user)) {
    if (cmd.channel_args == kPublishChannel) {
      channels.push_back({1, false});
    } else {
      for (size_t i = 1; i < argv.size(); i++)
        channels.push_back({static_cast<int>(i), cmd.channel_args == kSubscribePatterns});
    }
    req.channels = &channels;
  }
  return acl::Check(*user, req, errpos);
}

void AddAclLogEntry(Client& c, acl::Denied reason, acl::LogContext ctx, int errpos, std::string_view username,
                    std::string_view object, const Client* real) {
  acl::LogEntry e;
  e.reason = reason;
  e.context = ctx;
  if (reason == acl::Denied::kCommand) {
    e.object = c.cmd ? c.cmd->full_name : std::string(object);
  } else if (reason == acl::Denied::kAuth) {
    e.object = std::string(object);
  } else if (errpos >= 0 && static_cast<size_t>(errpos) < c.argv.size()) {
    e.object = std::string(c.argv[static_cast<size_t>(errpos)]);
  }
  if (!username.empty() || reason == acl::Denied::kAuth) {
    e.username = std::string(username);
  } else {
    e.username = c.user ? c.user->name : "default";
  }
  e.ctime_ms = common::MsTime();
  State& s = GetState();
  if (s.client_info_line != nullptr) e.client_info = s.client_info_line(real ? *real : c);
  acl::AddLogEntry(std::move(e), s.acllog_max_len);
}

std::string NoPermError(acl::Denied reason, const CommandSpec& cmd) {
  switch (reason) {
    case acl::Denied::kKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case acl::Denied::kChannel:
      return "NOPERM this user has no permissions to access one of the channels used as arguments";
    default:
      return "NOPERM this user has no permissions to run the '" + cmd.full_name + "' command";
  }
}

}  // namespace commands
