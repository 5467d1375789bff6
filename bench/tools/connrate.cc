// connrate: the connection-rate load tool of bench/run.sh. Plain POSIX + epoll, no wasmesh code.
//
//   connrate echo PORT [--threads N]
//       Echo server on 127.0.0.1:PORT (SO_REUSEPORT, one epoll loop per thread). It echoes
//       every byte; once it has echoed a '\n' it closes the connection (server closes first,
//       as an HTTP/1.0 server does, so TIME_WAIT stays on the server side of each hop).
//   connrate rate HOST:PORT [--seconds S] [--concurrency C] [--threads T] [--bytes B]
//       For S seconds keep C connections in flight per thread: connect, write B bytes ending
//       in '\n', read the echo until EOF, close, start the next one. Prints one line
//       `conns=... seconds=... rate=... errors=... p50_us=... p99_us=...`.
//       A connection counts only if all B bytes came back before EOF.
//   connrate hold HOST:PORT N [--seconds S]
//       Opens N connections, writes 4 bytes (no '\n') on each and waits for their echo, so
//       every connection is established end to end through a proxy; prints `held N` and
//       keeps them open, idle, for S seconds (default 60) or until it is killed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "connrate: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: connrate echo PORT [--threads N]\n"
               "       connrate rate HOST:PORT [--seconds S] [--concurrency C] [--threads T] "
               "[--bytes B]\n"
               "       connrate hold HOST:PORT N [--seconds S]\n");
  std::exit(2);
}

void raiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

sockaddr_in parseAddress(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    usage();
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::stoi(text.substr(colon + 1))));
  if (inet_pton(AF_INET, text.substr(0, colon).c_str(), &address.sin_addr) != 1)
    usage();
  return address;
}

long optionValue(int argc, char** argv, std::string_view name, long fallback) {
  for (int i = 0; i + 1 < argc; ++i)
    if (name == argv[i])
      return std::stol(argv[i + 1]);
  return fallback;
}

// ---------------------------------------------------------------------------------------------
// echo server

struct EchoConnection {
  int fd = -1;
  std::string pending;  // echo bytes the socket did not take yet
  bool closeAfterFlush = false;
};

void closeEcho(int epoll, EchoConnection* connection) {
  epoll_ctl(epoll, EPOLL_CTL_DEL, connection->fd, nullptr);
  close(connection->fd);
  delete connection;
}

// Returns false when the connection is finished (closed and deleted).
bool flushEcho(int epoll, EchoConnection* connection) {
  while (!connection->pending.empty()) {
    const auto written =
        send(connection->fd, connection->pending.data(), connection->pending.size(), MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EAGAIN) {
        epoll_event event{EPOLLIN | EPOLLOUT, {.ptr = connection}};
        epoll_ctl(epoll, EPOLL_CTL_MOD, connection->fd, &event);
        return true;
      }
      closeEcho(epoll, connection);
      return false;
    }
    connection->pending.erase(0, static_cast<std::size_t>(written));
  }
  if (connection->closeAfterFlush) {
    closeEcho(epoll, connection);
    return false;
  }
  epoll_event event{EPOLLIN, {.ptr = connection}};
  epoll_ctl(epoll, EPOLL_CTL_MOD, connection->fd, &event);
  return true;
}

void echoLoop(std::uint16_t port) {
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
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
  if (listen(listener, 65535) < 0)
    die("listen");
  const int epoll = epoll_create1(0);
  epoll_event listenEvent{EPOLLIN, {.ptr = nullptr}};
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &listenEvent);
  std::vector<epoll_event> events(512);
  char buffer[65536];
  while (true) {
    const int count = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), -1);
    for (int i = 0; i < count; ++i) {
      auto* connection = static_cast<EchoConnection*>(events[i].data.ptr);
      if (connection == nullptr) {
        while (true) {
          const int fd = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
          if (fd < 0)
            break;
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          auto* accepted = new EchoConnection{fd, {}, false};
          epoll_event event{EPOLLIN, {.ptr = accepted}};
          epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event);
        }
        continue;
      }
      if ((events[i].events & EPOLLOUT) != 0 && !flushEcho(epoll, connection))
        continue;
      if ((events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0)
        continue;
      const auto got = recv(connection->fd, buffer, sizeof buffer, 0);
      if (got == 0 || (got < 0 && errno != EAGAIN)) {
        closeEcho(epoll, connection);
        continue;
      }
      if (got < 0)
        continue;
      connection->pending.append(buffer, static_cast<std::size_t>(got));
      if (std::memchr(buffer, '\n', static_cast<std::size_t>(got)) != nullptr)
        connection->closeAfterFlush = true;
      flushEcho(epoll, connection);
    }
  }
}

