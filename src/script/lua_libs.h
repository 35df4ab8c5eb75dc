// The `struct` and `cmsgpack` Lua libraries that Redis bundles and Debian
// does not ship, written here from their documented behaviour and checked
// against Redis 7.0's outputs (tests/integration/test_scripting.py).
//
// struct.pack(fmt, ...), struct.unpack(fmt, s [, pos]), struct.size(fmt):
// fmt is a sequence of options: '<' '>' '=' byte order (little, big,
// native), '!n' alignment (a power of 2, default the platform's maximum),
// 'x' a zero byte, 'b'/'B' char, 'h'/'H' short, 'l'/'L' long, 'T' size_t,
// 'in'/'In' an n-byte integer (default int), 'f' float, 'd' double,
// 'n' lua_Number, 'cn' n bytes of a string (c0: the whole string when
// packing, a length read just before when unpacking), 's' a zero-terminated
// string; spaces are ignored. Lower case integers are signed.
//
// cmsgpack.pack(...), cmsgpack.unpack(s), cmsgpack.unpack_one(s [, offset]),
// cmsgpack.unpack_limit(s, limit [, offset]): MessagePack, with Lua numbers
// that are integers encoded in the smallest integer format, others as float
// when that is exact and double otherwise; tables whose keys are exactly
// 1..n as arrays, other tables as maps; nesting deeper than 16 as nil.
#pragma once

struct lua_State;

namespace script {

// lua_CFunction openers: push the library's table.
int OpenStruct(lua_State* L);
int OpenCmsgpack(lua_State* L);

}  // namespace script
