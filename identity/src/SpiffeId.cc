#include "wasmesh/identity/SpiffeId.h"

#include <algorithm>

namespace wasmesh::identity {
namespace {

constexpr std::string_view kScheme = "spiffe://";
constexpr std::size_t kMaxIdLength = 2048;
constexpr std::size_t kMaxTrustDomainLength = 255;

bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool isTrustDomainChar(char c) {
  return isLowerAlnum(c) || c == '.' || c == '-' || c == '_';
}

bool isPathChar(char c) {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_';
}

bool isValidSegment(std::string_view segment) {
  return !segment.empty() && segment != "." && segment != ".." &&
         std::all_of(segment.begin(), segment.end(), isPathChar);
}

// The workload path is ns/<ns>/sa/<sa>; a component adds wasm/<name>.
bool hasWorkloadPrefix(const std::vector<std::string>& segments) {
  return segments.size() >= 4 && segments[0] == "ns" && segments[2] == "sa";
}

}  // namespace

Result<SpiffeId> SpiffeId::parse(std::string_view text) {
  if (text.size() > kMaxIdLength || text.substr(0, kScheme.size()) != kScheme)
    return errc::invalid_spiffe_id;
  text.remove_prefix(kScheme.size());
  const auto slash = text.find('/');
  const auto trustDomain = text.substr(0, slash);
  if (trustDomain.empty() || trustDomain.size() > kMaxTrustDomainLength ||
      !std::all_of(trustDomain.begin(), trustDomain.end(), isTrustDomainChar)) {
    return errc::invalid_spiffe_id;  // also rejects ports, user info and upper case
  }
  std::vector<std::string> segments;
  if (slash != std::string_view::npos) {
    auto path = text.substr(slash + 1);
    // "spiffe://td/" has an empty segment: the spec forbids a trailing slash.
    while (true) {
      const auto next = path.find('/');
      const auto segment = path.substr(0, next);
      if (!isValidSegment(segment))
        return errc::invalid_spiffe_id;
      segments.emplace_back(segment);
      if (next == std::string_view::npos)
        break;
      path.remove_prefix(next + 1);
    }
  }
  return SpiffeId(std::string(trustDomain), std::move(segments));
}

Result<SpiffeId> SpiffeId::workload(std::string_view trustDomain, std::string_view ns,
                                    std::string_view serviceAccount) {
  if (!isDnsLabel(ns) || !isDnsLabel(serviceAccount))
    return errc::invalid_spiffe_id;
  std::string text(kScheme);
  text.append(trustDomain).append("/ns/").append(ns).append("/sa/").append(serviceAccount);
  return parse(text);
}

Result<SpiffeId> SpiffeId::component(std::string_view trustDomain, std::string_view ns,
                                     std::string_view serviceAccount, std::string_view name) {
  auto base = workload(trustDomain, ns, serviceAccount);
  if (!base || !isDnsLabel(name))
    return errc::invalid_spiffe_id;
  return parse(base->toString() + "/wasm/" + std::string(name));
}

std::string SpiffeId::toString() const {
  std::string out(kScheme);
  out += trustDomain_;
  for (const auto& segment : segments_) {
    out += '/';
    out += segment;
  }
  return out;
}

Result<std::string> SpiffeId::serverName() const {
  const bool workloadForm = segments_.size() == 4 && hasWorkloadPrefix(segments_);
  const bool componentForm =
      segments_.size() == 6 && hasWorkloadPrefix(segments_) && segments_[4] == "wasm";
  if (!workloadForm && !componentForm)
    return errc::no_server_name;
  const auto& ns = segments_[1];
  const auto& serviceAccount = segments_[3];
  if (!isDnsLabel(ns) || !isDnsLabel(serviceAccount))
    return errc::no_server_name;
  std::string name;
  if (componentForm) {
    if (!isDnsLabel(segments_[5]))
      return errc::no_server_name;
    name = segments_[5] + ".wasm.";
  }
  name += serviceAccount + "." + ns + ".serviceaccount.identity." + trustDomain_;
  return name;
}

bool SpiffeId::isWorkloadOf(std::string_view ns, std::string_view serviceAccount) const {
  return segments_.size() == 4 && hasWorkloadPrefix(segments_) && segments_[1] == ns &&
         segments_[3] == serviceAccount;
}

bool SpiffeId::isComponentOf(std::string_view ns, std::string_view serviceAccount) const {
  return segments_.size() == 6 && hasWorkloadPrefix(segments_) && segments_[1] == ns &&
         segments_[3] == serviceAccount && segments_[4] == "wasm";
}

}  // namespace wasmesh::identity
