#include "wasmesh/proxy/ConfigLoader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include "wasmesh/common/RegularFile.h"
#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/identity/SpiffeId.h"

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace wasmesh::proxy {
namespace {

// A configuration value as written: one scalar, or a list (YAML sequence, or a
// comma-separated string from the environment).
struct RawValue {
  std::vector<std::string> items;
  bool isList = false;
};

[[noreturn]] void fail(const std::string& where, const std::string& value, const std::string& why) {
  throw ConfigError(where + ": \"" + value + "\" " + why);
}

template <typename T>
T require(const Result<T>& parsed, const std::string& where, const std::string& value) {
  if (!parsed)
    fail(where, value, parsed.error().message());
  return *parsed;
}

const std::string& scalar(const RawValue& raw, const std::string& where) {
  if (raw.items.size() != 1 || raw.isList)
    throw ConfigError(where + ": expected a single value");
  return raw.items.front();
}

std::chrono::milliseconds durationValue(const RawValue& raw, const std::string& where) {
  const auto& text = scalar(raw, where);
  return require(parseDuration(text), where, text);
}

unsigned unsignedValue(const RawValue& raw, const std::string& where, unsigned max) {
  const auto& text = scalar(raw, where);
  unsigned value = 0;
  std::size_t consumed = 0;
  try {
    const auto parsed = std::stoul(text, &consumed);
    if (consumed != text.size() || parsed > max || text.front() == '-')
      throw std::out_of_range("");
    value = static_cast<unsigned>(parsed);
  } catch (const std::logic_error&) {
    fail(where, text, "is not an integer in 0.." + std::to_string(max));
  }
  return value;
}

bool boolValue(const RawValue& raw, const std::string& where) {
  const auto& text = scalar(raw, where);
  if (text == "true")
    return true;
  if (text == "false")
    return false;
  fail(where, text, "is not a boolean (true, false)");
}

boost::asio::ip::tcp::endpoint addressValue(const std::string& text, const std::string& where) {
  return require(parseSocketAddress(text), where, text);
}

std::vector<boost::asio::ip::tcp::endpoint> addressListValue(const RawValue& raw,
                                                             const std::string& where) {
  std::vector<boost::asio::ip::tcp::endpoint> out;
  for (const auto& item : raw.items) {
    std::stringstream stream(item);
    std::string part;
    while (std::getline(stream, part, ',')) {
      if (part.find_first_not_of(" \t") == std::string::npos)
        continue;
      out.push_back(addressValue(part, where));
    }
  }
  return out;
}

struct Field {
  const char* section;
  const char* key;
  std::function<void(Config&, const RawValue&, const std::string&)> apply;
};

const std::string& nonEmptyValue(const RawValue& raw, const std::string& where) {
  const auto& text = scalar(raw, where);
  if (text.empty())
    fail(where, text, "must not be empty");
  return text;
}

PortSet portSetValue(const RawValue& raw, const std::string& where) {
  // A YAML list and a comma-separated string mean the same; joining lets one parser judge.
  std::string joined;
  for (const auto& item : raw.items) {
    if (!joined.empty())
      joined += ',';
    joined += item;
  }
  return require(parsePortSet(joined), where, joined);
}

// inbound.* and outbound.* have the same keys; one list serves both.
void addTrafficFields(std::vector<Field>& out, const char* section, TrafficConfig Config::*side) {
  out.push_back({section, "listen", [side](Config& c, const RawValue& v, const std::string& w) {
                   (c.*side).listen = addressListValue(v, w);
                 }});
  out.push_back(
      {section, "connect_timeout", [side](Config& c, const RawValue& v, const std::string& w) {
         (c.*side).connectTimeout = durationValue(v, w);
       }});
  out.push_back(
      {section, "idle_timeout", [side](Config& c, const RawValue& v, const std::string& w) {
         (c.*side).idleTimeout = durationValue(v, w);
       }});
  out.push_back(
      {section, "detect_timeout", [side](Config& c, const RawValue& v, const std::string& w) {
         const auto timeout = durationValue(v, w);
         if (timeout.count() == 0) {
           fail(w, scalar(v, w),
                "must be greater than 0 (to skip detection, list the ports in "
                "opaque_ports)");
         }
         (c.*side).detectTimeout = timeout;
       }});
  out.push_back(
      {section, "max_connections", [side](Config& c, const RawValue& v, const std::string& w) {
         const auto& text = scalar(v, w);
         // "auto" (or 0) derives the budget from the descriptor limit at start.
         (c.*side).maxConnections = text == "auto" ? 0 : unsignedValue(v, w, 10'000'000);
       }});
  out.push_back({section, "keepalive", [side](Config& c, const RawValue& v, const std::string& w) {
                   (c.*side).keepalive = durationValue(v, w);
                 }});
  out.push_back(
      {section, "user_timeout", [side](Config& c, const RawValue& v, const std::string& w) {
         (c.*side).userTimeout = durationValue(v, w);
       }});
  out.push_back({section, "request_header_timeout",
                 [side](Config& c, const RawValue& v, const std::string& w) {
                   const auto timeout = durationValue(v, w);
                   if (timeout.count() == 0)
                     fail(w, scalar(v, w), "must be greater than 0");
                   (c.*side).requestHeaderTimeout = timeout;
                 }});
  out.push_back(
      {section, "response_timeout", [side](Config& c, const RawValue& v, const std::string& w) {
         (c.*side).responseTimeout = durationValue(v, w);
       }});
  out.push_back(
      {section, "opaque_ports", [side](Config& c, const RawValue& v, const std::string& w) {
         (c.*side).opaquePorts = portSetValue(v, w);
       }});
  out.push_back(
      {section, "http1_ports", [side](Config& c, const RawValue& v, const std::string& w) {
         (c.*side).http1Ports = portSetValue(v, w);
       }});
  out.push_back(
      {section, "http2_ports", [side](Config& c, const RawValue& v, const std::string& w) {
         (c.*side).http2Ports = portSetValue(v, w);
       }});
}

std::vector<Field> makeFields() {
  std::vector<Field> out = {
      {"proxy", "workers",
       [](Config& c, const RawValue& v, const std::string& w) {
         c.workers = unsignedValue(v, w, 1024);
       }},
      {"proxy", "shutdown_grace_period",
       [](Config& c, const RawValue& v, const std::string& w) {
         c.shutdownGracePeriod = durationValue(v, w);
       }},
      {"log", "level",
       [](Config& c, const RawValue& v, const std::string& w) {
         static const std::set<std::string> kLevels = {"trace", "debug", "info",
                                                       "warn",  "error", "off"};
         const auto& text = scalar(v, w);
         if (kLevels.count(text) == 0) {
           fail(w, text, "is not a log level (trace, debug, info, warn, error, off)");
         }
         c.logLevel = text;
       }},
      {"log", "format",
       [](Config& c, const RawValue& v, const std::string& w) {
         const auto& text = scalar(v, w);
         if (text == "plain") {
           c.logFormat = LogFormat::plain;
         } else if (text == "json") {
           c.logFormat = LogFormat::json;
         } else {
           fail(w, text, "is not a log format (plain, json)");
         }
       }},
      {"admin", "listen",
       [](Config& c, const RawValue& v, const std::string& w) {
         c.adminListen = addressValue(scalar(v, w), w);
       }},
      {"tcp", "buffer_size",
       [](Config& c, const RawValue& v, const std::string& w) {
         const auto& text = scalar(v, w);
         const auto size = require(parseSize(text), w, text);
         if (size < 1024 || size > (16U << 20U))
           fail(w, text, "is not between 1KiB and 16MiB");
         c.tcpBufferSize = size;
       }},
      {"tcp", "max_connections",
       [](Config&, const RawValue&, const std::string& w) {
         throw ConfigError(w +
                           ": replaced by inbound.max_connections and outbound.max_connections "
                           "(one budget per direction)");
       }},
      {"admin", "shutdown_enabled",
       [](Config& c, const RawValue& v, const std::string& w) {
         c.adminShutdownEnabled = boolValue(v, w);
       }},
      {"metrics", "max_series_per_family",
       [](Config& c, const RawValue& v, const std::string& w) {
         c.metricsMaxSeriesPerFamily = unsignedValue(v, w, 10'000'000);
         if (c.metricsMaxSeriesPerFamily == 0)
           fail(w, "0", "must be at least 1");
       }},
      {"metrics", "retain_idle",
       [](Config& c, const RawValue& v, const std::string& w) {
         c.metricsRetainIdle = durationValue(v, w);
       }},
  };
  out.push_back(
      {"identity", "trust_anchors", [](Config& c, const RawValue& v, const std::string& w) {
         c.identity.trustAnchors = nonEmptyValue(v, w);
       }});
  out.push_back({"identity", "id", [](Config& c, const RawValue& v, const std::string& w) {
                   const auto& text = nonEmptyValue(v, w);
                   const auto id = identity::SpiffeId::parse(text);
                   if (!id)
                     fail(w, text, id.error().message());
                   if (const auto name = id->serverName(); !name)
                     fail(w, text, name.error().message());
                   c.identity.id = text;
                 }});
  out.push_back({"identity", "cert_file", [](Config& c, const RawValue& v, const std::string& w) {
                   c.identity.certFile = nonEmptyValue(v, w);
                 }});
  out.push_back({"identity", "key_file", [](Config& c, const RawValue& v, const std::string& w) {
                   c.identity.keyFile = nonEmptyValue(v, w);
                 }});
  out.push_back({"identity", "service", [](Config& c, const RawValue& v, const std::string& w) {
                   const auto& text = nonEmptyValue(v, w);
                   c.identity.service = require(parseHostPort(text), w, text);
                 }});
  out.push_back({"identity", "token_file", [](Config& c, const RawValue& v, const std::string& w) {
                   c.identity.tokenFile = nonEmptyValue(v, w);
                 }});
  out.push_back({"discovery", "file", [](Config& c, const RawValue& v, const std::string& w) {
                   c.discoveryFile = nonEmptyValue(v, w);
                 }});
  out.push_back(
      {"inbound", "default_policy", [](Config& c, const RawValue& v, const std::string& w) {
         const auto& text = scalar(v, w);
         c.inboundDefaultPolicy = require(policy::parseDefaultPolicy(text), w, text);
       }});
  out.push_back(
      {"inbound", "cluster_networks", [](Config& c, const RawValue& v, const std::string& w) {
         std::string joined;
         for (const auto& item : v.items)
           joined += (joined.empty() ? "" : ",") + item;
         c.clusterNetworks = require(parseCidrList(joined), w, joined);
       }});
  addTrafficFields(out, "inbound", &Config::inbound);
  addTrafficFields(out, "outbound", &Config::outbound);
  return out;
}

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields = makeFields();
  return kFields;
}

const Field* findField(std::string_view section, std::string_view key) {
  for (const auto& field : fields()) {
    if (section == field.section && key == field.key)
      return &field;
  }
  return nullptr;
}

bool isSection(std::string_view section) {
  return std::any_of(fields().begin(), fields().end(),
                     [&](const Field& f) { return section == f.section; });
}

// Far above any real configuration; a bound so that a wrong path cannot eat memory.
constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20U;

constexpr std::string_view kDefaultOpaquePorts =
    "25,587,3306,4444,5432,6379,9300,11211,4222,6222,7422";

Config defaults() {
  Config c;
  c.workers = 0;
  c.adminListen = *parseSocketAddress("127.0.0.1:4191");
  c.inbound.listen = {*parseSocketAddress("0.0.0.0:4143"), *parseSocketAddress("[::]:4143")};
  c.inbound.connectTimeout = std::chrono::milliseconds{300};
  c.inbound.idleTimeout = std::chrono::hours{1};
  c.outbound.listen = {*parseSocketAddress("127.0.0.1:4140"), *parseSocketAddress("[::1]:4140")};
  c.outbound.connectTimeout = std::chrono::seconds{1};
  c.outbound.idleTimeout = std::chrono::hours{1};
  // Linkerd's defaults plus NATS client, cluster and leafnode ports: server-first detection
  // makes NATS work on any port, but marking its well-known ports opaque spares the detour.
  const auto opaque = *parsePortSet(kDefaultOpaquePorts);
  c.inbound.opaquePorts = opaque;
  c.outbound.opaquePorts = opaque;
  return c;
}

RawValue rawFromYaml(const YAML::Node& node, const std::string& where) {
  RawValue raw;
  if (node.IsScalar()) {
    raw.items.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    raw.isList = true;
    for (const auto& item : node) {
      if (!item.IsScalar())
        throw ConfigError(where + ": list items must be plain values");
      raw.items.push_back(item.Scalar());
    }
  } else if (node.IsNull()) {
    throw ConfigError(where + ": has no value");
  } else {
    throw ConfigError(where + ": expected a value, found a mapping");
  }
  return raw;
}

RouteConfig routeFromYaml(const YAML::Node& node, std::size_t index) {
  const std::string where = "routes[" + std::to_string(index) + "]";
  if (!node.IsMap())
    throw ConfigError(where + ": expected a mapping with listen and target");
  RouteConfig route;
  bool haveListen = false;
  bool haveTarget = false;
  for (const auto& entry : node) {
    const auto key = entry.first.Scalar();
    const auto path = where + "." + key;
    const auto raw = rawFromYaml(entry.second, path);
    const auto text = scalar(raw, path);
    if (key == "name") {
      route.name = text;
    } else if (key == "listen") {
      route.listen = addressValue(text, path);
      haveListen = true;
    } else if (key == "target") {
      route.target = addressValue(text, path);
      if (route.target.port() == 0)
        fail(path, text, "needs a non-zero port");
      haveTarget = true;
    } else if (key == "direction") {
      if (text == "inbound") {
        route.direction = Direction::inbound;
      } else if (text == "outbound") {
        route.direction = Direction::outbound;
      } else {
        fail(path, text, "is not a direction (inbound, outbound)");
      }
    } else {
      throw ConfigError(path + ": unknown key");
    }
  }
  if (!haveListen)
    throw ConfigError(where + ".listen: is required");
  if (!haveTarget)
    throw ConfigError(where + ".target: is required");
  if (route.name.empty())
    route.name = "route" + std::to_string(index);
  return route;
}

void applyYaml(Config& config, const YAML::Node& root) {
  if (root.IsNull())
    return;  // an empty file means the defaults
  if (!root.IsMap())
    throw ConfigError("configuration: the top level must be a mapping");
  for (const auto& sectionEntry : root) {
    const auto section = sectionEntry.first.Scalar();
    if (section == "routes") {
      if (sectionEntry.second.IsNull())
        continue;
      if (!sectionEntry.second.IsSequence())
        throw ConfigError("routes: expected a list");
      std::size_t index = 0;
      for (const auto& route : sectionEntry.second) {
        config.routes.push_back(routeFromYaml(route, index++));
      }
      continue;
    }
    if (!isSection(section))
      throw ConfigError(section + ": unknown key");
    if (sectionEntry.second.IsNull())
      continue;
    if (!sectionEntry.second.IsMap())
      throw ConfigError(section + ": expected a mapping");
    for (const auto& entry : sectionEntry.second) {
      const auto key = entry.first.Scalar();
      const auto path = section + "." + key;
      const auto* field = findField(section, key);
      if (field == nullptr)
        throw ConfigError(path + ": unknown key");
      field->apply(config, rawFromYaml(entry.second, path), path);
    }
  }
}

void applyEnvironment(Config& config, const Environment& environment) {
  constexpr std::string_view kPrefix = "WASMESH_";
  for (const auto& [name, value] : environment) {
    if (name.rfind(kPrefix, 0) != 0)
      continue;
    std::string rest = name.substr(kPrefix.size());
    std::transform(rest.begin(), rest.end(), rest.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto underscore = rest.find('_');
    const auto* field = underscore == std::string::npos
                            ? nullptr
                            : findField(rest.substr(0, underscore), rest.substr(underscore + 1));
    if (field == nullptr) {
      throw ConfigError(name + ": unknown configuration variable (see docs/configuration.md)");
    }
    field->apply(config, RawValue{{value}, false}, name);
  }
}

void checkListenersDistinct(const Config& config) {
  std::set<boost::asio::ip::tcp::endpoint> seen;
  const auto claim = [&](const boost::asio::ip::tcp::endpoint& endpoint, const std::string& key) {
    if (endpoint.port() == 0)
      return;
    if (!seen.insert(endpoint).second) {
      fail(key, formatSocketAddress(endpoint), "is used by more than one listener");
    }
  };
  claim(config.adminListen, "admin.listen");
  for (const auto& e : config.inbound.listen)
    claim(e, "inbound.listen");
  for (const auto& e : config.outbound.listen)
    claim(e, "outbound.listen");
  std::set<std::string> names;
  for (const auto& route : config.routes) {
    claim(route.listen, "routes." + route.name + ".listen");
    if (!names.insert(route.name).second) {
      throw ConfigError("routes: the name \"" + route.name + "\" is used twice");
    }
  }
}

// A port in two classes would be served by whichever is checked first: refuse instead.
void checkPortClassesDisjoint(const TrafficConfig& traffic, const std::string& section) {
  const std::pair<const PortSet*, const char*> classes[] = {{&traffic.opaquePorts, "opaque_ports"},
                                                            {&traffic.http1Ports, "http1_ports"},
                                                            {&traffic.http2Ports, "http2_ports"}};
  for (std::size_t i = 0; i < std::size(classes); ++i) {
    for (std::size_t j = i + 1; j < std::size(classes); ++j) {
      if (const auto port = classes[i].first->firstCommonPort(*classes[j].first)) {
        throw ConfigError(section + ": port " + std::to_string(*port) + " is in both " + section +
                          "." + classes[i].second + " and " + section + "." + classes[j].second);
      }
    }
  }
}

// Identity keys only make sense together: name what is missing or what conflicts.
void checkIdentity(const IdentityConfig& identity) {
  const bool anySet = !identity.trustAnchors.empty() || !identity.id.empty() ||
                      !identity.certFile.empty() || !identity.keyFile.empty() || identity.service ||
                      !identity.tokenFile.empty();
  if (!anySet)
    return;
  if (identity.id.empty())
    throw ConfigError("identity.id: is required when any identity key is set");
  if (identity.trustAnchors.empty())
    throw ConfigError("identity.trust_anchors: is required when identity.id is set");
  const bool files = !identity.certFile.empty() || !identity.keyFile.empty();
  const bool service = identity.service || !identity.tokenFile.empty();
  if (files && service) {
    throw ConfigError(
        "identity: set either cert_file and key_file, or service and token_file, not both");
  }
  if (!files && !service) {
    throw ConfigError(
        "identity: set cert_file and key_file, or service and token_file, to obtain a "
        "certificate for identity.id");
  }
  if (files && (identity.certFile.empty() || identity.keyFile.empty()))
    throw ConfigError("identity: cert_file and key_file go together");
  if (service && (!identity.service || identity.tokenFile.empty()))
    throw ConfigError("identity: service and token_file go together");
}

Config finish(Config config, const Environment& environment) {
  applyEnvironment(config, environment);
  checkListenersDistinct(config);
  checkPortClassesDisjoint(config.inbound, "inbound");
  checkPortClassesDisjoint(config.outbound, "outbound");
  checkIdentity(config.identity);
  if (config.workers == 0)
    config.workers = std::max(1U, std::thread::hardware_concurrency());
  return config;
}

Config loadYamlText(const std::string& text, const std::string& origin,
                    const Environment& environment) {
  Config config = defaults();
  try {
    applyYaml(config, YAML::Load(text));
  } catch (const YAML::Exception& error) {
    throw ConfigError(origin + ": line " + std::to_string(error.mark.line + 1) + ", column " +
                      std::to_string(error.mark.column + 1) + ": " + error.msg);
  }
  return finish(std::move(config), environment);
}

}  // namespace

Environment processEnvironment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos)
      continue;
    environment.emplace(text.substr(0, equals), text.substr(equals + 1));
  }
  return environment;
}

