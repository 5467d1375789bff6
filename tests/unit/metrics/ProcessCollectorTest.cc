// process_* metrics, from the real /proc and from a fake one with known contents.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "wasmesh/metrics/ProcessCollector.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::metrics {
namespace {

// The value of the unlabelled sample `name`, if present.
std::optional<double> valueOf(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with(name + " ")) {
      return std::stod(line.substr(name.size() + 1));
    }
  }
  return std::nullopt;
}

std::string renderWith(std::shared_ptr<Collector> collector) {
  Registry registry(1);
  registry.addCollector(std::move(collector));
  return registry.render(Format::PrometheusText004);
}

TEST(MetricsProcessCollectorTest, ReportsSaneValuesForThisProcess) {
  const std::string text = renderWith(std::make_shared<ProcessCollector>());
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto start = valueOf(text, "process_start_time_seconds");
  ASSERT_TRUE(start) << text;
  EXPECT_LE(*start, now + 1);
  EXPECT_GT(*start, now - 24 * 3600);  // this test binary started recently
  EXPECT_GE(valueOf(text, "process_cpu_seconds_total").value_or(-1), 0);
  EXPECT_GT(valueOf(text, "process_resident_memory_bytes").value_or(0), 0);
  EXPECT_GT(valueOf(text, "process_virtual_memory_bytes").value_or(0),
            valueOf(text, "process_resident_memory_bytes").value_or(0));
  EXPECT_GT(valueOf(text, "process_open_fds").value_or(0), 0);
  EXPECT_GE(valueOf(text, "process_max_fds").value_or(0),
            valueOf(text, "process_open_fds").value_or(0));
  EXPECT_GE(valueOf(text, "process_threads").value_or(0), 1);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_open_fds gauge\n"), std::string::npos);
}

class MetricsFakeProcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("wasmesh-metrics-proc-" + std::to_string(getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "self" / "fd");
    for (const char* fd : {"0", "1", "2", "7"}) {
      write("self/fd/" + std::string(fd), "");
    }
    write("stat", "cpu  1 2 3 4\nbtime 1700000000\nprocesses 9\n");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void write(const std::string& relative, const std::string& content) {
    std::ofstream(root_ / relative) << content;
  }

  // A stat line whose command name holds spaces and a ')' to trip naive parsers.
  static std::string statLine() {
    // Fields 3..24: state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss
    return "4242 (wasm esh) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
           "250 50 0 0 20 0 6 0 1000 123456789 300 18446744073709551615\n";
  }

  std::filesystem::path root_;
};

TEST_F(MetricsFakeProcTest, ParsesStatLimitsAndFds) {
  write("self/stat", statLine());
  write("self/limits",
        "Limit                     Soft Limit           Hard Limit           Units     \n"
        "Max cpu time              unlimited            unlimited            seconds   \n"
        "Max open files            1024                 524288               files     \n");
  const std::string text = renderWith(std::make_shared<ProcessCollector>(root_));
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  EXPECT_DOUBLE_EQ(valueOf(text, "process_start_time_seconds").value_or(0),
                   1700000000 + 1000 / ticks);
  EXPECT_DOUBLE_EQ(valueOf(text, "process_cpu_seconds_total").value_or(0), 300 / ticks);
  EXPECT_DOUBLE_EQ(valueOf(text, "process_resident_memory_bytes").value_or(0), 300 * page);
  EXPECT_EQ(valueOf(text, "process_virtual_memory_bytes"), 123456789);
  EXPECT_EQ(valueOf(text, "process_open_fds"), 4);
  EXPECT_EQ(valueOf(text, "process_max_fds"), 1024);
  EXPECT_EQ(valueOf(text, "process_threads"), 6);
  EXPECT_NE(text.find("# HELP process_open_fds Number of open file descriptors.\n"),
            std::string::npos);
}

TEST_F(MetricsFakeProcTest, UnlimitedMaxFdsIsInfinity) {
  write("self/stat", statLine());
  write("self/limits",
        "Max open files            unlimited            unlimited            files\n");
  const std::string text = renderWith(std::make_shared<ProcessCollector>(root_));
  EXPECT_NE(text.find("\nprocess_max_fds +Inf\n"), std::string::npos) << text;
}

TEST_F(MetricsFakeProcTest, UnreadableFilesLeaveTheirFamiliesOut) {
  write("self/stat", "garbage without the fields\n");
  const std::string text = renderWith(std::make_shared<ProcessCollector>(root_));
  EXPECT_EQ(text.find("process_cpu_seconds_total"), std::string::npos);
  EXPECT_EQ(text.find("process_start_time_seconds"), std::string::npos);
  EXPECT_EQ(text.find("process_max_fds"), std::string::npos);
  EXPECT_EQ(valueOf(text, "process_open_fds"), 4);
}

}  // namespace
}  // namespace wasmesh::metrics
