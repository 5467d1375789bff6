#include "StepwiseCall.h"

#include <algorithm>

namespace wasmesh::wasm::wabt {
namespace {

// wabt 1.0.32 has no public way to start a call and then run it stepwise: Thread::Run(n) is
// public, but pushing the arguments and the first frame (what DefinedFunc::DoCall does) is
// private. The template arguments of an explicit instantiation may name private members
// (access is not checked there), which is how the member pointers below are obtained; friend
// functions hand them out, so no mutable state is involved. This is tied to wabt 1.0.32's
// Thread, which find_package(wabt 1.0.32 EXACT) pins.
template <typename Tag, typename Tag::type Pointer>
struct Expose {
  friend typename Tag::type member(Tag) { return Pointer; }
};

struct PushValues {
  using type = void (interp::Thread::*)(const interp::ValueTypes&, const interp::Values&);
  friend type member(PushValues);
};
struct PopValues {
  using type = void (interp::Thread::*)(const interp::ValueTypes&, interp::Values*);
  friend type member(PopValues);
};
struct PushCall {
  using type = interp::RunResult (interp::Thread::*)(const interp::DefinedFunc&,
                                                     interp::Trap::Ptr*);
  friend type member(PushCall);
};

struct Frames {
  using type = std::vector<interp::Frame> interp::Thread::*;
  friend type member(Frames);
};

template struct Expose<PushValues, &interp::Thread::PushValues>;
template struct Expose<Frames, &interp::Thread::frames_>;
template struct Expose<PopValues, &interp::Thread::PopValues>;
template struct Expose<PushCall, &interp::Thread::PushCall>;

constexpr std::uint64_t kChunk = 10000;  // instructions between budget and clock checks

}  // namespace

StepwiseOutcome stepwiseCall(interp::Thread& thread, const interp::DefinedFunc& function,
                             const interp::Values& params, interp::Values& results,
                             interp::Trap::Ptr* trap, std::optional<std::uint64_t> budget,
                             std::optional<std::chrono::steady_clock::time_point> deadline) {
  const auto& type = function.type();
  (thread.*member(PushValues{}))(type.params, params);
  if ((thread.*member(PushCall{}))(function, trap) == interp::RunResult::Trap)
    return StepwiseOutcome::trapped;
  for (;;) {
    if (budget && *budget == 0)
      return StepwiseOutcome::budgetUsedUp;
    const std::uint64_t chunk = budget ? std::min(*budget, kChunk) : kChunk;
    const auto result = thread.Run(static_cast<int>(chunk), trap);
    switch (result) {
      case interp::RunResult::Ok:
        break;
      case interp::RunResult::Return:
        (thread.*member(PopValues{}))(type.results, &results);
        return StepwiseOutcome::returned;
      case interp::RunResult::Trap:
        return StepwiseOutcome::trapped;
      case interp::RunResult::Exception:
        *trap = interp::Trap::New(thread.store(), "uncaught exception");
        return StepwiseOutcome::trapped;
    }
    if (budget)
      *budget -= chunk;
    if (deadline && std::chrono::steady_clock::now() >= *deadline)
      return StepwiseOutcome::deadlinePassed;
  }
}

std::string trappedFunction(interp::Thread& thread, const interp::Instance& instance,
                            const std::map<std::uint32_t, std::string>* names,
                            std::string_view fallback) {
  const auto& frames = thread.*member(Frames{});
  if (frames.empty())
    return std::string(fallback);
  const auto& functions = instance.funcs();
  const auto found = std::find(functions.begin(), functions.end(), frames.back().func);
  if (found == functions.end())
    return std::string(fallback);
  const auto index = static_cast<std::uint32_t>(found - functions.begin());
  if (names != nullptr) {
    if (auto named = names->find(index); named != names->end())
      return named->second;
  }
  return "wasm-function[" + std::to_string(index) + "]";
}

}  // namespace wasmesh::wasm::wabt
