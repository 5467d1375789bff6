#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wasmesh/wasm/component/TypeAst.h"

namespace wasmesh::wasm::component {

// The definitions of a component binary (Binary.md), in the order they appear: that order
// builds the index spaces. Indices are as decoded; the decoder has checked each one against
// the size its index space had at that point.

struct SortIndex {
  Sort sort = Sort::func;
  std::uint32_t index = 0;
};

struct Component;

// A core module: its bytes are Component::bytes[offset, offset + size).
struct CoreModuleDef {
  std::size_t offset = 0;
  std::size_t size = 0;
};

struct CoreInstanceDef {
  struct Arg {
    std::string name;
    std::uint32_t instance = 0;
  };
  struct Export {
    std::string name;
    SortIndex item;  // a core sort
  };
  bool instantiates = true;  // (instantiate module args) or a bundle of exports
  std::uint32_t module = 0;
  std::vector<Arg> args;
  std::vector<Export> exports;
};

struct InstanceDef {
  struct Item {
    std::string name;
    SortIndex item;
  };
  bool instantiates = true;  // (instantiate component args) or a bundle of exports
  std::uint32_t component = 0;
  std::vector<Item> args;
  std::vector<Item> exports;
};

enum class StringEncoding : std::uint8_t { utf8, utf16, latin1Utf16 };
std::string_view toString(StringEncoding encoding);

struct CanonOptions {
  StringEncoding encoding = StringEncoding::utf8;
  std::optional<std::uint32_t> memory;      // core memory index
  std::optional<std::uint32_t> realloc;     // core function index
  std::optional<std::uint32_t> postReturn;  // core function index
};

struct CanonDef {
  enum class Kind : std::uint8_t { lift, lower, resourceNew, resourceDrop, resourceRep };
  Kind kind = Kind::lift;
  std::uint32_t function = 0;  // lift: core function; lower: component function
  std::uint32_t type = 0;      // lift: function type; resource.*: resource type
  CanonOptions options;
};

struct ImportDef {
  std::string name;
  ExternDesc desc;
};

struct ExportDef {
  std::string name;
  SortIndex item;
  std::optional<ExternDesc> ascribed;
};

struct Definition {
  enum class Kind : std::uint8_t {
    coreModule,
    coreInstance,
    coreType,
    component,
    instance,
    alias,
    type,
    canon,
    importDef,
    exportDef,
  };
  Kind kind = Kind::coreModule;
  std::size_t offset = 0;  // where it starts in the binary, for error messages
  CoreModuleDef coreModule;
  CoreInstanceDef coreInstance;
  CoreTypeDef coreType;
  std::shared_ptr<const Component> component;
  InstanceDef instance;
  AliasDef alias;
  std::shared_ptr<const TypeDef> type;
  CanonDef canon;
  ImportDef importDef;
  ExportDef exportDef;
};

// A decoded component. Nested components share the outermost one's bytes.
struct Component {
  std::shared_ptr<const std::vector<std::uint8_t>> bytes;
  std::size_t offset = 0;  // of this component's preamble in `bytes`
  std::vector<Definition> definitions;

  std::span<const std::uint8_t> moduleBytes(const CoreModuleDef& module) const {
    return std::span<const std::uint8_t>(*bytes).subspan(module.offset, module.size);
  }
};

}  // namespace wasmesh::wasm::component
