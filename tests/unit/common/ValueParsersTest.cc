#include <gtest/gtest.h>

#include "wasmesh/common/ValueParsers.h"

namespace wasmesh {
namespace {

using std::chrono::milliseconds;

TEST(ParseDurationTest, AcceptsIntegerWithUnit) {
  EXPECT_EQ(parseDuration("300ms").value(), milliseconds{300});
  EXPECT_EQ(parseDuration("10s").value(), milliseconds{10'000});
  EXPECT_EQ(parseDuration("5m").value(), milliseconds{300'000});
  EXPECT_EQ(parseDuration("1h").value(), milliseconds{3'600'000});
  EXPECT_EQ(parseDuration("2d").value(), milliseconds{172'800'000});
  EXPECT_EQ(parseDuration("0").value(), milliseconds{0});
}

TEST(ParseDurationTest, RefusesWhatLinkerdRefuses) {
  for (const char* bad :
       {"", "10", "1.5s", "1 ms", "-1s", "s", "10x", "ms10", "+5s", "99999999999999999999d"}) {
    EXPECT_FALSE(parseDuration(bad)) << bad;
    EXPECT_EQ(parseDuration(bad).error(), errc::invalid_duration) << bad;
  }
}

TEST(ParseDurationTest, FormatRoundTrips) {
  for (const char* text : {"0", "300ms", "10s", "5m", "2h"}) {
    EXPECT_EQ(formatDuration(parseDuration(text).value()), text);
  }
}

TEST(ParsePortTest, RangeIsOneTo65535) {
  EXPECT_EQ(parsePort("1").value(), 1);
  EXPECT_EQ(parsePort("65535").value(), 65535);
  EXPECT_FALSE(parsePort("0"));
  EXPECT_FALSE(parsePort("65536"));
  EXPECT_FALSE(parsePort("http"));
  EXPECT_FALSE(parsePort("-1"));
}

TEST(ParseSizeTest, BinaryUnits) {
  EXPECT_EQ(parseSize("512").value(), 512U);
  EXPECT_EQ(parseSize("64KiB").value(), 65536U);
  EXPECT_EQ(parseSize("16MiB").value(), 16U << 20U);
  EXPECT_EQ(parseSize("1GiB").value(), 1U << 30U);
  EXPECT_FALSE(parseSize("1KB"));
  EXPECT_FALSE(parseSize("1.5MiB"));
  EXPECT_FALSE(parseSize(""));
}

TEST(PortSetTest, ParsesPortsAndRangesIgnoringBlanks) {
  const auto set = parsePortSet(" 25, 587,,8000-8100 ,").value();
  EXPECT_TRUE(set.contains(25));
  EXPECT_TRUE(set.contains(587));
  EXPECT_TRUE(set.contains(8000));
  EXPECT_TRUE(set.contains(8050));
  EXPECT_TRUE(set.contains(8100));
  EXPECT_FALSE(set.contains(8101));
  EXPECT_FALSE(set.contains(26));
  EXPECT_EQ(set.toString(), "25,587,8000-8100");
}

TEST(PortSetTest, FindsTheFirstCommonPort) {
  const auto a = parsePortSet("10-20,40,50-60").value();
  EXPECT_EQ(a.firstCommonPort(parsePortSet("1-5,21-39,55").value()), 55);
  EXPECT_EQ(a.firstCommonPort(parsePortSet("15").value()), 15);
  EXPECT_EQ(a.firstCommonPort(parsePortSet("1-9,21-39,41-49,61").value()), std::nullopt);
  EXPECT_EQ(a.firstCommonPort(PortSet{}), std::nullopt);
}

TEST(PortSetTest, MergesOverlappingAndAdjacentRanges) {
  EXPECT_EQ(parsePortSet("10-20,15-30,31,5").value().toString(), "5,10-31");
  EXPECT_TRUE(parsePortSet("").value().empty());
}

TEST(PortSetTest, RefusesNamedPortsAndReversedRanges) {
  EXPECT_EQ(parsePortSet("25,smtp").error(), errc::named_port);
  EXPECT_EQ(parsePortSet("http-alt").error(), errc::named_port);
  EXPECT_EQ(parsePortSet("100-10").error(), errc::invalid_port_range);
  EXPECT_EQ(parsePortSet("1-").error(), errc::invalid_port_range);
  EXPECT_EQ(parsePortSet("70000").error(), errc::invalid_port);
}

TEST(CidrTest, ContainsByPrefix) {
  const auto v4 = parseCidr("10.1.0.0/16").value();
  EXPECT_TRUE(v4.contains(boost::asio::ip::make_address("10.1.200.3")));
  EXPECT_FALSE(v4.contains(boost::asio::ip::make_address("10.2.0.1")));
  EXPECT_FALSE(v4.contains(boost::asio::ip::make_address("::1")));
  const auto v6 = parseCidr("fd00::/8").value();
  EXPECT_TRUE(v6.contains(boost::asio::ip::make_address("fd12::7")));
  EXPECT_FALSE(v6.contains(boost::asio::ip::make_address("fe80::1")));
  EXPECT_EQ(parseCidr("10.0.0.7").value().prefixLength(), 32U);
  EXPECT_EQ(parseCidr("10.0.0.0/12").value().toString(), "10.0.0.0/12");
}

TEST(CidrTest, RefusesBadPrefixes) {
  EXPECT_FALSE(parseCidr("10.0.0.0/33"));
  EXPECT_FALSE(parseCidr("fd00::/129"));
  EXPECT_FALSE(parseCidr("10.0.0.0/x"));
  EXPECT_FALSE(parseCidr("cluster.local/8"));
  EXPECT_EQ(parseCidrList("10.0.0.0/8, fd00::/8").value().size(), 2U);
  EXPECT_FALSE(parseCidrList("10.0.0.0/8,nope"));
}

TEST(SocketAddressTest, ParsesV4AndBracketedV6) {
  const auto v4 = parseSocketAddress("0.0.0.0:4143").value();
  EXPECT_EQ(v4.port(), 4143);
  EXPECT_TRUE(v4.address().is_v4());
  const auto v6 = parseSocketAddress("[::1]:4140").value();
  EXPECT_TRUE(v6.address().is_v6());
  EXPECT_EQ(formatSocketAddress(v6), "[::1]:4140");
  EXPECT_EQ(formatSocketAddress(v4), "0.0.0.0:4143");
  EXPECT_EQ(parseSocketAddress("127.0.0.1:0").value().port(), 0);
}

TEST(SocketAddressTest, RefusesNamesAndMissingPorts) {
  for (const char* bad : {"localhost:80", "127.0.0.1", "::1:80", "[::1]", "[::1]80",
                          "127.0.0.1:99999", "127.0.0.1:http", ""}) {
    EXPECT_FALSE(parseSocketAddress(bad)) << bad;
  }
}

TEST(HostPortTest, TakesAddressesAndDnsNames) {
  EXPECT_EQ(parseHostPort("10.0.0.5:8080").value(), (HostPort{"10.0.0.5", 8080}));
  EXPECT_EQ(parseHostPort("[fd00::5]:8080").value(), (HostPort{"fd00::5", 8080}));
  EXPECT_EQ(parseHostPort("Identity.Wasmesh.svc.cluster.local.:443").value(),
            (HostPort{"identity.wasmesh.svc.cluster.local.", 443}));
  EXPECT_EQ(parseHostPort("localhost:1").value(), (HostPort{"localhost", 1}));
  EXPECT_EQ(formatHostPort({"fd00::5", 8080}), "[fd00::5]:8080");
  EXPECT_EQ(formatHostPort({"identity.wasmesh.svc", 8080}), "identity.wasmesh.svc:8080");
}

TEST(HostPortTest, RefusesWhatCannotBeConnectedTo) {
  for (const char* bad : {"identity", "identity:", "identity:0", "identity:65536", "identity:http",
                          ":8080", "a..b:80", "-a.b:80", "a_b.svc:80", "10.0.0.5:0", "[::1]",
                          "http://identity:80", "identity.svc/x:80", ""}) {
    EXPECT_EQ(parseHostPort(bad).error(), errc::invalid_host_port) << bad;
  }
  EXPECT_FALSE(parseHostPort(std::string(254, 'a') + ":80"));
}

}  // namespace
}  // namespace wasmesh
