#include "ComponentCommand.h"

#include <filesystem>
#include <ostream>

#include "wasmesh/wasm/component/ComponentDecoder.h"
#include "wasmesh/wasm/component/ComponentLinker.h"
#include "wasmesh/wasm/component/PreparedComponent.h"
#include "wasmesh/wasm/component/WaveCodec.h"
#include "wasmesh/wasm/component/WorldPrinter.h"
#include "wasmesh/wasm/component/wasi/WasiHost.h"
#include "wasmesh/wasm/engines/EngineFactory.h"

namespace wasmesh::app {
namespace {

namespace component = wasm::component;

// The command export: wasi:cli/run's run, whatever 0.2.x version the component exports.
const component::ExportedFunction* commandExport(const component::LinkedComponent& linked) {
  for (const auto& exported : linked.exportedFunctions) {
    if (exported.name.rfind("wasi:cli/run@0.2.", 0) == 0 && exported.name.size() > 4 &&
        exported.name.substr(exported.name.size() - 4) == "#run")
      return &exported;
  }
  return nullptr;
}

component::wasi::WasiOptions wasiOptions(const WasmOptions& options,
                                         const std::vector<std::string>& args) {
  component::wasi::WasiOptions wasi;
  wasi.args.push_back(options.module);
  wasi.args.insert(wasi.args.end(), args.begin(), args.end());
  for (const std::string& entry : options.environment) {
    const auto equals = entry.find('=');
    wasi.environment.emplace_back(entry.substr(0, equals),
                                  equals == std::string::npos ? "" : entry.substr(equals + 1));
  }
  for (const DirectoryOption& dir : options.directories)
    wasi.directories.push_back({dir.host, dir.guest, dir.writable});
  for (const std::string& entry : options.config) {
    const auto equals = entry.find('=');
    wasi.config.emplace_back(entry.substr(0, equals),
                             equals == std::string::npos ? "" : entry.substr(equals + 1));
  }
  return component::wasi::withProcessStreams(std::move(wasi));
}

}  // namespace

int runComponent(const WasmOptions& options, const std::vector<std::uint8_t>& bytes,
                 const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto decoded = component::ComponentDecoder::decode(bytes);
  if (!decoded) {
    err << decoded.error().describe() << "\n";
    return 1;
  }
  auto linked = component::ComponentLinker::link(*decoded, component::wasi::WasiHost::host());
  if (linked->error) {
    err << linked->error->describe() << "\n";
    return 1;
  }
  std::optional<component::WaveCodec::Call> invoked;
  if (options.invoke) {
    auto call = component::WaveCodec::parseCall(
        *options.invoke, linked->types, [&linked](std::string_view name) {
          const component::ExportedFunction* found = linked->findExport(name);
          return found == nullptr ? nullptr : &linked->types.func(found->func.type);
        });
    if (!call) {
      err << "--invoke: \"" << *options.invoke << "\": " << call.error().message << "\n";
      return 2;
    }
    invoked = std::move(*call);
  }
  const component::ExportedFunction* run =
      invoked ? linked->findExport(invoked->function) : commandExport(*linked);
  if (run == nullptr) {
    err << "not a command component: no wasi:cli/run export (call a reactor's exports with "
           "--invoke)\n";
    return 1;
  }
  auto engine = wasm::makeEngine(*wasm::parseEngineKind(options.engine));
  if (!engine) {
    err << engine.error().describe() << "\n";
    return 1;
  }
  wasm::Limits limits;
  limits.maxMemoryBytes = options.maxMemory;
  limits.cpuTimePerCall = options.timeout;
  auto prepared = component::PreparedComponent::prepare(**engine, linked, limits);
  if (!prepared) {
    err << prepared.error().describe() << "\n";
    return 1;
  }
  auto state = component::wasi::WasiHost::state(wasiOptions(options, args));
  if (!state) {
    err << state.error().describe() << "\n";
    return 1;
  }
  auto instance = (*prepared)->instantiate(std::move(*state));
  if (!instance) {
    if (instance.error().code == errc::wasm_exit)
      return instance.error().exitCode;
    err << instance.error().describe() << "\n";
    return 1;
  }
  const std::vector<component::Val> arguments =
      invoked ? invoked->arguments : std::vector<component::Val>{};
  auto result = (*instance)->call(run->name, arguments);
  if (!result) {
    if (result.error().code == errc::wasm_exit)
      return result.error().exitCode;
    err << result.error().describe() << "\n";
    return 1;
  }
  if (invoked) {
    const auto& type = linked->types.func(run->func.type);
    if (*result && type.result)
      out << component::WaveCodec::print(**result, linked->types, *type.result) << "\n";
    return 0;
  }
  // run returns result: its error is a failing exit status.
  return *result && (*result)->caseIndex() == 0 ? 0 : 1;
}

int inspectComponent(const WasmOptions& options, const std::vector<std::uint8_t>& bytes,
                     std::ostream& out, std::ostream& err) {
  auto decoded = component::ComponentDecoder::decode(bytes);
  if (!decoded) {
    err << decoded.error().describe() << "\n";
    return 1;
  }
  auto described = component::ComponentLinker::link(*decoded, nullptr);
  out << "component: " << options.module << " (" << bytes.size() << " bytes)\n";
  out << "core modules: " << described->modules.size()
      << ", core instances: " << described->instantiations.size()
      << ", lowered functions: " << described->lowered.size()
      << ", lifted functions: " << described->lifted.size() << "\n\n";
  out << component::WorldPrinter::world(*described);
  out << component::WorldPrinter::interfaces(*described) << "\n";
  if (described->error) {
    // Without a host only the structure is checked: this is the component's own fault.
    out << "valid: no: " << described->error->describe() << "\n";
    return 1;
  }
  auto engine = wasm::makeEngine(*wasm::parseEngineKind(options.engine));
  std::optional<wasm::WasmError> invalid;
  if (!engine) {
    invalid = engine.error();
  } else {
    auto prepared = component::PreparedComponent::prepare(**engine, described, {});
    if (!prepared)
      invalid = prepared.error();
  }
  out << "valid (" << options.engine << "): " << (invalid ? "no: " + invalid->describe() : "yes")
      << "\n";
  auto linked = component::ComponentLinker::link(*decoded, component::wasi::WasiHost::host());
  out << "links against wasmesh: "
      << (linked->error ? "no: " + linked->error->describe() : std::string("yes (WASI 0.2 host)"))
      << "\n";
  return invalid ? 1 : 0;
}

}  // namespace wasmesh::app
