#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "WabtValues.h"

namespace wasmesh::wasm::wabt {

enum class StepwiseOutcome : std::uint8_t { returned, trapped, budgetUsedUp, deadlinePassed };

// Calls a guest function the way wabt's DefinedFunc::DoCall does, but runs the interpreter
// a bounded number of instructions at a time, so an instruction budget is exact and a
// deadline is checked between chunks. Without a budget or deadline it still runs in chunks.
StepwiseOutcome stepwiseCall(interp::Thread& thread, const interp::DefinedFunc& function,
                             const interp::Values& params, interp::Values& results,
                             interp::Trap::Ptr* trap, std::optional<std::uint64_t> budget,
                             std::optional<std::chrono::steady_clock::time_point> deadline);

// The function of the innermost frame of `thread`: after a trap, where it happened (wabt
// leaves the frames in place). Empty when the thread has no frame.
std::optional<interp::Ref> innermostFunction(interp::Thread& thread);

}  // namespace wasmesh::wasm::wabt
