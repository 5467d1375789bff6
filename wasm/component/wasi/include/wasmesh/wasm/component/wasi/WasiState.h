#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "wasmesh/wasm/component/HostInterface.h"
#include "wasmesh/wasm/component/wasi/GuestWaker.h"
#include "wasmesh/wasm/component/wasi/HostStreams.h"
#include "wasmesh/wasm/component/wasi/WasiOptions.h"

namespace wasmesh::wasm::component::wasi {

// A file descriptor the host owns, closed when the object holding it goes.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  ~OwnedFd();
  OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

// The objects behind the guest's handles to host resources, by representation.
struct InputStream {
  std::shared_ptr<OwnedFd> file;  // null: stdin, unless `source` is set
  std::uint64_t offset = 0;
  std::shared_ptr<StreamSource> source;  // bytes from outside the instance (an HTTP body)
};
struct OutputStream {
  enum class Target : std::uint8_t { standardOutput, standardError, file, sink };
  Target target = Target::standardOutput;
  std::shared_ptr<OwnedFd> file;
  std::uint64_t offset = 0;
  bool append = false;
  std::shared_ptr<StreamSink> sink;  // Target::sink
};
struct Pollable {
  std::optional<std::chrono::steady_clock::time_point> deadline;  // a clock's
  std::shared_ptr<Readiness> readiness;  // a stream's or a future's; neither: always ready
};
struct IoError {
  std::string message;
  std::optional<std::uint32_t> fileErrorCode;  // wasi:filesystem error-code, when it has one
};
struct Descriptor {
  std::shared_ptr<OwnedFd> fd;
  bool directory = false;
  bool readable = true;
  bool writable = false;  // from the grant: a read-only grant never writes
};
struct DirectoryEntries {
  std::vector<std::pair<std::string, std::uint8_t>> entries;  // name, descriptor-type
  std::size_t next = 0;
};

// An object of another host package built on this one (wasi:http's fields, requests,
// bodies...), kept in the same table so that every handle of the instance counts against the
// same bound.
class ExtensionObject {
 public:
  virtual ~ExtensionObject() = default;
};

using HostObject = std::variant<InputStream, OutputStream, Pollable, IoError, Descriptor,
                                DirectoryEntries, std::unique_ptr<ExtensionObject>>;

// The WASI host's state for one component instance: its options and the objects its handles
// point to. Bounded: a guest that never drops its handles fails instead of exhausting the
// host. Host packages built on WASI (wasi:http) derive their state from it.
class WasiState : public HostState {
 public:
  // Opens the granted directories; fails naming a grant that cannot be opened.
  static WasmResult<std::unique_ptr<WasiState>> create(WasiOptions options);

  static constexpr std::size_t kMaxObjects = 10'000;

  const WasiOptions& options() const { return options_; }
  // The preopened directories, in grant order, with their guest paths.
  const std::vector<std::pair<Descriptor, std::string>>& preopens() const { return preopens_; }

  WasmResult<std::uint32_t> add(HostObject object);
  template <typename T>
  WasmResult<T*> get(std::uint32_t rep) {
    auto found = objects_.find(rep);
    if (found == objects_.end() || !std::holds_alternative<T>(found->second))
      return WasmError::makeTrap(TrapKind::host_error, {},
                                 "handle to a host object that does not exist");
    return &std::get<T>(found->second);
  }
  template <typename T>
  WasmResult<T*> getExtension(std::uint32_t rep) {
    auto found = objects_.find(rep);
    auto* extension = found == objects_.end()
                          ? nullptr
                          : std::get_if<std::unique_ptr<ExtensionObject>>(&found->second);
    T* object = extension == nullptr ? nullptr : dynamic_cast<T*>(extension->get());
    if (object == nullptr)
      return WasmError::makeTrap(TrapKind::host_error, {},
                                 "handle to a host object that does not exist");
    return object;
  }
  // Takes the object out of the table (an own handle the guest handed back).
  template <typename T>
  WasmResult<std::unique_ptr<T>> takeExtension(std::uint32_t rep) {
    auto object = getExtension<T>(rep);
    if (!object)
      return object.error();
    auto found = objects_.find(rep);
    std::unique_ptr<ExtensionObject> owned =
        std::move(std::get<std::unique_ptr<ExtensionObject>>(found->second));
    objects_.erase(found);
    return std::unique_ptr<T>(static_cast<T*>(owned.release()));
  }
  void remove(std::uint32_t rep) { objects_.erase(rep); }
  std::size_t objectCount() const { return objects_.size(); }

  // Where the instance's blocking host calls wait; the embedder cancels it or gives it a
  // deadline to end them.
  const std::shared_ptr<GuestWaker>& waker() const { return waker_; }

  const std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

 protected:
  explicit WasiState(WasiOptions options) : options_(std::move(options)) {}
  // Opens the granted directories (create() does it; derived states call it too).
  WasmResult<void> openDirectories();

 private:
  WasiOptions options_;
  std::shared_ptr<GuestWaker> waker_ = std::make_shared<GuestWaker>();
  std::vector<std::pair<Descriptor, std::string>> preopens_;
  std::map<std::uint32_t, HostObject> objects_;
  std::uint32_t next_ = 1;
};

// The state a WASI host function receives (every one registered by WasiHost gets a
// WasiState).
inline WasiState& wasiState(HostState& state) {
  return static_cast<WasiState&>(state);
}

// A stream-error value: last-operation-failed with a new error object, or closed.
WasmResult<Val> streamError(WasiState& state, std::string message,
                            std::optional<std::uint32_t> fileErrorCode = std::nullopt);
inline Val streamClosed() {
  return Val::err(Val::variant(1));
}

}  // namespace wasmesh::wasm::component::wasi
