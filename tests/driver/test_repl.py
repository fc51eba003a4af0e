#!/usr/bin/env python3
"""test_repl.py: `zy repl` driven as a user drives it, through a pipe and through a
pseudo-terminal: bindings that persist, multi-line input, an error followed by a
working command (bindings intact), :type (and that it writes no file, prints nothing
and rebinds no name), :ir, :load, tab completion (names, record fields, tensor
attributes and methods, module names), the history file, Ctrl-C (cancelling a line,
interrupting a long loop with the session intact; `zy run` still ends on it), and memory
that stays flat over 10,000 piped lines. Usage: test_repl.py PATH/TO/zy"""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

zy = sys.argv[1]
failures = []


def check(name, condition, detail=""):
    if not condition:
        failures.append(f"FAIL {name}\n{detail}")


tmp = tempfile.mkdtemp()
env = dict(os.environ, ZY_HISTORY=os.path.join(tmp, "history"), NO_COLOR="1")

with open(os.path.join(tmp, "model.zy"), "w") as f:
    f.write("fn double(x) = x * 2\nlet scale = 3\n")

# The session both tests type: the numbers are worked out by hand.
SESSION = f"""let x = ones([2, 3])
x * 2
fn f(a) {{
    let s = (a * a).sum()
    s + 1
}}
f(x)
let total = [
    1,
    2,
] 
y + 1
f(x * 2)
total
:type f(x)
:type x @ ones([3, 4])
:type {{w: x, n: 3}}
:ir f(x)
:load {tmp}/model.zy
double(x)
scale
"""

# ---------------------------------------------------------------- through a pipe
run = subprocess.run([zy, "repl"], input=SESSION, capture_output=True, text=True, env=env, timeout=120)
out, err = run.stdout, run.stderr
expected_out = [
    "tensor([[2, 2, 2], [2, 2, 2]], f32[2, 3])",  # x * 2
    "tensor(7, f32[])",                            # f(x): 6 ones squared, plus 1
    "tensor(25, f32[])",                           # f(x * 2): 6 * 4 + 1, after the error
    "[1, 2]",                                      # the multi-line list
    "f32[]",                                       # :type f(x)
    "f32[2, 4]",                                   # :type x @ ones([3, 4])
    "{w: f32[2, 3], n: int}",
    "loaded " + tmp + "/model.zy: double, scale",
    "tensor([[2, 2, 2], [2, 2, 2]], f32[2, 3])",  # double(x)
    "3",
]
lines = out.splitlines()
position = 0
for want in expected_out:
    try:
        position = lines.index(want, position) + 1
    except ValueError:
        check(f"pipe: output has `{want}` in order", False, out)
        break
# :ir prints the traced graph of f: an input, the product, the sum, the + 1.
ir = re.search(r"# fn f\(f32\[2, 3\]\)\n(.*?)\nreturn", out, re.S)
check("pipe: :ir shows f's graph", ir is not None, out)
if ir:
    check("pipe: :ir graph has the ops", all(op in ir.group(1) for op in ["input()", "mul(%0, %0)", "reduce_sum", "add("]), ir.group(1))
check("pipe: no prompts on a pipe", "zy>" not in out and "zy>" not in err, out + err)
check("pipe: the error names the input and line", re.search(r"<input \d+>:1:1: error: undefined name `y`", err), err)
check("pipe: the error shows the source line and caret", " 1 | y + 1" in err and "   | ^" in err, err)
check("pipe: exit status of the failed input", run.returncode == 1, f"status {run.returncode}")

ok = subprocess.run([zy, "repl"], input="let a = 2\na * 21\n", capture_output=True, text=True, env=env, timeout=60)
check("pipe: a clean session exits 0", ok.returncode == 0 and ok.stdout == "42\n", repr(ok.stdout) + ok.stderr)

runtime = subprocess.run([zy, "repl"], input='assert 1 == 2, "no"\n', capture_output=True, text=True, env=env, timeout=60)
check("pipe: a runtime error exits 2", runtime.returncode == 2 and "assertion failed" in runtime.stderr, runtime.stderr)

