// Elaborator's canon definitions (lift, lower, resource built-ins) and their options.
#include "Elaborator.h"

namespace wasmesh::wasm::component {
namespace {

// Whether values of the type live in linear memory when they cross (strings, lists).
bool usesMemory(const TypeTable& types, TypeId id) {
  return types[id].usesMemory;
}

}  // namespace

std::optional<CoreExportRef> Elaborator::exportedFunction(Scope& scope, std::uint32_t index,
                                                          const char* what) {
  if (index >= scope.coreFuncs.size()) {
    fail(std::string(what) + ": core function index out of range");
    return std::nullopt;
  }
  const CoreFuncRef& ref = scope.coreFuncs[index].ref;
  if (ref.kind != CoreFuncRef::Kind::exported) {
    unsupported(std::string(what) + " that is not a core instance's export");
    return std::nullopt;
  }
  return CoreExportRef{ref.index, ref.name};
}

std::optional<AbiOptions> Elaborator::options(Scope& scope, const CanonOptions& options,
                                              bool lift) {
  AbiOptions resolved;
  resolved.encoding = options.encoding;
  resolved.instance = scope.instance;
  if (options.memory) {
    if (*options.memory >= scope.coreMemories.size()) {
      fail("canon memory index out of range");
      return std::nullopt;
    }
    const CoreFuncRef& ref = scope.coreMemories[*options.memory].ref;
    resolved.memory = CoreExportRef{ref.index, ref.name};
  }
  if (options.realloc) {
    resolved.realloc = exportedFunction(scope, *options.realloc, "a realloc function");
    if (!resolved.realloc)
      return std::nullopt;
    auto signature = coreSignature(scope.coreFuncs[*options.realloc].ref);
    const FunctionType want{{ValueType::i32, ValueType::i32, ValueType::i32, ValueType::i32},
                            {ValueType::i32}};
    if (!signature || !(*signature == want)) {
      fail("realloc " + resolved.realloc->name + " does not have signature " + toString(want));
      return std::nullopt;
    }
  }
  if (options.postReturn) {
    if (!lift) {
      fail("post-return is an option of canon lift only");
      return std::nullopt;
    }
    resolved.postReturn = exportedFunction(scope, *options.postReturn, "a post-return function");
    if (!resolved.postReturn)
      return std::nullopt;
  }
  return resolved;
}

bool Elaborator::canon(Scope& scope, const CanonDef& def) {
  switch (def.kind) {
    case CanonDef::Kind::lift: {
      auto core = exportedFunction(scope, def.function, "lifting a core function");
      if (!core)
        return false;
      if (def.type >= scope.types.size() || scope.types[def.type].kind != TypeItem::Kind::func)
        return fail("canon lift of " + core->name + ": type " + std::to_string(def.type) +
                    " is not a function type");
      const FuncTypeId type = scope.types[def.type].func;
      auto resolved = options(scope, def.options, true);
      if (!resolved)
        return false;
      const FunctionType want = out.types.flattenFunc(type, false);
      auto signature = coreSignature(scope.coreFuncs[def.function].ref);
      if (!signature || !(*signature == want))
        return fail("canon lift of " + core->name + ": the core function has signature " +
                    (signature ? toString(*signature) : std::string("?")) +
                    ", the function type flattens to " + toString(want));
      const FuncType& func = out.types.func(type);
      bool memory = out.types.flatCount(func) > TypeTable::kMaxFlatParams ||
                    (func.result && out.types[*func.result].flatCount > 1);
      bool realloc = out.types.flatCount(func) > TypeTable::kMaxFlatParams;
      for (TypeId param : func.params)
        realloc = realloc || usesMemory(out.types, param);
      memory = memory || realloc || (func.result && usesMemory(out.types, *func.result));
      if (memory && !resolved->memory)
        return fail("canon lift of " + core->name + " needs a memory option");
      if (realloc && !resolved->realloc)
        return fail("canon lift of " + core->name + " needs a realloc option");
      out.lifted.push_back({core->name, *core, type, *resolved});
      scope.funcs.push_back(
          {ComponentFunc::Kind::lifted, static_cast<std::uint32_t>(out.lifted.size() - 1), type});
      return true;
    }
    case CanonDef::Kind::lower: {
      if (def.function >= scope.funcs.size())
        return fail("canon lower: function index out of range");
      const ComponentFunc callee = scope.funcs[def.function];
      auto resolved = options(scope, def.options, false);
      if (!resolved)
        return false;
      std::string name;
      if (callee.kind == ComponentFunc::Kind::host && host != nullptr) {
        const auto& ref = host->function(callee.index);
        name = ref.interface->qualifiedName() + "#" + ref.function->name;
      } else if (callee.kind == ComponentFunc::Kind::lifted) {
        name = out.lifted[callee.index].name;
      } else {
        name = "an import the host does not grant";
      }
      const FuncType& func = out.types.func(callee.type);
      bool memory = out.types.flatCount(func) > TypeTable::kMaxFlatParams ||
                    (func.result && out.types[*func.result].flatCount > 1);
      const bool realloc = func.result && usesMemory(out.types, *func.result);
      for (TypeId param : func.params)
        memory = memory || usesMemory(out.types, param);
      if ((memory || realloc) && !resolved->memory)
        return fail("canon lower of " + name + " needs a memory option");
      if (realloc && !resolved->realloc)
        return fail("canon lower of " + name + " needs a realloc option");
      out.lowered.push_back(
          {name, callee, callee.type, *resolved, out.types.flattenFunc(callee.type, true)});
      CoreItem item;
      item.ref = {CoreFuncRef::Kind::lowered,
                  static_cast<std::uint32_t>(out.lowered.size() - 1),
                  {},
                  scope.instance};
      scope.coreFuncs.push_back(item);
      return true;
    }
    case CanonDef::Kind::resourceNew:
    case CanonDef::Kind::resourceDrop:
    case CanonDef::Kind::resourceRep: {
      if (def.type >= scope.types.size() || scope.types[def.type].kind != TypeItem::Kind::resource)
        return fail("canon resource built-in on type " + std::to_string(def.type) +
                    ", which is not a resource");
      const ResourceId resource = scope.types[def.type].resource;
      const ResourceType& type = out.types.resource(resource);
      if (def.kind != CanonDef::Kind::resourceDrop &&
          (type.host || type.componentInstance != scope.instance))
        return fail("resource.new and resource.rep need a resource the component defines");
      CoreItem item;
      item.ref.kind = def.kind == CanonDef::Kind::resourceNew    ? CoreFuncRef::Kind::resourceNew
                      : def.kind == CanonDef::Kind::resourceDrop ? CoreFuncRef::Kind::resourceDrop
                                                                 : CoreFuncRef::Kind::resourceRep;
      item.ref.index = resource;
      item.ref.instance = scope.instance;
      scope.coreFuncs.push_back(item);
      return true;
    }
  }
  return false;
}

}  // namespace wasmesh::wasm::component
