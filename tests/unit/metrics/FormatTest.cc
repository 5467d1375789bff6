// Content negotiation for /metrics: Accept picks the format, Accept-Encoding picks gzip.
#include <gtest/gtest.h>

#include <ostream>
#include <string_view>

#include "wasmesh/metrics/Format.h"

namespace wasmesh::metrics {
namespace {

struct NegotiationCase {
  std::string_view accept;
  Format expected;
};

// Names the case by its header in test output instead of by its bytes.
void PrintTo(const NegotiationCase& c, std::ostream* os) {
  *os << '"' << c.accept << '"';
}

class MetricsNegotiationTest : public ::testing::TestWithParam<NegotiationCase> {};

TEST_P(MetricsNegotiationTest, PicksFormat) {
  EXPECT_EQ(negotiateFormat(GetParam().accept), GetParam().expected) << GetParam().accept;
}

constexpr Format kText = Format::PrometheusText004;
constexpr Format kOm = Format::OpenMetrics100;

INSTANTIATE_TEST_SUITE_P(
    Cases, MetricsNegotiationTest,
    ::testing::Values(
        NegotiationCase{"", kText}, NegotiationCase{"text/plain", kText},
        NegotiationCase{"*/*", kText}, NegotiationCase{"application/*", kText},
        NegotiationCase{"application/json", kText},
        NegotiationCase{"application/openmetrics-text", kOm},
        NegotiationCase{"APPLICATION/OpenMetrics-Text", kOm},
        NegotiationCase{"application/openmetrics-text; version=1.0.0; charset=utf-8", kOm},
        NegotiationCase{"application/openmetrics-text;version=0.0.1", kOm},
        NegotiationCase{"application/openmetrics-text;version=2.0.0", kText},
        // What Prometheus 2.x sends by default.
        NegotiationCase{"application/openmetrics-text;version=1.0.0,application/"
                        "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,"
                        "*/*;q=0.1",
                        kOm},
        // What Prometheus sends with OpenMetrics disabled.
        NegotiationCase{"text/plain;version=0.0.4;q=1,*/*;q=0.1", kText},
        NegotiationCase{"application/openmetrics-text;q=0", kText},
        NegotiationCase{"application/openmetrics-text; q=0.000, text/plain", kText},
        NegotiationCase{"application/openmetrics-text;q=0, */*", kText},
        NegotiationCase{"text/plain;q=0.9, application/openmetrics-text;q=0.5", kText},
        NegotiationCase{"text/plain;q=0.5, application/openmetrics-text;q=0.8", kOm},
        NegotiationCase{"text/plain, application/openmetrics-text", kText},
        NegotiationCase{"application/openmetrics-text, text/plain", kOm},
        NegotiationCase{"*/*, application/openmetrics-text", kOm},
        NegotiationCase{"text/*;q=1, application/openmetrics-text;q=1", kOm},
        NegotiationCase{"application/openmetrics-text;q=abc", kText},
        NegotiationCase{"application/openmetrics-text;q=1.5", kText},
        NegotiationCase{"application/openmetrics-text;x=\"a,b;c\";q=1", kOm},
        NegotiationCase{",,;;=, ;q=", kText}));

TEST(MetricsContentTypeTest, NamesFormatAndCharset) {
  EXPECT_EQ(contentType(Format::PrometheusText004), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(contentType(Format::OpenMetrics100),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(MetricsAcceptsGzipTest, ReadsTokensAndQValues) {
  EXPECT_TRUE(acceptsGzip("gzip"));
  EXPECT_TRUE(acceptsGzip("gzip, deflate"));
  EXPECT_TRUE(acceptsGzip("deflate, gzip, br, zstd"));  // curl --compressed
  EXPECT_TRUE(acceptsGzip("GZIP;q=0.5"));
  EXPECT_TRUE(acceptsGzip("x-gzip"));
  EXPECT_TRUE(acceptsGzip("br;q=1.0, gzip;q=0.8, *;q=0.1"));
  EXPECT_FALSE(acceptsGzip(""));
  EXPECT_FALSE(acceptsGzip("identity"));
  EXPECT_FALSE(acceptsGzip("deflate, gzip;q=0"));
  EXPECT_FALSE(acceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(acceptsGzip("gzipx"));
  EXPECT_FALSE(acceptsGzip("*"));  // only an explicit gzip token counts
}

}  // namespace
}  // namespace wasmesh::metrics