Config loadConfig(const std::optional<std::string>& path, const Environment& environment) {
  if (!path)
    return finish(defaults(), environment);
  // A ConfigMap mounted as a directory, a FIFO or an unreadable file must stop the proxy:
  // falling back to the defaults would run it unmeshed without a word.
  auto text = readRegularFile(*path, kMaxConfigBytes);
  if (!text) {
    throw ConfigError("--config: " + describeFileError(*path, text.error(), kMaxConfigBytes));
  }
  return loadYamlText(*text, *path, environment);
}

Config loadConfigFromString(const std::string& yaml, const Environment& environment) {
  return loadYamlText(yaml, "configuration", environment);
}

std::string defaultConfigYaml() {
  return R"(proxy:
  workers: 0                  # 0 = one per CPU core
  shutdown_grace_period: 120s
log:
  level: info                 # trace, debug, info, warn, error, off
  format: plain               # plain, json
admin:
  listen: 127.0.0.1:4191
  shutdown_enabled: false     # POST /shutdown from loopback; off: anyone in the pod could use it
metrics:
  max_series_per_family: 5000 # beyond it new label sets share one "overflow" series
  retain_idle: 10m            # series unused this long are dropped; 0s keeps them
inbound:
  listen: [0.0.0.0:4143, "[::]:4143"]
  default_policy: all-unauthenticated  # or all-authenticated, cluster-*, deny, audit
  cluster_networks: "10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8"
  max_connections: auto       # auto: a quarter of the usable file descriptors
  connect_timeout: 300ms
  idle_timeout: 1h
  keepalive: 10s              # TCP keepalive; 0s turns it off
  user_timeout: 30s           # TCP_USER_TIMEOUT; 0s leaves the kernel's default
  request_header_timeout: 10s # HTTP: a request's headers must arrive within this
  response_timeout: 0s        # HTTP: a response head must arrive within this; 0s: no limit
  detect_timeout: 10s
  opaque_ports: "25,587,3306,4444,5432,6379,9300,11211,4222,6222,7422"
  http1_ports: ""
  http2_ports: ""
outbound:
  listen: [127.0.0.1:4140, "[::1]:4140"]
  max_connections: auto
  connect_timeout: 1s
  idle_timeout: 1h
  keepalive: 10s
  user_timeout: 30s
  request_header_timeout: 10s
  response_timeout: 0s
  detect_timeout: 10s
  opaque_ports: "25,587,3306,4444,5432,6379,9300,11211,4222,6222,7422"
  http1_ports: ""
  http2_ports: ""
tcp:
  buffer_size: 64KiB
# identity:                   # unset: the proxy runs unmeshed (docs/identity.md)
#   id: spiffe://cluster.local/ns/default/sa/web
#   trust_anchors: /var/run/wasmesh/identity/ca.crt   # a PEM file, or the PEM text
#   cert_file: /var/run/wasmesh/identity/tls.crt      # certificates issued elsewhere...
#   key_file: /var/run/wasmesh/identity/tls.key
#   service: wasmesh-identity.wasmesh.svc:8080        # ...or the identity service
#   token_file: /var/run/secrets/kubernetes.io/serviceaccount/token
# discovery:
#   file: /var/run/wasmesh/discovery.yaml             # destinations and their identities
routes: []
)";
}

}  // namespace wasmesh::proxy
