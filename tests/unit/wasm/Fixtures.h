#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "wasmesh/wasm/engines/EngineFactory.h"

namespace wasmesh::wasm::test {

// The bytes of a fixture built by tests/fixtures/wasm (name without .wasm).
std::vector<std::uint8_t> fixture(const std::string& name);

// A new engine of the given kind; throws (failing the test that asked) when V8's module cannot
// be loaded. ctest points WASMESH_WASM_V8_MODULE at the module of this build.
std::unique_ptr<Engine> engine(EngineKind kind);

// "v8" / "wabt" as gtest parameter names.
std::string engineName(const testing::TestParamInfo<EngineKind>& info);

}  // namespace wasmesh::wasm::test
