#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wasmesh::deploy {

// Looks up wasmesh's annotations on a pod template and its namespace, Linkerd's names
// included: `config.wasmesh.io/<name>` first, then `config.linkerd.io/<name>` and
// `config.alpha.linkerd.io/<name>`; the pod's before the namespace's. (`wasmesh.io/inject`
// and `linkerd.io/inject` likewise.)
class AnnotationReader {
 public:
  static constexpr std::string_view kConfigPrefix = "config.wasmesh.io/";
  static constexpr std::string_view kInjectAnnotation = "wasmesh.io/inject";

  // One annotation found: its full key, its value (surrounding blanks trimmed) and where
  // it was set, for messages ("Deployment shop/web" or "Namespace shop").
  struct Found {
    std::string key;
    std::string value;
    std::string setOn;
    bool fromNamespace = false;
  };

  // Either object may be null. The names are for messages.
  AnnotationReader(const boost::json::object* pod, const boost::json::object* ns,
                   std::string podObjectName, std::string namespaceObjectName);

  std::optional<Found> config(std::string_view name) const;
  std::optional<Found> inject() const;

  // `config.wasmesh.io/` annotations wasmesh does not know: typos, refused by the caller.
  std::vector<std::string> unknownWasmeshAnnotations(
      const std::vector<std::string_view>& known) const;
  // Linkerd annotations wasmesh does not implement: ignored with a warning each.
  std::vector<std::string> unsupportedLinkerdAnnotations(
      const std::vector<std::string_view>& known) const;

  const std::string& podObjectName() const noexcept { return podObjectName_; }

  // "annotation config.wasmesh.io/x" or "annotation config.wasmesh.io/x (from Namespace shop)".
  static std::string describe(const Found& found);

 private:
  std::optional<Found> lookup(const std::vector<std::string>& keys) const;

  const boost::json::object* pod_;
  const boost::json::object* ns_;
  std::string podObjectName_;
  std::string namespaceObjectName_;
};

}  // namespace wasmesh::deploy
