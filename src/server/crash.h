// Crash reports, as Redis 7.0 writes them (debug.c's sigsegvHandler and
// _serverAssert): on SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGABRT, and on a
// failed TD_ASSERT or a Panic, the log gets
//
//   === REDIS BUG REPORT START: Cut & paste starting from here ===
//   ... Redis 7.0.15 crashed by signal: 11, si_code: 2     (or the assertion)
//   ------ STACK TRACE ------        glibc backtrace_symbols_fd
//   ------ REGISTERS ------          x86-64 only
//   ------ INFO OUTPUT ------        INFO all
//   ------ CLIENT LIST OUTPUT ------
//   ------ CURRENT CLIENT INFO ------  the command being run, its arguments
//   ------ MODULES INFO OUTPUT ------
//   ------ CONFIG DEBUG OUTPUT ------
//   ------ FAST MEMORY TEST ------   with crash-memcheck-enabled
//   === REDIS BUG REPORT END. Make sure to include from START to END. ===
//
// and then the process ends by the signal's default action (a core dump
// where enabled; supervisors see the signal), or abort() after an assertion.
//
// Signal safety: the header lines, the stack trace, the registers, the
// memory test and the trailer are written with write(2) and hand-made
// formatting only. INFO and the client lists need the allocator, so each
// of those sections runs guarded: a second fault inside one jumps back
// (siglongjmp) and the report goes on with the next section, so the
// trailer is always written; a section stuck for 5 s (on an allocator lock
// the crashed code held, say) is cut short the same way by SIGALRM. A
// fault in another thread while the report is
// being written parks that thread until the process ends.
//
// crash-log-enabled no removes the handlers (the signal then acts as if
// there were none); crash-memcheck-enabled no skips the memory test.
#pragma once

namespace commands {
struct Client;
}

namespace server {

// Installs the handlers (enabled) or restores the default actions. Called
// at start-up and whenever crash-log-enabled changes. Also makes TD_ASSERT
// and Panic write the report.
void SetupCrashHandlers(bool enabled);

// The client whose command is running (nullptr between commands): the
// report's CURRENT CLIENT INFO.
void SetCurrentClient(const commands::Client* c);

// DEBUG SEGFAULT: a write to a read-only page (a real SIGSEGV).
[[noreturn]] void CrashBySegfault();

}  // namespace server
