// The pieces of src/script that need no server: SHA-1, shebang parsing,
// number conversion, and the struct and cmsgpack libraries run in a bare
// sandboxed VM (redis.call is not used).
#include <gtest/gtest.h>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <cmath>
#include <string>

#include "script/lua_vm.h"
#include "script/sha1.h"

namespace script {
namespace {

TEST(Sha1, KnownVectors) {
  // FIPS 180-4 examples.
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(Sha1Hex(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Lengths around the padding boundary (55, 56, 63, 64 bytes) differ.
  EXPECT_NE(Sha1Hex(std::string(55, 'x')), Sha1Hex(std::string(56, 'x')));
  EXPECT_NE(Sha1Hex(std::string(63, 'x')), Sha1Hex(std::string(64, 'x')));
}

TEST(Sha1, RawDigestMatchesHex) {
  unsigned char d[kSha1Size];
  Sha1("abc", d);
  EXPECT_EQ(d[0], 0xa9);
  EXPECT_EQ(d[19], 0x9d);
  EXPECT_EQ(DigestHex(d), Sha1Hex("abc"));
}

TEST(Shebang, Flags) {
  uint32_t flags = 0;
  size_t offset = 0;
  std::string err;
  ASSERT_TRUE(ParseEvalShebang("return 1", &flags, &offset, &err));
  EXPECT_EQ(flags, kScriptEvalCompat);
  EXPECT_EQ(offset, 0u);
  ASSERT_TRUE(ParseEvalShebang("#!lua flags=no-writes,allow-oom\nreturn 1", &flags, &offset, &err));
  EXPECT_EQ(flags, kScriptNoWrites | kScriptAllowOom);
  EXPECT_EQ(offset, 31u);  // the newline stays with the code
  ASSERT_TRUE(ParseEvalShebang("#!lua", &flags, &offset, &err));
  EXPECT_EQ(flags, 0u);
  EXPECT_FALSE(ParseEvalShebang("#!lua flags=bad\n", &flags, &offset, &err));
  EXPECT_EQ(err, "ERR Unexpected flag in script shebang: bad");
  EXPECT_FALSE(ParseEvalShebang("#!js\n", &flags, &offset, &err));
  EXPECT_EQ(err, "ERR Unexpected engine in script shebang: #!js");
  EXPECT_EQ(ScriptFlagNames(kScriptNoWrites | kScriptAllowStale),
            (std::vector<std::string>{"no-writes", "allow-stale"}));
}

TEST(Conversion, NumbersTruncateLikeRedis) {
  EXPECT_EQ(LuaNumberToInteger(3.99), 3);
  EXPECT_EQ(LuaNumberToInteger(-3.99), -3);
  EXPECT_EQ(LuaNumberToInteger(1e20), INT64_MIN);
  EXPECT_EQ(LuaNumberToInteger(NAN), INT64_MIN);
  EXPECT_EQ(LuaNumberToInteger(-9223372036854775808.0), INT64_MIN);
}

// Runs `code` (which returns one string) in a fresh sandboxed VM.
std::string RunString(const char* code) {
  LuaVm vm(false);
  lua_State* L = vm.state();
  std::string err;
  if (!Compile(vm, code, &err)) return "compile: " + err;
  if (lua_pcall(L, 0, 1, 0) != 0) return std::string("error: ") + lua_tostring(L, -1);
  size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  return s ? std::string(s, len) : "(not a string)";
}

TEST(Libraries, CmsgpackEncodings) {
  EXPECT_EQ(RunString("return cmsgpack.pack(1, -1, 128, -33)"), std::string("\x01\xff\xcc\x80\xd0\xdf", 6));
  EXPECT_EQ(RunString("return cmsgpack.pack('abc', {1, 2}, true, nil)"),
            std::string("\xa3" "abc" "\x92\x01\x02\xc3\xc0", 9));
  EXPECT_EQ(RunString("return cmsgpack.pack(0.5)"), std::string("\xca\x3f\x00\x00\x00", 5));
  EXPECT_EQ(RunString("return cmsgpack.pack({a = 1})"), std::string("\x81\xa1" "a" "\x01", 4));
  EXPECT_EQ(RunString("local a, b = cmsgpack.unpack(cmsgpack.pack('x', 300)) return a .. b"), "x300");
  EXPECT_EQ(RunString("return select(2, pcall(cmsgpack.unpack, '\\193'))"), "Bad data format in input.");
}

TEST(Libraries, Struct) {
  EXPECT_EQ(RunString("return struct.pack('>I2<I2', 258, 258)"), std::string("\x01\x02\x02\x01", 4));
  EXPECT_EQ(RunString("return struct.pack('!4 b i4', 1, 2)"), std::string("\x01\0\0\0\x02\0\0\0", 8));
  EXPECT_EQ(RunString("return tostring(struct.unpack('<i2', '\\254\\255'))"), "-2");
  EXPECT_EQ(RunString("return tostring(struct.size('!8 b d'))"), "16");
  EXPECT_EQ(RunString("local s, n = struct.unpack('s', 'ab\\0cd') return s .. n"), "ab4");
}

TEST(Sandbox, ReadonlyGlobals) {
  EXPECT_EQ(RunString("x = 1 return 'no'"), "error: user_script:1: Attempt to modify a readonly table");
  EXPECT_EQ(RunString("return os"),
            "error: user_script:1: Script attempted to access nonexistent global variable 'os'");
  EXPECT_EQ(RunString("return type(loadfile) .. type(print)"),
            "error: user_script:1: Script attempted to access nonexistent global variable 'loadfile'");
  EXPECT_EQ(RunString("local t = {} t.x = 'ok' return t.x"), "ok");
}

}  // namespace
}  // namespace script
