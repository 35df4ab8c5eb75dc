// The DEBUG subcommands operators and test suites use beyond the basics in
// server_cmds.cc: DIGEST and DIGEST-VALUE (server/digest.h), PROTOCOL.
#include "server/debug.h"

#include <ctime>
#include <string>
#include <string_view>

#include "commands/client.h"
#include "common/log.h"
#include "common/macros.h"
#include "server/crash.h"
#include "server/digest.h"

namespace server {

using commands::ArgIs;
using commands::Client;

namespace {

// DEBUG PROTOCOL <type>: one reply of each RESP3 type with Redis's values,
// for client library tests.
void DebugProtocol(Client& c) {
  std::string_view name = c.argv[2];
  auto& r = c.reply;
  if (ArgIs(name, "string")) {
    r.Bulk("Hello World");
  } else if (ArgIs(name, "integer")) {
    r.Integer(12345);
  } else if (ArgIs(name, "double")) {
    r.Double(3.141);
  } else if (ArgIs(name, "bignum")) {
    r.BigNumber("1234567999999999999999999999999999999");
  } else if (ArgIs(name, "null")) {
    r.Null();
  } else if (ArgIs(name, "array") || ArgIs(name, "set")) {
    if (ArgIs(name, "array")) {
      r.ArrayHeader(3);
    } else {
      r.SetHeader(3);
    }
    for (int j = 0; j < 3; j++) r.Integer(j);
  } else if (ArgIs(name, "map")) {
    r.MapHeader(3);
    for (int j = 0; j < 3; j++) {
      r.Integer(j);
      r.Bool(j == 1);
    }
  } else if (ArgIs(name, "attrib")) {
    // An attribute is no reply of its own: a real reply follows it.
    if (c.resp >= 3) {
      r.Raw("|1\r\n");
      r.Bulk("key-popularity");
      r.ArrayHeader(2);
      r.Bulk("key:123");
      r.Integer(90);
    }
    r.Bulk("Some real reply following the attribute");
  } else if (ArgIs(name, "push")) {
    if (c.resp < 3) {
      c.AddError("ERR RESP2 is not supported by this command");
      return;
    }
    // A push is out of band: a normal reply follows for the caller waiting.
    r.PushHeader(2);
    r.Bulk("server-cpu-usage");
    r.Integer(42);
    r.Bulk("Some real reply following the push reply");
  } else if (ArgIs(name, "true") || ArgIs(name, "false")) {
    r.Bool(ArgIs(name, "true"));
  } else if (ArgIs(name, "verbatim")) {
    r.Verbatim("This is a verbatim\nstring", "txt");
  } else {
    c.AddError(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

}  // namespace

bool DebugOpsCommand(Client& c) {
  std::string_view sub = c.argv[1];
  size_t argc = c.argv.size();
  if (ArgIs(sub, "digest") && argc == 2) {
    c.reply.SimpleString(DatasetDigestHex());
  } else if (ArgIs(sub, "digest-value")) {
    c.reply.ArrayHeader(argc - 2);
    for (size_t j = 2; j < argc; j++) c.reply.SimpleString(ValueDigestHex(*c.db, c.argv[j]));
  } else if (ArgIs(sub, "protocol") && argc == 3) {
    DebugProtocol(c);
  } else if (ArgIs(sub, "segfault")) {
    CrashBySegfault();
  } else if (ArgIs(sub, "panic")) {
    common::Panic("DEBUG PANIC called at Unix time %lld", static_cast<long long>(time(nullptr)));
  } else if (ArgIs(sub, "assert")) {
    // As Redis's serverAssertWithInfo: the client's context first.
    LOG_WARNING("=== ASSERTION FAILED CLIENT CONTEXT ===");
    LOG_WARNING("client->flags = %llu", static_cast<unsigned long long>(c.flags));
    LOG_WARNING("client->argc = %zu", argc);
    for (size_t j = 0; j < argc; j++)
      LOG_WARNING("client->argv[%zu] = \"%.*s\" (refcount: 1)", j, static_cast<int>(c.argv[j].size()),
                  c.argv[j].data());
    common::AssertFailed("1 == 2", __FILE__, __LINE__);
  } else {
    return false;
  }
  return true;
}

}  // namespace server
