#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>

#include "../wasm/Fixtures.h"
#include "ComponentFixtures.h"
#include "wasmesh/wasm/component/ComponentDecoder.h"
#include "wasmesh/wasm/component/ComponentLinker.h"
#include "wasmesh/wasm/component/PreparedComponent.h"
#include "wasmesh/wasm/component/wasi/WasiHost.h"

namespace wasmesh::wasm::component {
namespace {

// What a command component wrote and how it ended.
struct CommandRun {
  int status = 0;
  std::string out;
  std::string err;
  std::string error;  // the one line `wasm run` would print
};

// Components built by tests/fixtures/components, run on both engines through the runtime API
// with the WASI 0.2 host, its streams bound to buffers.
class ComponentRuntimeTest : public testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override {
    if (test::componentFixture("cli").empty())
      GTEST_SKIP() << "component fixtures not built (scripts/install-npm.sh)";
  }

  std::shared_ptr<PreparedComponent> prepare(const std::string& name, const Limits& limits = {}) {
    auto decoded = ComponentDecoder::decode(test::componentFixture(name));
    EXPECT_TRUE(decoded) << decoded.error().describe();
    if (!decoded)
      return nullptr;
    auto linked = ComponentLinker::link(*decoded, wasi::WasiHost::host());
    EXPECT_FALSE(linked->error) << linked->error->describe();
    auto prepared = PreparedComponent::prepare(*engine_, linked, limits);
    EXPECT_TRUE(prepared) << prepared.error().describe();
    return prepared ? *prepared : nullptr;
  }

  wasi::WasiOptions buffered(std::vector<std::string> args, std::string input = {}) {
    wasi::WasiOptions options;
    options.args = std::move(args);
    auto in = std::make_shared<std::string>(std::move(input));
    options.readStdin = [in](std::span<std::uint8_t> buffer) {
      const std::size_t n = std::min(buffer.size(), in->size());
      std::copy_n(in->begin(), n, buffer.begin());
      in->erase(0, n);
      return n;
    };
    options.writeStdout = [this](std::string_view text) { out_ += text; };
    options.writeStderr = [this](std::string_view text) { err_ += text; };
    options.log = [this](int level, std::string_view context, std::string_view message) {
      err_ += std::to_string(level) + " " + std::string(context) + ": " + std::string(message);
    };
    return options;
  }

  std::shared_ptr<ComponentInstance> instantiate(PreparedComponent& prepared,
                                                 wasi::WasiOptions options) {
    auto state = wasi::WasiHost::state(std::move(options));
    EXPECT_TRUE(state) << state.error().describe();
    auto instance = prepared.instantiate(std::move(*state));
    EXPECT_TRUE(instance) << instance.error().describe();
    return instance ? *instance : nullptr;
  }

  CommandRun command(std::vector<std::string> args, std::string input = {},
                     std::vector<wasi::DirectoryGrant> directories = {},
                     std::vector<std::pair<std::string, std::string>> environment = {}) {
    out_.clear();
    err_.clear();
    auto prepared = prepare("cli");
    CommandRun run;
    if (!prepared)
      return run;
    args.insert(args.begin(), "cli.wasm");
    wasi::WasiOptions options = buffered(std::move(args), std::move(input));
    options.directories = std::move(directories);
    options.environment = std::move(environment);
    auto instance = instantiate(*prepared, std::move(options));
    if (!instance)
      return run;
    auto result = instance->call("wasi:cli/run@0.2.12#run", {});
    if (!result) {
      run.status = result.error().code == errc::wasm_exit ? result.error().exitCode : -1;
      if (result.error().code != errc::wasm_exit)
        run.error = result.error().describe();
    } else {
      run.status = (*result)->caseIndex() == 0 ? 0 : 1;
    }
    run.out = out_;
    run.err = err_;
    return run;
  }

