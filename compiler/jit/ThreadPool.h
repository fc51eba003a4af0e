// ThreadPool.h: splitting a large loop over the machine's cores.
#pragma once

#include <cstdint>
#include <functional>

namespace zy::jit {

/// Runs body(begin, end) over [0, extent) in up to `threads` contiguous chunks, the
/// calling thread taking the first. Workers sleep between calls (no spinning against
/// OpenBLAS's threads). A call made while the pool is busy runs on the caller alone.
void parallelFor(int64_t extent, int threads, const std::function<void(int64_t, int64_t)> &body);

} // namespace zy::jit
