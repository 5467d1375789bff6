#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/deploy/Checked.h"
#include "wasmesh/deploy/InjectorOptions.h"

namespace wasmesh::deploy {

// One pod template inside a manifest (or a pod in an AdmissionReview), changed in place.
struct PodTemplate {
  boost::json::object* metadata = nullptr;  // the template's metadata (created if absent)
  boost::json::object* spec = nullptr;      // the pod spec
  std::string objectName;                   // for messages: "Deployment shop/web"
  std::string ns;                           // empty when the manifest does not say
  // The workload the pods belong to, for the wasmesh.io/proxy-<kind> label Prometheus
  // turns into a `deployment`, `statefulset`... label; empty for a bare pod.
  std::string ownerKind;  // lower case: deployment, statefulset, daemonset, job, cronjob...
  std::string ownerName;
};

struct InjectOutcome {
  bool injected = false;  // false: left as it was, `note` says why
  std::string note;
  std::vector<std::string> warnings;
};

// Adds the sidecar to pod templates and removes it again (docs/kubernetes.md).
class Injector {
 public:
  explicit Injector(InjectorOptions options) : options_(std::move(options)) {}

  // Injects when the annotations (pod's, else the namespace's) say enabled, or with
  // options.manual unless they say disabled. kube-system and hostNetwork pods are left as
  // they are with a note saying why. An injected template is first uninjected, so
  // re-injecting is idempotent and follows changed annotations. Refusals (bad annotation
  // values, names already taken, no trust anchors) leave the template unchanged.
  Checked<InjectOutcome> inject(PodTemplate& pod, const boost::json::object* namespaceAnnotations,
                                std::string_view namespaceObjectName) const;

  // Removes exactly what inject added; true when there was something.
  static bool uninject(PodTemplate& pod);
  static bool isInjected(const boost::json::object& metadata);

  const InjectorOptions& options() const noexcept { return options_; }

 private:
  InjectorOptions options_;
};

}  // namespace wasmesh::deploy
