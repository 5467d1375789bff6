#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "wasmesh/proxy/Config.h"

namespace wasmesh::proxy {

// Thrown only at start-up; main prints what() as one line and exits 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Environment variables as a name → value map, so tests need not touch the process's own.
using Environment = std::map<std::string, std::string>;
Environment processEnvironment();

// Defaults, then the YAML file (if any), then WASMESH_<SECTION>_<KEY> variables, then
// cross-field checks. Every failure names the key and the offending value.
Config loadConfig(const std::optional<std::string>& path, const Environment& environment);
Config loadConfigFromString(const std::string& yaml, const Environment& environment);

// The built-in defaults rendered as YAML: what `wasmesh proxy --print-defaults` shows.
std::string defaultConfigYaml();

}  // namespace wasmesh::proxy
