#include "Fixtures.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace wasmesh::wasm::test {

std::vector<std::uint8_t> fixture(const std::string& name) {
  const std::string path = std::string(WASMESH_WASM_FIXTURE_DIR) + "/" + name + ".wasm";
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw std::runtime_error("missing fixture " + path);
  return {std::istreambuf_iterator<char>(file), {}};
}

std::unique_ptr<Engine> engine(EngineKind kind) {
  auto made = makeEngine(kind);
  if (!made)
    throw std::runtime_error(made.error().describe());
  return std::move(*made);
}

std::string engineName(const testing::TestParamInfo<EngineKind>& info) {
  return std::string(toString(info.param));
}

}  // namespace wasmesh::wasm::test
