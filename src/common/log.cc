#include "common/log.h"

// syslog.h defines LOG_DEBUG, LOG_NOTICE and LOG_WARNING (priorities) over
// our logging macros: this file uses only the priorities.

#include <sys/time.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common/macros.h"

namespace common {
namespace {

LogLevel g_level = LogLevel::kNotice;
FILE* g_file = nullptr;  // nullptr: stdout
std::string g_path;
char g_role = 'M';
bool g_syslog = false;
// Seconds east of UTC at the last logged line: the signal-safe path cannot
// call localtime_r (it may take locks and read files).
long g_gmtoff = 0;
FatalReporter g_fatal = nullptr;

// Appends n in decimal, at least `width` digits (zero-padded).
char* PutUint(char* p, uint64_t n, int width) {
  char tmp[24];
  int len = 0;
  do {
    tmp[len++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0);
  while (len < width) tmp[len++] = '0';
  while (len > 0) *p++ = tmp[--len];
  return p;
}

// "07 Dec 2026 05:12:01.123" for the Unix time in ms (already shifted to
// local time), from the days-to-civil algorithm (no libc calls).
char* PutTime(char* p, int64_t ms) {
  static const char kMonths[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t secs = ms / 1000;
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  days += 719468;
  int64_t era = days / 146097;
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2);
  p = PutUint(p, static_cast<uint64_t>(day), 2);
  *p++ = ' ';
  memcpy(p, kMonths[month - 1], 3);
  p += 3;
  *p++ = ' ';
  p = PutUint(p, static_cast<uint64_t>(year), 4);
  *p++ = ' ';
  p = PutUint(p, static_cast<uint64_t>(rem / 3600), 2);
  *p++ = ':';
  p = PutUint(p, static_cast<uint64_t>(rem / 60 % 60), 2);
  *p++ = ':';
  p = PutUint(p, static_cast<uint64_t>(rem % 60), 2);
  *p++ = '.';
  return PutUint(p, static_cast<uint64_t>(ms % 1000), 3);
}

void WriteAll(int fd, const char* s, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, s, n);
    if (w <= 0) return;
    s += w;
    n -= static_cast<size_t>(w);
  }
}

}  // namespace

void EnableSyslog(const std::string& ident, const std::string& facility_name) {
  static const int kLocal[] = {LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                               LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
  int facility = LOG_USER;
  if (facility_name.size() == 6 && facility_name.compare(0, 5, "local") == 0 && facility_name[5] >= '0' &&
      facility_name[5] <= '7')
    facility = kLocal[facility_name[5] - '0'];
  // openlog keeps the pointer: the ident must outlive the process's logging.
  static std::string* kept = new std::string(ident);
  *kept = ident;
  openlog(kept->c_str(), LOG_PID | LOG_NDELAY | LOG_NOWAIT, facility);
  g_syslog = true;
}

int LogFd() { return g_file ? fileno(g_file) : STDOUT_FILENO; }

void LogSafeRaw(const char* s, size_t n) { WriteAll(LogFd(), s, n); }
void LogSafeRaw(const char* s) { LogSafeRaw(s, strlen(s)); }

void LogSafe(const char* msg) {
  char line[1100];
  char* p = line;
  p = PutUint(p, static_cast<uint64_t>(getpid()), 1);
  *p++ = ':';
  *p++ = g_role;
  *p++ = ' ';
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  p = PutTime(p, static_cast<int64_t>(ts.tv_sec + g_gmtoff) * 1000 + ts.tv_nsec / 1000000);
  memcpy(p, " # ", 3);
  p += 3;
  size_t n = strlen(msg);
  size_t room = static_cast<size_t>(line + sizeof(line) - 1 - p);
  if (n > room) n = room;
  memcpy(p, msg, n);
  p += n;
  *p++ = '\n';
  LogSafeRaw(line, static_cast<size_t>(p - line));
}

void SetFatalReporter(FatalReporter fn) { g_fatal = fn; }

void SetLogLevel(LogLevel level) { g_level = level; }
LogLevel GetLogLevel() { return g_level; }
void SetLogRole(char role) { g_role = role; }

bool SetLogFile(const std::string& path) {
  if (path.empty()) {
    if (g_file) fclose(g_file);
    g_file = nullptr;
    g_path.clear();
    return true;
  }
  FILE* f = fopen(path.c_str(), "a");
  if (!f) return false;
  if (g_file) fclose(g_file);
  g_file = f;
  g_path = path;
  return true;
}

void LogRaw(LogLevel level, const char* fmt, va_list ap) {
  if (static_cast<int>(level) < static_cast<int>(g_level)) return;
  static const char kMarks[] = ".-*#";
  char msg[4096];
  vsnprintf(msg, sizeof(msg), fmt, ap);

  struct timeval tv;
  gettimeofday(&tv, nullptr);
  struct tm tm;
  localtime_r(&tv.tv_sec, &tm);
  g_gmtoff = tm.tm_gmtoff;
  char when[64];
  size_t off = strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &tm);
  snprintf(when + off, sizeof(when) - off, "%03d", static_cast<int>(tv.tv_usec / 1000));

  FILE* out = g_file ? g_file : stdout;
  int idx = static_cast<int>(level);
  if (idx < 0 || idx > 3) idx = 3;
  fprintf(out, "%d:%c %s %c %s\n", static_cast<int>(getpid()), g_role, when, kMarks[idx], msg);
  fflush(out);
  if (g_syslog) {
    static const int kPriorities[] = {LOG_DEBUG, LOG_INFO, LOG_NOTICE, LOG_WARNING};
    syslog(kPriorities[idx], "%s", msg);
  }
}

void LogVerbatim(LogLevel level, const std::string& text) {
  if (static_cast<int>(level) < static_cast<int>(g_level)) return;
  FILE* out = g_file ? g_file : stdout;
  fwrite(text.data(), 1, text.size(), out);
  fflush(out);
}

bool LogIsTerminal() { return g_file == nullptr && isatty(STDOUT_FILENO); }

void Log(LogLevel level, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  LogRaw(level, fmt, ap);
  va_end(ap);
}

void AssertFailed(const char* expr, const char* file, int line) {
  char where[512];
  snprintf(where, sizeof(where), "==> %s:%d '%s' is not true", file, line, expr);
  const char* lines[] = {"=== ASSERTION FAILED ===", where};
  if (g_fatal) g_fatal(lines, 2);
  for (const char* l : lines) Log(LogLevel::kWarning, "%s", l);
  abort();
}

void Panic(const char* fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  char guru[1100];
  snprintf(guru, sizeof(guru), "Guru Meditation: %s", msg);
  const char* lines[] = {"------------------------------------------------",
                         "!!! Software Failure. Press left mouse button to continue", guru};
  if (g_fatal) g_fatal(lines, 3);
  for (const char* l : lines) Log(LogLevel::kWarning, "%s", l);
  abort();
}

}  // namespace common
