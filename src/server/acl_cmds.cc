// The ACL command (SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT GENPASS
// DRYRUN LOG LOAD SAVE HELP), the users of redis.conf and the ACL file at
// start-up, and the settings that reach src/acl (requirepass,
// acl-pubsub-default, acllog-max-len).
//
// Users live in src/acl; this file adds what needs clients: a deleted
// user's connections are closed (the caller's own after its reply), and
// ACL LOAD closes the connections of every user but default, as Redis 7.0
// does (its old users are freed with their clients).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "acl/acl.h"
#include "commands/acl_check.h"
#include "commands/client.h"
#include "commands/pubsub.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/util.h"
#include "server/config.h"
#include "server/server.h"

namespace server {
namespace {

using commands::ArgIs;
using commands::Client;

constexpr char kNoAclFile[] =
    "This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER "
    "command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store "
    "users in the Redis configuration.";

// Closes the connections authenticated as one of `gone` (Redis's
// ACLFreeUserAndKillClients): they fall back to the default user,
// unauthenticated, and close; the caller itself once its reply is out.
void KillClientsOfUsers(Client& self, const std::vector<const acl::User*>& gone) {
  if (gone.empty()) return;
  std::vector<Client*> victims;
  for (auto& [id, cl] : Runtime().clients)
    for (const acl::User* u : gone)
      if (cl->user == u) victims.push_back(cl.get());
  if (self.user != nullptr)
    for (const acl::User* u : gone)
      if (self.user == u && std::find(victims.begin(), victims.end(), &self) == victims.end())
        victims.push_back(&self);
  for (Client* v : victims) {
    v->user = &acl::DefaultUser();
    v->authenticated = false;
    if (v == &self) {
      v->flags |= commands::kClientCloseAfterReply;
    } else {
      CloseClientAsync(v);
    }
  }
}

bool HasSpaces(std::string_view s) {
  for (char ch : s)
    if (isspace(static_cast<unsigned char>(ch)) || ch == '\0') return true;
  return false;
}

// Reads and parses the ACL file into users. Returns "" or Redis's error.
std::string LoadAclFile(const std::string& path, std::vector<std::unique_ptr<acl::User>>* users) {
  std::ifstream f(path);
  if (!f) return "Error loading ACLs, opening file '" + path + "': " + strerror(errno);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string err;
  if (!acl::ParseAclText(ss.str(), path, users, &err))
    return err + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed";
  return {};
}

// Redis's ACLKillPubsubClientsIfNeeded: when `now` may subscribe to less
// than `before` did, the user's subscribers holding a subscription `now`
// refuses are closed.
void KillPubsubClientsIfNeeded(Client& self, const acl::User& before, const acl::User& now) {
  std::vector<std::string> upcoming;
  for (const acl::Selector& s : now.selectors) {
    if (s.flags & acl::kSelAllChannels) return;
    upcoming.insert(upcoming.end(), s.channels.begin(), s.channels.end());
  }
  bool superset = true;
  for (const acl::Selector& s : before.selectors) {
    if (s.flags & acl::kSelAllChannels) superset = false;
    for (const std::string& ch : s.channels)
      if (std::find(upcoming.begin(), upcoming.end(), ch) == upcoming.end()) superset = false;
  }
  if (superset) return;
  auto allowed = [&](const std::string& name, bool pattern) {
    for (const std::string& p : upcoming)
      if (pattern ? p == name : common::GlobMatch(p, name)) return true;
    return false;
  };
  std::vector<Client*> victims;
  for (auto& [id, cl] : Runtime().clients) {
    if (cl->user != &before || !(cl->flags & commands::kClientPubSub)) continue;
    bool kill = false;
    for (const std::string& p : commands::ClientSubscriptionNames(*cl, commands::PubsubKind::kPattern))
      kill = kill || !allowed(p, true);
    for (auto kind : {commands::PubsubKind::kChannel, commands::PubsubKind::kShard})
      for (const std::string& ch : commands::ClientSubscriptionNames(*cl, kind)) kill = kill || !allowed(ch, false);
    if (kill) victims.push_back(cl.get());
  }
  for (Client* v : victims) {
    if (v == &self) {
      v->flags |= commands::kClientCloseAfterReply;
    } else {
      CloseClientAsync(v);
    }
  }
}

void AclSetUser(Client& c) {
  for (size_t j = 2; j < c.argv.size(); j++) c.RedactArgument(j);
  std::string_view name = c.argv[2];
  if (HasSpaces(name)) {
    c.AddError("ERR Usernames can't contain spaces or null characters");
    return;
  }
  acl::User* existing = acl::FindUser(name);
  acl::User temp = existing ? *existing : acl::User(std::string(name));
  std::vector<std::string_view> rules(c.argv.begin() + 3, c.argv.end());
  std::string err;
  if (!acl::ApplyRules(&temp, rules, &err)) {
    c.AddError("ERR " + err);
    return;
  }
  if (existing == nullptr) {
    existing = acl::CreateUser(name);
  } else {
    KillPubsubClientsIfNeeded(c, *existing, temp);
  }
  *existing = std::move(temp);
  c.reply.Ok();
}

void ReplySelector(Client& c, const acl::Selector& s) {
  c.reply.Bulk("commands");
  c.reply.Bulk(s.DescribeCommands());
  c.reply.Bulk("keys");
  c.reply.Bulk(s.DescribeKeys());
  c.reply.Bulk("channels");
  c.reply.Bulk(s.DescribeChannels());
}

void AclGetUser(Client& c) {
  const acl::User* u = acl::FindUser(c.argv[2]);
  if (u == nullptr) {
    c.reply.Null();
    return;
  }
  c.reply.MapHeader(6);
  c.reply.Bulk("flags");
  std::vector<std::string> flags = u->FlagNames();
  c.reply.SetHeader(flags.size());
  for (const std::string& f : flags) c.reply.Bulk(f);
  c.reply.Bulk("passwords");
  c.reply.ArrayHeader(u->passwords.size());
  for (const std::string& p : u->passwords) c.reply.Bulk(p);
  ReplySelector(c, u->selectors[0]);
  c.reply.Bulk("selectors");
  c.reply.ArrayHeader(u->selectors.size() - 1);
  for (size_t i = 1; i < u->selectors.size(); i++) {
    c.reply.MapHeader(3);
    ReplySelector(c, u->selectors[i]);
  }
}

void AclDelUser(Client& c) {
  for (size_t j = 2; j < c.argv.size(); j++) {
    if (c.argv[j] == "default") {
      c.AddError("ERR The 'default' user cannot be removed");
      return;
    }
  }
  std::vector<const acl::User*> gone;
  for (size_t j = 2; j < c.argv.size(); j++) {
    const acl::User* u = acl::FindUser(c.argv[j]);
    if (u == nullptr || std::find(gone.begin(), gone.end(), u) != gone.end()) continue;
    gone.push_back(u);
  }
  KillClientsOfUsers(c, gone);
  for (const acl::User* u : gone) acl::DeleteUser(std::string(u->name));
  c.reply.Integer(static_cast<int64_t>(gone.size()));
}

void AclList(Client& c) {
  std::vector<acl::User*> users = acl::AllUsers();
  c.reply.ArrayHeader(users.size());
  for (const acl::User* u : users) c.reply.Bulk("user " + u->name + " " + u->Describe());
}

void AclUsers(Client& c) {
  std::vector<acl::User*> users = acl::AllUsers();
  c.reply.ArrayHeader(users.size());
  for (const acl::User* u : users) c.reply.Bulk(u->name);
}

void AclWhoami(Client& c) { c.reply.Bulk(c.user ? c.user->name : std::string("default")); }

void AclCat(Client& c) {
  if (c.argv.size() == 2) {
    c.reply.ArrayHeader(acl::Categories().size());
    for (const acl::Category& cat : acl::Categories()) c.reply.Bulk(cat.name);
    return;
  }
  if (c.argv.size() != 3) {
    commands::AddSubcommandSyntaxError(c);
    return;
  }
  uint32_t bit = acl::CategoryByName(c.argv[2]);
  if (bit == 0) {
    c.AddErrorFormat("ERR Unknown category '%.128s'", std::string(c.argv[2]).c_str());
    return;
  }
  std::vector<std::string> names;
  commands::Registry::Get().ForEachCommand([&](const commands::CommandSpec& s) {
    if (s.acl & bit) names.push_back(s.full_name);
  });
  c.reply.ArrayHeader(names.size());
  for (const std::string& n : names) c.reply.Bulk(n);
}

void AclGenPass(Client& c) {
  int64_t bits = 256;
  if (c.argv.size() == 3 && !commands::GetInt64OrReply(c, c.argv[2], &bits)) return;
  if (c.argv.size() > 3) {
    commands::AddSubcommandSyntaxError(c);
    return;
  }
  // Redis's limit: 4096 bits.
  if (bits <= 0 || bits > 4096) {
    c.AddError("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up "
               "to 4096");
    return;
  }
  c.reply.Bulk(acl::GenPass(static_cast<int>(bits)));
}

void AclDryRun(Client& c) {
  const acl::User* u = acl::FindUser(c.argv[2]);
  if (u == nullptr) {
    c.AddErrorFormat("ERR User '%s' not found", std::string(c.argv[2]).c_str());
    return;
  }
  std::vector<std::string_view> argv(c.argv.begin() + 3, c.argv.end());
  const commands::CommandSpec* container = nullptr;
  const commands::CommandSpec* cmd = commands::Registry::Get().Lookup(argv, &container);
  if (cmd == nullptr) {
    c.AddErrorFormat("ERR Command '%s' not found", std::string(argv[0]).c_str());
    return;
  }
  const int argc = static_cast<int>(argv.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    c.AddErrorFormat("ERR wrong number of arguments for '%s' command", cmd->full_name.c_str());
    return;
  }
  int errpos = 0;
  acl::Denied d = commands::CheckCommandPermission(u, *cmd, argv, &errpos);
  switch (d) {
    case acl::Denied::kOk:
      c.reply.Ok();
      return;
    case acl::Denied::kKey:
      c.reply.Bulk("This user has no permissions to access the '" + std::string(argv[errpos]) + "' key");
      return;
    case acl::Denied::kChannel:
      c.reply.Bulk("This user has no permissions to access the '" + std::string(argv[errpos]) + "' channel");
      return;
    default:
      c.reply.Bulk("This user has no permissions to run the '" + cmd->full_name + "' command");
  }
}

void AclLog(Client& c) {
  int64_t count = 10;  // Redis's default number of entries
  if (c.argv.size() == 3) {
    if (ArgIs(c.argv[2], "reset")) {
      acl::Log().clear();
      c.reply.Ok();
      return;
    }
    if (!commands::GetInt64OrReply(c, c.argv[2], &count)) return;
    if (count < 0) count = 0;
  } else if (c.argv.size() > 3) {
    commands::AddSubcommandSyntaxError(c);
    return;
  }
  const auto& log = acl::Log();
  size_t n = std::min(static_cast<size_t>(count), log.size());
  c.reply.ArrayHeader(n);
  const int64_t now = common::MsTime();
  for (size_t i = 0; i < n; i++) {
    const acl::LogEntry& e = log[i];
    c.reply.MapHeader(7);
    c.reply.Bulk("count");
    c.reply.Integer(static_cast<int64_t>(e.count));
    c.reply.Bulk("reason");
    c.reply.Bulk(acl::ReasonName(e.reason));
    c.reply.Bulk("context");
    c.reply.Bulk(acl::ContextName(e.context));
    c.reply.Bulk("object");
    c.reply.Bulk(e.object);
    c.reply.Bulk("username");
    c.reply.Bulk(e.username);
    c.reply.Bulk("age-seconds");
    c.reply.Double(static_cast<double>(now - e.ctime_ms) / 1000.0);
    c.reply.Bulk("client-info");
    c.reply.Bulk(e.client_info);
  }
}

void AclLoad(Client& c) {
  const std::string& path = Config().aclfile;
  if (path.empty()) {
    c.AddError(std::string("ERR ") + kNoAclFile);
    return;
  }
  std::vector<std::unique_ptr<acl::User>> users;
  std::string err = LoadAclFile(path, &users);
  if (!err.empty()) {
    c.AddError("ERR " + err);
    return;
  }
  // Redis 7.0 frees every old user but default with its clients.
  std::vector<const acl::User*> old;
  for (const acl::User* u : acl::AllUsers())
    if (u != &acl::DefaultUser()) old.push_back(u);
  KillClientsOfUsers(c, old);
  acl::ReplaceUsers(std::move(users));
  c.reply.Ok();
}

// One "user <name> <rules>" line per user: the ACL file's lines, and the
// `user` lines of CONFIG REWRITE.
std::vector<std::string> UserLines() {
  std::vector<std::string> lines;
  for (const acl::User* u : acl::AllUsers()) lines.push_back("user " + u->name + " " + u->Describe());
  return lines;
}

void AclSave(Client& c) {
  const std::string& path = Config().aclfile;
  if (path.empty()) {
    c.AddError(std::string("ERR ") + kNoAclFile);
    return;
  }
  // Written to a temporary file renamed over the old one, so a crash never
  // leaves a half-written ACL file.
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  std::string text;
  for (const std::string& line : UserLines()) text += line + "\n";
  FILE* f = fopen(tmp.c_str(), "w");
  bool ok = f != nullptr && fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f != nullptr) ok = (fflush(f) == 0 && fsync(fileno(f)) == 0 && fclose(f) == 0) && ok;
  if (ok && rename(tmp.c_str(), path.c_str()) != 0) ok = false;
  if (!ok) {
    LOG_WARNING("Saving ACL file '%s': %s", path.c_str(), strerror(errno));
    unlink(tmp.c_str());
    c.AddError("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
    return;
  }
  c.reply.Ok();
}

void AclHelp(Client& c) {
  commands::ReplyHelp(
      c, "ACL",
      {"CAT [<category>]", "    List all commands that belong to <category>, or all command categories",
       "    when no category is specified.", "DELUSER <username> [<username> ...]",
       "    Delete a list of users.", "DRYRUN <username> <command> [<arg> ...]",
       "    Returns whether the user can execute the given command without executing the command.",
       "GETUSER <username>", "    Get the user's details.", "GENPASS [<bits>]",
       "    Generate a secure 256-bit user password. The optional `bits` argument can",
       "    be used to specify a different size.", "LIST", "    Show users details in config file format.",
       "LOAD", "    Reload users from the ACL file.", "LOG [<count> | RESET]",
       "    Show the ACL log entries.", "SAVE", "    Save the current config to the ACL file.",
       "SETUSER <username> <attribute> [<attribute> ...]", "    Create or modify a user with the specified attributes.",
       "USERS", "    List all the registered usernames.", "WHOAMI", "    Return the current connection username."});
}

}  // namespace

common::Status LoadUsersAtStartup() {
  ServerConfig& cfg = Config();
  if (!cfg.users.empty() && !cfg.aclfile.empty()) {
    return common::Status::InvalidArgument(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. "
        "This setup is very likely to lead to configuration errors and security holes, please define either an "
        "ACL file or declare users directly in your redis.conf, but not both.");
  }
  std::vector<std::unique_ptr<acl::User>> users;
  if (!cfg.aclfile.empty()) {
    std::string err = LoadAclFile(cfg.aclfile, &users);
    if (!err.empty()) return common::Status::InvalidArgument("Aborting Redis startup because of ACL errors: " + err);
  } else if (!cfg.users.empty()) {
    // Redis's ACLAppendUserForLoading: each `user` line makes one user.
    for (const auto& line : cfg.users) {
      if (HasSpaces(line[0])) return common::Status::InvalidArgument("Spaces not allowed in ACL usernames");
      for (const auto& u : users)
        if (u->name == line[0])
          return common::Status::InvalidArgument("Error in user declaration '" + line[0] +
                                                 "': " + acl::RuleErrorText(acl::RuleError::kDuplicateUser));
      auto u = std::make_unique<acl::User>(line[0]);
      std::vector<std::string_view> rules(line.begin() + 1, line.end());
      std::string err;
      if (!acl::ApplyRules(u.get(), rules, &err)) return common::Status::InvalidArgument(err);
      users.push_back(std::move(u));
    }
  } else {
    return common::Status::Ok();
  }
  // The default user keeps requirepass unless a user line redefines it.
  bool has_default = false;
  for (const auto& u : users) has_default = has_default || u->name == "default";
  if (!has_default) users.push_back(std::make_unique<acl::User>(acl::DefaultUser()));
  acl::ReplaceUsers(std::move(users));
  return common::Status::Ok();
}

void ApplyAclSettings() {
  ServerConfig& cfg = Config();
  // Only a change of requirepass resets the default user's passwords (ACL
  // SETUSER default may have changed them since).
  static std::string applied_requirepass;
  static bool first = true;
  if (first || applied_requirepass != cfg.requirepass) {
    acl::SetDefaultPassword(cfg.requirepass);
    applied_requirepass = cfg.requirepass;
    first = false;
  }
  acl::SetPubsubDefaultAllChannels(cfg.acl_pubsub_default == "allchannels");
  commands::GetState().acllog_max_len = cfg.acllog_max_len;

}

void RegisterAclCommands(commands::Registry& r) {
  using namespace commands;
  GetState().client_info_line = [](const Client& c) { return ClientInfoLine(c); };
  ConfigRegistry::Get().SetUserLines(UserLines);
  const uint32_t kAdminSub = kAdmin | kNoScript | kLoading | kStale;
  const uint32_t kSub = kNoScript | kLoading | kStale;
  CommandSpec aclcmd{"acl", -2, 0, 0, 0, 0, nullptr, "server", "A container for Access List Control commands",
                     "6.0.0", kCatSlow};
  aclcmd.subcommands = {
      {"cat", -2, kSub, 0, 0, 0, AclCat, "server",
       "List the ACL categories or the commands inside a category", "6.0.0", kCatSlow},
      {"deluser", -3, kAdminSub, 0, 0, 0, AclDelUser, "server",
       "Remove the specified ACL users and the associated rules", "6.0.0", kCatSlow},
      {"dryrun", -4, kAdminSub, 0, 0, 0, AclDryRun, "server",
       "Returns whether the user can execute the given command without executing the command.", "7.0.0", kCatSlow},
      {"genpass", -2, kSub, 0, 0, 0, AclGenPass, "server",
       "Generate a pseudorandom secure password to use for ACL users", "6.0.0", kCatSlow},
      {"getuser", 3, kAdminSub, 0, 0, 0, AclGetUser, "server", "Get the rules for a specific ACL user", "6.0.0",
       kCatSlow},
      {"help", 2, kLoading | kStale, 0, 0, 0, AclHelp, "server", "Show helpful text about the different subcommands",
       "6.0.0", kCatSlow},
      {"list", 2, kAdminSub, 0, 0, 0, AclList, "server", "List the current ACL rules in ACL config file format",
       "6.0.0", kCatSlow},
      {"load", 2, kAdminSub, 0, 0, 0, AclLoad, "server", "Reload the ACLs from the configured ACL file", "6.0.0",
       kCatSlow},
      {"log", -2, kAdminSub, 0, 0, 0, AclLog, "server",
       "List latest events denied because of ACLs in place", "6.0.0", kCatSlow},
      {"save", 2, kAdminSub, 0, 0, 0, AclSave, "server", "Save the current ACL rules in the configured ACL file",
       "6.0.0", kCatSlow},
      {"setuser", -3, kAdminSub, 0, 0, 0, AclSetUser, "server", "Modify or create the rules for a specific ACL user",
       "6.0.0", kCatSlow},
      {"users", 2, kAdminSub, 0, 0, 0, AclUsers, "server", "List the username of all the configured ACL rules",
       "6.0.0", kCatSlow},
      {"whoami", 2, kSub, 0, 0, 0, AclWhoami, "server", "Return the name of the user associated to the current "
       "connection", "6.0.0", kCatSlow},
  };
  r.Add(std::move(aclcmd));
}

}  // namespace server
