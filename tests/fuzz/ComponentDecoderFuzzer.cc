// libFuzzer target for the component decoder and linker (wasm/component): the bytes are an
// untrusted component binary, as `wasmesh wasm run` and `inspect` read it. Whatever decodes is
// linked (nested components inlined, types resolved, imports bound against a small host with
// a resource and a function, as the seeds import) and its world printed in WIT, as inspect
// does. Besides "no crash, no UB, no read outside the input, no runaway time" (ASan, UBSan,
// -timeout), it checks that what decodes is consistent: every core module lies inside the
// binary and nested components share their parent's bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "wasmesh/wasm/component/ComponentDecoder.h"
#include "wasmesh/wasm/component/ComponentLinker.h"
#include "wasmesh/wasm/component/WorldPrinter.h"

namespace {

using wasmesh::wasm::component::Component;
using wasmesh::wasm::component::ComponentDecoder;
using wasmesh::wasm::component::ComponentHost;
using wasmesh::wasm::component::ComponentLinker;
using wasmesh::wasm::component::Definition;
using wasmesh::wasm::component::HostInterface;
using wasmesh::wasm::component::WorldPrinter;

std::shared_ptr<const ComponentHost> makeHost() {
  auto host = std::make_shared<ComponentHost>();
  HostInterface iface("ns:pkg", "iface", "0.2.0");
  iface.resource("res", nullptr);
  iface.function("make", "func() -> res", nullptr);
  host->add(std::move(iface));
  host->seal();
  return host;
}

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
  static const auto host = makeHost();
  for (const auto& granted : {std::shared_ptr<const ComponentHost>(), host}) {
    auto linked = ComponentLinker::link(*component, granted);
    check(WorldPrinter::world(*linked).size() >= 2);
    WorldPrinter::interfaces(*linked);
  }
  return 0;
}
