#include "script/lua_libs.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <cctype>
#include <cfloat>
#include <climits>
#include <cstdlib>
#include <utility>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

// Lua errors are longjmps: nothing in this file owns C++ objects with
// destructors while it may raise one (buffers are luaL_Buffer or the stack).

namespace script {
namespace {

// ======================= struct =======================

// Limits of the format: the widest integer option ('i32'), and the default
// and largest alignment (that of the most aligned scalar, 8 on x86-64).
constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = 8;

enum class Endian { kBig, kLittle };

struct Format {
  Endian endian = Endian::kLittle;  // x86-64's native order
  int align = 1;
};

// Reads a decimal count after an option; `dflt` when none follows.
int ReadCount(lua_State* L, const char** fmt, int dflt) {
  if (!isdigit(static_cast<unsigned char>(**fmt))) return dflt;
  int v = 0;
  while (isdigit(static_cast<unsigned char>(**fmt))) {
    int digit = **fmt - '0';
    if (v > (INT_MAX - digit) / 10) luaL_error(L, "integral size overflow");
    v = v * 10 + digit;
    (*fmt)++;
  }
  return v;
}

// The size of option `opt` (0 for options without data), applying the
// control options ('<', '>', '=', '!', ' ') to *f.
size_t OptionSize(lua_State* L, char opt, const char** fmt, Format* f) {
  switch (opt) {
    case 'x': case 'b': case 'B': return 1;
    case 'h': case 'H': return sizeof(short);
    case 'l': case 'L': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'n': return sizeof(lua_Number);
    case 'i': case 'I': {
      int n = ReadCount(L, fmt, sizeof(int));
      if (n > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", n, kMaxIntSize);
      return static_cast<size_t>(n);
    }
    case 'c': return static_cast<size_t>(ReadCount(L, fmt, 1));
    case 's': return 0;
    case ' ': return 0;
    case '>': f->endian = Endian::kBig; return 0;
    case '<': f->endian = Endian::kLittle; return 0;
    case '=': f->endian = Endian::kLittle; return 0;
    case '!': {
      int a = ReadCount(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      f->align = a;
      return 0;
    }
    default: {
      const char* msg = lua_pushfstring(L, "invalid format option '%c'", opt);
      return static_cast<size_t>(luaL_argerror(L, 1, msg));
    }
  }
}

// Padding before an item of `size` bytes at offset `at`.
size_t Padding(size_t at, const Format& f, char opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  size_t a = size > static_cast<size_t>(f.align) ? static_cast<size_t>(f.align) : size;
  if ((a & (a - 1)) != 0) return 0;  // only power-of-two sizes align
  return (a - (at & (a - 1))) & (a - 1);
}

bool IsIntegerOption(char opt) { return strchr("bBhHlLTiI", opt) != nullptr && opt != '\0'; }

// The integer bits of a Lua number as the struct library's casts give
// them on x86-64 (a negative number through int64_t, others as unsigned),
// without the undefined behaviour of casting values no integer type holds:
// NaN and values below -2^63 the processor's "indefinite"
// 0x8000000000000000, 2^64 or more 0 (what the compiler's unsigned
// conversion leaves), as Redis's packs show.
uint64_t IntegerBits(lua_Number n) {
  constexpr uint64_t kIndefinite = uint64_t{1} << 63;
  if (std::isnan(n)) return kIndefinite;
  if (n < 0) return n >= -9223372036854775808.0 ? static_cast<uint64_t>(static_cast<int64_t>(n)) : kIndefinite;
  return n < 18446744073709551616.0 ? static_cast<uint64_t>(n) : 0;
}

// double -> float as x86-64 converts (out of range: an infinity), without
// the undefined behaviour of casting a value float cannot hold.
float ToFloat(double d) {
  if (d > FLT_MAX) return HUGE_VALF;
  if (d < -FLT_MAX) return -HUGE_VALF;
  return static_cast<float>(d);
}

void PackInteger(lua_State* L, luaL_Buffer* b, int arg, const Format& f, size_t size) {
  uint64_t v = IntegerBits(luaL_checknumber(L, arg));
  char bytes[kMaxIntSize];
  for (size_t i = 0; i < size; i++) {
    size_t at = f.endian == Endian::kLittle ? i : size - 1 - i;
    bytes[at] = static_cast<char>(i < 8 ? (v >> (8 * i)) & 0xff : 0);
  }
  luaL_addlstring(b, bytes, size);
}

lua_Number UnpackInteger(const char* p, const Format& f, bool is_signed, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; i++) {
    size_t at = f.endian == Endian::kBig ? i : size - 1 - i;
    v = (v << 8) | static_cast<unsigned char>(p[at]);
  }
  if (!is_signed) return static_cast<lua_Number>(v);
  if (size < 8 && size > 0) {
    uint64_t sign = uint64_t{1} << (size * 8 - 1);
    if (v & sign) v |= ~((sign << 1) - 1);
  }
  return static_cast<lua_Number>(static_cast<int64_t>(v));
}

// Floats and doubles are stored in memory little endian (x86-64); a
// big-endian format reverses their bytes.
void ToFormatOrder(char* bytes, size_t size, const Format& f) {
  if (f.endian == Endian::kBig)
    for (size_t i = 0; i < size / 2; i++) std::swap(bytes[i], bytes[size - 1 - i]);
}
void PutBytes(luaL_Buffer* b, const void* src, size_t size, const Format& f) {
  char tmp[sizeof(double)];
  memcpy(tmp, src, size);
  ToFormatOrder(tmp, size, f);
  luaL_addlstring(b, tmp, size);
}
void GetBytes(void* dst, const char* p, size_t size, const Format& f) {
  char tmp[sizeof(double)];
  memcpy(tmp, p, size);
  ToFormatOrder(tmp, size, f);
  memcpy(dst, tmp, size);
}

int StructPack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Format f;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  int arg = 2;
  size_t total = 0;
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt, &f);
    size_t pad = Padding(total, f, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    if (IsIntegerOption(opt)) {
      PackInteger(L, &b, arg++, f, size);
    } else if (opt == 'x') {
      luaL_addchar(&b, '\0');
    } else if (opt == 'f') {
      float v = ToFloat(luaL_checknumber(L, arg++));
      PutBytes(&b, &v, size, f);
    } else if (opt == 'd' || opt == 'n') {
      double v = luaL_checknumber(L, arg++);
      PutBytes(&b, &v, size, f);
    } else if (opt == 'c' || opt == 's') {
      size_t len = 0;
      const char* s = luaL_checklstring(L, arg, &len);
      if (opt == 's') {
        luaL_argcheck(L, strlen(s) == len, arg, "string contains zeros");
        size = len;
      } else if (size == 0) {
        size = len;
      }
      luaL_argcheck(L, len >= size, arg, "string too short");
      luaL_addlstring(&b, s, size);
      if (opt == 's') {
        luaL_addchar(&b, '\0');
        size++;
      }
      arg++;
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

int StructUnpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start >= 1, 3, "offset must be 1 or greater");
  size_t pos = static_cast<size_t>(start) - 1;
  Format f;
  int results = 0;
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt, &f);
    pos += Padding(pos, f, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    if (IsIntegerOption(opt)) {
      lua_pushnumber(L, UnpackInteger(data + pos, f, islower(static_cast<unsigned char>(opt)), size));
      results++;
    } else if (opt == 'f') {
      float v;
      GetBytes(&v, data + pos, size, f);
      lua_pushnumber(L, v);
      results++;
    } else if (opt == 'd' || opt == 'n') {
      double v;
      GetBytes(&v, data + pos, size, f);
      lua_pushnumber(L, v);
      results++;
    } else if (opt == 'c') {
      if (size == 0) {
        if (results == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
        lua_Number n = lua_tonumber(L, -1);
        lua_pop(L, 1);
        results--;
        luaL_argcheck(L, n >= 0 && n <= static_cast<lua_Number>(len), 2, "data string too short");
        size = static_cast<size_t>(n);
        luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
      }
      lua_pushlstring(L, data + pos, size);
      results++;
    } else if (opt == 's') {
      const char* end = static_cast<const char*>(memchr(data + pos, '\0', len - pos));
      if (end == nullptr) luaL_error(L, "unfinished string in data");
      size = static_cast<size_t>(end - (data + pos)) + 1;
      lua_pushlstring(L, data + pos, size - 1);
      results++;
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos) + 1);
  return results + 1;
}

int StructSize(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Format f;
  size_t pos = 0;
  while (*fmt != '\0') {
    char opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt, &f);
    pos += Padding(pos, f, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

// ======================= cmsgpack =======================

// Tables nested deeper than this are encoded as nil (Redis's
// LUACMSGPACK_MAX_NESTING).
constexpr int kMaxNesting = 16;

// The encoder's output: a plain malloc'd buffer, no destructor, so a Lua
// error (only an out-of-memory one can happen while encoding) leaks it
// rather than skipping a C++ destructor.
struct Buf {
  char* p = nullptr;
  size_t len = 0;
  size_t cap = 0;
};

void Put(Buf* b, const void* data, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n) cap *= 2;
    char* np = static_cast<char*>(realloc(b->p, cap));
    if (np == nullptr) abort();  // as the server's allocator: out of memory is fatal
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->len, data, n);
  b->len += n;
}
void PutByte(Buf* b, unsigned v) {
  char c = static_cast<char>(v & 0xff);
  Put(b, &c, 1);
}
void PutBigEndian(Buf* b, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) PutByte(b, static_cast<unsigned>(v >> (8 * i)));
}

void EncodeInt(Buf* b, int64_t n) {
  if (n >= 0) {
    if (n <= 127) {
      PutByte(b, static_cast<unsigned>(n));
    } else if (n <= 0xff) {
      PutByte(b, 0xcc);
      PutBigEndian(b, static_cast<uint64_t>(n), 1);
    } else if (n <= 0xffff) {
      PutByte(b, 0xcd);
      PutBigEndian(b, static_cast<uint64_t>(n), 2);
    } else if (n <= 0xffffffffLL) {
      PutByte(b, 0xce);
      PutBigEndian(b, static_cast<uint64_t>(n), 4);
    } else {
      PutByte(b, 0xcf);
      PutBigEndian(b, static_cast<uint64_t>(n), 8);
    }
    return;
  }
  auto u = static_cast<uint64_t>(n);
  if (n >= -32) {
    PutByte(b, static_cast<unsigned>(u));
  } else if (n >= -128) {
    PutByte(b, 0xd0);
    PutBigEndian(b, u, 1);
  } else if (n >= -32768) {
    PutByte(b, 0xd1);
    PutBigEndian(b, u, 2);
  } else if (n >= -2147483648LL) {
    PutByte(b, 0xd2);
    PutBigEndian(b, u, 4);
  } else {
    PutByte(b, 0xd3);
    PutBigEndian(b, u, 8);
  }
}

bool IsInt64(lua_Number n) {
  return !std::isnan(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0 &&
         static_cast<lua_Number>(static_cast<int64_t>(n)) == n;
}

void EncodeNumber(Buf* b, lua_Number n) {
  if (IsInt64(n)) {
    EncodeInt(b, static_cast<int64_t>(n));
    return;
  }
  float f = ToFloat(n);
  if (static_cast<double>(f) == n) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    PutByte(b, 0xca);
    PutBigEndian(b, bits, 4);
  } else {
    uint64_t bits;
    memcpy(&bits, &n, 8);
    PutByte(b, 0xcb);
    PutBigEndian(b, bits, 8);
  }
}

void EncodeString(Buf* b, const char* s, size_t len) {
  if (len < 32) {
    PutByte(b, 0xa0 | static_cast<unsigned>(len));
  } else if (len <= 0xff) {
    PutByte(b, 0xd9);
    PutBigEndian(b, len, 1);
  } else if (len <= 0xffff) {
    PutByte(b, 0xda);
    PutBigEndian(b, len, 2);
  } else {
    PutByte(b, 0xdb);
    PutBigEndian(b, len, 4);
  }
  Put(b, s, len);
}

// Whether the table on top of the stack has exactly the keys 1..n; sets *n
// to its number of keys.
bool IsArray(lua_State* L, size_t* n) {
  size_t count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    lua_Number k = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    if (k <= 0 || std::floor(k) != k) {
      lua_pop(L, 1);
      *n = 0;
      return false;
    }
    if (k > max) max = k;
    count++;
  }
  *n = count;
  return max == static_cast<lua_Number>(count);
}

