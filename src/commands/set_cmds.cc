// The set command family of Redis 7.0: SADD SREM SMEMBERS SISMEMBER
// SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE
// SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
//
// Replies, errors, argument-checking order and encodings follow Redis 7.0.15
// (tests/integration/test_set.py runs the same sequences on both servers):
//  - RESP3 set replies (~) for SMEMBERS/SINTER/SUNION/SDIFF and SPOP with a
//    count; SRANDMEMBER with a count and SMISMEMBER reply arrays;
//  - the result of SINTERSTORE/SUNIONSTORE/SDIFFSTORE (and of SUNION/SDIFF,
//    which build a temporary set the same way) starts as an empty intset and
//    takes members one by one, so it is an intset exactly when Redis's is;
//  - SPOP and SRANDMEMBER with a count choose among Redis's strategies by
//    the same size ratios (SPOP: pop one by one while the remainder is more
//    than a fifth of the count, else rebuild the remainder; SRANDMEMBER:
//    sample with replacement for negative counts, the whole set when the
//    count covers it, subtract from a copy when the count is more than a
//    third of the set, else sample until enough distinct members).
//
// Propagation (commands/propagate.h), as Redis: SPOP is not deterministic, so
// SPOP key becomes SREM key member; SPOP key count becomes SREMs of at most
// kSpopPropagateBatch members each, or DEL key when it empties the set.
//
// Every modifying command signals the modified keys (WATCH), raises Redis's
// keyspace events (sadd, srem, spop, sinterstore, sunionstore, sdiffstore,
// del) and adds its changes to dirty; one that changes nothing does none.
#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/propagate.h"
#include "commands/registry.h"
#include "commands/scan.h"
#include "commands/state.h"
#include "common/util.h"
#include "db/db.h"
#include "object/object.h"
#include "object/set_type.h"

namespace commands {
namespace {

using object::Object;
using object::SetIterator;
using object::SetMember;

// Error texts used by no other family (shared ones live in errors.h).
constexpr char kMustBePositive[] = "ERR value is out of range, must be positive";
constexpr char kNumkeysNotPositive[] = "ERR numkeys should be greater than 0";
constexpr char kTooManyNumkeys[] = "ERR Number of keys can't be greater than number of args";
constexpr char kLimitNegative[] = "ERR LIMIT can't be negative";

// SPOP with a count pops one member at a time while the members left after
// it are more than count / 5 (Redis's SPOP_MOVE_STRATEGY_MUL); otherwise it
// is cheaper to move the few survivors into a new set.
constexpr uint64_t kSpopMoveStrategyMul = 5;
// SRANDMEMBER with a positive count subtracts from a copy of the set when
// the count is more than a third of it (SRANDMEMBER_SUB_STRATEGY_MUL), and
// samples until it has enough distinct members otherwise.
constexpr uint64_t kSrandmemberSubStrategyMul = 3;
// SPOP with a count propagates its removals as SREMs of at most this many
// members each, so that a huge pop does not become one huge command.
constexpr size_t kSpopPropagateBatch = 1024;

inline bool IsSet(const Object* o) { return o->GetType() == object::Type::kSet; }

// Looks key up for reading or writing. Returns false after replying
// WRONGTYPE when it holds another type; *out is nullptr when it is missing.
bool LookupSetOrReply(Client& c, std::string_view key, bool write, Object** out) {
  Object* o = write ? c.db->LookupWrite(key) : c.db->LookupRead(key);
  if (o != nullptr && !IsSet(o)) {
    c.AddError(err::kWrongType);
    return false;
  }
  *out = o;
  return true;
}

void ReplyMember(Client& c, const SetMember& m) {
  if (m.is_int) {
    c.reply.BulkInt(m.ll);
  } else {
    c.reply.Bulk(m.str);
  }
}

std::string MemberString(const SetMember& m) {
  char buf[common::kInt64BufSize];
  return std::string(m.View(buf));
}

// Replies every member of set as a RESP3 set (array in RESP2).
void ReplySetMembers(Client& c, const Object* set) {
  c.reply.SetHeader(object::SetTypeSize(set));
  SetIterator it(set);
  SetMember m;
  while (it.Next(&m)) ReplyMember(c, m);
}

// Deletes key after its last member went, with its "del" event.
void DeleteEmptied(db::Db& d, std::string_view key) {
  d.Delete(key);
  NotifyKeyspaceEvent(kNotifyGeneric, "del", key, d.id());
}

// ---- SADD SREM SMOVE ----

void SAddCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* set;
  if (!LookupSetOrReply(c, key, true, &set)) return;
  if (set == nullptr) {
    set = d.Add(key, object::SetTypeCreate(c.argv[2]));
  }
  int64_t added = 0;
  for (size_t j = 2; j < c.argv.size(); j++) added += object::SetTypeAdd(set, c.argv[j]) ? 1 : 0;
  if (added > 0) {
    SignalModifiedKey(c, d, key);
    NotifyKeyspaceEvent(kNotifySet, "sadd", key, d.id());
  }
  GetState().dirty += static_cast<uint64_t>(added);
  c.reply.Integer(added);
}

void SRemCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* set;
  if (!LookupSetOrReply(c, key, true, &set)) return;
  if (set == nullptr) {
    c.reply.Integer(0);
    return;
  }
  int64_t deleted = 0;
  bool key_removed = false;
  for (size_t j = 2; j < c.argv.size(); j++) {
    if (!object::SetTypeRemove(set, c.argv[j])) continue;
    deleted++;
    if (object::SetTypeSize(set) == 0) {
      d.Delete(key);
      key_removed = true;
      break;
    }
  }
  if (deleted > 0) {
    SignalModifiedKey(c, d, key);
    NotifyKeyspaceEvent(kNotifySet, "srem", key, d.id());
    if (key_removed) NotifyKeyspaceEvent(kNotifyGeneric, "del", key, d.id());
    GetState().dirty += static_cast<uint64_t>(deleted);
  }
  c.reply.Integer(deleted);
}

void SMoveCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view src_key = c.argv[1], dst_key = c.argv[2], member = c.argv[3];
  Object* src = d.LookupWrite(src_key);
  Object* dst = d.LookupWrite(dst_key);
  if (src == nullptr) {
    c.reply.Integer(0);
    return;
  }
  if (!IsSet(src) || (dst != nullptr && !IsSet(dst))) {
    c.AddError(err::kWrongType);
    return;
  }
  if (src == dst) {  // same key: a no-op that says whether member is there
    c.reply.Integer(object::SetTypeIsMember(src, member) ? 1 : 0);
    return;
  }
  if (!object::SetTypeRemove(src, member)) {
    c.reply.Integer(0);
    return;
  }
  NotifyKeyspaceEvent(kNotifySet, "srem", src_key, d.id());
  if (object::SetTypeSize(src) == 0) DeleteEmptied(d, src_key);
  if (dst == nullptr) {
    dst = d.Add(dst_key, object::SetTypeCreate(member));
  }
  SignalModifiedKey(c, d, src_key);
  SignalModifiedKey(c, d, dst_key);
  GetState().dirty++;
  if (object::SetTypeAdd(dst, member)) {
    GetState().dirty++;
    NotifyKeyspaceEvent(kNotifySet, "sadd", dst_key, d.id());
  }
  c.reply.Integer(1);
}

// ---- SISMEMBER SMISMEMBER SCARD ----

void SIsMemberCommand(Client& c) {
  Object* set;
  if (!LookupSetOrReply(c, c.argv[1], false, &set)) return;
  c.reply.Integer(set != nullptr && object::SetTypeIsMember(set, c.argv[2]) ? 1 : 0);
}

void SMIsMemberCommand(Client& c) {
  Object* set;
  if (!LookupSetOrReply(c, c.argv[1], false, &set)) return;
  // A missing key is an empty set: all zeros.
  c.reply.ArrayHeader(c.argv.size() - 2);
  for (size_t j = 2; j < c.argv.size(); j++) {
    c.reply.Integer(set != nullptr && object::SetTypeIsMember(set, c.argv[j]) ? 1 : 0);
  }
}

void SCardCommand(Client& c) {
  Object* set;
  if (!LookupSetOrReply(c, c.argv[1], false, &set)) return;
  c.reply.Integer(set == nullptr ? 0 : static_cast<int64_t>(object::SetTypeSize(set)));
}

// ---- SPOP ----

