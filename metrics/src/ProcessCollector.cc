#include "wasmesh/metrics/ProcessCollector.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace wasmesh::metrics {
namespace {

// Linux's USER_HZ and the common page size, for the unlikely case sysconf() fails.
constexpr double kFallbackTicksPerSecond = 100;
constexpr double kFallbackPageSize = 4096;

std::optional<std::string> readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return std::nullopt;
  }
  return content;
}

std::optional<std::uint64_t> parseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::vector<std::string_view> splitWhitespace(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (true) {
    pos = text.find_first_not_of(" \t\n", pos);
    if (pos == std::string_view::npos) {
      return fields;
    }
    const std::size_t end = std::min(text.find_first_of(" \t\n", pos), text.size());
    fields.push_back(text.substr(pos, end - pos));
    pos = end;
  }
}

// The fields of /proc/<pid>/stat we export (proc(5) numbering in comments).
struct ProcStat {
  std::uint64_t userTicks = 0;      // 14 utime
  std::uint64_t systemTicks = 0;    // 15 stime
  std::uint64_t threads = 0;        // 20 num_threads
  std::uint64_t startTicks = 0;     // 22 starttime, ticks after boot
  std::uint64_t virtualBytes = 0;   // 23 vsize
  std::uint64_t residentPages = 0;  // 24 rss
};

std::optional<ProcStat> parseStat(std::string_view content) {
  // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
  const std::size_t close = content.rfind(')');
  if (close == std::string_view::npos) {
    return std::nullopt;
  }
  const std::vector<std::string_view> fields = splitWhitespace(content.substr(close + 1));
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  constexpr std::size_t kFirstField = 3;
  constexpr std::size_t kLastNeeded = 24;
  if (fields.size() <= kLastNeeded - kFirstField) {
    return std::nullopt;
  }
  const auto field = [&](std::size_t n) { return parseUnsigned(fields[n - kFirstField]); };
  const auto utime = field(14);
  const auto stime = field(15);
  const auto threads = field(20);
  const auto start = field(22);
  const auto vsize = field(23);
  const auto rss = field(24);
  if (!utime || !stime || !threads || !start || !vsize || !rss) {
    return std::nullopt;
  }
  return ProcStat{*utime, *stime, *threads, *start, *vsize, *rss};
}

std::optional<double> readBootTime(const std::filesystem::path& procStat) {
  const std::optional<std::string> content = readFile(procStat);
  if (!content) {
    return std::nullopt;
  }
  std::istringstream lines(*content);
  std::string line;
  constexpr std::string_view kPrefix = "btime ";
  while (std::getline(lines, line)) {
    if (line.starts_with(kPrefix)) {
      if (const auto seconds = parseUnsigned(std::string_view(line).substr(kPrefix.size()))) {
        return static_cast<double>(*seconds);
      }
    }
  }
  return std::nullopt;
}

// The soft limit on open files; "unlimited" is +Inf.
std::optional<double> readMaxFds(const std::filesystem::path& limits) {
  const std::optional<std::string> content = readFile(limits);
  if (!content) {
    return std::nullopt;
  }
  std::istringstream lines(*content);
  std::string line;
  constexpr std::string_view kPrefix = "Max open files";
  while (std::getline(lines, line)) {
    if (!line.starts_with(kPrefix)) {
      continue;
    }
    const std::vector<std::string_view> fields =
        splitWhitespace(std::string_view(line).substr(kPrefix.size()));
    if (fields.empty()) {
      return std::nullopt;
    }
    if (fields[0] == "unlimited") {
      return std::numeric_limits<double>::infinity();
    }
    if (const auto soft = parseUnsigned(fields[0])) {
      return static_cast<double>(*soft);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

std::optional<double> countOpenFds(const std::filesystem::path& fdDir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(fdDir, ec);
  if (ec) {
    return std::nullopt;
  }
  std::uint64_t count = 0;
  for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) {
      return std::nullopt;
    }
    ++count;
  }
  return static_cast<double>(count);
}

double positiveOr(long value, double fallback) {
  return value > 0 ? static_cast<double>(value) : fallback;
}

void gauge(Sink& sink, std::string_view name, std::string_view help, std::optional<double> value) {
  if (value) {
    sink.family(name, help, MetricType::Gauge);
    sink.sample({}, *value);
  }
}

}  // namespace

ProcessCollector::ProcessCollector() : ProcessCollector("/proc") {}

ProcessCollector::ProcessCollector(std::filesystem::path procRoot)
    : procRoot_(std::move(procRoot)),
      bootTimeSeconds_(readBootTime(procRoot_ / "stat")),
      ticksPerSecond_(positiveOr(sysconf(_SC_CLK_TCK), kFallbackTicksPerSecond)),
      pageSizeBytes_(positiveOr(sysconf(_SC_PAGESIZE), kFallbackPageSize)) {}

void ProcessCollector::collect(Sink& sink) {
  const std::filesystem::path self = procRoot_ / "self";
  std::optional<ProcStat> stat;
  if (const std::optional<std::string> content = readFile(self / "stat")) {
    stat = parseStat(*content);
  }
  if (stat && bootTimeSeconds_) {
    gauge(sink, "process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.",
          *bootTimeSeconds_ + static_cast<double>(stat->startTicks) / ticksPerSecond_);
  }
  if (stat) {
    sink.family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                MetricType::Counter);
    sink.sample({}, static_cast<double>(stat->userTicks + stat->systemTicks) / ticksPerSecond_);
    gauge(sink, "process_resident_memory_bytes", "Resident memory size in bytes.",
          static_cast<double>(stat->residentPages) * pageSizeBytes_);
    gauge(sink, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
          static_cast<double>(stat->virtualBytes));
  }
  gauge(sink, "process_open_fds", "Number of open file descriptors.", countOpenFds(self / "fd"));
  gauge(sink, "process_max_fds", "Maximum number of open file descriptors.",
        readMaxFds(self / "limits"));
  if (stat) {
    gauge(sink, "process_threads", "Number of OS threads in the process.",
          static_cast<double>(stat->threads));
  }
}

}  // namespace wasmesh::metrics
