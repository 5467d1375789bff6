#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wasmesh::app {

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

// A plain HTTP/1.1 GET with a 2 s deadline; nullopt when nothing answered.
std::optional<HttpReply> httpGet(const std::string& host, unsigned short port,
                                 const std::string& path);

// Samples read back from a Prometheus text exposition: enough for the demo's table.
class ScrapedMetrics {
 public:
  struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
  };

  static std::optional<ScrapedMetrics> fetch(const std::string& host, unsigned short port);
  static ScrapedMetrics parse(const std::string& text);

  // Sum of a family's samples whose labels include every given pair.
  double sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
  // Like sum, but only samples whose `label` is present and not empty.
  double sumWhereSet(const std::string& name, const std::string& label,
                     const std::map<std::string, std::string>& match = {}) const;
  // The value of `label` on the first sample of `name` that matches; empty if none has it.
  std::string labelValue(const std::string& name, const std::string& label,
                         const std::map<std::string, std::string>& match = {}) const;
  // The q-quantile of a histogram family's `<name>_bucket` samples that match, summed per
  // bound and interpolated within a bucket as PromQL's histogram_quantile does; nullopt
  // without observations.
  std::optional<double> quantile(const std::string& name, double q,
                                 const std::map<std::string, std::string>& match = {}) const;

 private:
  std::vector<Sample> samples_;
};

}  // namespace wasmesh::app
