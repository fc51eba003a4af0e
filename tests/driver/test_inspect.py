#!/usr/bin/env python3
"""test_inspect.py: the inspection options of `zy run`: --emit=ast|ir|grad|opt|llvm (and
the old names ast-tree and ir-grad), `zy ir`, --dot=FILE (checked for Graphviz structure,
and parsed by `dot` where Graphviz is installed) and --time (its format, and that its
rows add up to its total; never its values). Usage: test_inspect.py PATH/TO/zy"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

zy = sys.argv[1]
failures = []
tmp = tempfile.mkdtemp()


def check(name, condition, detail=""):
    if not condition:
        failures.append(f"FAIL {name}\n{detail}")


def run(*args):
    return subprocess.run([zy, *args], capture_output=True, text=True, timeout=120)


program = os.path.join(tmp, "inspect.zy")
with open(program, "w") as f:
    # `* 1.0 + 0.0` are identities Simplify removes, so `opt` differs from `grad`.
    f.write("fn loss(w, x) = ((x @ w) * 1.0 + 0.0).sum()\n"
            "fn main() {\n"
            "    let w = ones([3, 2])\n"
            "    let x = ones([4, 3])\n"
            "    print(grad(loss)(w, x))\n"
            "    print(loss(w, x))\n"
            "}\n")
RESULTS = ["tensor([[4, 4], [4, 4], [4, 4]], f32[3, 2])", "tensor(24, f32[])"]


def section(text, title):
    """The graph printed under `# TITLE`, up to its `return` line."""
    m = re.search(r"^# " + re.escape(title) + r"\n(.*?^return[^\n]*)", text, re.S | re.M)
    return m.group(1) if m else None


ast = run("run", "--emit=ast", program)
check("emit=ast prints source", ast.returncode == 0 and "fn loss(w, x) =" in ast.stdout, ast.stdout + ast.stderr)
tree = run("run", "--emit=ast-tree", program)
check("emit=ast-tree still works", tree.returncode == 0 and tree.stdout.startswith("(module"), tree.stdout)

ir = run("run", "--emit=ir", program)
traced = section(ir.stdout, "fn loss(f32[3, 2], f32[4, 3])")
check("emit=ir prints the trace of loss", traced is not None, ir.stdout)
if traced:
    check("emit=ir is as traced (identities kept)", "= mul(" in traced and "= add(" in traced, traced)
check("emit=ir runs the program", all(r in ir.stdout for r in RESULTS), ir.stdout)
check("zy ir is run --emit=ir", run("ir", program).stdout == ir.stdout)

grad = run("run", "--emit=grad", program)
raw = section(grad.stdout, "gradient of loss, after autodiff")
check("emit=grad prints the gradient as autodiff builds it", raw is not None and "matmul(" in raw, grad.stdout)

opt = run("run", "--emit=opt", program)
simplified = section(opt.stdout, "gradient of loss, simplified")
forward = section(opt.stdout, "fn loss(f32[3, 2], f32[4, 3]), simplified")
check("emit=opt prints the simplified gradient", simplified is not None, opt.stdout)
check("emit=opt prints simplified traces", forward is not None, opt.stdout)
if raw and simplified:
    check("emit=opt is smaller than emit=grad", simplified.count("\n") < raw.count("\n"), raw + "\n" + simplified)
if forward:
    check("opt drops x * 1 and x + 0", "= mul(" not in forward and "= add(" not in forward, forward)
old = run("run", "--emit=ir-grad", program)
check("emit=ir-grad still works (the gradients of opt)", section(old.stdout, "gradient of loss, simplified") == simplified, old.stdout)

llvm = run("run", "--emit=llvm", program)
check("emit=llvm prints LLVM IR", llvm.returncode == 0 and "define void @zy_g" in llvm.stdout, llvm.stdout[:2000])

bad = run("run", "--emit=bogus", program)
check("an unknown stage is a usage error", bad.returncode == 64 and "ast, ast-tree, ir, grad, opt, llvm" in bad.stderr, bad.stderr)

# ---------------------------------------------------------------- --dot
dot_file = os.path.join(tmp, "graphs.dot")
dot = run("run", "--dot=" + dot_file, program)
check("--dot runs the program", dot.returncode == 0 and all(r in dot.stdout for r in RESULTS), dot.stdout + dot.stderr)
text = open(dot_file).read() if os.path.exists(dot_file) else ""
check("--dot writes a digraph", text.startswith("digraph zy {") and text.rstrip().endswith("}"), text)
clusters = re.findall(r'subgraph (cluster_\w+) \{\n\s*label="([^"]*)"', text)
titles = [t for _, t in clusters]
check("--dot has a cluster per graph", "gradient of loss" in titles and "fn loss(f32[3, 2], f32[4, 3])" in titles, str(titles))
declared = set(re.findall(r"^\s*(\w+) \[label=", text, re.M))
edges = re.findall(r"^\s*(\w+) -> (\w+)", text, re.M)
check("--dot has edges", len(edges) > 5, text)
check("--dot edges join declared nodes", all(a in declared and b in declared for a, b in edges),
      str([e for e in edges if e[0] not in declared or e[1] not in declared]))
check("--dot braces balance", text.count("{") - text.count("\\{") == text.count("}") - text.count("\\}"), text)
if shutil.which("dot"):
    parsed = subprocess.run(["dot", "-Tsvg", dot_file], capture_output=True, text=True, timeout=60)
    check("dot parses --dot's output", parsed.returncode == 0 and "<svg" in parsed.stdout, parsed.stderr)
else:
    print("test_inspect: Graphviz's dot is not installed; checked the structure only")
unwritable = run("run", "--dot=" + os.path.join(tmp, "no", "such", "dir.dot"), program)
check("--dot to an unwritable path fails", unwritable.returncode == 1 and "cannot write" in unwritable.stderr, unwritable.stderr)
check("--dot= needs a file", run("run", "--dot=", program).returncode == 64)

# ---------------------------------------------------------------- --time
timed = run("run", "--time", program)
check("--time runs the program", timed.returncode == 0 and all(r in timed.stdout for r in RESULTS), timed.stdout)
total = re.search(r"^time: ([0-9.]+) ms total$", timed.stderr, re.M)
check("--time prints a total", total is not None, timed.stderr)
rows = dict(re.findall(r"^  (\w+) +([0-9.]+) ms +[0-9.]+%", timed.stderr, re.M))
phases = ["parse", "check", "trace", "autodiff", "optimise", "llvm", "run", "host"]
check("--time has a row per phase", list(rows) == phases, timed.stderr)
unchecked = run("run", "--time", "--no-check", program)
check("--time without the check has no check row",
      list(dict(re.findall(r"^  (\w+) +([0-9.]+) ms +[0-9.]+%", unchecked.stderr, re.M))) == [p for p in phases if p != "check"],
      unchecked.stderr)
if total and list(rows) == phases:
    parts = sum(float(v) for v in rows.values())
    # Each row is rounded to a microsecond; host is what the phases leave of the total.
    check("--time's rows add up to its total", abs(parts - float(total.group(1))) < 0.01, timed.stderr)

# A program that does not parse has failed too: the diagnostic, exit 1, and the table.
broken = os.path.join(tmp, "broken.zy")
with open(broken, "w") as f:
    f.write("fn main() { let x = \n")
timed_broken = run("run", "--time", broken)
check("--time on a syntax error", timed_broken.returncode == 1 and "broken.zy:1:" in timed_broken.stderr
      and re.search(r"^time: [0-9.]+ ms total$", timed_broken.stderr, re.M) is not None, timed_broken.stderr)

shutil.rmtree(tmp, ignore_errors=True)
if failures:
    print("\n".join(failures))
    sys.exit(1)
print("inspect: all checks passed")
