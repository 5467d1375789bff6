#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "wasmesh/wasm/FunctionType.h"
#include "wasmesh/wasm/ModuleInfo.h"

namespace wasmesh::wasm::component {

// The type definitions of the component binary format (Binary.md, "Type Definitions"), as
// decoded: indices still refer to the index spaces of the scope they appear in.

enum class PrimitiveType : std::uint8_t {
  boolean,
  s8,
  u8,
  s16,
  u16,
  s32,
  u32,
  s64,
  u64,
  f32,
  f64,
  character,
  string,
};

// WIT's spelling: "bool", "u8", "f32", "char", "string"...
std::string_view toString(PrimitiveType type);

// A `valtype`: a primitive or an index into the type index space.
struct ValTypeRef {
  bool isPrimitive = true;
  PrimitiveType primitive = PrimitiveType::boolean;
  std::uint32_t index = 0;

  static ValTypeRef of(PrimitiveType type) { return {true, type, 0}; }
  static ValTypeRef at(std::uint32_t index) { return {false, PrimitiveType::boolean, index}; }
};

struct LabeledType {
  std::string label;
  ValTypeRef type;
};

struct CaseType {
  std::string label;
  std::optional<ValTypeRef> type;
};

// A `defvaltype`.
struct DefinedValType {
  enum class Kind : std::uint8_t {
    primitive,
    record,
    variant,
    list,
    fixedList,
    tuple,
    flags,
    enumeration,
    option,
    result,
    own,
    borrow,
  };
  Kind kind = Kind::primitive;
  PrimitiveType primitive = PrimitiveType::boolean;
  std::vector<LabeledType> fields;   // record
  std::vector<CaseType> cases;       // variant
  std::vector<ValTypeRef> types;     // tuple
  std::vector<std::string> labels;   // flags, enum
  std::optional<ValTypeRef> first;   // list/option element, result ok
  std::optional<ValTypeRef> second;  // result error
  std::uint32_t length = 0;          // fixed-size list
  std::uint32_t resource = 0;        // own, borrow: the resource's type index
};

struct FuncTypeDef {
  std::vector<LabeledType> params;
  std::optional<ValTypeRef> result;
};

struct ResourceTypeDef {
  std::optional<std::uint32_t> destructor;  // a core function index
};

// What an import or export declares (`externdesc`).
struct ExternDesc {
  enum class Kind : std::uint8_t { coreModule, func, value, type, component, instance };
  Kind kind = Kind::func;
  std::uint32_t typeIndex = 0;  // core module, func, component, instance: a type index
  ValTypeRef valueType;         // value
  bool subResource = false;     // type: (sub resource); otherwise (eq typeIndex)
};

std::string_view toString(ExternDesc::Kind kind);

// A core type: a function type or a module type (whose declarations wasmesh keeps only as
// the imports and exports they describe).
struct CoreTypeDef {
  bool isModule = false;
  FunctionType function;
  std::vector<ImportDesc> moduleImports;
  std::vector<ExportDesc> moduleExports;
};

struct TypeDef;

// An alias (Binary.md, "Alias Definitions").
struct AliasDef {
  enum class Target : std::uint8_t { instanceExport, coreInstanceExport, outer };
  enum class Sort : std::uint8_t {
    coreFunc,
    coreTable,
    coreMemory,
    coreGlobal,
    coreType,
    coreModule,
    coreInstance,
    func,
    value,
    type,
    component,
    instance,
  };
  Sort sort = Sort::func;
  Target target = Target::instanceExport;
  std::uint32_t instance = 0;  // export targets
  std::string name;            // export targets
  std::uint32_t outerCount = 0;
  std::uint32_t outerIndex = 0;
};

using Sort = AliasDef::Sort;
std::string_view toString(Sort sort);

// One declaration of an instance or component type.
struct TypeDecl {
  enum class Kind : std::uint8_t { coreType, type, alias, exportDecl, importDecl };
  Kind kind = Kind::type;
  CoreTypeDef coreType;
  std::shared_ptr<const TypeDef> type;
  AliasDef alias;
  std::string name;  // import or export
  ExternDesc desc;   // import or export
};

// A `type` definition.
struct TypeDef {
  enum class Kind : std::uint8_t { value, func, component, instance, resource };
  Kind kind = Kind::value;
  DefinedValType value;
  FuncTypeDef func;
  std::vector<TypeDecl> decls;  // component and instance types
  ResourceTypeDef resource;
};

}  // namespace wasmesh::wasm::component
