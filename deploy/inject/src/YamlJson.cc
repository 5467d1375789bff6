#include "wasmesh/deploy/YamlJson.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;

bool isOneOf(std::string_view text, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), text) != words.end();
}

// Integer digits in `base`, underscores allowed between them (YAML 1.1), as a JSON number.
std::optional<json::value> integerValue(std::string_view digits, int base, bool negative) {
  std::string clean;
  for (const char c : digits) {
    if (c != '_')
      clean.push_back(c);
  }
  if (clean.empty() || digits.front() == '_')
    return std::nullopt;
  std::uint64_t magnitude = 0;
  const auto [end, error] =
      std::from_chars(clean.data(), clean.data() + clean.size(), magnitude, base);
  if (end != clean.data() + clean.size())
    return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    // Beyond 64 bits: a float, as Kubernetes' YAML library reads it.
    double approximate = 0;
    for (const char c : clean)
      approximate = approximate * base + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    return json::value(negative ? -approximate : approximate);
  }
  if (!negative)
    return magnitude <= std::uint64_t{INT64_MAX} ? json::value(static_cast<std::int64_t>(magnitude))
                                                 : json::value(magnitude);
  if (magnitude <= std::uint64_t{INT64_MAX})
    return json::value(-static_cast<std::int64_t>(magnitude));
  if (magnitude == std::uint64_t{INT64_MAX} + 1)
    return json::value(INT64_MIN);
  return json::value(-static_cast<double>(magnitude));
}

std::optional<json::value> numberValue(std::string_view text) {
  bool negative = false;
  std::string_view body = text;
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body.empty())
    return std::nullopt;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X'))
    return integerValue(body.substr(2), 16, negative);
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B'))
    return integerValue(body.substr(2), 2, negative);
  if (body.size() > 2 && body[0] == '0' && body[1] == 'o')
    return integerValue(body.substr(2), 8, negative);
  const bool allDigits = std::all_of(body.begin(), body.end(),
                                     [](char c) { return (c >= '0' && c <= '9') || c == '_'; });
  if (allDigits)
    return integerValue(body, body.size() > 1 && body[0] == '0' ? 8 : 10, negative);
  // A float: digits with a point and/or an exponent, nothing else.
  std::size_t i = 0;
  std::size_t mantissaDigits = 0;
  while (i < body.size() && ((body[i] >= '0' && body[i] <= '9') || body[i] == '_')) {
    mantissaDigits += body[i] != '_' ? 1 : 0;
    ++i;
  }
  bool point = false;
  if (i < body.size() && body[i] == '.') {
    point = true;
    ++i;
    while (i < body.size() && ((body[i] >= '0' && body[i] <= '9') || body[i] == '_')) {
      mantissaDigits += body[i] != '_' ? 1 : 0;
      ++i;
    }
  }
  bool exponent = false;
  if (mantissaDigits > 0 && i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < body.size() && (body[j] == '+' || body[j] == '-'))
      ++j;
    const std::size_t digitsStart = j;
    while (j < body.size() && body[j] >= '0' && body[j] <= '9')
      ++j;
    if (j == digitsStart)
      return std::nullopt;
    exponent = true;
    i = j;
  }
  if (i != body.size() || mantissaDigits == 0 || (!point && !exponent))
    return std::nullopt;
  std::string clean;
  for (const char c : body) {
    if (c != '_')
      clean.push_back(c);
  }
  double value = 0;
  const auto [end, error] = std::from_chars(clean.data(), clean.data() + clean.size(), value);
  if (end != clean.data() + clean.size() || error != std::errc{} || !std::isfinite(value))
    return std::nullopt;
  return json::value(negative ? -value : value);
}

std::string where(const YAML::Mark& mark) {
  if (mark.is_null())
    return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
         ": ";
}

