#!/usr/bin/env python3
"""test_zy.py: `import zy` as a user meets it (docs/python.md).

    ZY=build/zy PYTHONPATH=build/python /usr/bin/python3 -m unittest tests/python/test_zy.py

(the ctest entry `python` runs it so). Values in and out of every dtype and as trees,
without copies where the layout allows (NumPy's shares_memory, DLPack into PyTorch);
the trace cache across calls; errors as zy.Error with their location, and Python's own
exceptions for Python's mistakes; parameters through safetensors files both ways with
`zy run`; a training loop driven from Python against the same loop in `zy run`; other
Python threads running while Zy runs.
"""
import os
import subprocess
import tempfile
import threading
import time
import unittest

import numpy as np

import zy

try:
    import torch
except ImportError:  # the DLPack checks need a consumer; NumPy's own is checked anyway
    torch = None

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "model.zy")
TRAIN = os.path.join(HERE, "train.zy")
ZY = os.environ.get("ZY", os.path.join(HERE, "..", "..", "build", "zy"))

# A module loaded once: each zy.load is an interpreter of its own.
m = zy.load(MODEL)


def line_of(text):
    """The line of model.zy that starts with `text`, for the locations errors give."""
    with open(MODEL) as f:
        return next(n for n, line in enumerate(f, 1) if line.startswith(text))


def points(n=4, width=2):
    return np.linspace(-1, 1, n * width, dtype=np.float32).reshape(n, width)


class RoundTrips(unittest.TestCase):
    def test_every_dtype_comes_back_as_it_went(self):
        for dtype in (np.bool_, np.int32, np.float32, np.float64):
            x = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
            y = m.identity(x)
            self.assertIsInstance(y, np.ndarray)
            self.assertEqual(y.dtype, x.dtype)
            self.assertEqual(y.shape, (3, 4))
            np.testing.assert_array_equal(y, x)

    def test_arithmetic_of_every_dtype_runs_in_zy(self):
        for dtype in (np.int32, np.float32, np.float64):
            x = np.arange(6, dtype=dtype).reshape(2, 3)
            y = m.twice(x)
            self.assertEqual(y.dtype, dtype)
            np.testing.assert_array_equal(y, x + x)

    def test_scalars_and_zero_dimensional_tensors(self):
        y = m.identity(np.float64(2.5))  # a NumPy scalar is a 0-d tensor of its dtype
        self.assertEqual((y.shape, y.dtype, float(y)), ((), np.float64, 2.5))
        self.assertEqual(m.identity(np.zeros((0, 3), np.float32)).shape, (0, 3))

    def test_python_numbers_and_strings(self):
        self.assertEqual(m.add(1, 2), 3)
        self.assertIs(type(m.add(1, 2)), int)
        self.assertEqual(m.add(1.5, 2), 3.5)
        self.assertIs(type(m.add(1.5, 2)), float)
        self.assertIs(m.identity(True), True)
        self.assertEqual(m.add("ab", "cd"), "abcd")
        self.assertIsNone(m.identity(None))
        self.assertEqual(m.scaled(np.float32(3)), 6)  # a default argument
        self.assertEqual(m.scaled(np.float32(3), factor=0.5), 1.5)  # a keyword

    def test_trees(self):
        tree = {"layers": [{"w": points(), "b": np.zeros(2, np.float32)}], "pair": (1, 2.0), "name": "mlp",
                "mask": np.array([True, False]), "none": None, "empty": {}, "nothing": []}
        out = m.identity(tree)
        self.assertEqual(list(out), list(tree))  # a record keeps its fields' order
        self.assertIsInstance(out["layers"], list)
        self.assertIsInstance(out["pair"], tuple)
        self.assertEqual(out["pair"], (1, 2.0))
        self.assertEqual((out["name"], out["none"], out["empty"], out["nothing"]), ("mlp", None, {}, []))
        np.testing.assert_array_equal(out["layers"][0]["w"], tree["layers"][0]["w"])
        np.testing.assert_array_equal(out["mask"], tree["mask"])
        # Trees are trees in Zy too: arithmetic over a whole params tree.
        doubled = m.twice({"a": np.ones(2, np.float32), "b": [np.ones(1, np.float64)]})
        np.testing.assert_array_equal(doubled["a"], [2, 2])
        np.testing.assert_array_equal(doubled["b"][0], [2])

    def test_other_arrays_convert(self):
        # Integers of other widths (NumPy's default int64, uint8 pixels) become int32
        # where they fit; strided and byte-swapped arrays are copied first.
        y = m.identity(np.arange(5))
        self.assertEqual(y.dtype, np.int32)
        np.testing.assert_array_equal(y, np.arange(5))
        self.assertEqual(m.identity(np.array([0, 255], np.uint8)).tolist(), [0, 255])
        strided = np.arange(16, dtype=np.float32).reshape(4, 4)[:, ::2]
        np.testing.assert_array_equal(m.identity(strided), strided)
        swapped = np.arange(3, dtype=">f8")
        np.testing.assert_array_equal(m.identity(swapped), [0, 1, 2])
        self.assertEqual(m.identity(swapped).dtype, np.float64)
        if torch is not None:  # anything NumPy can view (__array__)
            np.testing.assert_array_equal(m.twice(torch.arange(3, dtype=torch.float32)), [0, 2, 4])

    def test_keys_and_functions_cross_as_zy_values(self):
        key = m.key(3)
        self.assertIsInstance(key, zy.Value)
        a, b = m.draw(key), m.draw(m.key(3))
        np.testing.assert_array_equal(a, b)  # the same key, the same draw
        add_two = m.adder(2)
        self.assertIn("fn", repr(add_two))
        self.assertEqual(m.identity(add_two).__class__, zy.Value)
        other = zy.load(MODEL)
        np.testing.assert_array_equal(other.draw(key), a)  # a key is plain data
        with self.assertRaisesRegex(TypeError, "another zy.load"):
            other.identity(add_two)  # a function belongs to its interpreter

    def test_module_attributes(self):
        self.assertEqual(m.classes, ["cat", "dog"])
        self.assertIsInstance(m.mlp, zy.Function)
        self.assertEqual(m.mlp.name, "mlp")
        self.assertIn("mlp", dir(m))
        self.assertTrue(m.path.endswith("model.zy"))

    def test_a_builtin_bound_at_top_level_is_a_function(self):
        self.assertIsInstance(m.square_grad, zy.Function)
        x = points()
        np.testing.assert_allclose(m.square_grad(x), 2 * x)
        # It has no parameter names: a bad argument is named by its position.
        with self.assertRaisesRegex(TypeError, "argument 1 of `square_grad`"):
            m.square_grad(object())


