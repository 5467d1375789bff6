#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "wasmesh/metrics/Collector.h"
#include "wasmesh/metrics/CounterFamily.h"
#include "wasmesh/metrics/Family.h"
#include "wasmesh/metrics/Format.h"
#include "wasmesh/metrics/GaugeFamily.h"
#include "wasmesh/metrics/HistogramFamily.h"
#include "wasmesh/metrics/SeriesLimits.h"

namespace wasmesh::metrics {

// All metrics of one proxy. Not a singleton: the proxy creates one with a shard per worker
// plus one for the main thread, and passes it (or its families) to whoever records.
//
// Families and collectors render in registration order. Registering a family whose name is
// already registered returns the existing family when type, help and buckets agree, and
// throws std::invalid_argument otherwise (start-up code only).
//
// Every family is bounded by the registry's SeriesLimits; how many lookups each family
// folded into its overflow series is exposed as wasmesh_metrics_series_folded_total{family}.
class Registry {
 public:
  static constexpr const char* kFoldedFamily = "wasmesh_metrics_series_folded_total";

  explicit Registry(std::size_t shardCount, SeriesLimits limits = {});
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  std::size_t shardCount() const noexcept { return shardCount_; }
  const SeriesLimits& limits() const noexcept { return limits_; }

  // `name` is the name as exposed in Prometheus text, e.g. "tcp_open_total".
  CounterFamily& counter(std::string name, std::string help);
  GaugeFamily& gauge(std::string name, std::string help);
  HistogramFamily& histogram(std::string name, std::string help, std::vector<double> upperBounds);

  void addCollector(std::shared_ptr<Collector> collector);

  // The whole exposition. Safe to call while workers update their shards.
  std::string render(Format format) const;

 private:
  template <typename F, typename... Args>
  F& getOrCreate(MetricType type, std::string name, std::string help, Args&&... args);

  void renderFolded(Sink& sink) const;

  std::size_t shardCount_;
  SeriesLimits limits_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<Collector>> inOrder_;
  std::map<std::string, Family*, std::less<>> families_;
  // Every name some family's output uses, to the family that uses it (see Registry.cc).
  std::map<std::string, std::string, std::less<>> claimed_;
};

}  // namespace wasmesh::metrics
