#include "SpecRunner.h"

#include <boost/json/parse.hpp>
#include <fstream>
#include <iterator>

#include "SpecValues.h"

namespace wasmesh::wasm::spec {
namespace {

std::string_view text(const boost::json::object& json, std::string_view key) {
  const auto* found = json.if_contains(key);
  return found != nullptr && found->is_string() ? std::string_view(found->get_string())
                                                : std::string_view();
}

std::optional<std::vector<std::uint8_t>> readBytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return std::nullopt;
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(file), {});
}

}  // namespace

SpecRunner::SpecRunner(EngineKind engine, std::vector<std::uint8_t> spectestModule)
    : kind_(engine), spectestModule_(std::move(spectestModule)) {}

FileResult SpecRunner::run(const std::filesystem::path& json) {
  FileResult result;
  imports_ = Imports{};
  current_.reset();
  named_.clear();
  auto engine = makeEngine(kind_);
  if (!engine) {
    result.failed = 1;
    result.failures.push_back(engine.error().describe());
    return result;
  }
  engine_ = std::move(*engine);
  auto spectest = engine_->load(spectestModule_, {});
  auto spectestInstance = spectest ? (*spectest)->instantiate({}) : spectest.error();
  if (!spectestInstance) {
    result.failed = 1;
    result.failures.push_back("spectest module: " + spectestInstance.error().describe());
    return result;
  }
  imports_.registerInstance("spectest", *spectestInstance);

  std::ifstream file(json);
  const std::string contents{std::istreambuf_iterator<char>(file), {}};
  boost::system::error_code parseError;
  auto document = boost::json::parse(contents, parseError);
  if (parseError || !document.is_object()) {
    result.failed = 1;
    result.failures.push_back("cannot parse " + json.string());
    return result;
  }
  const auto directory = json.parent_path();
  for (const auto& entry : document.as_object().at("commands").as_array()) {
    const auto& command = entry.as_object();
    const auto type = text(command, "type");
    Outcome outcome;
    if (type == "module")
      outcome = module(directory, command);
    else if (type == "assert_return")
      outcome = assertReturn(command);
    else if (type == "assert_trap")
      outcome = assertTrap(command, false);
    else if (type == "assert_exhaustion")
      outcome = assertTrap(command, true);
    else if (type == "assert_invalid" || type == "assert_malformed" ||
             type == "assert_unlinkable" || type == "assert_uninstantiable")
      outcome = assertModuleFails(directory, command);
    else if (type == "action")
      outcome = action(command);
    else if (type == "register")
      outcome = registerAs(command);
    else
      outcome = {Outcome::Kind::skip, "command " + std::string(type)};
    const auto line = command.at("line").to_number<std::int64_t>();
    switch (outcome.kind) {
      case Outcome::Kind::pass:
        ++result.passed;
        break;
      case Outcome::Kind::fail:
        ++result.failed;
        result.failures.push_back("line " + std::to_string(line) + ": " + std::string(type) + ": " +
                                  outcome.why);
        break;
      case Outcome::Kind::skip:
        ++result.skipped;
        ++result.skipReasons[outcome.why];
        break;
    }
  }
  return result;
}

SpecRunner::Outcome SpecRunner::module(const std::filesystem::path& directory,
                                       const boost::json::object& command) {
  current_.reset();
  auto bytes = readBytes(directory / std::string(text(command, "filename")));
  if (!bytes)
    return {Outcome::Kind::fail, "missing module file"};
  auto loaded = engine_->load(*bytes, {});
  if (!loaded)
    return {Outcome::Kind::fail, loaded.error().describe()};
  auto instance = (*loaded)->instantiate(imports_);
  if (!instance)
    return {Outcome::Kind::fail, instance.error().describe()};
  current_ = *instance;
  if (const auto name = text(command, "name"); !name.empty())
    named_[std::string(name)] = current_;
  return {};
}

std::shared_ptr<Instance> SpecRunner::instanceFor(const boost::json::object& action) {
  if (const auto name = text(action, "module"); !name.empty()) {
    auto found = named_.find(std::string(name));
    return found == named_.end() ? nullptr : found->second;
  }
  return current_;
}