int runEcho(int argc, char** argv) {
  if (argc < 3)
    usage();
  const auto port = static_cast<std::uint16_t>(std::stoi(argv[2]));
  const auto threads = optionValue(argc, argv, "--threads", 1);
  std::vector<std::thread> loops;
  for (long i = 0; i < threads; ++i)
    loops.emplace_back(echoLoop, port);
  std::printf("echo listening on 127.0.0.1:%u\n", port);
  std::fflush(stdout);
  for (auto& loop : loops)
    loop.join();
  return 0;
}

// ---------------------------------------------------------------------------------------------
// rate client

struct Slot {
  int fd = -1;
  bool connected = false;
  std::size_t received = 0;
  Clock::time_point started;
};

struct RateResult {
  std::uint64_t completed = 0;
  std::uint64_t errors = 0;
  std::uint64_t connectErrors = 0;
  std::vector<std::uint32_t> latencyUs;
};

void rateLoop(sockaddr_in target, Clock::time_point deadline, long concurrency,
              const std::string& message, RateResult& result) {
  const int epoll = epoll_create1(0);
  std::vector<Slot> slots(static_cast<std::size_t>(concurrency));
  result.latencyUs.reserve(1 << 20);
  char buffer[65536];
  auto start = [&](Slot& slot) {
    while (true) {
      slot = Slot{};
      slot.started = Clock::now();
      slot.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (slot.fd < 0)
        die("socket");
      const int one = 1;
      setsockopt(slot.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (connect(slot.fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0 ||
          errno == EINPROGRESS) {
        epoll_event event{EPOLLOUT, {.ptr = &slot}};
        epoll_ctl(epoll, EPOLL_CTL_ADD, slot.fd, &event);
        return;
      }
      ++result.connectErrors;  // e.g. EADDRNOTAVAIL: out of ephemeral ports
      close(slot.fd);
      if (Clock::now() >= deadline) {
        slot.fd = -1;
        return;
      }
    }
  };
  enum class Outcome { ok, error, connectError };
  auto finish = [&](Slot& slot, Outcome outcome) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, slot.fd, nullptr);
    close(slot.fd);
    slot.fd = -1;
    if (outcome == Outcome::ok) {
      ++result.completed;
      result.latencyUs.push_back(static_cast<std::uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - slot.started)
              .count()));
    } else if (outcome == Outcome::connectError) {
      ++result.connectErrors;
    } else {
      ++result.errors;
    }
    if (Clock::now() < deadline)
      start(slot);
  };
  for (auto& slot : slots)
    start(slot);
  std::vector<epoll_event> events(1024);
  long open = concurrency;
  // After the deadline, connections in flight may finish for one more second; any still open
  // then are counted as errors (a proxy that loses connections shows up here).
  const auto hardStop = deadline + std::chrono::seconds(1);
  while (open > 0 && Clock::now() < hardStop) {
    const int count = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < count; ++i) {
      auto& slot = *static_cast<Slot*>(events[i].data.ptr);
      if (slot.fd < 0)
        continue;
      if (!slot.connected) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(slot.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
          finish(slot, Outcome::connectError);
          continue;
        }
        slot.connected = true;
        // A few bytes always fit in an empty send buffer.
        if (send(slot.fd, message.data(), message.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(message.size())) {
          finish(slot, Outcome::error);
          continue;
        }
        epoll_event event{EPOLLIN, {.ptr = &slot}};
        epoll_ctl(epoll, EPOLL_CTL_MOD, slot.fd, &event);
        continue;
      }
      const auto got = recv(slot.fd, buffer, sizeof buffer, 0);
      if (got > 0) {
        slot.received += static_cast<std::size_t>(got);
        continue;
      }
      if (got < 0 && errno == EAGAIN)
        continue;
      finish(slot, got == 0 && slot.received == message.size() ? Outcome::ok : Outcome::error);
    }
    open = 0;
    for (auto& slot : slots)
      open += slot.fd >= 0 ? 1 : 0;
  }
  for (auto& slot : slots)
    if (slot.fd >= 0) {
      close(slot.fd);
      ++result.errors;
    }
  close(epoll);
}

