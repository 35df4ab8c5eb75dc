// Fuzz target: loading an AOF (server::AofLoadAtStartup), manifest and
// files: the manifest parser, the RDB preamble of a base file, the RESP
// command reader, truncation handling, MULTI/EXEC and every command run by
// the loader's fake client.
//
// Input: the manifest text, then the files, each after a separator line:
//   <manifest> "\n%%FILE%%\n" <file 1> "\n%%FILE%%\n" <file 2> ...
// File k is written under the k-th name of the manifest in load order (the
// base, then the incr files, then history files), if the manifest parses;
// the manifest is written last. Seeds are the appendonlydir contents of
// Redis 7.0 and tieredis (RDB and command bases, incr files, MULTI/EXEC,
// every type).
//
// The target runs the real server's start-up (server::Start) once, on a
// unix socket in a scratch directory (no TCP), with rdbchecksum no (a
// mutated preamble otherwise fails at its end), proto-max-bulk-len 1mb (so
// no single command of a short input allocates much) and save "" (no
// background saves). Admin commands (SHUTDOWN, DEBUG, SAVE, BGSAVE,
// BGREWRITEAOF, CONFIG, CLIENT KILL/PAUSE, MONITOR, ...) are switched off
// by clearing their handler, so the loader treats them as unknown: they run
// from an AOF as in Redis, but reach outside the dataset (exit, fork,
// files), not into the loader.
//
// Checked when the AOF loads: every value passes its type's invariants
// (object_check.h) and the dataset survives an RDB save and reload. Either
// way the dbs are flushed afterwards and nothing may crash, hang or leak.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "commands/registry.h"
#include "commands/state.h"
#include "fuzz_util.h"
#include "object_check.h"
#include "persist/aof.h"
#include "persist/rdb.h"
#include "server/config.h"
#include "server/persistence.h"
#include "server/server.h"

namespace {

constexpr std::string_view kSeparator = "\n%%FILE%%\n";

std::vector<std::string_view> SplitSections(std::string_view in) {
  std::vector<std::string_view> out;
  for (;;) {
    size_t at = in.find(kSeparator);
    if (at == std::string_view::npos) {
      out.push_back(in);
      return out;
    }
    out.push_back(in.substr(0, at));
    in.remove_prefix(at + kSeparator.size());
  }
}

void DisableAdmin(const commands::CommandSpec* spec) {
  if (spec->flags & commands::kAdmin) const_cast<commands::CommandSpec*>(spec)->handler = nullptr;
  for (const commands::CommandSpec& sub : spec->subcommands) DisableAdmin(&sub);
}

using Dataset = std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>>;

Dataset Snapshot(const std::vector<db::Db*>& dbs) {
  Dataset out;
  for (db::Db* d : dbs) {
    ds::Dict::Iterator it = d->dict().MakeIterator(/*safe=*/false);
    while (ds::DictEntry* de = it.Next()) {
      std::string key(db::EntryKey(de));
      out[{d->id(), key}] = {fuzz::Content(db::EntryValue(de)), d->GetExpire(key)};
    }
  }
  return out;
}

// Every value passes its checks, and an RDB of the dataset loads back to
// the same dataset.
void CheckDataset() {
  std::vector<db::Db*>& dbs = server::AllDbs();
  for (db::Db* d : dbs) {
    ds::Dict::Iterator it = d->dict().MakeIterator(/*safe=*/false);
    while (ds::DictEntry* de = it.Next()) fuzz::CheckObject(db::EntryValue(de));
  }
  const Dataset before = Snapshot(dbs);
  int fd = memfd_create("aof_fuzz", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0);
  common::Result<persist::RdbSaveStats> st = persist::RdbSaveToFd(fd, dbs, persist::RdbSaveOptions());
  FUZZ_CHECK(st.ok());
  std::string rdb(static_cast<size_t>(lseek(fd, 0, SEEK_END)), '\0');
  FUZZ_CHECK(pread(fd, rdb.data(), rdb.size(), 0) == static_cast<ssize_t>(rdb.size()));
  close(fd);
  for (db::Db* d : dbs) d->Flush();
  persist::RdbLoadOptions lo;
  lo.drop_expired = false;
  persist::RdbLoadStats ls;
  common::Status s = persist::RdbLoad(rdb, dbs, lo, &ls);
  if (!s.ok()) fprintf(stderr, "reloading the saved dataset: %s\n", s.message().c_str());
  FUZZ_CHECK(s.ok());
  FUZZ_CHECK(Snapshot(dbs) == before);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string& dir = fuzz::ScratchDir();
  std::string sock = dir + "/s.sock";
  std::vector<std::string> args = {"aof_fuzz",    "--port",        "0",         "--unixsocket",
                                   sock,          "--dir",         dir,         "--save",
                                   "",            "--appendonly",  "no",        "--rdbchecksum",
                                   "no",          "--proto-max-bulk-len",       "1mb",
                                   "--tier-mode", "logical",       "--tier-nvm-min-size",
                                   "16",          "--loglevel",    "warning",   "--logfile",
                                   "/dev/null"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  fuzz::InDir keep_cwd(dir);  // Start moves to --dir; give libFuzzer its own back
  int rc = server::Start(static_cast<int>(argv.size()), argv.data());
  if (rc >= 0) {
    fprintf(stderr, "server::Start failed (%d)\n", rc);
    abort();
  }
  for (const commands::CommandSpec* spec : commands::Registry::Get().All()) DisableAdmin(spec);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& dir = fuzz::ScratchDir();
  fuzz::InDir in_scratch(dir);  // the loader finds appenddirname from here
  const server::ServerConfig& cfg = server::Config();
  const std::string aofdir = dir + "/" + cfg.appenddirname;
  std::error_code ec;
  std::filesystem::remove_all(aofdir, ec);
  FUZZ_CHECK(mkdir(aofdir.c_str(), 0755) == 0);

  std::vector<std::string_view> sections =
      SplitSections(std::string_view(reinterpret_cast<const char*>(data), size));
  common::Result<persist::AofManifest> m = persist::ParseAofManifest(sections[0]);
  if (m.ok()) {
    std::vector<std::string> names;
    if (m->has_base) names.push_back(m->base.name);
    for (const auto& f : m->incr) names.push_back(f.name);
    for (const auto& f : m->history) names.push_back(f.name);
    for (size_t k = 0; k < names.size() && k + 1 < sections.size(); k++) {
      // A name the file system refuses (too long, a directory) is left
      // out: the loader then finds the file missing.
      if (names[k] == "." || names[k] == "..") continue;
      fuzz::WriteFile(aofdir + "/" + names[k], sections[k + 1]);
    }
  }
  FUZZ_CHECK(fuzz::WriteFile(aofdir + "/" + persist::AofManifestName(cfg.appendfilename), sections[0]));

  for (db::Db* d : server::AllDbs()) d->Flush();
  if (server::AofLoadAtStartup()) CheckDataset();
  for (db::Db* d : server::AllDbs()) d->Flush();
  return 0;
}
