#include "ItemDecoder.h"

namespace wasmesh::wasm::component {

std::optional<std::string> ItemDecoder::label() {
  const std::size_t at = in_.position();
  auto text = in_.name();
  if (!text)
    ctx_.fail(at, "bad name (truncated or not UTF-8)");
  return text;
}

std::optional<Sort> ItemDecoder::coreSort() {
  const std::size_t at = in_.position();
  auto core = in_.byte();
  switch (core ? *core : 0xff) {
    case 0x00:
      return Sort::coreFunc;
    case 0x01:
      return Sort::coreTable;
    case 0x02:
      return Sort::coreMemory;
    case 0x03:
      return Sort::coreGlobal;
    case 0x10:
      return Sort::coreType;
    case 0x11:
      return Sort::coreModule;
    case 0x12:
      return Sort::coreInstance;
    default:
      ctx_.fail(at, "unknown core sort");
      return std::nullopt;
  }
}

std::optional<Sort> ItemDecoder::sort() {
  const std::size_t at = in_.position();
  auto code = in_.byte();
  if (!code) {
    ctx_.fail(at, "sort runs past the end");
    return std::nullopt;
  }
  switch (*code) {
    case 0x00:
      return coreSort();
    case 0x01:
      return Sort::func;
    case 0x02:
      ctx_.unsupported(at, "values are not supported yet");
      return std::nullopt;
    case 0x03:
      return Sort::type;
    case 0x04:
      return Sort::component;
    case 0x05:
      return Sort::instance;
    default:
      ctx_.fail(at, "unknown sort");
      return std::nullopt;
  }
}

std::optional<SortIndex> ItemDecoder::sortIndex(bool core) {
  auto which = core ? coreSort() : sort();
  if (!which)
    return std::nullopt;
  const std::size_t at = in_.position();
  auto index = in_.u32();
  if (!index) {
    ctx_.fail(at, "bad index");
    return std::nullopt;
  }
  if (!ctx_.checkIndex(*which, *index, at))
    return std::nullopt;
  return SortIndex{*which, *index};
}

std::optional<std::string> ItemDecoder::importName() {
  const std::size_t at = in_.position();
  auto form = in_.byte();
  // 0x00: a plain or interface name; 0x01: the older interface-name form, read the same way.
  if (!form || *form > 0x01) {
    ctx_.fail(at, "bad import name");
    return std::nullopt;
  }
  return label();
}

std::optional<std::string> ItemDecoder::exportName() {
  return importName();
}

std::optional<AliasDef> ItemDecoder::alias() {
  auto which = sort();
  if (!which)
    return std::nullopt;
  AliasDef alias;
  alias.sort = *which;
  const std::size_t at = in_.position();
  auto target = in_.byte();
  if (!target || *target > 0x02) {
    ctx_.fail(at, "bad alias target");
    return std::nullopt;
  }
  alias.target = static_cast<AliasDef::Target>(*target);
  if (alias.target == AliasDef::Target::outer) {
    auto outerCount = in_.u32();
    auto outerIndex = outerCount ? in_.u32() : std::nullopt;
    if (!outerIndex) {
      ctx_.fail(at, "bad outer alias");
      return std::nullopt;
    }
    alias.outerCount = *outerCount;
    alias.outerIndex = *outerIndex;
    return alias;
  }
  auto instance = in_.u32();
  auto name = instance ? label() : std::nullopt;
  if (!name) {
    ctx_.fail(at, "bad export alias");
    return std::nullopt;
  }
  alias.instance = *instance;
  alias.name = std::move(*name);
  return alias;
}

bool ItemDecoder::checkAlias(const AliasDef& alias, std::size_t offset) {
  switch (alias.target) {
    case AliasDef::Target::instanceExport:
      if (alias.sort == Sort::coreFunc || alias.sort == Sort::coreTable ||
          alias.sort == Sort::coreMemory || alias.sort == Sort::coreGlobal ||
          alias.sort == Sort::coreInstance || alias.sort == Sort::coreType)
        return ctx_.fail(
            offset, "a component instance exports no core " + std::string(toString(alias.sort)));
      if (!ctx_.checkIndex(Sort::instance, alias.instance, offset))
        return false;
      break;
    case AliasDef::Target::coreInstanceExport:
      if (alias.sort != Sort::coreFunc && alias.sort != Sort::coreTable &&
          alias.sort != Sort::coreMemory && alias.sort != Sort::coreGlobal)
        return ctx_.fail(offset,
                         "a core instance exports only functions, tables, memories and "
                         "globals");
      if (!ctx_.checkIndex(Sort::coreInstance, alias.instance, offset))
        return false;
      break;
    case AliasDef::Target::outer: {
      if (alias.sort != Sort::type && alias.sort != Sort::coreType &&
          alias.sort != Sort::coreModule && alias.sort != Sort::component)
        return ctx_.fail(offset,
                         "an outer alias may name only a type, core type, core module or "
                         "component");
      const DecodeScope* scope = ctx_.outer(alias.outerCount);
      if (scope == nullptr)
        return ctx_.fail(offset, "outer alias reaches " + std::to_string(alias.outerCount) +
                                     " levels out, past the outermost component");
      if (!scope->has(alias.sort, alias.outerIndex))
        return ctx_.fail(offset, "outer alias names " + std::string(toString(alias.sort)) + " " +
                                     std::to_string(alias.outerIndex) + ", which does not exist");
      break;
    }
  }
  ctx_.scope().add(alias.sort);
  return true;
}

}  // namespace wasmesh::wasm::component
