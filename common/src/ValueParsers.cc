#include "wasmesh/common/ValueParsers.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace wasmesh {
namespace {

std::string_view trim(std::string_view text) {
  const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && isSpace(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back()))
    text.remove_suffix(1);
  return text;
}

// Parses a whole string as an unsigned decimal; no sign, no spaces, no leading '+'.
template <typename T>
bool parseUnsigned(std::string_view text, T& out) {
  if (text.empty())
    return false;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc{} && ptr == end;
}

template <typename Fn>
void forEachListEntry(std::string_view text, Fn&& fn) {
  while (true) {
    const auto comma = text.find(',');
    const auto entry = trim(text.substr(0, comma));
    if (!entry.empty())
      fn(entry);
    if (comma == std::string_view::npos)
      break;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  text = trim(text);
  if (text == "0")
    return std::chrono::milliseconds{0};
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  std::uint64_t value = 0;
  if (!parseUnsigned(text.substr(0, digits), value))
    return errc::invalid_duration;
  const auto unit = text.substr(digits);
  std::uint64_t multiplier = 0;
  if (unit == "ms") {
    multiplier = 1;
  } else if (unit == "s") {
    multiplier = 1000;
  } else if (unit == "m") {
    multiplier = 60'000;
  } else if (unit == "h") {
    multiplier = 3'600'000;
  } else if (unit == "d") {
    multiplier = 86'400'000;
  } else {
    return errc::invalid_duration;
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (value > kMax / multiplier)
    return errc::invalid_duration;
  return std::chrono::milliseconds{static_cast<std::int64_t>(value * multiplier)};
}

std::string formatDuration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms == 0)
    return "0";
  if (ms % 3'600'000 == 0)
    return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0)
    return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0)
    return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

Result<std::uint16_t> parsePort(std::string_view text) {
  unsigned value = 0;
  if (!parseUnsigned(trim(text), value) || value == 0 || value > 65535)
    return errc::invalid_port;
  return static_cast<std::uint16_t>(value);
}

Result<std::uint64_t> parseSize(std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9')
    ++digits;
  std::uint64_t value = 0;
  if (!parseUnsigned(text.substr(0, digits), value))
    return errc::invalid_size;
  const auto unit = text.substr(digits);
  unsigned shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "KiB") {
    shift = 10;
  } else if (unit == "MiB") {
    shift = 20;
  } else if (unit == "GiB") {
    shift = 30;
  } else {
    return errc::invalid_size;
  }
  if (value > (std::numeric_limits<std::uint64_t>::max() >> shift))
    return errc::invalid_size;
  return value << shift;
}

PortSet::PortSet(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.first < b.first; });
  for (const auto& range : ranges) {
    if (!ranges_.empty() && range.first <= ranges_.back().last + 1U) {
      ranges_.back().last = std::max(ranges_.back().last, range.last);
    } else {
      ranges_.push_back(range);
    }
  }
}

bool PortSet::contains(std::uint16_t port) const noexcept {
  const auto it = std::upper_bound(ranges_.begin(), ranges_.end(), port,
                                   [](std::uint16_t p, const Range& r) { return p < r.first; });
  return it != ranges_.begin() && port <= std::prev(it)->last;
}

std::optional<std::uint16_t> PortSet::firstCommonPort(const PortSet& other) const noexcept {
  // Both lists are sorted and disjoint: one merge pass finds the first intersection.
  auto mine = ranges_.begin();
  auto theirs = other.ranges_.begin();
  while (mine != ranges_.end() && theirs != other.ranges_.end()) {
    const auto low = std::max(mine->first, theirs->first);
    const auto high = std::min(mine->last, theirs->last);
    if (low <= high)
      return low;
    if (mine->last < theirs->last) {
      ++mine;
    } else {
      ++theirs;
    }
  }
  return std::nullopt;
}

std::string PortSet::toString() const {
  std::string out;
  for (const auto& range : ranges_) {
    if (!out.empty())
      out += ',';
    out += std::to_string(range.first);
    if (range.last != range.first) {
      out += '-';
      out += std::to_string(range.last);
    }
  }
  return out;
}

