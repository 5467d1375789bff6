#include "DemoCommand.h"

#include <unistd.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "ChildProcess.h"
#include "DemoEchoApp.h"
#include "DemoHttpApp.h"
#include "ScrapedMetrics.h"
#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/IdentityFiles.h"

namespace wasmesh::app {
namespace {

using boost::asio::ip::tcp;

constexpr const char* kLoopback = "127.0.0.1";
constexpr const char* kTrustDomain = "cluster.local";
constexpr const char* kClientId = "spiffe://cluster.local/ns/demo/sa/web";
constexpr const char* kServerId = "spiffe://cluster.local/ns/demo/sa/db";
constexpr int kConnectionsPerRound = 8;
constexpr std::size_t kPayloadBytes = std::size_t{16} * 1024;
// HTTP requests per round on one keep-alive connection; every tenth asks the app to fail.
constexpr int kHttpRequestsPerRound = 20;
constexpr int kHttpFailEvery = 10;

struct DemoPorts {
  explicit DemoPorts(int base)
      : clientOutbound(base + 40),
        clientBroken(base + 41),
        clientHttp(base + 42),
        serverInbound(base + 43),
        identityService(base + 50),
        identityAdmin(base + 51),
        app(base + 80),
        httpApp(base + 81),
        clientAdmin(base + 91),
        serverAdmin(base + 92),
        deadUpstream(base + 99) {}
  unsigned short clientOutbound, clientBroken, clientHttp, serverInbound, identityService,
      identityAdmin, app, httpApp, clientAdmin, serverAdmin, deadUpstream;
};

std::string address(unsigned short port) {
  return std::string(kLoopback) + ":" + std::to_string(port);
}

// No transparent listeners on the client side and a server inbound listener that is dialled
// directly (the mesh transport's direct path), so no root and no iptables are needed.
std::string proxyConfig(unsigned short admin, const std::string& body) {
  return "proxy:\n  workers: 1\n  shutdown_grace_period: 2s\n"
         "admin:\n  listen: " +
         address(admin) + "\noutbound:\n  listen: []\n" + body;
}

std::string route(const std::string& name, const std::string& direction, unsigned short listen,
                  unsigned short target) {
  return "  - name: " + name + "\n    direction: " + direction +
         "\n    listen: " + address(listen) + "\n    target: " + address(target) + "\n";
}

// Both proxies obtain their certificates from the demo's identity service, as in a cluster.
std::string identityConfig(const std::string& dir, const char* id, const std::string& tokenFile,
                           const DemoPorts& ports) {
  return std::string("identity:\n  id: ") + id + "\n  trust_anchors: " + dir +
         "/ca/ca.crt\n  service: " + address(ports.identityService) +
         "\n  token_file: " + tokenFile + "\n";
}

std::string randomToken() {
  std::random_device random;
  std::string token;
  static constexpr std::string_view kHex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i)
    token.push_back(kHex[random() % kHex.size()]);
  return token;
}

// The demo's PKI and tokens: a CA (root and issuer) for the identity service, and one token
// per proxy that the service maps to its service account.
bool writeMeshFiles(const std::string& dir, std::string& error) {
  namespace fs = std::filesystem;
  constexpr auto kPrivate = fs::perms::owner_read | fs::perms::owner_write;
  auto authority = identity::CertificateAuthority::init(kTrustDomain, std::chrono::hours(24 * 7));
  if (!authority) {
    error = "cannot create the demo CA: " + authority.error().message();
    return false;
  }
  try {
    authority->save(dir + "/ca", false);
    const auto web = randomToken();
    const auto db = randomToken();
    identity::writeFileAtomically(dir + "/web.token", web, kPrivate, false);
    identity::writeFileAtomically(dir + "/db.token", db, kPrivate, false);
    identity::writeFileAtomically(dir + "/tokens.yaml",
                                  "tokens:\n  - {token: " + web +
                                      ", namespace: demo, service_account: web}\n"
                                      "  - {token: " +
                                      db + ", namespace: demo, service_account: db}\n",
                                  kPrivate, false);
  } catch (const identity::FileError& failure) {
    error = failure.what();
    return false;
  }
  return true;
}

bool waitReady(unsigned short adminPort, ChildProcess& child) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (!child.running())
      return false;
    if (auto reply = httpGet(kLoopback, adminPort, "/ready"); reply && reply->status == 200) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// One echo conversation through the mesh: send, half-close, read everything back.
bool echoOnce(unsigned short port) {
  boost::asio::io_context context;
  tcp::socket socket(context);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address(kLoopback), port}, ec);
  if (ec)
    return false;
  std::string payload(kPayloadBytes, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>('a' + i % 26);
  boost::asio::write(socket, boost::asio::buffer(payload), ec);
  if (ec)
    return false;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  std::string echoed(payload.size(), '\0');
  boost::asio::read(socket, boost::asio::buffer(echoed), ec);
  return !ec && echoed == payload;
}

