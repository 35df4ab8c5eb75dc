// Users, rules and permission checks: see acl.h.
#include "acl/acl.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/clock.h"
#include "common/util.h"

namespace acl {
namespace {

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = common::LowerAscii(c);
  return r;
}

bool EqNoCase(std::string_view a, const char* b) {
  size_t n = strlen(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; i++)
    if (common::LowerAscii(a[i]) != b[i]) return false;
  return true;
}

// ---- the command table ----

std::vector<CommandEntry>& Table() {
  static auto* t = new std::vector<CommandEntry>();
  return *t;
}
// name -> id, sorted for binary search.
std::vector<std::pair<std::string, int>>& TableIndex() {
  static auto* t = new std::vector<std::pair<std::string, int>>();
  return *t;
}

// ---- users ----

struct UserSet {
  std::map<std::string, std::unique_ptr<User>, std::less<>> users;
  User* default_user = nullptr;
};
// acl-pubsub-default allchannels: new users and selectors get allchannels.
bool g_pubsub_all = false;
UserSet& Users() {
  static UserSet* s = [] {
    auto* set = new UserSet();
    auto u = std::make_unique<User>("default");
    // Redis's ACLCreateDefaultUser: on, nopass, every key, channel, command.
    u->Apply("+@all");
    u->Apply("~*");
    u->Apply("&*");
    u->Apply("on");
    u->Apply("nopass");
    set->default_user = u.get();
    set->users.emplace("default", std::move(u));
    return set;
  }();
  return *s;
}

// The bit +@all sets and nothing else: "future commands are allowed".
constexpr int kFutureBit = kCommandBits - 1;

void SetBit(Selector& s, int id, bool on) {
  if (id < 0 || id >= kCommandBits) return;
  s.allowed.set(static_cast<size_t>(id), on);
  if (!on) s.flags &= ~kSelAllCommands;
}

// Redis's ACLChangeSelectorPerm: the command, its first-arg list gone, and
// every subcommand with it.
void ChangePerm(Selector& s, int id, bool on) {
  SetBit(s, id, on);
  s.firstargs.erase(id);
  for (int sub : Table()[static_cast<size_t>(id)].subs) SetBit(s, sub, on);
}

void SetCategory(Selector& s, uint32_t bit, bool on) {
  const auto& t = Table();
  for (size_t id = 0; id < t.size(); id++) {
    // Subcommands are visited as table entries of their own, after their
    // container (as Redis recurses into subcommands_dict).
    if (t[id].categories & bit) ChangePerm(s, static_cast<int>(id), on);
  }
}

void CountCategory(const Selector& s, uint32_t bit, size_t* on, size_t* off) {
  *on = *off = 0;
  const auto& t = Table();
  for (size_t id = 0; id < t.size(); id++) {
    if (!(t[id].categories & bit)) continue;
    if (s.allowed.test(id)) {
      (*on)++;
    } else {
      (*off)++;
    }
  }
}

// Redis's ACLStringHasSpaces: whitespace or NUL.
bool HasSpace(std::string_view s) {
  for (char c : s)
    if (isspace(static_cast<unsigned char>(c)) || c == '\0') return true;
  return false;
}

bool ValidHash(std::string_view h) {
  if (h.size() != 64) return false;
  for (char c : h)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::string PatternString(const KeyPattern& p) {
  if (p.perm == kPermAll) return "~" + p.pattern;
  if (p.perm == kPermRead) return "%R~" + p.pattern;
  if (p.perm == kPermWrite) return "%W~" + p.pattern;
  return "%~" + p.pattern;
}

// Redis's ACLSetSelector for the command rules ("+get", "-@read",
// "+config|get", "+select|0").
RuleError ApplyCommandRule(Selector& s, std::string_view op) {
  const bool allow = op[0] == '+';
  if (op.size() > 1 && op[1] == '@') {
    uint32_t bit = CategoryByName(op.substr(2));
    if (bit == 0) return RuleError::kUnknown;
    SetCategory(s, bit, allow);
    return RuleError::kOk;
  }
  std::string_view name = op.substr(1);
  size_t bar = name.find('|');
  if (!allow || bar == std::string_view::npos) {
    int id = LookupCommand(name);
    if (id < 0) return RuleError::kUnknown;
    ChangePerm(s, id, allow);
    return RuleError::kOk;
  }
  // Split at the last '|', as Redis: "config|get|x" names a first
  // argument of the subcommand config|get, which is refused.
  bar = name.rfind('|');
  int id = LookupCommand(name.substr(0, bar));
  if (id < 0) return RuleError::kUnknown;
  if (Table()[static_cast<size_t>(id)].parent >= 0) return RuleError::kFirstArgOfSub;
  std::string_view sub = name.substr(bar + 1);
  // (A space could not be told apart from the next rule in ACL LIST.)
  if (sub.empty() || HasSpace(sub)) return RuleError::kSyntax;
  if (!Table()[static_cast<size_t>(id)].subs.empty()) {
    int sid = LookupCommand(name);
    if (sid < 0) return RuleError::kUnknown;
    ChangePerm(s, sid, true);
    return RuleError::kOk;
  }
  // A first argument of a command without subcommands (SELECT 0): Redis
  // allows it, with a deprecation warning.
  std::vector<std::string>& args = s.firstargs[id];
  std::string arg(sub);
  if (std::find(args.begin(), args.end(), arg) == args.end()) args.push_back(std::move(arg));
  return RuleError::kOk;
}

}  // namespace

// ---- command table ----

void SetCommandTable(std::vector<CommandEntry> table) {
  Table() = std::move(table);
  auto& idx = TableIndex();
  idx.clear();
  for (size_t i = 0; i < Table().size(); i++) idx.emplace_back(Table()[i].name, static_cast<int>(i));
  std::sort(idx.begin(), idx.end());
}

int LookupCommand(std::string_view name) {
  std::string key = Lower(name);
  const auto& idx = TableIndex();
  auto it = std::lower_bound(idx.begin(), idx.end(), key,
                             [](const auto& e, const std::string& k) { return e.first < k; });
  if (it == idx.end() || it->first != key) return -1;
  return it->second;
}

const CommandEntry& CommandAt(int id) { return Table()[static_cast<size_t>(id)]; }

const std::vector<Category>& Categories() {
  // Redis 7.0's ACLCommandCategories; bits as commands::AclCategory.
  static const std::vector<Category> kCats = {
      {"keyspace", 1u << 0},  {"read", 1u << 1},       {"write", 1u << 2},       {"set", 1u << 5},
      {"sortedset", 1u << 6}, {"list", 1u << 4},       {"hash", 1u << 7},        {"string", 1u << 3},
      {"bitmap", 1u << 17},   {"hyperloglog", 1u << 20}, {"geo", 1u << 21},      {"stream", 1u << 18},
      {"pubsub", 1u << 15},   {"admin", 1u << 10},     {"fast", 1u << 8},        {"slow", 1u << 9},
      {"blocking", 1u << 14}, {"dangerous", 1u << 11}, {"connection", 1u << 12}, {"transaction", 1u << 13},
      {"scripting", 1u << 16},
  };
  return kCats;
}

uint32_t CategoryByName(std::string_view name) {
  for (const Category& c : Categories())
    if (EqNoCase(name, c.name)) return c.bit;
  return 0;
}

const char* RuleErrorText(RuleError e) {
  switch (e) {
    case RuleError::kOk:
      return "";
    case RuleError::kUnknown:
      return "Unknown command or category name in ACL";
    case RuleError::kSyntax:
      return "Syntax error";
    case RuleError::kKeysAfterAll:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any "
             "effect. Try 'resetkeys' to start with an empty list of patterns";
    case RuleError::kChannelsAfterAll:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any "
             "effect. Try 'resetchannels' to start with an empty list of channels";
    case RuleError::kNoSuchPassword:
      return "The password you are trying to remove from the user does not exist";
    case RuleError::kBadHash:
      return "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
    case RuleError::kDuplicateUser:
      return "Duplicate user found. A user can only be defined once in config files";
    case RuleError::kFirstArgOfSub:
      return "Allowing first-arg of a subcommand is not supported";
  }
  return "Wrong format";
}

// ---- selectors ----

RuleError Selector::Apply(std::string_view op) {
  if (EqNoCase(op, "allkeys") || op == "~*") {
    flags |= kSelAllKeys;
    patterns.clear();
  } else if (EqNoCase(op, "resetkeys")) {
    flags &= ~kSelAllKeys;
    patterns.clear();
  } else if (EqNoCase(op, "allchannels") || op == "&*") {
    flags |= kSelAllChannels;
    channels.clear();
  } else if (EqNoCase(op, "resetchannels")) {
    flags &= ~kSelAllChannels;
    channels.clear();
  } else if (EqNoCase(op, "allcommands") || EqNoCase(op, "+@all")) {
    allowed.set();
    flags |= kSelAllCommands;
    firstargs.clear();
  } else if (EqNoCase(op, "nocommands") || EqNoCase(op, "-@all")) {
    allowed.reset();
    flags &= ~kSelAllCommands;
    firstargs.clear();
  } else if (op[0] == '~' || op[0] == '%') {
    if (flags & kSelAllKeys) return RuleError::kKeysAfterAll;
    uint8_t perm = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      for (; offset < op.size(); offset++) {
        char ch = static_cast<char>(toupper(static_cast<unsigned char>(op[offset])));
        if (ch == 'R' && !(perm & kPermRead)) {
          perm |= kPermRead;
        } else if (ch == 'W' && !(perm & kPermWrite)) {
          perm |= kPermWrite;
        } else if (op[offset] == '~') {
          offset++;
          break;
        } else {
          return RuleError::kSyntax;
        }
      }
    } else {
      perm = kPermAll;
    }
    std::string pat(op.substr(std::min(offset, op.size())));
    if (HasSpace(pat)) return RuleError::kSyntax;
    auto it = std::find_if(patterns.begin(), patterns.end(), [&](const KeyPattern& p) { return p.pattern == pat; });
    if (it == patterns.end()) {
      patterns.push_back({std::move(pat), perm});
    } else {
      it->perm |= perm;
    }
    flags &= ~kSelAllKeys;
  } else if (op[0] == '&') {
    if (flags & kSelAllChannels) return RuleError::kChannelsAfterAll;
    std::string pat(op.substr(1));
    if (HasSpace(pat)) return RuleError::kSyntax;
    if (std::find(channels.begin(), channels.end(), pat) == channels.end()) channels.push_back(std::move(pat));
    flags &= ~kSelAllChannels;
  } else if (op[0] == '+' || op[0] == '-') {
    return ApplyCommandRule(*this, op);
  } else {
    return RuleError::kSyntax;
  }
  return RuleError::kOk;
}