bool isDnsLabel(std::string_view text) noexcept {
  constexpr std::size_t kMaxDnsLabelLength = 63;
  if (text.empty() || text.size() > kMaxDnsLabelLength)
    return false;
  if (text.front() == '-' || text.back() == '-')
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

Result<PortSet> parsePortSet(std::string_view text) {
  std::vector<PortSet::Range> ranges;
  boost::system::error_code error;
  forEachListEntry(text, [&](std::string_view entry) {
    if (error)
      return;
    // Kubernetes port names are DNS labels: any letter means a name, not a malformed number.
    if (std::any_of(entry.begin(), entry.end(),
                    [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; })) {
      error = errc::named_port;
      return;
    }
    const auto dash = entry.find('-');
    if (dash == std::string_view::npos) {
      auto port = parsePort(entry);
      if (!port) {
        error = port.error();
        return;
      }
      ranges.push_back({*port, *port});
      return;
    }
    auto first = parsePort(entry.substr(0, dash));
    auto last = parsePort(entry.substr(dash + 1));
    if (!first || !last || *first > *last) {
      error = errc::invalid_port_range;
      return;
    }
    ranges.push_back({*first, *last});
  });
  if (error)
    return error;
  return PortSet{std::move(ranges)};
}

Cidr::Cidr(boost::asio::ip::address network, unsigned prefixLength)
    : network_(std::move(network)), prefixLength_(prefixLength) {}

bool Cidr::contains(const boost::asio::ip::address& address) const noexcept {
  if (address.is_v4() != network_.is_v4())
    return false;
  const auto compare = [this](const auto& a, const auto& b) {
    unsigned remaining = prefixLength_;
    for (std::size_t i = 0; i < a.size() && remaining > 0; ++i) {
      const unsigned bits = std::min(remaining, 8U);
      const auto mask = static_cast<unsigned char>(0xFFU << (8U - bits));
      if ((a[i] & mask) != (b[i] & mask))
        return false;
      remaining -= bits;
    }
    return true;
  };
  if (address.is_v4())
    return compare(address.to_v4().to_bytes(), network_.to_v4().to_bytes());
  return compare(address.to_v6().to_bytes(), network_.to_v6().to_bytes());
}

std::string Cidr::toString() const {
  return network_.to_string() + "/" + std::to_string(prefixLength_);
}

Result<Cidr> parseCidr(std::string_view text) {
  text = trim(text);
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(text.substr(0, slash)), ec);
  if (ec)
    return errc::invalid_cidr;
  const unsigned maxPrefix = address.is_v4() ? 32 : 128;
  unsigned prefix = maxPrefix;
  if (slash != std::string_view::npos &&
      (!parseUnsigned(text.substr(slash + 1), prefix) || prefix > maxPrefix)) {
    return errc::invalid_cidr;
  }
  return Cidr{address, prefix};
}

Result<std::vector<Cidr>> parseCidrList(std::string_view text) {
  std::vector<Cidr> cidrs;
  boost::system::error_code error;
  forEachListEntry(text, [&](std::string_view entry) {
    if (error)
      return;
    auto cidr = parseCidr(entry);
    if (!cidr) {
      error = cidr.error();
      return;
    }
    cidrs.push_back(*cidr);
  });
  if (error)
    return error;
  return cidrs;
}

Result<boost::asio::ip::tcp::endpoint> parseSocketAddress(std::string_view text) {
  text = trim(text);
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return errc::invalid_socket_address;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) {
      return errc::invalid_socket_address;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(host), ec);
  if (ec)
    return errc::invalid_socket_address;
  unsigned portNumber = 0;
  // Port 0 is allowed here: tests bind listeners to an ephemeral port.
  if (!parseUnsigned(port, portNumber) || portNumber > 65535)
    return errc::invalid_socket_address;
  return boost::asio::ip::tcp::endpoint{address, static_cast<std::uint16_t>(portNumber)};
}

std::string formatSocketAddress(const boost::asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  if (address.is_v6())
    return "[" + address.to_string() + "]:" + std::to_string(endpoint.port());
  return address.to_string() + ":" + std::to_string(endpoint.port());
}

Result<HostPort> parseHostPort(std::string_view text) {
  text = trim(text);
  if (auto literal = parseSocketAddress(text)) {
    if (literal->port() == 0)
      return errc::invalid_host_port;
    return HostPort{literal->address().to_string(), literal->port()};
  }
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return errc::invalid_host_port;
  const auto name = text.substr(0, colon);
  unsigned port = 0;
  if (!parseUnsigned(text.substr(colon + 1), port) || port == 0 || port > 65535)
    return errc::invalid_host_port;
  // RFC 1123 host name: dot-separated labels, at most 253 characters; a trailing dot (the
  // absolute form) is allowed.
  std::string host(name);
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view rest = host;
  if (!rest.empty() && rest.back() == '.')
    rest.remove_suffix(1);
  if (rest.empty() || rest.size() > 253)
    return errc::invalid_host_port;
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    if (!isDnsLabel(rest.substr(0, dot)))
      return errc::invalid_host_port;
    rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    if (dot != std::string_view::npos && rest.empty())
      return errc::invalid_host_port;  // an empty label: "a..b"
  }
  return HostPort{std::move(host), static_cast<std::uint16_t>(port)};
}

std::string formatHostPort(const HostPort& hostPort) {
  const bool v6 = hostPort.host.find(':') != std::string::npos;
  return (v6 ? "[" + hostPort.host + "]" : hostPort.host) + ":" + std::to_string(hostPort.port);
}

}  // namespace wasmesh
