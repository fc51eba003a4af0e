#!/usr/bin/python3
"""test_progress_tty.py: the progress bar on a terminal too narrow for it.

Runs a program whose progress(...) loop has a long label and long metrics under a
pseudo-terminal of 40 columns (set with TIOCSWINSZ, and once with no window size and
COLUMNS=50), and checks that every redraw of the bar fits in the terminal's width (less
one column, so it never wraps), that the bar was redrawn in place (\\r) and ended at
100%. The plain lines written off a terminal are tested by tests/io/test_io.sh.
Usage: test_progress_tty.py PATH/TO/zy
"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import tempfile
import termios
import time

zy = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp()
program = os.path.join(tmp, "bar.zy")
with open(program, "w") as f:
    f.write("""fn main() {
    let bar = progress(range(40), label = "a label much longer than a narrow terminal")
    for i in bar {
        let s = 0
        for j in 0..30000 {
            s = s + j
        }
        bar.set(loss = 0.5 * float(i), note = "a metric that is itself wider than the terminal")
    }
    print("done")
}
""")


def run_in_pty(cols, env):
    """Output of `zy run program` on a terminal of `cols` columns (0: no size set)."""
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
        os.environ.update(env)
        os.execv(zy, [zy, "run", program])
    data = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child has ended
                break
            if not chunk:
                break
            data += chunk
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    return data.decode("utf-8", "replace"), status


def check(name, cols, env):
    out, status = run_in_pty(cols, env)
    width = cols or int(env["COLUMNS"])
    # What the terminal shows: each \r or \n starts again at the left; \x1b[K takes no room.
    pieces = [re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", p) for p in re.split(r"[\r\n]", out)]
    too_wide = [p for p in pieces if len(p) >= width]
    if status != 0 or "done" not in pieces:
        failures.append(f"FAIL {name}: status {status}\n{out!r}")
    if too_wide:
        failures.append(f"FAIL {name}: lines of {width} columns or more: {too_wide!r}")
    bars = [p for p in pieces if "%" in p]
    if len(bars) < 2 or not bars[-1].startswith("a label") or "100%" not in bars[-1]:
        failures.append(f"FAIL {name}: the bar was not redrawn up to 100%: {bars!r}")


env = {"TERM": "xterm", "NO_COLOR": "1"}
check("40 columns", 40, dict(env, COLUMNS="200"))  # the window's size wins over COLUMNS
check("COLUMNS=50 without a window size", 0, dict(env, COLUMNS="50"))
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("progress bar on a narrow terminal: all checks passed")
