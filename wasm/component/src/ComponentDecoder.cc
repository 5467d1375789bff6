#include "wasmesh/wasm/component/ComponentDecoder.h"

#include <array>

#include "DecodeContext.h"
#include "ItemDecoder.h"
#include "TypeDecoder.h"

namespace wasmesh::wasm::component {
namespace {

constexpr std::array<std::uint8_t, 4> kMagic{0x00, 0x61, 0x73, 0x6d};

std::string hex(std::uint32_t value) {
  constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[value & 0x0fU]);
    value >>= 4;
  } while (value != 0);
  return "0x" + (out.size() == 1 ? "0" + out : out);
}

// The async and thread built-ins of `canon`, by opcode, for the error that names them.
std::string builtinName(std::uint8_t code) {
  switch (code) {
    case 0x05:
      return "task.cancel";
    case 0x06:
      return "subtask.cancel";
    case 0x07:
      return "resource.drop async";
    case 0x08:
      return "backpressure.set";
    case 0x09:
      return "task.return";
    case 0x0a:
      return "context.get";
    case 0x0b:
      return "context.set";
    case 0x0c:
      return "yield";
    case 0x0d:
      return "subtask.drop";
    case 0x0e:
      return "stream.new";
    case 0x0f:
      return "stream.read";
    case 0x10:
      return "stream.write";
    case 0x15:
      return "future.new";
    case 0x1c:
      return "error-context.new";
    case 0x1f:
      return "waitable-set.new";
    case 0x20:
      return "waitable-set.wait";
    case 0x23:
      return "waitable.join";
    case 0x40:
    case 0x41:
    case 0x42:
      return "thread built-in";
    default:
      return "async built-in";
  }
}

// Decodes one component (the outermost or a nested one) into `out`.
class SectionDecoder {
 public:
  SectionDecoder(std::span<const std::uint8_t> bytes, DecodeContext& ctx)
      : bytes_(bytes), ctx_(ctx) {}

  bool component(ComponentReader& in, Component& out) {
    const std::size_t start = in.position();
    if (!preamble(in))
      return false;
    out.offset = start;
    DecodeScope scope;
    if (!ctx_.pushScope(scope, start))
      return false;
    const bool ok = sections(in, out);
    ctx_.popScope();
    return ok;
  }

 private:
  bool preamble(ComponentReader& in) {
    const std::size_t at = in.position();
    std::array<std::uint8_t, 8> header{};
    for (auto& b : header) {
      auto next = in.byte();
      if (!next)
        return ctx_.fail(at, "truncated preamble");
      b = *next;
    }
    if (!std::equal(kMagic.begin(), kMagic.end(), header.begin()))
      return ctx_.fail(at, "not a WebAssembly binary (bad magic)");
    if (header[6] != 0x01 || header[7] != 0x00)
      return ctx_.fail(at, "not a component (layer " + std::to_string(header[6]) + ")");
    if (header[4] != ComponentDecoder::kVersion || header[5] != 0x00)
      return ctx_.unsupported(at, "component binary version " + hex(header[4]) +
                                      " (wasmesh reads version " + hex(ComponentDecoder::kVersion) +
                                      ")");
    return true;
  }

  bool sections(ComponentReader& in, Component& out) {
    while (!in.atEnd()) {
      const std::size_t at = in.position();
      auto id = in.byte();
      auto size = id ? in.u32() : std::nullopt;
      if (!size)
        return ctx_.fail(at, "truncated section header");
      auto body = in.slice(*size);
      ctx_.enterSection(*id, at);
      if (!body)
        return ctx_.fail(at, "section of " + std::to_string(*size) +
                                 " bytes runs past the end of the component");
      if (!section(*id, *body, out))
        return false;
      if (!body->atEnd())
        return ctx_.fail(body->position(),
                         "section has " + std::to_string(body->remaining()) + " bytes left over");
    }
    return true;
  }

