// A client connection as the command layer sees it: its arguments, its
// selected db, its reply stream and its transaction state. The server layer
// (src/server) owns the socket and moves bytes; commands only read argv and
// write replies through `reply`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/db.h"
#include "net/input_buffer.h"
#include "resp/parser.h"
#include "resp/reply.h"

namespace commands {

struct CommandSpec;

enum ClientFlag : uint64_t {
  kClientMulti = 1u << 0,          // inside MULTI
  kClientDirtyCas = 1u << 1,       // a WATCHed key was modified
  kClientDirtyExec = 1u << 2,      // a command failed to queue: EXEC aborts
  kClientCloseAfterReply = 1u << 3,
  kClientCloseAsap = 1u << 4,
  kClientReplyOff = 1u << 5,
  kClientReplySkipNext = 1u << 6,
  kClientReplySkip = 1u << 7,
  kClientNoEvict = 1u << 8,
  kClientUnixSocket = 1u << 9,
  kClientPendingWrite = 1u << 10,
  kClientExecuting = 1u << 11,
  kClientNoTouch = 1u << 12,
  kClientBlocked = 1u << 13,        // waiting in a blocking command (commands/blocking.h)
  kClientInExec = 1u << 14,         // EXEC is running the queued commands
  kClientDenyBlocking = 1u << 15,   // never blocks (the AOF loader's client: Redis's CLIENT_DENY_BLOCKING)
};

struct BlockedState;  // commands/blocking.cc

struct QueuedCommand {
  const CommandSpec* cmd;
  std::vector<std::string> argv;  // owned copies: the query buffer moves on
};

struct Client {
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  uint64_t id = 0;
  int fd = -1;
  uint64_t flags = 0;
  std::string name;
  std::string addr;   // "ip:port" or "path:0" for unix sockets
  std::string laddr;
  int resp = 2;
  bool authenticated = false;

  int db_index = 0;
  db::Db* db = nullptr;

  // Input
  net::InputBuffer querybuf;
  size_t qb_pos = 0;  // bytes of querybuf already consumed
  size_t querybuf_peak = 0;
  resp::RequestParser parser;
  std::vector<std::string_view> argv;  // the command being executed
  const CommandSpec* cmd = nullptr;
  const CommandSpec* lastcmd = nullptr;

  // Output
  std::string outbuf;
  size_t out_pos = 0;  // bytes of outbuf already written to the socket
  resp::ReplyBuilder reply;

  int64_t ctime_ms = 0;
  int64_t obuf_soft_limit_since_ms = 0;  // 0: under the soft limit
  int64_t last_interaction_ms = 0;
  uint64_t commands_processed = 0;

  // Propagation of the command being executed (AOF; replication later).
  // A write command that changed the dataset is propagated as its argv
  // unless it says otherwise through the functions of commands/propagate.h,
  // which fill these; the dispatcher resets them before each call.
  std::vector<std::string> propagate_argv;              // replaces argv when non-empty
  std::vector<std::vector<std::string>> also_propagate;  // extra commands, in order
  bool prevent_propagation = false;

  // Blocking commands: set while kClientBlocked (commands/blocking.h).
  BlockedState* blocked = nullptr;

  // Transactions
  std::vector<QueuedCommand> mstate;
  std::vector<std::pair<int, std::string>> watched;  // (db, key)

  // Pending reply bytes not yet written.
  size_t PendingOutput() const { return outbuf.size() - out_pos; }
  bool InMulti() const { return flags & kClientMulti; }

  // ---- reply helpers ----
  void AddError(std::string_view msg);               // counts error stats
  void AddErrorFormat(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // "ERR wrong number of arguments for '<cmd>' command"
  void AddArityError();
  void AddSyntaxError();
};

// ---- argument parsing that replies on error (…OrReply) ----
// Each returns false after sending the error; the handler just returns.
bool GetInt64OrReply(Client& c, std::string_view arg, int64_t* out, const char* msg = nullptr);
bool GetPositiveInt64OrReply(Client& c, std::string_view arg, int64_t* out, const char* msg = nullptr);
bool GetRangeInt64OrReply(Client& c, std::string_view arg, int64_t min, int64_t max, int64_t* out,
                          const char* msg = nullptr);
bool GetLongDoubleOrReply(Client& c, std::string_view arg, long double* out, const char* msg = nullptr);
bool GetDoubleOrReply(Client& c, std::string_view arg, double* out, const char* msg = nullptr);

// Case-insensitive compare of an argument with a lower-case literal. Folds
// ASCII letters inline: tolower() in the C locale the server runs in does
// the same, at the cost of a libc call per byte on every command.
inline bool ArgIs(std::string_view arg, const char* lower) {
  for (char ch : arg) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + ('a' - 'A'));
    if (*lower == '\0' || ch != *lower) return false;
    lower++;
  }
  return *lower == '\0';
}

// Error statistics (INFO errorstats): counts by the error's first word.
void CountError(std::string_view msg);

}  // namespace commands
