#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "wasmesh/common/RegularFile.h"

namespace wasmesh {
namespace {

namespace fs = std::filesystem;

class RegularFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = fs::temp_directory_path() /
                 ("wasmesh-regular-file-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(directory_);
  }
  void TearDown() override { fs::remove_all(directory_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = (directory_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  fs::path directory_;
};

TEST_F(RegularFileTest, ReadsARegularFileThroughASymlink) {
  const auto target = write("data", "hello\n");
  const auto link = (directory_ / "link").string();
  fs::create_symlink(target, link);
  const auto text = readRegularFile(link, 1024);
  ASSERT_TRUE(text) << text.error().message();
  EXPECT_EQ(*text, "hello\n");
}

TEST_F(RegularFileTest, NamesTheErrnoOfAMissingFile) {
  const auto path = (directory_ / "missing").string();
  const auto text = readRegularFile(path, 1024);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), boost::system::errc::no_such_file_or_directory);
  EXPECT_EQ(describeFileError(path, text.error(), 1024),
            path + ": cannot read: No such file or directory");
  EXPECT_EQ(describeFileError(path, make_error_code(errc::file_too_large), 16U << 20U),
            path + ": is larger than 16 MiB");
  EXPECT_EQ(describeFileError(path, make_error_code(errc::file_too_large), 4096),
            path + ": is larger than 4 KiB");
}

TEST_F(RegularFileTest, RefusesADirectory) {
  const auto text = readRegularFile(directory_.string(), 1024);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), boost::system::errc::is_a_directory);
}

// A FIFO with no writer blocks open(2) without O_NONBLOCK: this test hung before the fix.
TEST_F(RegularFileTest, RefusesAFifoWithoutBlocking) {
  const auto path = (directory_ / "fifo").string();
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  const auto text = readRegularFile(path, 1024);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), errc::not_regular_file);
}

TEST_F(RegularFileTest, RefusesADevice) {
  const auto text = readRegularFile("/dev/zero", 1024);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error(), errc::not_regular_file);
}

TEST_F(RegularFileTest, RefusesAFileOverTheCap) {
  const auto path = write("big", std::string(1025, 'x'));
  EXPECT_EQ(readRegularFile(path, 1024).error(), errc::file_too_large);
  const auto exact = readRegularFile(path, 1025);
  ASSERT_TRUE(exact);
  EXPECT_EQ(exact->size(), 1025U);
}

TEST_F(RegularFileTest, NamesPermissionDenied) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root reads files whatever their mode";
  const auto path = write("secret", "x");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  EXPECT_EQ(readRegularFile(path, 1024).error(), boost::system::errc::permission_denied);
}

}  // namespace
}  // namespace wasmesh
