#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "wasmesh/common/FileWatcher.h"

namespace wasmesh {
namespace {

namespace fs = std::filesystem;

// Polls are driven by running a real io_context. Nothing asserts how long anything takes:
// waiting for a callback runs the context until the callback arrives, up to a bound far
// above any plausible scheduling delay.
constexpr auto kPeriod = std::chrono::milliseconds(5);
constexpr auto kGenerousBound = std::chrono::seconds(10);
// Enough polls for a change to have been seen many times over if one were to be reported.
constexpr int kQuietPolls = 20;

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("wasmesh-filewatcher-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  static void write(const std::string& file, const std::string& text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
  }

  // Writes `text` to a sibling and renames it over `file`, as atomic writers do.
  static void replace(const std::string& file, const std::string& text) {
    write(file + ".tmp", text);
    fs::rename(file + ".tmp", file);
  }

  std::unique_ptr<FileWatcher> watch(std::vector<std::string> paths) {
    auto watcher = std::make_unique<FileWatcher>(
        context_.get_executor(), std::move(paths),
        [this](const std::vector<std::string>& changed) { calls_.push_back(changed); }, kPeriod);
    watcher->start();
    return watcher;
  }

  // Runs the context until one more callback arrives; returns its paths, or nothing if
  // none arrived within the bound.
  std::optional<std::vector<std::string>> nextChange() {
    const auto before = calls_.size();
    const auto deadline = std::chrono::steady_clock::now() + kGenerousBound;
    while (calls_.size() == before && std::chrono::steady_clock::now() < deadline) {
      context_.restart();
      context_.run_for(kPeriod);
    }
    if (calls_.size() == before)
      return std::nullopt;
    return calls_[before];
  }

  // Runs the context for a number of poll periods.
  void runPolls(int polls) {
    for (int i = 0; i < polls; ++i) {
      context_.restart();
      context_.run_for(kPeriod);
    }
  }

  using Paths = std::vector<std::string>;

