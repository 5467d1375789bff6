#include "wasmesh/common/FileWatcher.h"

#include <sys/stat.h>

#include <cerrno>
#include <utility>

namespace wasmesh {
namespace {

// What a poll compares. `error` is 0 for a file that stat() could read and errno otherwise
// (ENOENT, EACCES, ...), so a file that appears, disappears or becomes unreadable changes.
struct FileState {
  int error = 0;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  decltype(timespec::tv_sec) mtimeSeconds = 0;
  decltype(timespec::tv_nsec) mtimeNanoseconds = 0;

  bool operator==(const FileState&) const = default;
};

FileState statFile(const std::string& path) {
  struct stat info {};
  FileState state;
  if (::stat(path.c_str(), &info) != 0) {
    state.error = errno;
    return state;
  }
  state.device = info.st_dev;
  state.inode = info.st_ino;
  state.size = info.st_size;
  state.mtimeSeconds = info.st_mtim.tv_sec;
  state.mtimeNanoseconds = info.st_mtim.tv_nsec;
  return state;
}

}  // namespace

struct FileWatcher::State {
  State(const boost::asio::any_io_executor& executor, std::vector<std::string> watchedPaths,
        Callback onChange, std::chrono::steady_clock::duration pollPeriod)
      : timer(executor),
        paths(std::move(watchedPaths)),
        callback(std::move(onChange)),
        period(pollPeriod) {}

  boost::asio::steady_timer timer;
  std::vector<std::string> paths;
  Callback callback;
  std::chrono::steady_clock::duration period;
  std::vector<FileState> last;
  // Bumped by start() and stop(): a handler armed under an older generation does nothing,
  // which covers a poll that had already been queued when the timer was cancelled.
  unsigned generation = 0;
  bool running = false;
};

FileWatcher::FileWatcher(const boost::asio::any_io_executor& executor,
                         std::vector<std::string> paths, Callback callback,
                         std::chrono::steady_clock::duration period)
    : state_(std::make_shared<State>(executor, std::move(paths), std::move(callback), period)) {}

FileWatcher::~FileWatcher() {
  stop();
}

void FileWatcher::start() {
  stop();
  state_->last.clear();
  state_->last.reserve(state_->paths.size());
  for (const auto& path : state_->paths)
    state_->last.push_back(statFile(path));
  state_->running = true;
  arm(state_);
}

void FileWatcher::stop() {
  if (!state_->running)
    return;
  state_->running = false;
  ++state_->generation;
  state_->timer.cancel();
}

bool FileWatcher::running() const noexcept {
  return state_->running;
}

const std::vector<std::string>& FileWatcher::paths() const noexcept {
  return state_->paths;
}

void FileWatcher::arm(const std::shared_ptr<State>& state) {
  state->timer.expires_after(state->period);
  state->timer.async_wait([weak = std::weak_ptr<State>(state),
                           generation = state->generation](const boost::system::error_code& error) {
    if (error)
      return;  // cancelled: stopped, restarted or destroyed
    if (auto locked = weak.lock())
      poll(locked, generation);
  });
}

void FileWatcher::poll(const std::shared_ptr<State>& state, unsigned generation) {
  if (!state->running || state->generation != generation)
    return;
  std::vector<std::string> changed;
  for (std::size_t i = 0; i < state->paths.size(); ++i) {
    auto now = statFile(state->paths[i]);
    if (now != state->last[i]) {
      state->last[i] = now;
      changed.push_back(state->paths[i]);
    }
  }
  if (!changed.empty())
    state->callback(changed);
  // The callback may have stopped, restarted or destroyed the watcher; `state` is still
  // alive (the caller holds it) but must not be re-armed unless this chain is still current.
  if (state->running && state->generation == generation)
    arm(state);
}

}  // namespace wasmesh
