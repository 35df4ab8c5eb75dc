// Fuzz target: RESTORE payloads (persist::LoadDumpPayload), every RDB type
// and encoding a client can send: strings (raw, int, LZF), lists (plain,
// ziplist, quicklist of ziplists, quicklist 2 of listpacks and plain nodes),
// sets (plain, intset), zsets (plain, binary scores, ziplist, listpack),
// hashes (plain, zipmap, ziplist, listpack), streams (listpacks of types 15
// and 19, with consumer groups and PELs).
//
// Input: the payload without its footer, i.e. <type byte> <value>; the
// target appends the RDB version and the CRC64 as DUMP does, so every input
// reaches the value decoder (a footer that does not verify is rejected
// before any decoding, and VerifyDumpPayload is too simple to need a
// fuzzer). Seeds are real DUMP payloads of Redis 7.0 and of tieredis with
// the footer cut off.
//
// Each input is loaded twice: under the default encoding thresholds, and
// under tiny ones (2 entries, 4-byte values) so that every loader's
// conversion paths run; and once more with try allocations above 48 bytes
// failing, which must fail cleanly (OutOfMemory) or load the same value.
// Checked for every value that loads:
//   - its type's invariants and a deep copy (object_check.h);
//   - DUMP of it (with and without LZF) loads back to the same content;
//   - nothing leaks: both tiers' byte counters are back where they were
//     (LeakSanitizer does not see the NVM arena, the counters do).
// A payload that does not load must fail with a Status, not crash.
//
// A string that passes the HyperLogLog checks (object/hyperloglog.h: what
// PFADD/PFCOUNT/PFMERGE accept, so any RESTOREd string can reach them) is
// also counted, merged, added to and made dense on a copy: a corrupt sparse
// code must be reported, never read or written out of bounds.
#include <cstdint>
#include <string>
#include <string_view>

#include "alloc/zmalloc.h"
#include "common/crc64.h"
#include "fuzz_util.h"
#include "object/hyperloglog.h"
#include "object/object.h"
#include "object_check.h"
#include "persist/dump.h"

namespace {

std::string WithFooter(const uint8_t* data, size_t size) {
  std::string p(reinterpret_cast<const char*>(data), size);
  p.push_back(static_cast<char>(persist::kRdbVersion & 0xff));
  p.push_back(static_cast<char>(persist::kRdbVersion >> 8));
  uint64_t crc = common::Crc64(0, p.data(), p.size());
  for (int i = 0; i < 8; i++) p.push_back(static_cast<char>(crc >> (8 * i)));
  return p;
}

bool IsLoadError(common::Code c) {
  return c == common::Code::kCorruption || c == common::Code::kNotSupported || c == common::Code::kOutOfMemory;
}

// The HyperLogLog operations on a copy of v, under a tiny and the default
// sparse limit. REQUIRES: object::hll::IsValid(v).
void ExerciseHll(std::string_view v) {
  namespace hll = object::hll;
  uint64_t card;
  const bool counted = hll::Count(v, &card);
  static uint8_t max[hll::kRegisters];
  FUZZ_CHECK(hll::MergeInto(max, v) == counted);
  for (size_t limit : {size_t{24}, hll::kDefaultSparseMaxBytes}) {
    ds::sds s = ds::SdsNewLen(v.data(), v.size(), ds::SdsUse::kPayload);
    for (const char* e : {"a", "b", "hll", "0", "1"}) {
      if (hll::Add(&s, e, limit) < 0) break;
      FUZZ_CHECK(hll::IsValid(ds::SdsView(s)));
    }
    if (hll::SparseToDense(&s) >= 0) FUZZ_CHECK(ds::SdsLen(s) == hll::kDenseSize);
    hll::Count(ds::SdsView(s), &card);
    ds::SdsFree(s);
  }
}

// Loads the payload; what loads must pass the checks and DUMP back to the
// same content. Returns that content, or "" when it did not load.
std::string LoadAndCheck(const std::string& payload) {
  common::Result<object::Object*> r = persist::LoadDumpPayload(payload);
  if (!r.ok()) {
    FUZZ_CHECK(IsLoadError(r.status().code()));
    return "";
  }
  object::Object* o = *r;
  fuzz::CheckObject(o);
  if (o->GetType() == object::Type::kString) {
    char buf[24];
    std::string_view v = object::StringView(o, buf);
    if (object::hll::IsValid(v)) ExerciseHll(v);
  }
  const std::string content = fuzz::Content(o);
  for (bool compress : {true, false}) {
    common::Result<std::string> dump = persist::CreateDumpPayload(o, compress);
    FUZZ_CHECK(dump.ok());
    common::Result<object::Object*> again = persist::LoadDumpPayload(*dump);
    if (!again.ok()) fprintf(stderr, "reload of our own DUMP failed: %s\n", again.status().message().c_str());
    FUZZ_CHECK(again.ok());
    fuzz::CheckObjectShallow(*again);
    FUZZ_CHECK(fuzz::Content(*again) == content);
    object::DecrRef(*again);
  }
  object::DecrRef(o);
  return content;
}

// The same payload with every try allocation above kTryLimit bytes failing
// (alloc::SetTryAllocLimitForTest): the out-of-memory paths of the string
// readers. It either fails cleanly or loads the very value it loads
// without the limit.
constexpr size_t kTryLimit = 48;
void LoadUnderTryLimit(const std::string& payload, const std::string& unlimited_content) {
  alloc::SetTryAllocLimitForTest(kTryLimit);
  common::Result<object::Object*> r = persist::LoadDumpPayload(payload);
  alloc::SetTryAllocLimitForTest(SIZE_MAX);
  if (!r.ok()) {
    FUZZ_CHECK(IsLoadError(r.status().code()));
    return;
  }
  fuzz::CheckObjectShallow(*r);
  FUZZ_CHECK(fuzz::Content(*r) == unlimited_content);
  object::DecrRef(*r);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::InitAllocator();
  object::InitTypes();
  fuzz::WarmUpSharedIntegers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return -1;
  const std::string payload = WithFooter(data, size);
  static const object::Settings defaults;
  static const object::Settings tiny = [] {
    object::Settings t;
    t.hash_max_listpack_entries = 2;
    t.hash_max_listpack_value = 4;
    t.set_max_intset_entries = 2;
    t.zset_max_listpack_entries = 2;
    t.zset_max_listpack_value = 4;
    t.list_max_listpack_size = 2;
    return t;
  }();
  for (const object::Settings* s : {&defaults, &tiny}) {
    object::GetSettings() = *s;
    const size_t dram0 = alloc::UsedMemory(alloc::Tier::kDram);
    const size_t nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
    const std::string content = LoadAndCheck(payload);
    if (s == &defaults) LoadUnderTryLimit(payload, content);
    FUZZ_CHECK(alloc::UsedMemory(alloc::Tier::kNvm) == nvm0);
    FUZZ_CHECK(alloc::UsedMemory(alloc::Tier::kDram) == dram0);
  }
  object::GetSettings() = defaults;
  return 0;
}