class NoCopies(unittest.TestCase):
    def test_results_are_read_only_views_of_zy_tensors(self):
        out = m.twice(points())
        self.assertFalse(out.flags.writeable)  # Zy's tensors are immutable
        self.assertIsInstance(out.base, zy.Tensor)
        view = np.asarray(out.base)  # the buffer protocol
        self.assertTrue(np.shares_memory(view, out))
        self.assertEqual(out.base.shape, (4, 2))
        self.assertEqual(out.base.dtype, np.float32)
        self.assertTrue(np.shares_memory(out.base.numpy(), out))
        self.assertTrue(memoryview(out.base).readonly)
        with self.assertRaises(ValueError):
            out[0, 0] = 1
        copy = out.copy()  # a writable one
        copy[0, 0] = 1

    def test_contiguous_arrays_go_in_without_a_copy(self):
        for dtype in (np.bool_, np.int32, np.float32, np.float64):
            x = np.ones((3, 5), dtype)
            self.assertTrue(np.shares_memory(m.identity(x), x), dtype)
        # Not so for what needs converting first.
        strided = np.ones((4, 4), np.float32)[:, ::2]
        self.assertFalse(np.shares_memory(m.identity(strided), strided))
        self.assertFalse(np.shares_memory(m.identity(np.ones(3, np.int64)), np.ones(3)))

    def test_a_result_passed_back_is_the_same_tensor(self):
        out = m.twice(points())
        again = m.identity(out)
        self.assertEqual(again.ctypes.data, out.ctypes.data)
        self.assertTrue(np.shares_memory(m.identity(out[1:]), out))  # a view of one, borrowed

    def test_an_input_outlives_the_python_reference_to_it(self):
        x = np.arange(1000, dtype=np.float32)
        y = m.identity(x)  # y views x's memory now
        del x
        np.testing.assert_array_equal(y, np.arange(1000, dtype=np.float32))

    def test_numpy_from_dlpack(self):
        out = m.twice(points())
        self.assertEqual(out.base.__dlpack_device__(), (1, 0))
        viewed = np.from_dlpack(out.base)
        self.assertTrue(np.shares_memory(viewed, out))
        np.testing.assert_array_equal(viewed, out)

    @unittest.skipIf(torch is None, "PyTorch is not installed")
    def test_torch_from_dlpack_shares_the_buffer(self):
        for dtype, torch_dtype in ((np.int32, torch.int32), (np.float32, torch.float32), (np.float64, torch.float64),
                                   (np.bool_, torch.uint8)):  # bool goes out as uint8: DLPack's bool is newer than torch 1.13
            out = m.identity(np.arange(6).reshape(2, 3).astype(dtype))
            t = torch.from_dlpack(out.base)
            self.assertEqual(t.dtype, torch_dtype)
            self.assertEqual(t.data_ptr(), out.ctypes.data)
            self.assertEqual(tuple(t.shape), (2, 3))
            np.testing.assert_array_equal(t.numpy(), out.astype(t.numpy().dtype))
        # The export keeps the tensor alive after the array and its base are gone.
        out = m.twice(points())
        t = torch.from_dlpack(out.base)
        expected = np.array(out)
        del out
        np.testing.assert_array_equal(t.numpy(), expected)


