#include <gtest/gtest.h>

#include "Fixtures.h"
#include "wasmesh/wasm/wasi/WasiHost.h"

namespace wasmesh::wasm {
namespace {

using test::fixture;

// A guest's standard streams bound to strings.
struct Buffers {
  std::string in;
  std::size_t inOffset = 0;
  std::string out;
  std::string err;
};

wasi::WasiOptions bind(Buffers& buffers, std::vector<std::string> args,
                       std::vector<std::string> environment = {}) {
  wasi::WasiOptions options;
  options.args = std::move(args);
  options.environment = std::move(environment);
  options.readStdin = [&buffers](std::span<std::uint8_t> out) {
    const std::size_t n = std::min(out.size(), buffers.in.size() - buffers.inOffset);
    std::copy_n(buffers.in.begin() + static_cast<std::ptrdiff_t>(buffers.inOffset), n, out.begin());
    buffers.inOffset += n;
    return n;
  };
  options.writeStdout = [&buffers](std::string_view data) { buffers.out += data; };
  options.writeStderr = [&buffers](std::string_view data) { buffers.err += data; };
  return options;
}

class WasiTest : public testing::TestWithParam<EngineKind> {
 protected:
  // Runs _start and returns the exit status (0 when _start returns).
  int run(const std::string& name, const wasi::WasiOptions& options, const Limits& limits = {}) {
    auto module = engine_->load(fixture(name), limits);
    EXPECT_TRUE(module) << module.error().describe();
    if (!module)
      return -1;
    Imports imports;
    wasi::WasiHost(options).addTo(imports);
    auto instance = (*module)->instantiate(imports);
    EXPECT_TRUE(instance) << instance.error().describe();
    if (!instance)
      return -1;
    auto result = (*instance)->call("_start", {});
    if (result)
      return 0;
    EXPECT_EQ(result.error().code, errc::wasm_exit) << result.error().describe();
    return result.error().exitCode;
  }

  std::unique_ptr<Engine> engine_ = test::engine(GetParam());
};

TEST_P(WasiTest, StreamsArgsAndEnvironment) {
  Buffers buffers;
  buffers.in = "from stdin\n";
  const int status = run("hello", bind(buffers, {"hello", "a", "b c"}, {"GREETING=hi there"}));
  EXPECT_EQ(status, 2);
  EXPECT_EQ(buffers.out, "hello a b c\nGREETING=hi there\nfrom stdin\n");
  EXPECT_EQ(buffers.err, "to stderr\n");
}

TEST_P(WasiTest, ExitUnwindsTheGuestWithItsCode) {
  Buffers buffers;
  EXPECT_EQ(run("exit_code", bind(buffers, {"exit_code"})), 7);
  EXPECT_EQ(run("exit_code", bind(buffers, {"exit_code", "0"})), 0);
  EXPECT_EQ(run("exit_code", bind(buffers, {"exit_code", "42"})), 42);
}

TEST_P(WasiTest, ClocksAndRandom) {
  Buffers buffers;
  EXPECT_EQ(run("clock_random", bind(buffers, {"clock_random"})), 0);
  EXPECT_EQ(buffers.out, "monotonic ok=1 random nonzero=1 realtime>2020=1\n");
}

TEST_P(WasiTest, ABadGuestPointerIsFaultNotACrash) {
  Buffers buffers;
  EXPECT_EQ(run("bad_pointer", bind(buffers, {"bad_pointer"})), 21);
  EXPECT_TRUE(buffers.out.empty());
}

TEST_P(WasiTest, EveryPointerTakingFunctionAnswersFaultForBadPointers) {
  Buffers buffers;
  buffers.in = "some input";
  EXPECT_EQ(run("wasi_bad_pointers", bind(buffers, {"prog", "arg"}, {"A=b"})), 0);
  EXPECT_TRUE(buffers.out.empty());
  EXPECT_EQ(buffers.inOffset, 0U);  // nothing was read into a bad buffer
}

TEST_P(WasiTest, LargeWritesAreStreamedInBoundedChunks) {
  std::uint64_t bytes = 0;
  std::size_t largestChunk = 0;
  wasi::WasiOptions options;
  options.writeStdout = [&](std::string_view data) {
    bytes += data.size();
    largestChunk = std::max(largestChunk, data.size());
  };
  EXPECT_EQ(run("big_write", options), 0);
  EXPECT_EQ(bytes, std::uint64_t{1024} * 65536);
  EXPECT_LE(largestChunk, std::size_t{65536});
}

TEST_P(WasiTest, MallocFailsInTheGuestAtTheMemoryCap) {
  Buffers buffers;
  Limits limits;
  limits.maxMemoryBytes = std::uint64_t{4} << 20;
  EXPECT_EQ(run("grow", bind(buffers, {"grow"}), limits), 0);
  // 4 MiB of memory hold the program and fewer than four 1 MiB blocks.
  EXPECT_TRUE(buffers.out.starts_with("allocated ")) << buffers.out;
  const int blocks = std::stoi(buffers.out.substr(10));
  EXPECT_GE(blocks, 1);
  EXPECT_LT(blocks, 4);
}

TEST_P(WasiTest, UnknownWasiImportIsALinkError) {
  auto module = engine_->load(fixture("unknown_import"), {});
  ASSERT_TRUE(module);
  Imports imports;
  wasi::WasiHost({}).addTo(imports);
  auto instance = (*module)->instantiate(imports);
  ASSERT_FALSE(instance);
  EXPECT_EQ(instance.error().describe(),
            "link: unknown import wasi_snapshot_preview1.no_such_function (func)");
}

TEST_P(WasiTest, WrongWasiSignatureIsALinkError) {
  auto module = engine_->load(fixture("wrong_signature"), {});
  ASSERT_TRUE(module);
  Imports imports;
  wasi::WasiHost({}).addTo(imports);
  auto instance = (*module)->instantiate(imports);
  ASSERT_FALSE(instance);
  EXPECT_EQ(instance.error().code, errc::wasm_link_error);
  EXPECT_NE(instance.error().message.find("wasi_snapshot_preview1.fd_write"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, WasiTest, testing::ValuesIn(allEngineKinds()), test::engineName);

}  // namespace
}  // namespace wasmesh::wasm