  std::unique_ptr<Engine> engine_ = wasm::test::engine(GetParam());
  std::string out_;
  std::string err_;
};

TEST_P(ComponentRuntimeTest, RunsACommandWithArgumentsEnvironmentAndStreams) {
  CommandRun run = command({"args", "a", "b c"}, {}, {}, {{"GREETING", "hi"}});
  EXPECT_EQ(run.error, "");
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, "hello a b c\nenv GREETING=hi\n");
  EXPECT_EQ(run.err, "to stderr\n");

  run = command({"cat"}, "line one\nline two\n");
  EXPECT_EQ(run.out, "line one\nline two\n");
  EXPECT_EQ(run.err, "copied 18 bytes\n");
}

TEST_P(ComponentRuntimeTest, ExitStatusIsSuccessOrFailure) {
  EXPECT_EQ(command({"exit", "0"}).status, 0);
  // wasi:cli/exit carries only ok or err: any other status is 1, as with jco and wasmtime.
  EXPECT_EQ(command({"exit", "3"}).status, 1);
  EXPECT_EQ(command({"no-such-mode"}).status, 1);
}

TEST_P(ComponentRuntimeTest, ClocksAndRandom) {
  const CommandRun run = command({"clock"});
  EXPECT_EQ(run.out,
            "realtime after 2020: yes\nmonotonic does not go back: yes\n"
            "random bytes not all zero: yes\n");
}

TEST_P(ComponentRuntimeTest, FilesystemOnlyWhereGranted) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("wasmesh-component-" + std::string(wasm::test::engineName({GetParam(), 0})));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "file.txt") << "file contents\n";

  // Nothing granted: no directory exists (wasi-libc's words for a path under no preopen).
  EXPECT_EQ(command({"ls", "/data"}).out, "opendir /data: Capabilities insufficient\n");
  const std::vector<wasi::DirectoryGrant> readOnly{{dir.string(), "/data", false}};
  EXPECT_EQ(command({"ls", "/data"}, {}, readOnly).out, "/data has 2 entries\n");
  EXPECT_EQ(command({"read", "/data/file.txt"}, {}, readOnly).out, "file contents\n");
  CommandRun refused = command({"write", "/data/new.txt", "x"}, {}, readOnly);
  EXPECT_EQ(refused.out, "open /data/new.txt for writing: Read-only file system\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "new.txt"));
  // No path leaves the granted directory, however it is spelled.
  for (const char* escape : {"/data/../../etc/passwd", "/data/sub/../../etc/passwd"}) {
    const CommandRun run = command({"read", escape}, {}, readOnly);
    EXPECT_NE(run.out.find("Operation not permitted"), std::string::npos) << escape << run.out;
  }
  std::filesystem::create_directory_symlink("/etc", dir / "link");
  EXPECT_NE(command({"read", "/data/link/passwd"}, {}, readOnly).out.find("not permitted"),
            std::string::npos);

  const std::vector<wasi::DirectoryGrant> writable{{dir.string(), "/data", true}};
  EXPECT_EQ(command({"write", "/data/new.txt", "written"}, {}, writable).out,
            "wrote /data/new.txt\n");
  std::ifstream written(dir / "new.txt");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(written), {}), "written");
  std::filesystem::remove_all(dir);
}

