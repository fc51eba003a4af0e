// host.cpp: a C++ program that embeds Zy. It loads model.zy, creates the MLP's
// parameters, runs the MLP on tensors it owns, takes one SGD step, and shows that an
// error comes back as a value. It prints what `zy run model.zy` prints, line for line,
// then the error.
#include <zy/zy.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

/// The value of a Result, or the end of the program with its diagnostic.
template <typename T> T orExit(zy::Result<T> result) {
  if (!result) {
    std::cerr << result.error().message;
    std::exit(result.error().status);
  }
  return std::move(result).value();
}

std::string shapeText(const std::vector<int64_t> &shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

} // namespace

int main(int argc, char **argv) {
  std::string path = argc > 1 ? argv[1] : "model.zy";
  zy::Session session;
  zy::Module model = orExit(session.load(path));

  // The host's data: zy copies it into the values it is given.
  std::vector<float> points = {0.5f, -1.0f, 1.5f, 2.0f, -0.25f, 0.75f, 2.0f, -2.0f};
  zy::Tensor x = zy::Tensor::f32({4, 2}, points);
  zy::Tensor y = zy::Tensor::i32({4}, {0, 1, 2, 1});

  // params = init(mlp, random.key(7), x): a tree of tensors, kept as a zy::Value.
  zy::Value params = orExit(model.init("mlp", 7, {x}));
  zy::Value layers = orExit(params.field("layers"));
  zy::Tensor w0 = orExit(orExit(orExit(layers.item(0)).field("w")).tensor());
  zy::Tensor w1 = orExit(orExit(orExit(layers.item(1)).field("w")).tensor());
  std::cout << "params: " << shapeText(w0.shape()) << " " << shapeText(w1.shape()) << "\n";

  zy::Tensor logits = orExit(orExit(model.call("mlp", {params, x})).tensor());
  std::cout << logits.toString() << "\n";

  // One SGD step returns (new params, loss); the loss is an f32 scalar tensor.
  zy::Value step = orExit(model.call("sgd_step", {params, x, y, 0.1}));
  zy::Value next = orExit(step.item(0));
  double loss = orExit(orExit(step.item(1)).tensor()).at(0);
  std::printf("loss %.6f\n", loss);
  std::fflush(stdout);
  std::cout << orExit(orExit(model.call("loss", {next, x, y})).tensor()).toString() << "\n";

  // A mistake is a value too: the MLP on points with three features instead of two.
  zy::Result<zy::Value> wrong = model.call("mlp", {params, zy::Tensor::f32({4, 3}, std::vector<float>(12, 1.0f))});
  if (wrong) {
    std::cerr << "expected an error for inputs of the wrong width\n";
    return 1;
  }
  std::cout << "error (status " << wrong.error().status << "):\n" << wrong.error().message;
  zy::Result<zy::Value> missing = model.call("no_such_function", {});
  std::cout << "error (status " << missing.error().status << "):\n" << missing.error().message;
  return 0;
}
