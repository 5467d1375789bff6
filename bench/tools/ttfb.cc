// ttfb: time to first byte of new connections, for bench/ttfb.sh. Plain POSIX + epoll, no
// wasmesh code.
//
//   ttfb server greeting|http PORT [PORT...] [--threads N]
//       Listens on 127.0.0.1:PORT for every PORT given (SO_REUSEPORT, one epoll loop per
//       thread, default 1).
//       greeting: server speaks first, as SMTP, MySQL or NATS do: on accept it writes
//                 "220 ttfb ESMTP\r\n" at once, then reads and discards until EOF and closes.
//       http:     reads HTTP/1.1 requests (everything up to "\r\n\r\n"; no bodies) and answers
//                 each with the same small 200 response; it keeps the connection open for more
//                 requests and closes it when the client's EOF arrives.
//   ttfb client greeting|http HOST:PORT [--connections N] [--warmup W] [--timeout-ms T]
//       N new connections, one after the other (default 2000), after W more that are not
//       measured (default 200). Each: create the socket, take the time, connect() (blocking),
//       [http: send "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"], block in recv() until the first
//       response byte, take the time. That interval (CLOCK_MONOTONIC) is the sample. Then it
//       reads the rest of the response and checks it byte for byte, sends its FIN and waits
//       for the server's, and closes, so no connection overlaps the next one. A connection
//       whose response is wrong, short or later than T ms (default 2000) is an error and no
//       sample. Prints one line:
//         mode=.. target=.. n=.. warmup=.. errors=.. p50_us=.. p90_us=.. p99_us=.. max_us=..
//         mean_us=.. connect_p50_us=..
//       (on one line; µs with one decimal; connect_p50_us is the median time connect() took).
//       Exits 3 if there were errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr std::string_view kBanner = "220 ttfb ESMTP\r\n";
constexpr std::string_view kRequest = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nttfb\n";

enum class Mode { greeting, http };

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ttfb: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: ttfb server greeting|http PORT [PORT...] [--threads N]\n"
               "       ttfb client greeting|http HOST:PORT [--connections N] [--warmup W] "
               "[--timeout-ms T]\n");
  std::exit(2);
}

Mode parseMode(std::string_view text) {
  if (text == "greeting")
    return Mode::greeting;
  if (text == "http")
    return Mode::http;
  usage();
}

long optionValue(int argc, char** argv, std::string_view name, long fallback) {
  for (int i = 0; i + 1 < argc; ++i)
    if (name == argv[i])
      return std::stol(argv[i + 1]);
  return fallback;
}

std::uint16_t parsePort(const std::string& text) {
  const long port = std::stol(text);
  if (port < 1 || port > 65535)
    usage();
  return static_cast<std::uint16_t>(port);
}

// ---------------------------------------------------------------------------------------------
// server

struct ServerConnection {
  int fd = -1;
  std::string received;  // http: bytes of a request whose end has not arrived yet
  std::string pending;   // bytes the socket did not take yet
};

void closeServer(int epoll, ServerConnection* connection) {
  epoll_ctl(epoll, EPOLL_CTL_DEL, connection->fd, nullptr);
  close(connection->fd);
  delete connection;
}

// Sends what is pending; returns false when the connection failed (and was deleted).
bool flushServer(int epoll, ServerConnection* connection) {
  while (!connection->pending.empty()) {
    const auto written =
        send(connection->fd, connection->pending.data(), connection->pending.size(), MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EAGAIN) {
        epoll_event event{EPOLLIN | EPOLLOUT, {.ptr = connection}};
        epoll_ctl(epoll, EPOLL_CTL_MOD, connection->fd, &event);
        return true;
      }
      closeServer(epoll, connection);
      return false;
    }
    connection->pending.erase(0, static_cast<std::size_t>(written));
  }
  epoll_event event{EPOLLIN, {.ptr = connection}};
  epoll_ctl(epoll, EPOLL_CTL_MOD, connection->fd, &event);
  return true;
}

int listenOn(std::uint16_t port) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listener < 0)
    die("socket");
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(listener, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
    die("bind");
  if (listen(listener, 4096) < 0)
    die("listen");
  return listener;
}

