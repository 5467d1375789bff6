#include "wasmesh/wasm/component/WorldPrinter.h"

namespace wasmesh::wasm::component {
namespace {

// "wasi:cli/environment@0.2.12" -> "environment"; plain names stay as they are.
std::string shortName(const std::string& name) {
  auto interface = InterfaceName::parse(name);
  return interface ? interface->interface : name;
}

// The interface that first names a value type: where a `use` points.
const WorldItem* homeOf(const LinkedComponent& component, TypeId id) {
  for (const auto* list : {&component.imports, &component.exports}) {
    for (const WorldItem& item : *list) {
      if (item.names.types.count(id) != 0)
        return &item;
    }
  }
  return nullptr;
}

}  // namespace

std::string WorldPrinter::world(const LinkedComponent& component) {
  std::string out = "package root:component;\n\nworld root {\n";
  auto line = [&out, &component](const char* direction, const WorldItem& item) {
    // A named type of the world itself prints as its definition, as WIT writes it.
    if (item.kind == WorldItem::Kind::type && !item.members.empty() &&
        !item.members.front().resource) {
      const std::string definition =
          WitPrinter(component.types, nullptr).definition(item.members.front().type);
      const auto space = definition.find(' ');
      if (space != std::string::npos && definition.find('{') != std::string::npos)
        out += "  " + definition.substr(0, space) + " " + item.name + definition.substr(space);
      else
        out += "  type " + item.name + " = " + definition + ";";
      out += "\n";
      return;
    }
    out += std::string("  ") + direction + " " + item.name;
    if (item.kind == WorldItem::Kind::func)
      out +=
          ": " + WitPrinter(component.types, &item.names).function(component.types.func(item.func));
    else if (item.kind == WorldItem::Kind::type)
      out += ": type";
    out += ";\n";
  };
  for (const WorldItem& item : component.imports)
    line("import", item);
  if (!component.imports.empty() && !component.exports.empty())
    out += "\n";
  for (const WorldItem& item : component.exports)
    line("export", item);
  return out + "}\n";
}

std::string WorldPrinter::interfaces(const LinkedComponent& component) {
  std::string out;
  for (const WorldItem& item : component.imports) {
    if (item.kind == WorldItem::Kind::instance)
      out += "\n" + interface(component, item, true);
  }
  for (const WorldItem& item : component.exports) {
    if (item.kind == WorldItem::Kind::instance)
      out += "\n" + interface(component, item, false);
  }
  return out;
}

std::string WorldPrinter::interface(const LinkedComponent& component, const WorldItem& item,
                                    bool imported) {
  const WitPrinter printer(component.types, &item.names);
  std::string out = std::string("// ") + (imported ? "import " : "export ") + item.name +
                    (imported && !item.bound ? " (not granted by the host)" : "") + "\n" +
                    "interface " + shortName(item.name) + " {\n";
  for (const WorldItem::Member& member : item.members) {
    out += "  ";
    if (member.isFunction) {
      out += member.name + ": " + printer.function(component.types.func(member.func)) + ";\n";
      continue;
    }
    if (member.resource) {
      const std::string& qualified = component.types.resource(*member.resource).name;
      const auto dot = qualified.rfind('.');
      const std::string home = dot == std::string::npos ? std::string() : qualified.substr(0, dot);
      if (home.empty() || shortName(home) == shortName(item.name))
        out += "resource " + member.name + ";\n";
      else
        out += "use " + home + ".{" + qualified.substr(dot + 1) + "};\n";
      continue;
    }
    const WorldItem* home = homeOf(component, member.type);
    if (home != nullptr && home != &item) {
      out += "use " + home->name + ".{" + home->names.types.at(member.type) + "};\n";
      continue;
    }
    const std::string definition = printer.definition(member.type);
    for (const char* keyword : {"record ", "variant ", "enum ", "flags "}) {
      if (definition.rfind(keyword, 0) == 0) {
        out += keyword + member.name + definition.substr(std::string(keyword).size() - 1) + "\n";
        goto next;
      }
    }
    out += "type " + member.name + " = " + definition + ";\n";
  next:;
  }
  return out + "}\n";
}

}  // namespace wasmesh::wasm::component