class TraceCache(unittest.TestCase):
    def test_a_second_call_with_the_same_shapes_does_not_retrace(self):
        fresh = zy.load(MODEL)
        x = points()
        params = fresh.init("mlp", 0, x)
        before = fresh.trace_count
        first = fresh.mlp(params, x)
        after_first = fresh.trace_count
        self.assertGreater(after_first, before)
        for _ in range(3):
            np.testing.assert_array_equal(fresh.mlp(params, x + 0), first)
        self.assertEqual(fresh.trace_count, after_first)
        fresh.mlp(params, points(n=8))  # a new shape is a new signature
        self.assertEqual(fresh.trace_count, after_first + 1)


class Init(unittest.TestCase):
    def test_init_mirrors_zy(self):
        x = points()
        by_name = m.init("mlp", 7, x)
        by_function = m.init(m.mlp, 7, x)
        self.assertEqual([layer["w"].shape for layer in by_name["layers"]], [(2, 16), (16, 3)])
        for a, b in zip(by_name["layers"], by_function["layers"]):
            np.testing.assert_array_equal(a["w"], b["w"])
        self.assertFalse(np.array_equal(m.init("mlp", 8, x)["layers"][0]["w"], by_name["layers"][0]["w"]))
        self.assertEqual(m.mlp(by_name, x).shape, (4, 3))

    def test_state_leaves_stay_state(self):
        x = points(n=8, width=3)
        params = m.init("normed", 0, x)
        self.assertTrue(params["mean"].base.state)
        self.assertFalse(params["scale"].base.state)
        saved = os.path.join(tempfile.mkdtemp(), "bn.safetensors")
        zy.save_params(saved, params)  # state leaves are listed as such in the file
        self.assertTrue(zy.load_params(saved)["var"].base.state)

    def test_bad_seeds(self):
        for seed in (-1, 2**32, 1.5, "0"):
            with self.assertRaises(ValueError, msg=repr(seed)):
                m.init("mlp", seed, points())


