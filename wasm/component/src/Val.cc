#include "wasmesh/wasm/component/Val.h"

#include <cstdio>

namespace wasmesh::wasm::component {

Val Val::string(std::string text) {
  Val value(ValKind::string, 0);
  value.text_ = std::move(text);
  return value;
}

Val Val::list(std::vector<Val> items) {
  Val value(ValKind::list, 0);
  value.items_ = std::move(items);
  return value;
}

Val Val::bytes(std::string bytes) {
  Val value(ValKind::list, 0);
  value.byteList_ = true;
  value.text_ = std::move(bytes);
  return value;
}

Val Val::bytes(std::span<const std::uint8_t> bytes) {
  return Val::bytes(std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Val Val::record(std::vector<Val> fields) {
  Val value(ValKind::record, 0);
  value.items_ = std::move(fields);
  return value;
}

Val Val::tuple(std::vector<Val> items) {
  Val value(ValKind::tuple, 0);
  value.items_ = std::move(items);
  return value;
}

Val Val::variant(std::uint32_t caseIndex, std::optional<Val> payload) {
  Val value(ValKind::variant, caseIndex);
  if (payload)
    value.items_.push_back(std::move(*payload));
  return value;
}

Val Val::some(Val inner) {
  Val value(ValKind::option, 1);
  value.items_.push_back(std::move(inner));
  return value;
}

Val Val::ok(std::optional<Val> inner) {
  Val value(ValKind::result, 0);
  if (inner)
    value.items_.push_back(std::move(*inner));
  return value;
}

Val Val::err(std::optional<Val> inner) {
  Val value(ValKind::result, 1);
  if (inner)
    value.items_.push_back(std::move(*inner));
  return value;
}

namespace {

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escape[16];
      std::snprintf(escape, sizeof escape, "\\u{%x}", static_cast<unsigned>(c));
      out += escape;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string joined(const std::vector<Val>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i == 0 ? "" : ", ") + toString(items[i]);
  return out;
}

}  // namespace

std::string toString(const Val& value) {
  switch (value.kind()) {
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
      return std::to_string(value.asF32());
    case ValKind::f64:
      return std::to_string(value.asF64());
    case ValKind::character:
      return "'U+" + std::to_string(static_cast<std::uint32_t>(value.asChar())) + "'";
    case ValKind::string:
      return quoted(value.text());
    case ValKind::list:
    case ValKind::fixedList: {
      if (!value.isByteList())
        return "[" + joined(value.items()) + "]";
      std::string out = "[";
      for (std::size_t i = 0; i < value.text().size(); ++i)
        out += (i == 0 ? "" : ", ") + std::to_string(static_cast<unsigned char>(value.text()[i]));
      return out + "]";
    }
    case ValKind::record:
      return "{" + joined(value.items()) + "}";
    case ValKind::tuple:
      return "(" + joined(value.items()) + ")";
    case ValKind::variant:
    case ValKind::enumeration:
      return "case" + std::to_string(value.caseIndex()) +
             (value.payload() ? "(" + toString(*value.payload()) + ")" : "");
    case ValKind::option:
      return value.payload() ? "some(" + toString(*value.payload()) + ")" : "none";
    case ValKind::result: {
      const std::string name = value.caseIndex() == 0 ? "ok" : "err";
      return value.payload() ? name + "(" + toString(*value.payload()) + ")" : name;
    }
    case ValKind::flags:
      return "flags(" + std::to_string(value.asU32()) + ")";
    case ValKind::own:
      return "own(" + std::to_string(value.rep()) + ")";
    case ValKind::borrow:
      return "borrow(" + std::to_string(value.rep()) + ")";
  }
  return "?";
}

}  // namespace wasmesh::wasm::component
