#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wasmesh/wasm/component/ComponentAst.h"
#include "wasmesh/wasm/component/LinkedComponent.h"

namespace wasmesh::wasm::component {

// What linking keeps in the index spaces of the component (and type) scopes it walks.

struct Space;
struct Scope;
struct InstanceValue;

struct TypeItem {
  enum class Kind : std::uint8_t { value, func, resource, instanceType, componentType, core };
  Kind kind = Kind::value;
  TypeId value = 0;
  FuncTypeId func = 0;
  ResourceId resource = 0;
  // Instance and component types are elaborated where they are used (each import of an
  // instance type gets its own resources), from the space they were defined in.
  const TypeDef* def = nullptr;
  Space* space = nullptr;
};

// A nested component's definition, with the scope its outer aliases reach.
struct ComponentDef {
  const Component* ast = nullptr;
  Space* space = nullptr;
};

struct Item {
  Sort sort = Sort::func;
  ComponentFunc func;
  TypeItem type;
  std::shared_ptr<InstanceValue> instance;
  ComponentDef component;
  std::uint32_t module = 0;
};

// A component instance as linking sees it: its exports, and the names it gives types.
struct InstanceValue {
  std::map<std::string, Item> exports;
  TypeNames names;
};

struct CoreItem {
  ExternKind kind = ExternKind::function;
  CoreFuncRef ref;
};

struct CoreInstanceValue {
  std::map<std::string, CoreItem> exports;
};

// The index spaces outer aliases may reach: a component's or an instance/component type's.
struct Space {
  Space* parent = nullptr;
  std::vector<TypeItem> types;
  std::vector<const CoreTypeDef*> coreTypes;
  std::vector<std::uint32_t> coreModules;  // component scopes only
  std::vector<ComponentDef> components;    // component scopes only
};

// One component instance being linked: the top-level component, or a nested one instantiated
// with `args`.
struct Scope : Space {
  std::uint32_t instance = 0;
  const std::map<std::string, Item>* args = nullptr;
  std::vector<CoreItem> coreFuncs;
  std::vector<CoreItem> coreTables;
  std::vector<CoreItem> coreMemories;
  std::vector<CoreItem> coreGlobals;
  std::vector<CoreInstanceValue> coreInstances;
  std::vector<ComponentFunc> funcs;
  std::vector<std::shared_ptr<InstanceValue>> instances;
  std::map<std::string, Item> exports;
  TypeNames exportNames;
};

// The scope `count` levels out of `space` (0: itself), or null.
inline Space* outerSpace(Space* space, std::uint32_t count) {
  for (std::uint32_t i = 0; i < count && space != nullptr; ++i)
    space = space->parent;
  return space;
}

}  // namespace wasmesh::wasm::component
