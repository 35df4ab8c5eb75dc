#include "server/crash.h"

#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "commands/client.h"
#include "commands/version.h"
#include "common/log.h"
#include "common/util.h"
#include "db/db.h"
#include "object/object.h"
#include "server/config.h"
#include "server/server.h"

namespace server {
namespace {

constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
// Frames kept in the stack trace (Redis's logStackTrace takes 100).
constexpr int kMaxFrames = 100;
// The alternate stack the handler runs on, so a stack overflow is reported
// too (SIGSTKSZ is small for backtrace plus the report's own frames).
constexpr size_t kAltStackSize = 256 * 1024;
// Arguments of the current command are shown up to this many bytes each
// (Redis's logCurrentClient).
constexpr size_t kMaxArgShown = 128;

const commands::Client* g_current = nullptr;

// The report in progress: which thread writes it, and whether it is inside
// a guarded section (see Guarded).
volatile sig_atomic_t g_reporting = 0;
pthread_t g_reporter;
volatile sig_atomic_t g_guarded = 0;
sigjmp_buf g_guard_jmp;

// ---- async-signal-safe formatting ----

// A line built in place: no allocation, no locale, no stdio.
class SafeLine {
 public:
  SafeLine& Add(std::string_view s) {
    size_t n = s.size() < Room() ? s.size() : Room();
    memcpy(buf_ + len_, s.data(), n);
    len_ += n;
    return *this;
  }
  SafeLine& Dec(int64_t v) {
    uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    if (v < 0) Add("-");
    char tmp[24];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + u % 10);
      u /= 10;
    } while (u > 0);
    while (n > 0 && Room() > 0) buf_[len_++] = tmp[--n];
    return *this;
  }
  // Lower-case hex, zero-padded to width digits (0: as many as needed).
  SafeLine& Hex(uint64_t v, int width) {
    static const char kDigits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
      tmp[n++] = kDigits[v & 15];
      v >>= 4;
    } while (v > 0);
    while (n < width) tmp[n++] = '0';
    while (n > 0 && Room() > 0) buf_[len_++] = tmp[--n];
    return *this;
  }
  SafeLine& Ptr(const void* p) { return Add("0x").Hex(reinterpret_cast<uintptr_t>(p), 0); }
  // NUL-terminated, for LogSafe.
  const char* c_str() {
    buf_[len_] = '\0';
    return buf_;
  }
  std::string_view view() const { return {buf_, len_}; }

 private:
  size_t Room() const { return sizeof(buf_) - 1 - len_; }
  char buf_[1024];
  size_t len_ = 0;
};

void Raw(std::string_view s) { common::LogSafeRaw(s.data(), s.size()); }

// ---- guarded (not signal-safe) sections ----

// Runs fn, which may allocate or take locks; if it faults (or aborts), the
// handler jumps back here and the report continues without it.
// A section stuck on a lock the crashed code held (the allocator's, say)
// is cut short after this long: SIGALRM jumps out as a fault would.
constexpr unsigned kSectionSeconds = 5;

void OnSectionTimeout(int) {
  if (g_guarded) siglongjmp(g_guard_jmp, 2);
}

template <typename F>
void Guarded(const char* what, F fn) {
  struct sigaction act = {};
  sigemptyset(&act.sa_mask);
  act.sa_flags = SA_NODEFER;
  act.sa_handler = OnSectionTimeout;
  sigaction(SIGALRM, &act, nullptr);
  int jumped = sigsetjmp(g_guard_jmp, 1);
  if (jumped == 0) {
    g_guarded = 1;
    alarm(kSectionSeconds);
    fn();
    alarm(0);
    g_guarded = 0;
  } else {
    alarm(0);
    g_guarded = 0;
    SafeLine l;
    l.Add(jumped == 2 ? "Timed out" : "Crashed again").Add(" while writing the ").Add(what);
    l.Add(" section: skipped");
    common::LogSafe(l.c_str());
  }
}

// ---- report sections ----

void BugReportStart() { Raw("\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===\n"); }

void LogStackTrace(void* eip, int uplevel) {
  void* trace[kMaxFrames];
  int n = backtrace(trace, kMaxFrames);
  int fd = common::LogFd();
  Raw("\n------ STACK TRACE ------\n");
  if (eip != nullptr) {
    Raw("EIP:\n");
    backtrace_symbols_fd(&eip, 1, fd);
  }
  Raw("\nBacktrace:\n");
  uplevel++;  // this function
  if (n > uplevel) backtrace_symbols_fd(trace + uplevel, n - uplevel, fd);
}

