#include "WasmCommand.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "ComponentCommand.h"
#include "ServeCommand.h"
#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/wasm/component/ComponentDecoder.h"
#include "wasmesh/wasm/engines/EngineFactory.h"
#include "wasmesh/wasm/proxywasm/ProxyWasmVm.h"
#include "wasmesh/wasm/wasi/WasiHost.h"

namespace wasmesh::app {
namespace {

[[noreturn]] void reject(const std::string& flag, const std::string& value,
                         const std::string& why) {
  throw CLI::ValidationError(flag, "\"" + value + "\" " + why);
}

std::optional<std::vector<std::uint8_t>> readFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return std::nullopt;
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(file), {});
}

// What wasmesh's host offers a module today: WASI preview1.
wasm::Imports hostImports(const wasm::wasi::WasiOptions& wasiOptions) {
  wasm::Imports imports;
  wasm::wasi::WasiHost(wasiOptions).addTo(imports);
  return imports;
}

std::string abiOf(const wasm::ModuleInfo& info) {
  std::string abi;
  auto add = [&abi](const std::string& name) { abi += (abi.empty() ? "" : ", ") + name; };
  if (info.findExport("proxy_abi_version_0_2_1") != nullptr)
    add("proxy-wasm 0.2.1");
  if (info.findExport("proxy_abi_version_0_2_0") != nullptr)
    add("proxy-wasm 0.2.0");
  if (info.findExport("_start") != nullptr)
    add("WASI command");
  else if (info.findExport("_initialize") != nullptr)
    add("WASI reactor");
  return abi.empty() ? "none recognized (no _start, _initialize or proxy_abi_version_*)" : abi;
}

std::string describe(const wasm::ExportDesc& e) {
  if (e.kind == wasm::ExternKind::function)
    return "func " + toString(e.functionType);
  if (e.kind == wasm::ExternKind::global && e.globalType)
    return "global " + toString(*e.globalType);
  return toString(e.kind);
}

int runModule(const WasmOptions& options, const std::vector<std::string>& args, std::ostream& err) {
  auto bytes = readFile(options.module);
  if (!bytes) {
    err << "cannot read " << options.module << "\n";
    return 1;
  }
  if (wasm::component::ComponentDecoder::isComponent(*bytes))
    return runComponent(options, *bytes, args, std::cout, err);
  if (!options.directories.empty() || !options.config.empty() || options.invoke) {
    err << "--dir, --dir-rw, --config and --invoke apply to components only (WASI preview1 "
           "modules have no file system)\n";
    return 2;
  }
  // Loads V8's module on the first V8 engine; a module that cannot be loaded is one line.
  auto engine = wasm::makeEngine(*wasm::parseEngineKind(options.engine));
  if (!engine) {
    err << engine.error().describe() << "\n";
    return 1;
  }
  wasm::Limits limits;
  limits.maxMemoryBytes = options.maxMemory;
  limits.cpuTimePerCall = options.timeout;
  auto module = (*engine)->load(*bytes, limits);
  if (!module) {
    err << module.error().describe() << "\n";
    return 1;
  }
  if ((*module)->info().findExport("_start") == nullptr) {
    err << "not a WASI command module: no _start export\n";
    return 1;
  }
  wasm::wasi::WasiOptions wasiOptions;
  wasiOptions.args.push_back(options.module);
  wasiOptions.args.insert(wasiOptions.args.end(), args.begin(), args.end());
  wasiOptions.environment = options.environment;
  auto instance = (*module)->instantiate(hostImports(wasm::wasi::withProcessStreams(wasiOptions)));
  if (!instance) {
    if (instance.error().code == errc::wasm_exit)
      return instance.error().exitCode;
    err << instance.error().describe() << "\n";
    return 1;
  }
  auto result = (*instance)->call("_start", {});
  std::cout.flush();
  if (!result) {
    if (result.error().code == errc::wasm_exit)
      return result.error().exitCode;
    err << result.error().describe() << "\n";
    return 1;
  }
  return 0;
}

