#include "wasmesh/deploy/InjectorOptions.h"

namespace wasmesh::deploy {

std::string_view wasmeshVersion() noexcept {
  return WASMESH_VERSION;
}

}  // namespace wasmesh::deploy
