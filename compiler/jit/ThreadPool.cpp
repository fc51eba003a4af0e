// ThreadPool.cpp: a fixed pool of sleeping workers for parallelFor (see ThreadPool.h).
#include "jit/ThreadPool.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace zy::jit {

namespace {

class Pool {
public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) Threads.emplace_back([this, i] { work(i); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(M);
      Stop = true;
    }
    Wake.notify_all();
    for (auto &t : Threads) t.join();
  }

  int workers() const { return static_cast<int>(Threads.size()); }

  /// Runs chunks 1..n-1 of the job on workers and chunk 0 here; false if busy.
  bool run(int64_t extent, int chunks, const std::function<void(int64_t, int64_t)> &body) {
    std::unique_lock<std::mutex> busy(Busy, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(M);
      Body = &body;
      Extent = extent;
      Chunks = chunks;
      Pending = chunks - 1;
      ++Generation;
    }
    Wake.notify_all();
    body(0, extent / chunks);
    std::unique_lock<std::mutex> lock(M);
    Done.wait(lock, [this] { return Pending == 0; });
    Body = nullptr;
    return true;
  }

private:
  std::vector<std::thread> Threads;
  std::mutex Busy; // one job at a time
  std::mutex M;
  std::condition_variable Wake, Done;
  const std::function<void(int64_t, int64_t)> *Body = nullptr;
  int64_t Extent = 0;
  int Chunks = 0, Pending = 0;
  uint64_t Generation = 0;
  bool Stop = false;

  void work(int index) {
    uint64_t seen = 0;
    for (;;) {
      std::unique_lock<std::mutex> lock(M);
      Wake.wait(lock, [&] { return Stop || Generation != seen; });
      if (Stop) return;
      seen = Generation;
      int chunk = index + 1;
      if (chunk >= Chunks) continue;
      const auto *body = Body;
      int64_t begin = Extent * chunk / Chunks, end = Extent * (chunk + 1) / Chunks;
      lock.unlock();
      (*body)(begin, end);
      lock.lock();
      if (--Pending == 0) Done.notify_one();
    }
  }
};

} // namespace

void parallelFor(int64_t extent, int threads, const std::function<void(int64_t, int64_t)> &body) {
  static Pool pool(std::max(0, static_cast<int>(std::thread::hardware_concurrency()) - 1));
  int chunks = static_cast<int>(std::min<int64_t>({extent, threads, pool.workers() + 1}));
  if (chunks <= 1 || !pool.run(extent, chunks, body)) body(0, extent);
}

} // namespace zy::jit
