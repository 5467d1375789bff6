#include "Elaborator.h"

#include "wasmesh/wasm/component/ComponentLinker.h"

namespace wasmesh::wasm::component {
namespace {

bool coreSortMatches(Sort sort, ExternKind kind) {
  switch (sort) {
    case Sort::coreFunc:
      return kind == ExternKind::function;
    case Sort::coreTable:
      return kind == ExternKind::table;
    case Sort::coreMemory:
      return kind == ExternKind::memory;
    case Sort::coreGlobal:
      return kind == ExternKind::global;
    default:
      return false;
  }
}

bool descMatches(ExternDesc::Kind kind, Sort sort) {
  switch (kind) {
    case ExternDesc::Kind::coreModule:
      return sort == Sort::coreModule;
    case ExternDesc::Kind::func:
      return sort == Sort::func;
    case ExternDesc::Kind::value:
      return sort == Sort::value;
    case ExternDesc::Kind::type:
      return sort == Sort::type;
    case ExternDesc::Kind::component:
      return sort == Sort::component;
    case ExternDesc::Kind::instance:
      return sort == Sort::instance;
  }
  return false;
}

}  // namespace

bool Elaborator::fail(std::string what) {
  if (!out.error)
    out.error = WasmError::make(errc::wasm_link_error, std::move(what));
  return false;
}

bool Elaborator::unsupported(std::string what) {
  if (!out.error)
    out.error = WasmError::make(errc::wasm_unsupported_feature, std::move(what) +
                                                                    " is not "
                                                                    "supported yet");
  return false;
}

void Elaborator::run(const Component& root) {
  scopes_.push_back(std::make_unique<Scope>());
  out.componentInstances = 1;
  elaborate(*scopes_.front(), root);
}

bool Elaborator::elaborate(Scope& scope, const Component& ast) {
  for (const Definition& def : ast.definitions) {
    if (!definition(scope, ast, def))
      return false;
  }
  return true;
}

bool Elaborator::definition(Scope& scope, const Component& ast, const Definition& def) {
  switch (def.kind) {
    case Definition::Kind::coreModule:
      return coreModule(scope, ast, def.coreModule);
    case Definition::Kind::coreInstance:
      return coreInstance(scope, def.coreInstance);
    case Definition::Kind::coreType:
      scope.coreTypes.push_back(&def.coreType);
      return true;
    case Definition::Kind::component:
      scope.components.push_back({def.component.get(), &scope});
      return true;
    case Definition::Kind::instance:
      return instance(scope, def.instance);
    case Definition::Kind::alias:
      return alias(scope, def.alias);
    case Definition::Kind::type: {
      auto item = types.typeDef(scope, *def.type, &scope);
      if (!item)
        return false;
      scope.types.push_back(*item);
      return true;
    }
    case Definition::Kind::canon:
      return canon(scope, def.canon);
    case Definition::Kind::importDef:
      return importDef(scope, def.importDef);
    case Definition::Kind::exportDef:
      return exportDef(scope, def.exportDef);
  }
  return false;
}

bool Elaborator::coreModule(Scope& scope, const Component& ast, const CoreModuleDef& def) {
  const auto bytes = ast.moduleBytes(def);
  // A nested component instantiated twice defines its modules twice: compile each once.
  for (std::size_t i = 0; i < out.modules.size(); ++i) {
    if (out.modules[i].data() == bytes.data()) {
      scope.coreModules.push_back(static_cast<std::uint32_t>(i));
      return true;
    }
  }
  auto info = ModuleInfo::parse(bytes);
  if (!info) {
    if (!out.error) {
      out.error = info.error();
      out.error->message = "core module " + std::to_string(out.modules.size()) + " (at offset " +
                           std::to_string(def.offset) + "): " + out.error->message;
    }
    return false;
  }
  scope.coreModules.push_back(static_cast<std::uint32_t>(out.modules.size()));
  out.modules.push_back(bytes);
  out.moduleInfos.push_back(std::move(*info));
  return true;
}

std::optional<FunctionType> Elaborator::coreSignature(const CoreFuncRef& ref) const {
  switch (ref.kind) {
    case CoreFuncRef::Kind::exported: {
      const ExportDesc* exported =
          out.moduleInfos[coreInstanceModules_[ref.index]].findExport(ref.name);
      if (exported == nullptr || exported->kind != ExternKind::function)
        return std::nullopt;
      return exported->functionType;
    }
    case CoreFuncRef::Kind::lowered:
      return out.lowered[ref.index].coreType;
    case CoreFuncRef::Kind::resourceDrop:
      return FunctionType{{ValueType::i32}, {}};
    case CoreFuncRef::Kind::resourceNew:
    case CoreFuncRef::Kind::resourceRep:
      return FunctionType{{ValueType::i32}, {ValueType::i32}};
  }
  return std::nullopt;
}

bool Elaborator::coreInstance(Scope& scope, const CoreInstanceDef& def) {
  CoreInstanceValue value;
  if (!def.instantiates) {
    for (const auto& exported : def.exports) {
      const std::vector<CoreItem>* space =
          exported.item.sort == Sort::coreFunc     ? &scope.coreFuncs
          : exported.item.sort == Sort::coreTable  ? &scope.coreTables
          : exported.item.sort == Sort::coreMemory ? &scope.coreMemories
                                                   : &scope.coreGlobals;
      if (exported.item.index >= space->size())
        return fail("core instance export " + exported.name + " out of range");
      value.exports[exported.name] = (*space)[exported.item.index];
    }
    scope.coreInstances.push_back(std::move(value));
    return true;
  }
  if (out.instantiations.size() >= ComponentLinker::kMaxCoreInstances)
    return fail("more than " + std::to_string(ComponentLinker::kMaxCoreInstances) +
                " core instances");
  if (def.module >= scope.coreModules.size())
    return fail("core module index out of range");
  const std::uint32_t module = scope.coreModules[def.module];
  const ModuleInfo& info = out.moduleInfos[module];
  std::map<std::string, const CoreInstanceValue*> args;
  for (const auto& arg : def.args) {
    if (arg.instance >= scope.coreInstances.size())
      return fail("core instance index out of range");
    args[arg.name] = &scope.coreInstances[arg.instance];
  }
  CoreInstantiation instantiation{module, {}};
  const std::string where = "core module " + std::to_string(module) + " import ";
  for (const ImportDesc& import : info.imports) {
    const std::string name = import.module + "." + import.name;
    auto arg = args.find(import.module);
    if (arg == args.end())
      return fail(where + name + " is not provided: no instance named " + import.module);
    auto found = arg->second->exports.find(import.name);
    if (found == arg->second->exports.end())
      return fail(where + name + " is not provided: instance " + import.module + " has no export " +
                  import.name);
    const CoreItem& item = found->second;
    if (item.kind != import.kind)
      return fail(where + name + " is a " + toString(import.kind) + ", the instance provides a " +
                  toString(item.kind));
    if (import.kind == ExternKind::function) {
      auto signature = coreSignature(item.ref);
      if (signature && !(*signature == import.functionType))
        return fail(where + name + " has signature " + toString(import.functionType) +
                    ", the function provided has " + toString(*signature));
    }
    instantiation.imports.push_back({import.module, import.name, import.kind, item.ref});
  }
  const auto index = static_cast<std::uint32_t>(out.instantiations.size());
  out.instantiations.push_back(std::move(instantiation));
  coreInstanceModules_.push_back(module);
  for (const ExportDesc& exported : info.exports) {
    CoreItem item;
    item.kind = exported.kind;
    item.ref = {CoreFuncRef::Kind::exported, index, exported.name, 0};
    value.exports[exported.name] = item;
  }
  scope.coreInstances.push_back(std::move(value));
  return true;
}

std::optional<Item> Elaborator::item(Scope& scope, const SortIndex& index) {
  Item item;
  item.sort = index.sort;
  auto inRange = [&](std::size_t size) {
    if (index.index < size)
      return true;
    fail(std::string(toString(index.sort)) + " index " + std::to_string(index.index) +
         " out of range");
    return false;
  };
  switch (index.sort) {
    case Sort::func:
      if (!inRange(scope.funcs.size()))
        return std::nullopt;
      item.func = scope.funcs[index.index];
      return item;
    case Sort::type:
      if (!inRange(scope.types.size()))
        return std::nullopt;
      item.type = scope.types[index.index];
      return item;
    case Sort::instance:
      if (!inRange(scope.instances.size()))
        return std::nullopt;
      item.instance = scope.instances[index.index];
      return item;
    case Sort::component:
      if (!inRange(scope.components.size()))
        return std::nullopt;
      item.component = scope.components[index.index];
      return item;
    case Sort::coreModule:
      if (!inRange(scope.coreModules.size()))
        return std::nullopt;
      item.module = scope.coreModules[index.index];
      return item;
    default:
      unsupported("passing a " + std::string(toString(index.sort)) + " between components");
      return std::nullopt;
  }
}

bool Elaborator::push(Scope& scope, const Item& item, const std::string& what) {
  switch (item.sort) {
    case Sort::func:
      scope.funcs.push_back(item.func);
      return true;
    case Sort::type:
      scope.types.push_back(item.type);
      return true;
    case Sort::instance:
      scope.instances.push_back(item.instance);
      return true;
    case Sort::component:
      scope.components.push_back(item.component);
      return true;
    case Sort::coreModule:
      scope.coreModules.push_back(item.module);
      return true;
    default:
      return unsupported(what);
  }
}

bool Elaborator::instance(Scope& scope, const InstanceDef& def) {
  auto value = std::make_shared<InstanceValue>();
  if (!def.instantiates) {
    for (const auto& exported : def.exports) {
      auto found = item(scope, exported.item);
      if (!found)
        return false;
      if (found->sort == Sort::type && found->type.kind == TypeItem::Kind::value)
        value->names.types.emplace(found->type.value, exported.name);
      if (found->sort == Sort::type && found->type.kind == TypeItem::Kind::resource)
        value->names.resources.emplace(found->type.resource, exported.name);
      value->exports[exported.name] = *found;
    }
    scope.instances.push_back(std::move(value));
    return true;
  }
  if (def.component >= scope.components.size())
    return fail("component index out of range");
  if (out.componentInstances >= ComponentLinker::kMaxComponentInstances)
    return fail("more than " + std::to_string(ComponentLinker::kMaxComponentInstances) +
                " component instances");
  const ComponentDef component = scope.components[def.component];
  std::map<std::string, Item> args;
  for (const auto& arg : def.args) {
    auto found = item(scope, arg.item);
    if (!found)
      return false;
    args[arg.name] = *found;
  }
  if (depth_ >= kMaxDepth)
    return fail("components instantiated more than " + std::to_string(kMaxDepth) + " levels deep");
  scopes_.push_back(std::make_unique<Scope>());
  Scope& child = *scopes_.back();
  child.parent = component.space;
  child.instance = out.componentInstances++;
  child.args = &args;
  ++depth_;
  const bool elaborated = elaborate(child, *component.ast);
  --depth_;
  if (!elaborated)
    return false;
  child.args = nullptr;
  value->exports = child.exports;
  value->names = child.exportNames;
  scope.instances.push_back(std::move(value));
  return true;
}

bool Elaborator::alias(Scope& scope, const AliasDef& alias) {
  switch (alias.target) {
    case AliasDef::Target::instanceExport: {
      if (alias.instance >= scope.instances.size() || !scope.instances[alias.instance])
        return fail("instance index out of range");
      const InstanceValue& value = *scope.instances[alias.instance];
      auto found = value.exports.find(alias.name);
      if (found == value.exports.end())
        return fail("instance " + std::to_string(alias.instance) + " has no export " + alias.name);
      if (found->second.sort != alias.sort)
        return fail("export " + alias.name + " is a " + std::string(toString(found->second.sort)) +
                    ", not a " + std::string(toString(alias.sort)));
      return push(scope, found->second, "an alias of a " + std::string(toString(alias.sort)));
    }
    case AliasDef::Target::coreInstanceExport: {
      if (alias.instance >= scope.coreInstances.size())
        return fail("core instance index out of range");
      const CoreInstanceValue& value = scope.coreInstances[alias.instance];
      auto found = value.exports.find(alias.name);
      if (found == value.exports.end())
        return fail("core instance " + std::to_string(alias.instance) + " has no export " +
                    alias.name);
      if (!coreSortMatches(alias.sort, found->second.kind))
        return fail("core export " + alias.name + " is a " + toString(found->second.kind) +
                    ", not a " + std::string(toString(alias.sort)));
      std::vector<CoreItem>& space = alias.sort == Sort::coreFunc     ? scope.coreFuncs
                                     : alias.sort == Sort::coreTable  ? scope.coreTables
                                     : alias.sort == Sort::coreMemory ? scope.coreMemories
                                                                      : scope.coreGlobals;
      space.push_back(found->second);
      return true;
    }
    case AliasDef::Target::outer: {
      Space* outer = outerSpace(&scope, alias.outerCount);
      if (outer == nullptr)
        return fail("outer alias past the outermost component");
      switch (alias.sort) {
        case Sort::type: {
          auto type = types.outerType(scope, alias.outerCount, alias.outerIndex);
          if (!type)
            return false;
          scope.types.push_back(*type);
          return true;
        }
        case Sort::coreType:
          if (alias.outerIndex >= outer->coreTypes.size())
            return fail("outer alias to a core type that does not exist");
          scope.coreTypes.push_back(outer->coreTypes[alias.outerIndex]);
          return true;
        case Sort::coreModule:
          if (alias.outerIndex >= outer->coreModules.size())
            return fail("outer alias to a core module that does not exist");
          scope.coreModules.push_back(outer->coreModules[alias.outerIndex]);
          return true;
        case Sort::component:
          if (alias.outerIndex >= outer->components.size())
            return fail("outer alias to a component that does not exist");
          scope.components.push_back(outer->components[alias.outerIndex]);
          return true;
        default:
          return fail("outer alias of a " + std::string(toString(alias.sort)));
      }
    }
  }
  return false;
}

bool Elaborator::importDef(Scope& scope, const ImportDef& def) {
  if (scope.args != nullptr) {
    auto found = scope.args->find(def.name);
    if (found == scope.args->end())
      return fail("a nested component's import " + def.name + " is not provided");
    if (!descMatches(def.desc.kind, found->second.sort))
      return fail("a nested component's import " + def.name + " is given a " +
                  std::string(toString(found->second.sort)));
    return push(scope, found->second, "importing a " + std::string(toString(def.desc.kind)));
  }
  switch (def.desc.kind) {
    case ExternDesc::Kind::instance: {
      if (def.desc.typeIndex >= scope.types.size() ||
          scope.types[def.desc.typeIndex].kind != TypeItem::Kind::instanceType)
        return fail("import " + def.name + " does not have an instance type");
      WorldItem world;
      auto value = imports.instance(def.name, scope.types[def.desc.typeIndex], world);
      if (!value)
        return false;
      out.imports.push_back(std::move(world));
      scope.instances.push_back(std::move(value));
      return true;
    }
    case ExternDesc::Kind::func: {
      if (def.desc.typeIndex >= scope.types.size() ||
          scope.types[def.desc.typeIndex].kind != TypeItem::Kind::func)
        return fail("import " + def.name + " does not have a function type");
      const FuncTypeId type = scope.types[def.desc.typeIndex].func;
      scope.funcs.push_back(imports.function(def.name, type));
      WorldItem world;
      world.name = def.name;
      world.kind = WorldItem::Kind::func;
      world.func = type;
      world.bound = false;
      out.imports.push_back(std::move(world));
      return true;
    }
    case ExternDesc::Kind::type: {
      // A named type of the world (`(import "point" (type (eq 16)))`, as wit-component writes
      // a world's records): only a name for a type the component defines itself.
      if (def.desc.subResource)
        return unsupported("importing a resource type (" + def.name + ")");
      if (def.desc.typeIndex >= scope.types.size())
        return fail("import " + def.name + " names a type that does not exist");
      const TypeItem item = scope.types[def.desc.typeIndex];
      if (item.kind == TypeItem::Kind::value)
        scope.exportNames.types.emplace(item.value, def.name);
      scope.types.push_back(item);
      WorldItem world;
      world.name = def.name;
      world.kind = WorldItem::Kind::type;
      world.members.push_back({def.name, false, 0, item.value, std::nullopt});
      world.names = scope.exportNames;
      out.imports.push_back(std::move(world));
      return true;
    }
    default:
      return unsupported("importing a " + std::string(toString(def.desc.kind)) + " (" + def.name +
                         ")");
  }
}

bool Elaborator::exportDef(Scope& scope, const ExportDef& def) {
  auto found = item(scope, def.item);
  if (!found)
    return false;
  if (found->sort == Sort::type && found->type.kind == TypeItem::Kind::value)
    scope.exportNames.types.emplace(found->type.value, def.name);
  if (found->sort == Sort::type && found->type.kind == TypeItem::Kind::resource) {
    scope.exportNames.resources.emplace(found->type.resource, def.name);
    ResourceType& resource = out.types.resource(found->type.resource);
    if (!resource.host && resource.name.rfind("resource ", 0) == 0)
      resource.name = def.name;
  }
  scope.exports[def.name] = *found;
  if (!push(scope, *found, "exporting a " + std::string(toString(found->sort))))
    return false;
  if (&scope == scopes_.front().get())
    describeExport(def.name, *found, scope.exportNames);
  return true;
}

void Elaborator::describeExport(const std::string& name, const Item& item, const TypeNames& names) {
  WorldItem world;
  world.name = name;
  world.names = names;
  switch (item.sort) {
    case Sort::func:
      world.kind = WorldItem::Kind::func;
      world.func = item.func.type;
      out.exportedFunctions.push_back({name, item.func});
      if (item.func.kind == ComponentFunc::Kind::lifted)
        out.lifted[item.func.index].name = name;
      break;
    case Sort::instance:
      world.kind = WorldItem::Kind::instance;
      world.names = item.instance->names;
      for (const auto& [member, exported] : item.instance->exports) {
        if (exported.sort == Sort::func) {
          world.members.push_back({member, true, exported.func.type, 0, std::nullopt});
          out.exportedFunctions.push_back({name + "#" + member, exported.func});
          if (exported.func.kind == ComponentFunc::Kind::lifted)
            out.lifted[exported.func.index].name = name + "#" + member;
        } else if (exported.sort == Sort::type) {
          WorldItem::Member described{member, false, 0, exported.type.value, std::nullopt};
          if (exported.type.kind == TypeItem::Kind::resource)
            described.resource = exported.type.resource;
          world.members.push_back(described);
        }
      }
      break;
    case Sort::type:
      world.kind = WorldItem::Kind::type;
      break;
    default:
      world.kind = WorldItem::Kind::other;
      break;
  }
  out.exports.push_back(std::move(world));
}

}  // namespace wasmesh::wasm::component
