"""ACL users, rules, permission checks and the ACL command, side by side with
Debian's redis-server 7.0 (the `real` fixture): the same rules must give the
same ACL LIST / GETUSER text, the same errors, the same NOPERM replies, the
same DRYRUN answers and the same ACL LOG entries.

Redis lists single-command rules in the order of its command hash table
(seeded at random per process), so the commands part of a rule string is
compared as: "+@all"/"-@all" and the category rules in order, the single
commands as a set.
"""
import pytest
import redis

from differential import raw, resp2_transcript, resp3_transcript


def outcome(c, *args):
    """The reply, or the error's class and text (NOAUTH and friends
    included)."""
    try:
        return ("reply", plain(raw(c, *args)))
    except redis.RedisError as e:
        return ("error", type(e).__name__, str(e))


def plain(reply):
    """Errors inside an array (EXEC) as comparable tuples."""
    if isinstance(reply, list):
        return [plain(x) for x in reply]
    if isinstance(reply, Exception):
        return ("error", type(reply).__name__, str(reply))
    return reply


@pytest.fixture
def both(r, real):
    yield r, real
    for c in (r, real):
        for u in raw(c, "ACL", "USERS"):
            if u != b"default":
                raw(c, "ACL", "DELUSER", u)
        raw(c, "ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
        raw(c, "ACL", "LOG", "RESET")


def user_client(server_client, user, password="pw", **kw):
    """A new connection to the same server, authenticated as `user`."""
    kwargs = server_client.connection_pool.connection_kwargs
    return redis.Redis(host=kwargs["host"], port=kwargs["port"], username=user, password=password,
                       socket_timeout=10, **kw)


def norm_rules(text):
    """Category rules in order, single commands as a sorted list."""
    if isinstance(text, bytes):
        text = text.decode()
    toks = text.split()
    cats = [t for t in toks if t[1:2] == "@"]
    singles = sorted(t for t in toks if t[1:2] != "@")
    return cats, singles


def norm_list_line(line):
    """ACL LIST rules with each selector's command rules normalised."""
    line = line.decode() if isinstance(line, bytes) else line
    out = []
    for part in line.replace(")", "").split(" ("):
        toks = part.split()
        head = [t for t in toks if t[0] not in "+-"]
        out.append((head, norm_rules(" ".join(t for t in toks if t[0] in "+-"))))
    return out


def norm_getuser(reply):
    d = {}
    it = iter(reply)
    for k, v in zip(it, it):
        k = k.decode()
        if k == "commands":
            v = norm_rules(v)
        elif k == "flags":
            v = sorted(v)
        elif k == "selectors":
            sels = []
            for s in v:
                sd = dict(zip(s[::2], s[1::2]))
                sd[b"commands"] = norm_rules(sd[b"commands"])
                sels.append(sd)
            v = sels
        d[k] = v
    return d


RULE_SETS = [
    ["on", ">p1", "~k*", "%R~r*", "%W~w*", "&ch*", "+@read", "-@read", "+get", "+config|get", "+select|0"],
    ["+@all", "-@dangerous", "-flushall", "+client|id"],
    ["+@read", "-get", "+@read"],
    ["+@string", "+@hash", "-hget", "+@write", "allkeys"],
    ["allcommands", "-@keyspace", "~*", "allchannels"],
    ["on", "nopass", "allkeys", "resetkeys", "~a", "%RW~b", "%R~a"],
    ["on", ">a", ">b", "<a", "#" + "a" * 64, "!" + "a" * 64],
    ["on", "nopass", "+@all", "(~x* +get)", "(%R~y* &c +@hash -hset)"],
    ["on", "+get", "(~x +set)", "clearselectors", "(~z +del)"],
    ["reset"],
    ["on", "+@all", "-config|set", "-client|kill", "-client|list"],
    ["+debug|object", "+debug|digest"],
    ["%R", "&", "~", "resetchannels", "&a", "&a"],
    ["+@pubsub", "+@scripting", "+@hash", "-@fast"],
    ["skip-sanitize-payload", "+@all", "nocommands", "+ping"],
]


def rules_of(line):
    """The rules of an ACL LIST line, without "user <name>"."""
    return line.decode().split(" ", 2)[2]


@pytest.mark.parametrize("rules", RULE_SETS, ids=range(len(RULE_SETS)))
def test_setuser_list_getuser_match_redis(both, rules):
    """Our description of the rules, given back to Redis, must describe the
    same permissions as Redis's own. (Text equality is not expected: Redis
    picks categories by counting commands, and its table has commands we
    do not have yet, such as streams and cluster.)"""
    r, real = both
    for c in (r, real):
        assert raw(c, "ACL", "SETUSER", "u1", *rules) == b"OK"
    ours = [l for l in raw(r, "ACL", "LIST") if l.startswith(b"user u1 ")][0]
    theirs = [l for l in raw(real, "ACL", "LIST") if l.startswith(b"user u1 ")][0]
    known = {c[0].decode() for c in raw(real, "COMMAND")}
    replay = []
    for tok in rules_of(ours).replace("(", "( ").replace(")", " )").split():
        name = tok[1:].split("|")[0]
        if tok[0] in "+-" and tok[1:2] != "@" and name not in known:
            continue  # a command only we have (MEMORY TIER)
        replay.append(tok)
    # Re-join "( ... )" groups into single arguments.
    args, group = [], None
    for tok in replay:
        if tok == "(":
            group = []
        elif tok == ")":
            args.append("(" + " ".join(group) + ")")
            group = None
        elif group is not None:
            group.append(tok)
        else:
            args.append(tok)
    raw(real, "ACL", "DELUSER", "u2")
    assert raw(real, "ACL", "SETUSER", "u2", *args) == b"OK"
    again = [l for l in raw(real, "ACL", "LIST") if l.startswith(b"user u2 ")][0]
    assert norm_list_line(rules_of(again)) == norm_list_line(rules_of(theirs))
    g_ours, g_theirs = raw(r, "ACL", "GETUSER", "u1"), raw(real, "ACL", "GETUSER", "u1")
    for k in (b"flags", b"passwords", b"keys", b"channels"):
        i = g_ours.index(k)
        assert g_ours[i + 1] == g_theirs[i + 1] or sorted(g_ours[i + 1]) == sorted(g_theirs[i + 1]), k
    assert len(g_ours[g_ours.index(b"selectors") + 1]) == len(g_theirs[g_theirs.index(b"selectors") + 1])


def test_describe_exact_when_order_is_fixed(both):
    # With at most one single-command rule the whole line is exact.
    r, real = both
    for rules in (["on", ">x", "~k*", "+@hash", "+get"], ["+@all", "-@admin"], ["on", "nopass"],
                  ["+@all", "-@dangerous", "-@admin"], ["%R~a", "%W~b", "&c", "+@geo"]):
        for c in (r, real):
            raw(c, "ACL", "SETUSER", "e1", "reset", *rules)
        assert raw(r, "ACL", "GETUSER", "e1") == raw(real, "ACL", "GETUSER", "e1")
        assert [l for l in raw(r, "ACL", "LIST") if b" e1 " in l] == [l for l in raw(real, "ACL", "LIST")
                                                                       if b" e1 " in l]


BAD_RULES = [
    ["~*", "~a"], ["&*", "&a"], ["<nope"], ["#abc"], ["!" + "A" * 64], ["+nosuch"], ["+@nosuch"], ["-@nosuch"],
    ["foo"], ["+config|get|x"], ["-get|x"], ["+get|"], ["(+get"], ["(foo)"], ["(+get", "~x", "+nosuch)"],
    ["%X~a"], ["%RR~a"], ["+"], ["-"], ["allkeys", "%R~x"],
]


@pytest.mark.parametrize("rules", BAD_RULES, ids=range(len(BAD_RULES)))
def test_setuser_errors_match_redis(both, rules):
    r, real = both
    ours = outcome(r, "ACL", "SETUSER", "bad", *rules)
    theirs = outcome(real, "ACL", "SETUSER", "bad", *rules)
    assert ours == theirs
    assert ours[0] == "error"
    # A failed SETUSER creates nothing.
    assert raw(r, "ACL", "GETUSER", "bad") is None


def test_setuser_username_and_deluser_errors(both):
    r, real = both
    for args in (["SETUSER", "a b"], ["DELUSER", "default"], ["DELUSER", "x", "default"], ["GETUSER", "nobody"],
                 ["CAT", "nosuch"], ["GENPASS", "0"], ["GENPASS", "4097"], ["GENPASS", "x"], ["LOG", "x"],
                 ["DRYRUN", "nobody", "get", "k"], ["LOAD"], ["SAVE"], ["WHOAMI"], ["USERS"]):
        assert outcome(r, "ACL", *args) == outcome(real, "ACL", *args), args


def test_genpass_lengths(r):
    assert len(raw(r, "ACL", "GENPASS")) == 64
    assert len(raw(r, "ACL", "GENPASS", "5")) == 2
    assert len(raw(r, "ACL", "GENPASS", "4096")) == 1024
    assert raw(r, "ACL", "GENPASS") != raw(r, "ACL", "GENPASS")


def test_acl_cat_matches_redis(both):
    r, real = both
    cats = raw(real, "ACL", "CAT")
    assert raw(r, "ACL", "CAT") == cats
    ours_cmds = set()
    for c in raw(r, "COMMAND"):
        ours_cmds.add(c[0])
        ours_cmds.update(s[0] for s in c[9])
    for cat in cats:
        theirs = set(raw(real, "ACL", "CAT", cat))
        ours = set(raw(r, "ACL", "CAT", cat.upper()))
        # Commands we do not have yet (streams, cluster, modules...) aside.
        missing = {c for c in theirs if c not in ours_cmds}
        assert ours & theirs == theirs - missing, cat
        # Ours only: commands Redis does not have (MEMORY TIER).
        theirs_all = {c[0] for c in raw(real, "COMMAND")}
        assert {c for c in ours - theirs if c.split(b"|")[0] in theirs_all and c != b"memory|tier"} == set(), cat


def test_command_info_categories_match_redis(both):
    r, real = both
    theirs = {c[0]: c for c in raw(real, "COMMAND")}
    diffs = []
    for c in raw(r, "COMMAND"):
        t = theirs.get(c[0])
        if t is None:
            continue
        if sorted(c[6]) != sorted(t[6]):
            diffs.append((c[0], c[6], t[6]))
        subs = {s[0]: s for s in t[9]}
        for s in c[9]:
            ts = subs.get(s[0])
            if ts is not None and sorted(s[6]) != sorted(ts[6]):
                diffs.append((s[0], s[6], ts[6]))
    assert diffs == []


NOPERM_CASES = [
    ("get", "k1"), ("get", "zz"), ("set", "k1", "v"), ("set", "r1", "v"), ("set", "w1", "v"), ("get", "w1"),
    ("hget", "k1", "f"), ("config", "get", "maxmemory"), ("config", "set", "maxmemory", "0"),
    ("select", "0"), ("select", "1"), ("publish", "ch1", "m"), ("publish", "zz", "m"), ("mget", "k1", "zz", "r1"),
    ("copy", "r1", "w1"), ("copy", "k1", "r2"), ("lmove", "r1", "w1", "left", "left"), ("exists", "w1"),
    ("zunionstore", "k1", "2", "r1", "zz"), ("zunionstore", "w1", "2", "r1", "r2"), ("ping",),
    ("sort", "r1", "store", "zz"), ("eval", "return 1", "1", "zz"), ("auth", "x", "y"), ("dbsize",),
    ("spublish", "ch1", "m"),
]


def test_noperm_errors_match_redis(both):
    r, real = both
    rules = ["on", ">pw", "~k*", "%R~r*", "%W~w*", "&ch*", "+@read", "+@write", "-hget", "+config|get",
             "+select|0", "+publish", "+copy", "+zunionstore", "+sort", "+eval", "-dbsize", "+spublish"]
    clients = []
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "limited", *rules)
        clients.append(user_client(c, "limited"))
    uo, ut = clients
    for args in NOPERM_CASES:
        assert outcome(uo, *args) == outcome(ut, *args), args
        assert outcome(r, "ACL", "DRYRUN", "limited", *args) == outcome(real, "ACL", "DRYRUN", "limited", *args), args
    uo.close()
    ut.close()