// Collects SPOP's removals into SREM commands of at most
// kSpopPropagateBatch members, handed to AlsoPropagate as they fill.
class SremBatcher {
 public:
  SremBatcher(Client& c, std::string_view key) : c_(c), key_(key) { Reset(); }
  void Add(std::string member) {
    argv_.push_back(std::move(member));
    if (argv_.size() == 2 + kSpopPropagateBatch) Flush();
  }
  void Flush() {
    if (argv_.size() > 2) AlsoPropagate(c_, std::move(argv_));
    Reset();
  }

 private:
  void Reset() {
    argv_.clear();
    argv_.push_back("SREM");
    argv_.emplace_back(key_);
  }
  Client& c_;
  std::string_view key_;
  std::vector<std::string> argv_;
};

void SPopWithCount(Client& c) {
  int64_t count_arg;
  if (!GetPositiveInt64OrReply(c, c.argv[2], &count_arg, kMustBePositive)) return;
  const uint64_t count = static_cast<uint64_t>(count_arg);
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* set;
  if (!LookupSetOrReply(c, key, true, &set)) return;
  if (set == nullptr || count == 0) {
    c.reply.SetHeader(0);
    return;
  }
  const uint64_t size = object::SetTypeSize(set);
  NotifyKeyspaceEvent(kNotifySet, "spop", key, d.id());
  GetState().dirty += std::min(count, size);

  // Case 1: the whole set. Replies it, deletes the key, propagates DEL.
  if (count >= size) {
    ReplySetMembers(c, set);
    DeleteEmptied(d, key);
    RewriteCommandForPropagation(c, {"DEL", std::string(key)});
    SignalModifiedKey(c, d, key);
    return;
  }

  SremBatcher srem(c, key);
  c.reply.SetHeader(count);
  const uint64_t remaining = size - count;
  if (remaining * kSpopMoveStrategyMul > count) {
    // Case 2: few to pop. Pick, reply and remove them one at a time.
    for (uint64_t i = 0; i < count; i++) {
      std::string m = MemberString(object::SetTypeRandomElement(set));
      c.reply.Bulk(m);
      object::SetTypeRemove(set, m);
      srem.Add(std::move(m));
    }
  } else {
    // Case 3: most of the set goes. Move the survivors into a new set, then
    // reply (and propagate) what is left in the old one, and swap them.
    Object* survivors = nullptr;
    for (uint64_t i = 0; i < remaining; i++) {
      std::string m = MemberString(object::SetTypeRandomElement(set));
      if (survivors == nullptr) survivors = object::SetTypeCreate(m);
      object::SetTypeAdd(survivors, m);
      object::SetTypeRemove(set, m);
    }
    {
      SetIterator it(set);
      SetMember m;
      while (it.Next(&m)) {
        ReplyMember(c, m);
        srem.Add(MemberString(m));
      }
    }
    d.SetKey(key, survivors, /*keep_ttl=*/true);  // frees the old set
  }
  srem.Flush();
  // The SREMs stand for the command: SPOP itself is not propagated.
  PreventPropagation(c);
  SignalModifiedKey(c, d, key);
}

void SPopCommand(Client& c) {
  if (c.argv.size() == 3) {
    SPopWithCount(c);
    return;
  }
  if (c.argv.size() > 3) {
    c.AddSyntaxError();
    return;
  }
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* set;
  if (!LookupSetOrReply(c, key, true, &set)) return;
  if (set == nullptr) {
    c.reply.Null();
    return;
  }
  std::string m = MemberString(object::SetTypeRandomElement(set));
  object::SetTypeRemove(set, m);
  NotifyKeyspaceEvent(kNotifySet, "spop", key, d.id());
  c.reply.Bulk(m);
  RewriteCommandForPropagation(c, {"SREM", std::string(key), std::move(m)});
  if (object::SetTypeSize(set) == 0) DeleteEmptied(d, key);
  SignalModifiedKey(c, d, key);
  GetState().dirty++;
}

// ---- SRANDMEMBER ----

