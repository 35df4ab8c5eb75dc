// Compiler hints and the invariant checks every layer uses.
//
// TD_ASSERT guards invariants that hold whatever a client sends: when one
// breaks, the process state is not trustworthy, so we log where and abort
// (as Redis's serverAssert does). It is never turned into a client error and
// never compiled out: the checks we keep are cheap.
#pragma once

#define TD_LIKELY(x) __builtin_expect(!!(x), 1)
#define TD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define TD_NOINLINE __attribute__((noinline))
#define TD_ALWAYS_INLINE inline __attribute__((always_inline))

namespace common {
// Logs "ASSERTION FAILED" with the expression and location, then aborts.
[[noreturn]] void AssertFailed(const char* expr, const char* file, int line);
// Logs the message and aborts: for states the code cannot continue from.
[[noreturn]] void Panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
}  // namespace common

#define TD_ASSERT(expr) \
  (TD_LIKELY(expr) ? (void)0 : ::common::AssertFailed(#expr, __FILE__, __LINE__))