def test_selectors_allow_by_any(both):
    r, real = both
    clients = []
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "sel", "on", ">pw", "~a*", "+get", "(~b* +set)", "(%R~c* +@read)")
        clients.append(user_client(c, "sel"))
    for args in (("get", "a1"), ("get", "b1"), ("set", "b1", "x"), ("set", "a1", "x"), ("get", "c1"),
                 ("mget", "a1", "c1"), ("strlen", "b1"), ("set", "c1", "v")):
        assert outcome(clients[0], *args) == outcome(clients[1], *args), args
    for c in clients:
        c.close()


def test_pubsub_channel_permissions(both):
    r, real = both
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "ps", "on", ">pw", "+@all", "&news.*", "&exact")
    for args in (("subscribe", "news.a"), ("subscribe", "other"), ("psubscribe", "news.*"), ("psubscribe", "n*"),
                 ("ssubscribe", "exact"), ("ssubscribe", "x"), ("publish", "news.x", "m"), ("unsubscribe", "zz")):
        res = []
        for c in (r, real):
            u = user_client(c, "ps")
            res.append(outcome(u, *args))
            u.close()
        assert res[0] == res[1], args


def test_acl_pubsub_default_allchannels(server_factory):
    s = server_factory("--acl-pubsub-default", "allchannels")
    c = s.client()
    c.execute_command("ACL", "SETUSER", "n1", "on", "nopass", "+@all")
    assert "&*" in c.execute_command("ACL", "LIST")[1].decode()
    c.execute_command("ACL", "SETUSER", "n2", "reset")
    assert c.execute_command("ACL", "GETUSER", "n2")[9] == b"&*"


