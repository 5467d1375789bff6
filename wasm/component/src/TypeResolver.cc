#include "TypeResolver.h"

#include "Elaborator.h"

namespace wasmesh::wasm::component {

std::optional<TypeId> TypeResolver::valType(Space& space, const ValTypeRef& ref) {
  if (ref.isPrimitive)
    return TypeTable::primitive(ref.primitive);
  if (ref.index >= space.types.size()) {
    elaborator_.fail("type index " + std::to_string(ref.index) + " out of range");
    return std::nullopt;
  }
  const TypeItem& item = space.types[ref.index];
  if (item.kind != TypeItem::Kind::value) {
    elaborator_.fail("type " + std::to_string(ref.index) + " is not a value type");
    return std::nullopt;
  }
  return item.value;
}

std::optional<ResourceId> TypeResolver::resourceAt(Space& space, std::uint32_t index) {
  if (index >= space.types.size() || space.types[index].kind != TypeItem::Kind::resource) {
    elaborator_.fail("type " + std::to_string(index) + " is not a resource type");
    return std::nullopt;
  }
  return space.types[index].resource;
}

std::optional<TypeId> TypeResolver::defined(Space& space, const DefinedValType& def) {
  using Kind = DefinedValType::Kind;
  ValType type;
  // An optional payload: false when it names a type that does not resolve.
  auto member = [&](const std::optional<ValTypeRef>& ref, std::optional<TypeId>& out) {
    out.reset();
    if (!ref)
      return true;
    out = valType(space, *ref);
    return out.has_value();
  };
  switch (def.kind) {
    case Kind::primitive:
      type.kind = static_cast<ValKind>(def.primitive);
      break;
    case Kind::record:
    case Kind::tuple: {
      type.kind = def.kind == Kind::record ? ValKind::record : ValKind::tuple;
      const std::size_t count = def.kind == Kind::record ? def.fields.size() : def.types.size();
      for (std::size_t i = 0; i < count; ++i) {
        const ValTypeRef& ref = def.kind == Kind::record ? def.fields[i].type : def.types[i];
        auto id = valType(space, ref);
        if (!id)
          return std::nullopt;
        if (def.kind == Kind::record)
          type.labels.push_back(def.fields[i].label);
        type.members.emplace_back(*id);
      }
      break;
    }
    case Kind::variant:
      type.kind = ValKind::variant;
      for (const auto& c : def.cases) {
        std::optional<TypeId> payload;
        if (!member(c.type, payload))
          return std::nullopt;
        type.labels.push_back(c.label);
        type.members.push_back(payload);
      }
      break;
    case Kind::enumeration:
    case Kind::flags:
      type.kind = def.kind == Kind::flags ? ValKind::flags : ValKind::enumeration;
      type.labels = def.labels;
      if (def.kind == Kind::enumeration)
        type.members.resize(def.labels.size());
      break;
    case Kind::list:
    case Kind::fixedList: {
      auto element = valType(space, *def.first);
      if (!element)
        return std::nullopt;
      type.kind = def.kind == Kind::list ? ValKind::list : ValKind::fixedList;
      type.element = *element;
      type.length = def.length;
      break;
    }
    case Kind::option: {
      std::optional<TypeId> inner;
      if (!member(def.first, inner))
        return std::nullopt;
      type.kind = ValKind::option;
      type.members = {std::nullopt, inner};
      break;
    }
    case Kind::result: {
      std::optional<TypeId> ok;
      std::optional<TypeId> error;
      if (!member(def.first, ok) || !member(def.second, error))
        return std::nullopt;
      type.kind = ValKind::result;
      type.members = {ok, error};
      break;
    }
    case Kind::own:
    case Kind::borrow: {
      auto resource = resourceAt(space, def.resource);
      if (!resource)
        return std::nullopt;
      type.kind = def.kind == Kind::own ? ValKind::own : ValKind::borrow;
      type.resource = *resource;
      break;
    }
  }
  auto id = elaborator_.out.types.add(std::move(type));
  if (!id) {
    elaborator_.fail(id.error().message);
    return std::nullopt;
  }
  return *id;
}

std::optional<TypeItem> TypeResolver::typeDef(Space& space, const TypeDef& def, Scope* scope) {
  TypeItem item;
  switch (def.kind) {
    case TypeDef::Kind::value: {
      auto id = defined(space, def.value);
      if (!id)
        return std::nullopt;
      item.kind = TypeItem::Kind::value;
      item.value = *id;
      return item;
    }
    case TypeDef::Kind::func: {
      FuncType func;
      for (const auto& param : def.func.params) {
        auto id = valType(space, param.type);
        if (!id)
          return std::nullopt;
        func.paramNames.push_back(param.label);
        func.params.push_back(*id);
      }
      if (def.func.result) {
        auto id = valType(space, *def.func.result);
        if (!id)
          return std::nullopt;
        if (elaborator_.out.types[*id].hasBorrow) {
          elaborator_.fail("a function result may not contain a borrowed handle");
          return std::nullopt;
        }
        func.result = *id;
      }
      item.kind = TypeItem::Kind::func;
      item.func = elaborator_.out.types.addFunc(std::move(func));
      return item;
    }
    case TypeDef::Kind::resource: {
      if (scope == nullptr) {
        elaborator_.fail("a resource type may be defined only by a component");
        return std::nullopt;
      }
      ResourceType resource;
      resource.name = "resource " + std::to_string(elaborator_.out.types.resourceCount());
      resource.componentInstance = scope->instance;
      if (def.resource.destructor) {
        const std::uint32_t index = *def.resource.destructor;
        if (index >= scope->coreFuncs.size() ||
            scope->coreFuncs[index].ref.kind != CoreFuncRef::Kind::exported) {
          elaborator_.unsupported("a resource destructor that is not a core instance's export");
          return std::nullopt;
        }
        const CoreFuncRef& ref = scope->coreFuncs[index].ref;
        resource.destructor = static_cast<std::uint32_t>(elaborator_.out.destructors.size());
        elaborator_.out.destructors.push_back({ref.index, ref.name});
      }
      item.kind = TypeItem::Kind::resource;
      item.resource = elaborator_.out.types.addResource(std::move(resource));
      return item;
    }
    case TypeDef::Kind::instance:
    case TypeDef::Kind::component:
      item.kind = def.kind == TypeDef::Kind::instance ? TypeItem::Kind::instanceType
                                                      : TypeItem::Kind::componentType;
      item.def = &def;
      item.space = &space;
      return item;
  }
  return std::nullopt;
}

std::optional<TypeItem> TypeResolver::outerType(Space& space, std::uint32_t count,
                                                std::uint32_t index) {
  Space* outer = outerSpace(&space, count);
  if (outer == nullptr || index >= outer->types.size()) {
    elaborator_.fail("outer alias to a type that does not exist");
    return std::nullopt;
  }
  return outer->types[index];
}

}  // namespace wasmesh::wasm::component