// Redis 7.0's ACLDescribeSelectorCommandRules: start from +@all or -@all,
// then repeatedly take the category that fits best — among those covering
// more commands that need its change than commands it would get wrong, the
// one getting the fewest wrong (then the one covering most) — applied to a
// scratch copy so the next round counts only what is left; then single
// commands fix the difference, then the allowed first args.
std::string Selector::DescribeCommands() const {
  std::string rules;
  Selector fake;
  const bool additive = !allowed.test(kFutureBit);
  fake.Apply(additive ? "-@all" : "+@all");
  rules = additive ? "-@all " : "+@all ";
  Selector temp;
  temp.allowed = allowed;
  const auto& cats = Categories();
  std::vector<bool> applied(cats.size(), false);
  while (true) {
    int best = -1;
    size_t mindiff = SIZE_MAX, maxsame = 0;
    for (size_t j = 0; j < cats.size(); j++) {
      if (applied[j]) continue;
      size_t on = 0, off = 0;
      CountCategory(temp, cats[j].bit, &on, &off);
      const size_t diff = additive ? off : on, same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = static_cast<int>(j);
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best < 0) break;
    const Category& cat = cats[static_cast<size_t>(best)];
    SetCategory(fake, cat.bit, additive);
    SetCategory(temp, cat.bit, !additive);
    rules += additive ? "+@" : "-@";
    rules += cat.name;
    rules += ' ';
    applied[static_cast<size_t>(best)] = true;
  }
  const auto& t = Table();
  for (size_t id = 0; id < t.size(); id++) {
    const bool userbit = allowed.test(id), fakebit = fake.allowed.test(id);
    if (userbit != fakebit) {
      rules += userbit ? '+' : '-';
      rules += t[id].name;
      rules += ' ';
      ChangePerm(fake, static_cast<int>(id), userbit);
    }
    auto fa = firstargs.find(static_cast<int>(id));
    if (!userbit && fa != firstargs.end()) {
      for (const std::string& a : fa->second) rules += "+" + t[id].name + "|" + a + " ";
    }
  }
  rules.pop_back();
  return rules;
}

