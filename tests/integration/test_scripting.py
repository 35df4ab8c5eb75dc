"""Lua scripting (EVAL, EVALSHA, EVAL_RO, SCRIPT): replies compared byte for
byte with Debian's redis-server 7.0 in RESP2 and RESP3, the sandbox, error
texts, read-only and OOM refusals, BUSY and SCRIPT KILL, effects
propagation to the AOF, and redis-py's Lock and register_script."""
import os
import socket
import threading
import time

import pytest
import redis

from conftest import REAL_SERVER, OUR_SERVER, ROOT
from test_aof import incr_commands

END = b"$7\r\nENDMARK\r\n"


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_until_end(s):
    data = b""
    while not data.endswith(END):
        chunk = s.recv(65536)
        assert chunk, data
        data += chunk
    return data[:-len(END)]


def exchange(port, proto, commands):
    """The raw replies to `commands` (lists of arguments) on a fresh
    connection speaking RESP `proto`."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(encode("HELLO", proto) + encode("ECHO", "ENDMARK"))
        read_until_end(s)
        s.sendall(b"".join(encode(*c) for c in commands) + encode("ECHO", "ENDMARK"))
        return read_until_end(s)


# Scripts whose replies (and errors) must match Redis 7.0's byte for byte.
CORPUS = [
    # Lua -> RESP conversions
    "return 1", "return -3.99", "return 3.99", "return 1e20", "return 0/0", "return 'abc'",
    "return true", "return false", "return nil", "return {}", "return {1,2,3,'x',nil,4}",
    "return {1,{2,{3,{'deep'}}},false,true}", "return {err='My Err'}", "return {err='-X y'}",
    "return {ok='fine'}", "return {ok='two\\nlines'}", "return redis.error_reply('x y')",
    "return redis.error_reply('x')", "return redis.error_reply('-x')", "return redis.error_reply()",
    "return redis.status_reply('PONG')", "return redis.status_reply()",
    "return {double=3.5}", "return {double=1/0}", "return {map={a=1}}", "return {set={a=true}}",
    "return {big_number='123456789012345678901234567890'}",
    "return {verbatim_string={format='txt', string='hello'}}",
    "return {1, {err='inner'}, 3}",
    "redis.setresp(3) return true", "redis.setresp(3) return false", "redis.setresp(3) return {double=0.5}",
    "return print", "return function() end",
    # RESP -> Lua conversions of command replies
    "return redis.call('set','k','v')", "return redis.call('get','k')", "return redis.call('get','nokey')",
    "return type(redis.call('get','nokey'))", "return redis.call('incr','counter')",
    "redis.call('rpush','l','a','b','c') return redis.call('lrange','l',0,-1)",
    "return redis.call('ping')", "return redis.call('type','k')", "return redis.pcall('incr','k')",
    "return type(redis.pcall('incr','k'))", "return redis.pcall('incr','k')['err']",
    "redis.setresp(3) redis.call('hset','h','f','v') return redis.call('hgetall','h')",
    "redis.setresp(3) return redis.call('hgetall','h')['map']['f']",
    "redis.setresp(3) redis.call('sadd','st','m') return redis.call('smembers','st')",
    "redis.setresp(3) redis.call('zadd','z',1.5,'m') return redis.call('zscore','z','m')",
    "redis.setresp(3) return type(redis.call('get','nokey'))",
    "redis.setresp(3) return redis.call('exists','k')",
    "return redis.call('set','n',0.1)", "redis.call('set','n',0.1) return redis.call('get','n')",
    "redis.call('set','n',100) return redis.call('get','n')",
    # errors and their texts
    "x=1", "return y", "error('boom')", "error({err='E1'})", "return x x", "local t = nil; return t.x",
    "return redis.call('get')", "return redis.call('nosuch')", "return redis.call()",
    "return redis.call({})", "return redis.call('set','a',{})", "return redis.call('eval','return 1', 0)",
    "redis.call('set','s','str') return redis.call('lpush','s','x')",
    "return redis.setresp(4)", "return redis.log(1)", "return redis.log(9,'x')", "return redis.sha1hex()",
    "return redis.set_repl(77)", "redis.call = nil", "string.x = 1", "rawset(_G, 'x', 1)",
    "local f = function() z = 1 end f()",
    # pcall gives scripts the text of an error table (Redis 7.0's pcall)
    "return {pcall(redis.call, 'nosuch')}", "local ok, e = pcall(redis.call, 'nosuch') return e['err']",
    "local ok, e = pcall(redis.call, 'nosuch') error(e)", "local ok, e = pcall(redis.call, 'nosuch') error(e, 0)",
    "redis.call('set','s','v') local ok, e = pcall(redis.call, 'lpush', 's', 'x') return {type(e), e}",
    "local ok, e = pcall(function() error({err='T1', x=1}) end) return e",
    "local ok, e = pcall(function() error({1,2}) end) return type(e)",
    "local ok, e = pcall(function() error({err=5}) end) return type(e)",
    "local ok, e = xpcall(function() error({err='T1'}) end, function(e) return e end) return type(e)",
    "return {pcall(function() return 1, 2, nil, 4 end)}", "return {pcall()}", "return {pcall(error)}",
    "error('ERR x')", "error('x', 0)", "error('ERR x', 0)", "error('FOO bar', 0)",
    # the sandbox
    "return {type(os), type(io), type(debug), type(package)}",
    "local r={} for _,n in ipairs({'loadfile','dofile','print','getfenv','setfenv','require','module',"
    "'newproxy'}) do r[#r+1]=type(rawget(_G,n)) end return r",
    "local r={} for _,n in ipairs({'cjson','bit','string','table','math','coroutine','unpack','loadstring',"
    "'pcall','xpcall','tonumber','tostring','select','error','assert','rawget','gcinfo','collectgarbage'}) "
    "do r[#r+1]=n..'='..type(_G[n]) end return r",
    # the redis API
    "return redis.sha1hex('')", "return redis.sha1hex('abc')",
    "return redis.REDIS_VERSION .. ' ' .. redis.REDIS_VERSION_NUM",
    "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, redis.REPL_NONE,"
    " redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}",
    "return redis.replicate_commands()", "return redis.set_repl(redis.REPL_ALL)", "return redis.breakpoint()",
    "return redis.debug('x')", "return redis.log(redis.LOG_WARNING, 'from a script')",
    "math.randomseed(42) return {math.random(100), math.random(1, 6), tostring(math.random())}",
    # cjson and bit
    "return cjson.encode({1,2,{a=1}})", "return cjson.decode('[1,2,{\"a\":\"b\"}]')[3]['a']",
    "return cjson.encode(cjson.decode('{\"x\":[true,false,null]}'))",
    "return {bit.band(7,3), bit.bor(1,2), bit.bxor(5,1), bit.lshift(1,4), bit.tohex(255)}",
    # Lua 5.1 number formatting
    "return tostring(1/3)", "return tostring(2^53)", "return tonumber('0x10')", "return string.format('%5.2f', 3.14159)",
    "return {KEYS[1], ARGV[1], #KEYS, #ARGV}",
    # odd tables, commands scripts may or may not run, Lua corners
 "return {err=3}", "return {ok=3}", "return {double='x'}", "return {map={1,2}}", "return {set={'a','b'}}",
 "return setmetatable({}, {__index=function() return 1 end})", "return {1, 2, err='x'}", "return {ok='a', err='b'}",
 "return redis.pcall('nosuch')", "return redis.pcall()", "return redis.pcall('get', {})",
 "redis.setresp(3) return redis.pcall('incr', 'k2', 'x')",
 "return redis.call('hgetall', 'nokey')", "redis.setresp(3) return redis.call('hgetall', 'nokey')",
 "return {redis.call('set', 'a', 'b', 'GET')}", "return redis.call('object', 'encoding', 'nokey')",
 "return redis.call('exec')", "return redis.call('multi')", "return redis.call('subscribe', 'x')",
 "return redis.call('client', 'list') ~= nil", "return redis.call('select', 99)", "return redis.call('debug', 'sleep', 0)",
 "return redis.call('shutdown')", "return redis.call('script', 'load', 'return 1')", "return redis.call('function', 'list')",
 "return redis.call('info', 'nosuchsection')", "return redis.call('time')[1] ~= nil",
 "return tostring(redis.call('randomkey'))", "return redis.call('spop', 'noset')",
 "return {pcall(error)}", "return {pcall(error, 'x')}", "return {pcall(redis.call, 'nosuch')}",
 "local ok, e = pcall(redis.call, 'nosuch') return e['err']",
 "return string.rep('x', 3, ',')", "return ('%q'):format('a\\nb')", "return #ARGV",
 "return tostring(nil) .. tostring(true)", "return tostring(0/0)", "return tostring(-0)", "return 2^63",
 "return -2^63", "return 9007199254740993", "return {0.5, 1.5, -0.5, -1.5}", "return unpack({1, 2, 3})",
 "return select('#', 1, nil, 3)", "return loadstring('return 1')()", "return loadstring('x = 1')()",
 "return pcall(loadstring, 'return os')", "return coroutine.wrap(function() coroutine.yield(5) end)()",
 "return gcinfo() > 0", "return collectgarbage('count') > 0", "return _VERSION",
 "return redis.call('eval_ro', 'return 1', 0)", "return redis.call('fcall', 'x', 0)",
 "return redis.call('set', 'k', string.rep('x', 10)) and redis.call('getrange', 'k', 0, 2)",
 "redis.call('set', 'k', 1) return redis.call('incrbyfloat', 'k', 0.5)",
 "redis.setresp(3) redis.call('set', 'k', 1) return redis.call('incrbyfloat', 'k', 0.5)",
 "redis.setresp(3) return redis.call('config', 'get', 'maxmemory')",
 "redis.setresp(3) return redis.call('zrange', 'nz', 0, -1, 'withscores')",
 "redis.setresp(3) redis.call('zadd', 'z', 1, 'a', 2, 'b') return redis.call('zrange', 'z', 0, -1, 'withscores')",
 "redis.setresp(3) redis.call('zadd', 'z', 1, 'a') return redis.call('zrandmember', 'z', 1, 'withscores')",
]


@pytest.mark.parametrize("proto", [2, 3])
def test_corpus_matches_redis(our_server, real_server, proto):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    # One script at a time so that a difference names its script.
    diffs = []
    for script in CORPUS:
        cmds = [["FLUSHALL"], ["EVAL", script, "1", "key1", "arg1", "arg2"]]
        ours = exchange(our_server.port, proto, cmds)
        theirs = exchange(real_server.port, proto, cmds)
        if ours != theirs:
            diffs.append((script, ours, theirs))
    assert diffs == []


def test_numkeys_errors_and_noscript(r, real):
    for c in (r, real):
        with pytest.raises(redis.ResponseError, match="^Number of keys can't be negative$"):
            c.eval("return 1", -1)
        with pytest.raises(redis.ResponseError, match="^Number of keys can't be greater than number of args$"):
            c.eval("return 1", 3, "a")
        with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
            c.execute_command("EVAL", "return 1", "x")
        with pytest.raises(redis.exceptions.NoScriptError, match="No matching script. Please use EVAL."):
            c.evalsha("ffffffffffffffffffffffffffffffffffffffff", 0)
        with pytest.raises(redis.exceptions.NoScriptError):
            c.evalsha("short", 0)


def test_script_load_exists_flush(r):
    sha = r.script_load("return 'hi'")
    assert sha == "2f31ba2bb6d6a0f42cc159d2e2dad55440778de3"
    assert r.evalsha(sha, 0) == b"hi"
    assert r.evalsha(sha.upper(), 0) == b"hi"
    assert r.script_exists(sha, "0" * 40) == [True, False]
    assert r.execute_command("EVAL_RO", "return 'hi'", 0) == b"hi"
    assert r.execute_command("EVALSHA_RO", sha, 0) == b"hi"
    info = r.info("memory")
    assert info["number_of_cached_scripts"] >= 1
    assert r.script_flush() is True
    assert r.script_exists(sha) == [False]
    assert r.info("memory")["number_of_cached_scripts"] == 0
    assert r.execute_command("SCRIPT", "FLUSH", "ASYNC") == b"OK"
    assert r.execute_command("SCRIPT", "FLUSH", "SYNC") == b"OK"
    with pytest.raises(redis.ResponseError, match="SCRIPT FLUSH only support SYNC|ASYNC option"):
        r.execute_command("SCRIPT", "FLUSH", "LATER")
    with pytest.raises(redis.ResponseError, match="^Error compiling script"):
        r.script_load("return x x")
    assert len(r.execute_command("SCRIPT", "HELP")) > 5


def test_many_cached_scripts_flush_returns_memory(r):
    r.script_flush()
    before = r.info("memory")["used_memory_lua"]
    for i in range(3000):
        r.script_load("return %d" % i)
    mem = r.info("memory")
    assert mem["number_of_cached_scripts"] == 3000
    assert mem["used_memory_lua"] > before + 100000
    assert mem["used_memory_scripts_eval"] > 0
    r.script_flush()
    mem = r.info("memory")
    assert mem["number_of_cached_scripts"] == 0
    assert mem["used_memory_lua"] < before + 50000


def test_readonly_scripts(r, real):
    for c in (r, real):
        c.flushall()
        with pytest.raises(redis.ResponseError, match="^Write commands are not allowed from read-only scripts"):
            c.execute_command("EVAL_RO", "return redis.call('set','a','1')", 0)
        with pytest.raises(redis.ResponseError, match="^Write commands are not allowed from read-only scripts"):
            c.eval("#!lua flags=no-writes\nreturn redis.call('set','a','1')", 0)
        with pytest.raises(redis.ResponseError, match=r"^Can not execute a script with write flag using \*_ro"):
            c.execute_command("EVAL_RO", "#!lua\nreturn 1", 0)
        assert c.execute_command("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('get','a')", 0) is None
        assert c.get("a") is None
        for bad, msg in [("#!lua flags=bad\nreturn 1", "Unexpected flag in script shebang: bad"),
                         ("#!lua foo=bar\nreturn 1", "Unknown lua shebang option: foo=bar"),
                         ("#!python\nreturn 1", "Unexpected engine in script shebang: #!python")]:
            with pytest.raises(redis.ResponseError, match="^" + msg + "$"):
                c.eval(bad, 0)
        # The shebang line keeps its line: errors name line 2.
        with pytest.raises(redis.ResponseError, match=r"on @user_script:2\.$"):
            c.eval("#!lua\nerror('x')", 0)


def test_oom_refusals(r, real):
    for c in (r, real):
        c.flushall()
        c.set("a", "1")
        c.config_set("maxmemory", 1)
        try:
            with pytest.raises(redis.ResponseError, match="command not allowed when used memory > 'maxmemory'. script"):
                c.eval("return redis.call('set','b','1')", 0)
            with pytest.raises(redis.ResponseError, match="command not allowed when used memory > 'maxmemory'.$"):
                c.eval("#!lua\nreturn 1", 0)
            assert c.eval("#!lua flags=allow-oom\nreturn redis.call('set','b','1')", 0) == b"OK"
            assert c.eval("#!lua flags=no-writes\nreturn 1", 0) == 1
            assert c.eval("return redis.call('get','a')", 0) == b"1"
        finally:
            c.config_set("maxmemory", 0)


def test_runaway_allocation_is_stopped(server_factory):
    s = server_factory("--maxmemory", "20mb")
    c = s.client()
    with pytest.raises(redis.ResponseError, match="not enough memory"):
        c.eval("local t = {} for i = 1, 1e6 do t[i] = string.rep('x', 1024 * 1024) .. i end", 0)
    assert c.ping()
    assert c.info("memory")["used_memory_lua"] < 10 * 1024 * 1024
    # Caught inside the script: the memory still comes back.
    assert c.eval("local ok, e = pcall(function() local t = {} for i = 1, 1e6 do "
                  "t[i] = string.rep('x', 1024 * 1024) .. i end end) return tostring(e)", 0) == b"not enough memory"
    assert c.info("memory")["used_memory_lua"] < 10 * 1024 * 1024
    assert c.eval("return #string.rep('y', 1000)", 0) == 1000


def test_script_client_db_and_blocking(r):
    r.set("a", "db0")
    assert r.eval("redis.call('select', 1) redis.call('set','a','db1') return redis.call('get','a')", 0) == b"db1"
    assert r.get("a") == b"db0"  # the caller's db is unchanged
    r.execute_command("SELECT", 1)
    assert r.get("a") == b"db1"
    r.execute_command("SELECT", 0)
    # BLPOP is a no-script command (as in Redis 7.0); others run.
    with pytest.raises(redis.ResponseError, match="^This Redis command is not allowed from script"):
        r.eval("return redis.call('blpop','nolist',0)", 0)


def test_lock_and_register_script(r):
    lock = r.lock("resource", timeout=5)
    assert lock.acquire(blocking=False)
    assert not r.lock("resource", timeout=5).acquire(blocking=False)
    assert lock.extend(5)
    assert r.pttl("resource") > 5000
    lock.release()
    assert r.get("resource") is None
    with pytest.raises(redis.exceptions.LockError):
        lock.release()
    stolen = r.lock("resource", timeout=5)
    assert stolen.acquire(blocking=False)
    r.set("resource", "someone else")
    with pytest.raises(redis.exceptions.LockNotOwnedError):
        stolen.release()
    with r.lock("ctx", timeout=2):
        assert r.exists("ctx")
    assert not r.exists("ctx")
    incr_by = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
    r.script_flush()  # register_script falls back to EVAL (SCRIPT LOAD) after NOSCRIPT
    assert incr_by(keys=["c"], args=[5]) == 5
    assert incr_by(keys=["c"], args=[2]) == 7
    p = r.pipeline()
    incr_by(keys=["c"], args=[1], client=p)
    assert p.execute() == [8]


def test_effects_propagate_to_aof(server_factory, datadir):
    s = server_factory("--dir", datadir, "--appendonly", "yes")
    c = s.client()
    c.ping()
    c.eval("redis.call('set','a','1') redis.call('incr','a') return redis.call('get','a')", 0)
    c.eval("return redis.call('get','a')", 0)  # reads only: nothing logged
    c.eval("redis.call('select', 2) redis.call('set','x','y')", 0)
    c.eval("redis.call('del','nothing')", 0)   # no change: nothing logged
    c.eval("return redis.call('set','b','2')", 0)
    deadline = time.time() + 5
    while time.time() < deadline:
        cmds = [[a.upper() if i == 0 else a for i, a in enumerate(cmd)] for cmd in incr_commands(datadir)]
        if cmds and cmds[-1] == [b"SET", b"b", b"2"]:
            break
        time.sleep(0.05)
    assert [b"EVAL"] not in [cmd[:1] for cmd in cmds]
    i = cmds.index([b"MULTI"])
    assert cmds[i:i + 4] == [[b"MULTI"], [b"SET", b"a", b"1"], [b"INCR", b"a"], [b"EXEC"]]
    assert [b"SELECT", b"2"] in cmds
    assert cmds[-1] == [b"SET", b"b", b"2"]


def wait_busy(c):
    """Pings until the server answers -BUSY; returns that error's text."""
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            c.ping()
            time.sleep(0.02)
        except redis.exceptions.BusyLoadingError as e:
            return "BUSY " + str(e)
        except redis.ResponseError as e:
            return str(e)
    raise AssertionError("the server never answered -BUSY")


