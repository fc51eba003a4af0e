#!/usr/bin/env python3
"""test_memory.py: memory stays flat where a program loops.

Runs tests/memory/training_loop.zy for 2,000 and for 20,000 steps (each step binds a
closure in the scope it captures, and that scope holds the step's gradients, 64 KB),
and feeds the REPL 1,000 and 10,000 lines that define closures; the peak resident size
(ru_maxrss of the child) of the long run must stay within a fixed margin of the short
one's. Before scopes held only by closure cycles were collected, the long training run
kept every step's gradients: gigabytes.

usage: test_memory.py ZY
"""
import os
import resource
import subprocess
import sys

MARGIN_MB = 64


def peak_mb(cmd, stdin_text=None):
    """Peak RSS of one child process, in MB (ru_maxrss is the largest child so far,
    so each measurement runs in a fresh helper process)."""
    code = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[2:], input=sys.stdin.buffer.read() if sys.argv[1] == '1' else None,\n"
        "                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)\n"
        "sys.stderr.write(p.stderr.decode(errors='replace')[-2000:])\n"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, p.stdout.decode(errors='replace')[-200:].replace(chr(10), ' '))\n"
    )
    p = subprocess.run([sys.executable, "-c", code, "1" if stdin_text else "0"] + cmd,
                       input=(stdin_text or "").encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    status, kb, tail = p.stdout.decode().split(" ", 2)
    if status != "0":
        sys.exit(f"FAIL: {' '.join(cmd)} exited with {status}: {p.stderr.decode()[-2000:]}")
    return int(kb) / 1024.0, tail.strip()


def check(name, short, long):
    print(f"{name}: peak {short:.0f} MB short, {long:.0f} MB long")
    if long > short + MARGIN_MB:
        sys.exit(f"FAIL: {name} grows: {long:.0f} MB after the long run against {short:.0f} MB (margin {MARGIN_MB} MB)")


def main():
    zy = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    program = os.path.join(here, "training_loop.zy")
    short, out = peak_mb([zy, "run", program, "--", "2000"])
    assert "done 2000" in out, out
    long, out = peak_mb([zy, "run", program, "--", "20000"])
    assert "done 20000" in out, out
    check("training loop", short, long)

    def lines(n):
        text = "let big = ones([256, 256])\n"
        for i in range(n):
            text += f"let f{i % 10} = |x| x + big\n" if i % 2 == 0 else f"let y = f{(i - 1) % 10}(1.0)\n"
        return text + "print(\"end\")\n"
    short, out = peak_mb([zy, "repl"], lines(1000))
    assert "end" in out, out
    long, out = peak_mb([zy, "repl"], lines(10000))
    assert "end" in out, out
    check("repl", short, long)
    print("memory: ok")


if __name__ == "__main__":
    main()