TEST_P(ComponentRuntimeTest, CallsAReactorsExports) {
  auto prepared = prepare("reactor");
  ASSERT_TRUE(prepared);
  err_.clear();
  auto instance = instantiate(*prepared, buffered({}));
  ASSERT_TRUE(instance);
  auto call = [&instance](const char* name, std::vector<Val> args) {
    auto result = instance->call(name, args);
    EXPECT_TRUE(result) << name << ": " << result.error().describe();
    return result && *result ? toString(**result) : std::string("-");
  };
  EXPECT_EQ(call("greet", {Val::string("world")}), "\"Hello, world!\"");
  EXPECT_EQ(call("greet", {Val::string("")}), "\"Hello, !\"");
  EXPECT_EQ(call("sum", {Val::list({Val::s32(1), Val::s32(2), Val::s32(-10)})}), "-7");
  EXPECT_EQ(call("sum", {Val::list({})}), "0");
  EXPECT_EQ(call("split", {Val::string("a,bb,,c"), Val::character(',')}),
            "[\"a\", \"bb\", \"\", \"c\"]");
  EXPECT_EQ(call("centroid", {Val::list({Val::record({Val::s32(0), Val::s32(0)}),
                                         Val::record({Val::s32(4), Val::s32(-6)})})}),
            "some({2, -3})");
  EXPECT_EQ(call("centroid", {Val::list({})}), "none");
  EXPECT_EQ(call("parse-u32", {Val::string("4294967295")}), "ok(4294967295)");
  EXPECT_EQ(call("parse-u32", {Val::string("4294967296")}), "err(\"too large\")");
  EXPECT_EQ(call("parse-u32", {Val::string("12a")}), "err(\"not a digit\")");
  call("log", {Val::string("through WASI")});
  EXPECT_EQ(err_, "guest log: through WASI\n");
  // Post-return frees what each call returned: a thousand calls later the instance still works.
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(call("greet", {Val::string(std::string(1000, 'x'))}).size(), 1010U);
  EXPECT_FALSE(instance->failure());

  // The host's mistake is refused before the guest runs, and does not fail the instance.
  auto wrong = instance->call("greet", std::vector<Val>{Val::u32(1)});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().describe(),
            "no such WebAssembly export or wrong arguments: greet: argument 0 (name) is not a "
            "string");
  EXPECT_FALSE(instance->failure());
  auto unknown = instance->call("no-such-export", {});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().describe(),
            "no such WebAssembly export or wrong arguments: no exported function no-such-export");
}

TEST_P(ComponentRuntimeTest, NestedComponentsCallEachOther) {
  auto prepared = prepare("composed");
  ASSERT_TRUE(prepared);
  auto instance = instantiate(*prepared, buffered({}));
  ASSERT_TRUE(instance);
  auto quadrupled = instance->call("quadruple", std::vector<Val>{Val::u32(21)});
  ASSERT_TRUE(quadrupled) << quadrupled.error().describe();
  EXPECT_EQ(**quadrupled, Val::u32(84));
  auto shouted = instance->call("shout-hello", {});
  ASSERT_TRUE(shouted) << shouted.error().describe();
  EXPECT_EQ(**shouted, Val::string("HELLO, WORLD"));
  EXPECT_EQ(prepared->linked().componentInstances, 2U);
}

struct Misbehaviour {
  const char* exportName;
  const char* error;
};

