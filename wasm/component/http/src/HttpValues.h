#pragma once

#include <optional>
#include <string>

#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/Val.h"
#include "wasmesh/wasm/component/http/HttpTypes.h"

namespace wasmesh::wasm::component::http {

// Conversions between wasi:http's WIT values and the host's types.

// method: get...patch, or other(string). "GET" <-> get.
Val methodValue(const std::string& method);
// The method a guest gave, or nothing when other(...) is not a token.
std::optional<std::string> methodFromValue(const Val& value);

// scheme: HTTP, HTTPS or other(string); an empty scheme is none.
Val schemeValue(const std::string& scheme);
std::optional<std::string> schemeFromValue(const Val& value);

Val errorValue(const HttpError& error);
HttpError errorFromValue(const Val& value);

// list<tuple<field-key, field-value>>
Val fieldsValue(const HttpFields& fields);

// RFC 9110 field syntax, as wasi:http hosts check it: a token for the name; no control
// character but tab in the value.
bool validFieldName(std::string_view name);
bool validFieldValue(std::string_view value);
// The fields a guest may not set (hop-by-hop ones and Host), as wasmtime forbids them.
bool forbiddenField(std::string_view lowerCaseName);
std::string lowerCase(std::string_view text);

}  // namespace wasmesh::wasm::component::http
