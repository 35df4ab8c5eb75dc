// Logging in Redis's format, so operators' log tooling keeps working:
//
//   <pid>:<role> <day> <mon> <year> <hh:mm:ss.mmm> <level-char> <message>
//
// with level chars '.' debug, '-' verbose, '*' notice, '#' warning, and role
// 'M' (main), 'C' (forked child). Output goes to stdout until SetLogFile()
// names a file. Lines below the configured level cost one compare. With
// syslog enabled (EnableSyslog), each line also goes to syslog(3).
//
// The crash path (server/crash.cc) writes through LogSafe/LogSafeRaw, which
// only call write(2) and format by hand: async-signal-safe, usable inside
// a SIGSEGV handler.
#pragma once

#include <cstdarg>
#include <string>

namespace common {

enum class LogLevel : int { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3, kNothing = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Empty path: standard output. Returns false (and keeps the old target) if
// the file cannot be opened for appending.
bool SetLogFile(const std::string& path);
// The role character in each line: 'M' in the server, 'C' in a forked child.
void SetLogRole(char role);

// Also send every line to syslog(3) as Redis's syslog-enabled does, under
// ident and facility ("user", "local0".."local7": syslog-facility's names).
void EnableSyslog(const std::string& ident, const std::string& facility);

void LogRaw(LogLevel level, const char* fmt, va_list ap);
// Writes text as it is, without the line prefix (Redis's LL_RAW), e.g. the
// start-up logo.
void LogVerbatim(LogLevel level, const std::string& text);
// True when the log goes to standard output and that is a terminal.
bool LogIsTerminal();
void Log(LogLevel level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// ---- async-signal-safe output (crash reports) ----

// The descriptor log lines go to (the log file, or standard output).
int LogFd();
// One warning line with the usual prefix (pid, role, time, '#'), written
// with write(2) only. Lines longer than ~1000 bytes are cut.
void LogSafe(const char* msg);
// Bytes as they are, with write(2) only (Redis's LL_RAW).
void LogSafeRaw(const char* s, size_t n);
void LogSafeRaw(const char* s);

// Called by AssertFailed and Panic with the lines that describe the
// failure, instead of just logging them: the server installs one that
// writes Redis's bug report around them. It must not return.
using FatalReporter = void (*)(const char* const* lines, int n);
void SetFatalReporter(FatalReporter fn);

}  // namespace common

#define TD_LOG(level, ...)                                            \
  do {                                                                \
    if (static_cast<int>(level) >= static_cast<int>(::common::GetLogLevel())) \
      ::common::Log(level, __VA_ARGS__);                              \
  } while (0)
#define LOG_DEBUG(...) TD_LOG(::common::LogLevel::kDebug, __VA_ARGS__)
#define LOG_VERBOSE(...) TD_LOG(::common::LogLevel::kVerbose, __VA_ARGS__)
#define LOG_NOTICE(...) TD_LOG(::common::LogLevel::kNotice, __VA_ARGS__)
#define LOG_WARNING(...) TD_LOG(::common::LogLevel::kWarning, __VA_ARGS__)
