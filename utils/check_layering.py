#!/usr/bin/env python3
"""Fails when a file in src/ includes a header from a layer above its own.

The layers and their allowed dependencies are DESIGN.md "Layout":
common -> alloc -> ds -> object -> db -> commands -> script -> server; resp and net
depend only on common and alloc; persist on object and db (and below); acl on
common only (commands and above call it); repl and cluster sit beside each other,
above commands and below server.
"""
import os
import re
import sys

ALLOWED = {
    "common": set(),
    "alloc": {"common"},
    "ds": {"common", "alloc"},
    "object": {"common", "alloc", "ds"},
    "db": {"common", "alloc", "ds", "object"},
    "resp": {"common", "alloc"},
    "net": {"common", "alloc"},
    "acl": {"common"},
    "persist": {"common", "alloc", "ds", "object", "db"},
    "commands": {"common", "alloc", "ds", "object", "db", "resp", "net", "persist", "acl"},
    "script": {"common", "alloc", "ds", "object", "db", "resp", "net", "persist", "acl", "commands"},
    "repl": {"common", "alloc", "ds", "object", "db", "resp", "net", "persist", "acl", "commands"},
    "cluster": {"common", "alloc", "ds", "object", "db", "resp", "net", "persist", "acl", "commands"},
    "server": {"common", "alloc", "ds", "object", "db", "resp", "net", "persist", "acl", "commands", "script", "repl",
               "cluster"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main(root):
    bad = []
    for layer in sorted(os.listdir(root)):
        d = os.path.join(root, layer)
        if not os.path.isdir(d):
            continue
        if layer not in ALLOWED:
            bad.append(f"{d}: folder is not a known layer (add it to utils/check_layering.py)")
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith((".h", ".cc", ".c")):
                continue
            path = os.path.join(d, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                for no, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1) != layer and m.group(1) in ALLOWED \
                            and m.group(1) not in ALLOWED[layer]:
                        bad.append(f"{path}:{no}: {layer} must not include {m.group(1)}/")
    for b in bad:
        print(b)
    print(f"layering: {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src"))
