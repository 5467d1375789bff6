#include <gtest/gtest.h>

#include <string>

#include "wasmesh/proxy/DiscoveryTable.h"

namespace wasmesh::proxy {
namespace {

using boost::asio::ip::make_address;

std::string errorOf(const std::string& yaml) {
  const auto table = DiscoveryTable::parse(yaml, "d.yaml");
  if (table)
    return "(parsed)";
  return table.error();
}

DiscoveryTable parsed(const std::string& yaml) {
  auto table = DiscoveryTable::parse(yaml, "d.yaml");
  EXPECT_TRUE(table) << table.error();
  return table ? std::move(*table) : DiscoveryTable{};
}

// The identity of whatever `address` resolves to, or "none".
std::string who(const DiscoveryTable& table, const char* address) {
  const auto* destination = table.lookup(make_address(address));
  return destination != nullptr ? destination->identity.toString() : "none";
}

TEST(DiscoveryTableTest, ParsesTheDocumentedShape) {
  const auto table = parsed(R"(
destinations:
  - addresses: ["10.0.0.7/32", "fd00::7/128"]
    identity: spiffe://cluster.local/ns/default/sa/b
    mesh_port: 4143
  - addresses: [10.0.1.0/24]
    identity: spiffe://cluster.local/ns/shop/sa/cart/wasm/pricing
    mesh_port: 14143
  - addresses: [10.0.2.9]
    identity: spiffe://cluster.local/ns/shop/sa/db
)");
  ASSERT_EQ(table.size(), 3U);
  const auto& b = table.destinations()[0];
  EXPECT_EQ(b.addresses, (std::vector<Cidr>{*parseCidr("10.0.0.7/32"), *parseCidr("fd00::7/128")}));
  EXPECT_EQ(b.identity.toString(), "spiffe://cluster.local/ns/default/sa/b");
  EXPECT_EQ(b.serverName, "b.default.serviceaccount.identity.cluster.local");
  EXPECT_EQ(b.meshPort, 4143);
  EXPECT_EQ(table.destinations()[1].serverName,
            "pricing.wasm.cart.shop.serviceaccount.identity.cluster.local");
  EXPECT_EQ(table.destinations()[1].meshPort, 14143);
  // mesh_port defaults to 4143; a bare address is a host route.
  EXPECT_EQ(table.destinations()[2].meshPort, DiscoveryTable::kDefaultMeshPort);
  EXPECT_EQ(table.destinations()[2].addresses, (std::vector<Cidr>{*parseCidr("10.0.2.9/32")}));
}

TEST(DiscoveryTableTest, AnExplicitEmptyListIsValid) {
  EXPECT_TRUE(parsed("destinations: []").empty());
  EXPECT_EQ(DiscoveryTable{}.lookup(make_address("10.0.0.1")), nullptr);
}

TEST(DiscoveryTableTest, LongestPrefixWinsInBothFamilies) {
  const auto table = parsed(R"(
destinations:
  - {addresses: [10.0.0.0/8, "fd00::/8"], identity: "spiffe://td/ns/n/sa/wide"}
  - {addresses: [10.1.0.0/16, "fd00:1::/32"], identity: "spiffe://td/ns/n/sa/mid"}
  - {addresses: [10.1.2.3/32, "fd00:1::3/128"], identity: "spiffe://td/ns/n/sa/host"}
  - {addresses: [0.0.0.0/0], identity: "spiffe://td/ns/n/sa/default4"}
)");
  EXPECT_EQ(who(table, "10.1.2.3"), "spiffe://td/ns/n/sa/host");
  EXPECT_EQ(who(table, "10.1.2.4"), "spiffe://td/ns/n/sa/mid");
  EXPECT_EQ(who(table, "10.2.0.1"), "spiffe://td/ns/n/sa/wide");
  EXPECT_EQ(who(table, "192.168.0.1"), "spiffe://td/ns/n/sa/default4");
  EXPECT_EQ(who(table, "fd00:1::3"), "spiffe://td/ns/n/sa/host");
  EXPECT_EQ(who(table, "fd00:1::4"), "spiffe://td/ns/n/sa/mid");
  EXPECT_EQ(who(table, "fd00:2::1"), "spiffe://td/ns/n/sa/wide");
  // 0.0.0.0/0 is IPv4 only: an IPv6 address outside fd00::/8 matches nothing.
  EXPECT_EQ(who(table, "2001:db8::1"), "none");
}

TEST(DiscoveryTableTest, PrefixLengthsThatAreNotByteAligned) {
  const auto table = parsed(R"(
destinations:
  - {addresses: [10.0.0.0/9], identity: "spiffe://td/ns/n/sa/nine"}
  - {addresses: ["fd00:0:0:1::/65"], identity: "spiffe://td/ns/n/sa/sixtyfive"}
)");
  EXPECT_EQ(who(table, "10.127.255.255"), "spiffe://td/ns/n/sa/nine");
  EXPECT_EQ(who(table, "10.128.0.0"), "none");
  EXPECT_EQ(who(table, "fd00:0:0:1:7fff::1"), "spiffe://td/ns/n/sa/sixtyfive");
  EXPECT_EQ(who(table, "fd00:0:0:1:8000::1"), "none");
}

TEST(DiscoveryTableTest, AnIpv4MappedAddressMatchesIpv4Cidrs) {
  const auto table = parsed(R"(
destinations:
  - {addresses: [10.0.0.7/32], identity: "spiffe://td/ns/n/sa/b"}
  - {addresses: ["::/0"], identity: "spiffe://td/ns/n/sa/any6"}
)");
  // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
  EXPECT_EQ(who(table, "::ffff:10.0.0.7"), "spiffe://td/ns/n/sa/b");
  EXPECT_EQ(who(table, "::ffff:10.0.0.8"), "none");
  EXPECT_EQ(who(table, "fd00::1"), "spiffe://td/ns/n/sa/any6");
}

TEST(DiscoveryTableTest, NoMatch) {
  const auto table = parsed(R"(
destinations:
  - {addresses: [10.0.0.7/32], identity: "spiffe://td/ns/n/sa/b"}
)");
  EXPECT_EQ(table.lookup(make_address("10.0.0.6")), nullptr);
  EXPECT_EQ(table.lookup(make_address("fd00::7")), nullptr);
}

TEST(DiscoveryTableTest, ThousandsOfHostRoutes) {
  std::string yaml = "destinations:\n";
  for (int i = 0; i < 4000; ++i) {
    yaml += "  - {addresses: [10." + std::to_string(i / 256) + "." + std::to_string(i % 256) +
            ".1/32], identity: \"spiffe://td/ns/n/sa/s" + std::to_string(i) + "\"}\n";
  }
  const auto table = parsed(yaml);
  ASSERT_EQ(table.size(), 4000U);
  EXPECT_EQ(who(table, "10.15.159.1"), "spiffe://td/ns/n/sa/s3999");
  EXPECT_EQ(who(table, "10.0.0.1"), "spiffe://td/ns/n/sa/s0");
  EXPECT_EQ(who(table, "10.0.0.2"), "none");
}

TEST(DiscoveryTableTest, ErrorsNameThePathAndTheValue) {
  const std::string id = "identity: spiffe://cluster.local/ns/default/sa/b";
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.6/32, 10.0.0.7/33]\n    " + id),
            "d.yaml: destinations[0].addresses[1]: \"10.0.0.7/33\" is not a CIDR (10.0.0.0/8 or "
            "fd00::/8)");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.7/24]\n    " + id),
            "d.yaml: destinations[0].addresses[0]: \"10.0.0.7/24\" has host bits set (the "
            "network is 10.0.0.0/24)");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [\"fd00::7/64\"]\n    " + id),
            "d.yaml: destinations[0].addresses[0]: \"fd00::7/64\" has host bits set (the "
            "network is fd00::/64)");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [\"::ffff:10.0.0.7/128\"]\n    " + id),
            "d.yaml: destinations[0].addresses[0]: \"::ffff:10.0.0.7/128\" is an IPv4-mapped "
            "IPv6 CIDR (write it as 10.0.0.7/32)");
  EXPECT_EQ(errorOf(R"(
destinations:
  - {addresses: [10.0.0.1/32], identity: "spiffe://td/ns/a/sa/b"}
  - {addresses: [10.0.0.2/32], identity: "spiffe://td/ns/a/sa/c"}
  - {addresses: [10.0.0.3/32], identity: "spiffe://TD/ns/a/sa/d"}
)"),
            "d.yaml: destinations[2].identity: \"spiffe://TD/ns/a/sa/d\" is not a SPIFFE ID "
            "(spiffe://trust-domain/path)");
  EXPECT_EQ(errorOf("destinations:\n  - {addresses: [10.0.0.1/32], identity: 'spiffe://td/x'}"),
            "d.yaml: destinations[0].identity: \"spiffe://td/x\" has no server name (not "
            "spiffe://td/ns/<ns>/sa/<sa>[/wasm/<component>])");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.1]\n    " + id + "\n    mesh_port: 0"),
            "d.yaml: destinations[0].mesh_port: \"0\" is not a port (1-65535)");
  EXPECT_EQ(
      errorOf("destinations:\n  - addresses: [10.0.0.1]\n    " + id + "\n    mesh_port: 65536"),
      "d.yaml: destinations[0].mesh_port: \"65536\" is not a port (1-65535)");
}

