// ratehttp: an open-loop, constant-rate HTTP/1.1 load generator for bench/http.sh (wrk2 is not
// packaged for Debian). Plain POSIX + epoll + timerfd, one thread, no wasmesh code.
//
//   ratehttp HOST:PORT --rate R --seconds S [--warmup W] [--connections C] [--path P]
//            [--expect-bytes N] [--timeout-ms T]
//
// Request k is due at t0 + k/R (CLOCK_MONOTONIC, nanoseconds), whatever happened to the
// requests before it: the schedule never waits for the server (open loop). A due request goes
// out on the next idle keep-alive connection, round robin over the C (default 16) opened at
// start, so each connection carries about R/C requests/s from the first one on; when none is
// idle it waits for one, and that wait counts in its latency. Latency is taken from the time
// the request was DUE to the end of its response ("corrected", as wrk2 reports it), so a
// stall of the server shows in every request scheduled during it instead of in one
// (coordinated omission). The time from the request's actual write to the end of its
// response ("service time") is reported as well; the difference between the two is this
// generator's own lateness (timer wake-up, waiting for a connection).
//
// The first W seconds (default 1) are sent but not measured; then S seconds are. A response
// counts only if it is complete, has status 200 and a Content-Length body of N bytes (when
// --expect-bytes is given); anything else, a closed or reset connection, or no complete
// response within T ms (default 2000) is an error (the connection is then opened anew).
// Prints one line:
//   target=.. rate=.. seconds=.. connections=.. requests=.. errors=.. achieved_rps=..
//   p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=.. mean_us=.. svc_p50_us=.. svc_p99_us=..
//   late_1ms=..
// (late_1ms: measured requests written more than 1 ms after they were due). Exits 3 if there
// were errors.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace {

using Nanos = std::int64_t;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "ratehttp: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: ratehttp HOST:PORT --rate R --seconds S [--warmup W] [--connections C]\n"
               "                [--path P] [--expect-bytes N] [--timeout-ms T]\n");
  std::exit(2);
}