size_t MapSize(lua_State* L) {
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    count++;
  }
  return count;
}

void PutAggregateHeader(Buf* b, size_t n, unsigned fix, unsigned h16, unsigned h32) {
  if (n <= 15) {
    PutByte(b, fix | static_cast<unsigned>(n));
  } else if (n <= 0xffff) {
    PutByte(b, h16);
    PutBigEndian(b, n, 2);
  } else {
    PutByte(b, h32);
    PutBigEndian(b, n, 4);
  }
}

// Encodes the value on top of the stack (left there).
void EncodeValue(lua_State* L, Buf* b, int level) {
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && (level == kMaxNesting || !lua_checkstack(L, 3))) t = LUA_TNIL;
  switch (t) {
    case LUA_TBOOLEAN:
      PutByte(b, lua_toboolean(L, -1) ? 0xc3 : 0xc2);
      break;
    case LUA_TNUMBER:
      EncodeNumber(b, lua_tonumber(L, -1));
      break;
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeString(b, s, len);
      break;
    }
    case LUA_TTABLE: {
      size_t n = 0;
      if (IsArray(L, &n)) {
        PutAggregateHeader(b, n, 0x90, 0xdc, 0xdd);
        for (size_t i = 1; i <= n; i++) {
          lua_rawgeti(L, -1, static_cast<int>(i));
          EncodeValue(L, b, level + 1);
          lua_pop(L, 1);
        }
      } else {
        PutAggregateHeader(b, MapSize(L), 0x80, 0xde, 0xdf);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pushvalue(L, -2);
          EncodeValue(L, b, level + 1);
          lua_pop(L, 1);
          EncodeValue(L, b, level + 1);
          lua_pop(L, 1);
        }
      }
      break;
    }
    default:
      PutByte(b, 0xc0);
      break;
  }
}

