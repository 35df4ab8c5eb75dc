// Access control: Redis 7.0's ACL users, their rules, and the permission
// check every command passes through.
//
// A User has flags (on/off, nopass, sanitize-payload), SHA-256 password
// hashes and one or more Selectors. The first selector is the root one
// (the rules outside parentheses); `(...)` rules add more. A command is
// allowed when any selector allows it: its command bit (or one of its
// allowed first arguments), every key it touches against the selector's
// key patterns with the read/write access the command's key specs say, and
// every channel it publishes or subscribes to against the channel
// patterns.
//
// This layer knows nothing of clients or the command registry: the command
// layer hands it the command table once (SetCommandTable: names, ids,
// categories) and, per check, the command's id and the keys and channels
// it found in the arguments.
//
// Invariants: the user named "default" always exists (DefaultUser() is
// never null and keeps its address for the life of the process, ACL LOAD
// included); a user's selectors vector is never empty and selectors[0] has
// kSelRoot; command ids are < kCommandBits - 1, the last bit meaning "every
// command, future ones included" (set only by +@all / allcommands).
#pragma once

#include <bitset>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace acl {

// ---- the command table, as ACL sees it ----

// Redis keeps one bit per command id in a 1024-bit map; the last bit is the
// "future commands" marker of +@all.
inline constexpr int kCommandBits = 1024;

struct CommandEntry {
  std::string name;        // full name, lower case: "get", "config|get"
  uint32_t categories = 0; // Category bits (below)
  int parent = -1;         // id of the container, for subcommands
  std::vector<int> subs;   // ids of the subcommands, for containers
};
// Installs the table: entry i has id i. Called once at start-up, before
// any user is created (ids must stay stable while users hold bitmaps).
void SetCommandTable(std::vector<CommandEntry> table);
// The id of a command ("get", "config|get"; case-insensitive), or -1.
int LookupCommand(std::string_view name);
const CommandEntry& CommandAt(int id);

// ---- categories (ACL CAT), in Redis 7.0's order ----
// The bits are those of commands::AclCategory (the registry asserts it).
struct Category {
  const char* name;  // without '@'
  uint32_t bit;
};
const std::vector<Category>& Categories();
uint32_t CategoryByName(std::string_view name);  // 0 if unknown

// ---- selectors and users ----

enum SelectorFlag : uint32_t {
  kSelRoot = 1u << 0,
  kSelAllKeys = 1u << 1,
  kSelAllCommands = 1u << 2,
  kSelAllChannels = 1u << 3,
};
enum KeyPerm : uint8_t { kPermRead = 1, kPermWrite = 2, kPermAll = 3 };

struct KeyPattern {
  std::string pattern;
  uint8_t perm = kPermAll;
};

// Why a rule was refused: Redis's errno values of ACLSetUser, each with
// its fixed text (SetErrorText).
enum class RuleError {
  kOk,
  kUnknown,            // ENOENT: unknown command or category
  kSyntax,             // EINVAL
  kKeysAfterAll,       // EEXIST
  kChannelsAfterAll,   // EISDIR
  kNoSuchPassword,     // ENODEV
  kBadHash,            // EBADMSG
  kDuplicateUser,      // EALREADY
  kFirstArgOfSub,      // ECHILD
};
const char* RuleErrorText(RuleError e);

struct Selector {
  uint32_t flags = 0;
  std::bitset<kCommandBits> allowed;
  // +cmd|arg for a command without subcommands: first arguments allowed
  // although the command's bit is clear (id -> args, lower case).
  std::map<int, std::vector<std::string>> firstargs;
  std::vector<KeyPattern> patterns;
  std::vector<std::string> channels;

  RuleError Apply(std::string_view op);
  // "+@all -get ...", "~k* %R~r*", "&c*" as GETUSER shows them.
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;
  std::string DescribeChannels() const;
  // The selector as ACL LIST shows it: keys, channels, commands.
  std::string Describe() const;
};

enum UserFlag : uint32_t {
  kUserOn = 1u << 0,
  kUserOff = 1u << 1,
  kUserNoPass = 1u << 2,
  kUserSkipSanitize = 1u << 3,
  kUserSanitize = 1u << 4,
};

struct User {
  explicit User(std::string n);
  std::string name;
  uint32_t flags = kUserOff;
  std::vector<std::string> passwords;  // SHA-256, 64 lower-case hex digits
  std::vector<Selector> selectors;     // [0] is the root selector

  bool enabled() const { return flags & kUserOn; }
  // One rule (not a parenthesised group spanning arguments: see ApplyRules).
  RuleError Apply(std::string_view op);
  // "on #<hash> ~* &* +@all (...)": ACL LIST's line without "user <name> ".
  std::string Describe() const;
  // Flag names in Redis's order (GETUSER "flags").
  std::vector<std::string> FlagNames() const;
  bool CheckPassword(std::string_view pass) const;
};

