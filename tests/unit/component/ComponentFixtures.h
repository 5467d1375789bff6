#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace wasmesh::wasm::component::test {

using Bytes = std::vector<std::uint8_t>;

// A section: its id, its size as LEB128, its contents.
Bytes section(std::uint8_t id, const Bytes& contents);
// A component binary (version 0x0d) made of `sections`.
Bytes component(std::initializer_list<Bytes> sections);

// A seed of the component fuzz target (tests/fuzz/corpus/component/NAME.bin).
Bytes fuzzSeed(const std::string& name);
// A component built by tests/fixtures/components (NAME.wasm); empty when the fixtures were
// not built (jco not installed).
Bytes componentFixture(const std::string& name);
// The path of that fixture.
std::string componentFixturePath(const std::string& name);

}  // namespace wasmesh::wasm::component::test