TEST(DiscoveryTableTest, UnknownMissingAndRepeatedKeysAreErrors) {
  const std::string id = "identity: spiffe://td/ns/a/sa/b";
  EXPECT_EQ(errorOf("destinations: []\nroutes: []"), "d.yaml: routes: unknown key");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.1]\n    " + id + "\n    port: 80"),
            "d.yaml: destinations[0].port: unknown key");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.1]\n    " + id + "\n    " + id),
            "d.yaml: destinations[0].identity: is given twice");
  EXPECT_EQ(errorOf("destinations:\n  - " + id), "d.yaml: destinations[0].addresses: is required");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.1]"),
            "d.yaml: destinations[0].identity: is required");
  EXPECT_EQ(errorOf(""), "d.yaml: destinations: is required (write \"destinations: []\" for none)");
  EXPECT_EQ(errorOf("# nothing yet\n"),
            "d.yaml: destinations: is required (write \"destinations: []\" for none)");
}

TEST(DiscoveryTableTest, WrongShapesAreErrors) {
  const std::string id = "identity: spiffe://td/ns/a/sa/b";
  EXPECT_EQ(errorOf("- 10.0.0.1"),
            "d.yaml: the top level: expected a mapping with destinations, found a list");
  EXPECT_EQ(errorOf("destinations:"),
            "d.yaml: destinations: expected a list (write [] for none), found nothing");
  EXPECT_EQ(errorOf("destinations: 10.0.0.1"),
            "d.yaml: destinations: expected a list (write [] for none), found \"10.0.0.1\"");
  EXPECT_EQ(errorOf("destinations: [10.0.0.1]"),
            "d.yaml: destinations[0]: expected a mapping with addresses and identity, found "
            "\"10.0.0.1\"");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: 10.0.0.1\n    " + id),
            "d.yaml: destinations[0].addresses: expected a list of CIDRs, found \"10.0.0.1\"");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: []\n    " + id),
            "d.yaml: destinations[0].addresses: must list at least one CIDR");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [[10.0.0.1]]\n    " + id),
            "d.yaml: destinations[0].addresses[0]: expected a CIDR, found a list");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.1]\n    identity:"),
            "d.yaml: destinations[0].identity: has no value (expected a SPIFFE ID)");
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.1]\n    identity: {a: b}"),
            "d.yaml: destinations[0].identity: expected a SPIFFE ID, found a mapping");
}

