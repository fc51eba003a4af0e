// api_test.cpp: the embedding API (include/zy/zy.hpp) against values worked out by hand:
// host-built values in and out, dtypes, gradients through a Zy function, and every kind
// of error coming back as a value with its diagnostic and status.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <zy/zy.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

/// Writes `text` to a fresh file in /tmp and returns its path.
std::string writeModule(const std::string &name, const std::string &text) {
  std::string path = "/tmp/zy_api_test_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path) << text;
  return path;
}

const char *ModelSource = R"(
fn affine(p, x) = x @ p.w + p.b
fn square_sum(w) = (w * w).sum()
fn grad_of_square_sum(w) = grad(square_sum)(w)
fn checked(x) {
    assert x.sum() > 0.0, "needs a positive sum"
    x
}
fn count(xs) = len(xs)
let scale = 2.5
)";

} // namespace

TEST_CASE("a host-built record and tensor in, numbers out") {
  std::string path = writeModule("model.zy", ModelSource);
  zy::Session session;
  zy::Result<zy::Module> loaded = session.load(path);
  REQUIRE(loaded.ok());
  const zy::Module &m = loaded.value();
  // x = [[1, 2], [3, 4]], w = [[1, 0, 2], [0, 1, 3]], b = [10, 20, 30]
  zy::Value params = zy::Value::record({{"w", zy::Tensor::f32({2, 3}, {1, 0, 2, 0, 1, 3})},
                                        {"b", zy::Tensor::f32({3}, {10, 20, 30})}});
  zy::Tensor x = zy::Tensor::f32({2, 2}, {1, 2, 3, 4});
  for (int round = 0; round < 2; ++round) { // the second call runs the cached trace
    zy::Result<zy::Value> y = m.call("affine", {params, x});
    REQUIRE(y.ok());
    zy::Tensor t = y.value().tensor().value();
    CHECK(t.dtype() == zy::DType::F32);
    CHECK(t.shape() == std::vector<int64_t>{2, 3});
    std::vector<float> want = {11, 22, 38, 13, 24, 48};
    for (int i = 0; i < 6; ++i) CHECK(t.data<float>()[i] == want[i]);
  }
  CHECK(params.typeString() == "{w: f32[2, 3], b: f32[3]}");
  std::remove(path.c_str());
}

TEST_CASE("f64 gradients, globals, lists and numbers") {
  std::string path = writeModule("grad.zy", ModelSource);
  zy::Session session;
  zy::Module m = session.load(path).value();
  zy::Tensor w = zy::Tensor::f64({3}, {0.5, -1.0, 2.0});
  zy::Tensor g = m.call("grad_of_square_sum", {w}).value().tensor().value();
  CHECK(g.dtype() == zy::DType::F64);
  CHECK(g.at(0) == 1.0);
  CHECK(g.at(1) == -2.0);
  CHECK(g.at(2) == 4.0);
  CHECK(m.call("square_sum", {w}).value().tensor().value().at(0) == doctest::Approx(5.25));
  CHECK(m.global("scale").value().number().value() == 2.5);
  CHECK(m.call("count", {zy::Value::list({1, 2.0, "three"})}).value().number().value() == 3);
  zy::Tensor i = zy::Tensor::i32({2}, {7, -3});
  CHECK(zy::Value(i).tensor().value().data<int32_t>()[1] == -3);
  CHECK(zy::Value(i).toString() == "tensor([7, -3], i32[2])");
  std::remove(path.c_str());
}

TEST_CASE("errors are values") {
  zy::Session session;
  zy::Result<zy::Module> missing = session.load("/tmp/zy_api_test_no_such_file.zy");
  REQUIRE(!missing);
  CHECK(missing.error().status == 1);
  CHECK(missing.error().message.find("cannot open") != std::string::npos);
  CHECK_THROWS_AS(missing.value(), std::logic_error);

  std::string broken = writeModule("broken.zy", "fn f(x) = (x +\nfn g(y) = y)\n");
  zy::Result<zy::Module> syntax = session.load(broken);
  REQUIRE(!syntax);
  CHECK(syntax.error().message.find("broken.zy:2:1: error: expected an expression, found keyword `fn`") != std::string::npos);
  CHECK(syntax.error().message.find("error found") != std::string::npos);
  std::remove(broken.c_str());

  std::string path = writeModule("errors.zy", ModelSource);
  zy::Module m = session.load(path).value();
  zy::Result<zy::Value> shape = m.call("affine", {zy::Value::record({{"w", zy::Tensor::f32({3, 3}, std::vector<float>(9, 1))},
                                                                    {"b", zy::Tensor::f32({3}, {0, 0, 0})}}),
                                                  zy::Tensor::f32({2, 2}, {1, 2, 3, 4})});
  REQUIRE(!shape);
  CHECK(shape.error().status == 1);
  CHECK(shape.error().message.find("errors.zy:2:21: error: matmul of f32[2, 2] and f32[3, 3]") != std::string::npos); // at the `@`
  CHECK(shape.error().message.find("f32[2, 2]") != std::string::npos);

  zy::Result<zy::Value> failed = m.call("checked", {zy::Tensor::f32({2}, {-1, -2})});
  REQUIRE(!failed);
  CHECK(failed.error().status == 2);
  CHECK(failed.error().message.find("needs a positive sum") != std::string::npos);

  CHECK(m.call("checked", {zy::Tensor::f32({2}, {1, 2})}).ok()); // the session goes on
  CHECK(m.call("affine", {1}).error().message.find("missing argument `x` in this call to `affine`") != std::string::npos);
  CHECK(m.call("scale", {}).error().message.find("is a float, not a function") != std::string::npos);
  CHECK(m.global("nope").error().message.find("has no top-level `nope`") != std::string::npos);
  CHECK(zy::Value(3).tensor().error().message.find("expected a tensor, got int") != std::string::npos);
  CHECK(zy::Value::record({{"a", 1}}).field("b").error().message.find("(it has a)") != std::string::npos);
  std::remove(path.c_str());
}

TEST_CASE("misuse of the API throws") {
  CHECK_THROWS_AS(zy::Tensor::f32({2, 2}, {1, 2, 3}), std::invalid_argument);
  zy::Tensor t = zy::Tensor::f32({2}, {1, 2});
  CHECK_THROWS_AS(t.data<double>(), std::logic_error);
  // An element type of the same size is still the wrong one (an f32's bits are no i32).
  CHECK_THROWS_AS(t.data<int32_t>(), std::logic_error);
  CHECK_THROWS_AS(zy::Tensor::i32({1}, {7}).data<float>(), std::logic_error);
  CHECK(zy::Tensor::i32({1}, {7}).data<int32_t>()[0] == 7);
  CHECK_THROWS_AS(t.at(2), std::out_of_range);
  CHECK(zy::Result<int>(3).value() == 3);
  // A Module that no Session loaded is an error value, not a crash.
  zy::Module unloaded;
  CHECK(unloaded.call("f", {}).error().message.find("was not loaded") != std::string::npos);
  CHECK(unloaded.global("x").error().status == 1);
  CHECK(!unloaded.init("f", 0));
  CHECK_THROWS_AS(zy::Result<int>(3).error(), std::logic_error);
}
