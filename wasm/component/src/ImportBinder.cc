#include "ImportBinder.h"

#include "Elaborator.h"

namespace wasmesh::wasm::component {

ResourceId ImportBinder::hostResource(std::uint32_t id, const std::string& name) {
  if (auto found = hostResources_.find(id); found != hostResources_.end())
    return found->second;
  ResourceType resource;
  resource.name = name;
  resource.host = true;
  resource.hostResource = id;
  const ResourceId ours = elaborator_.out.types.addResource(std::move(resource));
  hostResources_.emplace(id, ours);
  return ours;
}

std::shared_ptr<InstanceValue> ImportBinder::instance(const std::string& name, const TypeItem& type,
                                                      WorldItem& world) {
  auto value = std::make_shared<InstanceValue>();
  world.name = name;
  world.kind = WorldItem::Kind::instance;
  const ComponentHost* host = elaborator_.host;
  const HostInterface* interface = host != nullptr ? host->find(name) : nullptr;
  world.bound = interface != nullptr;
  if (host != nullptr && interface == nullptr)
    elaborator_.fail("the component imports " + name + ", which the host does not grant");
  TypeResolver& resolver = elaborator_.types;
  TypeTable& types = elaborator_.out.types;
  Space space;
  space.parent = type.space;
  for (const TypeDecl& decl : type.def->decls) {
    switch (decl.kind) {
      case TypeDecl::Kind::coreType:
        space.coreTypes.push_back(&decl.coreType);
        break;
      case TypeDecl::Kind::type: {
        auto item = resolver.typeDef(space, *decl.type, nullptr);
        if (!item)
          return nullptr;
        space.types.push_back(*item);
        break;
      }
      case TypeDecl::Kind::alias: {
        if (decl.alias.target != AliasDef::Target::outer || decl.alias.sort != Sort::type) {
          elaborator_.unsupported("an alias other than an outer type alias in the type of " + name);
          return nullptr;
        }
        auto item = resolver.outerType(space, decl.alias.outerCount, decl.alias.outerIndex);
        if (!item)
          return nullptr;
        space.types.push_back(*item);
        break;
      }
      case TypeDecl::Kind::importDecl:
        elaborator_.fail("the type of " + name + " declares an import");
        return nullptr;
      case TypeDecl::Kind::exportDecl: {
        const std::string& member = decl.name;
        const std::string where = name + " " + member;
        if (decl.desc.kind == ExternDesc::Kind::type) {
          TypeItem item;
          if (decl.desc.subResource) {
            item.kind = TypeItem::Kind::resource;
            auto ref = interface != nullptr ? host->findResource(*interface, member) : std::nullopt;
            if (ref) {
              item.resource = hostResource(ref->id, ref->interface->qualifiedName() + "." + member);
            } else {
              if (interface != nullptr)
                elaborator_.fail("the host's " + interface->qualifiedName() + " has no resource " +
                                 member + " (imported by the component)");
              ResourceType unbound;
              unbound.name = name + "." + member;
              unbound.host = true;
              unbound.bound = false;
              item.resource = types.addResource(std::move(unbound));
            }
          } else {
            if (decl.desc.typeIndex >= space.types.size()) {
              elaborator_.fail("type index out of range in the type of " + name);
              return nullptr;
            }
            item = space.types[decl.desc.typeIndex];
            if (item.kind == TypeItem::Kind::resource && interface != nullptr) {
              auto ref = host->findResource(*interface, member);
              auto known = ref ? hostResources_.find(ref->id) : hostResources_.end();
              if (!ref || known == hostResources_.end() || known->second != item.resource)
                elaborator_.fail("type " + where + " is not the resource the host's " +
                                 interface->qualifiedName() + " names " + member);
            }
          }
          space.types.push_back(item);
          if (item.kind == TypeItem::Kind::value)
            value->names.types.emplace(item.value, member);
          if (item.kind == TypeItem::Kind::resource)
            value->names.resources.emplace(item.resource, member);
          Item exported;
          exported.sort = Sort::type;
          exported.type = item;
          value->exports[member] = exported;
          WorldItem::Member described{member, false, 0, item.value, std::nullopt};
          if (item.kind == TypeItem::Kind::resource)
            described.resource = item.resource;
          world.members.push_back(described);
          break;
        }
        if (decl.desc.kind != ExternDesc::Kind::func) {
          elaborator_.unsupported("an imported instance (" + name + ") exporting a " +
                                  std::string(toString(decl.desc.kind)));
          return nullptr;
        }
        if (decl.desc.typeIndex >= space.types.size() ||
            space.types[decl.desc.typeIndex].kind != TypeItem::Kind::func) {
          elaborator_.fail(where + " does not have a function type");
          return nullptr;
        }
        const FuncTypeId func = space.types[decl.desc.typeIndex].func;
        ComponentFunc bound{ComponentFunc::Kind::unbound, 0, func};
        if (interface != nullptr) {
          const auto id = host->functionId(*interface, member);
          if (!id) {
            elaborator_.fail("the host's " + interface->qualifiedName() + " has no function " +
                             member + " (imported by the component)");
          } else {
            const std::string wanted = WitPrinter(types, &value->names).function(types.func(func));
            const std::string& provided = host->function(*id).function->signature;
            if (wanted != provided) {
              elaborator_.fail(where + ": the component expects " + wanted + ", the host " +
                               "provides " + provided);
            } else {
              bound = {ComponentFunc::Kind::host, *id, func};
            }
          }
        }
        Item exported;
        exported.sort = Sort::func;
        exported.func = bound;
        value->exports[member] = exported;
        world.members.push_back({member, true, func, 0, std::nullopt});
        break;
      }
    }
  }
  if (interface != nullptr)
    checkTypes(*interface, *value);
  world.names = value->names;
  return value;
}

bool ImportBinder::checkTypes(const HostInterface& interface, const InstanceValue& value) {
  const TypeTable& types = elaborator_.out.types;
  const WitPrinter printer(types, &value.names);
  for (const auto& [id, name] : value.names.types) {
    const HostInterface::Type* hostType = interface.findType(name);
    if (hostType == nullptr)
      continue;
    const std::string wanted = printer.definition(id);
    if (wanted != hostType->definition) {
      return elaborator_.fail(interface.qualifiedName() + " type " + name +
                              ": the component defines " + wanted + ", the host " +
                              hostType->definition);
    }
  }
  return true;
}

ComponentFunc ImportBinder::function(const std::string& name, FuncTypeId type) {
  if (elaborator_.host != nullptr)
    elaborator_.fail("the component imports function " + name + ", which the host does not grant");
  return {ComponentFunc::Kind::unbound, 0, type};
}

}  // namespace wasmesh::wasm::component