// yaml-cpp nodes to JSON, counting nodes (aliases share nodes: expanding them is where a
// small document can grow without bound) and depth.
class Converter {
 public:
  Checked<json::value> convert(const YAML::Node& node, unsigned depth) {
    if (++nodes_ > YamlJson::kMaxNodes)
      return error(node, "more than " + std::to_string(YamlJson::kMaxNodes) +
                             " values (aliases expanding without bound?)");
    if (depth > YamlJson::kMaxDepth)
      return error(node, "nested deeper than " + std::to_string(YamlJson::kMaxDepth) + " levels");
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return json::value(nullptr);
      case YAML::NodeType::Scalar:
        return scalar(node);
      case YAML::NodeType::Sequence: {
        json::array out;
        out.reserve(node.size());
        for (const auto& item : node) {
          auto value = convert(item, depth + 1);
          if (!value)
            return value;
          out.push_back(std::move(*value));
        }
        return json::value(std::move(out));
      }
      case YAML::NodeType::Map: {
        json::object out;
        for (const auto& entry : node) {
          if (!entry.first.IsScalar())
            return error(entry.first, "a mapping key must be a plain value");
          const auto& key = entry.first.Scalar();
          if (out.contains(key))
            return error(entry.first, "the key \"" + key + "\" appears twice in one mapping");
          auto value = convert(entry.second, depth + 1);
          if (!value)
            return value;
          out.emplace(key, std::move(*value));
        }
        return json::value(std::move(out));
      }
    }
    return error(node, "unexpected YAML node");
  }

 private:
  static Checked<json::value> error(const YAML::Node& node, const std::string& why) {
    return {boost::system::in_place_error, where(node.Mark()) + why};
  }

  static Checked<json::value> scalar(const YAML::Node& node) {
    const auto& tag = node.Tag();
    const auto& text = node.Scalar();
    if (tag == "!" || tag == "tag:yaml.org,2002:str")
      return json::value(text);
    auto resolved = YamlJson::resolvePlainScalar(text);
    if (tag == "?" || tag.empty())
      return resolved;
    const std::pair<std::string_view, bool (json::value::*)() const noexcept> typed[] = {
        {"tag:yaml.org,2002:int", &json::value::is_int64},
        {"tag:yaml.org,2002:bool", &json::value::is_bool},
        {"tag:yaml.org,2002:null", &json::value::is_null},
        {"tag:yaml.org,2002:float", &json::value::is_number}};
    for (const auto& [name, check] : typed) {
      if (tag == name) {
        if (!(resolved.*check)() && !(name.ends_with("int") && resolved.is_uint64()))
          return error(node, "\"" + text + "\" is not a " + std::string(name.substr(18)));
        return resolved;
      }
    }
    return error(node, "the tag " + tag + " is not supported");
  }

  std::size_t nodes_ = 0;
};

bool needsQuotes(const std::string& text) {
  return !YamlJson::resolvePlainScalar(text).is_string();
}

void emitString(YAML::Emitter& out, const std::string& text) {
  // A literal block keeps PEM text readable; yaml-cpp writes it with the default "clip"
  // chomping, which reads back as exactly one final newline, so only such strings use it.
  const bool literal =
      text.size() > 1 && text.back() == '\n' && text[text.size() - 2] != '\n' &&
      text.find('\r') == std::string::npos && text.front() != ' ' &&
      text.find("\n ") == std::string::npos && text.find('\t') == std::string::npos &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= 0x20 || c == '\n'; });
  if (literal)
    out << YAML::Literal << text;
  else if (needsQuotes(text))
    out << YAML::DoubleQuoted << text;
  else
    out << text;
}

void emitValue(YAML::Emitter& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: {
      const auto& object = value.get_object();
      if (object.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (const auto& entry : object) {
        out << YAML::Key;
        emitString(out, std::string(entry.key()));
        out << YAML::Value;
        emitValue(out, entry.value());
      }
      out << YAML::EndMap;
      return;
    }
    case json::kind::array: {
      const auto& array = value.get_array();
      if (array.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& item : array)
        emitValue(out, item);
      out << YAML::EndSeq;
      return;
    }
    case json::kind::string:
      emitString(out, std::string(value.get_string()));
      return;
    case json::kind::int64:
      out << value.get_int64();
      return;
    case json::kind::uint64:
      out << value.get_uint64();
      return;
    case json::kind::double_: {
      std::array<char, 64> buffer{};
      const auto [end, error] =
          std::to_chars(buffer.data(), buffer.data() + buffer.size(), value.get_double());
      std::string text(buffer.data(), error == std::errc{} ? end : buffer.data());
      if (text.find_first_of(".eE") == std::string::npos)
        text += ".0";  // still a float when read back
      out << text;
      return;
    }
    case json::kind::bool_:
      out << (value.get_bool() ? "true" : "false");
      return;
    case json::kind::null:
      out << YAML::Null;
      return;
  }
}

void writeIndent(std::string& out, unsigned depth) {
  out.append(std::size_t{depth} * 2, ' ');
}

