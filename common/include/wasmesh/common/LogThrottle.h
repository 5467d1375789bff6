#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace wasmesh {

// Caps log lines that a peer can cause at will (a port scan of the mesh port, a client
// retrying a refused handshake): at most `burst` lines per key in each window, the rest
// counted. The next line let through for that key reports how many were held back, so the
// log stays honest while metrics keep the full count. Keys must come from a small fixed set
// (refusal reasons, not addresses): one entry per key is kept for good.
// Not thread-safe: one per worker, like the worker's other state.
class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  LogThrottle(std::size_t burst, Clock::duration window) : burst_(burst), window_(window) {}

  struct Decision {
    bool log = false;
    // Lines held back for this key since the last one let through (only set when `log`).
    std::uint64_t suppressed = 0;
  };
  Decision admit(std::string_view key, Clock::time_point now);

 private:
  struct KeyWindow {
    Clock::time_point start;
    std::size_t lines = 0;
    std::uint64_t suppressed = 0;
  };

  std::size_t burst_;
  Clock::duration window_;
  std::map<std::string, KeyWindow, std::less<>> keys_;
};

}  // namespace wasmesh