# Brackets in strings and comments do not continue a line; `:quit` ends the session.
more = subprocess.run([zy, "repl"], input='let s = "(["  # {\ns\n:type ones([2]) @ ones([3])\ns\n:quit\n1 + 1\n',
                      capture_output=True, text=True, env=env, timeout=60)
check("pipe: brackets in strings and comments", more.stdout.startswith('"(["\n'), more.stdout + more.stderr)
check("pipe: :type reports a shape error and the session goes on",
      "error:" in more.stderr and "f32[2]" in more.stderr and more.stdout.count('"(["') == 2, more.stdout + more.stderr)
check("pipe: :quit ends the session", "2" not in more.stdout.splitlines(), more.stdout)

# A closing bracket that does not match the open one ends the input (the parser reports
# it) instead of swallowing the lines after it while the REPL waits for a balance.
mismatch = subprocess.run([zy, "repl"], input="fn h(a) {\n  a.sum(\n}\n1 + 1\n", capture_output=True, text=True, env=env, timeout=60)
check("pipe: a mismatched closer ends the input", mismatch.stdout == "2\n" and "<input 1>:3:1: error:" in mismatch.stderr,
      repr(mismatch.stdout) + mismatch.stderr)

usage = subprocess.run([zy, "repl", "--bogus"], capture_output=True, text=True, env=env, timeout=60)
check("an unknown option is a usage error", usage.returncode == 64 and "unknown option `--bogus`" in usage.stderr, usage.stderr)

bad = subprocess.run([zy, "repl"], input=":type\n:frob\nlet = 3\n1 +\n", capture_output=True, text=True, env=env, timeout=60)
check("pipe: command errors", "`:type` needs an expression" in bad.stderr and "unknown command `:frob`" in bad.stderr, bad.stderr)
check("pipe: syntax errors are diagnostics", "<input 1>:1:5: error: expected" in bad.stderr and "<input 2>:1:4: error: expected an expression, found end of input" in bad.stderr, bad.stderr)

# ---------------------------------------------------------------- through a terminal
def read_until(fd, pattern, timeout=60):
    """Reads from the terminal until `pattern` (a regex) matches what was read."""
    data = b""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
            if re.search(pattern, clean(data)):
                return clean(data)
    return clean(data)


def clean(data):
    """The text of terminal output, without escape sequences and carriage returns."""
    text = data.decode("utf-8", "replace")
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", "", text)
    return text.replace("\r", "").replace("\x07", "")  # the bell of an ambiguous completion


pid, fd = pty.fork()
if pid == 0:
    os.environ.update(env)
    os.environ["TERM"] = "xterm"
    os.execv(zy, [zy, "repl"])

transcript = read_until(fd, r"zy> ")
check("tty: banner and prompt", "repl: `:help`" in transcript and "zy> " in transcript, transcript)


def send(text, pattern, timeout=60):
    os.write(fd, text.encode())
    return read_until(fd, pattern, timeout)


for line in SESSION.splitlines():
    if line.startswith(":load") or line in ("double(x)", "scale"):
        continue
    transcript += send(line + "\r", r"(zy|\.\.\.) > ?$|(zy> |\.\.\.  )$")
# Tab completion: a name of the session, then a field of a record.
transcript += send("let params = {weight: 1, bias: 2}\r", r"zy> $")
transcript += send("tot\t\r", r"\[1, 2\]\n.*zy> $")
transcript += send("params.wei\t\r", r"\n1\n.*zy> $")
transcript += send(":quit\r", r"(?!)", timeout=10)  # read until the session ends
os.close(fd)
os.waitpid(pid, 0)

for want in ["tensor([[2, 2, 2], [2, 2, 2]], f32[2, 3])", "tensor(7, f32[])", "tensor(25, f32[])",
             "f32[2, 4]", "{w: f32[2, 3], n: int}", "# fn f(f32[2, 3])", "reduce_sum"]:
    check(f"tty: output has `{want}`", want in transcript, transcript)
