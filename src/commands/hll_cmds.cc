// The HyperLogLog commands of Redis 7.0: PFADD PFCOUNT PFMERGE PFDEBUG
// PFSELFTEST. The values are strings in Redis's exact HLL representation
// (object/hyperloglog.h), so replies, stored bytes, keyspace events ("pfadd"
// for PFADD and PFMERGE) and dirty counts match Redis's (tests/integration/
// test_hll.py compares them with Debian's redis-server).
//
// Errors as Redis: a key holding another type, or a string that is not an
// HLL (wrong magic or encoding, a dense value of the wrong length, an int),
// gets "WRONGTYPE Key is not a valid HyperLogLog string value."; a value that
// passes those checks but whose sparse code is corrupt gets "INVALIDOBJ
// Corrupted HLL object detected".
//
// PFCOUNT of one key stores the computed cardinality in the header cache, a
// write (WATCH sees it, dirty grows) although the command is read-only.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "commands/client.h"
#include "commands/errors.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "db/db.h"
#include "ds/sds.h"
#include "object/hyperloglog.h"
#include "object/object.h"

namespace commands {
namespace {

using object::Object;
namespace hll = object::hll;

constexpr char kNotHll[] = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr char kCorruptHll[] = "INVALIDOBJ Corrupted HLL object detected";

// Redis's isHLLObjectOrReply: o must be a string whose bytes pass
// hll::IsValid. Int-encoded strings never do.
bool IsHllOrReply(Client& c, Object* o) {
  if (o->GetType() != object::Type::kString) {
    c.AddError(err::kWrongType);
    return false;
  }
  if (o->GetEncoding() == object::Encoding::kInt) {
    c.AddError(kNotHll);
    return false;
  }
  char buf[24];
  if (!hll::IsValid(object::StringView(o, buf))) {
    c.AddError(kNotHll);
    return false;
  }
  return true;
}

// key's HLL for editing in place: its own raw sds (a shared or embstr value
// is replaced by a private raw copy, keeping the TTL, as Redis's
// dbUnshareStringValue). REQUIRES: o is key's value and passed IsHllOrReply.
ds::sds& WritableHll(db::Db& d, std::string_view key, Object*& o) {
  if (o->refcount != 1 || o->GetEncoding() != object::Encoding::kRaw) {
    char buf[24];
    o = d.SetKey(key, object::CreateRawString(object::StringView(o, buf)), /*keep_ttl=*/true);
  }
  return object::MutableRawString(o);
}

Object* CreateHllObject() {
  return object::Create(object::Type::kString, object::Encoding::kRaw, hll::CreateEmpty());
}

// PFADD key [element ...]: 1 if the key was created or a register changed.
void PfaddCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view key = c.argv[1];
  Object* o = d.LookupWrite(key);
  uint64_t updated = 0;
  if (o == nullptr) {
    o = d.SetKey(key, CreateHllObject(), /*keep_ttl=*/false);
    updated++;
  } else {
    if (!IsHllOrReply(c, o)) return;
  }
  ds::sds& s = WritableHll(d, key, o);
  const size_t sparse_max = object::GetSettings().hll_sparse_max_bytes;
  for (size_t j = 2; j < c.argv.size(); j++) {
    int r = hll::Add(&s, c.argv[j], sparse_max);
    if (r < 0) {
      c.AddError(kCorruptHll);
      return;
    }
    updated += static_cast<uint64_t>(r);
  }
  if (updated > 0) {
    hll::InvalidateCache(s);
    SignalModifiedKey(c, d, key);
    NotifyKeyspaceEvent(kNotifyString, "pfadd", key, d.id());
    GetState().dirty += updated;
  }
  c.reply.Integer(updated > 0 ? 1 : 0);
}

// PFCOUNT key [key ...]. One key: the cached cardinality, recomputed and
// stored when stale. Several keys: the cardinality of their union, computed
// on a scratch register array (nothing is cached).
void PfcountCommand(Client& c) {
  db::Db& d = *c.db;
  if (c.argv.size() > 2) {
    auto max = std::make_unique<uint8_t[]>(hll::kRegisters);
    memset(max.get(), 0, hll::kRegisters);
    for (size_t j = 1; j < c.argv.size(); j++) {
      Object* o = d.LookupRead(c.argv[j]);
      if (o == nullptr) continue;
      if (!IsHllOrReply(c, o)) return;
      char buf[24];
      if (!hll::MergeInto(max.get(), object::StringView(o, buf))) {
        c.AddError(kCorruptHll);
        return;
      }
    }
    c.reply.Integer(static_cast<int64_t>(hll::CountRegisters(max.get())));
    return;
  }
  std::string_view key = c.argv[1];
  Object* o = d.LookupRead(key);
  if (o == nullptr) {
    c.reply.Integer(0);
    return;
  }
  if (!IsHllOrReply(c, o)) return;
  ds::sds& s = WritableHll(d, key, o);
  uint64_t card;
  if (!hll::CachedCardinality(ds::SdsView(s), &card)) {
    if (!hll::Count(ds::SdsView(s), &card)) {
      c.AddError(kCorruptHll);
      return;
    }
    hll::StoreCardinality(s, card);
    SignalModifiedKey(c, d, key);
    GetState().dirty++;
  }
  c.reply.Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...]: destkey becomes the union of itself and
// the sources; dense if any input was dense.
void PfmergeCommand(Client& c) {
  db::Db& d = *c.db;
  auto max = std::make_unique<uint8_t[]>(hll::kRegisters);
  memset(max.get(), 0, hll::kRegisters);
  bool use_dense = false;
  for (size_t j = 1; j < c.argv.size(); j++) {
    Object* o = d.LookupRead(c.argv[j]);
    if (o == nullptr) continue;
    if (!IsHllOrReply(c, o)) return;
    char buf[24];
    std::string_view v = object::StringView(o, buf);
    if (static_cast<uint8_t>(v[4]) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(max.get(), v)) {
      c.AddError(kCorruptHll);
      return;
    }
  }
  std::string_view key = c.argv[1];
  Object* o = d.LookupWrite(key);
  if (o == nullptr) o = d.SetKey(key, CreateHllObject(), /*keep_ttl=*/false);
  ds::sds& s = WritableHll(d, key, o);
  if (use_dense && hll::SparseToDense(&s) < 0) {
    c.AddError(kCorruptHll);
    return;
  }
  const size_t sparse_max = object::GetSettings().hll_sparse_max_bytes;
  for (int j = 0; j < hll::kRegisters; j++) {
    if (max[j] == 0) continue;
    if (hll::SetRegister(&s, j, max[j], sparse_max) < 0) {
      c.AddError(kCorruptHll);
      return;
    }
  }
  hll::InvalidateCache(s);
  SignalModifiedKey(c, d, key);
  NotifyKeyspaceEvent(kNotifyString, "pfadd", key, d.id());
  GetState().dirty++;
  c.reply.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key. GETREG and TODENSE turn a
// sparse value dense (counted as a change, so it propagates).
void PfdebugCommand(Client& c) {
  db::Db& d = *c.db;
  std::string_view cmd = c.argv[1];
  std::string_view key = c.argv[2];
  Object* o = d.LookupWrite(key);
  if (o == nullptr) {
    c.AddError("ERR The specified key does not exist");
    return;
  }
  if (!IsHllOrReply(c, o)) return;
  ds::sds& s = WritableHll(d, key, o);
  const bool sparse = static_cast<uint8_t>(s[4]) == hll::kSparse;
  if (ArgIs(cmd, "getreg") || ArgIs(cmd, "todense")) {
    if (sparse) {
      if (hll::SparseToDense(&s) < 0) {
        c.AddError(kCorruptHll);
        return;
      }
      GetState().dirty++;
    }
    if (ArgIs(cmd, "todense")) {
      c.reply.Integer(sparse ? 1 : 0);
      return;
    }
    const uint8_t* regs = reinterpret_cast<const uint8_t*>(s) + hll::kHeaderSize;
    c.reply.ArrayHeader(hll::kRegisters);
    for (int j = 0; j < hll::kRegisters; j++) c.reply.Integer(hll::DenseRegister(regs, j));
  } else if (ArgIs(cmd, "decode")) {
    if (!sparse) {
      c.AddError("ERR HLL encoding is not sparse");
      return;
    }
    c.reply.Bulk(hll::DecodeSparse(ds::SdsView(s)));
  } else if (ArgIs(cmd, "encoding")) {
    c.reply.SimpleString(sparse ? "sparse" : "dense");
  } else {
    c.AddErrorFormat("ERR Unknown PFDEBUG subcommand '%.*s'", static_cast<int>(cmd.size()), cmd.data());
  }
}

void PfselftestCommand(Client& c) {
  std::string failure = hll::SelfTest();
  if (failure.empty()) {
    c.reply.Ok();
  } else {
    c.AddError(failure);
  }
}

}  // namespace

void RegisterHyperLogLogCommands(Registry& r) {
  const char* g = "hyperloglog";
  r.Add({"pfadd", -2, kWrite | kDenyOom | kFast, 1, 1, 1, PfaddCommand, g,
         "Adds the specified elements to the specified HyperLogLog.", "2.8.9",
         kCatWrite | kCatHyperLogLog | kCatFast})
      .key_specs = {RangeKeys(kKeyRW | kKeyInsert, 1)};
  CommandSpec& pfcount = r.Add({"pfcount", -2, kReadonly, 1, -1, 1, PfcountCommand, g,
                                "Return the approximated cardinality of the set(s) observed by the HyperLogLog at "
                                "key(s).", "2.8.9", kCatRead | kCatHyperLogLog | kCatSlow});
  pfcount.key_specs = {RangeKeys(kKeyRW | kKeyAccess, 1, -1)};
  pfcount.key_specs[0].notes =
      "RW because it may change the internal representation of the key, and propagate to replicas";
  r.Add({"pfmerge", -2, kWrite | kDenyOom, 1, -1, 1, PfmergeCommand, g,
         "Merge N different HyperLogLogs into a single one.", "2.8.9", kCatWrite | kCatHyperLogLog | kCatSlow})
      .key_specs = {RangeKeys(kKeyRW | kKeyAccess | kKeyInsert, 1), RangeKeys(kKeyRO | kKeyAccess, 2, -1)};
  r.Add({"pfdebug", 3, kWrite | kDenyOom | kAdmin, 2, 2, 1, PfdebugCommand, g,
         "Internal commands for debugging HyperLogLog values", "2.8.9",
         kCatWrite | kCatHyperLogLog | kCatAdmin | kCatSlow | kCatDangerous})
      .key_specs = {RangeKeys(kKeyRW | kKeyAccess, 2)};
  r.Add({"pfselftest", 1, kAdmin, 0, 0, 0, PfselftestCommand, g, "An internal command for testing HyperLogLog values",
         "2.8.9", kCatHyperLogLog | kCatAdmin | kCatSlow | kCatDangerous});
}

}  // namespace commands