int MsgpackPack(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, argc)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  Buf b;
  for (int i = 1; i <= argc; i++) {
    lua_pushvalue(L, i);
    EncodeValue(L, &b, 0);
    lua_pop(L, 1);
  }
  lua_pushlstring(L, b.p ? b.p : "", b.len);
  free(b.p);
  return 1;
}

// ---- decoding ----

enum class DecodeError { kNone, kEof, kBadFormat };

struct Cursor {
  const unsigned char* p;
  size_t left;
  DecodeError err = DecodeError::kNone;
};

bool Need(Cursor* c, size_t n) {
  if (c->left < n) {
    c->err = DecodeError::kEof;
    return false;
  }
  return true;
}

uint64_t ReadBigEndian(Cursor* c, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | c->p[i];
  c->p += bytes;
  c->left -= static_cast<size_t>(bytes);
  return v;
}

void DecodeValue(lua_State* L, Cursor* c);

void DecodeArray(lua_State* L, Cursor* c, size_t n) {
  if (!lua_checkstack(L, 3)) {
    c->err = DecodeError::kBadFormat;
    return;
  }
  lua_newtable(L);
  for (size_t i = 1; i <= n; i++) {
    DecodeValue(L, c);
    if (c->err != DecodeError::kNone) return;
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void DecodeMap(lua_State* L, Cursor* c, size_t n) {
  if (!lua_checkstack(L, 4)) {
    c->err = DecodeError::kBadFormat;
    return;
  }
  lua_newtable(L);
  for (size_t i = 0; i < n; i++) {
    DecodeValue(L, c);
    if (c->err != DecodeError::kNone) return;
    DecodeValue(L, c);
    if (c->err != DecodeError::kNone) return;
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2);  // a nil key cannot be stored
      continue;
    }
    lua_rawset(L, -3);
  }
}