  bool section(std::uint8_t id, ComponentReader& in, Component& out) {
    TypeDecoder types(in, ctx_);
    ItemDecoder items(in, ctx_);
    switch (id) {
      case 0:  // custom: names and producers, never semantic
        in.skip(in.remaining());
        return true;
      case 1:
        return coreModule(in, out);
      case 2:
        return vector(in, [&] { return coreInstance(in, items, out); });
      case 3:
        return vector(in, [&] {
          Definition def = at(Definition::Kind::coreType, in);
          auto core = types.coreType();
          if (!core)
            return false;
          def.coreType = std::move(*core);
          out.definitions.push_back(std::move(def));
          return true;
        });
      case 4:
        return nestedComponent(in, out);
      case 5:
        return vector(in, [&] { return instance(in, items, out); });
      case 6:
        return vector(in, [&] {
          Definition def = at(Definition::Kind::alias, in);
          auto alias = items.alias();
          if (!alias || !items.checkAlias(*alias, def.offset))
            return false;
          def.alias = std::move(*alias);
          out.definitions.push_back(std::move(def));
          return true;
        });
      case 7:
        return vector(in, [&] {
          Definition def = at(Definition::Kind::type, in);
          def.type = types.type();
          if (!def.type)
            return false;
          out.definitions.push_back(std::move(def));
          return true;
        });
      case 8:
        return vector(in, [&] { return canon(in, out); });
      case 9:
        return ctx_.unsupported(in.position(),
                                "the start section (component values) is not supported yet");
      case 10:
        return vector(in, [&] {
          Definition def = at(Definition::Kind::importDef, in);
          auto name = items.importName();
          auto desc = name ? types.externDesc() : std::nullopt;
          if (!desc)
            return false;
          def.importDef = {std::move(*name), *desc};
          types.introduce(*desc);
          out.definitions.push_back(std::move(def));
          return true;
        });
      case 11:
        return vector(in, [&] { return exportDef(in, types, items, out); });
      case 12:
        return ctx_.unsupported(in.position(), "component values are not supported yet");
      default:
        return ctx_.fail(in.position(), "unknown section id " + std::to_string(id));
    }
  }

  template <typename Each>
  bool vector(ComponentReader& in, Each each) {
    const std::size_t at = in.position();
    auto n = in.u32();
    if (!n || *n > in.remaining())
      return ctx_.fail(at, "vector length runs past the end of its section");
    for (std::uint32_t i = 0; i < *n; ++i) {
      if (!each())
        return false;
    }
    return true;
  }

  static Definition at(Definition::Kind kind, const ComponentReader& in) {
    Definition def;
    def.kind = kind;
    def.offset = in.position();
    return def;
  }

  bool coreModule(ComponentReader& in, Component& out) {
    Definition def = at(Definition::Kind::coreModule, in);
    if (in.remaining() < 8)
      return ctx_.fail(def.offset, "truncated core module");
    const auto* header = bytes_.data() + in.position();
    if (!std::equal(kMagic.begin(), kMagic.end(), header) || header[4] != 0x01 || header[5] != 0 ||
        header[6] != 0 || header[7] != 0)
      return ctx_.fail(def.offset, "not a core module (bad magic or version)");
    def.coreModule = {in.position(), in.remaining()};
    in.skip(in.remaining());
    ctx_.scope().add(Sort::coreModule);
    out.definitions.push_back(std::move(def));
    return true;
  }

  bool nestedComponent(ComponentReader& in, Component& out) {
    Definition def = at(Definition::Kind::component, in);
    auto nested = std::make_shared<Component>();
    nested->bytes = out.bytes;
    const int section = ctx_.section();
    if (!component(in, *nested))
      return false;
    ctx_.enterSection(section, def.offset);
    ctx_.scope().add(Sort::component);
    def.component = std::move(nested);
    out.definitions.push_back(std::move(def));
    return true;
  }

