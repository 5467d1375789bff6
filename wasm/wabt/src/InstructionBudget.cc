#include "InstructionBudget.h"

#include <cstring>

namespace wasmesh::wasm::wabt {

::wabt::Result InstructionBudget::WriteDataImpl(std::size_t, const void* data, std::size_t size) {
  const auto* text = static_cast<const char*>(data);
  // One trace line per instruction: count the line ends.
  for (const char* next = text;
       (next = static_cast<const char*>(std::memchr(next, '\n', size - (next - text)))) != nullptr;
       ++next) {
    ++executed_;
    if (instructions_ && executed_ > *instructions_)
      throw BudgetExhausted{false};  // NOLINT: leaves the interpreter, see the class comment
    constexpr std::uint64_t kClockEvery = 4096;
    if (deadline_ && executed_ % kClockEvery == 0 &&
        std::chrono::steady_clock::now() >= *deadline_) {
      throw BudgetExhausted{true};  // NOLINT: as above
    }
    if (next + 1 >= text + size)
      break;
  }
  return ::wabt::Result::Ok;
}

}  // namespace wasmesh::wasm::wabt
