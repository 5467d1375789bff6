#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wasmesh/wasm/FunctionType.h"
#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/TypeAst.h"

namespace wasmesh::wasm::component {

using TypeId = std::uint32_t;
using FuncTypeId = std::uint32_t;
using ResourceId = std::uint32_t;

// The kinds of component values. The primitives come first, in PrimitiveType's order, so a
// primitive's TypeId is its PrimitiveType.
enum class ValKind : std::uint8_t {
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
  list,
  fixedList,
  record,
  tuple,
  variant,
  enumeration,
  option,
  result,
  flags,
  own,
  borrow,
};

// A resolved value type, with its canonical ABI layout (CanonicalABI.md: alignment, elem_size,
// flatten), computed once when it is added.
struct ValType {
  ValKind kind = ValKind::boolean;
  // Record fields, variant and enum cases, flags.
  std::vector<std::string> labels;
  // Record and tuple: the field types. Variant, enum, option (none, some) and result (ok,
  // error): the case payloads, absent for a case without one.
  std::vector<std::optional<TypeId>> members;
  TypeId element = 0;        // list, fixed-size list
  std::uint32_t length = 0;  // fixed-size list
  ResourceId resource = 0;   // own, borrow

  std::uint32_t size = 0;
  std::uint32_t alignment = 1;
  std::uint32_t flatCount = 0;  // saturates at TypeTable::kFlatCountLimit
  std::uint32_t depth = 1;
  bool hasBorrow = false;
  bool usesMemory = false;  // strings or lists inside: crossing needs a memory (and realloc)

  bool isVariantLike() const {
    return kind == ValKind::variant || kind == ValKind::enumeration || kind == ValKind::option ||
           kind == ValKind::result;
  }
};

struct FuncType {
  std::vector<std::string> paramNames;
  std::vector<TypeId> params;
  std::optional<TypeId> result;
};

// A resource type. Host resources are the host's (wasi:io/streams' output-stream); guest
// resources are defined by a component instance, which alone may create them (resource.new).
struct ResourceType {
  std::string name;  // "wasi:io/streams@0.2.12.output-stream", for messages
  bool host = false;
  std::uint32_t hostResource = 0;           // host: its index in the ComponentHost
  bool bound = true;                        // false: imported from a host that does not provide it
  std::uint32_t componentInstance = 0;      // guest: the instance that defined it
  std::optional<std::uint32_t> destructor;  // guest: a LinkedComponent core function
};

// Every type of one linked component: value types, function types and resource types, by id.
// Adding a type computes its layout and refuses what the host should not have to handle
// (nesting deeper than kMaxDepth, a size beyond 4 GiB) with a message for the link error.
class TypeTable {
 public:
  TypeTable();

  static constexpr std::uint32_t kMaxDepth = 64;
  // MAX_FLAT_PARAMS + 1: beyond MAX_FLAT_PARAMS the exact count no longer matters.
  static constexpr std::uint32_t kFlatCountLimit = 17;
  static constexpr std::uint32_t kMaxFlatParams = 16;
  static constexpr std::uint32_t kMaxFlatResults = 1;

  static TypeId primitive(PrimitiveType type) { return static_cast<TypeId>(type); }

  // Fills in the layout; `type.members`, `element` and `resource` must name existing types.
  WasmResult<TypeId> add(ValType type);
  const ValType& operator[](TypeId id) const { return types_[id]; }
  std::size_t size() const { return types_.size(); }

  FuncTypeId addFunc(FuncType type);
  const FuncType& func(FuncTypeId id) const { return funcs_[id]; }

  ResourceId addResource(ResourceType type);
  const ResourceType& resource(ResourceId id) const { return resources_[id]; }
  ResourceType& resource(ResourceId id) { return resources_[id]; }
  std::size_t resourceCount() const { return resources_.size(); }

  // The core value types `id` flattens to (only meaningful when flatCount <= 16).
  void flatten(TypeId id, std::vector<ValueType>& out) const;
  // The core signature of a function lifted (exported) or lowered (imported) with the
  // canonical ABI: params beyond 16 flat values go through memory, results beyond one too.
  FunctionType flattenFunc(FuncTypeId id, bool lower) const;
  std::uint32_t flatCount(const FuncType& type) const;

  // Discriminant size of a variant with `cases` cases (1, 2 or 4 bytes).
  static std::uint32_t discriminantSize(std::size_t cases);

 private:
  void layout(ValType& type) const;

  std::vector<ValType> types_;
  std::vector<FuncType> funcs_;
  std::vector<ResourceType> resources_;
};

}  // namespace wasmesh::wasm::component
