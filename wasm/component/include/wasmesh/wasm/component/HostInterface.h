#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/Val.h"

namespace wasmesh::wasm::component {

// What the host keeps for one component instance (the streams, arguments and files WASI hands
// it, say). The host's functions receive it with every call; it dies with the instance.
class HostState {
 public:
  virtual ~HostState() = default;
};

// A host function: its arguments arrive lifted (strings as UTF-8, handles as the host's own
// representations) and its result is lowered for it. It may fail with a trap or an exit
// (WasmError::exit), which ends the component instance's call.
using HostCallback =
    std::function<WasmResult<std::optional<Val>>(HostState& state, std::vector<Val>& arguments)>;
// Destroys the host object behind a resource handle the guest dropped.
using HostDestructor = std::function<void(HostState& state, std::uint32_t rep)>;

// One interface the host implements (wasi:io/streams@0.2.12, say), described as the WIT of the
// component model: every signature and type definition is written as WitPrinter renders the
// component's own types ("func(self: borrow<output-stream>) -> result<u64, stream-error>",
// "variant { last-operation-failed(error), closed }"), so linking compares the two as text
// and names the first difference.
class HostInterface {
 public:
  struct Function {
    std::string name;       // "get-arguments", "[method]output-stream.write"
    std::string signature;  // "func() -> list<string>"
    HostCallback callback;
  };
  struct Type {
    std::string name;
    // "resource", a resource of another interface ("use wasi:io/streams.output-stream"), or
    // a definition ("record { seconds: u64, nanoseconds: u32 }").
    std::string definition;
  };
  struct Resource {
    std::string name;
    HostDestructor destructor;
  };

  // `package` "wasi:io", `name` "streams", `version` "0.2.12" (empty: unversioned).
  HostInterface(std::string package, std::string name, std::string version);

  HostInterface& resource(std::string name, HostDestructor destructor);
  // A resource defined by another interface ("wasi:io/streams", "output-stream").
  HostInterface& use(std::string name, const std::string& interface, const std::string& resource);
  HostInterface& type(std::string name, std::string definition);
  HostInterface& function(std::string name, std::string signature, HostCallback callback);

  const std::string& package() const { return package_; }
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  // "wasi:io/streams@0.2.12"
  std::string qualifiedName() const;

  const std::vector<Function>& functions() const { return functions_; }
  const std::vector<Type>& types() const { return types_; }
  const std::vector<Resource>& resources() const { return resources_; }
  const Function* findFunction(std::string_view name) const;
  const Type* findType(std::string_view name) const;

 private:
  std::string package_;
  std::string name_;
  std::string version_;
  std::vector<Function> functions_;
  std::vector<Type> types_;
  std::vector<Resource> resources_;
};

}  // namespace wasmesh::wasm::component
