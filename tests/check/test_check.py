#!/usr/bin/env python3
"""The whole-program check (compiler/interp/Check.h), as a user meets it.

    test_check.py ZY SOURCE_DIR

- `zy run` reports a shape error in code after a training loop before the first epoch
  (nothing printed), while `zy run --no-check` trains first and fails at the end;
- `zy check` finds each error of tests/check/*.zy at its `# expect error:` place, in test
  blocks too;
- it reports nothing for a program whose loops, branches and files depend on values, nor
  for any example or language test (it must never reject a correct program), writes no
  file, and `--verbose` says what it skipped.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile
import unittest

ZY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
HERE = os.path.join(SOURCE, "tests", "check")


def zy(*args, cwd=None):
    return subprocess.run([ZY, *args], capture_output=True, text=True, timeout=600, cwd=cwd)


def write_program(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def expected_errors(path):
    """The (line, col, message) of each `# expect error: L:C: MESSAGE` comment."""
    out = []
    for line in open(path):
        m = re.search(r"# expect error: (\d+):(\d+): (.*)$", line)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), m.group(3).strip()))
    return out


class RunChecksFirst(unittest.TestCase):
    program = os.path.join(HERE, "evaluate_after_training.zy")

    def test_fails_before_training(self):
        r = zy("run", self.program)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout, "", "the program ran before the error was reported")
        self.assertIn("evaluate_after_training.zy:14:30: error: too many indices (2) for i32[1000]", r.stderr)
        self.assertIn("mean(astype(predicted == y[:, 0], f32))", r.stderr)  # the source line, with a caret
        self.assertIn("in this call to `evaluate`", r.stderr)

    def test_without_the_check_it_trains_first(self):
        r = zy("run", "--no-check", self.program)
        self.assertEqual(r.returncode, 1, r.stderr)
        epochs = re.findall(r"^epoch (\d): loss ([0-9.]+)$", r.stdout, re.M)
        self.assertEqual([e for e, _ in epochs], ["0", "1", "2"], r.stdout)
        self.assertIn("evaluate_after_training.zy:14:30: error: too many indices (2)", r.stderr)

    def test_log_compiles_shows_the_runs_traces_only(self):
        # The check traces in an interpreter of its own and logs nothing: --log-compiles
        # lists the same traces with the check as without it.
        def traces(*flags):
            with tempfile.TemporaryDirectory() as d:
                r = zy("run", "--log-compiles", *flags, os.path.join(HERE, "ok_value_dependent.zy"), "--",
                       os.path.join(d, "p.safetensors"))
            self.assertEqual(r.returncode, 0, r.stderr)
            return re.findall(r"^zy: tracing .*$", r.stderr, re.M)
        with_check = traces()
        self.assertTrue(with_check)
        self.assertEqual(with_check, traces("--no-check"))


class CheckFindsErrors(unittest.TestCase):
    def test_each_expected_error(self):
        files = [f for f in sorted(glob.glob(os.path.join(HERE, "*.zy"))) if expected_errors(f)]
        self.assertGreaterEqual(len(files), 5)
        for path in files:
            with self.subTest(os.path.basename(path)):
                r = zy("check", path)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                ((line, col, message),) = expected_errors(path)
                self.assertRegex(r.stderr, re.escape(f"{os.path.basename(path)}:{line}:{col}: error: ") + ".*" +
                                 re.escape(message))
                self.assertNotIn("ok ", r.stdout)

    def test_a_run_time_only_error_is_not_the_checks(self):
        # A failed assert on values is the run's to report: the check says nothing.
        with tempfile.TemporaryDirectory() as d:
            path = write_program(d, "assert.zy", "fn main() {\n    let x = ones([3])\n    assert float(sum(x)) == 4.0\n}\n")
            self.assertEqual(zy("check", path).returncode, 0)
            r = zy("run", path)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("assertion failed", r.stderr)


class CheckSaysNothingFalse(unittest.TestCase):
    def test_value_dependent_programs(self):
        # ok_*.zy: loops, branches, files and numbers the check cannot know; each takes the
        # path of a file it writes and reads back as its argument.
        programs = sorted(glob.glob(os.path.join(HERE, "ok_*.zy")))
        self.assertGreaterEqual(len(programs), 2)
        for program in programs:
            with self.subTest(os.path.basename(program)), tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "written")
                r = zy("check", program, "--", out)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, f"ok {program}\n")
                self.assertFalse(os.path.exists(out), "the check wrote a file")
                r = zy("run", program, "--", out)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertTrue(os.path.exists(out))

    def test_value_dependent_output(self):
        with tempfile.TemporaryDirectory() as d:
            r = zy("run", os.path.join(HERE, "ok_value_dependent.zy"), "--", os.path.join(d, "p.safetensors"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"^\d+ steps, loss [0-9.]+, best of the first epoch [0-9.]+\n(converged|did not converge)\n$")

    def test_a_stale_file_is_not_read(self):
        # The file holds 4 before the run; the program writes 3 and reads it back. The check
        # writes nothing, so it must not believe the 4.
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "written")
            with open(out, "w") as f:
                f.write("4")
            r = zy("run", os.path.join(HERE, "ok_loops_and_branches.zy"), "--", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, "ok\n")

    def test_a_top_level_that_needs_values_is_said(self):
        with tempfile.TemporaryDirectory() as d:
            path = write_program(d, "top.zy", "let n = len(args())\nfn main() {\n    print(n)\n}\n")
            r = zy("check", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("(checked in part: its top level needs a value only known when it runs", r.stdout)

    def test_every_example(self):
        examples = sorted(glob.glob(os.path.join(SOURCE, "examples", "*.zy")))
        self.assertGreaterEqual(len(examples), 10)
        with tempfile.TemporaryDirectory() as d:
            r = zy("check", *examples, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.splitlines(), [f"ok {e}" for e in examples])
            self.assertEqual(os.listdir(d), [], "the check wrote files")

    def test_every_language_test(self):
        files = sorted(glob.glob(os.path.join(SOURCE, "tests", "lang", "*.zy")))
        self.assertGreaterEqual(len(files), 20)
        r = zy("check", *files)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Checked whole: a file the check could only start on would say "checked in part".
        self.assertEqual(r.stdout.splitlines(), [f"ok {f}" for f in files])

    def test_verbose_says_what_was_skipped(self):
        r = zy("check", "--verbose", os.path.join(HERE, "evaluate_after_training.zy"))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"evaluate_after_training.zy:27:\d+: note: skipped: float\(\) needs the tensor's values")


class Usage(unittest.TestCase):
    def test_no_file(self):
        r = zy("check")
        self.assertEqual(r.returncode, 64)
        self.assertIn("`zy check` needs a FILE", r.stderr)

    def test_unknown_option(self):
        self.assertEqual(zy("check", "--bogus", "x.zy").returncode, 64)

    def test_syntax_error(self):
        with tempfile.TemporaryDirectory() as d:
            path = write_program(d, "bad.zy", "fn main() {\n    let x = \n}\n")
            r = zy("check", path)
            self.assertEqual(r.returncode, 1)
            self.assertIn("bad.zy:3:1: error", r.stderr)

    def test_help(self):
        r = zy("help", "check")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: zy check", r.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