  fs::path dir_;
  boost::asio::io_context context_;
  std::vector<Paths> calls_;
};

TEST_F(FileWatcherTest, NothingChangedMeansNoCallback) {
  const auto file = path("a.yaml");
  write(file, "one");
  const auto watcher = watch({file, path("missing.yaml")});
  runPolls(kQuietPolls);
  EXPECT_TRUE(calls_.empty());
}

TEST_F(FileWatcherTest, SeesModifyReplaceDeleteAndRecreate) {
  const auto file = path("a.yaml");
  write(file, "one");
  const auto watcher = watch({file});

  // The size changes too, so a file system with coarse timestamps cannot hide the write.
  write(file, "modified in place");
  EXPECT_EQ(nextChange(), Paths{file});

  replace(file, "replaced by rename");
  EXPECT_EQ(nextChange(), Paths{file});

  fs::remove(file);
  EXPECT_EQ(nextChange(), Paths{file});
  runPolls(kQuietPolls);  // still missing: no further change
  EXPECT_EQ(calls_.size(), 3U);

  write(file, "recreated");
  EXPECT_EQ(nextChange(), Paths{file});
}

TEST_F(FileWatcherTest, SameSizeReplacementIsSeenByItsNewInode) {
  const auto file = path("a.yaml");
  write(file, "aaaa");
  const auto watcher = watch({file});
  replace(file, "bbbb");
  EXPECT_EQ(nextChange(), Paths{file});
}

TEST_F(FileWatcherTest, AFileThatAppearsIsAChange) {
  const auto file = path("later.yaml");
  const auto watcher = watch({file});
  runPolls(2);
  EXPECT_TRUE(calls_.empty());
  write(file, "");
  EXPECT_EQ(nextChange(), Paths{file});
}

// Kubernetes mounts a ConfigMap as dir/file -> ..data/file, ..data -> ..<timestamp>, and
// updates it by pointing a new ..data link at a new directory with rename(2).
TEST_F(FileWatcherTest, FollowsAKubernetesStyleSymlinkSwap) {
  fs::create_directories(dir_ / "..v1");
  fs::create_directories(dir_ / "..v2");
  write(path("..v1/discovery.yaml"), "v1");
  write(path("..v2/discovery.yaml"), "v2");
  fs::create_directory_symlink("..v1", dir_ / "..data");
  fs::create_symlink("..data/discovery.yaml", dir_ / "discovery.yaml");
  const auto file = path("discovery.yaml");
  const auto watcher = watch({file});

  fs::create_directory_symlink("..v2", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  EXPECT_EQ(nextChange(), Paths{file});
}

TEST_F(FileWatcherTest, ReportsOnlyTheChangedPathsOncePerPoll) {
  const auto a = path("a.yaml");
  const auto b = path("b.yaml");
  const auto c = path("c.yaml");
  write(a, "a");
  write(b, "b");
  write(c, "c");
  const auto watcher = watch({a, b, c});
  // Both changes happen before the context runs again, so one poll sees both.
  replace(c, "cc");
  replace(a, "aa");
  EXPECT_EQ(nextChange(), (Paths{a, c}));
  runPolls(kQuietPolls);
  EXPECT_EQ(calls_.size(), 1U);
}

TEST_F(FileWatcherTest, NoCallbackAfterStop) {
  const auto file = path("a.yaml");
  write(file, "one");
  const auto watcher = watch({file});
  EXPECT_TRUE(watcher->running());
  watcher->stop();
  EXPECT_FALSE(watcher->running());
  replace(file, "two");
  runPolls(kQuietPolls);
  EXPECT_TRUE(calls_.empty());

  // A restart takes a new baseline: the change made while stopped is not reported.
  watcher->start();
  runPolls(kQuietPolls);
  EXPECT_TRUE(calls_.empty());
  replace(file, "three");
  EXPECT_EQ(nextChange(), Paths{file});
}

// Two watchers whose timers expire in the same reactor pass have both polls queued before
// either runs; each callback stops the other watcher, whose poll is then already past
// cancelling. Exactly one callback may happen.
TEST_F(FileWatcherTest, NoCallbackFromAPollQueuedBeforeStop) {
  const auto a = path("a.yaml");
  const auto b = path("b.yaml");
  write(a, "a");
  write(b, "b");
  int calls = 0;
  std::unique_ptr<FileWatcher> first;
  std::unique_ptr<FileWatcher> second;
  first = std::make_unique<FileWatcher>(
      context_.get_executor(), Paths{a},
      [&](const Paths&) {
        ++calls;
        second->stop();
      },
      kPeriod);
  second = std::make_unique<FileWatcher>(
      context_.get_executor(), Paths{b},
      [&](const Paths&) {
        ++calls;
        first->stop();
      },
      kPeriod);
  first->start();
  second->start();
  replace(a, "aa");
  replace(b, "bb");
  std::this_thread::sleep_for(kPeriod * 4);  // both timers have expired before the run
  const auto deadline = std::chrono::steady_clock::now() + kGenerousBound;
  while (calls == 0 && std::chrono::steady_clock::now() < deadline) {
    context_.restart();
    context_.run_for(kPeriod);
  }
  runPolls(kQuietPolls);
  EXPECT_EQ(calls, 1);
}

TEST_F(FileWatcherTest, DestroyingWhileAPollIsPendingIsSafe) {
  const auto file = path("a.yaml");
  write(file, "one");
  auto watcher = watch({file});
  replace(file, "two");
  watcher.reset();
  runPolls(kQuietPolls);
  EXPECT_TRUE(calls_.empty());
}

TEST_F(FileWatcherTest, TheCallbackMayDestroyTheWatcher) {
  const auto file = path("a.yaml");
  write(file, "one");
  std::unique_ptr<FileWatcher> watcher;
  int calls = 0;
  watcher = std::make_unique<FileWatcher>(
      context_.get_executor(), Paths{file},
      [&](const std::vector<std::string>&) {
        ++calls;
        watcher.reset();
      },
      kPeriod);
  watcher->start();
  replace(file, "two");
  const auto deadline = std::chrono::steady_clock::now() + kGenerousBound;
  while (calls == 0 && std::chrono::steady_clock::now() < deadline) {
    context_.restart();
    context_.run_for(kPeriod);
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(watcher, nullptr);
  // Nothing is left to run: the destroyed watcher did not re-arm.
  context_.restart();
  EXPECT_EQ(context_.poll(), 0U);
}

}  // namespace
}  // namespace wasmesh
