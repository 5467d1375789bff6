#include "wasmesh/wasm/component/WaveCodec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "MemoryCodec.h"
#include "TextEncoding.h"
#include "wasmesh/wasm/component/Utf8.h"

namespace wasmesh::wasm::component {
namespace {

// Reads WAVE text against the types it should have; the first error wins.
class WaveParser {
 public:
  WaveParser(std::string_view text, const TypeTable& types) : text_(text), types_(types) {}

  WasmResult<Val> value(TypeId id) {
    if (++depth_ > TypeTable::kMaxDepth + 1)
      return error("value nested too deep");
    auto parsed = parseValue(id);
    --depth_;
    return parsed;
  }
  void skipSpace() {
    while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n'))
      ++at_;
  }
  bool take(char c) {
    skipSpace();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool atEnd() {
    skipSpace();
    return at_ == text_.size();
  }
  std::string_view word() {
    skipSpace();
    const std::size_t start = at_;
    while (at_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[at_])) != 0 || text_[at_] == '-' ||
            text_[at_] == '_' || text_[at_] == '.' || text_[at_] == '+'))
      ++at_;
    return text_.substr(start, at_ - start);
  }
  WasmError error(const std::string& what) const {
    return WasmError::make(errc::wasm_bad_call, what + " at offset " + std::to_string(at_));
  }

 private:
  WasmResult<Val> parseValue(TypeId id);
  WasmResult<std::string> quoted(char quote);
  WasmResult<Val> number(const ValType& type);
  WasmResult<std::vector<Val>> sequence(char open, char close, const std::vector<TypeId>& each,
                                        std::optional<TypeId> repeated);

  std::string_view text_;
  const TypeTable& types_;
  std::size_t at_ = 0;
  std::uint32_t depth_ = 0;
};

WasmResult<std::string> WaveParser::quoted(char quote) {
  if (!take(quote))
    return error(std::string("expected ") + quote);
  std::string out;
  while (at_ < text_.size() && text_[at_] != quote) {
    char c = text_[at_++];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (at_ >= text_.size())
      break;
    c = text_[at_++];
    switch (c) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
      case '"':
      case '\'':
        out += c;
        break;
      case 'u': {
        const auto close = text_.find('}', at_);
        std::uint32_t code = 0;
        if (!take('{') || close == std::string_view::npos ||
            std::from_chars(text_.data() + at_, text_.data() + close, code, 16).ec != std::errc{} ||
            !isScalarValue(code))
          return error("bad \\u{...} escape");
        at_ = close + 1;
        appendUtf8(out, static_cast<char32_t>(code));
        break;
      }
      default:
        return error("unknown escape");
    }
  }
  if (!take(quote))
    return error("unterminated string");
  if (!isValidUtf8(out))
    return error("not UTF-8");
  return out;
}

WasmResult<Val> WaveParser::number(const ValType& type) {
  const std::string_view text = word();
  if (type.kind == ValKind::f32 || type.kind == ValKind::f64) {
    double value = 0;
    if (text == "nan")
      value = std::nan("");
    else if (text == "inf")
      value = std::numeric_limits<double>::infinity();
    else if (text == "-inf")
      value = -std::numeric_limits<double>::infinity();
    else if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc{})
      return error("expected a number");
    return type.kind == ValKind::f32 ? Val::f32(static_cast<float>(value)) : Val::f64(value);
  }
  const bool isSigned = type.kind == ValKind::s8 || type.kind == ValKind::s16 ||
                        type.kind == ValKind::s32 || type.kind == ValKind::s64;
  const unsigned bits = type.size * 8;
  if (isSigned) {
    std::int64_t value = 0;
    const auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), value);
    const std::int64_t limit = bits == 64 ? INT64_MAX : (std::int64_t{1} << (bits - 1)) - 1;
    if (problem != std::errc{} || end != text.data() + text.size() || value > limit ||
        value < -limit - 1)
      return error("expected an s" + std::to_string(bits));
    return MemoryCodec::fromBits(type, static_cast<std::uint64_t>(value));
  }
  std::uint64_t value = 0;
  const auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::uint64_t limit = bits == 64 ? UINT64_MAX : (std::uint64_t{1} << bits) - 1;
  if (problem != std::errc{} || end != text.data() + text.size() || value > limit)
    return error("expected a u" + std::to_string(bits));
  return MemoryCodec::fromBits(type, value);
}

WasmResult<std::vector<Val>> WaveParser::sequence(char open, char close,
                                                  const std::vector<TypeId>& each,
                                                  std::optional<TypeId> repeated) {
  if (!take(open))
    return error(std::string("expected ") + open);
  std::vector<Val> items;
  while (!take(close)) {
    if (!items.empty() && !take(','))
      return error(std::string("expected , or ") + close);
    if (take(close))  // a trailing comma
      break;
    if (!repeated && items.size() >= each.size())
      return error("too many values");
    auto item = value(repeated ? *repeated : each[items.size()]);
    if (!item)
      return item.error();
    items.push_back(std::move(*item));
  }
  if (!repeated && items.size() != each.size())
    return error("expected " + std::to_string(each.size()) + " values");
  return items;
}