int inspectModule(const WasmOptions& options, std::ostream& out, std::ostream& err) {
  auto bytes = readFile(options.module);
  if (!bytes) {
    err << "cannot read " << options.module << "\n";
    return 1;
  }
  if (wasm::component::ComponentDecoder::isComponent(*bytes))
    return inspectComponent(options, *bytes, out, err);
  auto info = wasm::ModuleInfo::parse(*bytes);
  if (!info) {
    err << info.error().describe() << "\n";
    return 1;
  }
  out << "module: " << options.module << " (" << bytes->size() << " bytes)\n";
  out << "abi: " << abiOf(*info) << "\n";
  out << "imports:" << (info->imports.empty() ? " none" : "") << "\n";
  for (const auto& i : info->imports) {
    out << "  " << i.module << "." << i.name << ": " << toString(i.kind);
    if (i.kind == wasm::ExternKind::function)
      out << " " << toString(i.functionType);
    out << "\n";
  }
  out << "exports:" << (info->exports.empty() ? " none" : "") << "\n";
  for (const auto& e : info->exports)
    out << "  " << e.name << ": " << describe(e) << "\n";
  out << "memories:" << (info->memories.empty() ? " none" : "") << "\n";
  for (std::size_t i = 0; i < info->memories.size(); ++i) {
    const auto& m = info->memories[i];
    out << "  " << i << ": min " << m.minPages << " pages (" << m.minPages * 64 << " KiB), max "
        << (m.maxPages ? std::to_string(*m.maxPages) + " pages" : "none") << "\n";
  }
  auto engine = wasm::makeEngine(*wasm::parseEngineKind(options.engine));
  auto module = engine ? (*engine)->load(*bytes, {}) : engine.error();
  out << "valid (" << options.engine
      << "): " << (module ? "yes" : "no: " + module.error().describe()) << "\n";
  // A module with a proxy-wasm marker is checked against the plugin host (env and WASI).
  const bool plugin = wasm::proxywasm::ProxyWasmVm::detectAbi(*info).has_value();
  auto linked =
      (plugin ? wasm::proxywasm::ProxyWasmVm::linkCheckImports() : hostImports({})).check(*info);
  out << "links against wasmesh: "
      << (linked ? (plugin ? "yes (proxy-wasm host)" : "yes") : "no: " + linked.error().describe())
      << "\n";
  return module ? 0 : 1;
}

}  // namespace

