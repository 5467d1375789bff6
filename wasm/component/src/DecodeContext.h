#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ComponentReader.h"
#include "DecodeScope.h"
#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/ComponentAst.h"

namespace wasmesh::wasm::component {

// What the decoder of one binary shares between its parts: the first failure (with the
// offset where it happened and whether it is an unsupported feature rather than bad bytes)
// and the stack of scopes whose index spaces outer aliases may reach.
class DecodeContext {
 public:
  // Nested components and types deeper than this are refused: decoding recurses, and a
  // binary must not be able to exhaust the host's stack.
  static constexpr int kMaxDepth = 32;

  // Records the first failure and returns false, so decoders can `return ctx.fail(...)`.
  bool fail(std::size_t offset, std::string what);
  bool unsupported(std::size_t offset, std::string what);
  bool failed() const { return failure_.has_value(); }
  // The failure as the error of `decode`, naming the section it happened in.
  WasmError error() const;

  // The section being read: its id and where it starts. Set by the section loop.
  void enterSection(int id, std::size_t offset);
  int section() const { return section_; }

  DecodeScope& scope() { return *scopes_.back(); }
  // The scope `count` levels out (0 is the current one), or null.
  const DecodeScope* outer(std::uint32_t count) const;
  bool pushScope(DecodeScope& scope, std::size_t offset);
  void popScope() { scopes_.pop_back(); }

  // Checks an index against the current scope's index space of `sort`.
  bool checkIndex(Sort sort, std::uint32_t index, std::size_t offset);

 private:
  struct Failure {
    std::size_t offset = 0;
    std::string what;
    bool unsupported = false;
    int section = -1;
  };
  std::optional<Failure> failure_;
  std::vector<DecodeScope*> scopes_;
  int section_ = -1;
};

// "type", "canon"...: a section's name for error messages.
std::string_view sectionName(int id);

}  // namespace wasmesh::wasm::component
