#include "wasmesh/deploy/JsonPatch.h"

#include <algorithm>
#include <boost/json.hpp>
#include <string>

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;

std::vector<std::string> segments(std::string_view pointer) {
  std::vector<std::string> out;
  std::size_t start = 1;
  while (start <= pointer.size() && !pointer.empty()) {
    auto end = pointer.find('/', start);
    if (end == std::string_view::npos)
      end = pointer.size();
    std::string segment(pointer.substr(start, end - start));
    // RFC 6901 escapes: ~1 is '/', ~0 is '~' (in that order).
    for (std::size_t at = segment.find("~1"); at != std::string::npos; at = segment.find("~1", at))
      segment.replace(at, 2, "/");
    for (std::size_t at = segment.find("~0"); at != std::string::npos; at = segment.find("~0", at))
      segment.replace(at, 2, "~");
    out.push_back(std::move(segment));
    start = end + 1;
  }
  return out;
}

std::string pointerOf(const std::vector<std::string>& parts, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string escaped;
    for (const char c : parts[i]) {
      if (c == '~')
        escaped += "~0";
      else if (c == '/')
        escaped += "~1";
      else
        escaped += c;
    }
    out += "/" + escaped;
  }
  return out;
}

const json::value* find(const json::object& root, const std::vector<std::string>& parts,
                        std::size_t count) {
  const json::object* object = &root;
  const json::value* value = nullptr;
  for (std::size_t i = 0; i < count; ++i) {
    if (object == nullptr)
      return nullptr;
    value = object->if_contains(parts[i]);
    if (value == nullptr)
      return nullptr;
    object = value->is_object() ? &value->get_object() : nullptr;
  }
  return value;
}

json::object operation(std::string_view op, const std::string& path) {
  return {{"op", op}, {"path", path}};
}

}  // namespace

json::array JsonPatch::diff(const json::object& before, const json::object& after,
                            const std::vector<std::string_view>& paths) {
  json::array patch;
  std::vector<std::string> done;
  for (const auto path : paths) {
    const auto parts = segments(path);
    // The shallowest level missing before decides where an add goes.
    std::size_t depth = 1;
    while (depth < parts.size() && find(before, parts, depth) != nullptr)
      ++depth;
    const auto* old = find(before, parts, depth);
    const auto* now = find(after, parts, depth);
    const auto pointer = pointerOf(parts, depth);
    if (std::find(done.begin(), done.end(), pointer) != done.end())
      continue;  // a missing parent, already added whole
    done.push_back(pointer);
    if (old == nullptr && now != nullptr) {
      auto op = operation("add", pointer);
      op["value"] = *now;
      patch.push_back(std::move(op));
    } else if (old != nullptr && now == nullptr) {
      patch.push_back(operation("remove", pointer));
    } else if (old != nullptr && now != nullptr && *old != *now) {
      auto op = operation("replace", pointer);
      op["value"] = *now;
      patch.push_back(std::move(op));
    }
  }
  return patch;
}

Checked<void> JsonPatch::apply(json::value& document, const json::array& patch) {
  for (const auto& entry : patch) {
    if (!entry.is_object())
      return refusal("a patch operation is not an object");
    const auto& op = entry.get_object();
    const auto* name = op.if_contains("op");
    const auto* path = op.if_contains("path");
    if (name == nullptr || !name->is_string() || path == nullptr || !path->is_string())
      return refusal("a patch operation lacks op or path");
    const std::string pointer(path->get_string());
    const auto parts = segments(pointer);
    if (parts.empty())
      return refusal(pointer + ": the whole document cannot be patched here");
    json::value* parent = &document;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!parent->is_object() || !parent->get_object().contains(parts[i]))
        return refusal(pointer + ": no such parent");
      parent = &parent->get_object()[parts[i]];
    }
    if (!parent->is_object())
      return refusal(pointer + ": the parent is not an object");
    auto& object = parent->get_object();
    const auto& key = parts.back();
    if (name->get_string() == "remove") {
      if (object.erase(key) == 0)
        return refusal(pointer + ": nothing to remove");
    } else if (name->get_string() == "add" || name->get_string() == "replace") {
      const auto* value = op.if_contains("value");
      if (value == nullptr)
        return refusal(pointer + ": no value");
      if (name->get_string() == "replace" && !object.contains(key))
        return refusal(pointer + ": nothing to replace");
      object[key] = *value;
    } else {
      return refusal(pointer + ": unsupported operation " + std::string(name->get_string()));
    }
  }
  return {};
}

}  // namespace wasmesh::deploy