void SRandMemberWithCount(Client& c) {
  int64_t l;
  // -INT64_MAX..INT64_MAX: the count's absolute value must exist.
  if (!GetRangeInt64OrReply(c, c.argv[2], -INT64_MAX, INT64_MAX, &l)) return;
  const bool unique = l >= 0;
  uint64_t count = static_cast<uint64_t>(unique ? l : -l);
  Object* set;
  if (!LookupSetOrReply(c, c.argv[1], false, &set)) return;
  if (set == nullptr || count == 0) {
    c.reply.ArrayHeader(0);
    return;
  }
  const uint64_t size = object::SetTypeSize(set);

  // Case 1: a negative count (or 1): independent draws, repeats allowed.
  if (!unique || count == 1) {
    c.reply.ArrayHeader(count);
    DrawWhileReplying(c, count, [&](uint64_t n) {
      for (uint64_t i = 0; i < n; i++) ReplyMember(c, object::SetTypeRandomElement(set));
    });
    return;
  }
  // Case 2: the count covers the set: all of it.
  if (count >= size) {
    c.reply.ArrayHeader(size);
    SetIterator it(set);
    SetMember m;
    while (it.Next(&m)) ReplyMember(c, m);
    return;
  }
  std::vector<std::string> picked;
  if (count * kSrandmemberSubStrategyMul > size) {
    // Case 3: copy the set and remove random members until count remain.
    picked.reserve(size);
    SetIterator it(set);
    SetMember m;
    while (it.Next(&m)) picked.push_back(MemberString(m));
    while (picked.size() > count) {
      size_t victim = common::RandomU64() % picked.size();
      std::swap(picked[victim], picked.back());
      picked.pop_back();
    }
  } else {
    // Case 4: draw until count distinct members were seen.
    std::unordered_set<std::string> seen;
    picked.reserve(count);
    while (picked.size() < count) {
      std::string m = MemberString(object::SetTypeRandomElement(set));
      if (seen.insert(m).second) picked.push_back(std::move(m));
    }
  }
  c.reply.ArrayHeader(picked.size());
  for (const std::string& m : picked) c.reply.Bulk(m);
}

void SRandMemberCommand(Client& c) {
  if (c.argv.size() == 3) {
    SRandMemberWithCount(c);
    return;
  }
  if (c.argv.size() > 3) {
    c.AddSyntaxError();
    return;
  }
  Object* set;
  if (!LookupSetOrReply(c, c.argv[1], false, &set)) return;
  if (set == nullptr) {
    c.reply.Null();
    return;
  }
  ReplyMember(c, object::SetTypeRandomElement(set));
}

// ---- SINTER SINTERCARD SINTERSTORE ----

// Stores result (a set this function takes over) under dst_key, or deletes
// dst_key when result is empty; replies the cardinality. As Redis's
// *STORE commands: the event is raised only when something is stored, and
// "del" only when an old key went away.
void StoreSetResult(Client& c, std::string_view dst_key, Object* result, const char* event) {
  db::Db& d = *c.db;
  const size_t n = object::SetTypeSize(result);
  if (n > 0) {
    d.SetKey(dst_key, result, /*keep_ttl=*/false);
    SignalModifiedKey(c, d, dst_key);
    c.reply.Integer(static_cast<int64_t>(n));
    NotifyKeyspaceEvent(kNotifySet, event, dst_key, d.id());
    GetState().dirty++;
    return;
  }
  object::DecrRef(result);
  c.reply.Integer(0);
  if (d.Delete(dst_key)) {
    GetState().dirty++;
    SignalModifiedKey(c, d, dst_key);
    NotifyKeyspaceEvent(kNotifyGeneric, "del", dst_key, d.id());
  }
}

enum class InterMode { kReply, kStore, kCardinality };

