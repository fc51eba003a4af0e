#!/usr/bin/env python3
"""test_doc_commands.py: the commands and programs the documentation marks as runnable
run, and do what it says. Usage: test_doc_commands.py PATH/TO/zy REPO_ROOT [PYTHON_DIR]

The marking convention (docs/README.md), in README.md, stdlib/README.md and every
docs/**/*.md:

- A fenced block whose info string is `sh runnable` or `console runnable` holds
  commands. A line starting with `$ ` is a command (a line ending in `\\` continues on
  the next); any other non-blank line is expected output of the command before it:
  each such line must appear, in order, among the lines of that command's standard
  output and standard error (trailing spaces ignored). Each block runs in a fresh
  temporary directory, its commands one after another with `bash -c`, and every command
  must exit 0. In that directory each top-level entry of the repository (`examples`,
  `tests`, `docs`, ...) is a symbolic link, so paths relative to the repository root
  work as written, and `build/zy` is a link to the binary under test; `zy` is on PATH
  and `$ZY_ROOT` is the repository root. Files the commands write stay in the
  temporary directory. `python3` on PATH is Debian's /usr/bin/python3 (the one with
  NumPy and PyTorch, which `import zy` is built for), and `build/python` links to
  PYTHON_DIR, the module's directory. A build without the module (the sanitizer builds
  skip it) gives no PYTHON_DIR: the blocks that use `build/python` are then reported
  as skipped, and the `python` test's build runs them.
- A fenced block whose info string is `zy runnable` is a complete Zy file: it is
  written to a temporary directory and `zy test` must pass on it (its test blocks pass;
  an expected-error file reports exactly its errors; a file without either parses).

Commands too slow for the suite (full training runs, builds) are left unmarked.
A failure names the file, line and command and shows the output. The counts of marked
commands and files must not fall below the bounds below, so that removing markers
cannot make this test pass vacuously.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

MIN_COMMANDS = 37
MIN_PYTHON_COMMANDS = 4  # of the blocks using build/python, when the module is built
MIN_ZY_FILES = 3
TIMEOUT = 300  # seconds per command; the marked ones take a few seconds each

zy = os.path.abspath(sys.argv[1])
root = os.path.abspath(sys.argv[2])
python_dir = os.path.abspath(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3] else None

FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(.*)$")


def markdown_files():
    files = [os.path.join(root, "README.md"), os.path.join(root, "stdlib", "README.md")]
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, "docs")):
        dirnames.sort()
        files += [os.path.join(dirpath, f) for f in sorted(filenames) if f.endswith(".md")]
    return [f for f in files if os.path.isfile(f)]


def blocks(path):
    """(info words, first line number of the content, content lines) of each fenced block."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3).split()
        start, body = i + 2, []
        i += 1
        while i < len(lines):
            close = FENCE.match(lines[i])
            if close and close.group(2)[0] == fence[0] and len(close.group(2)) >= len(fence) and not close.group(3):
                break
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        out.append((info, start, body))
        i += 1
    return out


def commands(start, body):
    """(line number, command, expected output lines) of a command block."""
    out, pending = [], None
    for n, line in enumerate(body, start):
        if pending is not None and pending[1].endswith("\\"):
            pending = (pending[0], pending[1] + "\n" + line, pending[2])  # bash joins the lines
            continue
        if line.startswith("$ "):
            if pending is not None:
                out.append(pending)
            pending = (n, line[2:], [])
        elif line.strip():
            if pending is None:
                out.append((n, None, [line]))  # output before any command: reported by the caller
                continue
            pending[2].append(line.rstrip())
    if pending is not None:
        out.append(pending)
    return out


def scratch():
    """A fresh directory that looks like the repository root, with build/zy the binary."""
    d = tempfile.mkdtemp(prefix="zy-doc-")
    for name in os.listdir(root):
        if name.startswith(".") or name.startswith("build"):
            continue
        os.symlink(os.path.join(root, name), os.path.join(d, name))
    os.mkdir(os.path.join(d, "build"))
    os.symlink(zy, os.path.join(d, "build", "zy"))
    if python_dir:
        os.symlink(python_dir, os.path.join(d, "build", "python"))
    return d


