// Fuzz target: loading a whole RDB file (persist::RdbLoad), as at start-up,
// DEBUG RELOAD and an AOF's RDB preamble. Seeds are dump.rdb files of Redis
// 7.0 and of tieredis holding every type and encoding, expiries, several
// dbs and aux fields.
//
// The checksum is not verified (rdbchecksum no): a mutated file would
// otherwise fail at its end every time, and the interesting paths are the
// records before it. Keys already expired at a fixed "now" are dropped, as
// a master does.
//
// Checked when the file loads: every value passes its type's invariants
// (object_check.h), the dataset saved again (RdbSaveToFd) loads back, with
// its checksum verified, to the same keys, values and expiries; and when it
// does not: the error is a Corruption (or NotSupported for a value type not
// loadable yet), never a crash. Either way, after flushing, both tiers'
// byte counters are back where they started (no leak, on NVM either).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "alloc/zmalloc.h"
#include "db/db.h"
#include "fuzz_util.h"
#include "object_check.h"
#include "persist/rdb.h"

namespace {

// A fixed "now" (2025-01-01): the same input always drops the same keys.
constexpr int64_t kNowMs = 1735689600000;
constexpr int kDbs = 16;

std::vector<std::unique_ptr<db::Db>> g_owned[2];
std::vector<db::Db*> g_dbs[2];

// (db, key) -> (content, expire ms or -1)
using Dataset = std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>>;

Dataset Snapshot(const std::vector<db::Db*>& dbs, bool check) {
  Dataset out;
  for (db::Db* d : dbs) {
    ds::Dict::Iterator it = d->dict().MakeIterator(/*safe=*/false);
    while (ds::DictEntry* de = it.Next()) {
      const object::Object* o = db::EntryValue(de);
      if (check) fuzz::CheckObject(o);
      std::string key(db::EntryKey(de));
      int64_t when = d->GetExpire(key);
      out[{d->id(), key}] = {fuzz::Content(o), when};
    }
  }
  return out;
}

std::string SaveToMemory(const std::vector<db::Db*>& dbs) {
  int fd = memfd_create("rdb_fuzz", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  persist::RdbSaveOptions so;
  so.ctime = kNowMs / 1000;
  common::Result<persist::RdbSaveStats> st = persist::RdbSaveToFd(fd, dbs, so);
  if (!st.ok()) fprintf(stderr, "RdbSaveToFd: %s\n", st.status().message().c_str());
  FUZZ_CHECK(st.ok());
  off_t n = lseek(fd, 0, SEEK_END);
  std::string out(static_cast<size_t>(n), '\0');
  FUZZ_CHECK(pread(fd, out.data(), out.size(), 0) == n);
  close(fd);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::InitAllocator();
  object::InitTypes();
  fuzz::WarmUpSharedIntegers();
  for (int k = 0; k < 2; k++) {
    for (int i = 0; i < kDbs; i++) {
      g_owned[k].push_back(std::make_unique<db::Db>(i));
      g_dbs[k].push_back(g_owned[k].back().get());
    }
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  db::SetNow(kNowMs);
  const size_t dram0 = alloc::UsedMemory(alloc::Tier::kDram);
  const size_t nvm0 = alloc::UsedMemory(alloc::Tier::kNvm);
  {
    persist::RdbLoadOptions lo;
    lo.now_ms = kNowMs;
    lo.verify_checksum = false;
    persist::RdbLoadStats stats;
    common::Status s =
        persist::RdbLoad(std::string_view(reinterpret_cast<const char*>(data), size), g_dbs[0], lo, &stats);
    if (s.ok()) {
      FUZZ_CHECK(stats.end <= size);
      const Dataset loaded = Snapshot(g_dbs[0], /*check=*/true);
      const std::string saved = SaveToMemory(g_dbs[0]);
      lo.verify_checksum = true;
      persist::RdbLoadStats stats2;
      common::Status s2 = persist::RdbLoad(saved, g_dbs[1], lo, &stats2);
      if (!s2.ok()) fprintf(stderr, "reloading our own save: %s\n", s2.message().c_str());
      FUZZ_CHECK(s2.ok());
      FUZZ_CHECK(stats2.end == saved.size());
      FUZZ_CHECK(Snapshot(g_dbs[1], /*check=*/false) == loaded);
    } else {
      common::Code c = s.code();
      if (c != common::Code::kCorruption && c != common::Code::kNotSupported)
        fprintf(stderr, "unexpected error: %s\n", s.message().c_str());
      FUZZ_CHECK(c == common::Code::kCorruption || c == common::Code::kNotSupported);
    }
    for (auto& dbs : g_dbs)
      for (db::Db* d : dbs) d->Flush();
  }
  FUZZ_CHECK(alloc::UsedMemory(alloc::Tier::kNvm) == nvm0);
  FUZZ_CHECK(alloc::UsedMemory(alloc::Tier::kDram) == dram0);
  return 0;
}