Nanos now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Nanos{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::string_view option(int argc, char** argv, std::string_view name, std::string_view fallback) {
  for (int i = 2; i + 1 < argc; ++i)
    if (name == argv[i])
      return argv[i + 1];
  return fallback;
}

long number(int argc, char** argv, std::string_view name, long fallback) {
  const auto text = option(argc, argv, name, "");
  if (text.empty())
    return fallback;
  char* end = nullptr;
  const long value = std::strtol(std::string(text).c_str(), &end, 10);
  if (end == nullptr || *end != '\0' || value < 0)
    usage();
  return value;
}

struct Connection {
  int fd = -1;
  bool busy = false;
  Nanos due = 0;   // when the request in flight was due
  Nanos sent = 0;  // when it was written
  bool measured = false;
  std::string in;  // response bytes so far
};

class Generator {
 public:
  Generator(sockaddr_in target, std::string request, long expectBytes, Nanos timeout)
      : target_(target),
        request_(std::move(request)),
        expectBytes_(expectBytes),
        timeout_(timeout) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_ < 0 || timer_ < 0)
      die("epoll/timerfd");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = UINT64_MAX;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &event) != 0)
      die("epoll_ctl timer");
  }

  void open(std::size_t count) {
    connections_.resize(count);
    for (std::size_t i = 0; i < count; ++i)
      connect(i);
  }

  // Runs the whole schedule: total requests, the first `warmup` of them not measured.
  void run(Nanos start, Nanos interval, std::uint64_t total, std::uint64_t warmup) {
    start_ = start;
    interval_ = interval;
    total_ = total;
    warmup_ = warmup;
    std::vector<epoll_event> events(connections_.size() + 1);
    for (;;) {
      const Nanos t = now();
      expire(t);
      dispatch(t);
      if (next_ >= total_ && inFlight() == 0)
        break;
      armTimer(t);
      const int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      if (ready < 0) {
        if (errno == EINTR)
          continue;
        die("epoll_wait");
      }
      for (int i = 0; i < ready; ++i) {
        if (events[i].data.u64 == UINT64_MAX) {
          std::uint64_t expirations = 0;
          [[maybe_unused]] auto n = read(timer_, &expirations, sizeof expirations);
          continue;
        }
        readable(static_cast<std::size_t>(events[i].data.u64));
      }
    }
  }

  std::vector<Nanos> latencies;  // due -> complete, measured requests
  std::vector<Nanos> service;    // written -> complete
  std::uint64_t errors = 0;
  std::uint64_t late = 0;

 private:
  Nanos dueAt(std::uint64_t k) const { return start_ + static_cast<Nanos>(k) * interval_; }

  std::size_t inFlight() const {
    return static_cast<std::size_t>(
        std::count_if(connections_.begin(), connections_.end(), [](auto& c) { return c.busy; }));
  }

  void connect(std::size_t index) {
    auto& c = connections_[index];
    if (c.fd >= 0)
      close(c.fd);
    c = Connection{};
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0)
      die("socket");
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&target_), sizeof target_) != 0)
      die("connect");
    // Non-blocking only after connect(): a request is small and goes out in one write.
    const int flags = fcntl(c.fd, F_GETFL);
    fcntl(c.fd, F_SETFL, flags | O_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.u64 = index;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event) != 0)
      die("epoll_ctl");
  }

  // The connection is closed and opened anew, idle. A request in flight on it is lost: an
  // error if it was measured. (An idle connection the server closed is no error.)
  void fail(std::size_t index) {
    if (connections_[index].busy && connections_[index].measured)
      ++errors;
    connect(index);
  }

  void expire(Nanos t) {
    for (std::size_t i = 0; i < connections_.size(); ++i)
      if (connections_[i].busy && t - connections_[i].sent > timeout_)
        fail(i);
  }

  void dispatch(Nanos t) {
    while (next_ < total_ && dueAt(next_) <= t) {
      // Round robin from the connection after the last one used, so that every connection
      // carries requests from the start (a proxy may treat a connection that stays silent
      // after connecting differently: wasmesh takes one silent for 100 ms on a meshed port
      // for a server-first protocol's).
      std::size_t index = cursor_;
      std::size_t tried = 0;
      while (tried < connections_.size() && connections_[index].busy) {
        index = (index + 1) % connections_.size();
        ++tried;
      }
      if (tried == connections_.size())
        return;  // it waits for a response to free a connection; its latency runs meanwhile
      cursor_ = (index + 1) % connections_.size();
      auto& c = connections_[index];
      c.busy = true;
      c.due = dueAt(next_);
      c.measured = next_ >= warmup_;
      ++next_;
      c.sent = now();
      if (c.measured && c.sent - c.due > 1'000'000)
        ++late;
      const auto wrote = send(c.fd, request_.data(), request_.size(), MSG_NOSIGNAL);
      if (wrote != static_cast<ssize_t>(request_.size()))
        fail(index);
    }
  }

  void armTimer(Nanos t) {
    itimerspec spec{};
    if (next_ < total_ && inFlight() < connections_.size()) {
      const Nanos due = std::max(dueAt(next_), t + 1000);
      spec.it_value.tv_sec = due / 1'000'000'000;
      spec.it_value.tv_nsec = due % 1'000'000'000;
    }
    // Zero disarms it: a free connection, when a response completes, dispatches again.
    if (timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr) != 0)
      die("timerfd_settime");
  }

  void readable(std::size_t index) {
    auto& c = connections_[index];
    char buffer[65536];
    for (;;) {
      const auto n = recv(c.fd, buffer, sizeof buffer, 0);
      if (n > 0) {
        c.in.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        break;
      fail(index);  // EOF or an error: a response in flight is lost
      return;
    }
    if (!c.busy) {
      fail(index);  // bytes nobody asked for
      return;
    }
    const auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos)
      return;
    const std::string_view head(c.in.data(), end + 2);
    if (head.substr(0, 13) != "HTTP/1.1 200 ") {
      fail(index);
      return;
    }
    long length = -1;
    for (std::size_t pos = head.find("\r\n") + 2; pos < head.size();) {
      const auto eol = head.find("\r\n", pos);
      const auto line = head.substr(pos, eol - pos);
      pos = eol + 2;
      constexpr std::string_view kName = "content-length:";
      if (line.size() > kName.size() &&
          std::equal(kName.begin(), kName.end(), line.begin(), [](char a, char b) {
            return a == (b >= 'A' && b <= 'Z' ? static_cast<char>(b + 32) : b);
          }))
        length = std::strtol(std::string(line.substr(kName.size())).c_str(), nullptr, 10);
    }
    if (length < 0 || (expectBytes_ >= 0 && length != expectBytes_)) {
      fail(index);
      return;
    }
    const auto total = end + 4 + static_cast<std::size_t>(length);
    if (c.in.size() < total)
      return;
    if (c.in.size() > total) {
      fail(index);
      return;
    }
    const Nanos t = now();
    if (c.measured) {
      latencies.push_back(t - c.due);
      service.push_back(t - c.sent);
    }
    c.in.clear();
    c.busy = false;
  }

  sockaddr_in target_;
  std::string request_;
  long expectBytes_;
  Nanos timeout_;
  int epoll_ = -1;
  int timer_ = -1;
  std::vector<Connection> connections_;
  Nanos start_ = 0;
  Nanos interval_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t warmup_ = 0;
  std::uint64_t next_ = 0;
  std::size_t cursor_ = 0;
};

