// The reply conversions between RESP and Lua, as Redis 7.0 documents them.
//
// RESP -> Lua (what redis.call returns): integers are numbers, bulk strings
// strings, a null bulk or array false (RESP2) / nil (RESP3 null), arrays
// tables 1..n, status replies {ok=...}, errors {err=...}; RESP3 maps
// {map={...}}, sets {set={member=true}}, doubles {double=n}, big numbers
// {big_number="..."}, verbatim strings {verbatim_string={format=, string=}},
// booleans booleans.
//
// Lua -> RESP (a script's result): strings bulk strings, numbers integers
// (truncated), true 1 / false null (RESP2 scripts) or booleans
// (redis.setresp(3)), nil null; tables by their first raw field among err,
// ok, double, big_number, map, set, verbatim_string, else an array of
// elements 1.. up to the first nil.
#pragma once

struct lua_State;

namespace commands {
struct Client;
}

namespace script {

// Pushes the RESP value at [p, end) (advancing p). False on a malformed
// reply (nothing pushed). *is_error (may be null) tells a top-level error.
bool PushResp(lua_State* L, const char*& p, const char* end, bool* is_error);

// Replies to c with the Lua value on top of L's stack and pops it.
// lua_resp: the script's redis.setresp protocol.
void ReplyFromLua(commands::Client& c, lua_State* L, int lua_resp, int depth = 0);

// Pushes table[field] (raw) of the table on top of L; returns its type.
int RawField(lua_State* L, const char* field);

}  // namespace script
