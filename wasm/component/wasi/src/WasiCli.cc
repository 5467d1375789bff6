// wasi:cli: environment, exit, the standard streams and the terminal interfaces (no terminal:
// the guest's streams are never a terminal).
#include "WasiInterfaces.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::wasi {
namespace {

using Result = WasmResult<std::optional<Val>>;

Result newOutput(HostState& state, OutputStream::Target target) {
  auto rep = wasiState(state).add(OutputStream{target, nullptr, 0, false, nullptr});
  if (!rep)
    return rep.error();
  return Val::own(*rep);
}

}  // namespace

void addCli(ComponentHost& host) {
  HostInterface environment("wasi:cli", "environment", kWasiVersion);
  environment.function("get-environment", "func() -> list<tuple<string, string>>",
                       [](HostState& state, std::vector<Val>&) -> Result {
                         std::vector<Val> pairs;
                         for (const auto& [name, value] : wasiState(state).options().environment)
                           pairs.push_back(Val::tuple({Val::string(name), Val::string(value)}));
                         return Val::list(std::move(pairs));
                       });
  environment.function("get-arguments", "func() -> list<string>",
                       [](HostState& state, std::vector<Val>&) -> Result {
                         std::vector<Val> args;
                         for (const auto& arg : wasiState(state).options().args)
                           args.push_back(Val::string(arg));
                         return Val::list(std::move(args));
                       });
  environment.function("initial-cwd", "func() -> option<string>",
                       [](HostState&, std::vector<Val>&) -> Result { return Val::none(); });
  host.add(std::move(environment));

  HostInterface exit("wasi:cli", "exit", kWasiVersion);
  exit.function("exit", "func(status: result)", [](HostState&, std::vector<Val>& args) -> Result {
    // WASI 0.2 carries only success or failure: a failure is exit status 1, as wasmtime has it.
    return WasmError::exit(args[0].caseIndex() == 0 ? 0 : 1);
  });
  exit.function("exit-with-code", "func(status-code: u8)",
                [](HostState&, std::vector<Val>& args) -> Result {
                  return WasmError::exit(static_cast<int>(args[0].asU32()));
                });
  host.add(std::move(exit));

  HostInterface stdinInterface("wasi:cli", "stdin", kWasiVersion);
  stdinInterface.use("input-stream", "wasi:io/streams", "input-stream");
  stdinInterface.function("get-stdin", "func() -> input-stream",
                          [](HostState& state, std::vector<Val>&) -> Result {
                            auto rep = wasiState(state).add(InputStream{nullptr, 0, nullptr});
                            if (!rep)
                              return rep.error();
                            return Val::own(*rep);
                          });
  host.add(std::move(stdinInterface));

  HostInterface stdoutInterface("wasi:cli", "stdout", kWasiVersion);
  stdoutInterface.use("output-stream", "wasi:io/streams", "output-stream");
  stdoutInterface.function("get-stdout", "func() -> output-stream",
                           [](HostState& state, std::vector<Val>&) -> Result {
                             return newOutput(state, OutputStream::Target::standardOutput);
                           });
  host.add(std::move(stdoutInterface));

  HostInterface stderrInterface("wasi:cli", "stderr", kWasiVersion);
  stderrInterface.use("output-stream", "wasi:io/streams", "output-stream");
  stderrInterface.function("get-stderr", "func() -> output-stream",
                           [](HostState& state, std::vector<Val>&) -> Result {
                             return newOutput(state, OutputStream::Target::standardError);
                           });
  host.add(std::move(stderrInterface));

  // No terminal objects are ever made: the destructors have nothing to free.
  HostInterface terminalInput("wasi:cli", "terminal-input", kWasiVersion);
  terminalInput.resource("terminal-input", nullptr);
  host.add(std::move(terminalInput));
  HostInterface terminalOutput("wasi:cli", "terminal-output", kWasiVersion);
  terminalOutput.resource("terminal-output", nullptr);
  host.add(std::move(terminalOutput));
  struct Terminal {
    const char* interface;
    const char* resource;
  };
  for (const Terminal terminal : {Terminal{"terminal-stdin", "terminal-input"},
                                  Terminal{"terminal-stdout", "terminal-output"},
                                  Terminal{"terminal-stderr", "terminal-output"}}) {
    HostInterface getter("wasi:cli", terminal.interface, kWasiVersion);
    getter.use(terminal.resource, std::string("wasi:cli/") + terminal.resource, terminal.resource);
    getter.function(std::string("get-") + terminal.interface,
                    std::string("func() -> option<") + terminal.resource + ">",
                    [](HostState&, std::vector<Val>&) -> Result { return Val::none(); });
    host.add(std::move(getter));
  }
}

}  // namespace wasmesh::wasm::component::wasi
