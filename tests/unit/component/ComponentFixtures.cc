#include "ComponentFixtures.h"

#include <fstream>
#include <iterator>

namespace wasmesh::wasm::component::test {
namespace {

Bytes readFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(file), {});
}

void appendLeb(Bytes& out, std::size_t value) {
  do {
    std::uint8_t next = value & 0x7fU;
    value >>= 7;
    if (value != 0)
      next |= 0x80U;
    out.push_back(next);
  } while (value != 0);
}

}  // namespace

Bytes section(std::uint8_t id, const Bytes& contents) {
  Bytes out{id};
  appendLeb(out, contents.size());
  out.insert(out.end(), contents.begin(), contents.end());
  return out;
}

Bytes component(std::initializer_list<Bytes> sections) {
  Bytes out{0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  for (const Bytes& s : sections)
    out.insert(out.end(), s.begin(), s.end());
  return out;
}

Bytes fuzzSeed(const std::string& name) {
  return readFile(std::string(WASMESH_COMPONENT_CORPUS_DIR) + "/" + name + ".bin");
}

std::string componentFixturePath(const std::string& name) {
  return std::string(WASMESH_COMPONENT_FIXTURE_DIR) + "/" + name + ".wasm";
}

Bytes componentFixture(const std::string& name) {
  return readFile(componentFixturePath(name));
}

}  // namespace wasmesh::wasm::component::test