class Errors(unittest.TestCase):
    def test_a_shape_error_has_its_location(self):
        with self.assertRaises(zy.Error) as caught:
            m.product(np.ones((2, 2), np.float32), np.ones((3, 3), np.float32))
        e = caught.exception
        line = line_of("fn product")
        self.assertEqual((e.file, e.line, e.column, e.status), (MODEL, line, 22, 1))  # at the `@`
        self.assertIn("matmul of f32[2, 2] and f32[3, 3]", e.message)
        self.assertTrue(str(e).startswith(f"{MODEL}:{line}:22: error: matmul"), str(e))
        self.assertIn("fn product(a, b) = a @ b", str(e))  # the source line, with a caret
        self.assertIsInstance(e, Exception)

    def test_a_parameter_of_the_wrong_shape(self):
        params = m.init("mlp", 0, points())
        with self.assertRaisesRegex(zy.Error, r"parameter `layers.0.w` is f32\[2, 16\] in the params tree but is declared as f32\[3, 16\]") as caught:
            m.mlp(params, points(width=3))
        self.assertEqual((caught.exception.line, caught.exception.column), (line_of("fn mlp"), 16))

    def test_wrong_arity_points_at_the_definition(self):
        with self.assertRaises(zy.Error) as caught:
            m.add(1)
        self.assertEqual((caught.exception.file, caught.exception.line, caught.exception.column), (MODEL, line_of("fn add"), 1))
        self.assertIn("missing argument `b` in this call to `add`", caught.exception.message)
        with self.assertRaisesRegex(zy.Error, "`add` takes 2 arguments but was given 3"):
            m.add(1, 2, 3)
        with self.assertRaisesRegex(zy.Error, "`scaled` has no parameter named `scale`"):
            m.scaled(1.0, scale=2.0)

    def test_a_runtime_error(self):
        with self.assertRaises(zy.Error) as caught:
            m.check_positive(-np.ones(3, np.float32))
        self.assertEqual(caught.exception.status, 2)
        self.assertIn("needs a positive sum", caught.exception.message)
        self.assertEqual(caught.exception.line, line_of("    assert float(sum(x))"))

    def test_syntax_errors_on_load(self):
        path = os.path.join(tempfile.mkdtemp(), "broken.zy")
        with open(path, "w") as f:
            f.write("fn f() {\n    let = 1\n}\n\nfn g() {\n    let x = 1 2\n}\n")
        with self.assertRaises(zy.Error) as caught:
            zy.load(path)
        e = caught.exception
        self.assertEqual((e.file, e.line, e.column), (path, 2, 9))  # the first error's
        self.assertEqual(e.message, "expected `(` or a name, found `=`")
        self.assertIn(f"{path}:6:15: error: expected end of statement", str(e))  # and every other one
        self.assertTrue(str(e).endswith("2 errors found"), str(e))

    def test_python_mistakes_are_python_exceptions(self):
        with self.assertRaises(FileNotFoundError):
            zy.load("/nonexistent/model.zy")
        with self.assertRaises(FileNotFoundError):
            zy.load_params("/nonexistent/params.safetensors")
        with self.assertRaisesRegex(AttributeError, r"has no function `nope` \(it has .*mlp"):
            m.nope
        with self.assertRaises(AttributeError):
            m.init("nope", 0)
        with self.assertRaisesRegex(TypeError, "float16.*float32"):
            m.identity(np.ones(3, np.float16))
        with self.assertRaisesRegex(TypeError, "complex"):
            m.identity(np.ones(3, np.complex64))
        with self.assertRaisesRegex(TypeError, "outside int32's range"):
            m.identity(np.array([2**40]))
        with self.assertRaisesRegex(TypeError, r"argument `x` of `identity`, at \['a'\]\[1\] is of type object"):
            m.identity({"a": [1, object()]})
        with self.assertRaisesRegex(TypeError, "field names are str"):
            m.identity({1: 2})
        loop = []
        loop.append(loop)
        with self.assertRaisesRegex(TypeError, "contains itself"):
            m.identity(loop)
        with self.assertRaisesRegex(TypeError, "beyond 64 bits"):
            m.identity(2**70)


