#include <gtest/gtest.h>

#include "wasmesh/wasm/component/ComponentHost.h"

namespace wasmesh::wasm::component {
namespace {

TEST(ComponentHostTest, ParsesInterfaceNames) {
  auto name = InterfaceName::parse("wasi:io/streams@0.2.12");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->package, "wasi:io");
  EXPECT_EQ(name->interface, "streams");
  EXPECT_EQ(name->version, "0.2.12");
  auto unversioned = InterfaceName::parse("wasi:http/types");
  ASSERT_TRUE(unversioned);
  EXPECT_EQ(unversioned->version, "");
  EXPECT_FALSE(InterfaceName::parse("greet"));
  EXPECT_FALSE(InterfaceName::parse("wasi/io:streams"));
}

// As wasmtime matches them: one major version, and for 0.x one minor version.
TEST(ComponentHostTest, MatchesVersionsSemverCompatibly) {
  EXPECT_TRUE(semverCompatible("0.2.12", "0.2.0"));
  EXPECT_TRUE(semverCompatible("0.2.0", "0.2.12"));
  EXPECT_TRUE(semverCompatible("0.2.0-rc-2023-11-10", "0.2.12"));
  EXPECT_TRUE(semverCompatible("1.2.0", "1.0.0"));
  EXPECT_FALSE(semverCompatible("0.3.0", "0.2.12"));
  EXPECT_FALSE(semverCompatible("2.0.0", "1.9.9"));
  EXPECT_FALSE(semverCompatible("0.0.1", "0.0.2"));
  EXPECT_FALSE(semverCompatible("0.2.0", ""));
  EXPECT_TRUE(semverCompatible("", ""));
}

TEST(ComponentHostTest, FindsTheNewestCompatibleInterfaceAndFollowsUses) {
  ComponentHost host;
  host.add(HostInterface("wasi:io", "streams", "0.2.0").resource("output-stream", nullptr));
  host.add(HostInterface("wasi:io", "streams", "0.2.12").resource("output-stream", nullptr));
  host.add(HostInterface("wasi:cli", "stdout", "0.2.12")
               .use("output-stream", "wasi:io/streams", "output-stream"));
  host.seal();
  const HostInterface* streams = host.find("wasi:io/streams@0.2.3");
  ASSERT_NE(streams, nullptr);
  EXPECT_EQ(streams->version(), "0.2.12");
  EXPECT_EQ(host.find("wasi:io/streams@0.3.0"), nullptr);
  EXPECT_EQ(host.find("wasi:sockets/tcp@0.2.0"), nullptr);

  const HostInterface* stdoutInterface = host.find("wasi:cli/stdout@0.2.12");
  ASSERT_NE(stdoutInterface, nullptr);
  auto used = host.findResource(*stdoutInterface, "output-stream");
  auto defined = host.findResource(*streams, "output-stream");
  ASSERT_TRUE(used && defined);
  EXPECT_EQ(used->id, defined->id);
  EXPECT_FALSE(host.findResource(*stdoutInterface, "input-stream"));
}

}  // namespace
}  // namespace wasmesh::wasm::component
