#include "TypeDecoder.h"

#include "CoreTypeDecoder.h"
#include "ItemDecoder.h"

namespace wasmesh::wasm::component {
namespace {

std::optional<PrimitiveType> primitive(std::uint8_t code) {
  if (code < 0x73 || code > 0x7f)
    return std::nullopt;
  return static_cast<PrimitiveType>(0x7f - code);
}

// The async proposal's value types, which wasmesh does not run.
std::optional<std::string> asyncTypeName(std::uint8_t code) {
  switch (code) {
    case 0x66:
      return "stream";
    case 0x65:
      return "future";
    case 0x64:
      return "error-context";
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::uint32_t> TypeDecoder::count() {
  const std::size_t at = in_.position();
  auto n = in_.u32();
  // Every element takes at least one byte: a count beyond the bytes left is a lie.
  if (!n || *n > in_.remaining()) {
    ctx_.fail(at, "vector length runs past the end of its section");
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> TypeDecoder::label() {
  const std::size_t at = in_.position();
  auto text = in_.name();
  if (!text)
    ctx_.fail(at, "bad name (truncated or not UTF-8)");
  return text;
}

std::optional<ValTypeRef> TypeDecoder::valType() {
  const std::size_t at = in_.position();
  auto code = in_.peek();
  if (!code) {
    ctx_.fail(at, "value type runs past the end");
    return std::nullopt;
  }
  if (auto prim = primitive(*code)) {
    in_.byte();
    return ValTypeRef::of(*prim);
  }
  if (auto name = asyncTypeName(*code)) {
    ctx_.unsupported(at, *name + " types (component model async) are not supported yet");
    return std::nullopt;
  }
  // A type index, encoded as a non-negative signed LEB128 of at most 33 bits.
  std::int64_t value = 0;
  unsigned shift = 0;
  for (int i = 0;; ++i) {
    auto next = in_.byte();
    if (!next || i >= 5) {
      ctx_.fail(at, "bad value type");
      return std::nullopt;
    }
    value |= static_cast<std::int64_t>(*next & 0x7fU) << shift;
    shift += 7;
    if ((*next & 0x80U) == 0) {
      if ((*next & 0x40U) != 0)
        value |= -(std::int64_t{1} << shift);
      break;
    }
  }
  if (value < 0 || value > UINT32_MAX) {
    ctx_.fail(at, "unknown value type code");
    return std::nullopt;
  }
  if (!ctx_.checkIndex(Sort::type, static_cast<std::uint32_t>(value), at))
    return std::nullopt;
  return ValTypeRef::at(static_cast<std::uint32_t>(value));
}

std::optional<DefinedValType> TypeDecoder::definedValType(std::uint8_t code, std::size_t offset) {
  DefinedValType type;
  using Kind = DefinedValType::Kind;
  auto optionalValType = [this](std::optional<ValTypeRef>& out) {
    auto present = in_.byte();
    if (!present || *present > 1)
      return ctx_.fail(in_.position(), "bad optional value type");
    if (*present == 1) {
      out = valType();
      return out.has_value();
    }
    return true;
  };
  if (auto prim = primitive(code)) {
    type.primitive = *prim;
    return type;
  }
  switch (code) {
    case 0x72: {
      type.kind = Kind::record;
      auto n = count();
      if (!n)
        return std::nullopt;
      if (*n == 0) {
        ctx_.fail(offset, "a record needs at least one field");
        return std::nullopt;
      }
      for (std::uint32_t i = 0; i < *n; ++i) {
        auto name = label();
        auto field = name ? valType() : std::nullopt;
        if (!field)
          return std::nullopt;
        type.fields.push_back({std::move(*name), *field});
      }
      return type;
    }
    case 0x71: {
      type.kind = Kind::variant;
      auto n = count();
      if (!n)
        return std::nullopt;
      if (*n == 0) {
        ctx_.fail(offset, "a variant needs at least one case");
        return std::nullopt;
      }
      for (std::uint32_t i = 0; i < *n; ++i) {
        CaseType caseType;
        auto name = label();
        if (!name || !optionalValType(caseType.type))
          return std::nullopt;
        caseType.label = std::move(*name);
        auto refines = in_.byte();
        if (!refines || *refines != 0) {
          ctx_.fail(in_.position(), "variant case refinements are not allowed");
          return std::nullopt;
        }
        type.cases.push_back(std::move(caseType));
      }
      return type;
    }
    case 0x70:
      type.kind = Kind::list;
      type.first = valType();
      return type.first ? std::optional(type) : std::nullopt;
    case 0x67: {
      type.kind = Kind::fixedList;
      type.first = valType();
      auto length = type.first ? in_.u32() : std::nullopt;
      if (!length || *length == 0) {
        ctx_.fail(offset, "bad fixed-size list");
        return std::nullopt;
      }
      type.length = *length;
      return type;
    }
    case 0x6f: {
      type.kind = Kind::tuple;
      auto n = count();
      if (!n)
        return std::nullopt;
      if (*n == 0) {
        ctx_.fail(offset, "a tuple needs at least one type");
        return std::nullopt;
      }
      for (std::uint32_t i = 0; i < *n; ++i) {
        auto element = valType();
        if (!element)
          return std::nullopt;
        type.types.push_back(*element);
      }
      return type;
    }
    case 0x6e:
    case 0x6d: {
      type.kind = code == 0x6e ? Kind::flags : Kind::enumeration;
      auto n = count();
      if (!n)
        return std::nullopt;
      if (*n == 0) {
        ctx_.fail(offset, code == 0x6e ? "flags need at least one label"
                                       : "an enum needs at least one case");
        return std::nullopt;
      }
      if (code == 0x6e && *n > 32) {
        ctx_.fail(offset, "flags have " + std::to_string(*n) + " labels, at most 32 are allowed");
        return std::nullopt;
      }
      for (std::uint32_t i = 0; i < *n; ++i) {
        auto name = label();
        if (!name)
          return std::nullopt;
        type.labels.push_back(std::move(*name));
      }
      return type;
    }
    case 0x6b:
      type.kind = Kind::option;
      type.first = valType();
      return type.first ? std::optional(type) : std::nullopt;
    case 0x6a:
      type.kind = Kind::result;
      if (!optionalValType(type.first) || !optionalValType(type.second))
        return std::nullopt;
      return type;
    case 0x69:
    case 0x68: {
      type.kind = code == 0x69 ? Kind::own : Kind::borrow;
      const std::size_t at = in_.position();
      auto index = in_.u32();
      if (!index) {
        ctx_.fail(at, "bad resource index");
        return std::nullopt;
      }
      if (!ctx_.checkIndex(Sort::type, *index, at))
        return std::nullopt;
      type.resource = *index;
      return type;
    }
    case 0x6c:
      ctx_.unsupported(offset, "union types (removed from the component model) are not supported");
      return std::nullopt;
    default:
      if (auto name = asyncTypeName(code)) {
        ctx_.unsupported(offset, *name + " types (component model async) are not supported yet");
        return std::nullopt;
      }
      ctx_.fail(
          offset, "unknown type code 0x" + [code] {
            constexpr char kHex[] = "0123456789abcdef";
            return std::string{kHex[code >> 4], kHex[code & 0x0f]};
          }());
      return std::nullopt;
  }
}

std::optional<FuncTypeDef> TypeDecoder::funcType() {
  FuncTypeDef func;
  auto n = count();
  if (!n)
    return std::nullopt;
  for (std::uint32_t i = 0; i < *n; ++i) {
    auto name = label();
    auto type = name ? valType() : std::nullopt;
    if (!type)
      return std::nullopt;
    func.params.push_back({std::move(*name), *type});
  }
  const std::size_t at = in_.position();
  auto form = in_.byte();
  if (form && *form == 0x00) {
    func.result = valType();
    if (!func.result)
      return std::nullopt;
    return func;
  }
  if (form && *form == 0x01) {
    auto results = in_.u32();
    if (results && *results == 0)
      return func;
    ctx_.unsupported(at, "functions with named results (an older encoding) are not supported");
    return std::nullopt;
  }
  ctx_.fail(at, "bad function result list");
  return std::nullopt;
}

std::shared_ptr<const TypeDef> TypeDecoder::type() {
  const std::size_t at = in_.position();
  auto code = in_.byte();
  if (!code) {
    ctx_.fail(at, "type runs past the end");
    return nullptr;
  }
  auto def = std::make_shared<TypeDef>();
  switch (*code) {
    case 0x40: {
      auto func = funcType();
      if (!func)
        return nullptr;
      def->kind = TypeDef::Kind::func;
      def->func = std::move(*func);
      break;
    }
    case 0x43:
      ctx_.unsupported(at, "async function types are not supported yet");
      return nullptr;
    case 0x41:
    case 0x42: {
      def->kind = *code == 0x41 ? TypeDef::Kind::component : TypeDef::Kind::instance;
      DecodeScope scope;
      if (!ctx_.pushScope(scope, at))
        return nullptr;
      const bool ok = declarations(def->decls, *code == 0x41);
      ctx_.popScope();
      if (!ok)
        return nullptr;
      break;
    }
    case 0x3f: {
      def->kind = TypeDef::Kind::resource;
      auto rep = in_.byte();
      if (!rep || *rep != 0x7f) {
        ctx_.fail(at, "a resource's representation must be i32");
        return nullptr;
      }
      auto present = in_.byte();
      if (!present || *present > 1) {
        ctx_.fail(at, "bad resource destructor");
        return nullptr;
      }
      if (*present == 1) {
        const std::size_t dtorAt = in_.position();
        auto dtor = in_.u32();
        if (!dtor || !ctx_.checkIndex(Sort::coreFunc, *dtor, dtorAt))
          return ctx_.fail(dtorAt, "bad resource destructor"), nullptr;
        def->resource.destructor = *dtor;
      }
      break;
    }
    case 0x3e:
      ctx_.unsupported(at, "resources with async destructors are not supported yet");
      return nullptr;
    default: {
      auto value = definedValType(*code, at);
      if (!value)
        return nullptr;
      def->kind = TypeDef::Kind::value;
      def->value = std::move(*value);
    }
  }
  ctx_.scope().add(Sort::type);
  return def;
}

bool TypeDecoder::declarations(std::vector<TypeDecl>& decls, bool component) {
  auto n = count();
  if (!n)
    return false;
  for (std::uint32_t i = 0; i < *n; ++i) {
    const std::size_t at = in_.position();
    auto code = in_.byte();
    if (!code)
      return ctx_.fail(at, "declaration runs past the end");
    TypeDecl decl;
    switch (*code) {
      case 0x00: {
        decl.kind = TypeDecl::Kind::coreType;
        auto core = coreType();
        if (!core)
          return false;
        decl.coreType = std::move(*core);
        break;
      }
      case 0x01:
        decl.kind = TypeDecl::Kind::type;
        decl.type = type();
        if (!decl.type)
          return false;
        break;
      case 0x02: {
        decl.kind = TypeDecl::Kind::alias;
        ItemDecoder items(in_, ctx_);
        auto alias = items.alias();
        if (!alias || !items.checkAlias(*alias, at))
          return false;
        if (alias->target != AliasDef::Target::outer &&
            !(alias->sort == Sort::type || alias->sort == Sort::instance))
          return ctx_.fail(at, "only type and instance aliases may appear in a type");
        decl.alias = std::move(*alias);
        break;
      }
      case 0x03:
      case 0x04: {
        if (*code == 0x03 && !component)
          return ctx_.fail(at, "an instance type cannot declare imports");
        decl.kind = *code == 0x03 ? TypeDecl::Kind::importDecl : TypeDecl::Kind::exportDecl;
        ItemDecoder items(in_, ctx_);
        auto name = *code == 0x03 ? items.importName() : items.exportName();
        auto desc = name ? externDesc() : std::nullopt;
        if (!desc)
          return false;
        decl.name = std::move(*name);
        decl.desc = *desc;
        introduce(*desc);
        break;
      }
      default:
        return ctx_.fail(at, "unknown declaration kind");
    }
    decls.push_back(std::move(decl));
  }
  return true;
}

std::optional<ExternDesc> TypeDecoder::externDesc() {
  const std::size_t at = in_.position();
  auto code = in_.byte();
  ExternDesc desc;
  auto typeIndex = [&](Sort sort) {
    const std::size_t indexAt = in_.position();
    auto index = in_.u32();
    if (!index)
      return ctx_.fail(indexAt, "bad type index");
    desc.typeIndex = *index;
    return ctx_.checkIndex(sort, *index, indexAt);
  };
  if (!code) {
    ctx_.fail(at, "extern description runs past the end");
    return std::nullopt;
  }
  switch (*code) {
    case 0x00: {
      auto sort = in_.byte();
      if (!sort || *sort != 0x11) {
        ctx_.fail(at, "a core import or export must be a module");
        return std::nullopt;
      }
      desc.kind = ExternDesc::Kind::coreModule;
      return typeIndex(Sort::coreType) ? std::optional(desc) : std::nullopt;
    }
    case 0x01:
      desc.kind = ExternDesc::Kind::func;
      return typeIndex(Sort::type) ? std::optional(desc) : std::nullopt;
    case 0x02:
      ctx_.unsupported(at, "value imports and exports are not supported yet");
      return std::nullopt;
    case 0x03: {
      desc.kind = ExternDesc::Kind::type;
      auto bound = in_.byte();
      if (bound && *bound == 0x01) {
        desc.subResource = true;
        return desc;
      }
      if (bound && *bound == 0x00)
        return typeIndex(Sort::type) ? std::optional(desc) : std::nullopt;
      ctx_.fail(at, "bad type bound");
      return std::nullopt;
    }
    case 0x04:
      desc.kind = ExternDesc::Kind::component;
      return typeIndex(Sort::type) ? std::optional(desc) : std::nullopt;
    case 0x05:
      desc.kind = ExternDesc::Kind::instance;
      return typeIndex(Sort::type) ? std::optional(desc) : std::nullopt;
    default:
      ctx_.fail(at, "unknown extern description kind");
      return std::nullopt;
  }
}

void TypeDecoder::introduce(const ExternDesc& desc) {
  switch (desc.kind) {
    case ExternDesc::Kind::coreModule:
      ctx_.scope().add(Sort::coreModule);
      break;
    case ExternDesc::Kind::func:
      ctx_.scope().add(Sort::func);
      break;
    case ExternDesc::Kind::value:
      ctx_.scope().add(Sort::value);
      break;
    case ExternDesc::Kind::type:
      ctx_.scope().add(Sort::type);
      break;
    case ExternDesc::Kind::component:
      ctx_.scope().add(Sort::component);
      break;
    case ExternDesc::Kind::instance:
      ctx_.scope().add(Sort::instance);
      break;
  }
}

std::optional<CoreTypeDef> TypeDecoder::coreType() {
  return CoreTypeDecoder(in_, ctx_).coreType();
}

}  // namespace wasmesh::wasm::component