std::string Selector::DescribeKeys() const {
  if (flags & kSelAllKeys) return "~*";
  std::string out;
  for (const KeyPattern& p : patterns) {
    if (!out.empty()) out += ' ';
    out += PatternString(p);
  }
  return out;
}

std::string Selector::DescribeChannels() const {
  if (flags & kSelAllChannels) return "&*";
  std::string out;
  for (const std::string& ch : channels) {
    if (!out.empty()) out += ' ';
    out += "&" + ch;
  }
  return out;
}

std::string Selector::Describe() const {
  std::string res;
  if (flags & kSelAllKeys) {
    res += "~* ";
  } else {
    for (const KeyPattern& p : patterns) res += PatternString(p) + " ";
  }
  if (flags & kSelAllChannels) {
    res += "&* ";
  } else {
    res += "resetchannels ";
    for (const std::string& ch : channels) res += "&" + ch + " ";
  }
  return res + DescribeCommands();
}

// ---- users ----

User::User(std::string n) : name(std::move(n)) {
  Selector root;
  root.flags = kSelRoot;
  if (g_pubsub_all) root.flags |= kSelAllChannels;
  selectors.push_back(std::move(root));
}

RuleError User::Apply(std::string_view op) {
  if (op.empty()) return RuleError::kOk;
  if (EqNoCase(op, "on")) {
    flags = (flags | kUserOn) & ~kUserOff;
  } else if (EqNoCase(op, "off")) {
    flags = (flags | kUserOff) & ~kUserOn;
  } else if (EqNoCase(op, "skip-sanitize-payload")) {
    flags = (flags | kUserSkipSanitize) & ~kUserSanitize;
  } else if (EqNoCase(op, "sanitize-payload")) {
    flags = (flags | kUserSanitize) & ~kUserSkipSanitize;
  } else if (EqNoCase(op, "nopass")) {
    flags |= kUserNoPass;
    passwords.clear();
  } else if (EqNoCase(op, "resetpass")) {
    flags &= ~kUserNoPass;
    passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string hash;
    if (op[0] == '>') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) return RuleError::kBadHash;
      hash = std::string(op.substr(1));
    }
    if (std::find(passwords.begin(), passwords.end(), hash) == passwords.end()) passwords.push_back(hash);
    flags &= ~kUserNoPass;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string hash;
    if (op[0] == '<') {
      hash = HashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) return RuleError::kBadHash;
      hash = std::string(op.substr(1));
    }
    auto it = std::find(passwords.begin(), passwords.end(), hash);
    if (it == passwords.end()) return RuleError::kNoSuchPassword;
    passwords.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    // Redis's aclCreateSelectorFromOpSet: the rules between the
    // parentheses, split at spaces, applied to a new selector.
    Selector s;
    if (g_pubsub_all) s.flags |= kSelAllChannels;
    std::string_view inner = op.substr(1, op.size() - 2);
    size_t i = 0;
    while (i < inner.size()) {
      while (i < inner.size() && inner[i] == ' ') i++;
      size_t j = i;
      while (j < inner.size() && inner[j] != ' ') j++;
      if (j > i) {
        RuleError e = s.Apply(inner.substr(i, j - i));
        if (e != RuleError::kOk) return e;
      }
      i = j;
    }
    selectors.push_back(std::move(s));
  } else if (EqNoCase(op, "clearselectors")) {
    selectors.resize(1);
  } else if (EqNoCase(op, "reset")) {
    Apply("resetpass");
    Apply("resetkeys");
    Apply("resetchannels");
    if (g_pubsub_all) Apply("allchannels");
    Apply("off");
    Apply("sanitize-payload");
    Apply("clearselectors");
    Apply("-@all");
  } else {
    return selectors[0].Apply(op);
  }
  return RuleError::kOk;
}

