#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "wasmesh/common/Error.h"
#include "wasmesh/deploy/AdmissionHandler.h"
#include "wasmesh/deploy/Checked.h"
#include "wasmesh/deploy/Injector.h"
#include "wasmesh/deploy/NamespaceAnnotations.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::deploy {

// `wasmesh injector serve`: the mutating admission webhook. POST /inject with an
// admission.k8s.io/v1 AdmissionReview over HTTPS; every read has a deadline and a size
// limit, every answer is an AdmissionReview (errors included), and every request is counted
// in wasmesh_injector_requests_total{result}. A request that breaks a rule gets its answer
// and the server goes on serving the others.
class WebhookServer {
 public:
  static constexpr std::string_view kPath = "/inject";
  // The injector to use for one request: rebuilt by the caller when the trust anchors
  // change; an error (anchors unreadable) answers HTTP 500.
  using InjectorSource = std::function<Checked<std::shared_ptr<const Injector>>()>;

  WebhookServer(boost::asio::io_context& context, boost::asio::ssl::context& tls,
                InjectorSource injector, NamespaceAnnotations& namespaces,
                metrics::Registry& registry);

  Result<boost::asio::ip::tcp::endpoint> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void close();

  // The whole answer to one request, without socket I/O beyond the namespace lookup.
  boost::asio::awaitable<AdmissionHandler::Reply> handle(std::string_view method,
                                                         std::string_view target,
                                                         std::string_view body);

 private:
  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> serveSession(boost::asio::ip::tcp::socket socket);
  void count(const char* result);

  boost::asio::io_context& context_;
  boost::asio::ssl::context& tls_;
  InjectorSource injector_;
  NamespaceAnnotations& namespaces_;
  metrics::CounterFamily& requests_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
};

}  // namespace wasmesh::deploy
