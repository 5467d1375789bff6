#include "CoreTypeDecoder.h"

namespace wasmesh::wasm::component {

std::optional<ValueType> CoreTypeDecoder::valueType(std::uint8_t code) {
  switch (code) {
    case 0x7f:
      return ValueType::i32;
    case 0x7e:
      return ValueType::i64;
    case 0x7d:
      return ValueType::f32;
    case 0x7c:
      return ValueType::f64;
    case 0x7b:
      return ValueType::v128;
    case 0x70:
      return ValueType::funcref;
    case 0x6f:
      return ValueType::externref;
    default:
      return std::nullopt;
  }
}

std::optional<std::uint32_t> CoreTypeDecoder::count() {
  const std::size_t at = in_.position();
  auto n = in_.u32();
  if (!n || *n > in_.remaining()) {
    ctx_.fail(at, "vector length runs past the end of its section");
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> CoreTypeDecoder::label() {
  const std::size_t at = in_.position();
  auto text = in_.name();
  if (!text)
    ctx_.fail(at, "bad name (truncated or not UTF-8)");
  return text;
}

std::optional<CoreTypeDef> CoreTypeDecoder::coreType() {
  const std::size_t at = in_.position();
  auto code = in_.byte();
  CoreTypeDef type;
  if (code && *code == 0x60) {
    for (auto* list : {&type.function.params, &type.function.results}) {
      auto n = count();
      if (!n)
        return std::nullopt;
      for (std::uint32_t i = 0; i < *n; ++i) {
        auto valueCode = in_.byte();
        auto value = valueCode ? valueType(*valueCode) : std::nullopt;
        if (!value) {
          ctx_.fail(at, "bad core value type");
          return std::nullopt;
        }
        list->push_back(*value);
      }
    }
  } else if (code && *code == 0x50) {
    type.isModule = true;
    DecodeScope scope;
    if (!ctx_.pushScope(scope, at))
      return std::nullopt;
    const bool ok = moduleType(type);
    ctx_.popScope();
    if (!ok)
      return std::nullopt;
  } else {
    ctx_.unsupported(at,
                     "core types other than functions and modules (the GC proposal) are "
                     "not supported");
    return std::nullopt;
  }
  ctx_.scope().add(Sort::coreType);
  return type;
}

bool CoreTypeDecoder::moduleType(CoreTypeDef& type) {
  auto n = count();
  if (!n)
    return false;
  for (std::uint32_t i = 0; i < *n; ++i) {
    const std::size_t at = in_.position();
    auto code = in_.byte();
    switch (code ? *code : 0xff) {
      case 0x00: {
        ImportDesc import;
        auto module = label();
        auto name = module ? label() : std::nullopt;
        if (!name || !importDesc(import))
          return false;
        import.module = std::move(*module);
        import.name = std::move(*name);
        type.moduleImports.push_back(std::move(import));
        break;
      }
      case 0x01: {
        auto inner = in_.peek();
        if (!inner || *inner != 0x60)
          return ctx_.fail(at, "a module type may define only function types");
        if (!coreType())
          return false;
        break;
      }
      case 0x02: {
        auto sort = in_.byte();
        auto target = sort ? in_.byte() : std::nullopt;
        auto outerCount = target ? in_.u32() : std::nullopt;
        auto outerIndex = outerCount ? in_.u32() : std::nullopt;
        if (!outerIndex || *sort != 0x10 || *target != 0x01 || *outerCount > 1)
          return ctx_.fail(at, "bad alias in a module type");
        const DecodeScope* scope = ctx_.outer(*outerCount);
        if (scope == nullptr || !scope->has(Sort::coreType, *outerIndex))
          return ctx_.fail(at, "alias in a module type names a core type that does not exist");
        ctx_.scope().add(Sort::coreType);
        break;
      }
      case 0x03: {
        ImportDesc desc;
        auto name = label();
        if (!name || !importDesc(desc))
          return false;
        ExportDesc exported;
        exported.name = std::move(*name);
        exported.kind = desc.kind;
        exported.functionType = desc.functionType;
        type.moduleExports.push_back(std::move(exported));
        break;
      }
      default:
        return ctx_.fail(at, "unknown module type declaration");
    }
  }
  return true;
}

bool CoreTypeDecoder::importDesc(ImportDesc& desc) {
  const std::size_t at = in_.position();
  auto kind = in_.byte();
  if (!kind)
    return ctx_.fail(at, "import description runs past the end");
  auto limits = [this, at](MemoryLimits& out) {
    auto flags = in_.byte();
    if (!flags || *flags > 0x07)
      return ctx_.fail(at, "bad limits");
    out.memory64 = (*flags & 0x04U) != 0;
    out.shared = (*flags & 0x02U) != 0;
    auto min = in_.u64();
    if (!min)
      return ctx_.fail(at, "bad limits");
    out.minPages = *min;
    if ((*flags & 0x01U) != 0) {
      auto max = in_.u64();
      if (!max)
        return ctx_.fail(at, "bad limits");
      out.maxPages = *max;
    }
    return true;
  };
  switch (*kind) {
    case 0x00: {
      desc.kind = ExternKind::function;
      auto index = in_.u32();
      if (!index)
        return ctx_.fail(at, "bad function type index");
      return ctx_.checkIndex(Sort::coreType, *index, at);
    }
    case 0x01: {
      desc.kind = ExternKind::table;
      auto ref = in_.byte();
      if (!ref || !valueType(*ref))
        return ctx_.fail(at, "bad table type");
      MemoryLimits ignored;
      return limits(ignored);
    }
    case 0x02:
      desc.kind = ExternKind::memory;
      return limits(desc.memory);
    case 0x03: {
      desc.kind = ExternKind::global;
      auto value = in_.byte();
      auto mutability = value ? in_.byte() : std::nullopt;
      if (!mutability || !valueType(*value) || *mutability > 1)
        return ctx_.fail(at, "bad global type");
      return true;
    }
    case 0x04: {
      desc.kind = ExternKind::tag;
      auto attribute = in_.byte();
      auto index = attribute ? in_.u32() : std::nullopt;
      if (!index || *attribute != 0)
        return ctx_.fail(at, "bad tag type");
      return ctx_.checkIndex(Sort::coreType, *index, at);
    }
    default:
      return ctx_.fail(at, "unknown import description kind");
  }
}

}  // namespace wasmesh::wasm::component
