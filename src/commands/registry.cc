#include "commands/registry.h"

#include <algorithm>
#include <cctype>

#include "commands/acl_check.h"
#include "common/macros.h"
#include "common/util.h"

namespace commands {
namespace {

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = common::LowerAscii(c);
  return r;
}

// The key-spec flags Redis 7.0's command table gives the commands that
// register only a legacy key range here (as COMMAND INFO shows them): ACL
// key permissions read them (%R~ needs "access", %W~ "insert", "update" or
// "delete"). Two entries: the first key, then the rest of the range.
struct LegacySpecFlags {
  const char* name;
  std::vector<uint32_t> flags;
};
const std::vector<LegacySpecFlags>& LegacyKeySpecFlags() {
  static const std::vector<LegacySpecFlags> kTable = {
      {"setnx", {kKeyOW | kKeyInsert}},
      {"setex", {kKeyOW | kKeyUpdate}},
      {"psetex", {kKeyOW | kKeyUpdate}},
      {"getset", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"getdel", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"mset", {kKeyOW | kKeyUpdate}},
      {"msetnx", {kKeyOW | kKeyInsert}},
      {"append", {kKeyRW | kKeyInsert}},
      {"strlen", {kKeyRO}},
      {"incr", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"decr", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"incrby", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"decrby", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"incrbyfloat", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"setrange", {kKeyRW | kKeyUpdate}},
      {"setbit", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"del", {kKeyRM | kKeyDelete}},
      {"unlink", {kKeyRM | kKeyDelete}},
      {"exists", {kKeyRO}},
      {"type", {kKeyRO}},
      {"rename", {kKeyRW | kKeyAccess | kKeyDelete, kKeyOW | kKeyUpdate}},
      {"renamenx", {kKeyRW | kKeyAccess | kKeyDelete, kKeyOW | kKeyInsert}},
      {"copy", {kKeyRO | kKeyAccess, kKeyOW | kKeyUpdate}},
      {"move", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"touch", {kKeyRO}},
      {"restore", {kKeyOW | kKeyUpdate}},
      {"object|encoding", {kKeyRO}},
      {"object|freq", {kKeyRO}},
      {"object|idletime", {kKeyRO}},
      {"object|refcount", {kKeyRO}},
      {"expire", {kKeyRW | kKeyUpdate}},
      {"pexpire", {kKeyRW | kKeyUpdate}},
      {"expireat", {kKeyRW | kKeyUpdate}},
      {"pexpireat", {kKeyRW | kKeyUpdate}},
      {"persist", {kKeyRW | kKeyUpdate}},
      {"watch", {kKeyRO}},
      {"lpush", {kKeyRW | kKeyInsert}},
      {"rpush", {kKeyRW | kKeyInsert}},
      {"lpushx", {kKeyRW | kKeyInsert}},
      {"rpushx", {kKeyRW | kKeyInsert}},
      {"lpop", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"rpop", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"llen", {kKeyRO}},
      {"lset", {kKeyRW | kKeyUpdate}},
      {"linsert", {kKeyRW | kKeyInsert}},
      {"lrem", {kKeyRW | kKeyDelete}},
      {"ltrim", {kKeyRW | kKeyDelete}},
      {"rpoplpush", {kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert}},
      {"lmove", {kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert}},
      {"blpop", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"brpop", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"brpoplpush", {kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert}},
      {"blmove", {kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert}},
      {"hset", {kKeyRW | kKeyUpdate}},
      {"hsetnx", {kKeyRW | kKeyInsert}},
      {"hmset", {kKeyRW | kKeyUpdate}},
      {"hdel", {kKeyRW | kKeyDelete}},
      {"hlen", {kKeyRO}},
      {"hstrlen", {kKeyRO}},
      {"hexists", {kKeyRO}},
      {"hincrby", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"hincrbyfloat", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"sadd", {kKeyRW | kKeyInsert}},
      {"srem", {kKeyRW | kKeyDelete}},
      {"sismember", {kKeyRO}},
      {"scard", {kKeyRO}},
      {"spop", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"smove", {kKeyRW | kKeyAccess | kKeyDelete, kKeyRW | kKeyInsert}},
      {"sinterstore", {kKeyRW | kKeyUpdate, kKeyRO | kKeyAccess}},
      {"sunionstore", {kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess}},
      {"sdiffstore", {kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess}},
      {"zadd", {kKeyRW | kKeyUpdate}},
      {"zincrby", {kKeyRW | kKeyAccess | kKeyUpdate}},
      {"zrem", {kKeyRW | kKeyDelete}},
      {"zcard", {kKeyRO}},
      {"zrangestore", {kKeyOW | kKeyUpdate, kKeyRO | kKeyAccess}},
      {"zremrangebyrank", {kKeyRW | kKeyDelete}},
      {"zremrangebyscore", {kKeyRW | kKeyDelete}},
      {"zremrangebylex", {kKeyRW | kKeyDelete}},
      {"zpopmin", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"zpopmax", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"bzpopmin", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"bzpopmax", {kKeyRW | kKeyAccess | kKeyDelete}},
      {"memory|usage", {kKeyRO}},
  };
  return kTable;
}

// The key spec Redis 7.0 derives from a legacy key range
// (populateCommandLegacyRangeSpec): begin at first_key, a range whose last
// key is relative to it, with the flags of the table above (else: RO and
// access for read-only commands, RW access update for the others).
void DeriveKeySpec(CommandSpec& s) {
  if (!s.key_specs.empty() || s.first_key <= 0) return;
  const std::vector<uint32_t>* flags = nullptr;
  for (const LegacySpecFlags& e : LegacyKeySpecFlags())
    if (s.full_name == e.name) flags = &e.flags;
  if (flags != nullptr && flags->size() == 2) {
    const int rest_last = s.last_key >= 0 ? s.last_key - (s.first_key + 1) : s.last_key;
    s.key_specs.push_back(RangeKeys((*flags)[0], s.first_key, 0, 1));
    s.key_specs.push_back(RangeKeys((*flags)[1], s.first_key + 1, rest_last, s.step));
    return;
  }
  int lastkey = s.last_key >= 0 ? s.last_key - s.first_key : s.last_key;
  // Not in the table (a command added later): read-only commands read,
  // others are assumed to read and write, so an ACL %R~ or %W~ pattern
  // alone never lets them through.
  uint32_t f = flags != nullptr ? (*flags)[0]
                                : ((s.flags & kReadonly) ? (kKeyRO | kKeyAccess) : (kKeyRW | kKeyAccess | kKeyUpdate));
  s.key_specs.push_back(RangeKeys(f, s.first_key, lastkey, s.step));
}

// Redis 7.0's setImplicitACLCategories: categories that follow from the
// command flags, @slow for whatever is not @fast.
void SetImplicitAclCategories(CommandSpec& s) {
  if (s.flags & kWrite) s.acl |= kCatWrite;
  if ((s.flags & kReadonly) && !(s.acl & kCatScripting)) s.acl |= kCatRead;
  if (s.flags & kAdmin) s.acl |= kCatAdmin | kCatDangerous;
  if (s.flags & kPubsub) s.acl |= kCatPubsub;
  if (s.flags & kFast) s.acl |= kCatFast;
  if (s.flags & kBlocking) s.acl |= kCatBlocking;
  if (!(s.acl & kCatFast)) s.acl |= kCatSlow;
}

}  // namespace