void DecodeString(lua_State* L, Cursor* c, size_t len) {
  if (!Need(c, len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p), len);
  c->p += len;
  c->left -= len;
}

// Pushes one decoded value (nothing, with c->err set, on error).
void DecodeValue(lua_State* L, Cursor* c) {
  if (!Need(c, 1)) return;
  unsigned tag = *c->p++;
  c->left--;
  if (tag <= 0x7f) {
    lua_pushnumber(L, tag);
  } else if (tag >= 0xe0) {
    lua_pushnumber(L, static_cast<int8_t>(tag));
  } else if ((tag & 0xe0) == 0xa0) {
    DecodeString(L, c, tag & 0x1f);
  } else if ((tag & 0xf0) == 0x90) {
    DecodeArray(L, c, tag & 0x0f);
  } else if ((tag & 0xf0) == 0x80) {
    DecodeMap(L, c, tag & 0x0f);
  } else {
    switch (tag) {
      case 0xc0: lua_pushnil(L); break;
      case 0xc2: lua_pushboolean(L, 0); break;
      case 0xc3: lua_pushboolean(L, 1); break;
      case 0xcc: case 0xcd: case 0xce: case 0xcf: {
        int bytes = 1 << (tag - 0xcc);
        if (!Need(c, static_cast<size_t>(bytes))) return;
        lua_pushnumber(L, static_cast<lua_Number>(ReadBigEndian(c, bytes)));
        break;
      }
      case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int bytes = 1 << (tag - 0xd0);
        if (!Need(c, static_cast<size_t>(bytes))) return;
        uint64_t v = ReadBigEndian(c, bytes);
        if (bytes < 8) {
          uint64_t sign = uint64_t{1} << (bytes * 8 - 1);
          if (v & sign) v |= ~((sign << 1) - 1);
        }
        lua_pushnumber(L, static_cast<lua_Number>(static_cast<int64_t>(v)));
        break;
      }
      case 0xca: {
        if (!Need(c, 4)) return;
        auto bits = static_cast<uint32_t>(ReadBigEndian(c, 4));
        float f;
        memcpy(&f, &bits, 4);
        lua_pushnumber(L, f);
        break;
      }
      case 0xcb: {
        if (!Need(c, 8)) return;
        uint64_t bits = ReadBigEndian(c, 8);
        double d;
        memcpy(&d, &bits, 8);
        lua_pushnumber(L, d);
        break;
      }
      // Strings; Redis's decoder knows no bin8/16/32 (0xc4..0xc6).
      case 0xd9: case 0xda: case 0xdb: {
        int bytes = 1 << (tag - 0xd9);
        if (!Need(c, static_cast<size_t>(bytes))) return;
        DecodeString(L, c, ReadBigEndian(c, bytes));
        break;
      }
      case 0xdc: case 0xdd: {
        int bytes = tag == 0xdc ? 2 : 4;
        if (!Need(c, static_cast<size_t>(bytes))) return;
        DecodeArray(L, c, ReadBigEndian(c, bytes));
        break;
      }
      case 0xde: case 0xdf: {
        int bytes = tag == 0xde ? 2 : 4;
        if (!Need(c, static_cast<size_t>(bytes))) return;
        DecodeMap(L, c, ReadBigEndian(c, bytes));
        break;
      }
      default:
        c->err = DecodeError::kBadFormat;
        break;
    }
  }
}