// Redis's sinterGenericCommand: every key is checked for its type first (a
// missing key makes the result empty but a later WRONGTYPE still errors);
// then the members of the smallest set are tested against the others.
void SInterGeneric(Client& c, size_t first, size_t nkeys, std::string_view dst_key, InterMode mode,
                   uint64_t limit) {
  std::vector<Object*> sets;
  sets.reserve(nkeys);
  bool any_missing = false;
  for (size_t j = 0; j < nkeys; j++) {
    Object* o;
    if (!LookupSetOrReply(c, c.argv[first + j], mode == InterMode::kStore, &o)) return;
    if (o == nullptr) {
      any_missing = true;
    } else {
      sets.push_back(o);
    }
  }
  if (any_missing) {  // intersecting with an empty set
    if (mode == InterMode::kStore) {
      db::Db& d = *c.db;
      if (d.Delete(dst_key)) {
        SignalModifiedKey(c, d, dst_key);
        NotifyKeyspaceEvent(kNotifyGeneric, "del", dst_key, d.id());
        GetState().dirty++;
      }
      c.reply.Integer(0);
    } else if (mode == InterMode::kCardinality) {
      c.reply.Integer(0);
    } else {
      c.reply.SetHeader(0);
    }
    return;
  }
  std::stable_sort(sets.begin(), sets.end(), [](const Object* a, const Object* b) {
    return object::SetTypeSize(a) < object::SetTypeSize(b);
  });

  Object* dst = mode == InterMode::kStore ? object::CreateIntsetObject() : nullptr;
  size_t reply_len = mode == InterMode::kReply ? c.reply.DeferLen() : 0;
  uint64_t cardinality = 0;
  {
    SetIterator it(sets[0]);
    SetMember m;
    while (it.Next(&m)) {
      bool in_all = true;
      for (size_t j = 1; j < sets.size() && in_all; j++) {
        if (sets[j] != sets[0]) in_all = object::SetTypeIsMemberOf(sets[j], m);
      }
      if (!in_all) continue;
      if (mode == InterMode::kCardinality) {
        if (++cardinality == limit) break;  // limit 0 never matches: no limit
      } else if (mode == InterMode::kReply) {
        ReplyMember(c, m);
        cardinality++;
      } else {
        object::SetTypeAddMember(dst, m);
      }
    }
  }
  if (mode == InterMode::kCardinality) {
    c.reply.Integer(static_cast<int64_t>(cardinality));
  } else if (mode == InterMode::kReply) {
    c.reply.SetDeferredSetLen(reply_len, cardinality);
  } else {
    StoreSetResult(c, dst_key, dst, "sinterstore");
  }
}

// SMEMBERS key is SINTER key, as in Redis.
void SInterCommand(Client& c) { SInterGeneric(c, 1, c.argv.size() - 1, {}, InterMode::kReply, 0); }

void SInterStoreCommand(Client& c) {
  SInterGeneric(c, 2, c.argv.size() - 2, c.argv[1], InterMode::kStore, 0);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCardCommand(Client& c) {
  int64_t numkeys;
  if (!GetRangeInt64OrReply(c, c.argv[1], 1, INT64_MAX, &numkeys, kNumkeysNotPositive)) return;
  if (numkeys > static_cast<int64_t>(c.argv.size()) - 2) {
    c.AddError(kTooManyNumkeys);
    return;
  }
  int64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(numkeys); j < c.argv.size(); j++) {
    if (ArgIs(c.argv[j], "limit") && j + 1 < c.argv.size()) {
      if (!GetPositiveInt64OrReply(c, c.argv[++j], &limit, kLimitNegative)) return;
    } else {
      c.AddSyntaxError();
      return;
    }
  }
  SInterGeneric(c, 2, static_cast<size_t>(numkeys), {}, InterMode::kCardinality, static_cast<uint64_t>(limit));
}

// ---- SUNION SUNIONSTORE SDIFF SDIFFSTORE ----

enum class SetOp { kUnion, kDiff };