KeySpec RangeKeys(uint32_t flags, int index, int lastkey, int keystep) {
  return {.flags = flags, .begin = KeySpec::Begin::kIndex, .index = index, .find = KeySpec::Find::kRange,
          .lastkey = lastkey, .keystep = keystep};
}

KeySpec KeynumKeys(uint32_t flags, int index, int keynumidx, int firstkey, int keystep) {
  return {.flags = flags, .begin = KeySpec::Begin::kIndex, .index = index, .find = KeySpec::Find::kKeynum,
          .keystep = keystep, .keynumidx = keynumidx, .firstkey = firstkey};
}

KeySpec UnknownKeys(uint32_t flags, const char* notes) { return {.flags = flags, .notes = notes}; }

Registry& Registry::Get() {
  static Registry* r = new Registry();
  return *r;
}

CommandSpec& Registry::Add(CommandSpec spec) {
  auto* s = new CommandSpec(std::move(spec));
  s->full_name = s->name;
  specs_.push_back(s);
  return *s;
}

void Registry::Finalize() {
  index_.clear();
  ordered_.clear();
  for (CommandSpec* s : specs_) {
    DeriveKeySpec(*s);
    SetImplicitAclCategories(*s);
    for (auto& sub : s->subcommands) {
      sub.parent = s;
      sub.full_name = std::string(s->name) + "|" + sub.name;
      DeriveKeySpec(sub);
      SetImplicitAclCategories(sub);
    }
    index_.emplace_back(Lower(s->name), s);
    ordered_.push_back(s);
  }
  std::sort(index_.begin(), index_.end(), [](auto& a, auto& b) { return a.first < b.first; });
  InstallAclCommandTable(*this);
}

