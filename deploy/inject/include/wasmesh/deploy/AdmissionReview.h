#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/deploy/Checked.h"

namespace wasmesh::deploy {

// The part of an admission.k8s.io/v1 AdmissionReview request the injector reads.
struct AdmissionRequest {
  std::string uid;
  std::string kind;  // request.kind.kind: "Pod"
  std::string group;
  std::string operation;  // CREATE, UPDATE, ...
  std::string ns;         // request.namespace: pods being created may not carry their own
  boost::json::object object;
  bool dryRun = false;
};

// Reads AdmissionReview requests and writes their responses (admission.k8s.io/v1 only: the
// MutatingWebhookConfiguration asks for v1).
class AdmissionReview {
 public:
  // A pod is well under 1 MiB (etcd's own limit is 1.5 MiB); more is refused unread.
  static constexpr std::size_t kMaxBodyBytes = std::size_t{4} << 20U;

  // Errors say what was wrong: not JSON (with where), not an AdmissionReview, another
  // apiVersion, no request or uid, an object that is not a mapping.
  static Checked<AdmissionRequest> parse(std::string_view body);

  // allowed: true, with a JSONPatch when `patch` is non-empty, and warnings kubectl shows.
  static std::string allow(std::string_view uid, const boost::json::array& patch,
                           const std::vector<std::string>& warnings);
  // allowed: false with a Status (code, message) the API server passes on to the client.
  static std::string deny(std::string_view uid, unsigned code, std::string_view message);
};

}  // namespace wasmesh::deploy
