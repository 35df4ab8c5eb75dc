// A client connection as the command layer sees it: its arguments, its
// selected db, its reply stream and its transaction state. The server layer
// (src/server) owns the socket and moves bytes; commands only read argv and
// write replies through `reply`.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "acl/acl.h"
#include "db/db.h"
#include "net/input_buffer.h"
#include "resp/parser.h"
#include "resp/reply.h"

namespace net {
class TlsConn;
}

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
  kClientPostponed = 1u << 15,      // held back by CLIENT PAUSE, command unexecuted (commands/pause.h)
  kClientPubSub = 1u << 16,         // subscribed to a channel, pattern or shard channel (commands/pubsub.h)
  // CLIENT TRACKING (commands/tracking.h)
  kClientTracking = 1u << 17,
  kClientTrackingBcast = 1u << 18,
  kClientTrackingOptin = 1u << 19,
  kClientTrackingOptout = 1u << 20,
  kClientTrackingCaching = 1u << 21,     // CLIENT CACHING YES/NO applies to the next command
  kClientTrackingNoloop = 1u << 22,
  kClientTrackingBrokenRedir = 1u << 23,  // the redirect target is gone
  kClientMonitor = 1u << 24,             // MONITOR (commands/monitor.h)
  kClientDenyBlocking = 1u << 25,   // never blocks (the AOF loader's client: Redis's CLIENT_DENY_BLOCKING)
  kClientMustObey = 1u << 26,       // replays what was propagated (the AOF loader, our master: Redis's mustObeyClient)
  kClientScript = 1u << 27,         // the client scripts run commands through (Redis's CLIENT_SCRIPT)
  // Cluster (src/cluster): ASKING for the next command; READONLY.
  kClientAsking = 1u << 28,
  kClientReadonly = 1u << 29,
  // Replication (src/repl): a replica connected to us, and our master's link.
  kClientSlave = uint64_t{1} << 40,
  kClientMaster = uint64_t{1} << 41,
};

struct BlockedState;  // commands/blocking.cc
struct PubsubState;   // commands/pubsub.cc

// One key a client WATCHes (Redis's watchedKey).
struct WatchedKey {
  int db;
  std::string key;
  // The key existed but was logically expired when WATCHed: its deletion
  // (by expiry or a flush) is then no change, and EXEC ignores its expiry.
  bool expired;
};

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
  net::TlsConn* tls = nullptr;  // a TLS connection's state (owned; server/networking.cc frees it)
  uint64_t flags = 0;
  std::string name;
  std::string addr;   // "ip:port" or "path:0" for unix sockets
  std::string laddr;
  int resp = 2;
  bool authenticated = false;
  // The ACL user whose permissions apply; nullptr: none apply (internal
  // clients: the AOF loader). Network clients start as acl::DefaultUser().
  const acl::User* user = nullptr;

  int db_index = 0;
  db::Db* db = nullptr;

  // Input
  net::InputBuffer querybuf;
  size_t qb_pos = 0;  // bytes of querybuf already consumed
  size_t querybuf_peak = 0;
  size_t read_ahead = 0;
  size_t mem_usage = 0;   // as counted for client eviction (server/maxmemory.h)  // querybuf capacity reserved ahead of data for a big argument (server.cc)
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
  bool force_repl_propagation = false;  // ForceReplicationPropagation
  // The replication offset just past this client's last propagated write
  // (State::repl_offset after it): what WAIT waits for.
  int64_t woff = 0;

  // Blocking commands: set while kClientBlocked (commands/blocking.h).
  BlockedState* blocked = nullptr;

  // Pub/sub subscriptions: set while kClientPubSub (commands/pubsub.h).
  PubsubState* pubsub = nullptr;
  // CLIENT TRACKING: the client invalidations go to (0: this one), and the
  // BCAST prefixes (commands/tracking.h).
  uint64_t tracking_redirect = 0;
  std::vector<std::string> tracking_prefixes;
  // Frames delivered to this client while its own command's reply was
  // being built (inside EXEC, or with a deferred length pending): they
  // follow that reply instead of landing inside it (commands/deliver.h).
  std::string pending_push;

  // Transactions
  std::vector<QueuedCommand> mstate;
  std::vector<WatchedKey> watched;

  // Arguments of the current command that MONITOR shows as "(redacted)"
  // (bit i: argv[i]); AUTH and HELLO set them, each command starts clear.
  uint64_t redacted_args = 0;
  void RedactArgument(size_t i) {
    if (i < 64) redacted_args |= uint64_t{1} << i;
  }

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

// Calls draw(n) until `count` items are drawn, n at most 1024 at a time,
// and stops early once the reply overflowed the client's output limit
// (resp::ReplyBuilder): for SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a
// negative count, whose reply only the client's number bounds (up to
// 2^63 elements). Redis stops the same loops on CLIENT_CLOSE_ASAP.
template <typename F>
void DrawWhileReplying(Client& c, uint64_t count, F draw) {
  constexpr uint64_t kPiece = 1024;
  for (uint64_t done = 0; done < count && !c.reply.overflowed(); done += kPiece)
    draw(count - done < kPiece ? count - done : kPiece);
}

// Redis's addReplyHelp: "<COMMAND> <subcommand> [<arg> [value] [opt] ...].
// Subcommands are:", the caller's lines, then HELP and its line, all as
// status replies.
void ReplyHelp(Client& c, const char* command, std::initializer_list<const char*> lines);

// Redis's addReplySubcommandSyntaxError: "ERR unknown subcommand or wrong
// number of arguments for '<argv[1]>'. Try <ARGV[0]> HELP.", for
// subcommands that check their own argument count.
void AddSubcommandSyntaxError(Client& c);

// Error statistics (INFO errorstats): counts by the error's first word.
void CountError(std::string_view msg);

}  // namespace commands
