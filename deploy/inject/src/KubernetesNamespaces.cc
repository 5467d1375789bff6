#include <boost/json.hpp>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/deploy/NamespaceAnnotations.h"
#include "wasmesh/deploy/YamlJson.h"

namespace wasmesh::deploy {

boost::asio::awaitable<Checked<boost::json::object>> KubernetesNamespaces::annotations(
    std::string ns) {
  // The name goes into a URL: only what Kubernetes allows for a namespace.
  if (!isDnsLabel(ns))
    co_return refusal("\"" + ns + "\" is not a namespace name");
  auto answer = co_await client_.request("GET", "/api/v1/namespaces/" + ns, "");
  if (!answer)
    co_return refusal("Kubernetes API: " + answer.error());
  if (answer->status != 200)
    co_return refusal(
        "Kubernetes API: HTTP " + std::to_string(answer->status) +
        (answer->status == 403 ? " (may the injector's account get namespaces?)" : ""));
  auto parsed = YamlJson::readJson(answer->body);
  if (!parsed || !parsed->is_object())
    co_return refusal("Kubernetes API: the answer is not a Namespace");
  const auto* metadata = parsed->get_object().if_contains("metadata");
  if (metadata == nullptr || !metadata->is_object())
    co_return refusal("Kubernetes API: the Namespace has no metadata");
  const auto* annotations = metadata->get_object().if_contains("annotations");
  if (annotations == nullptr || annotations->is_null())
    co_return Checked<boost::json::object>(boost::system::in_place_value);
  if (!annotations->is_object())
    co_return refusal("Kubernetes API: the Namespace's annotations are not a mapping");
  co_return Checked<boost::json::object>(boost::system::in_place_value, annotations->get_object());
}

}  // namespace wasmesh::deploy