std::vector<std::string> User::FlagNames() const {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kUserOn, "on"},
      {kUserOff, "off"},
      {kUserNoPass, "nopass"},
      {kUserSkipSanitize, "skip-sanitize-payload"},
      {kUserSanitize, "sanitize-payload"},
  };
  std::vector<std::string> out;
  for (const auto& [bit, n] : kNames)
    if (flags & bit) out.emplace_back(n);
  return out;
}

std::string User::Describe() const {
  std::string res;
  for (const std::string& f : FlagNames()) res += f + " ";
  for (const std::string& p : passwords) res += "#" + p + " ";
  for (const Selector& s : selectors) {
    if (s.flags & kSelRoot) {
      res += s.Describe();
    } else {
      res += " (" + s.Describe() + ")";
    }
  }
  return res;
}

bool User::CheckPassword(std::string_view pass) const {
  if (flags & kUserNoPass) return true;
  const std::string h = HashPassword(pass);
  // Compares every stored hash in full (no early exit inside a hash), so the
  // time does not tell how much of a hash matched.
  bool match = false;
  for (const std::string& p : passwords) {
    unsigned char diff = 0;
    for (size_t i = 0; i < 64 && i < p.size(); i++) diff |= static_cast<unsigned char>(p[i] ^ h[i]);
    if (diff == 0) match = true;
  }
  return match;
}

