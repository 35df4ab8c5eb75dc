// Helpers shared by the libFuzzer targets of tests/fuzz (header-only: each
// target is one translation unit plus this).
//
//  - FUZZ_CHECK(cond): a property the target asserts; a violation prints the
//    condition and its place and aborts, which libFuzzer reports as a crash
//    and saves the input.
//  - Rng: a small deterministic generator for choices derived from input
//    bytes (piece sizes, ...), so a saved crash input replays exactly.
//  - InitAllocator(): the tiered allocator in logical mode (the same as on a
//    one-node machine), once per process, with a low NVM threshold so that
//    small fuzz inputs already put payloads on the NVM tier.
//  - ScratchDir(): a private directory for targets that must go through
//    files (AOF, CONFIG REWRITE), under $TMPDIR (else /dev/shm, else /tmp),
//    removed by a normal exit (libFuzzer's end of a timed run skips atexit:
//    utils/fuzz/run_fuzz.sh points TMPDIR at a directory it removes). InDir changes the working directory for one scope:
//    targets work in the scratch directory during an input and give the
//    fuzzer back its own (libFuzzer writes corpus and crash files by
//    relative paths).
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "alloc/zmalloc.h"

#define FUZZ_CHECK(cond)                                                                        \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__);           \
      abort();                                                                                  \
    }                                                                                           \
  } while (0)

namespace fuzz {

// xorshift32: enough randomness for piece sizes, and no state beyond a word.
class Rng {
 public:
  explicit Rng(uint32_t seed) : s_(seed ? seed : 0x9e3779b9u) {}
  uint32_t Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 17;
    s_ ^= s_ << 5;
    return s_;
  }
  // Uniform enough in [0, n); n > 0.
  size_t Below(size_t n) { return Next() % n; }

 private:
  uint32_t s_;
};

inline void InitAllocator() {
  static bool done = [] {
    alloc::Options o;
    o.mode = alloc::Mode::kLogical;
    o.placement.policy = alloc::Policy::kStatic;
    o.placement.nvm_min_size = 16;
    common::Status s = alloc::Init(o);
    if (!s.ok()) {
      fprintf(stderr, "alloc::Init: %s\n", s.message().c_str());
      abort();
    }
    return true;
  }();
  (void)done;
}

// A directory of our own, created once and removed (with what is left in
// it) when the process exits normally.
inline const std::string& ScratchDir() {
  static std::string dir = [] {
    // tmpfs when there is one: CONFIG REWRITE and the AOF fsync every file.
    const char* tmp = getenv("TMPDIR");
    std::string base = tmp && *tmp ? tmp : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string tmpl = base + "/tdfuzz.XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      perror("mkdtemp");
      abort();
    }
    static std::string to_remove = tmpl;
    atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(to_remove, ec);
    });
    return tmpl;
  }();
  return dir;
}

// Writes data to path (created or truncated). False when the file cannot
// be created; a failed write after that aborts.
inline bool WriteFile(const std::string& path, std::string_view data) {
  FILE* f = fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  FUZZ_CHECK(fwrite(data.data(), 1, data.size(), f) == data.size());
  FUZZ_CHECK(fclose(f) == 0);
  return true;
}

// Changes the working directory to `dir` until the end of the scope.
class InDir {
 public:
  explicit InDir(const std::string& dir) {
    char buf[4096];
    FUZZ_CHECK(getcwd(buf, sizeof(buf)) != nullptr);
    old_ = buf;
    FUZZ_CHECK(chdir(dir.c_str()) == 0);
  }
  ~InDir() { FUZZ_CHECK(chdir(old_.c_str()) == 0); }
  InDir(const InDir&) = delete;
  InDir& operator=(const InDir&) = delete;

 private:
  std::string old_;
};

}  // namespace fuzz