// Decodes up to `limit` values (all when limit is 0 and `all`) from byte
// `offset`. Without `all`, the next offset (-1 at the end) comes first.
int Unpack(lua_State* L, bool all, lua_Integer limit, lua_Integer offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset < 0 || limit < 0)
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  if (static_cast<size_t>(offset) > len)
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  if (all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int count = 0;
  int base = lua_gettop(L);
  while (c.left > 0 && count < limit) {
    if (!lua_checkstack(L, 2)) return luaL_error(L, "too many results to unpack");
    DecodeValue(L, &c);
    if (c.err == DecodeError::kEof) {
      lua_settop(L, base);
      return luaL_error(L, "Missing bytes in input.");
    }
    if (c.err == DecodeError::kBadFormat) {
      lua_settop(L, base);
      return luaL_error(L, "Bad data format in input.");
    }
    count++;
  }
  if (!all) {
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
    lua_insert(L, base + 1);
    count++;
  }
  return count;
}

int MsgpackUnpack(lua_State* L) { return Unpack(L, true, 0, 0); }
int MsgpackUnpackOne(lua_State* L) {
  lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return Unpack(L, false, 1, offset);
}
int MsgpackUnpackLimit(lua_State* L) {
  lua_Integer limit = luaL_checkinteger(L, 2);
  lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return Unpack(L, false, limit, offset);
}

void AddFunctions(lua_State* L, const luaL_Reg* fns) {
  lua_newtable(L);
  for (; fns->name != nullptr; fns++) {
    lua_pushcfunction(L, fns->func);
    lua_setfield(L, -2, fns->name);
  }
}

}  // namespace

int OpenStruct(lua_State* L) {
  static const luaL_Reg kFns[] = {
      {"pack", StructPack}, {"unpack", StructUnpack}, {"size", StructSize}, {nullptr, nullptr}};
  AddFunctions(L, kFns);
  return 1;
}

int OpenCmsgpack(lua_State* L) {
  static const luaL_Reg kFns[] = {{"pack", MsgpackPack},
                                  {"unpack", MsgpackUnpack},
                                  {"unpack_one", MsgpackUnpackOne},
                                  {"unpack_limit", MsgpackUnpackLimit},
                                  {nullptr, nullptr}};
  AddFunctions(L, kFns);
  lua_pushstring(L, "lua-cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, "0.4.0");
  lua_setfield(L, -2, "_VERSION");
  return 1;
}

}  // namespace script