namespace {

// Redis's ACLMergeSelectorArguments: an argument starting with "(" opens a
// selector that may span arguments up to the one ending with ")"; they are
// joined with spaces. Returns false, with *bad the index of the opening
// argument, when no argument closes it.
bool MergeSelectorArgs(const std::vector<std::string_view>& in, std::vector<std::string>* out, size_t* bad) {
  for (size_t j = 0; j < in.size(); j++) {
    std::string_view op = in[j];
    if (op.empty() || op[0] != '(' || op.back() == ')') {
      out->emplace_back(op);
      continue;
    }
    std::string merged(op);
    size_t k = j + 1;
    for (; k < in.size(); k++) {
      merged += " ";
      merged += in[k];
      if (!in[k].empty() && in[k].back() == ')') break;
    }
    if (k == in.size()) {
      *bad = j;
      return false;
    }
    out->push_back(std::move(merged));
    j = k;
  }
  return true;
}

}  // namespace

bool ApplyRules(User* u, const std::vector<std::string_view>& rules, std::string* err) {
  std::vector<std::string> ops;
  size_t bad = 0;
  if (!MergeSelectorArgs(rules, &ops, &bad)) {
    *err = "Unmatched parenthesis in acl selector starting at '" + std::string(rules[bad]) + "'.";
    return false;
  }
  for (const std::string& op : ops) {
    RuleError e = u->Apply(op);
    if (e != RuleError::kOk) {
      *err = "Error in ACL SETUSER modifier '" + op + "': " + RuleErrorText(e);
      return false;
    }
  }
  return true;
}

std::string HashPassword(std::string_view pass) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(pass.data(), pass.size(), md, &len, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; i++) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string GenPass(int bits) {
  const size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::vector<uint8_t> raw((chars + 1) / 2);
  common::GetRandomBytes(raw.data(), raw.size());
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : raw) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  out.resize(chars);
  return out;
}

bool ValidUserName(std::string_view name) {
  for (char c : name)
    if (!isgraph(static_cast<unsigned char>(c))) return false;
  return true;
}

User* FindUser(std::string_view name) {
  auto& set = Users().users;
  auto it = set.find(name);
  return it == set.end() ? nullptr : it->second.get();
}

User& DefaultUser() { return *Users().default_user; }

User* CreateUser(std::string_view name) {
  if (FindUser(name) != nullptr) return nullptr;
  auto u = std::make_unique<User>(std::string(name));
  User* raw = u.get();
  Users().users.emplace(std::string(name), std::move(u));
  return raw;
}

void DeleteUser(std::string_view name) {
  if (name == "default") return;
  auto& set = Users().users;
  auto it = set.find(name);
  if (it != set.end()) set.erase(it);
}

