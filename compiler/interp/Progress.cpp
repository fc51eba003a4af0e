// Progress.cpp: drawing the progress bar on standard error, and `bar.set(...)`, the running
// metrics a loop body reports to it.
#include "interp/Progress.h"

#include "interp/Interpreter.h"
#include "interp/TensorOps.h"

#include <cstdio>
#include <unistd.h>

namespace zy::interp {

namespace {
std::string clock(double seconds) {
  int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%02d:%02d", s / 60, s % 60);
  return buf;
}
} // namespace

void ProgressState::set(const std::string &name, std::string text) {
  for (auto &[key, value] : metrics)
    if (key == name) {
      value = std::move(text);
      return;
    }
  metrics.emplace_back(name, std::move(text));
}

std::string ProgressState::metricsText() const {
  std::string out;
  for (const auto &[key, value] : metrics) out += (out.empty() ? "" : ", ") + key + " " + value;
  return out;
}

Value progressSetMethod(std::shared_ptr<ProgressState> state) {
  return Value::makeBuiltin("set", [state](Interpreter &in, CallArgs &a) {
    if (!a.positional.empty() || a.keywords.empty())
      in.fail(a.span, "`set` takes metrics by name, as in `bar.set(loss = l)`");
    for (auto &[name, v] : a.keywords) {
      char buf[64];
      if (v.kind == ValueKind::Str) {
        state->set(name, *v.str);
        continue;
      }
      if (v.kind == ValueKind::Int) { // exactly: a double would round (or overflow) past 2^53
        state->set(name, std::to_string(v.i));
        continue;
      }
      double x;
      bool integral;
      if (v.kind == ValueKind::Tensor && v.tensor->size() == 1) {
        const Tensor &t = concrete(in, *v.tensor, a.span, "a progress metric");
        x = t.get(0);
        integral = t.dtype() == DType::I32 || t.dtype() == DType::Bool;
      } else if (v.isNumber()) {
        x = v.number();
        integral = v.kind == ValueKind::Bool;
      } else {
        in.fail(a.span, "the metric `" + name + "` must be a number, a one-element tensor or a str, got " + typeName(v));
      }
      if (integral) std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
      else std::snprintf(buf, sizeof buf, "%.4g", x);
      state->set(name, buf);
    }
    return Value::none();
  });
}

ProgressBar::ProgressBar(int64_t total, std::shared_ptr<const ProgressState> state)
    : Total(total), State(std::move(state)), Terminal(isatty(STDERR_FILENO)), Start(std::chrono::steady_clock::now()),
      LastDraw(Start) {}

void ProgressBar::update(int64_t done) {
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - Start).count();
  double rate = elapsed > 0 ? done / elapsed : 0;
  double eta = rate > 0 ? (Total - done) / rate : 0;
  double fraction = Total > 0 ? static_cast<double>(done) / Total : 1;
  std::string prefix = State->label.empty() ? "" : State->label + " ";
  std::string metrics = State->metricsText();
  if (Terminal) {
    // Redraw at most 10 times a second, and always at the end.
    if (done < Total && std::chrono::duration<double>(now - LastDraw).count() < 0.1) return;
    LastDraw = now;
    const int width = 30;
    int filled = static_cast<int>(fraction * width);
    std::string bar(filled, '#');
    bar += std::string(width - filled, '.');
    // \x1b[K clears what a longer earlier line left to the right.
    std::fprintf(stderr, "\r%s%3d%% [%s] %lld/%lld [%s<%s, %.1f it/s]%s%s \x1b[K", prefix.c_str(),
                 static_cast<int>(fraction * 100), bar.c_str(), static_cast<long long>(done), static_cast<long long>(Total),
                 clock(elapsed).c_str(), clock(eta).c_str(), rate, metrics.empty() ? "" : " ", metrics.c_str());
    std::fflush(stderr);
    return;
  }
  int decile = static_cast<int>(fraction * 10);
  if (decile == LastDecile || (decile == 10 && done < Total)) return;
  LastDecile = decile;
  std::fprintf(stderr, "%s%3d%% %lld/%lld elapsed %s, eta %s, %.1f it/s%s%s\n", prefix.c_str(), decile * 10,
               static_cast<long long>(done), static_cast<long long>(Total), clock(elapsed).c_str(), clock(eta).c_str(), rate,
               metrics.empty() ? "" : ", ", metrics.c_str());
}

void ProgressBar::finish() {
  if (Terminal) std::fprintf(stderr, "\n");
}

} // namespace zy::interp