// Redis's sunionDiffGenericCommand. The result is built in a temporary set
// (an intset at first, like Redis's), which is then replied or stored.
// SDIFF picks between two algorithms by estimated work, as Redis does:
//   1. for each member of the first set, probe every other set
//      (first size x number of sets, halved for its better constants);
//   2. copy the first set, then remove every member of the others
//      (total size of all sets).
// With algorithm 1 the other sets are probed largest first, where a member
// is most likely to be found early.
void SUnionDiffGeneric(Client& c, size_t first, size_t nkeys, std::string_view dst_key, bool store, SetOp op) {
  std::vector<Object*> sets(nkeys, nullptr);
  for (size_t j = 0; j < nkeys; j++) {
    if (!LookupSetOrReply(c, c.argv[first + j], store, &sets[j])) return;
  }
  auto size_of = [](const Object* o) { return o == nullptr ? uint64_t{0} : object::SetTypeSize(o); };
  int diff_algo = 1;
  if (op == SetOp::kDiff && sets[0] != nullptr) {
    uint64_t algo_one_work = 0, algo_two_work = 0;
    for (Object* s : sets) {
      if (s == nullptr) continue;
      algo_one_work += size_of(sets[0]);
      algo_two_work += size_of(s);
    }
    algo_one_work /= 2;
    diff_algo = algo_one_work <= algo_two_work ? 1 : 2;
    if (diff_algo == 1 && sets.size() > 1) {
      std::stable_sort(sets.begin() + 1, sets.end(),
                       [&](const Object* a, const Object* b) { return size_of(a) > size_of(b); });
    }
  }

  Object* result = object::CreateIntsetObject();
  SetMember m;
  if (op == SetOp::kUnion) {
    for (Object* s : sets) {
      if (s == nullptr) continue;
      SetIterator it(s);
      while (it.Next(&m)) object::SetTypeAddMember(result, m);
    }
  } else if (sets[0] != nullptr && diff_algo == 1) {
    SetIterator it(sets[0]);
    while (it.Next(&m)) {
      bool elsewhere = false;
      for (size_t j = 1; j < sets.size() && !elsewhere; j++) {
        if (sets[j] == nullptr) continue;
        elsewhere = sets[j] == sets[0] || object::SetTypeIsMemberOf(sets[j], m);
      }
      if (!elsewhere) object::SetTypeAddMember(result, m);
    }
  } else if (sets[0] != nullptr) {
    for (size_t j = 0; j < sets.size(); j++) {
      if (sets[j] == nullptr) continue;
      SetIterator it(sets[j]);
      while (it.Next(&m)) {
        if (j == 0) {
          object::SetTypeAddMember(result, m);
        } else {
          object::SetTypeRemoveMember(result, m);
        }
      }
      if (object::SetTypeSize(result) == 0) break;  // nothing left to remove from
    }
  }

  if (!store) {
    ReplySetMembers(c, result);
    object::DecrRef(result);
    return;
  }
  StoreSetResult(c, dst_key, result, op == SetOp::kUnion ? "sunionstore" : "sdiffstore");
}

void SUnionCommand(Client& c) { SUnionDiffGeneric(c, 1, c.argv.size() - 1, {}, false, SetOp::kUnion); }
void SUnionStoreCommand(Client& c) { SUnionDiffGeneric(c, 2, c.argv.size() - 2, c.argv[1], true, SetOp::kUnion); }
void SDiffCommand(Client& c) { SUnionDiffGeneric(c, 1, c.argv.size() - 1, {}, false, SetOp::kDiff); }
void SDiffStoreCommand(Client& c) { SUnionDiffGeneric(c, 2, c.argv.size() - 2, c.argv[1], true, SetOp::kDiff); }

// ---- SSCAN ----

// SSCAN key cursor [MATCH pattern] [COUNT count]. As Redis: the cursor is
// checked before the key, the options only for an existing set. An intset
// is returned whole, with cursor 0; a hashtable is walked with the dict's
// reverse-binary cursor.
void SScanCommand(Client& c) {
  ScanArgs args;
  uint64_t cursor;
  if (!ParseScanCursor(c.argv[2], &cursor)) {
    ParseScanArgsOrReply(c, 2, /*allow_type=*/false, &args);  // replies the cursor error
    return;
  }
  Object* set;
  if (!LookupSetOrReply(c, c.argv[1], false, &set)) return;
  if (set == nullptr) {
    c.reply.ArrayHeader(2);
    c.reply.Bulk("0");
    c.reply.ArrayHeader(0);
    return;
  }
  if (!ParseScanArgsOrReply(c, 2, /*allow_type=*/false, &args)) return;

  std::vector<std::string> found;
  uint64_t next = 0;
  if (set->GetEncoding() == object::Encoding::kIntset) {
    SetIterator it(set);
    SetMember m;
    while (it.Next(&m)) found.push_back(MemberString(m));
  } else {
    next = ScanDictBounded(*object::SetDict(set), args.cursor, args.count, [&](const ds::DictEntry* de) {
      found.emplace_back(ds::SdsView(static_cast<ds::sds>(de->key)));
      return size_t{1};
    });
  }
  if (args.use_pattern) {
    std::erase_if(found, [&](const std::string& s) { return !common::GlobMatch(args.pattern, s); });
  }
  char buf[common::kInt64BufSize];
  c.reply.ArrayHeader(2);
  c.reply.Bulk(std::string_view(buf, common::Uint64ToChars(next, buf)));
  c.reply.ArrayHeader(found.size());
  for (const std::string& s : found) c.reply.Bulk(s);
}

}  // namespace

