#include "wasmesh/metrics/Registry.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "Names.h"
#include "TextWriter.h"

namespace wasmesh::metrics {
namespace {

// Every name a family's samples or OpenMetrics metadata can use, so that two families can
// never produce colliding lines in either format (e.g. histogram `x` and gauge `x_count`,
// or counter `x_total` and gauge `x`, both `# TYPE x` in OpenMetrics).
std::vector<std::string> claimedNames(std::string_view name, MetricType type) {
  std::vector<std::string> names{std::string(name)};
  if (type == MetricType::Counter) {
    names.emplace_back(name.substr(0, name.size() - detail::kTotalSuffix.size()));
  } else if (type == MetricType::Histogram) {
    for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      names.push_back(std::string(name) + std::string(suffix));
    }
  }
  return names;
}

}  // namespace

Registry::Registry(std::size_t shardCount, SeriesLimits limits)
    : shardCount_(shardCount), limits_(limits) {
  if (shardCount == 0) {
    throw std::invalid_argument("a metrics registry needs at least one shard");
  }
  if (limits.maxSeries == 0) {
    throw std::invalid_argument("a metrics registry needs room for at least one series");
  }
  for (const std::string& claim : claimedNames(kFoldedFamily, MetricType::Counter)) {
    claimed_.emplace(claim, kFoldedFamily);
  }
}

template <typename F, typename... Args>
F& Registry::getOrCreate(MetricType type, std::string name, std::string help, Args&&... args) {
  const std::lock_guard lock(mutex_);
  if (const auto found = families_.find(name); found != families_.end()) {
    Family& existing = *found->second;
    if (existing.type() != type || existing.help() != help) {
      throw std::invalid_argument("metric \"" + name +
                                  "\" is already registered with another type or help");
    }
    return static_cast<F&>(existing);
  }
  auto family = std::make_shared<F>(std::move(name), std::move(help), std::forward<Args>(args)...,
                                    shardCount_, limits_);
  const std::vector<std::string> claims = claimedNames(family->name(), type);
  for (const std::string& claim : claims) {
    if (claimed_.contains(claim)) {
      throw std::invalid_argument("metric \"" + family->name() + "\" collides with metric \"" +
                                  claimed_.find(claim)->second + "\"");
    }
  }
  for (const std::string& claim : claims) {
    claimed_.emplace(claim, family->name());
  }
  families_.emplace(family->name(), family.get());
  inOrder_.push_back(family);
  return *family;
}

CounterFamily& Registry::counter(std::string name, std::string help) {
  return getOrCreate<CounterFamily>(MetricType::Counter, std::move(name), std::move(help));
}

GaugeFamily& Registry::gauge(std::string name, std::string help) {
  return getOrCreate<GaugeFamily>(MetricType::Gauge, std::move(name), std::move(help));
}

HistogramFamily& Registry::histogram(std::string name, std::string help,
                                     std::vector<double> upperBounds) {
  HistogramFamily& family = getOrCreate<HistogramFamily>(MetricType::Histogram, std::move(name),
                                                         std::move(help), upperBounds);
  if (!upperBounds.empty() && std::isinf(upperBounds.back()) && upperBounds.back() > 0) {
    upperBounds.pop_back();
  }
  if (!std::ranges::equal(family.upperBounds(), upperBounds)) {
    throw std::invalid_argument("histogram \"" + family.name() +
                                "\" is already registered with other buckets");
  }
  return family;
}

void Registry::addCollector(std::shared_ptr<Collector> collector) {
  if (collector == nullptr) {
    return;
  }
  const std::lock_guard lock(mutex_);
  inOrder_.push_back(std::move(collector));
}

std::string Registry::render(Format format) const {
  std::vector<std::shared_ptr<Collector>> collectors;
  {
    // Collectors may read files; do not hold up registrations while they run.
    const std::lock_guard lock(mutex_);
    collectors = inOrder_;
  }
  detail::TextWriter writer(format);
  for (const auto& collector : collectors) {
    collector->collect(writer);
  }
  renderFolded(writer);
  return std::move(writer).finish();
}

void Registry::renderFolded(Sink& sink) const {
  std::vector<std::pair<std::string, std::uint64_t>> folded;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [name, family] : families_) {
      if (const auto count = family->foldedSeries(); count > 0)
        folded.emplace_back(name, count);
    }
  }
  // Absent until some family is full, so a healthy proxy's scrape carries nothing extra.
  if (folded.empty())
    return;
  sink.family(kFoldedFamily,
              "Label sets folded into a family's overflow series because the family held "
              "metrics.max_series_per_family series",
              MetricType::Counter);
  for (const auto& [name, count] : folded)
    sink.sample({{"family", name}}, static_cast<double>(count));
}

}  // namespace wasmesh::metrics
