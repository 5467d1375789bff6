#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "wasmesh/proxy/DiscoveryFile.h"

namespace wasmesh::proxy {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// As in FileWatcherTest: polls are driven by running a real io_context, and nothing asserts
// how long anything takes, only that it happens within a bound far above any delay.
constexpr auto kPeriod = std::chrono::milliseconds(5);
constexpr auto kGenerousBound = std::chrono::seconds(10);

constexpr const char* kTwoDestinations = R"(
destinations:
  - addresses: ["10.0.0.7/32", "fd00::7/128"]
    identity: spiffe://cluster.local/ns/default/sa/b
  - addresses: ["10.0.1.0/24"]
    identity: spiffe://cluster.local/ns/default/sa/c
)";

constexpr const char* kOneDestination = R"(
destinations:
  - addresses: ["10.0.0.7/32"]
    identity: spiffe://cluster.local/ns/default/sa/moved
    mesh_port: 14143
)";

class DiscoveryFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wasmesh-discovery-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "discovery.yaml").string();
    // Capture what the proxy would log; the previous default logger comes back in TearDown.
    previousLogger_ = spdlog::default_logger();
    logs_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
    logs_->set_pattern("%l %v");
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", logs_));
  }

  void TearDown() override {
    spdlog::set_default_logger(previousLogger_);
    fs::remove_all(dir_);
  }

  // Replaces the file by rename, as Kubernetes and careful writers do.
  void replace(const std::string& text) const {
    {
      std::ofstream out(path_ + ".tmp", std::ios::binary | std::ios::trunc);
      out << text;
    }
    fs::rename(path_ + ".tmp", path_);
  }

  DiscoveryFileResult open() {
    return DiscoveryFile::open(context_.get_executor(), path_, registry_, 0, kPeriod);
  }

  // Runs the context until `done` holds or the bound passes; returns whether it held.
  bool runUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kGenerousBound;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      context_.restart();
      context_.run_for(kPeriod);
    }
    return done();
  }

  // The value of one series in the Prometheus text, or -1 if it is absent.
  long sample(const std::string& series) const {
    std::istringstream text(registry_.render(metrics::Format::PrometheusText004));
    std::string line;
    while (std::getline(text, line)) {
      if (line.rfind(series + " ", 0) == 0)
        return std::stol(line.substr(series.size() + 1));
    }
    return -1;
  }
  long reloads(const char* result) const {
    return sample(std::string("wasmesh_discovery_reloads_total{result=\"") + result + "\"}");
  }
  long destinations() const { return sample("wasmesh_discovery_destinations"); }

  std::string lastLog() const {
    const auto lines = logs_->last_formatted(1);
    if (lines.empty())
      return "";
    auto line = lines.back();
    if (!line.empty() && line.back() == '\n')
      line.pop_back();
    return line;
  }

  fs::path dir_;
  std::string path_;
  boost::asio::io_context context_;
  metrics::Registry registry_{1};
  std::shared_ptr<spdlog::logger> previousLogger_;
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> logs_;
};

TEST_F(DiscoveryFileTest, AMissingFileAtStartMeshesNothingUntilItAppears) {
  // An optional ConfigMap volume no controller has filled yet: the directory, no file.
  const auto opened = open();
  ASSERT_TRUE(opened) << opened.error();
  auto& file = **opened;
  EXPECT_EQ(file.current()->size(), 0U);
  EXPECT_EQ(destinations(), 0);
  EXPECT_EQ(lastLog(), "warning discovery: " + path_ +
                           " does not exist yet; no destination is meshed until it appears");
  replace(kTwoDestinations);
  ASSERT_TRUE(runUntil([&] { return reloads("ok") == 1; }));
  EXPECT_EQ(file.current()->size(), 2U);
  EXPECT_EQ(destinations(), 2);
}

TEST_F(DiscoveryFileTest, AMissingDirectoryAtStartIsAnError) {
  path_ = (dir_ / "nowhere" / "discovery.yaml").string();
  const auto file = open();
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error(), path_ + ": cannot read: No such file or directory");
}

TEST_F(DiscoveryFileTest, AnInvalidFileAtStartIsAnError) {
  replace("destinations:\n  - {addresses: [10.0.0.7/33], identity: spiffe://td/ns/a/sa/b}\n");
  const auto file = open();
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error(), path_ +
                              ": destinations[0].addresses[0]: \"10.0.0.7/33\" is not a CIDR "
                              "(10.0.0.0/8 or fd00::/8)");
}

