#pragma once

#include <cstdint>
#include <string>

#include "wasmesh/metrics/Collector.h"

namespace wasmesh::metrics {

// A family owned by the Registry: a name, help text, a type and the series created in it.
// It renders itself through the same Sink as any Collector so the writer has one input path.
class Family : public Collector {
 public:
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;
  ~Family() override = default;

  const std::string& name() const noexcept { return name_; }
  const std::string& help() const noexcept { return help_; }
  MetricType type() const noexcept { return type_; }
  // Lookups folded into the overflow series because the family was full.
  virtual std::uint64_t foldedSeries() const noexcept = 0;

 protected:
  // Throws std::invalid_argument for a name Prometheus would reject, or a counter without
  // the `_total` suffix: families are created at start-up, where throwing is allowed.
  Family(std::string name, std::string help, MetricType type);

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
};

}  // namespace wasmesh::metrics
