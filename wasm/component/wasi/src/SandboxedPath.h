#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::wasi {

// Path resolution for wasi:filesystem, confined to the directory a descriptor names: every
// path is resolved by the kernel with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so no
// "..", absolute path or symbolic link can reach outside a granted directory. Errors are
// errno values (EPERM for a path that would leave the directory).
class SandboxedPath {
 public:
  // Opens `path` beneath `directory` with `flags` (O_CLOEXEC added); `follow`: follow a symbolic
  // link in the last component. Returns the new descriptor or -errno.
  static int open(int directory, std::string_view path, int flags, bool follow);
  // The directory holding the last component of `path`, opened beneath `directory`, and that
  // component's name (never empty, "." or ".."). Returns -errno on failure.
  static std::pair<int, std::string> parent(int directory, std::string_view path);
};

}  // namespace wasmesh::wasm::component::wasi