void serverLoop(Mode mode, const std::vector<std::uint16_t>& ports) {
  const int epoll = epoll_create1(EPOLL_CLOEXEC);
  // Listeners are registered with their fd as data (u64 with the top bit set); connections
  // with their pointer.
  constexpr std::uint64_t kListenerTag = std::uint64_t{1} << 63;
  for (const auto port : ports) {
    const int listener = listenOn(port);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kListenerTag | static_cast<std::uint64_t>(listener);
    epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
  }
  std::vector<epoll_event> events(256);
  char buffer[16384];
  const int one = 1;
  while (true) {
    const int count = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < count; ++i) {
      if ((events[i].data.u64 & kListenerTag) != 0) {
        const int listener = static_cast<int>(events[i].data.u64 & ~kListenerTag);
        while (true) {
          const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0)
            break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto* accepted = new ServerConnection{fd, {}, {}};
          epoll_event event{EPOLLIN, {.ptr = accepted}};
          epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
          if (mode == Mode::greeting) {
            accepted->pending = kBanner;
            flushServer(epoll, accepted);
          }
        }
        continue;
      }
      auto* connection = static_cast<ServerConnection*>(events[i].data.ptr);
      if ((events[i].events & EPOLLOUT) != 0 && !flushServer(epoll, connection))
        continue;
      if ((events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0)
        continue;
      const auto got = recv(connection->fd, buffer, sizeof buffer, 0);
      if (got == 0 || (got < 0 && errno != EAGAIN)) {
        closeServer(epoll, connection);
        continue;
      }
      if (got < 0 || mode == Mode::greeting)
        continue;  // greeting: what the client sends is read and dropped
      connection->received.append(buffer, static_cast<std::size_t>(got));
      std::size_t end = 0;
      while ((end = connection->received.find("\r\n\r\n")) != std::string::npos) {
        connection->received.erase(0, end + 4);
        connection->pending += kResponse;
      }
      if (connection->received.size() > 65536) {  // not HTTP: no header end in 64 KiB
        closeServer(epoll, connection);
        continue;
      }
      flushServer(epoll, connection);
    }
  }
}

int runServer(int argc, char** argv) {
  if (argc < 4)
    usage();
  const Mode mode = parseMode(argv[2]);
  std::vector<std::uint16_t> ports;
  for (int i = 3; i < argc && std::string_view(argv[i]).substr(0, 2) != "--"; ++i)
    ports.push_back(parsePort(argv[i]));
  if (ports.empty())
    usage();
  const auto threads = optionValue(argc, argv, "--threads", 1);
  std::vector<std::thread> loops;
  for (long i = 0; i < threads; ++i)
    loops.emplace_back(serverLoop, mode, std::cref(ports));
  for (const auto port : ports)
    std::printf("%s server listening on 127.0.0.1:%u\n", argv[2], port);
  std::fflush(stdout);
  for (auto& loop : loops)
    loop.join();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// client

std::int64_t nowNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return std::int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

struct Sample {
  std::int64_t firstByteNs = 0;
  std::int64_t connectNs = 0;
};

// One connection; returns false (and says why on stderr, for the first few) on an error.
bool measureOne(Mode mode, const sockaddr_in& target, long timeoutMs, Sample& sample,
                long& reported) {
  // A recv() that returned 0 leaves errno as it was, so callers say whether errno applies.
  auto fail = [&](const char* what, int fd, bool withErrno = true) {
    const int error = withErrno ? errno : 0;
    if (reported < 5) {
      const char* why = error == EAGAIN || error == EWOULDBLOCK ? "timed out"
                        : error != 0                            ? std::strerror(error)
                                                                : nullptr;
      std::fprintf(stderr, "ttfb: connection failed: %s%s%s\n", what, why ? ": " : "",
                   why ? why : "");
      if (++reported == 5)
        std::fprintf(stderr, "ttfb: (further errors are only counted)\n");
    }
    if (fd >= 0)
      close(fd);
    return false;
  };
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    die("socket");
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval timeout{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);  // recv()
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);  // connect(), send()
  const std::string_view expected = mode == Mode::greeting ? kBanner : kResponse;
  char buffer[4096];

  const auto start = nowNs();
  if (connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0)
    return fail("connect", fd);
  const auto connected = nowNs();
  if (mode == Mode::http && send(fd, kRequest.data(), kRequest.size(), MSG_NOSIGNAL) !=
                                static_cast<ssize_t>(kRequest.size()))
    return fail("send", fd);
  auto got = recv(fd, buffer, sizeof buffer, 0);
  const auto firstByte = nowNs();
  if (got <= 0)
    return fail(got == 0 ? "EOF before the first byte" : "waiting for the first byte", fd, got < 0);
  sample.firstByteNs = firstByte - start;
  sample.connectNs = connected - start;

  // Not measured: the rest of the response, then an orderly close in both directions.
  std::string response(buffer, static_cast<std::size_t>(got));
  while (response.size() < expected.size()) {
    got = recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0)
      return fail(got == 0 ? "EOF inside the response" : "reading the response", fd, got < 0);
    response.append(buffer, static_cast<std::size_t>(got));
  }
  if (response != expected)
    return fail("unexpected response bytes", fd, false);
  shutdown(fd, SHUT_WR);
  got = recv(fd, buffer, sizeof buffer, 0);
  if (got != 0)
    return fail(got > 0 ? "bytes after the response" : "waiting for the server's EOF", fd, got < 0);
  close(fd);
  return true;
}

