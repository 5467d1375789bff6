#include "InjectTestSupport.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "wasmesh/deploy/YamlJson.h"

namespace wasmesh::deploy::test {

std::string readFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  return buffer.str();
}

std::vector<boost::json::value> readManifests(const std::string& text) {
  YamlJson::Format format{};
  auto documents = YamlJson::read(text, format);
  if (!documents)
    ADD_FAILURE() << documents.error();
  return documents ? *documents : std::vector<boost::json::value>{};
}

const boost::json::value* findEnv(const boost::json::object& container, std::string_view name) {
  const auto* env = container.if_contains("env");
  if (env == nullptr || !env->is_array())
    return nullptr;
  for (const auto& entry : env->get_array()) {
    if (entry.get_object().at("name").get_string() == name)
      return entry.get_object().if_contains("value");
  }
  return nullptr;
}

const boost::json::object* findContainer(const boost::json::object& spec, std::string_view list,
                                         std::string_view name) {
  const auto* containers = spec.if_contains(list);
  if (containers == nullptr || !containers->is_array())
    return nullptr;
  for (const auto& container : containers->get_array()) {
    if (container.get_object().at("name").get_string() == name)
      return &container.get_object();
  }
  return nullptr;
}

}  // namespace wasmesh::deploy::test
