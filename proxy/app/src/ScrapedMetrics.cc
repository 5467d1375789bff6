#include "ScrapedMetrics.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cmath>
#include <limits>
#include <sstream>

namespace wasmesh::app {

std::optional<HttpReply> httpGet(const std::string& host, unsigned short port,
                                 const std::string& path) {
  namespace http = boost::beast::http;
  boost::asio::io_context context;
  boost::beast::tcp_stream stream(context);
  stream.expires_after(std::chrono::seconds(2));
  boost::system::error_code ec;
  stream.connect({boost::asio::ip::make_address(host), port}, ec);
  if (ec)
    return std::nullopt;
  http::request<http::empty_body> request{http::verb::get, path, 11};
  request.set(http::field::host, host);
  http::write(stream, request, ec);
  if (ec)
    return std::nullopt;
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  if (ec)
    return std::nullopt;
  return HttpReply{response.result_int(), std::move(response.body())};
}

std::optional<ScrapedMetrics> ScrapedMetrics::fetch(const std::string& host, unsigned short port) {
  auto reply = httpGet(host, port, "/metrics");
  if (!reply || reply->status != 200)
    return std::nullopt;
  return parse(reply->body);
}

ScrapedMetrics ScrapedMetrics::parse(const std::string& text) {
  ScrapedMetrics scraped;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line.front() == '#')
      continue;
    Sample sample;
    const auto brace = line.find('{');
    const auto space = line.rfind(' ');
    if (space == std::string::npos)
      continue;
    if (brace != std::string::npos && brace < space) {
      sample.name = line.substr(0, brace);
      const auto close = line.rfind('}');
      std::string body = line.substr(brace + 1, close - brace - 1);
      std::size_t pos = 0;
      while (pos < body.size()) {
        const auto equals = body.find("=\"", pos);
        if (equals == std::string::npos)
          break;
        std::string key = body.substr(pos, equals - pos);
        std::string value;
        std::size_t i = equals + 2;
        for (; i < body.size() && body[i] != '"'; ++i) {
          if (body[i] == '\\' && i + 1 < body.size())
            ++i;
          value.push_back(body[i]);
        }
        sample.labels.emplace(std::move(key), std::move(value));
        pos = i + 2;  // past the quote and the comma
      }
    } else {
      sample.name = line.substr(0, space);
    }
    try {
      sample.value = std::stod(line.substr(space + 1));
    } catch (const std::exception&) {
      continue;
    }
    scraped.samples_.push_back(std::move(sample));
  }
  return scraped;
}

namespace {

bool hasLabels(const ScrapedMetrics::Sample& sample,
               const std::map<std::string, std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const auto& pair) {
    const auto found = sample.labels.find(pair.first);
    return found != sample.labels.end() && found->second == pair.second;
  });
}

}  // namespace

double ScrapedMetrics::sum(const std::string& name,
                           const std::map<std::string, std::string>& match) const {
  double total = 0;
  for (const auto& sample : samples_) {
    if (sample.name != name)
      continue;
    if (hasLabels(sample, match))
      total += sample.value;
  }
  return total;
}

double ScrapedMetrics::sumWhereSet(const std::string& name, const std::string& label,
                                   const std::map<std::string, std::string>& match) const {
  double total = 0;
  for (const auto& sample : samples_) {
    if (sample.name != name)
      continue;
    const auto it = sample.labels.find(label);
    if (it == sample.labels.end() || it->second.empty())
      continue;
    if (hasLabels(sample, match))
      total += sample.value;
  }
  return total;
}

std::string ScrapedMetrics::labelValue(const std::string& name, const std::string& label,
                                       const std::map<std::string, std::string>& match) const {
  for (const auto& sample : samples_) {
    if (sample.name != name)
      continue;
    const auto it = sample.labels.find(label);
    if (it == sample.labels.end() || it->second.empty())
      continue;
    if (hasLabels(sample, match))
      return it->second;
  }
  return {};
}

std::optional<double> ScrapedMetrics::quantile(
    const std::string& name, double q, const std::map<std::string, std::string>& match) const {
  std::map<double, double> cumulative;  // upper bound -> observations at or below it
  for (const auto& sample : samples_) {
    if (sample.name != name + "_bucket" || !hasLabels(sample, match))
      continue;
    const auto le = sample.labels.find("le");
    if (le == sample.labels.end())
      continue;
    try {
      cumulative[le->second == "+Inf" ? std::numeric_limits<double>::infinity()
                                      : std::stod(le->second)] += sample.value;
    } catch (const std::exception&) {
      continue;
    }
  }
  if (cumulative.empty() || cumulative.rbegin()->second <= 0)
    return std::nullopt;
  const double rank = q * cumulative.rbegin()->second;
  double lowerBound = 0;
  double lowerCount = 0;
  for (const auto& [bound, count] : cumulative) {
    if (count >= rank) {
      // Past the last finite bound there is nothing to interpolate towards.
      if (std::isinf(bound))
        return lowerBound;
      const double inBucket = count - lowerCount;
      return inBucket <= 0 ? bound
                           : lowerBound + (bound - lowerBound) * (rank - lowerCount) / inBucket;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

}  // namespace wasmesh::app
