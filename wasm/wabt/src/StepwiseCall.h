#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

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

// Where `thread` trapped (wabt leaves the frames in place after a trap), named as V8 names
// it: the function's name in `names` (the name section), else wasm-function[index];
// `fallback` when the innermost frame is not one of `instance`'s functions.
std::string trappedFunction(interp::Thread& thread, const interp::Instance& instance,
                            const std::map<std::uint32_t, std::string>* names,
                            std::string_view fallback);

}  // namespace wasmesh::wasm::wabt