void addWasmCommands(CLI::App& wasm, WasmOptions& options) {
  auto addEngine = [&options](CLI::App& command) {
    command
        .add_option_function<std::string>(
            "--engine",
            [&options](const std::string& value) {
              if (!wasm::parseEngineKind(value))
                reject("--engine", value, "is not an engine (v8 or wabt)");
              options.engine = value;
            },
            "Engine: v8 (default, JIT) or wabt (interpreter)")
        ->type_name("v8|wabt");
  };
  // What a guest is given and held to: the same flags for run and serve.
  auto addGuestFlags = [&options](CLI::App& command, bool perRequest) {
    command
        .add_option_function<std::string>(
            "--timeout",
            [&options](const std::string& value) {
              auto duration = parseDuration(value);
              if (!duration || duration->count() <= 0)
                reject("--timeout", value, "is not a positive duration (500ms, 2s, 1m)");
              options.timeout = *duration;
            },
            perRequest ? "Time a request may run in the component (default 30s)"
                       : "CPU time the guest may run (500ms, 2s, 1m)")
        ->type_name("DURATION");
    command
        .add_option_function<std::string>(
            "--max-memory",
            [&options](const std::string& value) {
              auto size = parseSize(value);
              if (!size || *size < 65536)
                reject("--max-memory", value, "is not a size of at least 64KiB (KiB, MiB, GiB)");
              options.maxMemory = *size;
            },
            "Linear memory the guest may grow to (KiB, MiB, GiB)")
        ->type_name("SIZE");
    command
        .add_option("--env", options.environment, "Environment variable for the guest (repeatable)")
        ->type_name("NAME=VALUE")
        ->allow_extra_args(false);
    auto addDirectory = [&options](CLI::App& app, const char* flag, bool writable) {
      app.add_option_function<std::vector<std::string>>(
             flag,
             [&options, flag, writable](const std::vector<std::string>& values) {
               for (const std::string& value : values) {
                 // HOST::GUEST, or HOST alone (seen by the guest at the same path).
                 const auto separator = value.find("::");
                 DirectoryOption dir{
                     value.substr(0, separator),
                     separator == std::string::npos ? value : value.substr(separator + 2),
                     writable};
                 std::error_code error;
                 if (dir.host.empty() || !std::filesystem::is_directory(dir.host, error))
                   reject(flag, value, "does not name a host directory (HOST::GUEST)");
                 if (dir.guest.empty())
                   reject(flag, value, "has an empty guest path (HOST::GUEST)");
                 options.directories.push_back(std::move(dir));
               }
             },
             writable ? "Give a component this host directory, writable (repeatable)"
                      : "Give a component this host directory, read-only (repeatable)")
          ->type_name("HOST::GUEST")
          ->allow_extra_args(false);
    };
    addDirectory(command, "--dir", false);
    addDirectory(command, "--dir-rw", true);
    command
        .add_option("--config", options.config,
                    "A wasi:config/runtime value for a component (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
  };
  auto* run = wasm.add_subcommand("run",
                                  "Run a WASI command module or component (stdin/stdout/stderr "
                                  "pass through; the guest's exit status is ours)");
  addEngine(*run);
  addGuestFlags(*run, false);
  run->add_option_function<std::string>(
         "--invoke", [&options](const std::string& value) { options.invoke = value; },
         "Call this export of a component instead of wasi:cli/run, and print its result")
      ->type_name("NAME(ARGS)");
  run->add_option("module", options.module, "The .wasm module or component")
      ->type_name("MODULE")
      ->required();
  // Everything after MODULE is the guest's, flags included.
  run->prefix_command();
  options.run = run;

  auto* inspect = wasm.add_subcommand(
      "inspect",
      "Show a module's or component's imports, exports (components in WIT) and whether it links");
  addEngine(*inspect);
  inspect->add_option("module", options.module, "The .wasm module or component")
      ->type_name("MODULE")
      ->required();
  options.inspect = inspect;

  auto* serve = wasm.add_subcommand(
      "serve",
      "Serve a wasi:http component over HTTP, a fresh instance per request (as wasmtime serve)");
  addEngine(*serve);
  addGuestFlags(*serve, true);
  serve
      ->add_option_function<std::string>(
          "--listen",
          [&options](const std::string& value) {
            if (!parseSocketAddress(value))
              reject("--listen", value, "is not an address with a port (127.0.0.1:8080)");
            options.listen = value;
          },
          "Address to serve on")
      ->type_name("ADDR")
      ->required();
  serve
      ->add_option_function<std::vector<std::string>>(
          "--allow-outgoing",
          [&options](const std::vector<std::string>& values) {
            for (const std::string& value : values) {
              if (value != "*" && !parseHostPort(value))
                reject("--allow-outgoing", value, "is not HOST:PORT (or *)");
              options.allowOutgoing.push_back(value);
            }
          },
          "Let the component send requests to HOST:PORT (repeatable; none by default)")
      ->type_name("HOST:PORT")
      ->allow_extra_args(false);
  serve->add_option("--workers", options.workers, "Event-loop threads (default 1)")
      ->check(CLI::Range(1, 256));
  serve
      ->add_option_function<std::size_t>(
          "--guest-threads", [&options](std::size_t value) { options.guestThreads = value; },
          "Threads running the component (default: one per core)")
      ->check(CLI::Range(1, 256));
  serve
      ->add_option("--instances", options.instances,
                   "Instances made ahead on each guest thread (default 2)")
      ->check(CLI::Range(1, 1024));
  serve
      ->add_option_function<std::string>(
          "--admin",
          [&options](const std::string& value) {
            if (!parseSocketAddress(value))
              reject("--admin", value, "is not an address with a port (127.0.0.1:9990)");
            options.admin = value;
          },
          "Serve /metrics, /live and /ready here")
      ->type_name("ADDR");
  serve->add_option("component", options.module, "The wasi:http component (.wasm)")
      ->type_name("COMPONENT")
      ->required();
  options.serve = serve;
}

int runWasm(const WasmOptions& options, std::ostream& out, std::ostream& err) {
  if (options.run != nullptr && *options.run)
    return runModule(options, options.run->remaining(), err);
  if (options.inspect != nullptr && *options.inspect)
    return inspectModule(options, out, err);
  if (options.serve != nullptr && *options.serve)
    return serveComponent(options, err);
  return 2;
}

}  // namespace wasmesh::app