def log_entries(c, n=10):
    out = []
    for e in raw(c, "ACL", "LOG", str(n)):
        d = dict(zip(e[::2], e[1::2]))
        out.append({k: d[k] for k in (b"count", b"reason", b"context", b"object", b"username")})
    return out


def test_acl_log_entries_match_redis(both):
    r, real = both
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "lg", "on", ">pw", "~k*", "&c*", "+@all", "-hget")
        u = user_client(c, "lg")
        for args in (("get", "zz"), ("get", "zz"), ("hget", "k", "f"), ("publish", "x", "m"),
                     ("eval", "return redis.call('get','yy')", "0")):
            outcome(u, *args)
        p = u.pipeline(transaction=True)
        p.get("zz2")
        try:
            p.execute()
        except redis.RedisError:
            pass
        outcome(u, "AUTH", "lg", "wrong")
        outcome(u, "AUTH", "nouser", "x")
        outcome(u, "hello", "2", "AUTH", "nouser", "x")
        p = u.pipeline(transaction=True)
        p.execute_command("AUTH", "in", "multi")
        try:
            p.execute()
        except redis.RedisError:
            pass
        u.close()
    assert log_entries(r) == log_entries(real)
    e = raw(r, "ACL", "LOG", "1")[0]
    d = dict(zip(e[::2], e[1::2]))
    assert float(d[b"age-seconds"]) < 5
    assert b"user=lg" in d[b"client-info"] and b"cmd=auth" in d[b"client-info"]
    assert raw(r, "ACL", "LOG", "RESET") == b"OK"
    assert raw(r, "ACL", "LOG") == []