WasmResult<Val> WaveParser::parseValue(TypeId id) {
  const ValType& type = types_[id];
  switch (type.kind) {
    case ValKind::boolean: {
      const std::string_view text = word();
      if (text == "true" || text == "false")
        return Val::boolean(text == "true");
      return error("expected true or false");
    }
    case ValKind::character: {
      auto text = quoted('\'');
      if (!text)
        return text.error();
      auto units = utf8ToUtf16(*text);
      if (!units || units->empty() || units->size() > 2)
        return error("expected one character");
      std::uint32_t code = (*units)[0];
      if (units->size() == 2)
        code = 0x10000 + ((code - 0xd800) << 10) + ((*units)[1] - 0xdc00);
      return Val::character(static_cast<char32_t>(code));
    }
    case ValKind::string: {
      auto text = quoted('"');
      if (!text)
        return text.error();
      return Val::string(std::move(*text));
    }
    case ValKind::list:
    case ValKind::fixedList: {
      auto items = sequence('[', ']', {}, type.element);
      if (!items)
        return items.error();
      if (type.kind == ValKind::fixedList && items->size() != type.length)
        return error("expected " + std::to_string(type.length) + " elements");
      return Val::list(std::move(*items));
    }
    case ValKind::tuple: {
      std::vector<TypeId> each;
      for (const auto& member : type.members)
        each.push_back(*member);
      auto items = sequence('(', ')', each, std::nullopt);
      if (!items)
        return items.error();
      return Val::tuple(std::move(*items));
    }
    case ValKind::record: {
      if (!take('{'))
        return error("expected {");
      std::vector<std::optional<Val>> fields(type.members.size());
      while (!take('}')) {
        if (std::any_of(fields.begin(), fields.end(),
                        [](const auto& f) { return f.has_value(); }) &&
            !take(','))
          return error("expected , or }");
        if (take('}'))
          break;
        const std::string_view name = word();
        const auto label = std::find(type.labels.begin(), type.labels.end(), name);
        if (label == type.labels.end() || !take(':'))
          return error("expected a field of the record");
        const auto index = static_cast<std::size_t>(label - type.labels.begin());
        auto field = value(*type.members[index]);
        if (!field)
          return field.error();
        fields[index] = std::move(*field);
      }
      std::vector<Val> values;
      for (auto& field : fields) {
        if (!field)
          return error("a record field is missing");
        values.push_back(std::move(*field));
      }
      return Val::record(std::move(values));
    }
    case ValKind::flags: {
      if (!take('{'))
        return error("expected {");
      std::uint32_t bits = 0;
      bool first = true;
      while (!take('}')) {
        if (!first && !take(','))
          return error("expected , or }");
        first = false;
        const std::string_view name = word();
        const auto label = std::find(type.labels.begin(), type.labels.end(), name);
        if (label == type.labels.end())
          return error("unknown flag");
        bits |= 1U << static_cast<unsigned>(label - type.labels.begin());
      }
      return Val::flags(bits);
    }
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      static const std::vector<std::string> kOption{"none", "some"};
      static const std::vector<std::string> kResult{"ok", "err"};
      const std::vector<std::string>& labels = type.kind == ValKind::option   ? kOption
                                               : type.kind == ValKind::result ? kResult
                                                                              : type.labels;
      const std::string_view name = word();
      const auto label = std::find(labels.begin(), labels.end(), name);
      if (label == labels.end())
        return error("expected a case (" + labels.front() + ", ...)");
      const auto index = static_cast<std::uint32_t>(label - labels.begin());
      std::optional<Val> payload;
      if (const auto& member = type.members[index]) {
        if (!take('('))
          return error("expected ( and the case's value");
        auto inner = value(*member);
        if (!inner)
          return inner.error();
        if (!take(')'))
          return error("expected )");
        payload = std::move(*inner);
      }
      switch (type.kind) {
        case ValKind::enumeration:
          return Val::enumeration(index);
        case ValKind::option:
          return index == 0 ? Val::none() : Val::some(std::move(*payload));
        case ValKind::result:
          return index == 0 ? Val::ok(std::move(payload)) : Val::err(std::move(payload));
        default:
          return Val::variant(index, std::move(payload));
      }
    }
    case ValKind::own:
    case ValKind::borrow:
      return error("a resource handle cannot be written");
    default:
      return number(type);
  }
}

