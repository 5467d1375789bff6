#include "wasmesh/wasm/component/WitPrinter.h"

namespace wasmesh::wasm::component {

std::string WitPrinter::resource(ResourceId id) const {
  if (names_ != nullptr) {
    if (auto found = names_->resources.find(id); found != names_->resources.end())
      return found->second;
  }
  const std::string& name = types_.resource(id).name;
  // An unnamed resource prints as the last part of its qualified name.
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

std::string WitPrinter::type(TypeId id) const {
  if (names_ != nullptr) {
    if (auto found = names_->types.find(id); found != names_->types.end())
      return found->second;
  }
  return definition(id);
}

std::string WitPrinter::definition(TypeId id) const {
  if (++rendered_ > kMaxTypes)
    return "...";
  const ValType& t = types_[id];
  auto joined = [this](const ValType& type, bool labelled) {
    std::string out;
    for (std::size_t i = 0; i < type.members.size(); ++i) {
      out += i == 0 ? "" : ", ";
      if (labelled)
        out += type.labels[i] + ": ";
      out += type.members[i] ? this->type(*type.members[i]) : "_";
    }
    return out;
  };
  switch (t.kind) {
    case ValKind::boolean:
    case ValKind::s8:
    case ValKind::u8:
    case ValKind::s16:
    case ValKind::u16:
    case ValKind::s32:
    case ValKind::u32:
    case ValKind::s64:
    case ValKind::u64:
    case ValKind::f32:
    case ValKind::f64:
    case ValKind::character:
    case ValKind::string:
      return std::string(toString(static_cast<PrimitiveType>(t.kind)));
    case ValKind::list:
      return "list<" + type(t.element) + ">";
    case ValKind::fixedList:
      return "list<" + type(t.element) + ", " + std::to_string(t.length) + ">";
    case ValKind::tuple:
      return "tuple<" + joined(t, false) + ">";
    case ValKind::record:
      return "record { " + joined(t, true) + " }";
    case ValKind::variant: {
      std::string out = "variant { ";
      for (std::size_t i = 0; i < t.members.size(); ++i) {
        out += (i == 0 ? "" : ", ") + t.labels[i];
        if (t.members[i])
          out += "(" + type(*t.members[i]) + ")";
      }
      return out + " }";
    }
    case ValKind::enumeration:
    case ValKind::flags: {
      std::string out = t.kind == ValKind::flags ? "flags { " : "enum { ";
      for (std::size_t i = 0; i < t.labels.size(); ++i)
        out += (i == 0 ? "" : ", ") + t.labels[i];
      return out + " }";
    }
    case ValKind::option:
      return "option<" + type(*t.members[1]) + ">";
    case ValKind::result: {
      if (!t.members[0] && !t.members[1])
        return "result";
      if (!t.members[1])
        return "result<" + type(*t.members[0]) + ">";
      return "result<" + (t.members[0] ? type(*t.members[0]) : std::string("_")) + ", " +
             type(*t.members[1]) + ">";
    }
    case ValKind::own:
      return resource(t.resource);
    case ValKind::borrow:
      return "borrow<" + resource(t.resource) + ">";
  }
  return "?";
}

std::string WitPrinter::function(const FuncType& func) const {
  std::string out = "func(";
  for (std::size_t i = 0; i < func.params.size(); ++i)
    out += (i == 0 ? "" : ", ") + func.paramNames[i] + ": " + type(func.params[i]);
  out += ")";
  if (func.result)
    out += " -> " + type(*func.result);
  return out;
}

}  // namespace wasmesh::wasm::component