// A connection to a route whose upstream is down: the proxy must close it.
bool deadUpstreamIsClosed(unsigned short port) {
  boost::asio::io_context context;
  tcp::socket socket(context);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address(kLoopback), port}, ec);
  if (ec)
    return false;
  std::array<char, 16> buffer{};
  socket.read_some(boost::asio::buffer(buffer), ec);
  return ec == boost::asio::error::connection_reset || ec == boost::asio::error::eof;
}

struct HttpRound {
  int answered = 0;  // the status the app was asked for: 200, or 500 on /fail
  int wrong = 0;     // any other status, or no answer
};

// HTTP requests on one keep-alive connection through the client proxy, which sends them to
// the meshed app over its shared HTTP/2 mutual-TLS connection.
HttpRound httpRound(unsigned short port) {
  namespace http = boost::beast::http;
  HttpRound round;
  boost::asio::io_context context;
  tcp::socket socket(context);
  boost::system::error_code ec;
  socket.connect({boost::asio::ip::make_address(kLoopback), port}, ec);
  boost::beast::flat_buffer buffer;
  for (int i = 0; i < kHttpRequestsPerRound; ++i) {
    const bool fail = (i + 1) % kHttpFailEvery == 0;
    http::request<http::string_body> request(http::verb::get, fail ? "/fail" : "/hello", 11);
    request.set(http::field::host, "web.demo.svc.cluster.local");
    http::response<http::string_body> response;
    if (!ec)
      http::write(socket, request, ec);
    if (!ec)
      http::read(socket, buffer, response, ec);
    const unsigned expected = fail ? 500 : 200;
    if (!ec && response.result_int() == expected)
      ++round.answered;
    else
      ++round.wrong;
  }
  return round;
}

// Request rate over the last round needs the previous scrape's totals.
struct HttpRates {
  double clientRequests = 0;
  double serverRequests = 0;
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now();
};

void printHttpRow(const char* proxy, const char* direction, const char* peerLabel,
                  const ScrapedMetrics& metrics, double requestsPerSecond) {
  const std::map<std::string, std::string> match = {{"direction", direction}};
  const double responses = metrics.sum("response_total", match);
  auto successMatch = match;
  successMatch["classification"] = "success";
  const double successRate =
      responses > 0 ? 100 * metrics.sum("response_total", successMatch) / responses : 0;
  const auto p50 = metrics.quantile("response_latency_ms", 0.5, match);
  const auto p99 = metrics.quantile("response_latency_ms", 0.99, match);
  auto peer = metrics.labelValue("request_total", peerLabel, match);
  std::printf("  %-7s %-9s %8.0f %8.1f %7.1f%% %8s %8s  %s\n", proxy, direction,
              metrics.sum("request_total", match), requestsPerSecond, successRate,
              p50 ? (std::to_string(std::lround(*p50)) + " ms").c_str() : "-",
              p99 ? (std::to_string(std::lround(*p99)) + " ms").c_str() : "-",
              peer.empty() ? "-" : peer.c_str());
}

void printRow(const char* proxy, const char* direction, const char* peer,
              const ScrapedMetrics& metrics) {
  const std::map<std::string, std::string> match = {{"direction", direction}, {"peer", peer}};
  const auto tls = metrics.labelValue("tcp_open_total", "tls", match);
  auto peerIdentity = metrics.labelValue(
      "tcp_open_total", std::string(peer) == "src" ? "client_id" : "server_id", match);
  if (peerIdentity.empty())
    peerIdentity = "-";
  std::printf(
      "  %-7s %-9s %-4s %8.0f %6.0f %8.0f %12.0f %12.0f  %-11s %s\n", proxy, direction, peer,
      metrics.sum("tcp_open_total", match), metrics.sum("tcp_open_connections", match),
      metrics.sumWhereSet("tcp_close_total", "errno", match),
      metrics.sum("tcp_read_bytes_total", match), metrics.sum("tcp_write_bytes_total", match),
      tls.empty() ? "-" : tls.c_str(), peerIdentity.c_str());
}

std::string utcTime(double unixSeconds) {
  const auto seconds = static_cast<std::time_t>(unixSeconds);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text.data();
}

void printIdentity(const char* proxy, const char* id, const ScrapedMetrics& metrics) {
  std::printf(
      "  %s proxy is %s, certificate from the identity service valid until %s (%0.f "
      "issued)\n",
      proxy, id, utcTime(metrics.sum("identity_cert_expiration_timestamp_seconds")).c_str(),
      metrics.sum("identity_cert_refresh_total", {{"result", "ok"}}));
}