def test_acllog_max_len(r):
    r.config_set("acllog-max-len", 2)
    try:
        for u in ("a", "b", "c"):
            outcome(r, "AUTH", u, "x")
        assert [e[9] for e in raw(r, "ACL", "LOG")] == [b"c", b"b"]
    finally:
        r.config_set("acllog-max-len", 128)
        raw(r, "ACL", "LOG", "RESET")


def test_auth_and_hello_flows_match_redis(both):
    r, real = both
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "au", "on", ">secret", "+@all", "~*")
        raw(c, "ACL", "SETUSER", "off1", "off", ">secret", "+@all")
    for args in (("AUTH", "au", "secret"), ("AUTH", "au", "bad"), ("AUTH", "off1", "secret"), ("AUTH", "nobody", "x"),
                 ("AUTH", "x"), ("AUTH", "a", "b", "c"), ("HELLO", "2", "AUTH", "au", "bad"),
                 ("HELLO", "2", "AUTH", "nobody", "x"), ("HELLO", "2", "AUTH", "au")):
        fresh = []
        for c in (r, real):
            u = user_client(c, None, None, single_connection_client=True)
            fresh.append(outcome(u, *args))
            u.close()
        assert fresh[0] == fresh[1], args
    u = user_client(r, None, None, single_connection_client=True)
    raw(u, "AUTH", "au", "secret")
    assert raw(u, "ACL", "WHOAMI") == b"au"
    hello = raw(u, "HELLO", "2", "AUTH", "default", "whatever", "SETNAME", "n1")
    assert hello[hello.index(b"proto") + 1] == 2
    assert raw(u, "ACL", "WHOAMI") == b"default"
    raw(u, "AUTH", "au", "secret")
    raw(u, "RESET")
    assert raw(u, "ACL", "WHOAMI") == b"default"
    u.close()


