#!/usr/bin/python3
"""test_stdlib_listed.py: every name the standard library puts in scope is in stdlib/README.md.

    test_stdlib_listed.py PATH/TO/zy REPO_ROOT

The names come from `zy lsp` as an editor sees them: completion on an empty file gives
every global (builtins, the prelude, the modules), and completion after `MODULE.` each
module's members. Each must appear in stdlib/README.md as `name` (or `module.name`) in
backquotes, so the reference cannot fall behind the library.
"""
import json
import re
import subprocess
import sys

zy, root = sys.argv[1], sys.argv[2]
server = subprocess.Popen([zy, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
next_id = 0


def send(message):
    body = json.dumps(message).encode()
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()


def read():
    length = None
    while True:
        line = server.stdout.readline()
        if not line:
            raise EOFError("zy lsp closed its output")
        line = line.strip()
        if not line:
            break
        key, _, value = line.partition(b":")
        if key.lower() == b"content-length":
            length = int(value)
    return json.loads(server.stdout.read(length))


def request(method, params):
    global next_id
    next_id += 1
    send({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params})
    while True:
        m = read()
        if m.get("id") == next_id:
            return m.get("result")


uri = "file:///nowhere/names.zy"
request("initialize", {"capabilities": {}})
send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
      "params": {"textDocument": {"uri": uri, "languageId": "zy", "version": 1, "text": "\n"}}})
names = []
for item in request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}):
    if item["kind"] == 14:  # keywords are the language's, not the library's
        continue
    names.append(item["label"])
    if item["kind"] == 9:  # a module: its members
        send({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": item["label"] + ".\n"}]}})
        members = request("textDocument/completion", {"textDocument": {"uri": uri},
                                                      "position": {"line": 0, "character": len(item["label"]) + 1}})
        names += [item["label"] + "." + m["label"] for m in members]
request("shutdown", None)
send({"jsonrpc": "2.0", "method": "exit"})
server.wait(timeout=10)

listed = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_.]*)", open(f"{root}/stdlib/README.md").read()))
listed |= {n.split(".")[0] for n in listed}  # a module is listed with its members
missing = sorted(n for n in names if n not in listed)
print(f"{len(names)} names in scope, {len(names) - len(missing)} listed in stdlib/README.md")
for n in missing:
    print("MISSING", n)
sys.exit(1 if missing or len(names) < 200 else 0)