double percentileUs(std::vector<Nanos> values, double p) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  // Nearest rank.
  auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, values.size());
  return static_cast<double>(values[rank - 1]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    usage();
  const std::string_view hostPort = argv[1];
  const auto colon = hostPort.rfind(':');
  if (colon == std::string_view::npos)
    usage();
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port =
      htons(static_cast<std::uint16_t>(std::stoi(std::string(hostPort.substr(colon + 1)))));
  if (inet_pton(AF_INET, std::string(hostPort.substr(0, colon)).c_str(), &target.sin_addr) != 1)
    usage();
  const long rate = number(argc, argv, "--rate", 0);
  const long seconds = number(argc, argv, "--seconds", 0);
  const long warmupSeconds = number(argc, argv, "--warmup", 1);
  const long connections = number(argc, argv, "--connections", 16);
  const long expectBytes = number(argc, argv, "--expect-bytes", -1);
  const long timeoutMs = number(argc, argv, "--timeout-ms", 2000);
  const std::string path(option(argc, argv, "--path", "/"));
  if (rate <= 0 || seconds <= 0 || connections <= 0)
    usage();
  // Timers fire this late at most (the default slack is 50 µs).
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

  const std::string request = "GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n";
  Generator generator(target, request, expectBytes, Nanos{timeoutMs} * 1'000'000);
  generator.open(static_cast<std::size_t>(connections));
  const Nanos interval = 1'000'000'000 / rate;
  const auto warmup = static_cast<std::uint64_t>(warmupSeconds * rate);
  const auto total = warmup + static_cast<std::uint64_t>(seconds * rate);
  generator.run(now() + 10'000'000, interval, total, warmup);

  const auto& lat = generator.latencies;
  double mean = 0;
  for (const auto value : lat)
    mean += static_cast<double>(value) / 1000.0;
  if (!lat.empty())
    mean /= static_cast<double>(lat.size());
  std::printf(
      "target=%.*s rate=%ld seconds=%ld connections=%ld requests=%zu errors=%llu "
      "achieved_rps=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
      "mean_us=%.1f svc_p50_us=%.1f svc_p99_us=%.1f late_1ms=%llu\n",
      static_cast<int>(hostPort.size()), hostPort.data(), rate, seconds, connections, lat.size(),
      static_cast<unsigned long long>(generator.errors),
      static_cast<double>(lat.size()) / static_cast<double>(seconds), percentileUs(lat, 50),
      percentileUs(lat, 90), percentileUs(lat, 99), percentileUs(lat, 99.9), percentileUs(lat, 100),
      mean, percentileUs(generator.service, 50), percentileUs(generator.service, 99),
      static_cast<unsigned long long>(generator.late));
  return generator.errors == 0 ? 0 : 3;
}
