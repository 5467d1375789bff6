#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "wasmesh/deploy/Checked.h"
#include "wasmesh/identity/KubernetesApiClient.h"

namespace wasmesh::deploy {

// Where the webhook learns a namespace's annotations (pods inherit them).
class NamespaceAnnotations {
 public:
  virtual ~NamespaceAnnotations() = default;
  // The annotations (empty when there are none), or why they could not be read.
  virtual boost::asio::awaitable<Checked<boost::json::object>> annotations(std::string ns) = 0;
};

// GET /api/v1/namespaces/<ns> for every pod: a namespace's annotations may change at any time
// and a pod is created once, so nothing is cached. Needs RBAC `get` on namespaces.
class KubernetesNamespaces final : public NamespaceAnnotations {
 public:
  explicit KubernetesNamespaces(identity::KubernetesApi api) : client_(std::move(api)) {}
  boost::asio::awaitable<Checked<boost::json::object>> annotations(std::string ns) override;

 private:
  identity::KubernetesApiClient client_;
};

}  // namespace wasmesh::deploy