std::string escaped(const std::string& text, char quote) {
  std::string out(1, quote);
  for (const char c : text) {
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char code[16];
      std::snprintf(code, sizeof code, "\\u{%x}", static_cast<unsigned>(c));
      out += code;
    } else {
      out += c;
    }
  }
  return out + quote;
}

}  // namespace

WasmResult<Val> WaveCodec::parse(std::string_view text, const TypeTable& types, TypeId type) {
  WaveParser parser(text, types);
  auto value = parser.value(type);
  if (value && !parser.atEnd())
    return parser.error("unexpected text after the value");
  return value;
}

WasmResult<WaveCodec::Call> WaveCodec::parseCall(
    std::string_view text, const TypeTable& types,
    const std::function<const FuncType*(std::string_view)>& find) {
  const auto open = text.find('(');
  if (open == std::string_view::npos || open == 0)
    return WasmError::make(errc::wasm_bad_call, "expected NAME(ARGUMENTS)");
  Call call;
  call.function = std::string(text.substr(0, open));
  const FuncType* type = find(call.function);
  if (type == nullptr)
    return WasmError::make(errc::wasm_bad_call, "no exported function " + call.function);
  WaveParser parser(text.substr(open), types);
  if (!parser.take('('))
    return parser.error("expected (");
  for (std::size_t i = 0; i < type->params.size(); ++i) {
    if (i > 0 && !parser.take(','))
      return parser.error(call.function + " takes " + std::to_string(type->params.size()) +
                          " arguments");
    auto argument = parser.value(type->params[i]);
    if (!argument)
      return argument.error();
    call.arguments.push_back(std::move(*argument));
  }
  if (!parser.take(')') || !parser.atEnd())
    return parser.error(call.function + " takes " + std::to_string(type->params.size()) +
                        " arguments");
  return call;
}

std::string WaveCodec::print(const Val& value, const TypeTable& types, TypeId id) {
  const ValType& type = types[id];
  auto joined = [&](const std::vector<Val>& items, auto member) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
      out += (i == 0 ? "" : ", ") + print(items[i], types, member(i));
    return out;
  };
  switch (type.kind) {
    case ValKind::boolean:
      return value.asBool() ? "true" : "false";
    case ValKind::s8:
    case ValKind::s16:
    case ValKind::s32:
    case ValKind::s64:
      return std::to_string(value.asS64());
    case ValKind::u8:
    case ValKind::u16:
    case ValKind::u32:
    case ValKind::u64:
      return std::to_string(value.asU64());
    case ValKind::f32:
    case ValKind::f64: {
      const double f = type.kind == ValKind::f32 ? value.asF32() : value.asF64();
      if (std::isnan(f))
        return "nan";
      if (std::isinf(f))
        return f > 0 ? "inf" : "-inf";
      char text[64];
      std::snprintf(text, sizeof text, "%.17g", f);
      return text;
    }
    case ValKind::character: {
      std::string text;
      appendUtf8(text, value.asChar());
      return escaped(text, '\'');
    }
    case ValKind::string:
      return escaped(value.text(), '"');
    case ValKind::list:
    case ValKind::fixedList: {
      if (value.isByteList()) {
        std::string out = "[";
        for (std::size_t i = 0; i < value.text().size(); ++i)
          out += (i == 0 ? "" : ", ") +
                 (types[type.element].kind == ValKind::s8
                      ? std::to_string(static_cast<std::int8_t>(value.text()[i]))
                      : std::to_string(static_cast<std::uint8_t>(value.text()[i])));
        return out + "]";
      }
      return "[" + joined(value.items(), [&](std::size_t) { return type.element; }) + "]";
    }
    case ValKind::tuple:
      return "(" + joined(value.items(), [&](std::size_t i) { return *type.members[i]; }) + ")";
    case ValKind::record: {
      std::string out = "{";
      for (std::size_t i = 0; i < value.items().size(); ++i)
        out += (i == 0 ? "" : ", ") + type.labels[i] + ": " +
               print(value.items()[i], types, *type.members[i]);
      return out + "}";
    }
    case ValKind::flags: {
      std::string out = "{";
      bool first = true;
      for (std::size_t i = 0; i < type.labels.size(); ++i) {
        if ((value.asU32() >> i & 1U) != 0) {
          out += (first ? "" : ", ") + type.labels[i];
          first = false;
        }
      }
      return out + "}";
    }
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      const std::uint32_t index = value.caseIndex();
      std::string name = type.kind == ValKind::option   ? (index == 0 ? "none" : "some")
                         : type.kind == ValKind::result ? (index == 0 ? "ok" : "err")
                                                        : type.labels[index];
      if (value.payload() != nullptr && type.members[index])
        name += "(" + print(*value.payload(), types, *type.members[index]) + ")";
      return name;
    }
    case ValKind::own:
    case ValKind::borrow:
      return "<resource " + std::to_string(value.rep()) + ">";
  }
  return "?";
}

}  // namespace wasmesh::wasm::component