TEST(DiscoveryTableTest, YamlSyntaxErrorsNameTheLine) {
  EXPECT_EQ(errorOf("destinations:\n  - addresses: [10.0.0.1\n"),
            "d.yaml: line 3, column 1: end of sequence flow not found");
}

TEST(DiscoveryTableTest, APrefixListedTwiceIsAnError) {
  EXPECT_EQ(errorOf(R"(
destinations:
  - {addresses: [10.0.0.1/32, "fd00::1"], identity: "spiffe://td/ns/a/sa/b"}
  - {addresses: ["fd00:0::1/128"], identity: "spiffe://td/ns/a/sa/c"}
)"),
            "d.yaml: destinations[1].addresses[0]: \"fd00:0::1/128\" is already listed at "
            "destinations[0].addresses[1]");
  EXPECT_EQ(errorOf(R"(
destinations:
  - {addresses: [10.0.0.0/24, 10.0.0.0/24], identity: "spiffe://td/ns/a/sa/b"}
)"),
            "d.yaml: destinations[0].addresses[1]: \"10.0.0.0/24\" is already listed at "
            "destinations[0].addresses[0]");
  // The same network under different lengths is not a repeat: the longer one wins lookups.
  EXPECT_EQ(errorOf(R"(
destinations:
  - {addresses: [10.0.0.0/24], identity: "spiffe://td/ns/a/sa/b"}
  - {addresses: [10.0.0.0/25], identity: "spiffe://td/ns/a/sa/c"}
)"),
            "(parsed)");
}

}  // namespace
}  // namespace wasmesh::proxy