  bool coreInstance(ComponentReader& in, ItemDecoder& items, Component& out) {
    Definition def = at(Definition::Kind::coreInstance, in);
    auto form = in.byte();
    CoreInstanceDef& instance = def.coreInstance;
    if (form && *form == 0x00) {
      auto module = in.u32();
      if (!module || !ctx_.checkIndex(Sort::coreModule, *module, def.offset))
        return ctx_.fail(def.offset, "bad module index");
      instance.module = *module;
      if (!vector(in, [&] {
            const std::size_t argAt = in.position();
            auto name = in.name();
            auto sort = name ? in.byte() : std::nullopt;
            auto index = sort ? in.u32() : std::nullopt;
            if (!index || *sort != 0x12)
              return ctx_.fail(argAt, "bad core instantiation argument");
            if (!ctx_.checkIndex(Sort::coreInstance, *index, argAt))
              return false;
            instance.args.push_back({std::move(*name), *index});
            return true;
          }))
        return false;
    } else if (form && *form == 0x01) {
      instance.instantiates = false;
      if (!vector(in, [&] {
            const std::size_t exportAt = in.position();
            auto name = in.name();
            if (!name)
              return ctx_.fail(exportAt, "bad export name");
            auto item = items.sortIndex(true);
            if (!item)
              return false;
            if (item->sort != Sort::coreFunc && item->sort != Sort::coreTable &&
                item->sort != Sort::coreMemory && item->sort != Sort::coreGlobal)
              return ctx_.fail(exportAt,
                               "a core instance may export only functions, tables, "
                               "memories and globals");
            instance.exports.push_back({std::move(*name), *item});
            return true;
          }))
        return false;
    } else {
      return ctx_.fail(def.offset, "bad core instance");
    }
    ctx_.scope().add(Sort::coreInstance);
    out.definitions.push_back(std::move(def));
    return true;
  }

  bool instance(ComponentReader& in, ItemDecoder& items, Component& out) {
    Definition def = at(Definition::Kind::instance, in);
    auto form = in.byte();
    InstanceDef& instance = def.instance;
    if (form && *form == 0x00) {
      auto component = in.u32();
      if (!component || !ctx_.checkIndex(Sort::component, *component, def.offset))
        return ctx_.fail(def.offset, "bad component index");
      instance.component = *component;
      if (!vector(in, [&] {
            const std::size_t argAt = in.position();
            auto name = in.name();
            if (!name)
              return ctx_.fail(argAt, "bad instantiation argument name");
            auto item = items.sortIndex();
            if (!item)
              return false;
            instance.args.push_back({std::move(*name), *item});
            return true;
          }))
        return false;
    } else if (form && *form == 0x01) {
      instance.instantiates = false;
      if (!vector(in, [&] {
            auto name = items.exportName();
            auto item = name ? items.sortIndex() : std::nullopt;
            if (!item)
              return false;
            instance.exports.push_back({std::move(*name), *item});
            return true;
          }))
        return false;
    } else {
      return ctx_.fail(def.offset, "bad instance");
    }
    ctx_.scope().add(Sort::instance);
    out.definitions.push_back(std::move(def));
    return true;
  }

  bool options(ComponentReader& in, CanonOptions& options) {
    return vector(in, [&] {
      const std::size_t at = in.position();
      auto code = in.byte();
      auto index = [&](Sort sort, std::optional<std::uint32_t>& out) {
        auto value = in.u32();
        if (!value)
          return ctx_.fail(at, "bad canon option");
        if (out)
          return ctx_.fail(at, "canon option given twice");
        out = *value;
        return ctx_.checkIndex(sort, *value, at);
      };
      switch (code ? *code : 0xff) {
        case 0x00:
        case 0x01:
        case 0x02:
          options.encoding = static_cast<StringEncoding>(*code);
          return true;
        case 0x03:
          return index(Sort::coreMemory, options.memory);
        case 0x04:
          return index(Sort::coreFunc, options.realloc);
        case 0x05:
          return index(Sort::coreFunc, options.postReturn);
        case 0x06:
        case 0x07:
        case 0x08:
          return ctx_.unsupported(at,
                                  "async canon options (async, callback) are not supported "
                                  "yet");
        default:
          return ctx_.fail(at, "unknown canon option");
      }
    });
  }