# `zy` on PATH is the binary under test, whatever its file is called.
bindir = tempfile.mkdtemp(prefix="zy-doc-bin-")
os.symlink(zy, os.path.join(bindir, "zy"))
if os.path.exists("/usr/bin/python3"):
    os.symlink("/usr/bin/python3", os.path.join(bindir, "python3"))
env = dict(os.environ)
env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
env["ZY_ROOT"] = root
env["NO_COLOR"] = "1"

failures, marked_commands, marked_files, python_commands, skipped_python = [], 0, 0, 0, 0  # a failure skips the rest of its block, not its count


def fail(where, command, detail, output):
    lines = output.rstrip("\n").split("\n")
    shown = "\n".join("    " + l for l in lines[-60:])
    failures.append(f"FAIL {where}: $ {command}\n  {detail}\n{shown}")


def contains_in_order(output, expected):
    got = [l.rstrip() for l in output.split("\n")]
    i = 0
    for want in expected:
        while i < len(got) and got[i] != want:
            i += 1
        if i == len(got):
            return want
        i += 1
    return None


def run(command, cwd):
    started = time.time()
    try:
        p = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=TIMEOUT)
        output, status = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        output, status = (e.stdout or b"").decode("utf-8", "replace"), f"timeout after {TIMEOUT} s"
    return output, status, time.time() - started


for path in markdown_files():
    rel = os.path.relpath(path, root)
    for info, start, body in blocks(path):
        if "runnable" not in info[1:]:
            continue
        kind = info[0]
        if kind in ("sh", "console"):
            listed = commands(start, body)
            count = sum(1 for _, command, _ in listed if command is not None)
            if any("build/python" in (command or "") for _, command, _ in listed):
                if not python_dir:
                    skipped_python += count
                    print(f"{rel}:{start - 1}: skipped, uses build/python (this build has no Python module)")
                    continue
                python_commands += count
            marked_commands += count
            d = scratch()
            try:
                for line, command, expected in listed:
                    if command is None:
                        failures.append(f"FAIL {rel}:{line}: output before any `$ ` command: {expected[0]}")
                        break
                    output, status, seconds = run(command, d)
                    where = f"{rel}:{line}"
                    print(f"{where}: $ {command.splitlines()[0]}  ({seconds:.1f} s)")
                    if status != 0:
                        fail(where, command, f"exit status {status}", output)
                        break  # later commands of the block depend on this one
                    missing = contains_in_order(output, expected)
                    if missing is not None:
                        fail(where, command, f"expected output line not found: {missing}", output)
            finally:
                shutil.rmtree(d, ignore_errors=True)
        elif kind == "zy":
            marked_files += 1
            d = tempfile.mkdtemp(prefix="zy-doc-")
            try:
                name = f"block_{start - 1}.zy"
                with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                    f.write("\n".join(body) + "\n")
                output, status, seconds = run(f"zy test {name}", d)
                where = f"{rel}:{start - 1}"
                print(f"{where}: a zy block, zy test  ({seconds:.1f} s)")
                if status != 0:
                    fail(where, "zy test (the block as a file)", f"exit status {status}", output)
            finally:
                shutil.rmtree(d, ignore_errors=True)
        else:
            failures.append(f"FAIL {rel}:{start - 1}: `runnable` on a block of kind `{kind}` "
                            "(only sh, console and zy blocks run)")

shutil.rmtree(bindir, ignore_errors=True)
print(f"{marked_commands} marked commands ({python_commands} of them Python's, {skipped_python} skipped), "
      f"{marked_files} marked zy files")
if marked_commands - python_commands < MIN_COMMANDS:
    failures.append(f"FAIL only {marked_commands} marked commands were found; at least {MIN_COMMANDS} are expected")
if python_dir and python_commands < MIN_PYTHON_COMMANDS:
    failures.append(f"FAIL only {python_commands} marked commands use build/python; at least {MIN_PYTHON_COMMANDS} are expected")
if marked_files < MIN_ZY_FILES:
    failures.append(f"FAIL only {marked_files} marked zy files were found; at least {MIN_ZY_FILES} are expected")
for f in failures:
    print(f)
print("doc commands: all passed" if not failures else f"doc commands: {len(failures)} failed")
sys.exit(1 if failures else 0)