TEST_F(DiscoveryFileTest, ADirectoryAFifoOrAnOversizedFileIsAnError) {
  fs::create_directory(path_);
  EXPECT_EQ(DiscoveryFile::read(path_).error(), path_ + ": cannot read: Is a directory");
  fs::remove(path_);
  ASSERT_EQ(::mkfifo(path_.c_str(), 0600), 0);
  EXPECT_EQ(DiscoveryFile::read(path_).error(),
            path_ + ": is not a regular file (a FIFO, socket or device)");
  fs::remove(path_);
  replace("# " + std::string(DiscoveryFile::kMaxFileSize, 'x') + "\ndestinations: []\n");
  EXPECT_EQ(DiscoveryFile::read(path_).error(), path_ + ": is larger than 16 MiB");
}

TEST_F(DiscoveryFileTest, LoadsAtStart) {
  replace(kTwoDestinations);
  const auto file = open();
  ASSERT_TRUE(file) << file.error();
  const auto table = (*file)->current();
  ASSERT_EQ(table->size(), 2U);
  EXPECT_EQ(table->lookup(boost::asio::ip::make_address("10.0.1.9"))->serverName,
            "c.default.serviceaccount.identity.cluster.local");
  EXPECT_EQ(destinations(), 2);
  // The start is not a reload; both series exist from the start so dashboards see zeros.
  EXPECT_EQ(reloads("ok"), 0);
  EXPECT_EQ(reloads("error"), 0);
  EXPECT_EQ(lastLog(), "info discovery: 2 destinations loaded from " + path_);
}

TEST_F(DiscoveryFileTest, ReloadsSwapKeepAndRecover) {
  replace(kTwoDestinations);
  const auto opened = open();
  ASSERT_TRUE(opened) << opened.error();
  auto& file = **opened;
  const auto first = file.current();

  // A valid change is swapped in; a snapshot taken before it is unchanged.
  replace(kOneDestination);
  ASSERT_TRUE(runUntil([&] { return reloads("ok") == 1; }));
  const auto second = file.current();
  EXPECT_NE(second, first);
  ASSERT_EQ(second->size(), 1U);
  EXPECT_EQ(second->lookup(boost::asio::ip::make_address("10.0.0.7"))->meshPort, 14143);
  EXPECT_EQ(first->size(), 2U);
  EXPECT_EQ(destinations(), 1);
  EXPECT_EQ(lastLog(), "info discovery: 1 destinations loaded from " + path_);

  // An invalid file keeps the previous table, with a warning naming the problem.
  replace("destinations:\n  - {addresses: [10.0.0.9], identity: 'spiffe://td/x'}\n");
  ASSERT_TRUE(runUntil([&] { return reloads("error") == 1; }));
  EXPECT_EQ(file.current(), second);
  EXPECT_EQ(destinations(), 1);
  EXPECT_EQ(lastLog(), "warning discovery: keeping the previous table (1 destinations): " + path_ +
                           ": destinations[0].identity: \"spiffe://td/x\" has no server name "
                           "(not spiffe://td/ns/<ns>/sa/<sa>[/wasm/<component>])");

  // A deleted file keeps it too.
  fs::remove(path_);
  ASSERT_TRUE(runUntil([&] { return reloads("error") == 2; }));
  EXPECT_EQ(file.current(), second);
  EXPECT_THAT(lastLog(), HasSubstr(path_ + ": cannot read: No such file or directory"));

  // Recreated: loaded again.
  replace(kTwoDestinations);
  ASSERT_TRUE(runUntil([&] { return reloads("ok") == 2; }));
  EXPECT_EQ(file.current()->size(), 2U);
  EXPECT_EQ(destinations(), 2);
  EXPECT_EQ(reloads("error"), 2);
}

TEST_F(DiscoveryFileTest, StopEndsWatchingButKeepsTheTable) {
  replace(kTwoDestinations);
  const auto opened = open();
  ASSERT_TRUE(opened) << opened.error();
  (*opened)->stop();
  replace(kOneDestination);
  for (int i = 0; i < 20; ++i) {
    context_.restart();
    context_.run_for(kPeriod);
  }
  EXPECT_EQ((*opened)->current()->size(), 2U);
  EXPECT_EQ(reloads("ok"), 0);
  // An explicit reload still works, for whoever wants one.
  EXPECT_TRUE((*opened)->reload());
  EXPECT_EQ((*opened)->current()->size(), 1U);
}

TEST_F(DiscoveryFileTest, DestroyingItWithAPollPendingIsSafe) {
  replace(kTwoDestinations);
  auto opened = open();
  ASSERT_TRUE(opened) << opened.error();
  replace(kOneDestination);
  opened->reset();
  for (int i = 0; i < 20; ++i) {
    context_.restart();
    context_.run_for(kPeriod);
  }
  EXPECT_EQ(reloads("ok"), 0);
}

}  // namespace
}  // namespace wasmesh::proxy