def busy_scenario(server):
    """A script spins past busy-reply-threshold; others get -BUSY; SCRIPT
    KILL stops it. Returns (busy error, kill reply, script error)."""
    runner = server.client()
    other = server.client()
    result = {}

    def spin():
        try:
            runner.eval("local i = 0 while true do i = i + 1 end", 0)
        except redis.ResponseError as e:
            result["err"] = str(e)

    t = threading.Thread(target=spin)
    t.start()
    busy = wait_busy(other)
    killed = other.execute_command("SCRIPT", "KILL")
    t.join(10)
    assert not t.is_alive()
    assert other.ping()
    return busy, killed, result.get("err")


def test_busy_and_script_kill(server_factory):
    ours = busy_scenario(server_factory("--busy-reply-threshold", "100"))
    assert "Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE." in ours[0]
    assert ours[1] == b"OK"
    assert ours[2].startswith("Script killed by user with SCRIPT KILL...")
    if REAL_SERVER:
        theirs = busy_scenario(server_factory("--busy-reply-threshold", "100", binary=REAL_SERVER))
        assert ours == theirs


def test_script_kill_refusals(server_factory):
    s = server_factory("--busy-reply-threshold", "100")
    c = s.client()
    with pytest.raises(redis.ResponseError, match="^NOTBUSY No scripts in execution right now.$"):
        c.execute_command("SCRIPT", "KILL")
    runner = s.client()
    def spin():
        try:
            runner.eval("redis.call('set','w','1') local i = 0 while i < 3e8 do i = i + 1 end", 0)
        except redis.exceptions.ConnectionError:
            pass  # the server shut down under it

    t = threading.Thread(target=spin)
    t.start()
    wait_busy(c)
    with pytest.raises(redis.ResponseError, match="^UNKILLABLE Sorry the script already executed write commands"):
        c.execute_command("SCRIPT", "KILL")
    # Saving mid-script is refused: only SHUTDOWN NOSAVE stops the server.
    with pytest.raises(redis.ResponseError, match="Redis is busy running a script"):
        c.execute_command("SHUTDOWN")
    # SHUTDOWN NOSAVE works while the script runs.
    try:
        c.execute_command("SHUTDOWN", "NOSAVE")
    except redis.exceptions.ConnectionError:
        pass
    s.proc.wait(10)
    t.join(10)


