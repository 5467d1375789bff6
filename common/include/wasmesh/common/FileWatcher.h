#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace wasmesh {

// Watches files by polling stat() on a timer of the given executor; it has no thread of its
// own. Polling rather than inotify because Kubernetes updates mounted ConfigMaps and Secrets
// by swapping a symlink to a new directory: stat() follows the link, so the new inode shows,
// whereas an inotify watch stays on the old file. A file's state is its device, inode, size
// and modification time (with nanoseconds); a missing or unreadable file is a state too, so
// appearing and disappearing are changes.
//
// Limit: a rewrite in place that keeps the size and lands within the same timestamp tick
// of the file system is not seen. Writers should replace files by rename, as Kubernetes does.
//
// Not thread-safe: construct, start, stop and destroy it on the thread that runs the
// executor (or before that thread runs it). Destroying it while a poll is pending is safe.
class FileWatcher {
 public:
  using Callback = std::function<void(const std::vector<std::string>& changedPaths)>;
  static constexpr std::chrono::steady_clock::duration kDefaultPeriod = std::chrono::seconds(1);

  FileWatcher(const boost::asio::any_io_executor& executor, std::vector<std::string> paths,
              Callback callback, std::chrono::steady_clock::duration period = kDefaultPeriod);
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;
  ~FileWatcher();

  // Records the current state of every path as the baseline, then polls every period and
  // calls back once per poll in which any path changed, with the changed paths in the order
  // they were given. Calling start() while running takes a new baseline.
  void start();
  // No callback runs after stop() returns, including from a poll already queued. The
  // callback itself may call stop() or destroy the watcher.
  void stop();
  bool running() const noexcept;

  const std::vector<std::string>& paths() const noexcept;

 private:
  struct State;
  static void arm(const std::shared_ptr<State>& state);
  static void poll(const std::shared_ptr<State>& state, unsigned generation);

  // Shared with the pending timer handler, which holds only a weak reference: the handler
  // of a destroyed watcher finds nothing and returns.
  std::shared_ptr<State> state_;
};

}  // namespace wasmesh