// Every canonical ABI violation traps the instance that made it, with an error naming it; the
// instance stays failed, is counted, and a fresh instance of the same component works.
TEST_P(ComponentRuntimeTest, AGuestBreakingTheAbiTrapsOnlyItself) {
  Limits limits;
  limits.cpuTimePerCall = std::chrono::milliseconds(300);
  auto prepared = prepare("misbehaving", limits);
  ASSERT_TRUE(prepared);
  const std::vector<Misbehaviour> cases{
      {"bad-pointer",
       "trap: canonical ABI violation in function "
       "wasi:io/streams@0.2.12#[method]output-stream.blocking-write-and-flush (list of 100 "
       "elements at 65500 outside the memory of 65536 bytes)"},
      {"bad-return-pointer",
       "trap: canonical ABI violation in function "
       "wasi:io/streams@0.2.12#[method]output-stream.blocking-write-and-flush (return pointer "
       "257 is not aligned to 4)"},
      {"bad-handle",
       "trap: canonical ABI violation in function "
       "wasi:io/streams@0.2.12#[method]output-stream.blocking-write-and-flush (handle 42 does "
       "not exist)"},
      {"double-drop",
       "trap: canonical ABI violation in function resource.drop "
       "wasi:io/streams@0.2.12.output-stream (drop of handle 1, which does not exist)"},
      {"leak-handles",
       "trap: host function error in function wasi:cli/stdout@0.2.12#get-stdout (the guest "
       "holds 10000 host objects (streams, files, pollables): too many)"},
      {"bad-string",
       "trap: canonical ABI violation in function bad-string (string at 64 is not valid "
       "UTF-8)"},
      {"spin", "limit: timeout after 300ms"},
  };
  std::uint64_t failures = 0;
  for (const Misbehaviour& bad : cases) {
    out_.clear();
    auto instance = instantiate(*prepared, buffered({}));
    ASSERT_TRUE(instance);
    auto result = instance->call(bad.exportName, {});
    ASSERT_FALSE(result) << bad.exportName;
    EXPECT_EQ(result.error().describe(), bad.error);
    ++failures;
    // Failed for good: no second chance for an instance in an unknown state.
    auto again = instance->call("good", {});
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().describe(), bad.error);
    // A fresh instance is not affected.
    out_.clear();
    auto fresh = instantiate(*prepared, buffered({}));
    ASSERT_TRUE(fresh);
    ASSERT_TRUE(fresh->call("good", {})) << bad.exportName;
    EXPECT_EQ(out_, "hello from a component\n");
    EXPECT_EQ(fresh->handles().live(), 0U);
  }
  const ComponentCounters& counters = prepared->counters();
  EXPECT_EQ(counters.traps + counters.limits, failures);
  EXPECT_EQ(counters.limits, 1U);
  EXPECT_EQ(counters.instantiations, 2 * failures);
}

// A guest that allocates until its memory cap: the preview1 adapter inside the component
// cannot get the memory it needs either, asserts and traps. The instance is lost, the host and
// the next instance are not.
TEST_P(ComponentRuntimeTest, AGuestExhaustingItsMemoryTrapsOnlyItself) {
  Limits limits;
  limits.maxMemoryBytes = std::uint64_t{4} << 20;
  auto prepared = prepare("cli", limits);
  ASSERT_TRUE(prepared);
  auto instance = instantiate(*prepared, buffered({"cli.wasm", "oom"}));
  ASSERT_TRUE(instance);
  auto result = instance->call("wasi:cli/run@0.2.12#run", {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, errc::wasm_trap) << result.error().describe();
  EXPECT_EQ(result.error().trap, TrapKind::unreachable);
  EXPECT_EQ(prepared->counters().traps, 1U);
  out_.clear();
  auto fresh = instantiate(*prepared, buffered({"cli.wasm", "args", "again"}));
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(fresh->call("wasi:cli/run@0.2.12#run", {}));
  EXPECT_EQ(out_, "hello again\n");
}

TEST_P(ComponentRuntimeTest, RefusesWhatTheHostDoesNotGrant) {
  auto ungranted = ComponentLinker::link(
      *ComponentDecoder::decode(test::componentFixture("ungranted")), wasi::WasiHost::host());
  ASSERT_TRUE(ungranted->error);
  EXPECT_EQ(ungranted->error->describe(),
            "link: the component imports wasi:sockets/network@0.2.0, which the host does not "
            "grant");
  auto prepared = PreparedComponent::prepare(*engine_, ungranted, {});
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code, errc::wasm_link_error);

  auto wrong = ComponentLinker::link(
      *ComponentDecoder::decode(test::componentFixture("wrong_signature")), wasi::WasiHost::host());
  ASSERT_TRUE(wrong->error);
  EXPECT_EQ(wrong->error->describe(),
            "link: wasi:cli/environment@0.2.3 get-arguments: the component expects func() -> "
            "list<u32>, the host provides func() -> list<string>");
}

INSTANTIATE_TEST_SUITE_P(Engines, ComponentRuntimeTest, testing::ValuesIn(allEngineKinds()),
                         wasm::test::engineName);

}  // namespace
}  // namespace wasmesh::wasm::component