class Params(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def zy_run(self, source, *args):
        path = os.path.join(self.dir, "program.zy")
        with open(path, "w") as f:
            f.write(source)
        return subprocess.run([ZY, "run", path, "--", *args], check=True, capture_output=True, text=True).stdout

    def test_every_dtype_and_number_round_trips(self):
        tree = {"b": np.array([True, False]), "i": np.arange(3, dtype=np.int32), "f": points(),
                "d": np.arange(2, dtype=np.float64), "nested": [(np.ones(1, np.float32), 2)], "step": 3,
                "rate": 0.5, "flag": True}
        path = os.path.join(self.dir, "p.safetensors")
        zy.save_params(path, tree)
        back = zy.load_params(path)
        self.assertEqual(list(back), list(tree))
        for k in ("b", "i", "f", "d"):
            self.assertEqual(back[k].dtype, tree[k].dtype)
            np.testing.assert_array_equal(back[k], tree[k])
        self.assertIsInstance(back["nested"][0], tuple)
        self.assertEqual(back["nested"][0][1], 2)
        self.assertEqual((back["step"], back["rate"], back["flag"]), (3, 0.5, True))
        self.assertIs(type(back["step"]), int)

    def test_files_interoperate_with_zy_run(self):
        ours = os.path.join(self.dir, "from_python.safetensors")
        theirs = os.path.join(self.dir, "from_zy.safetensors")
        params = m.init("mlp", 3, points())
        zy.save_params(ours, params)
        # Zy reads Python's file, checks it against the model, and writes its own.
        output = self.zy_run(
            'fn mlp(p, x) = nn.mlp(p, x, [16, 3], activation = tanh)\n'
            'fn main() {\n'
            '    let p = load(args()[0])\n'
            '    let y = mlp(p, ones([1, 2]))\n'
            '    print(f"{float(sum(y)):.6f}")\n'
            '    save({params: p, doubled: p.layers[0].w * 2.0, step: 7}, args()[1])\n'
            '}\n', ours, theirs)
        self.assertAlmostEqual(float(output), float(m.mlp(params, np.ones((1, 2), np.float32)).sum()), places=5)
        back = zy.load_params(theirs)
        np.testing.assert_array_equal(back["params"]["layers"][1]["w"], params["layers"][1]["w"])
        np.testing.assert_array_equal(back["doubled"], params["layers"][0]["w"] * 2)
        self.assertEqual(back["step"], 7)

    def test_a_failed_save_leaves_the_old_file(self):
        path = os.path.join(self.dir, "p.safetensors")
        zy.save_params(path, {"w": np.ones(2, np.float32)})
        with self.assertRaisesRegex(zy.Error, "cannot save the leaf `f`"):
            zy.save_params(path, {"w": np.zeros(2, np.float32), "f": m.key(1)})
        np.testing.assert_array_equal(zy.load_params(path)["w"], [1, 1])
        self.assertEqual(os.listdir(self.dir), ["p.safetensors"])  # no temporary file left

    def test_a_corrupt_file_is_a_runtime_error(self):
        path = os.path.join(self.dir, "bad.safetensors")
        with open(path, "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
        with self.assertRaises(zy.Error) as caught:
            zy.load_params(path)
        self.assertEqual(caught.exception.status, 2)
        self.assertIn(path, caught.exception.message)


class Training(unittest.TestCase):
    STEPS = 12

    def test_a_loop_driven_from_python_matches_zy_run(self):
        # The loop in Zy: losses and final parameters in a file.
        out = os.path.join(tempfile.mkdtemp(), "trained.safetensors")
        subprocess.run([ZY, "run", TRAIN, "--", out, str(self.STEPS)], check=True)
        reference = zy.load_params(out)
        # The same loop with Python calling `step`, the data from Zy's own loader.
        t = zy.load(TRAIN)
        xs, ys = t.load_data(self.STEPS * 64)
        self.assertEqual((xs.shape, xs.dtype, ys.dtype), ((self.STEPS * 64, 784), np.float32, np.int32))
        params, state = t.start(xs[:64])
        losses = []
        for i in range(self.STEPS):
            params, state, loss = t.step(params, state, xs[i * 64:(i + 1) * 64], ys[i * 64:(i + 1) * 64])
            losses.append(float(loss))
            if i == 0:
                traces = t.trace_count
        self.assertEqual(t.trace_count, traces)  # one trace of `step`, compiled once
        self.assertLess(losses[-1], losses[0])
        np.testing.assert_allclose(losses, reference["losses"], rtol=1e-5)
        for mine, theirs in zip(params["layers"], reference["params"]["layers"]):
            np.testing.assert_allclose(mine["w"], theirs["w"], rtol=1e-5, atol=1e-7)
            np.testing.assert_allclose(mine["b"], theirs["b"], rtol=1e-5, atol=1e-7)


class Threads(unittest.TestCase):
    def test_other_threads_run_while_zy_runs(self):
        x = np.eye(256, dtype=np.float32) * 0.5
        m.spin(x, 2000)  # traced and compiled before: the timed call runs compiled code
        ticks, done = [], []

        def worker():
            m.spin(x, 2000)
            done.append(time.monotonic())

        thread = threading.Thread(target=worker)
        started = time.monotonic()
        thread.start()
        while thread.is_alive():
            ticks.append(time.monotonic())
            time.sleep(0.001)
        thread.join()
        during = [t for t in ticks if t < done[0]]
        # Had the call held the GIL, this thread would not have run until it returned.
        self.assertGreater(done[0] - started, 0.05, "the call was too quick to tell")
        self.assertGreater(len(during), 10, f"{len(during)} ticks in {done[0] - started:.3f} s")

    def test_calls_from_several_threads_are_serialised_per_module(self):
        results = {}

        def worker(i):
            results[i] = m.twice(np.full(1000, i, np.float32))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i in range(8):
            np.testing.assert_array_equal(results[i], np.full(1000, 2 * i, np.float32))


if __name__ == "__main__":
    unittest.main()
