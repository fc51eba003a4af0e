#!/usr/bin/python3
"""test_lsp.py: `zy lsp` driven as an editor drives it (docs/editors.md).

    test_lsp.py PATH/TO/zy REPO_ROOT

A scripted session over a pipe: initialize; open a file with an unknown name, a call with
a missing argument and a module member that does not exist (each diagnostic's range and
text checked); hover on a standard-library function (signature and doc comment) and on a
local one; go to definition (same file, an imported file, the standard library); complete
after `nn.`, after `p.` (params paths) and a prefix; format; edit the file so that it is
right (diagnostics cleared); a half-typed edit (a syntax error, and completion still
answers); malformed messages; no diagnostics on any example or language test; a shape
error that only the whole-program check finds (after a training loop), hover showing the
types the check saw (a variable's, a parameter's, a params tree's), completion of a
record's fields, then the error fixed; an error in an imported file shown at the call
into it with the call chain as related information; a request answered while a check that takes its
whole budget runs, and a newer text cancelling a running check; shutdown and exit with
status 0. Each request's time is
printed (the protocol asks for answers well under 100 ms; the machine is shared, so the
test does not fail on it).
"""
import os
import sys
import tempfile
import time

from lsp_client import Client

zy, root = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL", what)


tmp = tempfile.mkdtemp()
layers = os.path.join(tmp, "layers.zy")
with open(layers, "w") as f:
    f.write("# A dense layer.\nfn dense(p, x, n: int) {\n    p.w ~ glorot([x.shape[-1], n])\n    x @ p.w\n}\n")
path = os.path.join(tmp, "model.zy")
uri = "file://" + path
text = """import "layers.zy" as layers

# The model: two layers.
fn model(p, x) {
    let h = relu(nn.linear(p.hidden, x, 32))
    p.out.b ~ zeros([10])
    layers.dense(p.out, h, 10) + p.out.b + missing_name
}

fn demo() {
    let y = model({}, ones([2, 4]), 3)
    let z = nn.linearr(none, ones([1, 1]), 1)
    layers.dense(none, ones([1, 1]))
}
"""
with open(path, "w") as f:
    f.write(text)

c = Client(zy, timings=True)
init = c.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + tmp, "capabilities": {}})
caps = init["result"]["capabilities"]
check(caps.get("hoverProvider") and caps.get("definitionProvider") and caps.get("documentFormattingProvider"),
      "initialize: capabilities")
check(caps.get("textDocumentSync", {}).get("change") == 2, "initialize: incremental sync")
c.notify("initialized", {})
c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "zy", "version": 1, "text": text}})
diags = c.diagnostics(uri)
by_message = {d["message"]: d for d in diags}
print("  diagnostics:", [(d["range"]["start"], d["message"]) for d in diags])
check(len(diags) == 4, f"4 diagnostics, got {len(diags)}")
lines = text.splitlines()
col = lines[6].index("missing_name")
d = by_message.get("unknown name `missing_name`")
check(d and d["range"] == {"start": {"line": 6, "character": col}, "end": {"line": 6, "character": col + 12}},
      "unknown name: its range")
check(any(m.startswith("`model` takes 2 arguments but was given 3") for m in by_message), "too many arguments")
d = by_message.get("module `nn` has no `linearr`")
check(d and d["range"]["start"] == {"line": 11, "character": 15}, "unknown module member: its range")
check("missing argument `n` in this call to `dense`" in by_message, "a missing argument to an imported function")

h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 24}})
value = (h.get("result") or {}).get("contents", {}).get("value", "")
print("  hover nn.linear:", value.replace("\n", " | ")[:160])
check("nn.linear(p, x" in value, "hover: nn.linear's signature")
check(len(value.split("```")[-1].strip()) > 10, "hover: nn.linear's doc comment")
h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 10, "character": 14}})
value = (h.get("result") or {}).get("contents", {}).get("value", "")
check("fn model(p, x)" in value and "The model: two layers." in value, "hover: a local function and its comment")

r = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": {"line": 10, "character": 14}})
loc = r.get("result") or {}
check(loc.get("uri") == uri and loc.get("range", {}).get("start") == {"line": 3, "character": 3}, "definition: same file")
r = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": {"line": 6, "character": 12}})
loc = r.get("result") or {}
check(loc.get("uri", "").endswith("/layers.zy") and loc["range"]["start"]["line"] == 1, "definition: into an import")
r = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 24}})
loc = r.get("result") or {}
stdlib_file = loc.get("uri", "")[len("file://"):]
check(stdlib_file.endswith("/nn.zy") and os.path.exists(stdlib_file), "definition: into the standard library")
if os.path.exists(stdlib_file):
    line = open(stdlib_file).read().splitlines()[loc["range"]["start"]["line"]]
    check(line.startswith("fn linear("), f"definition: the stdlib line is `fn linear(`, got {line!r}")

r = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 4, "character": 20}})
labels = {i["label"] for i in r.get("result") or []}
check({"linear", "conv2d", "cross_entropy"} <= labels, "completion after `nn.`")
r = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 6}})
labels = {i["label"] for i in r.get("result") or []}
check({"hidden", "out"} <= labels, f"completion of params paths after `p.`: {sorted(labels)[:10]}")
r = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 4}})
labels = {i["label"] for i in r.get("result") or []}
check({"h", "p", "x", "model", "layers", "relu", "nn", "let"} <= labels, "completion of names in scope")

r = c.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": True}})
check(r.get("result") == [], "formatting: an already formatted file needs no edit")

# Fix the errors with incremental edits: the diagnostics go away.
def edit(line, start, end, new):
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
        {"range": {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}, "text": new}]})
    return c.diagnostics(uri)

def span(line, what):
    at = lines[line].index(what)
    return at, at + len(what)

edit(6, *span(6, " + missing_name"), "")
edit(10, *span(10, ", 3"), "")
edit(11, *span(11, "linearr"), "linear")
diags = edit(12, span(12, "))")[0] + 1, span(12, "))")[0] + 1, ", 3")  # the missing argument
check(diags == [], f"diagnostics cleared after the edits, got {diags}")

# Half typed: a syntax error is reported, completion still answers from the last good text.
diags = edit(12, 0, 0, "    let q = nn.\n")
check(len(diags) >= 1, "a syntax error in a half-typed line is reported")
r = c.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": 12, "character": 15}})
check("linear" in {i["label"] for i in r.get("result") or []}, "completion after `nn.` while the file does not parse")

# Unformatted text: formatting returns one edit with the canonical layout.
c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                     "contentChanges": [{"text": "fn f(x,y)=x+y\n"}]})
c.diagnostics(uri)
r = c.request("textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": True}})
edits = r.get("result") or []
check(len(edits) == 1 and edits[0]["newText"] == "fn f(x, y) = x + y\n", "formatting: one edit")

# Malformed input does not stop the server.
c.proc.stdin.write(b"Content-Length: 5\r\n\r\n{oops")
c.proc.stdin.flush()
m = c.read()
check(m.get("error", {}).get("code") == -32700, "a malformed message gets a parse error")
r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.zy"}, "position": {"line": 0, "character": 0}})
check("result" in r and r["result"] is None, "hover on an unknown document: null")
r = c.request("no/such/method", {})
check(r.get("error", {}).get("code") == -32601, "an unknown method: method not found")

# No false alarms: every example and language test (all correct programs) gets none.
import glob
quiet = 0
files = sorted(glob.glob(os.path.join(root, "examples", "**", "*.zy"), recursive=True) +
               glob.glob(os.path.join(root, "tests", "lang", "*.zy")))
for f in files:
    u = "file://" + f
    c.notify("textDocument/didOpen", {"textDocument": {"uri": u, "languageId": "zy", "version": 1, "text": open(f).read()}})
    found = c.diagnostics(u)
    if found:
        check(False, f"{f}: diagnostics on a correct file: {[(d['range']['start'], d['message']) for d in found][:3]}")
    else:
        quiet += 1
check(quiet == len(files) and len(files) > 20, f"no diagnostics on {quiet} of {len(files)} correct files")

# Once the analysis finds nothing, the whole-program check of `zy run` (interp/Check.h)
# runs on the text as typed: a shape error after a training loop is reported where it is,
# and fixing it clears it.
late_path = os.path.join(tmp, "late.zy")
late_uri = "file://" + late_path
late = """fn mlp(p, x) {
    p.w ~ glorot([x.shape[-1], 3])
    x @ p.w
}

fn main() {
    let x = ones([8, 4])
    let p = init(mlp, random.key(0), x)
    for step in 0..100 {
        p = p - 0.1 * grad(|p| mean(mlp(p, x) ** 2))(p)
    }
    print(mlp(p, x) + ones([8, 4]))
}
"""
start = time.perf_counter()
c.notify("textDocument/didOpen", {"textDocument": {"uri": late_uri, "languageId": "zy", "version": 1, "text": late}})
found = c.diagnostics(late_uri)
print(f"  diagnostics with the check: {1000 * (time.perf_counter() - start):.1f} ms")
late_lines = late.splitlines()
plus = late_lines[11].index(" + ") + 1
check(len(found) == 1 and found[0]["source"] == "zy check" and
      found[0]["message"] == "cannot broadcast f32[8, 3] with f32[8, 4]: dimensions 3 and 4 differ" and
      found[0]["range"]["start"] == {"line": 11, "character": plus},
      f"the check's shape error after a loop, at its place: {found}")
# Hover shows what the check saw a name bound to: a variable's type, a parameter's per call.
def hover_text(u, line, character):
    h = c.request("textDocument/hover", {"textDocument": {"uri": u}, "position": {"line": line, "character": character}})
    return (h.get("result") or {}).get("contents", {}).get("value", "")
