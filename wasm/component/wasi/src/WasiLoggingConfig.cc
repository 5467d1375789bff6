// wasi:logging/logging and wasi:config/runtime, the two interfaces wasmCloud's components
// import besides WASI 0.2 itself.
#include "WasiInterfaces.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::wasi {
namespace {

using Result = WasmResult<std::optional<Val>>;

}  // namespace

void addLoggingAndConfig(ComponentHost& host) {
  HostInterface logging("wasi:logging", "logging", "0.1.0-draft");
  logging.type("level", "enum { trace, debug, info, warn, error, critical }");
  logging.function("log", "func(level: level, context: string, message: string)",
                   [](HostState& state, std::vector<Val>& args) -> Result {
                     const auto& log = wasiState(state).options().log;
                     if (log)
                       log(static_cast<int>(args[0].caseIndex()), args[1].text(), args[2].text());
                     return std::optional<Val>();
                   });
  host.add(std::move(logging));

  HostInterface config("wasi:config", "runtime", "0.2.0-draft");
  config.type("config-error", "variant { upstream(string), io(string) }");
  config.function("get", "func(key: string) -> result<option<string>, config-error>",
                  [](HostState& state, std::vector<Val>& args) -> Result {
                    for (const auto& [key, value] : wasiState(state).options().config) {
                      if (key == args[0].text())
                        return Val::ok(Val::some(Val::string(value)));
                    }
                    return Val::ok(Val::none());
                  });
  config.function("get-all", "func() -> result<list<tuple<string, string>>, config-error>",
                  [](HostState& state, std::vector<Val>&) -> Result {
                    std::vector<Val> pairs;
                    for (const auto& [key, value] : wasiState(state).options().config)
                      pairs.push_back(Val::tuple({Val::string(key), Val::string(value)}));
                    return Val::ok(Val::list(std::move(pairs)));
                  });
  host.add(std::move(config));
}

}  // namespace wasmesh::wasm::component::wasi