  bool canon(ComponentReader& in, Component& out) {
    Definition def = at(Definition::Kind::canon, in);
    CanonDef& canon = def.canon;
    auto code = in.byte();
    if (!code)
      return ctx_.fail(def.offset, "truncated canon definition");
    switch (*code) {
      case 0x00:
      case 0x01: {
        auto sort = in.byte();
        auto function = sort ? in.u32() : std::nullopt;
        if (!function || *sort != 0x00)
          return ctx_.fail(def.offset, "bad canon function");
        canon.kind = *code == 0x00 ? CanonDef::Kind::lift : CanonDef::Kind::lower;
        canon.function = *function;
        if (!ctx_.checkIndex(*code == 0x00 ? Sort::coreFunc : Sort::func, *function, def.offset) ||
            !options(in, canon.options))
          return false;
        if (*code == 0x00) {
          const std::size_t typeAt = in.position();
          auto type = in.u32();
          if (!type || !ctx_.checkIndex(Sort::type, *type, typeAt))
            return ctx_.fail(typeAt, "bad canon lift type");
          canon.type = *type;
        }
        ctx_.scope().add(*code == 0x00 ? Sort::func : Sort::coreFunc);
        break;
      }
      case 0x02:
      case 0x03:
      case 0x04: {
        canon.kind = *code == 0x02   ? CanonDef::Kind::resourceNew
                     : *code == 0x03 ? CanonDef::Kind::resourceDrop
                                     : CanonDef::Kind::resourceRep;
        const std::size_t typeAt = in.position();
        auto type = in.u32();
        if (!type || !ctx_.checkIndex(Sort::type, *type, typeAt))
          return ctx_.fail(typeAt, "bad resource type index");
        canon.type = *type;
        ctx_.scope().add(Sort::coreFunc);
        break;
      }
      default:
        return ctx_.unsupported(def.offset, "canon " + builtinName(*code) + " (opcode " +
                                                hex(*code) +
                                                ") is not supported yet: wasmesh runs "
                                                "synchronous components only");
    }
    out.definitions.push_back(std::move(def));
    return true;
  }

  bool exportDef(ComponentReader& in, TypeDecoder& types, ItemDecoder& items, Component& out) {
    Definition def = at(Definition::Kind::exportDef, in);
    auto name = items.exportName();
    auto item = name ? items.sortIndex() : std::nullopt;
    if (!item)
      return false;
    def.exportDef.name = std::move(*name);
    def.exportDef.item = *item;
    if (item->sort == Sort::coreFunc || item->sort == Sort::coreTable ||
        item->sort == Sort::coreMemory || item->sort == Sort::coreGlobal ||
        item->sort == Sort::coreInstance || item->sort == Sort::coreType)
      return ctx_.fail(def.offset,
                       "a component may not export a core " + std::string(toString(item->sort)));
    auto present = in.byte();
    if (!present || *present > 1)
      return ctx_.fail(def.offset, "bad export type ascription");
    if (*present == 1) {
      def.exportDef.ascribed = types.externDesc();
      if (!def.exportDef.ascribed)
        return false;
    }
    // An export adds a new index to its sort's index space, as an alias would.
    ctx_.scope().add(item->sort);
    out.definitions.push_back(std::move(def));
    return true;
  }

  std::span<const std::uint8_t> bytes_;
  DecodeContext& ctx_;
};

}  // namespace

bool ComponentDecoder::isComponent(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 8 && std::equal(kMagic.begin(), kMagic.end(), bytes.begin()) &&
         bytes[6] == 0x01 && bytes[7] == 0x00;
}

WasmResult<std::shared_ptr<const Component>> ComponentDecoder::decode(
    std::span<const std::uint8_t> bytes) {
  if (bytes.size() > kMaxBytes) {
    return WasmError::make(errc::wasm_malformed_module,
                           "component of " + std::to_string(bytes.size()) +
                               " bytes is larger than the limit of " + std::to_string(kMaxBytes));
  }
  auto owned = std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end());
  auto component = std::make_shared<Component>();
  component->bytes = owned;
  DecodeContext ctx;
  ComponentReader in(*owned, 0, owned->size());
  SectionDecoder decoder(*owned, ctx);
  if (!decoder.component(in, *component))
    return ctx.error();
  return std::shared_ptr<const Component>(std::move(component));
}

}  // namespace wasmesh::wasm::component
