#include "wasmesh/proxy/http/UpstreamPool.h"

#include <algorithm>
#include <string>

#include "wasmesh/proxy/http/AsyncEvent.h"
#include "wasmesh/proxy/http/Http1ClientConnection.h"

namespace wasmesh::proxy::http {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kSweepInterval = std::chrono::seconds(1);

}  // namespace

UpstreamPool::UpstreamPool(const boost::asio::any_io_executor& executor,
                           const HttpSettings& settings, Connector connector,
                           Http2Factory http2Factory, std::size_t maxConnectionsPerKey)
    : executor_(executor),
      settings_(settings),
      connector_(std::move(connector)),
      http2Factory_(std::move(http2Factory)),
      maxConnectionsPerKey_(maxConnectionsPerKey),
      sweepTimer_(executor) {}

UpstreamPool::~UpstreamPool() {
  *alive_ = false;
  closeAll();
}

std::size_t UpstreamPool::size() const noexcept {
  std::size_t count = 0;
  for (const auto& [key, list] : entries_)
    count += list.size();
  return count;
}

std::shared_ptr<UpstreamConnection> UpstreamPool::wrap(const UpstreamKey& key,
                                                       ConnectedStream connected) {
  if (key.protocol == Version::http2)
    return http2Factory_ ? http2Factory_(std::move(connected), settings_) : nullptr;
  return std::make_shared<Http1ClientConnection>(std::move(connected.socket),
                                                 std::move(connected.stream), settings_);
}

std::shared_ptr<UpstreamConnection> UpstreamPool::findAvailable(const UpstreamKey& key) {
  const auto found = entries_.find(key);
  if (found == entries_.end())
    return nullptr;
  auto& list = found->second;
  std::erase_if(list, [](const Entry& entry) { return entry.connection->closed(); });
  for (auto& entry : list) {
    if (!entry.connection->available())
      continue;
    if (key.protocol != Version::http2) {
      // An idle HTTP/1 connection may have been closed by the server meanwhile.
      auto* http1 = static_cast<Http1ClientConnection*>(entry.connection.get());
      if (http1->idleButDead())
        continue;
    }
    // Handed out: not idle. The sweep only sees a connection between requests, so without
    // this a connection busy with short requests looked idle and was closed (and its TLS
    // handshake made again) every few seconds.
    entry.idleSince = Clock::now();
    return entry.connection;
  }
  std::erase_if(list, [](const Entry& entry) { return entry.connection->closed(); });
  return nullptr;
}

boost::asio::awaitable<boost::system::result<std::shared_ptr<UpstreamConnection>, ConnectFailure>>
UpstreamPool::acquire(const UpstreamKey& key) {
  using Outcome = boost::system::result<std::shared_ptr<UpstreamConnection>, ConnectFailure>;
  if (auto pooled = findAvailable(key))
    co_return Outcome(std::move(pooled));
  const bool shared = key.protocol == Version::http2;
  if (shared) {
    // A burst of first requests shares the one connection being made (and its handshake).
    if (const auto pending = pending_.find(key); pending != pending_.end()) {
      const auto event = pending->second;
      co_await event->wait();
      if (auto joined = findAvailable(key))
        co_return Outcome(std::move(joined));
    }
  }
  if (connectionsTo(key) >= maxConnectionsPerKey_) {
    co_return Outcome(boost::system::in_place_error,
                      ConnectFailure{make_error_code(errc::http_upstream_unavailable), "overloaded",
                                     std::to_string(maxConnectionsPerKey_) +
                                         " connections to this upstream are busy"});
  }
  std::shared_ptr<AsyncEvent> event;
  if (shared && !pending_.contains(key)) {
    event = std::make_shared<AsyncEvent>(executor_);
    pending_.emplace(key, event);
  }
  ++connecting_[key];
  auto connected = co_await connector_(key);
  if (const auto counted = connecting_.find(key);
      counted != connecting_.end() && --counted->second == 0)
    connecting_.erase(counted);
  if (event) {
    pending_.erase(key);
    event->set();
  }
  if (!connected)
    co_return Outcome(boost::system::in_place_error, connected.error());
  auto connection = adopt(key, std::move(*connected));
  if (!connection) {
    co_return Outcome(boost::system::in_place_error,
                      ConnectFailure{make_error_code(errc::http_upstream_unavailable),
                                     "connect_failed", "the HTTP/2 session could not start"});
  }
  co_return Outcome(std::move(connection));
}

std::shared_ptr<UpstreamConnection> UpstreamPool::adopt(const UpstreamKey& key,
                                                        ConnectedStream connected) {
  auto connection = wrap(key, std::move(connected));
  if (!connection)
    return nullptr;
  entries_[key].push_back({connection, Clock::now()});
  armSweep();
  return connection;
}

std::size_t UpstreamPool::connectionsTo(const UpstreamKey& key) const {
  std::size_t count = 0;
  if (const auto found = entries_.find(key); found != entries_.end()) {
    count += static_cast<std::size_t>(
        std::count_if(found->second.begin(), found->second.end(),
                      [](const Entry& entry) { return !entry.connection->closed(); }));
  }
  if (const auto found = connecting_.find(key); found != connecting_.end())
    count += found->second;
  return count;
}

void UpstreamPool::closeAll() {
  for (auto& [key, list] : entries_) {
    for (auto& entry : list)
      entry.connection->close();
  }
  entries_.clear();
}

void UpstreamPool::armSweep() {
  if (sweeping_)
    return;
  sweeping_ = true;
  sweepTimer_.expires_after(kSweepInterval);
  sweepTimer_.async_wait([this, alive = alive_](const boost::system::error_code& error) {
    if (error || !*alive)
      return;
    sweeping_ = false;
    sweep();
  });
}

void UpstreamPool::sweep() {
  const auto now = Clock::now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto& list = it->second;
    for (auto& entry : list) {
      // In use (an exchange holds it) restarts the idle clock.
      if (!entry.connection->available() || entry.connection.use_count() > 1) {
        entry.idleSince = now;
        continue;
      }
      const auto idleLimit = std::chrono::duration_cast<Clock::duration>(
          it->first.protocol == Version::http2
              ? std::min<std::chrono::milliseconds>(settings_.idleTimeout, kHttp2IdleTimeout)
              : std::chrono::milliseconds(kHttp1IdleTimeout));
      if (now - entry.idleSince >= idleLimit)
        entry.connection->close();
    }
    std::erase_if(list, [](const Entry& entry) { return entry.connection->closed(); });
    it = list.empty() ? entries_.erase(it) : std::next(it);
  }
  if (!entries_.empty())
    armSweep();
}

}  // namespace wasmesh::proxy::http
