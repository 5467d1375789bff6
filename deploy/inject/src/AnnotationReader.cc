#include "wasmesh/deploy/AnnotationReader.h"

#include <algorithm>
#include <boost/json.hpp>

namespace wasmesh::deploy {
namespace {

constexpr std::string_view kLinkerdPrefixes[] = {"config.linkerd.io/", "config.alpha.linkerd.io/"};

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos)
    return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// Values of annotations are strings; anything else (a YAML number written without quotes)
// is read as its JSON text so the caller can name it in a refusal.
std::string valueText(const boost::json::value& value) {
  if (value.is_string())
    return trimmed(value.get_string());
  return boost::json::serialize(value);
}

std::vector<std::string> withPrefixOutside(const boost::json::object* annotations,
                                           std::string_view prefix,
                                           const std::vector<std::string_view>& known) {
  std::vector<std::string> out;
  if (annotations == nullptr)
    return out;
  for (const auto& entry : *annotations) {
    const std::string_view key = entry.key();
    if (!key.starts_with(prefix))
      continue;
    const auto name = key.substr(prefix.size());
    if (std::find(known.begin(), known.end(), name) == known.end())
      out.emplace_back(key);
  }
  return out;
}

}  // namespace

AnnotationReader::AnnotationReader(const boost::json::object* pod, const boost::json::object* ns,
                                   std::string podObjectName, std::string namespaceObjectName)
    : pod_(pod),
      ns_(ns),
      podObjectName_(std::move(podObjectName)),
      namespaceObjectName_(std::move(namespaceObjectName)) {}

std::optional<AnnotationReader::Found> AnnotationReader::lookup(
    const std::vector<std::string>& keys) const {
  for (const auto* annotations : {pod_, ns_}) {
    if (annotations == nullptr)
      continue;
    for (const auto& key : keys) {
      if (const auto* value = annotations->if_contains(key)) {
        const bool fromNamespace = annotations == ns_;
        return Found{key, valueText(*value), fromNamespace ? namespaceObjectName_ : podObjectName_,
                     fromNamespace};
      }
    }
  }
  return std::nullopt;
}

std::optional<AnnotationReader::Found> AnnotationReader::config(std::string_view name) const {
  std::vector<std::string> keys{std::string(kConfigPrefix) + std::string(name)};
  for (const auto prefix : kLinkerdPrefixes)
    keys.push_back(std::string(prefix) + std::string(name));
  return lookup(keys);
}

std::optional<AnnotationReader::Found> AnnotationReader::inject() const {
  return lookup({std::string(kInjectAnnotation), "linkerd.io/inject"});
}

std::vector<std::string> AnnotationReader::unknownWasmeshAnnotations(
    const std::vector<std::string_view>& known) const {
  auto out = withPrefixOutside(pod_, kConfigPrefix, known);
  for (auto& key : withPrefixOutside(ns_, kConfigPrefix, known))
    out.push_back(key + " (on " + namespaceObjectName_ + ")");
  return out;
}

std::vector<std::string> AnnotationReader::unsupportedLinkerdAnnotations(
    const std::vector<std::string_view>& known) const {
  std::vector<std::string> out;
  for (const auto prefix : kLinkerdPrefixes) {
    for (auto& key : withPrefixOutside(pod_, prefix, known))
      out.push_back(std::move(key));
    for (auto& key : withPrefixOutside(ns_, prefix, known))
      out.push_back(key + " (on " + namespaceObjectName_ + ")");
  }
  return out;
}

std::string AnnotationReader::describe(const Found& found) {
  std::string text = "annotation " + found.key;
  if (found.fromNamespace)
    text += " (from " + found.setOn + ")";
  return text;
}

}  // namespace wasmesh::deploy
