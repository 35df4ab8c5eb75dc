#include "common/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/macros.h"

namespace common {
namespace {

LogLevel g_level = LogLevel::kNotice;
FILE* g_file = nullptr;  // nullptr: stdout
std::string g_path;
char g_role = 'M';

}  // namespace

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
  char when[64];
  size_t off = strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &tm);
  snprintf(when + off, sizeof(when) - off, "%03d", static_cast<int>(tv.tv_usec / 1000));

  FILE* out = g_file ? g_file : stdout;
  int idx = static_cast<int>(level);
  if (idx < 0 || idx > 3) idx = 3;
  fprintf(out, "%d:%c %s %c %s\n", static_cast<int>(getpid()), g_role, when, kMarks[idx], msg);
  fflush(out);
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
  Log(LogLevel::kWarning, "=== ASSERTION FAILED === %s:%d '%s'", file, line, expr);
  abort();
}

void Panic(const char* fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  Log(LogLevel::kWarning, "!!! PANIC: %s", msg);
  abort();
}

}  // namespace common
