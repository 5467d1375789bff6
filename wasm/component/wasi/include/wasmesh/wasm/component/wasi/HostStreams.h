#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace wasmesh::wasm::component::wasi {

// Something a pollable stands for, made ready by another thread (bytes arriving, room for
// more): ready() is thread-safe, and whoever makes it ready notifies the instance's
// GuestWaker afterwards.
class Readiness {
 public:
  virtual ~Readiness() = default;
  virtual bool ready() const = 0;
};

// What an input stream reads when its bytes come from outside the instance (an HTTP body),
// rather than from a file or stdin. Called on the guest's thread; never blocks (the wasi:io
// host waits on the GuestWaker for the blocking variants). ready(): read() would not come
// back empty-handed.
class StreamSource : public Readiness {
 public:
  struct Chunk {
    enum class Status : std::uint8_t { data, closed, failed };
    Status status = Status::data;
    std::string bytes;  // data: what was there, possibly nothing yet
    std::string error;  // failed: why
  };
  // Up to `max` bytes that are there now, the end of the stream, or its failure.
  virtual Chunk read(std::size_t max) = 0;
};

// Where an output stream's writes go when they leave the instance (an HTTP body). Called on
// the guest's thread; never blocks. ready(): permit() would allow a write, or the sink is
// closed or failed (a wait must end either way).
class StreamSink : public Readiness {
 public:
  struct Permit {
    enum class Status : std::uint8_t { open, closed, failed };
    Status status = Status::open;
    std::uint64_t bytes = 0;  // open: what write() accepts now
    std::string error;        // failed: why
  };
  virtual Permit permit() = 0;
  // Takes bytes within the last permit; the status after the write.
  virtual Permit write(std::span<const std::uint8_t> bytes) = 0;
};

}  // namespace wasmesh::wasm::component::wasi
