// wasmesh_spectest: the WebAssembly spec testsuite through wasmesh's engine interface.
//   wasmesh_spectest --engine v8|wabt --suite DIR --work DIR --spectest spectest.wasm
//                    [--baseline FILE] [--verbose] [NAME.wast...]
// Converts each .wast with wast2json, runs it, prints passed/failed/skipped per file and in
// total, and fails when the total passed is below the engine's line in the baseline file.
// Exit status: 0 ok, 1 below the baseline or a file that cannot be run, 2 usage, 77 no
// testsuite (ctest reports a skip).
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "SpecRunner.h"

extern char** environ;  // NOLINT: POSIX, for posix_spawnp

namespace {

namespace fs = std::filesystem;
using wasmesh::wasm::EngineKind;

struct Options {
  EngineKind engine = EngineKind::v8;
  fs::path suite;
  fs::path work;
  fs::path spectest;
  fs::path baseline;
  std::string wast2json = "wast2json";
  bool verbose = false;
  std::vector<std::string> only;
};

bool convert(const Options& options, const fs::path& wast, const fs::path& json) {
  std::vector<std::string> words{options.wast2json, wast.string(), "-o", json.string()};
  std::vector<char*> argv;
  for (auto& word : words)
    argv.push_back(word.data());
  argv.push_back(nullptr);
  pid_t child = 0;
  if (posix_spawnp(&child, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
    return false;
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::optional<int> baselineFor(const fs::path& file, EngineKind engine) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name;
    int passed = 0;
    if (line.starts_with("#") || !(words >> name >> passed))
      continue;
    if (name == wasmesh::wasm::toString(engine))
      return passed;
  }
  return std::nullopt;
}

int run(const Options& options) {
  if (!fs::is_directory(options.suite)) {
    std::cout << "skipped: no testsuite at " << options.suite
              << " (set WASMESH_WASM_TESTSUITE_DIR)\n";
    return 77;
  }
  std::ifstream spectestFile(options.spectest, std::ios::binary);
  std::vector<std::uint8_t> spectest{std::istreambuf_iterator<char>(spectestFile), {}};
  if (spectest.empty()) {
    std::cerr << "cannot read " << options.spectest << "\n";
    return 1;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(options.suite)) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() == ".wast" &&
        (options.only.empty() ||
         std::find(options.only.begin(), options.only.end(), name) != options.only.end())) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());

  wasmesh::wasm::spec::SpecRunner runner(options.engine, std::move(spectest));
  wasmesh::wasm::spec::FileResult total;
  bool broken = false;
  const fs::path work = options.work / wasmesh::wasm::toString(options.engine);
  for (const auto& wast : files) {
    const auto stem = wast.stem().string();
    fs::create_directories(work / stem);
    const fs::path json = work / stem / (stem + ".json");
    if (!convert(options, wast, json)) {
      std::cout << wast.filename().string() << ": wast2json failed\n";
      broken = true;
      continue;
    }
    const auto result = runner.run(json);
    std::cout << wast.filename().string() << ": passed " << result.passed << " failed "
              << result.failed << " skipped " << result.skipped << "\n";
    const std::size_t shown = options.verbose ? result.failures.size() : 3;
    for (std::size_t i = 0; i < result.failures.size() && i < shown; ++i)
      std::cout << "  FAIL " << result.failures[i] << "\n";
    if (result.failures.size() > shown)
      std::cout << "  ... " << result.failures.size() - shown << " more failures\n";
    total.passed += result.passed;
    total.failed += result.failed;
    total.skipped += result.skipped;
    for (const auto& [why, count] : result.skipReasons)
      total.skipReasons[why] += count;
  }
  std::cout << "total (" << wasmesh::wasm::toString(options.engine) << "): passed " << total.passed
            << " failed " << total.failed << " skipped " << total.skipped << " in " << files.size()
            << " files\n";
  for (const auto& [why, count] : total.skipReasons)
    std::cout << "  skipped " << count << ": " << why << "\n";
  if (broken)
    return 1;
  if (!options.baseline.empty()) {
    auto baseline = baselineFor(options.baseline, options.engine);
    if (!baseline) {
      std::cout << "no baseline for " << wasmesh::wasm::toString(options.engine) << " in "
                << options.baseline << "\n";
      return 1;
    }
    if (total.passed < *baseline) {
      std::cout << "FAIL: " << total.passed << " passed, below the baseline of " << *baseline
                << "\n";
      return 1;
    }
    if (total.passed > *baseline)
      std::cout << "note: " << total.passed << " passed, above the baseline of " << *baseline
                << ": raise it in " << options.baseline << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const bool hasValue = i + 1 < args.size();
    if (arg == "--engine" && hasValue) {
      auto kind = wasmesh::wasm::parseEngineKind(args[++i]);
      if (!kind) {
        std::cerr << "--engine: v8 or wabt\n";
        return 2;
      }
      options.engine = *kind;
    } else if (arg == "--suite" && hasValue) {
      options.suite = args[++i];
    } else if (arg == "--work" && hasValue) {
      options.work = args[++i];
    } else if (arg == "--spectest" && hasValue) {
      options.spectest = args[++i];
    } else if (arg == "--baseline" && hasValue) {
      options.baseline = args[++i];
    } else if (arg == "--wast2json" && hasValue) {
      options.wast2json = args[++i];
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg.ends_with(".wast")) {
      options.only.push_back(arg);
    } else {
      std::cerr << "unknown argument " << arg << "\n";
      return 2;
    }
  }
  if (options.work.empty() || options.spectest.empty()) {
    std::cerr << "--work and --spectest are required\n";
    return 2;
  }
  return run(options);
}
