#pragma once

#include <cstdint>
#include <vector>

#include "wasmesh/wasm/FunctionType.h"

namespace wasmesh::wasm::v8 {

// The JS API turns floats into JS numbers (V8 canonicalizes NaNs, losing payload and sign)
// and refuses v128 outright. Exports with such values are therefore called through a small
// generated module that imports the export and passes floats as their integer bits and each
// v128 as two i64 halves, so values cross the host boundary bit for bit.
bool needsTrampoline(const FunctionType& type);

// The trampoline's own signature: f32 -> i32, f64 -> i64, v128 -> i64 i64, others as is.
FunctionType trampolineType(const FunctionType& type);

// A module importing m.f of `type` and exporting t of trampolineType(type).
std::vector<std::uint8_t> trampolineModule(const FunctionType& type);

}  // namespace wasmesh::wasm::v8
