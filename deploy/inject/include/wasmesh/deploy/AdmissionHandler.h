#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wasmesh/deploy/AdmissionReview.h"
#include "wasmesh/deploy/Checked.h"
#include "wasmesh/deploy/Injector.h"

namespace wasmesh::deploy {

// The injector's decision for one AdmissionReview, without I/O: the server reads the body,
// looks the namespace up when needsNamespace says so, and writes what answer() returns.
class AdmissionHandler {
 public:
  struct Reply {
    unsigned httpStatus = 200;
    std::string body;         // always an AdmissionReview
    const char* result = "";  // wasmesh_injector_requests_total{result}
    std::string log;          // one line for the log
  };

  explicit AdmissionHandler(const Injector& injector) : injector_(injector) {}

  // Non-pod kinds and operations other than CREATE are allowed unchanged, as are pods
  // already injected (by `wasmesh inject`, say): no namespace lookup for them.
  static bool needsNamespace(const AdmissionRequest& request);

  // A body that is not an AdmissionReview: HTTP 400 with an AdmissionReview naming what
  // was wrong (uid empty: there is none to echo).
  static Reply badRequest(std::string_view why, unsigned httpStatus = 400);

  // `namespaceAnnotations`: the namespace's annotations, or why they could not be read (then
  // HTTP 500: the API server applies the webhook's failurePolicy). A bad annotation value
  // denies the pod with a message naming it.
  Reply answer(AdmissionRequest& request,
               const Checked<boost::json::object>* namespaceAnnotations) const;

 private:
  const Injector& injector_;
};

}  // namespace wasmesh::deploy