int runClient(int argc, char** argv) {
  if (argc < 4)
    usage();
  const Mode mode = parseMode(argv[2]);
  const std::string targetText = argv[3];
  const auto colon = targetText.rfind(':');
  if (colon == std::string::npos)
    usage();
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(parsePort(targetText.substr(colon + 1)));
  if (inet_pton(AF_INET, targetText.substr(0, colon).c_str(), &target.sin_addr) != 1)
    usage();
  const auto connections = std::max(1L, optionValue(argc, argv, "--connections", 2000));
  const auto warmup = std::max(0L, optionValue(argc, argv, "--warmup", 200));
  const auto timeoutMs = std::max(1L, optionValue(argc, argv, "--timeout-ms", 2000));

  long errors = 0;
  long reported = 0;
  Sample sample;
  for (long i = 0; i < warmup; ++i)
    if (!measureOne(mode, target, timeoutMs, sample, reported))
      ++errors;
  std::vector<std::int64_t> firstByte;
  std::vector<std::int64_t> connect;
  firstByte.reserve(static_cast<std::size_t>(connections));
  connect.reserve(static_cast<std::size_t>(connections));
  for (long i = 0; i < connections; ++i) {
    if (!measureOne(mode, target, timeoutMs, sample, reported)) {
      ++errors;
      continue;
    }
    firstByte.push_back(sample.firstByteNs);
    connect.push_back(sample.connectNs);
  }
  std::sort(firstByte.begin(), firstByte.end());
  std::sort(connect.begin(), connect.end());
  // Nearest rank: the smallest sample with at least p of all samples at or below it.
  auto percentile = [](const std::vector<std::int64_t>& sorted, double p) -> double {
    if (sorted.empty())
      return 0;
    const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
    return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]) / 1e3;
  };
  double sum = 0;
  for (const auto value : firstByte)
    sum += static_cast<double>(value);
  const double mean = firstByte.empty() ? 0 : sum / static_cast<double>(firstByte.size()) / 1e3;
  std::printf(
      "mode=%s target=%s n=%zu warmup=%ld errors=%ld p50_us=%.1f p90_us=%.1f "
      "p99_us=%.1f max_us=%.1f mean_us=%.1f connect_p50_us=%.1f\n",
      argv[2], targetText.c_str(), firstByte.size(), warmup, errors, percentile(firstByte, 0.50),
      percentile(firstByte, 0.90), percentile(firstByte, 0.99), percentile(firstByte, 1.0), mean,
      percentile(connect, 0.50));
  return errors == 0 ? 0 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    usage();
  const std::string_view command = argv[1];
  if (command == "server")
    return runServer(argc, argv);
  if (command == "client")
    return runClient(argc, argv);
  usage();
}