void RegisterSetCommands(Registry& r) {
  // ACL categories as Redis 7.0's COMMAND INFO reports them.
  const uint32_t kReadFast = kCatRead | kCatSet | kCatFast;
  const uint32_t kReadSlow = kCatRead | kCatSet | kCatSlow;
  const uint32_t kWriteFast = kCatWrite | kCatSet | kCatFast;
  const uint32_t kWriteSlow = kCatWrite | kCatSet | kCatSlow;
  r.Add({"sadd", -3, kWrite | kDenyOom | kFast, 1, 1, 1, SAddCommand, "set", "Add one or more members to a set",
         "1.0.0", kWriteFast});
  r.Add({"srem", -3, kWrite | kFast, 1, 1, 1, SRemCommand, "set", "Remove one or more members from a set", "1.0.0",
         kWriteFast});
  r.Add({"smembers", 2, kReadonly, 1, 1, 1, SInterCommand, "set", "Get all the members in a set", "1.0.0",
         kReadSlow});
  r.Add({"sismember", 3, kReadonly | kFast, 1, 1, 1, SIsMemberCommand, "set",
         "Determine if a given value is a member of a set", "1.0.0", kReadFast});
  r.Add({"smismember", -3, kReadonly | kFast, 1, 1, 1, SMIsMemberCommand, "set",
         "Returns the membership associated with the given elements for a set", "6.2.0", kReadFast});
  r.Add({"scard", 2, kReadonly | kFast, 1, 1, 1, SCardCommand, "set", "Get the number of members in a set", "1.0.0",
         kReadFast});
  r.Add({"spop", -2, kWrite | kFast, 1, 1, 1, SPopCommand, "set",
         "Remove and return one or multiple random members from a set", "1.0.0", kWriteFast});
  r.Add({"srandmember", -2, kReadonly, 1, 1, 1, SRandMemberCommand, "set",
         "Get one or multiple random members from a set", "1.0.0", kReadSlow});
  r.Add({"smove", 4, kWrite | kFast, 1, 2, 1, SMoveCommand, "set", "Move a member from one set to another", "1.0.0",
         kWriteFast});
  r.Add({"sinter", -2, kReadonly, 1, -1, 1, SInterCommand, "set", "Intersect multiple sets", "1.0.0", kReadSlow});
  r.Add({"sintercard", -3, kReadonly | kMovableKeys, 0, 0, 0, SInterCardCommand, "set",
         "Intersect multiple sets and return the cardinality of the result", "7.0.0", kReadSlow})
      .key_specs = {KeynumKeys(kKeyRO | kKeyAccess, 1)};  // numkeys key...
  r.Add({"sinterstore", -3, kWrite | kDenyOom, 1, -1, 1, SInterStoreCommand, "set",
         "Intersect multiple sets and store the resulting set in a key", "1.0.0", kWriteSlow});
  r.Add({"sunion", -2, kReadonly, 1, -1, 1, SUnionCommand, "set", "Add multiple sets", "1.0.0", kReadSlow});
  r.Add({"sunionstore", -3, kWrite | kDenyOom, 1, -1, 1, SUnionStoreCommand, "set",
         "Add multiple sets and store the resulting set in a key", "1.0.0", kWriteSlow});
  r.Add({"sdiff", -2, kReadonly, 1, -1, 1, SDiffCommand, "set", "Subtract multiple sets", "1.0.0", kReadSlow});
  r.Add({"sdiffstore", -3, kWrite | kDenyOom, 1, -1, 1, SDiffStoreCommand, "set",
         "Subtract multiple sets and store the resulting set in a key", "1.0.0", kWriteSlow});
  r.Add({"sscan", -3, kReadonly, 1, 1, 1, SScanCommand, "set", "Incrementally iterate Set elements", "2.8.0",
         kReadSlow});
}

}  // namespace commands