std::vector<User*> AllUsers() {
  std::vector<User*> out;
  for (auto& [n, u] : Users().users) out.push_back(u.get());
  return out;
}

std::vector<const User*> ReplaceUsers(std::vector<std::unique_ptr<User>> users) {
  UserSet& set = Users();
  std::unique_ptr<User> def;
  std::vector<const User*> removed;
  for (auto& [n, u] : set.users)
    if (u.get() != set.default_user) removed.push_back(u.get());
  // The old users die here, after the caller learned their addresses.
  auto old_users = std::move(set.users);
  set.users.clear();
  for (auto& u : users) {
    if (u->name == "default") {
      def = std::move(u);
      continue;
    }
    std::string n = u->name;
    set.users.emplace(std::move(n), std::move(u));
  }
  User* d = set.default_user;
  auto old_default = std::move(old_users.find("default")->second);
  if (def) {
    *d = *def;
  } else {
    User fresh("default");
    fresh.Apply("+@all");
    fresh.Apply("~*");
    fresh.Apply("&*");
    fresh.Apply("on");
    fresh.Apply("nopass");
    *d = fresh;
  }
  set.users.emplace("default", std::move(old_default));
  return removed;
}

void SetPubsubDefaultAllChannels(bool all) { g_pubsub_all = all; }
bool PubsubDefaultAllChannels() { return g_pubsub_all; }

void SetDefaultPassword(std::string_view requirepass) {
  User& d = DefaultUser();
  d.Apply("resetpass");
  if (requirepass.empty()) {
    d.Apply("nopass");
  } else {
    d.Apply(">" + std::string(requirepass));
  }
}

bool ParseAclText(std::string_view text, const std::string& origin, std::vector<std::unique_ptr<User>>* out,
                  std::string* err) {
  // Redis 7.0's ACLLoadFromFile messages, every bad line reported.
  std::string errors;
  size_t lineno = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    lineno++;
    const std::string where = origin + ":" + std::to_string(lineno);
    // Trim spaces, tabs and CR as Redis's sdstrim(" \t\r\n").
    while (!line.empty() && strchr(" \t\r\n", line.front())) line.remove_prefix(1);
    while (!line.empty() && strchr(" \t\r\n", line.back())) line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> argv;
    if (!common::SplitArgs(line, &argv)) {
      errors += where + ": unbalanced quotes in acl line. ";
      continue;
    }
    if (argv.empty()) continue;
    if (argv.size() < 2 || argv[0] != "user") {
      errors += where + " should start with user keyword followed by the username. ";
      continue;
    }
    if (!ValidUserName(argv[1])) {
      errors += where + ": username '" + argv[1] + "' contains invalid characters. ";
      continue;
    }
    bool dup = false;
    for (const auto& u : *out) dup = dup || u->name == argv[1];
    if (dup) {
      errors += "WARNING: Duplicate user '" + argv[1] + "' found on line " + std::to_string(lineno) + ". ";
      continue;
    }
    std::vector<std::string_view> rules(argv.begin() + 2, argv.end());
    std::vector<std::string> ops;
    size_t bad = 0;
    if (!MergeSelectorArgs(rules, &ops, &bad)) {
      errors += where + ": Unmatched parenthesis in selector definition.";
      continue;
    }
    auto u = std::make_unique<User>(argv[1]);
    bool reported = false;
    for (const std::string& op : ops) {
      RuleError e = u->Apply(op);
      if (e == RuleError::kUnknown) {
        // Unknown names are safe to echo; other errors may involve a
        // password, so only the first one is reported, without the rule.
        errors += where + ": Error in applying operation '" + op + "': " + RuleErrorText(e) + ". ";
      } else if (e != RuleError::kOk && !reported) {
        errors += where + ": " + RuleErrorText(e) + ". ";
        reported = true;
      }
    }
    out->push_back(std::move(u));
  }
  if (!errors.empty()) {
    *err = errors;
    return false;
  }
  return true;
}

// ---- checks ----

bool NeedsKeys(const User& u) {
  for (const Selector& s : u.selectors)
    if (!(s.flags & kSelAllKeys)) return true;
  return false;
}

bool NeedsChannels(const User& u) {
  for (const Selector& s : u.selectors)
    if (!(s.flags & kSelAllChannels)) return true;
  return false;
}