def test_requirepass_is_default_password(server_factory, real_server):
    s = server_factory("--requirepass", "topsecret")
    c = s.client()
    with pytest.raises(redis.AuthenticationError):
        c.ping()
    c = s.client(password="topsecret")
    assert c.ping()
    line = c.execute_command("ACL", "LIST")[0].decode()
    assert line.startswith("user default on #") and "nopass" not in line
    # HELLO without AUTH on an unauthenticated connection: Redis's NOAUTH text.
    u = s.client(single_connection_client=True)
    with pytest.raises(redis.AuthenticationError, match="HELLO must be called with the client already"):
        u.execute_command("HELLO", "3")
    # CONFIG SET requirepass "" makes default passwordless again.
    c.config_set("requirepass", "")
    assert "nopass" in c.execute_command("ACL", "LIST")[0].decode()
    assert s.client().ping()


def test_default_user_off_needs_auth(both):
    r, real = both
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "admin", "on", ">pw", "+@all", "~*")
    admin = [user_client(c, "admin") for c in (r, real)]
    for a in admin:
        raw(a, "ACL", "SETUSER", "default", "off")
    res = []
    for c in (r, real):
        u = user_client(c, None, None, single_connection_client=True)
        res.append((outcome(u, "PING"), outcome(u, "AUTH", "default", "x")))
        u.close()
    assert res[0] == res[1]
    for a in admin:
        raw(a, "ACL", "SETUSER", "default", "on")
        a.close()


def test_multi_exec_checks_at_queue_and_exec(both):
    r, real = both
    results = []
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "mx", "on", ">pw", "~k*", "+@all")
        u = user_client(c, "mx", single_connection_client=True)
        a = [outcome(u, "MULTI"), outcome(u, "GET", "zz"), outcome(u, "EXEC")]
        a += [outcome(u, "MULTI"), outcome(u, "SET", "k1", "v"), outcome(u, "GET", "k1")]
        raw(c, "ACL", "SETUSER", "mx", "-get")
        a.append(outcome(u, "EXEC"))
        a.append(log_entries(c, 1))
        results.append(a)
        u.close()
    assert results[0] == results[1]


def test_script_acl_errors_match_redis(both):
    r, real = both
    res = []
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "sc", "on", ">pw", "~k*", "&c*", "+@all", "-hget")
        u = user_client(c, "sc")
        out = []
        for script in ("return redis.call('get','zz')", "return redis.pcall('get','zz')",
                       "return redis.call('hget','k','f')", "return redis.call('publish','x','m')",
                       "return redis.call('set','k1','v')"):
            o = outcome(u, "EVAL", script, "0")
            if o[0] == "error":
                o = ("error", o[1].split(" script:")[0])
            out.append(o)
        out.append(outcome(u, "FCALL", "nosuch", "0"))
        out.append(log_entries(c, 3))
        res.append(out)
        u.close()
    assert res[0] == res[1]


