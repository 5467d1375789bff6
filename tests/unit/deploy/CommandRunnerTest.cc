#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wasmesh/deploy/CommandRunner.h"
#include "wasmesh/deploy/ProcessRunner.h"

namespace wasmesh::deploy {
namespace {

TEST(CommandRunnerTest, FormatQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(formatCommandLine({"iptables", "-t", "nat", "-d", "fd00::/8", "--dports", "1:5,7",
                               "--comment", "wasmesh/ignore-loopback"}),
            "iptables -t nat -d fd00::/8 --dports 1:5,7 --comment wasmesh/ignore-loopback");
  EXPECT_EQ(formatCommandLine({"echo", "two words", "it's", ""}), "echo 'two words' 'it'\\''s' ''");
}

TEST(ProcessRunnerTest, CapturesBothStreamsAndExitStatus) {
  ProcessRunner runner;
  auto result = runner.run({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(result) << result.error().message();
  EXPECT_EQ(result->exitStatus, 3);
  EXPECT_EQ(result->standardOutput, "out\n");
  EXPECT_EQ(result->standardError, "err\n");
}

TEST(ProcessRunnerTest, ArgumentsAreNotInterpretedByAShell) {
  ProcessRunner runner;
  auto result = runner.run({"printf", "%s|", "a b", "$HOME", ";ls"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->standardOutput, "a b|$HOME|;ls|");
}

TEST(ProcessRunnerTest, LargeOutputOnBothStreamsDoesNotDeadlock) {
  ProcessRunner runner;
  // Far more than a pipe buffer (64 KiB) on each stream, interleaved.
  auto result =
      runner.run({"sh", "-c",
                  "i=0; while [ $i -lt 3000 ]; do echo 0123456789012345678901234567890123456789; "
                  "echo 0123456789012345678901234567890123456789 >&2; i=$((i+1)); done"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exitStatus, 0);
  EXPECT_EQ(result->standardOutput.size(), 3000U * 41U);
  EXPECT_EQ(result->standardError.size(), 3000U * 41U);
}

TEST(ProcessRunnerTest, MissingProgramIsAnError) {
  ProcessRunner runner;
  auto result = runner.run({"wasmesh-no-such-program-xyz"});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(), boost::system::errc::no_such_file_or_directory);
}

TEST(ProcessRunnerTest, PrefixIsPutBeforeEveryCommand) {
  ProcessRunner runner({"env", "WASMESH_TEST_VALUE=42"});
  auto result = runner.run({"sh", "-c", "echo $WASMESH_TEST_VALUE"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->standardOutput, "42\n");
}

TEST(ProcessRunnerTest, StdinIsEmpty) {
  ProcessRunner runner;
  auto result = runner.run({"cat"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exitStatus, 0);
  EXPECT_EQ(result->standardOutput, "");
}

TEST(ProcessRunnerTest, KilledBySignalLooksLikeAShellStatus) {
  ProcessRunner runner;
  auto result = runner.run({"sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->exitStatus, 128 + 15);
}

}  // namespace
}  // namespace wasmesh::deploy
