#!/usr/bin/python3
"""test_stdlib_listed.py: every name the standard library puts in scope is in stdlib/README.md.

    test_stdlib_listed.py PATH/TO/zy REPO_ROOT

The names come from `zy lsp` as an editor sees them: completion on an empty file gives
every global (builtins, the prelude, the modules), and completion after `MODULE.` each
module's members. Each must appear in stdlib/README.md as `name` (or `module.name`) in
backquotes, so the reference cannot fall behind the library.
"""
import re
import sys

from lsp_client import Client  # tests/driver/lsp_client.py

zy, root = sys.argv[1], sys.argv[2]
client = Client(zy)


def request(method, params):
    return client.request(method, params).get("result")


uri = "file:///nowhere/names.zy"
request("initialize", {"capabilities": {}})
client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "zy", "version": 1, "text": "\n"}})
names = []
for item in request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}):
    if item["kind"] == 14:  # keywords are the language's, not the library's
        continue
    names.append(item["label"])
    if item["kind"] == 9:  # a module: its members
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                 "contentChanges": [{"text": item["label"] + ".\n"}]})
        members = request("textDocument/completion", {"textDocument": {"uri": uri},
                                                      "position": {"line": 0, "character": len(item["label"]) + 1}})
        names += [item["label"] + "." + m["label"] for m in members]
request("shutdown", None)
client.notify("exit", None)
client.proc.wait(timeout=10)

listed = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_.]*)", open(f"{root}/stdlib/README.md").read()))
listed |= {n.split(".")[0] for n in listed}  # a module is listed with its members
missing = sorted(n for n in names if n not in listed)
print(f"{len(names)} names in scope, {len(names) - len(missing)} listed in stdlib/README.md")
for n in missing:
    print("MISSING", n)
sys.exit(1 if missing or len(names) < 200 else 0)
