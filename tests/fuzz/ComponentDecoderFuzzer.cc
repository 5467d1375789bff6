// libFuzzer target for the component decoder (wasm/component): the bytes are an untrusted
// component binary, as `wasmesh wasm run` and `inspect` read it. Besides "no crash, no UB, no
// read outside the input" (ASan, UBSan), it checks that whatever decodes is consistent: every
// core module lies inside the binary and nested components share their parent's bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "wasmesh/wasm/component/ComponentDecoder.h"

namespace {

using wasmesh::wasm::component::Component;
using wasmesh::wasm::component::ComponentDecoder;
using wasmesh::wasm::component::Definition;

void check(bool condition) {
  if (!condition)
    __builtin_trap();
}

void checkComponent(const Component& component, const Component& root) {
  check(component.bytes == root.bytes);
  for (const Definition& def : component.definitions) {
    check(def.offset <= component.bytes->size());
    if (def.kind == Definition::Kind::coreModule) {
      check(def.coreModule.offset + def.coreModule.size <= component.bytes->size());
      check(component.moduleBytes(def.coreModule).size() >= 8);
    }
    if (def.kind == Definition::Kind::component)
      checkComponent(*def.component, root);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  auto component = ComponentDecoder::decode(bytes);
  if (!component)
    return 0;
  check(ComponentDecoder::isComponent(bytes));
  check((*component)->bytes->size() == size);
  checkComponent(**component, **component);
  return 0;
}