check("tty: continuation prompt for an open brace", "...  " in transcript, transcript)
check("tty: the error and the session going on", "undefined name `y`" in transcript, transcript)
# The completed line, then its value (an uncompleted `tot` would be an undefined name).
# Not anchored at the prompt: keys typed before the editor takes the terminal are
# echoed by the terminal first, so the prompt's line may show `tot^I` before it.
check("tty: tab completes a name", re.search(r"total ?\n\[1, 2\]", transcript) is not None, transcript)
check("tty: tab completes a field", re.search(r"params\.weight ?\n1\n", transcript) is not None, transcript)
history = open(env["ZY_HISTORY"]).read() if os.path.exists(env["ZY_HISTORY"]) else ""
# libedit's history file escapes spaces (\040), so look for words.
check("tty: history file written", "params.weight" in history and "ones([2," in history, history)

# ---------------------------------------------------------------- :type runs nothing that shows
# It traces tensor code and runs the host code the type needs, but writes no file (an
# error at the call that would), prints nothing and rebinds no session name.
target = os.path.join(tmp, "typed.safetensors")
typed = subprocess.run([zy, "repl"], input=f"""let keep = 41
let x = ones([2, 3])
:type save({{w: x}}, "{target}")
:type io.write_text("{target}.txt", "hi")
:type print("printed?")
:type {{ keep = 5; keep }}
keep
:type x.sum()
""", capture_output=True, text=True, env=env, timeout=60)
check(":type: save writes no file", not os.path.exists(target) and not os.path.exists(target + ".txt"), typed.stdout + typed.stderr)
check(":type: a write is a located error", f"<input 3>:1:1: error: `:type` does not run code that writes files, and this would write {target}"
      in typed.stderr, typed.stderr)
check(":type: print prints nothing, and the type is none", "printed?" not in typed.stdout and "none" in typed.stdout.splitlines(), typed.stdout)
check(":type: no rebinding of the session's names", "cannot rebind `keep`" in typed.stderr and "41" in typed.stdout.splitlines(), typed.stdout + typed.stderr)
check(":type: still types", typed.stdout.splitlines()[-1:] == ["f32[]"], typed.stdout)

