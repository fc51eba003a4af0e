// Remat.h: rematerialisation: graphs whose reverse pass recomputes values instead of
// keeping them alive from the forward pass.
//
// Reverse mode (Grad.cpp) keeps every forward value its gradient needs, except inside a
// scan: a scan's gradient keeps only the carry each step started from and recomputes the
// step's intermediates from it. Both forms here build on that one mechanism.
#pragma once

#include "ir/Builder.h"

namespace zy::transforms {

/// The results of `scan` (a Scan node typed but not yet added: its final carries, then
/// its stacked ys), computed by two nested scans: an outer one over segments of about
/// sqrt(T) steps, each running an inner scan over its segment (and a plain scan over the
/// steps left over). The values are the same; the gradient keeps only the carries at
/// segment boundaries and, while one segment is differentiated, that segment's carries:
/// O(sqrt T) carries live instead of O(T).
std::vector<int> checkpointedScan(ir::Builder &b, const ir::Node &scan);

/// `body`'s outputs on `operands`, as one opaque call (a scan of one step): no pass
/// merges it with the graph around it, so reverse mode recomputes its intermediates in
/// the backward pass (checkpoint(f)) rather than keeping them.
std::vector<int> opaqueCall(ir::Builder &b, const ir::Graph &body, const std::vector<int> &operands, Span span);

} // namespace zy::transforms