const CommandSpec* Registry::Find(std::string_view name) const {
  char buf[64];
  if (name.size() >= sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); i++) buf[i] = common::LowerAscii(name[i]);
  std::string_view key(buf, name.size());
  auto it = std::lower_bound(index_.begin(), index_.end(), key,
                             [](const auto& e, std::string_view k) { return std::string_view(e.first) < k; });
  if (it == index_.end() || it->first != key) return nullptr;
  return it->second;
}

const CommandSpec* Registry::Lookup(const std::vector<std::string_view>& argv,
                                    const CommandSpec** container) const {
  *container = nullptr;
  if (argv.empty()) return nullptr;
  const CommandSpec* c = Find(argv[0]);
  if (c == nullptr || c->subcommands.empty()) return c;
  if (argv.size() < 2) return c;  // the dispatcher reports arity
  std::string sub = Lower(argv[1]);
  for (const auto& s : c->subcommands)
    if (sub == s.name) return &s;
  *container = c;
  return nullptr;
}

std::vector<std::string> FlagNames(uint32_t f) {
  // kMayReplicate and kProtected are hidden on purpose, as in Redis 7.0.
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kWrite, "write"},       {kReadonly, "readonly"},       {kDenyOom, "denyoom"},
      {kAdmin, "admin"},       {kPubsub, "pubsub"},           {kNoScript, "noscript"},
      {kBlocking, "blocking"}, {kLoading, "loading"},         {kStale, "stale"},
      {kSkipMonitor, "skip_monitor"}, {kSkipSlowlog, "skip_slowlog"}, {kFast, "fast"},
      {kNoAuth, "no_auth"},    {kNoMandatoryKeys, "no_mandatory_keys"}, {kNoAsyncLoading, "no_async_loading"},
      {kNoMulti, "no_multi"},  {kMovableKeys, "movablekeys"},
      {kAllowBusy, "allow_busy"},
  };
  std::vector<std::string> out;
  for (auto& [bit, name] : kNames)
    if (f & bit) out.emplace_back(name);
  return out;
}

std::vector<std::string> AclCategoryNames(uint32_t c) {
  // Redis 7.0's order (its ACL category table).
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kCatKeyspace, "@keyspace"},   {kCatRead, "@read"},         {kCatWrite, "@write"},
      {kCatSet, "@set"},             {kCatSortedSet, "@sortedset"}, {kCatList, "@list"},
      {kCatHash, "@hash"},           {kCatString, "@string"},     {kCatBitmap, "@bitmap"},
      {kCatHyperLogLog, "@hyperloglog"}, {kCatGeo, "@geo"}, {kCatStream, "@stream"},
      {kCatPubsub, "@pubsub"},       {kCatAdmin, "@admin"},       {kCatFast, "@fast"},
      {kCatSlow, "@slow"},           {kCatBlocking, "@blocking"}, {kCatDangerous, "@dangerous"},
      {kCatConnection, "@connection"}, {kCatTransaction, "@transaction"}, {kCatScripting, "@scripting"},
  };
  std::vector<std::string> out;
  for (auto& [bit, name] : kNames)
    if (c & bit) out.emplace_back(name);
  return out;
}

std::vector<std::string> KeySpecFlagNames(uint32_t f) {
  // Redis 7.0's order (addReplyFlagsForKeyArgs).
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kKeyRO, "RO"},         {kKeyRW, "RW"},         {kKeyOW, "OW"},           {kKeyRM, "RM"},
      {kKeyAccess, "access"}, {kKeyUpdate, "update"}, {kKeyInsert, "insert"},   {kKeyDelete, "delete"},
      {kKeyNotKey, "not_key"}, {kKeyIncomplete, "incomplete"}, {kKeyVariableFlags, "variable_flags"},
  };
  std::vector<std::string> out;
  for (auto& [bit, name] : kNames)
    if (f & bit) out.emplace_back(name);
  return out;
}

void RegisterAllDataCommands(Registry& r) {
  RegisterStringCommands(r);
  RegisterKeyspaceCommands(r);
  RegisterConnectionCommands(r);
  RegisterTransactionCommands(r);
  RegisterListCommands(r);
  RegisterHashCommands(r);
  RegisterSetCommands(r);
  RegisterZsetCommands(r);
  RegisterSortCommands(r);
  RegisterPubsubCommands(r);
  RegisterMonitorCommands(r);
  RegisterHyperLogLogCommands(r);
  RegisterGeoCommands(r);
  RegisterStreamCommands(r);
}

}  // namespace commands
