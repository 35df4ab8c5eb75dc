#include "commands/client.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "commands/blocking.h"
#include "commands/errors.h"
#include "commands/monitor.h"
#include "commands/pubsub.h"
#include "commands/tracking.h"
#include "commands/registry.h"
#include "commands/state.h"
#include "common/util.h"

namespace commands {

Client::Client() : reply(&outbuf) {}
Client::~Client() {
  ForgetClient(*this);
  PubsubForgetClient(*this);
  DisableTracking(*this);
  StopMonitoring(*this);
}

void ReplyHelp(Client& c, const char* command, std::initializer_list<const char*> lines) {
  c.reply.ArrayHeader(lines.size() + 3);
  c.reply.SimpleString(std::string(command) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* l : lines) c.reply.SimpleString(l);
  c.reply.SimpleString("HELP");
  c.reply.SimpleString("    Prints this help.");
}

void AddSubcommandSyntaxError(Client& c) {
  std::string cmd(c.argv[0]);
  for (char& ch : cmd) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
  std::string sub(c.argv[1].substr(0, 128));
  c.AddErrorFormat("ERR unknown subcommand or wrong number of arguments for '%s'. Try %s HELP.", sub.c_str(),
                   cmd.c_str());
}

void CountError(std::string_view msg) {
  ServerStats& st = GetState().stats;
  st.total_error_replies++;
  size_t sp = msg.find(' ');
  std::string code(msg.substr(0, sp == std::string_view::npos ? msg.size() : sp));
  // Redis caps the errorstats table at 128 distinct codes.
  if (st.errors.size() < 128 || st.errors.count(code)) st.errors[code]++;
}

void Client::AddError(std::string_view msg) {
  CountError(msg);
  if (cmd) cmd->stats.failed_calls++;
  reply.Error(msg);
}

void Client::AddErrorFormat(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  AddError(buf);
}

void Client::AddArityError() {
  std::string name = cmd ? cmd->full_name : std::string(argv.empty() ? "" : argv[0]);
  AddErrorFormat("ERR wrong number of arguments for '%s' command", name.c_str());
}

void Client::AddSyntaxError() { AddError(err::kSyntax); }

bool GetInt64OrReply(Client& c, std::string_view arg, int64_t* out, const char* msg) {
  if (!common::StringToInt64(arg, out)) {
    c.AddError(msg ? msg : err::kNotInteger);
    return false;
  }
  return true;
}

bool GetPositiveInt64OrReply(Client& c, std::string_view arg, int64_t* out, const char* msg) {
  // As Redis's getPositiveLongFromObjectOrReply: without a message of the
  // caller's, a non-number also gets the "must be positive" text.
  if (msg == nullptr) msg = "ERR value is out of range, must be positive";
  if (!GetInt64OrReply(c, arg, out, msg)) return false;
  if (*out < 0) {
    c.AddError(msg);
    return false;
  }
  return true;
}

bool GetRangeInt64OrReply(Client& c, std::string_view arg, int64_t min, int64_t max, int64_t* out,
                          const char* msg) {
  if (!GetInt64OrReply(c, arg, out, msg)) return false;
  if (*out < min || *out > max) {
    if (msg) {
      c.AddError(msg);
    } else {
      c.AddErrorFormat("ERR value is out of range, value must between %lld and %lld",
                       static_cast<long long>(min), static_cast<long long>(max));
    }
    return false;
  }
  return true;
}

bool GetLongDoubleOrReply(Client& c, std::string_view arg, long double* out, const char* msg) {
  if (!common::StringToLongDouble(arg, out)) {
    c.AddError(msg ? msg : err::kNotFloat);
    return false;
  }
  return true;
}

namespace {

// Most digits of the integer fast path: every integer below 10^15 < 2^53 is
// an exact double, so the conversion equals strtod's correctly rounded one.
constexpr size_t kExactIntDigits = 15;

// Scores and weights are mostly small integers (redis-benchmark's ZADD
// sends them): parse "[-]<1..15 digits>" directly instead of through
// strtod (~550 instructions). Returns false for anything else, including a
// negative zero (strtod gives -0.0, which ZSCORE shows as "-0"), and the
// caller takes the general path.
bool ExactIntegerDouble(std::string_view s, double* out) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > kExactIntDigits) return false;
  int64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  if (negative && v == 0) return false;
  *out = static_cast<double>(negative ? -v : v);
  return true;
}

}  // namespace

bool GetDoubleOrReply(Client& c, std::string_view arg, double* out, const char* msg) {
  if (ExactIntegerDouble(arg, out)) return true;
  if (!common::StringToDouble(arg, out)) {
    c.AddError(msg ? msg : err::kNotFloat);
    return false;
  }
  return true;
}

}  // namespace commands