def test_command_getkeys_movable_matches_redis(both):
    r, real = both
    for args in (("zunionstore", "dst", "2", "s1", "s2"), ("zinterstore", "d", "3", "a", "b", "c", "weights", "1",
                                                           "2", "3"),
                 ("eval", "x", "2", "k1", "k2", "a"), ("sort", "k", "store", "d"), ("lmpop", "2", "a", "b", "left"),
                 ("zdiff", "2", "a", "b"), ("georadius", "k", "0", "0", "1", "m", "store", "d"),
                 ("rename", "a", "b"), ("sinterstore", "d", "a", "b"), ("blmpop", "0", "2", "a", "b", "left")):
        assert outcome(r, "COMMAND", "GETKEYS", *args) == outcome(real, "COMMAND", "GETKEYS", *args), args


def test_deluser_closes_its_connections(both):
    r, _ = both
    raw(r, "ACL", "SETUSER", "gone", "on", ">pw", "+@all", "~*")
    victim = user_client(r, "gone", single_connection_client=True)
    assert victim.ping()
    other = user_client(r, "gone", single_connection_client=True)
    assert other.ping()
    assert raw(r, "CLIENT", "KILL", "USER", "gone") == 2
    with pytest.raises(redis.ConnectionError):
        victim.ping()
    victim.close()
    other.close()
    victim = user_client(r, "gone", single_connection_client=True)
    assert victim.ping()
    assert raw(r, "ACL", "DELUSER", "gone", "nobody") == 1
    with pytest.raises(redis.ConnectionError):
        victim.ping()
    victim.close()
    with pytest.raises(redis.ResponseError, match="No such user 'gone'"):
        raw(r, "CLIENT", "KILL", "USER", "gone")
    # A user deleting itself gets its reply, then the connection closes.
    raw(r, "ACL", "SETUSER", "self", "on", ">pw", "+@all", "~*")
    me = user_client(r, "self", single_connection_client=True)
    assert raw(me, "ACL", "DELUSER", "self") == 1
    with pytest.raises(redis.ConnectionError):
        me.ping()
    me.close()


def test_client_list_shows_user(both):
    r, _ = both
    raw(r, "ACL", "SETUSER", "cl", "on", ">pw", "+@all", "~*")
    u = user_client(r, "cl", single_connection_client=True)
    assert b" user=cl " in raw(u, "CLIENT", "INFO")
    assert b" user=default " in raw(r, "CLIENT", "INFO")
    u.close()


# ---- the ACL file and `user` lines ----

