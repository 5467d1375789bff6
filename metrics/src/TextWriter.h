#pragma once

#include <set>
#include <string>
#include <string_view>

#include "wasmesh/metrics/Collector.h"
#include "wasmesh/metrics/Format.h"

namespace wasmesh::metrics::detail {

// Writes one scrape in Prometheus text 0.0.4 or OpenMetrics 1.0.0. A family's HELP and
// TYPE lines are held back until its first sample, so families without series vanish.
class TextWriter final : public Sink {
 public:
  explicit TextWriter(Format format) : format_(format) {}

  void family(std::string_view name, std::string_view help, MetricType type) override;
  void sample(const Labels& labels, double value) override;
  void histogram(const Labels& labels, std::span<const double> upperBounds,
                 std::span<const std::uint64_t> cumulativeCounts, double sum) override;

  // The exposition; OpenMetrics gets its terminating "# EOF".
  std::string finish() &&;

 private:
  bool openMetrics() const noexcept { return format_ == Format::OpenMetrics100; }
  void writeHeaderOnce();
  void writeSampleStart(std::string_view suffix, const Labels& labels, std::string_view leName = {},
                        double le = 0);
  void writeHelp(std::string_view help);
  void writeLabelValue(std::string_view value);

  Format format_;
  std::string out_;
  bool active_ = false;  // a valid family is open and takes samples
  bool headerWritten_ = false;
  MetricType type_ = MetricType::Gauge;
  std::string familyName_;  // as in # TYPE; without `_total` for OpenMetrics counters
  std::string sampleName_;  // the sample name before any _bucket/_sum/_count suffix
  std::string help_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace wasmesh::metrics::detail
