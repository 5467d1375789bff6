#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <random>
#include <string>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/identity/IdentityStore.h"

namespace wasmesh::identity {

// identity.service + identity.token_file: the proxy makes a fresh P-256 key (it never
// leaves the process), sends a CSR with its token to the identity service over TLS 1.3,
// checks the service is who it should be, and installs what comes back. It refreshes at
// half of the certificate's lifetime (±10 % jitter, so a fleet does not ask at once) and
// retries failures with exponential backoff (1 s doubling to 60 s, jittered). While the
// service is down the current certificate stays in use until it expires; /ready follows.
class IdentityServiceClient {
 public:
  struct Settings {
    HostPort service;    // resolved at every request: a Service name follows the Service
    SpiffeId serviceId;  // default spiffe://<td>/ns/wasmesh/sa/identity
    std::string trustAnchors;
    std::string tokenFile;  // re-read for every request: projected tokens rotate
  };

  IdentityServiceClient(Settings settings, IdentityStore& store,
                        const boost::asio::any_io_executor& executor);
  ~IdentityServiceClient();
  IdentityServiceClient(const IdentityServiceClient&) = delete;
  IdentityServiceClient& operator=(const IdentityServiceClient&) = delete;

  void start();
  void stop();

  // One request, installing the result; the reason when it failed.
  boost::asio::awaitable<Result<void>> refreshOnce();

 private:
  boost::asio::awaitable<void> run();
  std::chrono::milliseconds jittered(std::chrono::milliseconds base, double spread);

  Settings settings_;
  IdentityStore& store_;
  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer timer_;
  std::mt19937_64 random_;
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
};

}  // namespace wasmesh::identity
