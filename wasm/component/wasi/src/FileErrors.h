#pragma once

#include <cstdint>

namespace wasmesh::wasm::component::wasi {

// wasi:filesystem's error-code (its case index) for a POSIX errno.
std::uint32_t fileErrorCode(int error);

}  // namespace wasmesh::wasm::component::wasi
