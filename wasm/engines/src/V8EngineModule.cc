#include "V8EngineModule.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace wasmesh::wasm {
namespace {

std::string dlerrorText() {
  // dlerror() keeps its message in thread-local storage in glibc; it is only called here,
  // right after the failing dl* call on the same thread.
  const char* text = ::dlerror();  // NOLINT(concurrency-mt-unsafe): see above
  return text != nullptr ? text : "unknown dlopen error";
}

WasmError loadError(const std::filesystem::path& file, const std::string& why) {
  return WasmError::make(errc::wasm_engine_failure,
                         "cannot load the v8 engine module " + file.string() + ": " + why);
}

}  // namespace

std::vector<std::filesystem::path> V8EngineModule::candidates() {
  // Read once, at the first request for V8; nothing in wasmesh sets the environment.
  const char* overridden = std::getenv("WASMESH_WASM_V8_MODULE");  // NOLINT(concurrency-mt-unsafe)
  if (overridden != nullptr && *overridden != '\0')
    return {overridden};
  std::error_code error;
  auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error)
    return {kV8EngineModuleFile};  // dlopen then searches the usual library path
  const auto bindir = self.parent_path();
  return {bindir / kV8EngineModuleFile,
          (bindir / WASMESH_V8_MODULE_FROM_BINDIR / kV8EngineModuleFile).lexically_normal()};
}

WasmResult<EngineCreateFunction> V8EngineModule::factory() {
  // The loaded module lives here, in a function-local static: the one piece of process-wide
  // state the loader has, and dlopen forces it (a library is loaded per process, not per
  // engine). C++ makes its initialization thread-safe, so concurrent first requests load once;
  // it never changes afterwards, and a failure is kept too (a second dlopen would fail alike).
  // The handle is never passed to dlclose: V8 cannot be unloaded (its platform and worker
  // threads live until exit, see V8Platform), and every engine, module and instance runs code
  // from the mapping.
  static const WasmResult<Loaded> loaded = load(candidates());
  if (!loaded)
    return loaded.error();
  return loaded->create;
}

WasmResult<V8EngineModule::Loaded> V8EngineModule::load(
    const std::vector<std::filesystem::path>& candidates) {
  std::error_code error;
  for (const auto& file : candidates) {
    if (std::filesystem::exists(file, error) || candidates.size() == 1)
      return load(file);
  }
  std::string tried;
  for (const auto& file : candidates)
    tried += (tried.empty() ? "" : " nor ") + file.string();
  return WasmError::make(errc::wasm_engine_failure,
                         "cannot load the v8 engine module: not found at " + tried);
}

WasmResult<V8EngineModule::Loaded> V8EngineModule::load(const std::filesystem::path& file) {
  // RTLD_NOW: a missing libnode symbol fails here, with a message, not at a first call deep
  // inside a guest. RTLD_LOCAL: the module's symbols stay out of the global namespace.
  void* handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr)
    return loadError(file, dlerrorText());
  // From here on a failure leaves the module mapped (see factory() for why it is not closed).
  // POSIX defines this conversion from the object pointer dlsym returns.
  auto entry = reinterpret_cast<EngineModuleEntryFunction>(::dlsym(handle, kV8EngineModuleEntry));
  if (entry == nullptr)
    return loadError(file, dlerrorText());
  const EngineModuleEntry* module = entry();
  if (module == nullptr || module->abiVersion != kEngineModuleAbiVersion ||
      module->create == nullptr)
    return loadError(file, "engine module ABI version " +
                               std::to_string(module == nullptr ? 0 : module->abiVersion) +
                               ", this wasmesh needs " + std::to_string(kEngineModuleAbiVersion));
  if (module->compiler == nullptr || std::strcmp(module->compiler, __VERSION__) != 0)
    return loadError(file, std::string("built by another compiler (") +
                               (module->compiler == nullptr ? "unknown" : module->compiler) +
                               ", this wasmesh by " + __VERSION__ +
                               "); use the module of the same build");
  return Loaded{handle, module->create};
}

}  // namespace wasmesh::wasm
