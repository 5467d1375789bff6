#include "DecodeContext.h"

namespace wasmesh::wasm::component {

std::string_view sectionName(int id) {
  switch (id) {
    case 0:
      return "custom";
    case 1:
      return "core module";
    case 2:
      return "core instance";
    case 3:
      return "core type";
    case 4:
      return "component";
    case 5:
      return "instance";
    case 6:
      return "alias";
    case 7:
      return "type";
    case 8:
      return "canon";
    case 9:
      return "start";
    case 10:
      return "import";
    case 11:
      return "export";
    case 12:
      return "value";
    default:
      return "unknown";
  }
}

bool DecodeContext::fail(std::size_t offset, std::string what) {
  if (!failure_)
    failure_ = Failure{offset, std::move(what), false, section_};
  return false;
}

bool DecodeContext::unsupported(std::size_t offset, std::string what) {
  if (!failure_)
    failure_ = Failure{offset, std::move(what), true, section_};
  return false;
}

WasmError DecodeContext::error() const {
  if (!failure_)
    return WasmError::make(errc::wasm_malformed_module, "component: unknown failure");
  std::string where = "component";
  if (failure_->section >= 0) {
    where += " section " + std::to_string(failure_->section) + " (" +
             std::string(sectionName(failure_->section)) + ")";
  }
  where += " at offset " + std::to_string(failure_->offset) + ": " + failure_->what;
  return WasmError::make(
      failure_->unsupported ? errc::wasm_unsupported_feature : errc::wasm_malformed_module,
      std::move(where));
}

void DecodeContext::enterSection(int id, std::size_t) {
  section_ = id;
}

const DecodeScope* DecodeContext::outer(std::uint32_t count) const {
  if (count >= scopes_.size())
    return nullptr;
  return scopes_[scopes_.size() - 1 - count];
}

bool DecodeContext::pushScope(DecodeScope& scope, std::size_t offset) {
  if (scopes_.size() >= static_cast<std::size_t>(kMaxDepth))
    return fail(offset, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
  scopes_.push_back(&scope);
  return true;
}

bool DecodeContext::checkIndex(Sort sort, std::uint32_t index, std::size_t offset) {
  if (scope().has(sort, index))
    return true;
  return fail(offset, std::string(toString(sort)) + " index " + std::to_string(index) +
                          " out of range (" + std::to_string(scope().count(sort)) + " defined)");
}

}  // namespace wasmesh::wasm::component
