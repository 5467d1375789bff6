#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "wasmesh/deploy/Injector.h"
#include "wasmesh/deploy/InjectorOptions.h"

namespace wasmesh::deploy::test {

// Not a real certificate: inject copies the text; only the CLI and the injector check it.
inline constexpr const char* kTestAnchors =
    "-----BEGIN CERTIFICATE-----\nTESTANCHOR\n-----END CERTIFICATE-----\n";

inline InjectorOptions testOptions() {
  InjectorOptions options;
  options.trustAnchorsPem = kTestAnchors;
  options.version = "0.1.0";
  return options;
}

std::string readFile(const std::string& path);
std::vector<boost::json::value> readManifests(const std::string& text);
// The env entry named `name` of a container, or null.
const boost::json::value* findEnv(const boost::json::object& container, std::string_view name);
// The container named `name` in spec[list], or null.
const boost::json::object* findContainer(const boost::json::object& spec, std::string_view list,
                                         std::string_view name);

}  // namespace wasmesh::deploy::test
