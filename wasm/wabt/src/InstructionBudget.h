#pragma once

#include <wabt/stream.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace wasmesh::wasm::wabt {

// Thrown out of the interpreter when a call's budget runs out; caught by WabtInstance.
struct BudgetExhausted {
  bool deadline = false;  // the CPU time ran out rather than the instruction count
};

// wabt 1.0.32 offers no public hook between instructions except its trace stream, which the
// interpreter writes one line to before every instruction. This stream counts those lines
// and, when the budget or the deadline is used up, throws out of the interpreter. The thrown
// call's interpreter thread is then in an undefined state, so the instance is failed and
// discarded; wabt objects rooted by the unwound frames leak until the engine goes away.
// Tracing formats every instruction, so a budget costs speed: set one only when needed.
class InstructionBudget final : public ::wabt::Stream {
 public:
  InstructionBudget(std::optional<std::uint64_t> instructions,
                    std::optional<std::chrono::steady_clock::time_point> deadline)
      : instructions_(instructions), deadline_(deadline) {}

 protected:
  ::wabt::Result WriteDataImpl(std::size_t offset, const void* data, std::size_t size) override;
  ::wabt::Result MoveDataImpl(std::size_t, std::size_t, std::size_t) override {
    return ::wabt::Result::Ok;
  }
  ::wabt::Result TruncateImpl(std::size_t) override { return ::wabt::Result::Ok; }

 private:
  std::optional<std::uint64_t> instructions_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  std::uint64_t executed_ = 0;
};

}  // namespace wasmesh::wasm::wabt
