#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "wasmesh/deploy/Checked.h"
#include "wasmesh/deploy/Injector.h"

namespace wasmesh::deploy {

// `wasmesh inject` and `uninject` over whole manifests: every document (and every item of a
// `List`) is visited; the pod templates of Pod, Deployment, StatefulSet, DaemonSet,
// ReplicaSet, ReplicationController, Job and CronJob are changed, anything else is passed
// through untouched. Namespace documents in the same input lend their annotations to the
// workloads in them, as the cluster's would.
class ManifestInjector {
 public:
  explicit ManifestInjector(const Injector& injector) : injector_(injector) {}

  struct Report {
    // One line per object, for stderr: "Deployment shop/web: injected".
    std::vector<std::string> lines;
    std::vector<std::string> warnings;
  };

  // Changes `documents` in place only when every object succeeds; the first refusal is
  // the error, and `documents` stays as it was.
  Checked<Report> inject(std::vector<boost::json::value>& documents) const;
  Checked<Report> uninject(std::vector<boost::json::value>& documents) const;

 private:
  Checked<Report> visit(std::vector<boost::json::value>& documents, bool injecting) const;

  const Injector& injector_;
};

}  // namespace wasmesh::deploy
