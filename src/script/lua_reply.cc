#include "script/lua_reply.h"

extern "C" {
#include <lua.h>
}

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "commands/client.h"
#include "script/lua_vm.h"

namespace script {
namespace {

bool ReadLine(const char*& p, const char* end, std::string_view* line) {
  const char* nl = static_cast<const char*>(memchr(p, '\r', end - p));
  if (nl == nullptr || nl + 1 >= end) return false;
  *line = std::string_view(p, nl - p);
  p = nl + 2;
  return true;
}

int64_t ParseInt(std::string_view s) { return strtoll(std::string(s).c_str(), nullptr, 10); }

std::string NoNewlines(const char* s, size_t len) {
  std::string out(s, len);
  for (char& ch : out)
    if (ch == '\r' || ch == '\n') ch = ' ';
  return out;
}

void ReplyTable(commands::Client& c, lua_State* L, int lua_resp, int depth) {
  resp::ReplyBuilder& rb = c.reply;
  size_t len = 0;
  if (RawField(L, "err") == LUA_TSTRING) {
    const char* e = lua_tolstring(L, -1, &len);
    // Redis writes "-<err>" as it is (so {err='-X'} replies "--X").
    std::string msg(e, len);
    lua_pop(L, 1);
    rb.Error(msg);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "ok") == LUA_TSTRING) {
    const char* s = lua_tolstring(L, -1, &len);
    rb.SimpleString(NoNewlines(s, len));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "double") == LUA_TNUMBER) {
    rb.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "big_number") == LUA_TSTRING) {
    const char* s = lua_tolstring(L, -1, &len);
    rb.BigNumber(NoNewlines(s, len));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "map") == LUA_TTABLE) {
    size_t h = rb.DeferLen();
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pushvalue(L, -2);  // key copy: the original stays for lua_next
      ReplyFromLua(c, L, lua_resp, depth + 1);
      ReplyFromLua(c, L, lua_resp, depth + 1);
      n++;
    }
    rb.SetDeferredMapLen(h, n);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "set") == LUA_TTABLE) {
    size_t h = rb.DeferLen();
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      ReplyFromLua(c, L, lua_resp, depth + 1);
      n++;
    }
    rb.SetDeferredSetLen(h, n);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "verbatim_string") == LUA_TTABLE) {
    lua_pushstring(L, "format");
    lua_rawget(L, -2);
    lua_pushstring(L, "string");
    lua_rawget(L, -3);
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
      size_t flen = 0;
      const char* f = lua_tolstring(L, -2, &flen);
      const char* s = lua_tolstring(L, -1, &len);
      rb.Verbatim(std::string_view(s, len), std::string(f, flen).substr(0, 3));
      lua_pop(L, 3);
      return;
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  // An array: elements 1, 2, ... up to the first nil.
  size_t h = rb.DeferLen();
  size_t n = 0;
  for (int j = 1;; j++) {
    lua_rawgeti(L, -1, j);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    ReplyFromLua(c, L, lua_resp, depth + 1);
    n++;
  }
  rb.SetDeferredArrayLen(h, n);
}

}  // namespace

bool PushResp(lua_State* L, const char*& p, const char* end, bool* is_error) {
  if (p >= end) return false;
  if (!lua_checkstack(L, 5)) return false;
  char type = *p++;
  std::string_view line;
  if (!ReadLine(p, end, &line)) return false;
  if (is_error) *is_error = false;
  switch (type) {
    case '+':
      lua_newtable(L);
      lua_pushstring(L, "ok");
      lua_pushlstring(L, line.data(), line.size());
      lua_rawset(L, -3);
      return true;
    case '-':
      if (is_error) *is_error = true;
      lua_newtable(L);
      lua_pushstring(L, "err");
      lua_pushlstring(L, line.data(), line.size());
      lua_rawset(L, -3);
      return true;
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(ParseInt(line)));
      return true;
    case '$':
    case '=': {
      int64_t n = ParseInt(line);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      if (end - p < n + 2) return false;
      std::string_view s(p, static_cast<size_t>(n));
      p += n + 2;
      if (type == '$') {
        lua_pushlstring(L, s.data(), s.size());
      } else {  // verbatim "txt:<text>"
        lua_newtable(L);
        lua_pushstring(L, "verbatim_string");
        lua_newtable(L);
        lua_pushstring(L, "format");
        lua_pushlstring(L, s.data(), std::min<size_t>(3, s.size()));
        lua_rawset(L, -3);
        lua_pushstring(L, "string");
        if (s.size() >= 4) {
          lua_pushlstring(L, s.data() + 4, s.size() - 4);
        } else {
          lua_pushstring(L, "");
        }
        lua_rawset(L, -3);
        lua_rawset(L, -3);
      }
      return true;
    }
    case '*':
    case '>':
    case '~': {
      int64_t n = ParseInt(line);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      if (type == '~') {
        lua_newtable(L);
        lua_pushstring(L, "set");
        lua_newtable(L);
        for (int64_t i = 0; i < n; i++) {
          if (!PushResp(L, p, end, nullptr)) return false;
          lua_pushboolean(L, 1);
          lua_rawset(L, -3);
        }
        lua_rawset(L, -3);
        return true;
      }
      lua_newtable(L);
      for (int64_t i = 0; i < n; i++) {
        lua_pushnumber(L, static_cast<lua_Number>(i + 1));
        if (!PushResp(L, p, end, nullptr)) return false;
        lua_rawset(L, -3);
      }
      return true;
    }
    case '%': {
      int64_t n = ParseInt(line);
      lua_newtable(L);
      lua_pushstring(L, "map");
      lua_newtable(L);
      for (int64_t i = 0; i < n; i++) {
        if (!PushResp(L, p, end, nullptr)) return false;
        if (!PushResp(L, p, end, nullptr)) return false;
        lua_rawset(L, -3);
      }
      lua_rawset(L, -3);
      return true;
    }
    case '_':
      lua_pushnil(L);
      return true;
    case '#':
      lua_pushboolean(L, line == "t");
      return true;
    case ',': {
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, strtod(std::string(line).c_str(), nullptr));
      lua_rawset(L, -3);
      return true;
    }
    case '(':
      lua_newtable(L);
      lua_pushstring(L, "big_number");
      lua_pushlstring(L, line.data(), line.size());
      lua_rawset(L, -3);
      return true;
    default:
      return false;
  }
}

int RawField(lua_State* L, const char* field) {
  lua_pushstring(L, field);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

void ReplyFromLua(commands::Client& c, lua_State* L, int lua_resp, int depth) {
  resp::ReplyBuilder& rb = c.reply;
  // Redis's limit is Lua's C stack; a depth bound keeps our C stack safe.
  constexpr int kMaxDepth = 1000;
  if (depth > kMaxDepth || !lua_checkstack(L, 4)) {
    rb.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      rb.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (lua_resp == 2) {
        if (lua_toboolean(L, -1)) {
          rb.Integer(1);
        } else {
          rb.Null();
        }
      } else {
        rb.Bool(lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER:
      rb.Integer(LuaNumberToInteger(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      ReplyTable(c, L, lua_resp, depth);
      break;
    default:
      rb.Null();
      break;
  }
  lua_pop(L, 1);
}


}  // namespace script