int runRate(int argc, char** argv) {
  if (argc < 3)
    usage();
  const auto target = parseAddress(argv[2]);
  const auto seconds = optionValue(argc, argv, "--seconds", 5);
  const auto concurrency = optionValue(argc, argv, "--concurrency", 32);
  const auto threads = optionValue(argc, argv, "--threads", 1);
  const auto bytes = std::max(1L, optionValue(argc, argv, "--bytes", 16));
  std::string message(static_cast<std::size_t>(bytes - 1), 'x');
  message.push_back('\n');
  raiseFileLimit();
  const auto began = Clock::now();
  const auto deadline = began + std::chrono::seconds(seconds);
  std::vector<RateResult> results(static_cast<std::size_t>(threads));
  std::vector<std::thread> loops;
  for (long i = 0; i < threads; ++i)
    loops.emplace_back(rateLoop, target, deadline, concurrency, std::cref(message),
                       std::ref(results[static_cast<std::size_t>(i)]));
  for (auto& loop : loops)
    loop.join();
  // Rate over the nominal duration: completions after the deadline are few (at most
  // concurrency per thread) and are the tail of work started before it.
  RateResult total;
  for (auto& result : results) {
    total.completed += result.completed;
    total.errors += result.errors;
    total.connectErrors += result.connectErrors;
    total.latencyUs.insert(total.latencyUs.end(), result.latencyUs.begin(), result.latencyUs.end());
  }
  std::sort(total.latencyUs.begin(), total.latencyUs.end());
  auto percentile = [&](double p) -> unsigned {
    if (total.latencyUs.empty())
      return 0;
    return total.latencyUs[std::min(total.latencyUs.size() - 1,
                                    static_cast<std::size_t>(p * total.latencyUs.size()))];
  };
  std::printf(
      "conns=%llu seconds=%ld rate=%.0f errors=%llu connect_errors=%llu p50_us=%u "
      "p99_us=%u\n",
      static_cast<unsigned long long>(total.completed), seconds,
      static_cast<double>(total.completed) / static_cast<double>(seconds),
      static_cast<unsigned long long>(total.errors),
      static_cast<unsigned long long>(total.connectErrors), percentile(0.50), percentile(0.99));
  return total.errors + total.connectErrors == 0 ? 0 : 3;
}

// ---------------------------------------------------------------------------------------------
// hold

int runHold(int argc, char** argv) {
  if (argc < 4)
    usage();
  const auto target = parseAddress(argv[2]);
  const auto count = std::stol(argv[3]);
  const auto seconds = optionValue(argc, argv, "--seconds", 60);
  raiseFileLimit();
  std::vector<int> fds;
  for (long i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
      die("socket");
    if (connect(fd, reinterpret_cast<const sockaddr*>(&target), sizeof target) < 0)
      die("connect");
    if (send(fd, "hold", 4, MSG_NOSIGNAL) != 4)
      die("send");
    char echo[4];
    std::size_t got = 0;
    pollfd wait{fd, POLLIN, 0};
    while (got < sizeof echo) {
      if (poll(&wait, 1, 5000) != 1) {
        std::fprintf(stderr, "connrate: connection %ld: no echo within 5 s\n", i);
        return 1;
      }
      const auto n = recv(fd, echo + got, sizeof echo - got, 0);
      if (n <= 0) {
        std::fprintf(stderr, "connrate: connection %ld closed before its echo\n", i);
        return 1;
      }
      got += static_cast<std::size_t>(n);
    }
    fds.push_back(fd);
  }
  std::printf("held %ld\n", count);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  for (const int fd : fds)
    close(fd);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    usage();
  const std::string_view mode = argv[1];
  if (mode == "echo")
    return runEcho(argc, argv);
  if (mode == "rate")
    return runRate(argc, argv);
  if (mode == "hold")
    return runHold(argc, argv);
  usage();
}