void* InstructionPointer(const ucontext_t* uc) {
#if defined(__x86_64__)
  return reinterpret_cast<void*>(uc->uc_mcontext.gregs[REG_RIP]);
#elif defined(__aarch64__)
  return reinterpret_cast<void*>(uc->uc_mcontext.pc);
#else
  (void)uc;
  return nullptr;
#endif
}

void LogRegisters(const ucontext_t* uc) {
  Raw("\n------ REGISTERS ------\n");
#if defined(__x86_64__)
  // Redis's order and layout for Linux AMD64.
  static const struct {
    const char* name;
    int reg;
    const char* sep;
  } kRegs[] = {{"RAX", REG_RAX, " "}, {"RBX", REG_RBX, "\n"}, {"RCX", REG_RCX, " "}, {"RDX", REG_RDX, "\n"},
               {"RDI", REG_RDI, " "}, {"RSI", REG_RSI, "\n"}, {"RBP", REG_RBP, " "}, {"RSP", REG_RSP, "\n"},
               {"R8 ", REG_R8, " "},  {"R9 ", REG_R9, "\n"},  {"R10", REG_R10, " "}, {"R11", REG_R11, "\n"},
               {"R12", REG_R12, " "}, {"R13", REG_R13, "\n"}, {"R14", REG_R14, " "}, {"R15", REG_R15, "\n"},
               {"RIP", REG_RIP, " "}, {"EFL", REG_EFL, "\n"}, {"CSGSFS", REG_CSGSFS, ""}};
  SafeLine l;
  l.Add("\n");
  for (const auto& r : kRegs)
    l.Add(r.name).Add(":").Hex(static_cast<uint64_t>(uc->uc_mcontext.gregs[r.reg]), 16).Add(r.sep);
  common::LogSafe(l.c_str());
  // The top of the stack, highest address first.
  auto** sp = reinterpret_cast<void**>(uc->uc_mcontext.gregs[REG_RSP]);
  for (int i = 15; i >= 0; i--) {
    SafeLine s;
    s.Add("(").Hex(reinterpret_cast<uintptr_t>(sp + i), 16).Add(") -> ");
    s.Hex(reinterpret_cast<uintptr_t>(sp[i]), 16);
    common::LogSafe(s.c_str());
  }
#else
  (void)uc;
  common::LogSafe("  Dumping of registers not supported for this OS/arch");
#endif
}

void LogCurrentClient() {
  const commands::Client* c = g_current;
  if (c == nullptr) return;
  Raw("\n------ CURRENT CLIENT INFO ------\n");
  Raw(ClientInfoLine(*c) + "\n");
  for (size_t j = 0; j < c->argv.size(); j++) {
    std::string_view a = c->argv[j];
    if (a.size() > kMaxArgShown) a = a.substr(0, kMaxArgShown);
    Raw("argv[" + std::to_string(j) + "]: '" + common::Repr(a) + "'\n");
  }
  // The first argument is usually a key: describe its value if it exists.
  if (c->argv.size() > 1 && c->db != nullptr) {
    const ds::DictEntry* de = c->db->FindEntry(c->argv[1]);
    if (de != nullptr) {
      const object::Object* o = db::EntryValue(de);
      std::string key(c->argv[1]);
      common::Log(common::LogLevel::kWarning, "key '%s' found in DB containing the following object:",
                  key.c_str());
      common::Log(common::LogLevel::kWarning, "Object type: %u", static_cast<unsigned>(o->type));
      common::Log(common::LogLevel::kWarning, "Object encoding: %u", static_cast<unsigned>(o->encoding));
      common::Log(common::LogLevel::kWarning, "Object refcount: %d", o->refcount);
    }
  }
}

// Redis's memtest_preserving_test, simplified: every word of each
// anonymous writable mapping gets two complementary patterns and its
// value back. Regions holding the running stack, the alternate stack or
// the backup buffer are skipped.
unsigned char g_backup[4096];
char g_maps[256 * 1024];
void* g_alt_stack = nullptr;

bool TestChunk(uint64_t* p, size_t words) {
  memcpy(g_backup, p, words * sizeof(uint64_t));
  bool ok = true;
  for (uint64_t pattern : {uint64_t{0xaaaaaaaaaaaaaaaa}, uint64_t{0x5555555555555555}}) {
    volatile uint64_t* v = p;
    for (size_t i = 0; i < words; i++) v[i] = pattern ^ i;
    for (size_t i = 0; i < words; i++)
      if (v[i] != (pattern ^ i)) ok = false;
  }
  memcpy(p, g_backup, words * sizeof(uint64_t));
  return ok;
}

bool Contains(uintptr_t start, uintptr_t end, const void* p) {
  auto a = reinterpret_cast<uintptr_t>(p);
  return a >= start && a < end;
}

