#pragma once

#include <cstdint>
#include <string>

namespace wasmesh::wasm::component::wasi {

// wasi:filesystem's error-code (its case index) for a POSIX errno.
std::uint32_t fileErrorCode(int error);
// The text of an errno value (thread-safe, unlike strerror).
std::string errnoMessage(int error);

}  // namespace wasmesh::wasm::component::wasi