void printHttpTable(const ScrapedMetrics& client, const ScrapedMetrics& server, HttpRates& rates) {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - rates.at).count();
  const double clientTotal = client.sum("request_total", {{"direction", "outbound"}});
  const double serverTotal = server.sum("request_total", {{"direction", "inbound"}});
  std::printf(
      "  HTTP golden metrics (rate over the last round; success rate and latency "
      "since start):\n");
  std::printf("  %-7s %-9s %8s %8s %8s %8s %8s  %s\n", "proxy", "direction", "requests", "req/s",
              "success", "p50", "p99", "peer identity");
  printHttpRow("client", "outbound", "server_id", client,
               seconds > 0 ? (clientTotal - rates.clientRequests) / seconds : 0);
  printHttpRow("server", "inbound", "client_id", server,
               seconds > 0 ? (serverTotal - rates.serverRequests) / seconds : 0);
  rates = {clientTotal, serverTotal, now};
}

void printTable(const DemoPorts& ports, HttpRates& rates) {
  const auto client = ScrapedMetrics::fetch(kLoopback, ports.clientAdmin);
  const auto server = ScrapedMetrics::fetch(kLoopback, ports.serverAdmin);
  if (client)
    printIdentity("client", kClientId, *client);
  if (server)
    printIdentity("server", kServerId, *server);
  std::printf("  %-7s %-9s %-4s %8s %6s %8s %12s %12s  %-11s %s\n", "proxy", "direction", "peer",
              "opened", "open", "errors", "bytes read", "bytes wrtn", "tls", "peer identity");
  if (client) {
    printRow("client", "outbound", "src", *client);
    printRow("client", "outbound", "dst", *client);
  }
  if (server) {
    printRow("server", "inbound", "src", *server);
    printRow("server", "inbound", "dst", *server);
  }
  if (client && server)
    printHttpTable(*client, *server, rates);
  else
    std::printf("  (a proxy's /metrics did not answer)\n");
  std::fflush(stdout);
}

std::string selfExecutable(const char* argv0) {
  std::array<char, 4096> path{};
  const auto length = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  return length > 0 ? std::string(path.data(), static_cast<std::size_t>(length)) : argv0;
}

void dumpLog(const std::string& path) {
  std::ifstream log(path);
  std::cerr << log.rdbuf();
}

}  // namespace