uintptr_t ParseHex(const char*& s) {
  uintptr_t v = 0;
  for (;; s++) {
    char ch = *s;
    if (ch >= '0' && ch <= '9') {
      v = v * 16 + static_cast<uintptr_t>(ch - '0');
    } else if (ch >= 'a' && ch <= 'f') {
      v = v * 16 + static_cast<uintptr_t>(ch - 'a' + 10);
    } else {
      return v;
    }
  }
}

// Regions are listed first, then tested with a '.' before and an 'O' (or
// 'E') after each, as Redis prints them.
constexpr int kMaxRegions = 128;
uintptr_t g_region_start[kMaxRegions];
uintptr_t g_region_end[kMaxRegions];

bool FastMemoryTest() {
  int fd = open("/proc/self/maps", O_RDONLY);
  if (fd < 0) return false;
  size_t len = 0;
  ssize_t n;
  while (len < sizeof(g_maps) - 1 && (n = read(fd, g_maps + len, sizeof(g_maps) - 1 - len)) > 0)
    len += static_cast<size_t>(n);
  close(fd);
  g_maps[len] = '\0';
  int here = 0;
  int regions = 0;
  for (char* line = g_maps; *line && regions < kMaxRegions;) {
    char* eol = strchr(line, '\n');
    if (eol) *eol = '\0';
    // "start-end perms offset dev inode [path]": anonymous rw mappings only.
    const char* s = line;
    uintptr_t start = ParseHex(s);
    s++;
    uintptr_t end = ParseHex(s);
    bool anonymous = strstr(line, " 00:00 ") != nullptr && strstr(line, "[") == nullptr;
    bool writable = s[1] == 'r' && s[2] == 'w';
    if (anonymous && writable && end > start && !Contains(start, end, &here) && !Contains(start, end, g_backup) &&
        !Contains(start, end, g_alt_stack) && !Contains(start, end, g_maps)) {
      SafeLine l;
      l.Add("*** Preparing to test memory region ").Hex(start, 0).Add(" (").Dec(static_cast<int64_t>(end - start));
      l.Add(" bytes)\n");
      Raw(l.view());
      g_region_start[regions] = start;
      g_region_end[regions] = end;
      regions++;
    }
    if (!eol) break;
    line = eol + 1;
  }
  int errors = 0;
  for (int r = 0; r < regions; r++) {
    Raw(".");
    bool ok = true;
    for (uintptr_t a = g_region_start[r]; a < g_region_end[r]; a += sizeof(g_backup)) {
      size_t bytes = g_region_end[r] - a < sizeof(g_backup) ? g_region_end[r] - a : sizeof(g_backup);
      ok &= TestChunk(reinterpret_cast<uint64_t*>(a), bytes / sizeof(uint64_t));
    }
    if (!ok) errors++;
    Raw(errors ? "E" : "O");
  }
  Raw("\n");
  return errors == 0;
}

void PrintCrashReport() {
  Guarded("INFO", [] {
    Raw("\n------ INFO OUTPUT ------\n");
    Raw(GenInfo({"all"}));
  });
  Guarded("CLIENT LIST", [] {
    Raw("\n------ CLIENT LIST OUTPUT ------\n");
    std::string all;
    for (const auto& [id, c] : Runtime().clients) all += ClientInfoLine(*c) + "\n";
    Raw(all);
  });
  Guarded("CURRENT CLIENT", LogCurrentClient);
  Raw("\n------ MODULES INFO OUTPUT ------\n");
  Guarded("CONFIG DEBUG", [] {
    Raw("\n------ CONFIG DEBUG OUTPUT ------\n");
    std::string text;
    for (const auto& [name, value] : ConfigRegistry::Get().GetMatching(
             {"io-threads", "io-threads-do-reads", "sanitize-dump-payload", "list-compress-depth",
              "lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del",
              "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush", "activedefrag", "tier-mode", "tier-policy"}))
      text += name + " " + value + "\n";
    Raw(text);
  });
  if (Config().crash_memcheck_enabled) {
    Raw("\n------ FAST MEMORY TEST ------\n");
    if (FastMemoryTest()) {
      Raw("Fast memory test PASSED, however your memory can still be broken. Please run a memory test for "
          "several hours if possible.\n");
    } else {
      Raw("!!! MEMORY ERROR DETECTED! Check your memory ASAP !!!\n");
    }
  }
}

void RemoveHandlers() {
  struct sigaction act = {};
  sigemptyset(&act.sa_mask);
  act.sa_flags = SA_NODEFER | SA_RESETHAND;
  act.sa_handler = SIG_DFL;
  for (int sig : kCrashSignals) sigaction(sig, &act, nullptr);
}

