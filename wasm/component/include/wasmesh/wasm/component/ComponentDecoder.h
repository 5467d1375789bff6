#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/ComponentAst.h"

namespace wasmesh::wasm::component {

// Decodes the component binary format (Binary.md, version 0x0d): every section, nested
// components, core and component instances, aliases, types, canon definitions, imports and
// exports. The bytes are untrusted: every length, count and index is checked (indices against
// the index space they name, as it stands at that point), nesting is bounded, and a failure
// names the section and the offset:
//   malformed module: component section 7 (type) at offset 1234: vector length runs past ...
// A binary that is well formed but uses what wasmesh does not run yet (the async built-ins,
// streams and futures, values, the start section) fails with errc::wasm_unsupported_feature
// and says which feature. Core modules inside are not decoded here (the engines do that).
class ComponentDecoder {
 public:
  // Whether `bytes` begin with a component's preamble (magic, then layer 1), as opposed to a
  // core module's.
  static bool isComponent(std::span<const std::uint8_t> bytes);

  static WasmResult<std::shared_ptr<const Component>> decode(std::span<const std::uint8_t> bytes);

  // The largest binary decode accepts.
  static constexpr std::size_t kMaxBytes = std::size_t{512} * 1024 * 1024;
  // The component binary version this decoder reads.
  static constexpr std::uint8_t kVersion = 0x0d;
};

}  // namespace wasmesh::wasm::component
