#pragma once

#include <map>
#include <string>

#include "wasmesh/wasm/component/TypeTable.h"

namespace wasmesh::wasm::component {

// The names an interface gives its types (`(export "stream-error" (type (eq 5)))`), so that
// types print as WIT writes them: by name where they have one.
struct TypeNames {
  std::map<TypeId, std::string> types;
  std::map<ResourceId, std::string> resources;
};

// Renders types in WIT: "list<string>", "result<_, stream-error>", "borrow<descriptor>",
// "func(self: borrow<output-stream>, contents: list<u8>) -> result<_, stream-error>". An owned
// handle prints as its resource's name, as WIT writes it. Linking compares these renderings
// with the host's signatures, so the format is fixed: one space after each comma and colon,
// "record { a: u32, b: u32 }" for an anonymous record.
class WitPrinter {
 public:
  WitPrinter(const TypeTable& types, const TypeNames* names) : types_(types), names_(names) {}

  // The type as a reference: its name when it has one, else its structure.
  std::string type(TypeId id) const;
  // The type's structure, even when it has a name (what a named type is defined as).
  std::string definition(TypeId id) const;
  std::string function(const FuncType& func) const;
  std::string resource(ResourceId id) const;

  // Types are a DAG: a tuple of the same tuple, 64 levels deep, would print 2^64 times. A
  // printer renders at most this many types, then "..." (no honest signature is that long).
  static constexpr std::size_t kMaxTypes = 100'000;

 private:
  const TypeTable& types_;
  const TypeNames* names_;
  mutable std::size_t rendered_ = 0;
};

}  // namespace wasmesh::wasm::component
