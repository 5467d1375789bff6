#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/deploy/Checked.h"

namespace wasmesh::deploy {

// Kubernetes manifests as JSON values, read from and written to YAML or JSON text.
//
// YAML scalars are typed as Kubernetes types them (its YAML library follows YAML 1.1): plain
// `true/false/yes/no/on/off/y/n` (in lower, Title and UPPER case) are booleans, `null`, `~`
// and empty are null, decimal, 0x hex, 0o/0 octal and 0b binary integers (underscores
// allowed) are numbers, as are decimal floats; quoted scalars and everything else are
// strings. Writing quotes every string that would read back as something else, so
// read(write(x)) == x.
class YamlJson {
 public:
  // Larger inputs are refused rather than read (kubectl itself stops at a few MiB per object).
  static constexpr std::size_t kMaxInputBytes = std::size_t{32} << 20U;
  // Nodes after aliases are expanded: a "billion laughs" document stops here.
  static constexpr std::size_t kMaxNodes = 2'000'000;
  static constexpr unsigned kMaxDepth = 100;

  enum class Format { yaml, json };

  // JSON when the first non-blank byte is '{' or '[' (one value), else a YAML stream of
  // documents (empty documents are dropped). Errors name the line and column.
  static Checked<std::vector<boost::json::value>> read(std::string_view text, Format& format);
  static Checked<std::vector<boost::json::value>> readYaml(std::string_view text);
  static Checked<boost::json::value> readJson(std::string_view text);

  // YAML documents separated by "---"; multi-line strings as literal blocks.
  static std::string writeYaml(const std::vector<boost::json::value>& documents);
  // One document: pretty-printed JSON (two-space indent); several: a v1 List of them.
  static std::string writeJson(const std::vector<boost::json::value>& documents);
  static std::string write(const std::vector<boost::json::value>& documents, Format format);

  // How a plain (unquoted) YAML scalar reads: a string, number, boolean or null.
  static boost::json::value resolvePlainScalar(std::string_view text);
};

}  // namespace wasmesh::deploy