SpecRunner::ActionResult SpecRunner::perform(const boost::json::object& action) {
  auto instance = instanceFor(action);
  if (!instance)
    return {WasmResult<std::vector<Value>>(WasmError::make(errc::wasm_bad_call, "no module")), {}};
  const std::string field(text(action, "field"));
  if (text(action, "type") == "get") {
    auto value = instance->global(field);
    if (!value)
      return {WasmResult<std::vector<Value>>(value.error()), {}};
    return {WasmResult<std::vector<Value>>(std::vector<Value>{*value}), {}};
  }
  std::vector<Value> args;
  for (const auto& arg : action.at("args").as_array()) {
    const auto& json = arg.as_object();
    if (isV128(json) && !engine_->supportsV128Values())
      return {std::nullopt, "v128 across the host boundary (engine cannot)"};
    auto value = parseArgument(json);
    if (!value)
      return {std::nullopt, "non-null funcref argument (host cannot make one)"};
    args.push_back(*value);
  }
  auto result = instance->call(field, args);
  instance->clearTrap();
  return {std::move(result), {}};
}

SpecRunner::Outcome SpecRunner::assertReturn(const boost::json::object& command) {
  const auto& expected = command.at("expected").as_array();
  for (const auto& value : expected) {
    if (isV128(value.as_object()) && !engine_->supportsV128Values())
      return {Outcome::Kind::skip, "v128 across the host boundary (engine cannot)"};
  }
  auto performed = perform(command.at("action").as_object());
  if (!performed.result)
    return {Outcome::Kind::skip, performed.skip};
  const auto& result = *performed.result;
  if (!result)
    return {Outcome::Kind::fail, result.error().describe()};
  if (result->size() != expected.size())
    return {Outcome::Kind::fail, "wrong number of results"};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (!matches(expected[i].as_object(), (*result)[i])) {
      return {Outcome::Kind::fail,
              "expected " + describe(expected[i].as_object()) + ", got " + toString((*result)[i])};
    }
  }
  return {};
}

SpecRunner::Outcome SpecRunner::assertTrap(const boost::json::object& command, bool exhaustion) {
  auto performed = perform(command.at("action").as_object());
  if (!performed.result)
    return {Outcome::Kind::skip, performed.skip};
  const auto& result = *performed.result;
  if (result)
    return {Outcome::Kind::fail, "no trap (expected " + std::string(text(command, "text")) + ")"};
  if (result.error().code != errc::wasm_trap)
    return {Outcome::Kind::fail, result.error().describe()};
  if (exhaustion && result.error().trap != TrapKind::call_stack_exhausted)
    return {Outcome::Kind::fail, "not stack exhaustion: " + result.error().describe()};
  return {};
}

SpecRunner::Outcome SpecRunner::assertModuleFails(const std::filesystem::path& directory,
                                                  const boost::json::object& command) {
  if (text(command, "module_type") == "text")
    return {Outcome::Kind::skip, "text-format module (only binaries reach an engine)"};
  auto bytes = readBytes(directory / std::string(text(command, "filename")));
  if (!bytes)
    return {Outcome::Kind::fail, "missing module file"};
  const auto type = text(command, "type");
  auto loaded = engine_->load(*bytes, {});
  if (type == "assert_invalid" || type == "assert_malformed")
    return loaded ? Outcome{Outcome::Kind::fail, "module loaded"} : Outcome{};
  if (!loaded)
    return {Outcome::Kind::fail, "module did not load: " + loaded.error().describe()};
  auto instance = (*loaded)->instantiate(imports_);
  if (instance)
    return {Outcome::Kind::fail, "module instantiated"};
  const errc expected =
      type == "assert_unlinkable" ? errc::wasm_link_error : errc::wasm_instantiation_failed;
  if (instance.error().code != expected)
    return {Outcome::Kind::fail, "failed otherwise: " + instance.error().describe()};
  return {};
}

SpecRunner::Outcome SpecRunner::action(const boost::json::object& command) {
  auto performed = perform(command.at("action").as_object());
  if (!performed.result)
    return {Outcome::Kind::skip, performed.skip};
  if (!*performed.result)
    return {Outcome::Kind::fail, performed.result->error().describe()};
  return {};
}

SpecRunner::Outcome SpecRunner::registerAs(const boost::json::object& command) {
  auto instance =
      instanceFor(command.contains("name") ? boost::json::object{{"module", command.at("name")}}
                                           : boost::json::object{});
  if (!instance)
    return {Outcome::Kind::fail, "no module to register"};
  imports_.registerInstance(std::string(text(command, "as")), instance);
  return {};
}

}  // namespace wasmesh::wasm::spec