value = hover_text(late_uri, 6, late_lines[6].index("x ="))
check("`f32[8, 4]`" in value, f"hover: a variable's type from the check, got {value!r}")
value = hover_text(late_uri, 0, late_lines[0].index("x)"))
check("`f32[8, 4]`" in value, f"hover: a parameter's type as called, got {value!r}")
value = hover_text(late_uri, 7, late_lines[7].index("p ="))
check("`{w: f32[4, 3]}`" in value, f"hover: the params tree's type, got {value!r}")
# Completion after a record's name offers the fields the check saw it have, with their types.
rec_uri = "file://" + os.path.join(tmp, "rec.zy")
rec = 'fn main() {\n    let cfg = {lr: 0.1, sizes: [64, 10], name: "mlp", w: zeros([3, 2])}\n    print(cfg.lr)\n}\n'
c.notify("textDocument/didOpen", {"textDocument": {"uri": rec_uri, "languageId": "zy", "version": 1, "text": rec}})
check(c.diagnostics(rec_uri) == [], "a correct file with a record: no diagnostics")
r = c.request("textDocument/completion", {"textDocument": {"uri": rec_uri}, "position": {"line": 2, "character": 14}})
details = {i["label"]: i.get("detail") for i in r.get("result") or []}
check(details.get("lr") == "float" and details.get("name") == "str" and details.get("w") == "f32[3, 2]" and
      "sizes" in details, f"completion of a record's fields with their types: {details}")
c.notify("textDocument/didChange", {"textDocument": {"uri": late_uri, "version": 2}, "contentChanges": [
    {"range": {"start": {"line": 11, "character": plus + 11}, "end": {"line": 11, "character": plus + 12}}, "text": "3"}]})
found = c.diagnostics(late_uri)
check(found == [], f"the check's error cleared once fixed, got {found}")

# An error the check finds in an imported file is shown at this file's call into it,
# with the error's own place and the call chain as related information.
uses_path = os.path.join(tmp, "uses.zy")
uses_uri = "file://" + uses_path
uses = """import "layers.zy" as layers

fn main() {
    let x = ones([2, 4])
    let p = init(|p, x| layers.dense(p, x, 3), random.key(0), x)
    print(layers.dense(p, ones([2, 5]), 3))
}
"""
c.notify("textDocument/didOpen", {"textDocument": {"uri": uses_uri, "languageId": "zy", "version": 1, "text": uses}})
found = c.diagnostics(uses_uri)
related = found[0].get("relatedInformation", []) if len(found) == 1 else []
check(len(found) == 1 and found[0]["message"] == "parameter `w` is f32[4, 3] in the params tree but is declared as f32[5, 3]"
      and found[0]["range"]["start"] == {"line": 5, "character": 10},
      f"an error in an import, shown at the call into it: {found}")
check(len(related) == 2 and related[0]["location"]["uri"].endswith("/layers.zy") and
      related[0]["location"]["range"]["start"] == {"line": 2, "character": 4} and
      related[1]["message"] == "in this call to `dense`" and related[1]["location"]["uri"] == uses_uri,
      f"the error's place and its call chain as related information: {related}")

# The check runs beside the server, not in its way: while a check that takes its whole
# budget runs, requests are answered; a newer text cancels it (its result never comes).
slow_uri = "file://" + os.path.join(tmp, "slow.zy")
slow = """fn main() {
    let s = 0
    for i in 0..100000000 {
        for j in 0..1000 {
            s = s + 1
        }
    }
    print(s)
}
"""
c.notify("textDocument/didOpen", {"textDocument": {"uri": slow_uri, "languageId": "zy", "version": 1, "text": slow}})
value = hover_text(slow_uri, 1, 8)
print("  hover while checking:", repr(value))
check(value.startswith("```zy\ns  (variable)"), f"hover while the check runs: {value!r}")
published = [m for m in c.notes if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == slow_uri]
check(published == [], "a request is answered before a long check ends")
check(c.diagnostics(slow_uri) == [], "the long check ends with nothing to report")
c.notify("textDocument/didChange", {"textDocument": {"uri": slow_uri, "version": 2}, "contentChanges": [{"text": slow}]})
c.notify("textDocument/didChange", {"textDocument": {"uri": slow_uri, "version": 3}, "contentChanges": [
    {"text": "fn main() {\n    print(ones([2, 3]) @ ones([2, 3]))\n}\n"}]})
found = c.diagnostics(slow_uri)
check(len(found) == 1 and "matmul" in found[0]["message"] and found[0]["range"]["start"]["line"] == 1,
      f"a newer text cancels the running check: its error comes first, got {found}")
# The cancelled check would have ended after its second and cleared the error: nothing
# more may come for the file (a request after that long gathers what arrived).
time.sleep(1.5)
hover_text(slow_uri, 1, 4)
stale = [m for m in c.notes if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == slow_uri]
check(stale == [], f"the cancelled check published nothing: {stale}")

c.request("shutdown", None)
c.notify("exit", None)
status = c.proc.wait(timeout=10)
check(status == 0, f"exit status 0 after shutdown, got {status}")
print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failures")
sys.exit(1 if failures else 0)