# ---- functions ----

LIB = """#!lua name=mylib
local function echo(keys, args) return {keys[1], args[1]} end
redis.register_function('echo', echo)
redis.register_function{function_name='setit', callback=function(keys, args)
  return redis.call('set', keys[1], args[1]) end, description='sets a key'}
redis.register_function{function_name='getit', callback=function(keys) return redis.call('get', keys[1]) end,
  flags={'no-writes'}}
"""

FUNCTION_CASES = [
    ["FUNCTION", "LOAD", "return 1"],
    ["FUNCTION", "LOAD", LIB],
    ["FUNCTION", "LOAD", LIB],
    ["FUNCTION", "LOAD", "#!lua name=other\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('echo', function() return 1 end)"],
    ["FUNCTION", "LOAD", "#!lua name=l3 foo=bar\nreturn 1"],
    ["FUNCTION", "LOAD", "#!python name=l3\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=l-x\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nredis.call('ping')"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nredis.register_function('a-b', function() return 1 end)"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nx = 1"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nreturn x x"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nlocal s = string.len('x')"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nerror('oops')"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nredis.setresp(3)"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nwhile true do end"],
    ["FUNCTION", "LOAD", "#!lua name=l5\nredis.log(redis.LOG_NOTICE, redis.REDIS_VERSION)\n"
                         "redis.register_function('f5', function() return string.len('abc') .. type(cjson) end)"],
    ["FCALL", "f5", "0"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nredis.register_function{function_name='f', callback=function() end,"
                         " flags={'bad'}}"],
    ["FUNCTION", "LOAD", "#!lua name=l4\nredis.register_function('f', function() end)\n"
                         "redis.register_function('f', function() end)"],
    ["FCALL", "echo", "1", "k", "a"],
    ["FCALL", "setit", "1", "k", "v"],
    ["FCALL", "getit", "1", "k"],
    ["FCALL_RO", "getit", "1", "k"],
    ["FCALL_RO", "setit", "1", "k", "v"],
    ["FCALL", "nofunc", "0"],
    ["FCALL", "echo", "5"],
    ["FCALL", "echo", "-1"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "zz*"],
    ["FUNCTION", "STATS"],
    ["FUNCTION", "DELETE", "nolib"],
    ["FUNCTION", "LOAD", "REPLACE", LIB],
    ["FUNCTION", "DELETE", "mylib"],
    ["FCALL", "echo", "0"],
    ["FUNCTION", "LOAD", "#!lua name=g\nredis.register_function('g', function() "
                         "return redis.register_function('h', function() end) end)"],
    ["FCALL", "g", "0"],
    ["FUNCTION", "RESTORE", "garbage"],
    ["FUNCTION", "FLUSH", "LATER"],
    ["FUNCTION", "FLUSH"],
    ["FUNCTION", "LIST"],
]


@pytest.mark.parametrize("proto", [2, 3])
def test_functions_match_redis(our_server, real_server, proto):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    diffs = []
    for port in (our_server.port, real_server.port):
        exchange(port, proto, [["FUNCTION", "FLUSH"], ["FLUSHALL"]])
    for cmd in FUNCTION_CASES:
        ours = exchange(our_server.port, proto, [cmd])
        theirs = exchange(real_server.port, proto, [cmd])
        if ours != theirs:
            diffs.append((cmd, ours, theirs))
    for port in (our_server.port, real_server.port):
        exchange(port, proto, [["FUNCTION", "FLUSH"]])
    assert diffs == []


def test_function_info_and_dump_restore(r, real):
    r.function_flush()
    real.function_flush()
    assert r.function_load(LIB) in ("mylib", b"mylib")
    assert real.function_load(LIB) in ("mylib", b"mylib")

    def listing(c, *args):
        # Redis lists a library's functions in its hash table's order.
        out = []
        for lib in c.execute_command("FUNCTION", "LIST", *args):
            lib = dict(zip(lib[::2], lib[1::2]))
            lib[b"functions"] = sorted(repr(f) for f in lib[b"functions"])
            out.append(lib)
        return out

    for args in ((), ("WITHCODE",), ("LIBRARYNAME", "my*"), ("LIBRARYNAME", "x*", "WITHCODE")):
        assert listing(r, *args) == listing(real, *args)
    real.function_flush()
    mem = r.info("memory")
    assert mem["number_of_libraries"] == 1
    assert mem["number_of_functions"] == 3
    assert mem["used_memory_functions"] > len(LIB)
    assert mem["used_memory_vm_functions"] > 0
    # Our DUMP restores into Redis and the reverse.
    payload = r.function_dump()
    assert real.function_restore(payload) in (True, b"OK")
    assert real.fcall("echo", 1, "k", "a") == [b"k", b"a"]
    with pytest.raises(redis.ResponseError, match="Library mylib already exists"):
        r.function_restore(payload)
    assert r.function_restore(payload, "REPLACE") in (True, b"OK")
    real.function_load("#!lua name=theirs\nredis.register_function('t', function() return 't' end)")
    assert r.function_restore(real.function_dump(), "FLUSH") in (True, b"OK")
    assert r.fcall("t", 0) == b"t"
    assert r.fcall("echo", 1, "k", "a") == [b"k", b"a"]
    assert r.info("memory")["number_of_libraries"] == 2
    # A payload whose second library clashes changes nothing.
    clash = "#!lua name=clash\nredis.register_function('t', function() return 'clash' end)"
    real.function_flush()
    real.function_load("#!lua name=fresh\nredis.register_function('fresh', function() return 1 end)")
    real.function_load(clash)
    with pytest.raises(redis.ResponseError, match="Function t already exists"):
        r.function_restore(real.function_dump())
    assert r.info("memory")["number_of_libraries"] == 2
    with pytest.raises(redis.ResponseError, match="Function not found"):
        r.fcall("fresh", 0)
    r.function_flush()
    real.function_flush()
    assert r.info("memory")["number_of_functions"] == 0


def rdb_path(d):
    return os.path.join(d, "dump.rdb")


def test_functions_in_rdb_both_ways(server_factory, datadir):
    from persist_util import stop
    ours = server_factory("--dir", datadir)
    c = ours.client()
    c.function_load(LIB)
    c.set("k", "v")
    c.save()
    stop(ours)
    # Debian's redis-server loads our RDB.
    if REAL_SERVER:
        real = server_factory("--dir", datadir, binary=REAL_SERVER)
        rc = real.client()
        assert rc.fcall("getit", 1, "k") == b"v"
        rc.function_load("#!lua name=fromreal\nredis.register_function('fr', function() return 'fr' end)")
        rc.save()
        stop(real)
    ours = server_factory("--dir", datadir)
    c = ours.client()
    assert c.fcall("getit", 1, "k") == b"v"
    if REAL_SERVER:
        assert c.fcall("fr", 0) == b"fr"
    # DEBUG RELOAD keeps them.
    assert c.info("memory")["number_of_libraries"] == (2 if REAL_SERVER else 1)


def test_functions_in_aof(server_factory, datadir):
    from persist_util import stop, wait_rewrite
    s = server_factory("--dir", datadir, "--appendonly", "yes")
    c = s.client()
    c.ping()
    c.function_load(LIB)
    c.fcall("setit", 1, "a", "1")
    c.function_load("#!lua name=tmp\nredis.register_function('tmp', function() return 1 end)")
    c.function_delete("tmp")
    cmds = incr_commands(datadir)
    assert [b"FUNCTION", b"LOAD", LIB.encode()] in [[x.upper() if i < 2 else x for i, x in enumerate(cmd)]
                                                   for cmd in cmds]
    assert [b"set", b"a", b"1"] in [[x.lower() if i == 0 else x for i, x in enumerate(cmd)] for cmd in cmds]
    stop(s)
    s = server_factory("--dir", datadir, "--appendonly", "yes")
    c = s.client()
    assert c.fcall("getit", 1, "a") == b"1"
    assert c.info("memory")["number_of_libraries"] == 1
    # A rewrite (RDB preamble, then plain commands) keeps them too.
    for preamble in ("yes", "no"):
        c.config_set("aof-use-rdb-preamble", preamble)
        c.bgrewriteaof()
        wait_rewrite(c)
        stop(s)
        s = server_factory("--dir", datadir, "--appendonly", "yes")
        c = s.client()
        assert c.fcall("getit", 1, "a") == b"1"


def test_function_kill(server_factory):
    s = server_factory("--busy-reply-threshold", "100")
    c = s.client()
    c.function_load("#!lua name=spin\nredis.register_function{function_name='spin', callback=function() "
                    "local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}")
    runner = s.client()
    result = {}

    def spin():
        try:
            runner.fcall("spin", 0)
        except redis.ResponseError as e:
            result["err"] = str(e)

    t = threading.Thread(target=spin)
    t.start()
    busy = wait_busy(c)
    assert "You can only call FUNCTION KILL or SHUTDOWN NOSAVE." in busy
    stats = c.function_stats()
    assert stats[1][0] == b"name" or b"spin" in str(stats).encode()
    assert c.function_kill() in (True, b"OK")
    t.join(10)
    assert result["err"].startswith("Script killed by user with FUNCTION KILL...")


# struct and cmsgpack (ours are written here; Debian has no such packages):
# results and errors as Redis 7.0's bundled libraries give them.
LIB_CORPUS = [
    "return struct.pack('>I2', 258)", "return struct.pack('<i4', -2)", "return struct.pack('bBhHlLT', -1, 255, -300, 65535, -5, 7, 9)",
    "return struct.pack('!4 b i4 d', 1, 2, 1.5)", "return struct.pack('>d', 3.25)", "return struct.pack('<f', 0.5)",
    "return struct.pack('s', 'hello')", "return struct.pack('c3', 'abcdef')", "return struct.pack('c0', 'abcdef')",
    "return struct.pack('xxB', 7)", "return struct.pack('>i16', -1)", "return struct.pack('>I8', 2^53)",
    "return {struct.unpack('>I2', 'AB')}", "return {struct.unpack('<i4', struct.pack('<i4', -2))}",
    "return {struct.unpack('bBhH', struct.pack('bBhH', -1, 255, -300, 65535))}",
    "return {struct.unpack('s', 'ab\\0cd')}", "return {struct.unpack('B c0', '\\3abcde')}",
    "return {struct.unpack('>I2', 'ABCD', 3)}", "return {struct.unpack('!4 b i4', struct.pack('!4 b i4', 1, 2))}",
    "return tostring(struct.unpack('>d', struct.pack('>d', 3.25)))",
    "return struct.size('!4 b i4 d')", "return struct.size('>I2 c5')", "return struct.size('s')",
    "return struct.pack('z', 1)", "return struct.unpack('>I4', 'AB')", "return struct.pack('i40', 1)",
    "return struct.unpack('c0', 'abc')", "return struct.pack('!3 i4', 1)", "return struct.unpack('s', 'abc')",
    "return cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -32, -33, -128, -129, -32768, -32769, -2147483648, -2147483649)",
    "return cmsgpack.pack(0.5, 3.14159, -1.5, 1e300, 1/0, -1/0)",
    "return cmsgpack.pack('', 'abc', string.rep('x', 31), string.rep('y', 32), string.rep('z', 300), string.rep('w', 70000))",
    "return cmsgpack.pack(true, false, nil)",
    "return cmsgpack.pack({}, {1,2,3}, {a=1}, {1,2,nil,4}, {[1]=1,[3]=3})",
    "return cmsgpack.pack({1,{2,{3,{4,{5,{6,{7,{8,{9,{10,{11,{12,{13,{14,{15,{16,{17,{18}}}}}}}}}}}}}}}}}})",
    "local t = {} for i=1,20 do t[i]=i end return cmsgpack.pack(t)",
    "return cmsgpack.pack(print)",
    "return cmsgpack.pack()",
    "return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1,2}, {x='y'}, true))}",
    "local t = cmsgpack.unpack(cmsgpack.pack({x={1,2,{z='w'}}})) return t.x[3].z",
    "return {cmsgpack.unpack(cmsgpack.pack(-1, -200, 70000, -70000, 2^40, -2^40))}",
    "return tostring(cmsgpack.unpack(cmsgpack.pack(0.25)))",
    "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}",
    "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}",
    "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}",
    "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 5, 1)}",
    "return cmsgpack.unpack('\\205')", "return cmsgpack.unpack('\\193')", "return cmsgpack.unpack_one('ab', 5)",
    "return {cmsgpack.unpack('\\196\\3abc')}", "return cmsgpack.unpack('')",
    "return {cmsgpack.unpack(cmsgpack.pack(string.rep('y', 40), string.rep('z', 300), string.rep('w', 70000)))}",
    "return {cmsgpack.unpack('\\217\\5ab')}",
    "return struct.pack('>i8', -1e30)", "return struct.pack('<f', 1e300)", "return struct.pack('>I8', 1e30)",
    "return struct.pack('>I8', 0/0)", "return struct.pack('>I8', 2^63 + 2^11)", "return cmsgpack.pack(0/0, 1e301)",
    "return {struct.unpack('B c0', '\\255abc')}",
    # cjson (Debian's lua-cjson) as Redis's bundled one
 "return cjson.encode({1.5, 1e20, 0.1, -0, 1/3, 123456789012})",
 "return cjson.encode({})", "return cjson.encode({a={}, b={1,2}})",
 "return cjson.encode({[1]=1, [3]=3})", "return cjson.encode({[1]=1, [20]=3})",
 "return cjson.encode('\\1\\127\\200 \"/\\\\')", "return cjson.encode(cjson.null)",
 "return tostring(cjson.decode('null') == cjson.null)", "return cjson.decode('\"\\\\u00e9\\\\ud83d\\\\ude00\"')",
 "return cjson.encode(cjson.decode('[1e400]'))", "return cjson.decode('[1,2')", "return cjson.encode(function() end)",
 "return cjson.encode(0/0)", "return cjson.encode(1/0)", "return tostring(cjson.decode('123456789012345678'))",
 "local t = {} local c = t for i=1,1100 do c.x = {} c = c.x end return cjson.encode(t)",
 "return cjson.decode(string.rep('[', 1100) .. string.rep(']', 1100))",
 "return type(cjson.encode_keep_buffer)", "return type(cjson.decode_array_with_array_mt)",
 "return cjson.encode({true, false})", "return cjson.decode('{\"a\":[1,{\"b\":2}]}').a[2].b",
 "return cjson.encode_sparse_array and 'y' or 'n'", "return cjson._VERSION", "return cjson.encode(3)", "return cjson.encode(2^53)",

]


def test_struct_and_cmsgpack_match_redis(our_server, real_server):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    diffs = []
    for script in LIB_CORPUS:
        ours = exchange(our_server.port, 2, [["EVAL", script, "0"]])
        theirs = exchange(real_server.port, 2, [["EVAL", script, "0"]])
        if ours != theirs:
            diffs.append((script, ours[:200], theirs[:200]))
    assert diffs == []


# ---- tier metrics through the Redis exporter's -script ----

EXPORTER = "/usr/bin/prometheus-redis-exporter"
TIER_SCRIPT = os.path.join(ROOT, "utils", "monitoring", "tier-metrics.lua")


def test_tier_metrics_script(our_server):
    import subprocess
    import urllib.request
    from conftest import free_port
    with open(TIER_SCRIPT) as f:
        code = f.read()
    c = our_server.client()
    pairs = c.eval(code, 0)
    fields = dict(zip(pairs[::2], pairs[1::2]))
    info = c.info("memory")
    assert int(fields[b"used_memory_dram"]) > 0
    assert b"tier_mode" not in fields and b"used_memory_dram_human" not in fields
    assert set(k.decode() for k in fields) <= set(info)
    if not os.path.exists(EXPORTER):
        pytest.skip("Debian's prometheus-redis-exporter is not installed")
    port = free_port()
    exp = subprocess.Popen([EXPORTER, "-redis.addr", "redis://127.0.0.1:%d" % our_server.port, "-script",
                            TIER_SCRIPT, "-web.listen-address", "127.0.0.1:%d" % port],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body = ""
        deadline = time.time() + 10
        while time.time() < deadline and "redis_script_values" not in body:
            try:
                body = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
            except OSError:
                time.sleep(0.1)
        assert 'redis_script_values{key="used_memory_dram"}' in body
        assert 'redis_script_values{key="used_memory_nvm"}' in body
        assert 'redis_script_values{key="tier_nvm_min_size"}' in body
    finally:
        exp.terminate()
        exp.wait(10)


def test_monitor_shows_script_and_its_commands(our_server, r):
    with socket.create_connection(("127.0.0.1", our_server.port), timeout=10) as m:
        m.sendall(b"MONITOR\r\n")
        assert m.recv(100) == b"+OK\r\n"
        r.eval("redis.call('set','a','1') return redis.call('get','a')", 0)
        data = b""
        while data.count(b"\r\n") < 3:
            data += m.recv(4096)
    lines = [line.split(b" ", 1)[1] for line in data.split(b"\r\n")[:3]]
    assert lines[0].endswith(b'"EVAL" "redis.call(\'set\',\'a\',\'1\') return redis.call(\'get\',\'a\')" "0"')
    assert lines[1:] == [b'[0 lua] "set" "a" "1"', b'[0 lua] "get" "a"']


def test_command_info_matches_redis(our_server, real_server):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    for name in ("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"):
        cmd = [["COMMAND", "INFO", name]]
        assert exchange(our_server.port, 2, cmd) == exchange(real_server.port, 2, cmd), name
    for cmd in (["COMMAND", "GETKEYS", "eval", "return 1", "2", "a", "b", "c"],
                ["COMMAND", "GETKEYS", "fcall", "f", "1", "a", "b"]):
        assert exchange(our_server.port, 2, [cmd]) == exchange(real_server.port, 2, [cmd])


# Functions at run time and the commands' argument errors.
RUN_LIB = """#!lua name=t
redis.register_function('err', function() return redis.call('nosuch') end)
redis.register_function('perr', function() return redis.pcall('nosuch') end)
redis.register_function('lerr', function() error('boom') end)
redis.register_function('keys', function(k, a) return {#k, #a, k[1], a[1]} end)
redis.register_function('glob', function() return KEYS end)
redis.register_function('setg', function() x = 1 end)
redis.register_function('resp3', function() redis.setresp(3) return redis.call('hgetall', 'h') end)
redis.register_function('dbl', function() return {double=1.5} end)
redis.register_function('rand', function() return math.random(1000) end)
redis.register_function{function_name='ro', callback=function() return redis.call('set', 'a', 1) end, flags={'no-writes'}}
redis.register_function{function_name='oom', callback=function() return redis.call('set', 'a', 1) end, flags={'allow-oom'}}
"""
RUN_CASES = [["FCALL", "err", "0"], ["FCALL", "perr", "0"], ["FCALL", "lerr", "0"], ["FCALL", "keys", "2", "a", "b", "c"],
     ["FCALL", "glob", "0"], ["FCALL", "setg", "0"], ["FCALL", "resp3", "0"], ["FCALL", "dbl", "0"], ["FCALL", "ro", "0"],
     ["FCALL_RO", "ro", "0"], ["FCALL_RO", "oom", "0"], ["FCALL", "oom", "0"], ["FCALL", "keys", "x"],
     ["FCALL"], ["FCALL", "keys"], ["FUNCTION", "DELETE"], ["FUNCTION", "LOAD"], ["FUNCTION", "LOAD", "REPLACE"],
     ["FUNCTION", "LOAD", "BAD", LIB], ["FUNCTION", "LIST", "BAD"], ["FUNCTION", "LIST", "LIBRARYNAME"],
     ["FUNCTION", "RESTORE", "x", "BAD"], ["FUNCTION", "STATS", "x"], ["FUNCTION", "KILL"], ["FUNCTION", "DUMP", "x"],
     ["FUNCTION", "NOSUCH"], ["FUNCTION"], ["SCRIPT", "NOSUCH"], ["SCRIPT", "EXISTS"], ["SCRIPT", "LOAD"], ["SCRIPT", "KILL"]]


@pytest.mark.parametrize("proto", [2, 3])
def test_function_runs_match_redis(our_server, real_server, proto):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    for port in (our_server.port, real_server.port):
        exchange(port, proto, [["FUNCTION", "FLUSH"], ["FLUSHALL"], ["HSET", "h", "f", "v"],
                               ["FUNCTION", "LOAD", RUN_LIB]])
    diffs = []
    for cmd in RUN_CASES:
        ours = exchange(our_server.port, proto, [cmd])
        theirs = exchange(real_server.port, proto, [cmd])
        if ours != theirs:
            diffs.append((cmd[:3], ours, theirs))
    for port in (our_server.port, real_server.port):
        exchange(port, proto, [["FUNCTION", "FLUSH"]])
    assert diffs == []


def tracking_run(port):
    """A RESP3 tracking client runs scripts; another changes keys. Returns
    the replies and the invalidation the first one got."""
    exchange(port, 2, [["FLUSHALL"]])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as a:
        a.sendall(encode("HELLO", 3) + encode("ECHO", "ENDMARK"))
        read_until_end(a)
        out = []
        for cmd in (["CLIENT", "TRACKING", "ON"], ["EVAL", "return redis.call('get', KEYS[1])", "1", "k"],
                    ["EVAL", "return redis.call('get', 'other')", "0"],
                    ["EVAL", "redis.call('set', 'w', 1) return 1", "1", "wk"]):
            a.sendall(encode(*cmd) + encode("ECHO", "ENDMARK"))
            out.append(read_until_end(a))
        exchange(port, 2, [["SET", "other", "x"], ["SET", "wk", "1"], ["SET", "k", "v2"]])
        a.sendall(encode("ECHO", "ENDMARK"))
        out.append(read_until_end(a))
    return out


def test_scripts_reads_are_tracked_like_redis(our_server, real_server):
    if real_server is None:
        pytest.skip("Debian's redis-server is not installed")
    ours = tracking_run(our_server.port)
    assert ours[-1] == b">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"
    assert ours == tracking_run(real_server.port)