def test_aclfile_load_save(server_factory, datadir, tmp_path):
    path = tmp_path / "users.acl"
    path.write_text("user alice on >apw ~a* +@read\nuser default on nopass ~* &* +@all\n")
    s = server_factory("--aclfile", str(path))
    c = s.client()
    assert sorted(c.execute_command("ACL", "USERS")) == [b"alice", b"default"]
    alice = s.client(username="alice", password="apw")
    assert alice.get("a1") is None
    with pytest.raises(redis.exceptions.NoPermissionError):
        alice.set("a1", "v")
    c.execute_command("ACL", "SETUSER", "bob", "on", ">bpw", "+get", "~b*")
    assert c.execute_command("ACL", "SAVE") == b"OK"
    text = path.read_text()
    assert "user bob on #" in text and "user alice on #" in text
    # ACL LOAD replaces the users and closes the connections of the old ones
    # (every user but default, as Redis 7.0).
    path.write_text("user carol on >cpw +@all ~*\n")
    assert c.execute_command("ACL", "LOAD") == b"OK"
    assert sorted(c.execute_command("ACL", "USERS")) == [b"carol", b"default"]
    # (redis-py reconnects once and then fails to AUTH as alice.)
    with pytest.raises((redis.ConnectionError, redis.ResponseError)):
        alice.get("a1")
    assert c.ping()
    # A bad file changes nothing and says why, line by line.
    path.write_text("user x on\nfoo bar\nuser y on +nosuch\nuser z on badrule\nuser x off\nuser w (+get\n")
    with pytest.raises(redis.ResponseError) as e:
        c.execute_command("ACL", "LOAD")
    msg = str(e.value)
    assert f"{path}:2 should start with user keyword followed by the username." in msg
    assert f"{path}:3: Error in applying operation '+nosuch': Unknown command or category name in ACL." in msg
    assert f"{path}:4: Syntax error." in msg
    assert "WARNING: Duplicate user 'x' found on line 5." in msg
    assert f"{path}:6: Unmatched parenthesis in selector definition." in msg
    assert msg.endswith("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
    assert sorted(c.execute_command("ACL", "USERS")) == [b"carol", b"default"]


def test_acl_load_error_matches_redis(server_factory, tmp_path):
    results = []
    for binary in (None, "real"):
        path = tmp_path / f"u-{binary}.acl"
        path.write_text("user default on nopass ~* &* +@all\n")
        kw = {} if binary is None else {"binary": "/usr/bin/redis-server"}
        s = server_factory("--aclfile", str(path), **kw)
        path.write_text("user x on\nfoo bar\nuser y on +nosuch badrule\nuser x off\nuser w (+get\n")
        c = s.client()
        results.append(outcome(c, "ACL", "LOAD")[1].replace(str(path), "PATH"))
    assert results[0] == results[1]


def test_bad_aclfile_refuses_startup(server_factory, tmp_path):
    path = tmp_path / "bad.acl"
    path.write_text("user a on +nosuch\n")
    with pytest.raises(RuntimeError) as e:
        server_factory("--aclfile", str(path))
    assert "Aborting Redis startup because of ACL errors" in str(e.value)
    with pytest.raises(RuntimeError) as e:
        server_factory("--aclfile", str(path), "--user", "x", "on")
    assert "an ACL file path is invalid" in str(e.value)
    with pytest.raises(RuntimeError) as e:
        server_factory("--user", "x", "on", "badrule")
    assert "badrule" in str(e.value)


def test_user_lines_in_config(server_factory):
    s = server_factory(config_text="user app on >apppw ~app:* +@read +@write -@dangerous\n"
                                   "user default on nopass ~* &* +@all\n")
    app = s.client(username="app", password="apppw")
    app.set("app:1", "v")
    with pytest.raises(redis.exceptions.NoPermissionError, match="keys"):
        app.set("other", "v")
    assert sorted(s.client().execute_command("ACL", "USERS")) == [b"app", b"default"]


def test_acl_commands_flags_and_categories_match_redis(both):
    r, real = both
    assert raw(r, "COMMAND", "INFO", "acl")[0][9] is not None
    ours = {s[0]: (s[1], sorted(s[2]), sorted(s[6])) for s in raw(r, "COMMAND", "INFO", "acl")[0][9]}
    theirs = {s[0]: (s[1], sorted(s[2]), sorted(s[6])) for s in raw(real, "COMMAND", "INFO", "acl")[0][9]}
    assert ours == theirs


def test_protected_configs_and_commands_match_redis(both, tmp_path):
    """Redis 7.0's defaults: enable-protected-configs, enable-debug-command
    and enable-module-command are "no"."""
    r, real = both
    for args in (("CONFIG", "SET", "dir", str(tmp_path)), ("CONFIG", "SET", "dbfilename", "x.rdb"),
                 ("DEBUG", "SLEEP", "0"), ("MODULE", "LIST"), ("CONFIG", "GET", "enable-debug-command"),
                 ("CONFIG", "GET", "enable-protected-configs"), ("CONFIG", "GET", "enable-module-command")):
        assert outcome(r, *args) == outcome(real, *args), args


def test_acl_check_applies_to_protected_and_admin_commands(both):
    r, real = both
    res = []
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "nodanger", "on", ">pw", "~*", "+@all", "-@dangerous")
        u = user_client(c, "nodanger")
        res.append([outcome(u, *a) for a in (("FLUSHALL",), ("CONFIG", "SET", "maxmemory", "0"), ("KEYS", "*"),
                                              ("ACL", "SETUSER", "x"), ("ACL", "WHOAMI"), ("CLIENT", "KILL", "ID", "9"),
                                              ("PING",))])
        u.close()
    assert res[0] == res[1]


def test_config_rewrite_writes_users(server_factory):
    s = server_factory(config_text="user old on nopass +@all ~*\n")
    c = s.client()
    c.execute_command("ACL", "SETUSER", "new", "on", ">pw", "~n*", "+get")
    c.execute_command("ACL", "DELUSER", "old")
    assert c.config_rewrite()
    text = open(s.config).read()
    assert "user old" not in text
    assert "user default on nopass ~* &* +@all" in text
    assert "user new on #" in text and "~n* resetchannels -@all +get" in text


