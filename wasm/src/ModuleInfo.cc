#include "wasmesh/wasm/ModuleInfo.h"

#include <algorithm>
#include <array>

#include "BinaryReader.h"

namespace wasmesh::wasm {
namespace {

constexpr std::array<std::uint8_t, 8> kHeader{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
constexpr std::uint8_t kCustomSection = 0;
constexpr std::uint8_t kTypeSection = 1;
constexpr std::uint8_t kImportSection = 2;
constexpr std::uint8_t kFunctionSection = 3;
constexpr std::uint8_t kMemorySection = 5;
constexpr std::uint8_t kGlobalSection = 6;
constexpr std::uint8_t kExportSection = 7;
constexpr std::uint8_t kStartSection = 8;

WasmError malformed(std::string what) {
  return WasmError::make(errc::wasm_malformed_module, std::move(what));
}

std::optional<ValueType> valueType(std::uint8_t code) {
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

std::optional<std::vector<ValueType>> valueTypes(BinaryReader& in) {
  auto count = in.u32();
  if (!count || *count > in.remaining())
    return std::nullopt;
  std::vector<ValueType> types;
  for (std::uint32_t i = 0; i < *count; ++i) {
    auto code = in.byte();
    auto type = code ? valueType(*code) : std::nullopt;
    if (!type)
      return std::nullopt;
    types.push_back(*type);
  }
  return types;
}

std::optional<MemoryLimits> memoryLimits(BinaryReader& in) {
  auto flags = in.byte();
  if (!flags || *flags > 0x07)
    return std::nullopt;
  MemoryLimits limits;
  limits.shared = (*flags & 0x02U) != 0;
  limits.memory64 = (*flags & 0x04U) != 0;
  const unsigned bits = limits.memory64 ? 64 : 32;
  auto min = in.unsignedLeb(bits);
  if (!min)
    return std::nullopt;
  limits.minPages = *min;
  if ((*flags & 0x01U) != 0) {
    auto max = in.unsignedLeb(bits);
    if (!max)
      return std::nullopt;
    limits.maxPages = *max;
  }
  return limits;
}

bool tableType(BinaryReader& in) {
  auto ref = in.byte();
  if (!ref || !valueType(*ref))
    return false;
  return memoryLimits(in).has_value();
}

struct Decoder {
  ModuleInfo info;
  std::vector<FunctionType> types;
  std::vector<std::uint32_t> functionTypeIndices;  // the function index space
  std::vector<ValueType> globalTypes;              // the global index space

  std::optional<FunctionType> typeAt(std::uint32_t index) const {
    if (index >= types.size())
      return std::nullopt;
    return types[index];
  }

  bool typeSection(BinaryReader& in) {
    auto count = in.u32();
    if (!count)
      return false;
    for (std::uint32_t i = 0; i < *count; ++i) {
      auto form = in.byte();
      if (!form || *form != 0x60)
        return false;
      auto params = valueTypes(in);
      auto results = params ? valueTypes(in) : std::nullopt;
      if (!results)
        return false;
      types.push_back({std::move(*params), std::move(*results)});
    }
    return true;
  }

  bool importSection(BinaryReader& in) {
    auto count = in.u32();
    if (!count)
      return false;
    for (std::uint32_t i = 0; i < *count; ++i) {
      ImportDesc import;
      auto module = in.name();
      auto name = module ? in.name() : std::nullopt;
      auto kind = name ? in.byte() : std::nullopt;
      if (!kind)
        return false;
      import.module = std::move(*module);
      import.name = std::move(*name);
      if (*kind == 0x00) {
        auto index = in.u32();
        auto type = index ? typeAt(*index) : std::nullopt;
        if (!type)
          return false;
        import.kind = ExternKind::function;
        import.functionType = *type;
        functionTypeIndices.push_back(*index);
      } else if (*kind == 0x01) {
        import.kind = ExternKind::table;
        if (!tableType(in))
          return false;
      } else if (*kind == 0x02) {
        import.kind = ExternKind::memory;
        auto limits = memoryLimits(in);
        if (!limits)
          return false;
        import.memory = *limits;
      } else if (*kind == 0x03) {
        import.kind = ExternKind::global;
        auto type = in.byte();
        auto mut = type ? in.byte() : std::nullopt;
        if (!mut || !valueType(*type) || *mut > 1)
          return false;
        globalTypes.push_back(*valueType(*type));
      } else if (*kind == 0x04) {
        import.kind = ExternKind::tag;
        auto attribute = in.byte();
        if (!attribute || !in.u32())
          return false;
      } else {
        return false;
      }
      info.imports.push_back(std::move(import));
    }
    return true;
  }

  bool functionSection(BinaryReader& in) {
    auto count = in.u32();
    if (!count || *count > in.remaining())
      return false;
    for (std::uint32_t i = 0; i < *count; ++i) {
      auto index = in.u32();
      if (!index)
        return false;
      functionTypeIndices.push_back(*index);
    }
    return true;
  }

  bool memorySection(BinaryReader& in) {
    auto count = in.u32();
    if (!count || *count > in.remaining())
      return false;
    for (std::uint32_t i = 0; i < *count; ++i) {
      auto limits = memoryLimits(in);
      if (!limits)
        return false;
      info.memories.push_back(*limits);
    }
    return true;
  }

  // Only the types are wanted; an initializer this does not know ends the decoding of
  // globals (not of the module: validating it is the engine's job).
  bool globalSection(BinaryReader& in) {
    auto count = in.u32();
    if (!count)
      return false;
    for (std::uint32_t i = 0; i < *count; ++i) {
      auto code = in.byte();
      auto type = code ? valueType(*code) : std::nullopt;
      if (!type || !in.byte() || !skipConstantExpression(in))
        return true;
      globalTypes.push_back(*type);
    }
    return true;
  }

  static bool skipConstantExpression(BinaryReader& in) {
    constexpr int kMaxInstructions = 64;
    for (int i = 0; i < kMaxInstructions; ++i) {
      auto opcode = in.byte();
      if (!opcode)
        return false;
      bool ok = true;
      switch (*opcode) {
        case 0x0b:  // end
          return true;
        case 0x41:  // i32.const
        case 0x42:  // i64.const
          ok = in.skipLeb();
          break;
        case 0x43:  // f32.const
          ok = in.skip(4);
          break;
        case 0x44:  // f64.const
          ok = in.skip(8);
          break;
        case 0x23:  // global.get
        case 0xd2:  // ref.func
        case 0xd0:  // ref.null
          ok = in.u32().has_value();
          break;
        case 0xfd:  // v128.const
          ok = in.u32() == 12U && in.skip(16);
          break;
        default:
          return false;
      }
      if (!ok)
        return false;
    }
    return false;
  }

  // The "name" section's function names (subsection 1); anything else there is skipped.
  void customSection(BinaryReader& in) {
    auto sectionName = in.name();
    if (!sectionName || *sectionName != "name")
      return;
    std::map<std::uint32_t, std::string> names;
    while (!in.atEnd()) {
      auto id = in.byte();
      auto size = id ? in.u32() : std::nullopt;
      auto contents = size ? in.slice(*size) : std::nullopt;
      if (!contents)
        return;
      if (*id != 1)
        continue;
      auto count = contents->u32();
      for (std::uint32_t i = 0; count && i < *count; ++i) {
        auto index = contents->u32();
        auto name = index ? contents->name() : std::nullopt;
        if (!name)
          return;
        names[*index] = std::move(*name);
      }
    }
    info.functionNames = std::move(names);
  }

  bool exportSection(BinaryReader& in) {
    auto count = in.u32();
    if (!count)
      return false;
    for (std::uint32_t i = 0; i < *count; ++i) {
      auto name = in.name();
      auto kind = name ? in.byte() : std::nullopt;
      auto index = kind ? in.u32() : std::nullopt;
      if (!index || *kind > 0x04)
        return false;
      ExportDesc exported;
      exported.name = std::move(*name);
      exported.kind = static_cast<ExternKind>(*kind);
      if (exported.kind == ExternKind::global && *index < globalTypes.size())
        exported.globalType = globalTypes[*index];
      if (exported.kind == ExternKind::function) {
        // An index out of range is for the engine's validator to reject.
        if (*index < functionTypeIndices.size()) {
          if (auto type = typeAt(functionTypeIndices[*index]))
            exported.functionType = *type;
        }
      }
      info.exports.push_back(std::move(exported));
    }
    return true;
  }
};

// Walks the sections, calling `visit(id, contents, headerStart)` for each.
template <typename Visit>
WasmResult<void> forEachSection(std::span<const std::uint8_t> bytes, Visit&& visit) {
  if (bytes.size() < kHeader.size() || !std::equal(kHeader.begin(), kHeader.end(), bytes.begin()))
    return malformed("no WebAssembly 1.0 binary header (magic \\0asm, version 1)");
  BinaryReader in(bytes);
  in.skip(kHeader.size());
  while (!in.atEnd()) {
    const std::size_t start = in.position();
    auto id = in.byte();
    auto size = id ? in.u32() : std::nullopt;
    if (!size)
      return malformed("truncated section header at offset " + std::to_string(start));
    auto contents = in.slice(*size);
    if (!contents)
      return malformed("section " + std::to_string(*id) + " at offset " + std::to_string(start) +
                       " runs past the end of the module");
    if (!visit(*id, *contents, start))
      return malformed("section " + std::to_string(*id) + " at offset " + std::to_string(start) +
                       " cannot be decoded");
  }
  return {};
}

}  // namespace

std::string toString(ExternKind kind) {
  switch (kind) {
    case ExternKind::function:
      return "func";
    case ExternKind::table:
      return "table";
    case ExternKind::memory:
      return "memory";
    case ExternKind::global:
      return "global";
    case ExternKind::tag:
      return "tag";
  }
  return "?";
}

WasmResult<ModuleInfo> ModuleInfo::parse(std::span<const std::uint8_t> bytes) {
  Decoder decoder;
  auto walked = forEachSection(bytes, [&](std::uint8_t id, BinaryReader& in, std::size_t) {
    switch (id) {
      case kTypeSection:
        return decoder.typeSection(in);
      case kImportSection:
        return decoder.importSection(in);
      case kFunctionSection:
        return decoder.functionSection(in);
      case kMemorySection:
        return decoder.memorySection(in);
      case kGlobalSection:
        return decoder.globalSection(in);
      case kExportSection:
        return decoder.exportSection(in);
      case kStartSection:
        decoder.info.hasStart = true;
        return true;
      case kCustomSection:
        decoder.customSection(in);
        return true;
      default:
        return true;  // contents are the engine's to validate
    }
  });
  if (!walked)
    return walked.error();
  return std::move(decoder.info);
}

const ExportDesc* ModuleInfo::findExport(std::string_view name) const {
  auto found = std::find_if(exports.begin(), exports.end(),
                            [&](const ExportDesc& e) { return e.name == name; });
  return found == exports.end() ? nullptr : &*found;
}

WasmResult<std::vector<std::uint8_t>> capMemory(std::span<const std::uint8_t> bytes,
                                                std::uint64_t maxPages) {
  const auto header = bytes.first(std::min(bytes.size(), kHeader.size()));
  std::vector<std::uint8_t> out(header.begin(), header.end());
  // First pass: the structure is sound, so the copy below can trust the section headers.
  auto walked =
      forEachSection(bytes, [](std::uint8_t, BinaryReader&, std::size_t) { return true; });
  if (!walked)
    return walked.error();
  // Second pass: copy every section, re-encoding the memory section.
  BinaryReader all(bytes);
  all.skip(kHeader.size());
  while (!all.atEnd()) {
    const std::size_t start = all.position();
    auto id = all.byte();
    auto size = all.u32();
    auto contents = all.slice(*size);
    if (*id != kMemorySection) {
      out.insert(out.end(), bytes.begin() + static_cast<std::ptrdiff_t>(start),
                 bytes.begin() + static_cast<std::ptrdiff_t>(all.position()));
      continue;
    }
    auto count = contents->u32();
    std::vector<std::uint8_t> section;
    appendLeb128(section, count.value_or(0));
    for (std::uint32_t i = 0; count && i < *count; ++i) {
      auto limits = memoryLimits(*contents);
      if (!limits)
        return malformed("memory section cannot be decoded");
      if (limits->minPages > maxPages) {
        return WasmError::make(errc::wasm_memory_limit, "memory: the module needs " +
                                                            std::to_string(limits->minPages * 64) +
                                                            " KiB at start, the cap is " +
                                                            std::to_string(maxPages * 64) + " KiB");
      }
      const std::uint64_t max = std::min(limits->maxPages.value_or(maxPages), maxPages);
      std::uint8_t flags = 0x01;
      if (limits->shared)
        flags |= 0x02U;
      if (limits->memory64)
        flags |= 0x04U;
      section.push_back(flags);
      appendLeb128(section, limits->minPages);
      appendLeb128(section, max);
    }
    out.push_back(kMemorySection);
    appendLeb128(out, section.size());
    out.insert(out.end(), section.begin(), section.end());
  }
  return out;
}

void appendLeb128(std::vector<std::uint8_t>& out, std::uint64_t value) {
  do {
    std::uint8_t next = value & 0x7fU;
    value >>= 7;
    if (value != 0)
      next |= 0x80U;
    out.push_back(next);
  } while (value != 0);
}

WasmResult<PreparedModule> prepareModule(std::span<const std::uint8_t> bytes,
                                         const Limits& limits) {
  auto info = ModuleInfo::parse(bytes);
  if (!info)
    return info.error();
  PreparedModule prepared{std::move(*info), {}, bytes};
  if (limits.maxMemoryBytes) {
    auto rewritten = capMemory(bytes, *limits.maxMemoryBytes / kWasmPageBytes);
    if (!rewritten)
      return rewritten.error();
    prepared.rewritten = std::move(*rewritten);
    prepared.bytes = prepared.rewritten;
  }
  return prepared;
}

}  // namespace wasmesh::wasm