// Applies ACL SETUSER's arguments in order, first joining arguments that
// form one "(...)" selector. On error returns false with Redis's message
// (without "ERR ") in *err; the user may then be half-changed, so callers
// work on a copy.
bool ApplyRules(User* u, const std::vector<std::string_view>& rules, std::string* err);

std::string HashPassword(std::string_view pass);  // SHA-256 in lower-case hex
// ACL GENPASS: `bits` random bits as hex (rounded up to 4 bits).
std::string GenPass(int bits);
// Whether a user name is valid in an ACL file / config (no spaces or
// control characters).
bool ValidUserName(std::string_view name);

// ---- the set of users ----

User* FindUser(std::string_view name);
User& DefaultUser();
// Creates a user with Redis's defaults (off, no passwords, -@all, channels
// by acl-pubsub-default), or returns nullptr if it exists.
User* CreateUser(std::string_view name);
// Removes a user (never "default"); the pointer dies with it.
void DeleteUser(std::string_view name);
// Every user, sorted by name.
std::vector<User*> AllUsers();
// Replaces every user but keeps DefaultUser()'s address (it gets the new
// default's rules). `users` must contain "default" or it is created fresh.
// Returns the users removed (their pointers are invalid after the call).
std::vector<const User*> ReplaceUsers(std::vector<std::unique_ptr<User>> users);
// Whether new users start with allchannels (acl-pubsub-default).
void SetPubsubDefaultAllChannels(bool all);
bool PubsubDefaultAllChannels();
// Resets the default user's passwords to `requirepass` (nopass if empty):
// Redis's ACLUpdateDefaultUserPassword.
void SetDefaultPassword(std::string_view requirepass);
// A client that connects (or RESETs) is authenticated as default iff this
// is false.
inline bool DefaultNeedsAuth() {
  const uint32_t f = DefaultUser().flags;
  return !(f & kUserNoPass) || (f & kUserOff);
}

// Parses ACL file text ("user <name> <rules...>" lines, # comments and
// blank lines skipped) into fresh users. `origin` names the source in
// errors ("<origin>:<line>: ..."). Returns false and fills *err on the
// first errors (Redis reports every bad line, joined).
bool ParseAclText(std::string_view text, const std::string& origin, std::vector<std::unique_ptr<User>>* out,
                  std::string* err);

// ---- permission checks ----

enum class Denied : int { kOk = 0, kCommand = 1, kKey = 2, kAuth = 3, kChannel = 4 };

struct KeyArg {
  int pos;
  uint8_t perm;  // KeyPerm bits the access needs (0: none, any pattern matches)
};
struct ChannelArg {
  int pos;
  bool pattern;  // PSUBSCRIBE: the pattern must equal an allowed pattern literally
};

struct CommandCheck {
  int id = -1;
  bool no_auth = false;       // CMD_NO_AUTH commands skip the command bits
  bool subcommand = false;    // the first argument is argv[2]
  const std::vector<std::string_view>* argv = nullptr;
  const std::vector<KeyArg>* keys = nullptr;          // null: none
  const std::vector<ChannelArg>* channels = nullptr;  // null: none
};

// True when no argument can make a difference: the user's root selector
// allows every command, key and channel (the default user's usual state).
inline bool Unrestricted(const User& u) {
  constexpr uint32_t kAll = kSelAllKeys | kSelAllCommands | kSelAllChannels;
  return (u.selectors[0].flags & kAll) == kAll;
}
// Whether some selector lacks allkeys / allchannels (the caller then
// finds the keys / channels to pass).
bool NeedsKeys(const User& u);
bool NeedsChannels(const User& u);
// Redis's ACLCheckAllUserCommandPerm. On denial *errpos is the argv index
// of the key or channel refused (0 for a command).
Denied Check(const User& u, const CommandCheck& req, int* errpos);

// ---- ACL LOG ----

enum class LogContext : int { kToplevel = 0, kMulti = 1, kLua = 2, kModule = 3 };
struct LogEntry {
  uint64_t count = 1;
  Denied reason;
  LogContext context;
  std::string object;
  std::string username;
  int64_t ctime_ms;
  std::string client_info;
};
const char* ReasonName(Denied d);
const char* ContextName(LogContext c);
// Adds an entry, or counts it into a matching one of the last ten (same
// reason, context, object and user within 60 s), newest first; keeps at
// most max_len entries.
void AddLogEntry(LogEntry e, size_t max_len);
std::deque<LogEntry>& Log();

}  // namespace acl