[[noreturn]] void BugReportEnd(bool kill_by_signal, int sig) {
  Raw("\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n\n"
      "       Please report the crash by opening an issue on github:\n\n"
      "           http://github.com/redis/redis/issues\n\n"
      "  If a Redis module was involved, please open in the module's repo instead.\n\n"
      "  Suspect RAM error? Use redis-server --test-memory to verify it.\n\n"
      "  Some other issues could be detected by redis-server --check-system\n");
  const auto& cfg = Config();
  if (cfg.daemonize && !cfg.pidfile.empty()) unlink(cfg.pidfile.c_str());
  RemoveHandlers();
  if (!kill_by_signal) {
    if (cfg.use_exit_on_panic) _exit(1);  // for leak checkers that dislike abort()
    abort();
  }
  // The signal's own default action: a core dump where enabled, and the
  // exit status a supervisor expects.
  kill(getpid(), sig);
  _exit(128 + sig);  // not reached
}

void CrashHandler(int sig, siginfo_t* info, void* secret) {
  if (g_reporting) {
    // A fault inside a guarded section: skip the rest of that section.
    if (g_guarded && pthread_equal(pthread_self(), g_reporter)) siglongjmp(g_guard_jmp, 1);
    // Another thread: wait for the report to end the process.
    if (!pthread_equal(pthread_self(), g_reporter))
      for (;;) pause();
    // The signal-safe part itself failed: give up with the default action.
    RemoveHandlers();
    raise(sig);
    _exit(128 + sig);
  }
  g_reporting = 1;
  g_reporter = pthread_self();
  BugReportStart();
  SafeLine l;
  l.Add("Redis ").Add(commands::kRedisVersion).Add(" crashed by signal: ").Dec(sig);
  l.Add(", si_code: ").Dec(info->si_code);
  common::LogSafe(l.c_str());
  if (sig == SIGSEGV || sig == SIGBUS) {
    SafeLine a;
    a.Add("Accessing address: ").Ptr(info->si_addr);
    common::LogSafe(a.c_str());
  }
  if (info->si_code == SI_USER && info->si_pid != -1) {
    SafeLine k;
    k.Add("Killed by PID: ").Dec(info->si_pid).Add(", UID: ").Dec(info->si_uid);
    common::LogSafe(k.c_str());
  }
  auto* uc = static_cast<ucontext_t*>(secret);
  void* eip = InstructionPointer(uc);
  if (eip != nullptr) {
    SafeLine e;
    e.Add("Crashed running the instruction at: ").Ptr(eip);
    common::LogSafe(e.c_str());
  }
  LogStackTrace(eip, 1);
  LogRegisters(uc);
  PrintCrashReport();
  BugReportEnd(true, sig);
}

// TD_ASSERT and Panic: their lines, then the same report, then abort().
void FatalReport(const char* const* lines, int n) {
  g_reporting = 1;
  g_reporter = pthread_self();
  BugReportStart();
  for (int i = 0; i < n; i++) common::LogSafe(lines[i]);
  if (Config().crash_log_enabled) {
    LogStackTrace(nullptr, 1);
    PrintCrashReport();
  }
  BugReportEnd(false, 0);
}

}  // namespace

void SetupCrashHandlers(bool enabled) {
  common::SetFatalReporter(FatalReport);
  if (!enabled) {
    RemoveHandlers();
    return;
  }
  // backtrace() loads libgcc on its first call, which allocates: do it now,
  // not in the handler.
  void* warm[2];
  backtrace(warm, 2);
  if (g_alt_stack == nullptr) {
    void* p = mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      stack_t ss = {};
      ss.ss_sp = p;
      ss.ss_size = kAltStackSize;
      if (sigaltstack(&ss, nullptr) == 0) g_alt_stack = p;
    }
  }
  struct sigaction act = {};
  sigemptyset(&act.sa_mask);
  // SA_NODEFER: a fault inside a guarded section reaches the handler again.
  act.sa_flags = SA_NODEFER | SA_SIGINFO | (g_alt_stack ? SA_ONSTACK : 0);
  act.sa_sigaction = CrashHandler;
  for (int sig : kCrashSignals) sigaction(sig, &act, nullptr);
}

void SetCurrentClient(const commands::Client* c) { g_current = c; }

void CrashBySegfault() {
  // A write to a mapped read-only page: a genuine SIGSEGV the compiler
  // cannot see coming.
  auto* p = static_cast<volatile char*>(mmap(nullptr, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  *p = 'x';
  abort();
}

}  // namespace server
