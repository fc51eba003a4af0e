// LargeStack.h: run a function on a thread with a large stack.
//
// The compiler recurses over trees whose depth the parser bounds; running it on a thread
// with a 512 MiB stack (reserved, not committed) leaves a wide margin on any input.
#pragma once

#include <cstddef>
#include <functional>

namespace zy {

constexpr size_t LargeStackBytes = size_t(512) << 20;

/// Runs `fn` on a new thread with `stackBytes` of stack and returns its result.
/// Falls back to the calling thread if such a thread cannot be created.
int runWithLargeStack(const std::function<int()> &fn, size_t stackBytes = LargeStackBytes);

} // namespace zy