int runDemo(const DemoOptions& options, const char* argv0) {
  const DemoPorts ports(options.basePort);
  // Ctrl-C and SIGTERM are taken synchronously between rounds (sigtimedwait); the children
  // get an unblocked mask (see ChildProcess).
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);

  std::array<char, 64> dirTemplate{};
  std::snprintf(dirTemplate.data(), dirTemplate.size(), "/tmp/wasmesh-demo-XXXXXX");
  if (::mkdtemp(dirTemplate.data()) == nullptr) {
    std::cerr << "wasmesh demo: cannot create a temporary directory\n";
    return 1;
  }
  const std::string dir = dirTemplate.data();

  std::unique_ptr<DemoEchoApp> app;
  std::unique_ptr<DemoHttpApp> httpApp;
  try {
    app = std::make_unique<DemoEchoApp>(
        tcp::endpoint{boost::asio::ip::make_address(kLoopback), ports.app});
    httpApp = std::make_unique<DemoHttpApp>(
        tcp::endpoint{boost::asio::ip::make_address(kLoopback), ports.httpApp});
  } catch (const boost::system::system_error& error) {
    std::cerr << "wasmesh demo: cannot listen on " << address(app ? ports.httpApp : ports.app)
              << ": " << error.code().message() << " (choose other ports with --base-port)\n";
    return 1;
  }

  const auto exe = selfExecutable(argv0);
  std::string error;
  if (!writeMeshFiles(dir, error)) {
    std::cerr << "wasmesh demo: " << error << "\n";
    return 1;
  }
  ChildProcess identityService(
      {exe, "identity", "serve", "--ca", dir + "/ca", "--listen", address(ports.identityService),
       "--admin", address(ports.identityAdmin), "--token-file", dir + "/tokens.yaml", "--lifetime",
       "1h"},
      dir + "/identity.log");
  if (!waitReady(ports.identityAdmin, identityService)) {
    std::cerr << "wasmesh demo: the identity service did not become ready; its log:\n";
    dumpLog(dir + "/identity.log");
    return 1;
  }
  // Every address the client proxy reaches on loopback belongs to the server's identity.
  std::ofstream(dir + "/discovery.yaml")
      << "destinations:\n  - addresses: [\"127.0.0.1/32\"]\n    identity: " << kServerId
      << "\n    mesh_port: " << ports.serverInbound << "\n";
  std::ofstream(dir + "/server.yaml") << proxyConfig(
      ports.serverAdmin, "inbound:\n  listen: [\"" + address(ports.serverInbound) + "\"]\n" +
                             identityConfig(dir, kServerId, dir + "/db.token", ports));
  std::ofstream(dir + "/client.yaml") << proxyConfig(
      ports.clientAdmin, "inbound:\n  listen: []\nroutes:\n" +
                             route("app", "outbound", ports.clientOutbound, ports.app) +
                             route("broken", "outbound", ports.clientBroken, ports.deadUpstream) +
                             route("web", "outbound", ports.clientHttp, ports.httpApp) +
                             identityConfig(dir, kClientId, dir + "/web.token", ports) +
                             "discovery:\n  file: " + dir + "/discovery.yaml\n");
  ChildProcess server({exe, "proxy", "--config", dir + "/server.yaml"}, dir + "/server.log");
  ChildProcess client({exe, "proxy", "--config", dir + "/client.yaml"}, dir + "/client.log");
  // Ready means holding a certificate from the identity service.
  if (!waitReady(ports.serverAdmin, server) || !waitReady(ports.clientAdmin, client)) {
    std::cerr << "wasmesh demo: a proxy did not become ready; its logs:\n";
    dumpLog(dir + "/server.log");
    dumpLog(dir + "/client.log");
    dumpLog(dir + "/identity.log");
    return 1;
  }

  std::printf(
      "wasmesh demo: an echo app behind two wasmesh proxies on loopback, talking mutual TLS\n"
      "  app %s  <-  server proxy (%s, mesh port %s)  <=mTLS=  client proxy (%s, route %s)\n"
      "  identity service https://%s (CA and tokens in %s), metrics http://%s/metrics\n"
      "  a second client route, %s, points at %s where nothing listens\n"
      "  an HTTP app %s behind the same proxies, reached through client route %s: HTTP/1.1\n"
      "    from the client, one shared HTTP/2 mTLS connection between the proxies\n"
      "  admin endpoints: client http://%s/metrics  server http://%s/metrics"
      "  (/live /ready /shutdown too)\n"
      "  logs: %s/{client,server,identity}.log\n"
      "  Ctrl-C to stop.\n\n",
      address(ports.app).c_str(), kServerId, address(ports.serverInbound).c_str(), kClientId,
      address(ports.clientOutbound).c_str(), address(ports.identityService).c_str(), dir.c_str(),
      address(ports.identityAdmin).c_str(), address(ports.clientBroken).c_str(),
      address(ports.deadUpstream).c_str(), address(ports.httpApp).c_str(),
      address(ports.clientHttp).c_str(), address(ports.clientAdmin).c_str(),
      address(ports.serverAdmin).c_str(), dir.c_str());
  std::fflush(stdout);

  bool allGood = true;
  HttpRates rates;
  for (int round = 1; options.rounds == 0 || round <= options.rounds; ++round) {
    int echoed = 0;
    for (int i = 0; i < kConnectionsPerRound; ++i)
      echoed += echoOnce(ports.clientOutbound) ? 1 : 0;
    const bool deadClosed = deadUpstreamIsClosed(ports.clientBroken);
    const auto http = httpRound(ports.clientHttp);
    allGood = allGood && echoed == kConnectionsPerRound && deadClosed && http.wrong == 0;
    std::printf(
        "round %d: %d/%d echo conversations completed through both proxies over mTLS; "
        "dead upstream %s; %d/%d HTTP requests answered as asked (%d of them 500 on purpose)\n",
        round, echoed, kConnectionsPerRound,
        deadClosed ? "closed the client's connection, as it should" : "NOT closed", http.answered,
        kHttpRequestsPerRound, kHttpRequestsPerRound / kHttpFailEvery);
    printTable(ports, rates);
    std::printf("\n");
    std::fflush(stdout);
    if (options.rounds != 0 && round == options.rounds)
      break;
    const timespec pause{2, 0};
    if (sigtimedwait(&stopSignals, nullptr, &pause) > 0) {
      std::printf("stopping\n");
      break;
    }
  }
  const int clientStatus = client.terminate();
  const int serverStatus = server.terminate();
  identityService.terminate();
  if (clientStatus != 0 || serverStatus != 0) {
    std::cerr << "wasmesh demo: a proxy exited with status " << clientStatus << "/" << serverStatus
              << "\n";
    return 1;
  }
  return allGood ? 0 : 1;
}

}  // namespace wasmesh::app
