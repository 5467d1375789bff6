#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "wasmesh/wasm/Value.h"
#include "wasmesh/wasm/component/AbiContext.h"
#include "wasmesh/wasm/component/Val.h"

namespace wasmesh::wasm::component {

// The canonical ABI's values as core values (CanonicalABI.md, "Flattening", "Flat Lifting",
// "Flat Lowering"), variants' joined slots included.
class FlatCodec {
 public:
  // Core values being lifted, read front to back. A variant's payload reads its slots at the
  // types it flattens to, from slots of the joined type (an f32 out of an i32 or i64 slot...).
  class Reader {
   public:
    explicit Reader(std::span<const Value> values) : values_(values) {}
    WasmResult<Value> next(ValueType want);
    bool skip(std::size_t count);
    bool done() const { return next_ == values_.size(); }

   private:
    std::span<const Value> values_;
    std::size_t next_ = 0;
  };

  static WasmResult<Val> lift(AbiContext& cx, Reader& in, TypeId type);
  static WasmResult<void> lower(AbiContext& cx, const Val& value, TypeId type,
                                std::vector<Value>& out);
};

}  // namespace wasmesh::wasm::component