# ---------------------------------------------------------------- memory over 10,000 piped lines
# Each input's source and syntax tree are kept (functions point into them), a few hundred
# bytes each; anything more per line (a leaked scope per closure) would show here.
repl = subprocess.Popen([zy, "repl"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, bufsize=1)


def rss_kb():
    with open(f"/proc/{repl.pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def feed(pairs):
    """Sends `pairs` times the two lines and waits for every result."""
    repl.stdin.write("let f = |x| x + 1\nf(1)\n" * pairs)
    repl.stdin.flush()
    return all(repl.stdout.readline() == "2\n" for _ in range(pairs))


answered = feed(100)  # past the first inputs' one-time growth
before = rss_kb()
answered = feed(5000) and answered  # 10,000 lines
after = rss_kb()
repl.stdin.close()
repl.wait(timeout=60)
check("pipe: 10,000 lines answered", answered, "")
check("pipe: memory over 10,000 lines grows by less than 50 MB (not measured under ASan)", "ASAN_OPTIONS" in os.environ or after - before < 50 * 1024,
      f"VmRSS {before} kB -> {after} kB")

# ---------------------------------------------------------------- Ctrl-C and completion at a terminal
pid, fd = pty.fork()
if pid == 0:
    os.environ.update(env)
    os.environ["TERM"] = "xterm"
    os.execv(zy, [zy, "repl"])
tty = read_until(fd, r"zy> $")
tty = send("let keep = 41\r", r"zy> $")


def ctrl_c():
    """Presses Ctrl-C at the prompt and reads up to the fresh prompt. The kernel flushes
    the terminal's pending output on an interrupt character (unless NOFLSH), so a prompt
    written in that instant can be lost, as it can in any shell; if none shows, Enter asks
    for another. That keeps the check honest: had the line not been cancelled, Enter would
    run it and print its error."""
    shown = send("\x03", r"zy> $", timeout=5)
    return shown if shown.endswith("zy> ") else shown + send("\r", r"zy> $", timeout=10)


# Ctrl-C cancels the line being typed: a fresh prompt, nothing run.
cancelled = send("1 + 2 +", r"1 \+ 2 \+$") + ctrl_c()
check("tty: Ctrl-C cancels the line", cancelled.endswith("zy> ") and "error" not in cancelled, cancelled)
# ... and the open lines of a bracket.
cancelled = send("fn g(a) {\r", r"\.\.\.  $") + ctrl_c()
check("tty: Ctrl-C cancels a continued input", cancelled.endswith("zy> ") and "error" not in cancelled, cancelled)
check("tty: the session goes on after Ctrl-C", re.search(r"\n42\n", send("keep + 1\r", r"\n42\n.*zy> $")), "")
check("tty: a cancelled definition is not defined", "undefined name `g`" in send("g\r", r"zy> $"), "")
# Ctrl-C interrupts a computation: an error at the loop, back at the prompt, bindings intact.
send("let total = 0\r", r"zy> $")
os.write(fd, b"for i in 0..100000000 { total = total + i }\r")
time.sleep(1.5)  # well into the loop, which runs for minutes
interrupted = send("\x03", r"interrupted(.|\n)*zy> $", timeout=30)
check("tty: Ctrl-C interrupts a loop", re.search(r"<input \d+>:1:1: error: interrupted", interrupted), interrupted)
check("tty: bindings intact after an interrupt", re.search(r"\n42\n", send("keep + 1\r", r"\n42\n.*zy> $")), "")
check("tty: the interrupted loop's variable is still there", re.search(r"\n\d+\n", send("total\r", r"\n\d+\n.*zy> $")), "")
# Ctrl-C interrupts deep calls too (each call polls).
send("fn fib(n) = if n < 2 { n } else { fib(n - 1) + fib(n - 2) }\r", r"zy> $")
os.write(fd, b"fib(60)\r")  # no loop: only calls, for longer than anyone waits
time.sleep(1.5)
check("tty: Ctrl-C interrupts calls", "interrupted" in send("\x03", r"interrupted(.|\n)*zy> $", timeout=30), "")
# Completion after a dot: a tensor's attributes and methods (from the interpreter's own
# table, not the session's names), a record's fields, a module's names.
send("let xs = ones([2, 3])\r", r"zy> $")
send("let rec = {w: xs, n: 3}\r", r"zy> $")
check("tty: tab completes a tensor attribute", re.search(r"xs\.shape ?\n\[2, 3\]", send("xs.sh\t\r", r"\[2, 3\]\n.*zy> $")), "")
# (Each Ctrl-C after the completion has shown: the terminal drops typed-ahead keys on one.)
check("tty: tab completes a tensor method", re.search(r"xs\.reshape", send("xs.resha\t", r"reshape ?$", timeout=10)), "")
ctrl_c()
check("tty: tab completes an attribute of a field", re.search(r"rec\.w\.dtype ?\n\"f32\"", send("rec.w.dt\t\r", r"\"f32\"\n.*zy> $")), "")
listing = send("xs.\t\t", r"xs\.shape(.|\n)*xs\.\S*$", timeout=10) + ctrl_c()
check("tty: a tensor's completions are its members, not the session's names",
      "xs.shape" in listing and "xs.sum" in listing and "xs.keep" not in listing and "xs.rec" not in listing, listing)
check("tty: tab completes a module's name", re.search(r"nn\.linear", send("nn.line\t", r"linear ?$", timeout=10)), "")
ctrl_c()
send(":quit\r", r"(?!)", timeout=10)
os.close(fd)
os.waitpid(pid, 0)

# Outside the REPL, Ctrl-C ends the program at once, as it ends other programs.
with open(os.path.join(tmp, "long.zy"), "w") as f:
    f.write("fn main() {\n    let s = 0\n    for i in 0..100000000 {\n        s = s + i\n    }\n    print(s)\n}\n")
running = subprocess.Popen([zy, "run", os.path.join(tmp, "long.zy")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(1.5)
running.send_signal(signal.SIGINT)
try:
    status = running.wait(timeout=10)
except subprocess.TimeoutExpired:
    running.kill()
    status = "still running 10 s after SIGINT"
check("zy run: Ctrl-C ends the program", status in (-signal.SIGINT, 130), f"status {status}")

shutil.rmtree(tmp, ignore_errors=True)
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("repl: all checks passed")