void writePrettyJson(std::string& out, const json::value& value, unsigned depth) {
  if (value.is_object() && !value.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& entry : value.get_object()) {
      if (!first)
        out += ",\n";
      first = false;
      writeIndent(out, depth + 1);
      out += json::serialize(json::string_view(entry.key()));
      out += ": ";
      writePrettyJson(out, entry.value(), depth + 1);
    }
    out += "\n";
    writeIndent(out, depth);
    out += "}";
  } else if (value.is_array() && !value.get_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : value.get_array()) {
      if (!first)
        out += ",\n";
      first = false;
      writeIndent(out, depth + 1);
      writePrettyJson(out, item, depth + 1);
    }
    out += "\n";
    writeIndent(out, depth);
    out += "]";
  } else {
    out += json::serialize(value);
  }
}

}  // namespace

json::value YamlJson::resolvePlainScalar(std::string_view text) {
  if (isOneOf(text, {"", "~", "null", "Null", "NULL"}))
    return nullptr;
  if (isOneOf(text, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}))
    return true;
  if (isOneOf(text, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}))
    return false;
  if (auto number = numberValue(text))
    return std::move(*number);
  return json::value(json::string(text));
}

Checked<std::vector<json::value>> YamlJson::readYaml(std::string_view text) {
  if (text.size() > kMaxInputBytes)
    return {boost::system::in_place_error,
            "the input is larger than " + std::to_string(kMaxInputBytes >> 20U) + " MiB"};
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& error) {
    return {boost::system::in_place_error, "not YAML: " + where(error.mark) + error.msg};
  }
  std::vector<json::value> documents;
  Converter converter;
  for (const auto& node : nodes) {
    if (node.IsNull())
      continue;  // "---" followed by nothing, or a comment-only document
    auto value = converter.convert(node, 0);
    if (!value)
      return {boost::system::in_place_error, "not a manifest: " + value.error()};
    documents.push_back(std::move(*value));
  }
  return documents;
}

Checked<json::value> YamlJson::readJson(std::string_view text) {
  if (text.size() > kMaxInputBytes)
    return {boost::system::in_place_error,
            "the input is larger than " + std::to_string(kMaxInputBytes >> 20U) + " MiB"};
  json::parse_options options;
  options.max_depth = kMaxDepth;
  json::stream_parser parser({}, options);
  boost::system::error_code error;
  const auto consumed = parser.write_some(text.data(), text.size(), error);
  if (!error && consumed == text.size())
    parser.finish(error);
  if (!error && consumed < text.size() &&
      text.find_first_not_of(" \t\r\n", consumed) != std::string_view::npos) {
    return {boost::system::in_place_error,
            "not JSON: unexpected text after the value at byte " + std::to_string(consumed + 1)};
  }
  if (error) {
    const auto prefix = text.substr(0, std::min(consumed, text.size()));
    const auto line = std::count(prefix.begin(), prefix.end(), '\n') + 1;
    const auto lastNewline = prefix.rfind('\n');
    const auto column =
        consumed - (lastNewline == std::string_view::npos ? 0 : lastNewline + 1) + 1;
    return {boost::system::in_place_error, "not JSON: line " + std::to_string(line) + ", column " +
                                               std::to_string(column) + ": " + error.message()};
  }
  return parser.release();
}

Checked<std::vector<json::value>> YamlJson::read(std::string_view text, Format& format) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (text[first] == '{' || text[first] == '[')) {
    format = Format::json;
    auto value = readJson(text);
    if (!value)
      return refusal(value.error());
    return std::vector<json::value>{std::move(*value)};
  }
  format = Format::yaml;
  return readYaml(text);
}

std::string YamlJson::writeYaml(const std::vector<json::value>& documents) {
  std::string out;
  for (const auto& document : documents) {
    YAML::Emitter emitter;
    emitter.SetNullFormat(YAML::LowerNull);
    emitValue(emitter, document);
    out += "---\n";
    out += emitter.c_str();
    out += "\n";
  }
  return out;
}

std::string YamlJson::writeJson(const std::vector<json::value>& documents) {
  std::string out;
  if (documents.size() == 1) {
    writePrettyJson(out, documents.front(), 0);
  } else {
    json::object list{{"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array{}}};
    auto& items = list["items"].get_array();
    for (const auto& document : documents)
      items.push_back(document);
    writePrettyJson(out, list, 0);
  }
  out += "\n";
  return out;
}

std::string YamlJson::write(const std::vector<json::value>& documents, Format format) {
  return format == Format::json ? writeJson(documents) : writeYaml(documents);
}

}  // namespace wasmesh::deploy