namespace {

Denied CheckSelector(const Selector& s, const CommandCheck& req, int* errpos) {
  const auto& argv = *req.argv;
  if (!(s.flags & kSelAllCommands) && !req.no_auth && !s.allowed.test(static_cast<size_t>(req.id))) {
    // Not allowed as a whole: maybe with this first argument.
    auto fa = s.firstargs.find(req.id);
    const size_t idx = req.subcommand ? 2 : 1;
    if (fa == s.firstargs.end() || argv.size() <= idx) return Denied::kCommand;
    bool found = false;
    for (const std::string& a : fa->second)
      if (common::EqualsNoCase(argv[idx], a)) found = true;
    if (!found) return Denied::kCommand;
  }
  if (!(s.flags & kSelAllKeys) && req.keys != nullptr) {
    for (const KeyArg& k : *req.keys) {
      std::string_view key = argv[static_cast<size_t>(k.pos)];
      bool ok = false;
      for (const KeyPattern& p : s.patterns) {
        if ((p.perm & k.perm) != k.perm) continue;
        if (common::GlobMatch(p.pattern, key)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        *errpos = k.pos;
        return Denied::kKey;
      }
    }
  }
  if (!(s.flags & kSelAllChannels) && req.channels != nullptr) {
    for (const ChannelArg& ch : *req.channels) {
      std::string_view name = argv[static_cast<size_t>(ch.pos)];
      bool ok = false;
      for (const std::string& p : s.channels) {
        // A pattern subscription needs the same pattern, literally.
        if (ch.pattern ? p == name : common::GlobMatch(p, name)) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        *errpos = ch.pos;
        return Denied::kChannel;
      }
    }
  }
  return Denied::kOk;
}

}  // namespace

Denied Check(const User& u, const CommandCheck& req, int* errpos) {
  // Redis's choice of the error to report: the command when no selector
  // allowed it, else the worst reason, the latest argument among equals.
  Denied relevant = Denied::kCommand;
  int last_idx = 0;
  for (const Selector& s : u.selectors) {
    int idx = 0;
    Denied d = CheckSelector(s, req, &idx);
    if (d == Denied::kOk) return d;
    if (static_cast<int>(d) > static_cast<int>(relevant) || (d == relevant && idx > last_idx)) {
      relevant = d;
      last_idx = idx;
    }
  }
  *errpos = last_idx;
  return relevant;
}

// ---- ACL LOG ----

const char* ReasonName(Denied d) {
  switch (d) {
    case Denied::kCommand:
      return "command";
    case Denied::kKey:
      return "key";
    case Denied::kChannel:
      return "channel";
    case Denied::kAuth:
      return "auth";
    default:
      return "unknown";
  }
}

const char* ContextName(LogContext c) {
  switch (c) {
    case LogContext::kToplevel:
      return "toplevel";
    case LogContext::kMulti:
      return "multi";
    case LogContext::kLua:
      return "lua";
    case LogContext::kModule:
      return "module";
  }
  return "unknown";
}

std::deque<LogEntry>& Log() {
  static auto* log = new std::deque<LogEntry>();
  return *log;
}

void AddLogEntry(LogEntry e, size_t max_len) {
  // Redis's ACL_LOG_GROUPING_MAX_TIME_DELTA, and it looks at the ten newest.
  constexpr int64_t kGroupingMs = 60000;
  constexpr size_t kGroupingScan = 10;
  auto& log = Log();
  for (size_t i = 0; i < log.size() && i < kGroupingScan; i++) {
    LogEntry& o = log[i];
    if (o.reason == e.reason && o.context == e.context && std::llabs(o.ctime_ms - e.ctime_ms) <= kGroupingMs &&
        o.object == e.object && o.username == e.username) {
      LogEntry merged = std::move(o);
      merged.count++;
      merged.ctime_ms = e.ctime_ms;
      merged.client_info = std::move(e.client_info);
      log.erase(log.begin() + static_cast<long>(i));
      log.push_front(std::move(merged));
      return;
    }
  }
  log.push_front(std::move(e));
  while (log.size() > max_len) log.pop_back();
}

}  // namespace acl