def test_narrowed_channels_close_subscribers_as_redis(both):
    """ACL SETUSER that takes a channel away closes the user's subscribers
    holding it; widening keeps them (Redis 7.0's
    ACLKillPubsubClientsIfNeeded)."""
    r, real = both
    cases = ((["&*"], ("SUBSCRIBE", "q"), ["resetchannels", "&x"]),
             (["&a*", "&b"], ("SUBSCRIBE", "b"), ["resetchannels", "&a*"]),
             (["&a*", "&b"], ("SUBSCRIBE", "b"), ["&zz"]),
             (["&a*"], ("PSUBSCRIBE", "a*"), ["resetchannels", "&a*x", "&a*"]),
             (["&a*"], ("PSUBSCRIBE", "a*"), ["resetchannels", "&ab"]),
             (["&a*"], ("SSUBSCRIBE", "abc"), ["resetchannels", "&abc"]))
    results = []
    for c in (r, real):
        out = []
        for first, sub, change in cases:
            raw(c, "ACL", "SETUSER", "psu", "reset", "on", "nopass", "+@all", *first)
            s = user_client(c, "psu", None, single_connection_client=True)
            s.execute_command(*sub)
            raw(c, "ACL", "SETUSER", "psu", *change)
            try:
                s.connection.send_command("PING")
                out.append(("alive", s.connection.read_response()))
            except redis.ConnectionError:
                out.append("closed")
            s.close()
        results.append(out)
    assert results[0] == results[1]
    assert results[0][0] == "closed" and results[0][2][0] == "alive"


def test_key_specs_match_redis(both):
    """ACL key permissions follow the key specs' flags: every command both
    servers have reports Redis 7.0's specs in COMMAND INFO."""
    r, real = both

    def specs(c):
        out = {}
        for cmd in raw(c, "COMMAND"):
            out[cmd[0]] = cmd[8]
            for sub in cmd[9]:
                out[sub[0]] = sub[8]
        return out

    ours, theirs = specs(r), specs(real)
    assert [k for k in ours if k in theirs and ours[k] != theirs[k]] == []


def test_setuser_arguments_redacted_in_slowlog(both):
    r, real = both
    out = []
    for c in (r, real):
        raw(c, "CONFIG", "SET", "slowlog-log-slower-than", "0")
        raw(c, "SLOWLOG", "RESET")
        raw(c, "ACL", "SETUSER", "sl", "on", ">secretpw")
        entries = raw(c, "SLOWLOG", "GET", "10")
        raw(c, "CONFIG", "SET", "slowlog-log-slower-than", "10000")
        out.append([e[3] for e in entries if e[3][:2] == [b"ACL", b"SETUSER"]])
    assert out[0] == out[1]
    assert b"secretpw" not in repr(out[0]).encode()


def test_getuser_and_acl_replies_byte_for_byte(both):
    """RESP2 and RESP3 bytes of GETUSER (map, set of flags, selectors), CAT,
    WHOAMI, DRYRUN and the ACL errors, as Redis sends them."""
    r, real = both
    for c in (r, real):
        raw(c, "ACL", "SETUSER", "bb", "on", "#" + "b" * 64, "~k*", "%R~r*", "&c", "+@hash", "(~x* +get)")
    cmds = [["ACL", "GETUSER", "bb"], ["ACL", "GETUSER", "nobody"], ["ACL", "CAT"], ["ACL", "WHOAMI"],
            ["ACL", "DRYRUN", "bb", "hget", "k1", "f"], ["ACL", "DRYRUN", "bb", "get", "zz"],
            ["ACL", "DRYRUN", "bb", "set", "zz", "v"], ["ACL", "SETUSER", "bb", "+nosuch"],
            ["ACL", "LOG", "0"], ["ACL", "DELUSER", "default"], ["ACL"], ["ACL", "NOSUCH"]]
    ports = [c.connection_pool.connection_kwargs["port"] for c in (r, real)]
    assert resp3_transcript(ports[0], cmds) == resp3_transcript(ports[1], cmds)
    assert resp2_transcript(ports[0], cmds) == resp2_transcript(ports[1], cmds)
