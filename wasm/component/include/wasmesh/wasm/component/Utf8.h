#pragma once

#include <string_view>

namespace wasmesh::wasm::component {

// Whether `text` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool isValidUtf8(std::string_view text);

}  // namespace wasmesh::wasm::component
