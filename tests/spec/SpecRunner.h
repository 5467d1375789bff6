#pragma once

#include <boost/json/object.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "wasmesh/wasm/Engine.h"
#include "wasmesh/wasm/engines/EngineFactory.h"

namespace wasmesh::wasm::spec {

struct FileResult {
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  std::vector<std::string> failures;  // "line 12: why"
  std::map<std::string, int> skipReasons;
};

// Runs the commands of one wast2json output file through the engine interface on a fresh
// engine: modules are loaded and instantiated, registered under their names, and every
// assertion is checked against what the engine answers.
class SpecRunner {
 public:
  SpecRunner(EngineKind engine, std::vector<std::uint8_t> spectestModule);

  FileResult run(const std::filesystem::path& json);

 private:
  struct Outcome {
    enum class Kind { pass, fail, skip };
    Kind kind = Kind::pass;
    std::string why;
  };

  Outcome module(const std::filesystem::path& directory, const boost::json::object& command);
  Outcome assertReturn(const boost::json::object& command);
  Outcome assertTrap(const boost::json::object& command, bool exhaustion);
  Outcome assertModuleFails(const std::filesystem::path& directory,
                            const boost::json::object& command);
  Outcome action(const boost::json::object& command);
  Outcome registerAs(const boost::json::object& command);

  // Runs an invoke or get action; nullopt result with a skip reason when it cannot be run.
  struct ActionResult {
    std::optional<WasmResult<std::vector<Value>>> result;
    std::string skip;
  };
  ActionResult perform(const boost::json::object& action);
  std::shared_ptr<Instance> instanceFor(const boost::json::object& action);

  EngineKind kind_;
  std::vector<std::uint8_t> spectestModule_;
  std::unique_ptr<Engine> engine_;
  Imports imports_;
  std::shared_ptr<Instance> current_;
  std::map<std::string, std::shared_ptr<Instance>> named_;
};

}  // namespace wasmesh::wasm::spec
