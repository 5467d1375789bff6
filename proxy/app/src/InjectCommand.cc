#include "InjectCommand.h"

#include <array>
#include <fstream>
#include <iostream>
#include <sstream>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/deploy/ManifestInjector.h"
#include "wasmesh/deploy/YamlJson.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/SpiffeId.h"

namespace wasmesh::app {
namespace {

// Reads at most `limit` + 1 bytes, so a larger input is recognised without reading it all.
bool readBounded(std::istream& stream, std::string& text, std::size_t limit) {
  std::array<char, 64 * 1024> chunk{};
  text.clear();
  while (text.size() <= limit) {
    stream.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto got = static_cast<std::size_t>(stream.gcount());
    text.append(chunk.data(), got);
    if (got < chunk.size())
      break;
  }
  return !stream.bad();
}

std::string readTrustAnchors(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw std::invalid_argument("--trust-anchors: cannot read \"" + path + "\"");
  std::string text(identity::Certificate::kMaxPemBytes + 1, '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(file.gcount()));
  if (text.size() > identity::Certificate::kMaxPemBytes)
    throw std::invalid_argument("--trust-anchors: \"" + path + "\" is larger than 64 KiB");
  const auto chain = identity::parsePemChain(text);
  if (!chain || chain->empty())
    throw std::invalid_argument("--trust-anchors: \"" + path +
                                "\" is not PEM certificates (the wasmesh-trust-anchors "
                                "ConfigMap's ca-bundle.crt)");
  return text;
}

void checkOptions(const InjectOptions& options) {
  const auto domain = identity::SpiffeId::parse("spiffe://" + options.injector.trustDomain);
  if (!domain || !domain->segments().empty())
    throw std::invalid_argument("--trust-domain: \"" + options.injector.trustDomain +
                                "\" is not a trust domain");
  if (!parseHostPort(options.injector.identityService))
    throw std::invalid_argument("--identity-service: \"" + options.injector.identityService +
                                "\" is not host:port");
  if (!options.output.empty() && options.output != "yaml" && options.output != "json")
    throw std::invalid_argument("--output: \"" + options.output + "\" is not yaml or json");
}

}  // namespace

void addInjectOptions(CLI::App& command, InjectOptions& options, bool uninject) {
  command.add_option("file", options.input, "Manifests to read: a file, or - for stdin")
      ->capture_default_str();
  command.add_option("-o,--output", options.output, "yaml or json (default: as the input)");
  if (uninject)
    return;
  command.add_flag("--manual", options.injector.manual,
                   "Inject every pod template not annotated wasmesh.io/inject: disabled");
  command.add_flag("--no-init", options.injector.noInit,
                   "No init container: a CNI plugin writes the iptables rules");
  command.add_option("--trust-anchors", options.trustAnchorsFile,
                     "PEM file of the mesh's trust anchors (the wasmesh-trust-anchors "
                     "ConfigMap); needed to inject");
  command.add_option("--trust-domain", options.injector.trustDomain, "The mesh's trust domain")
      ->capture_default_str();
  command
      .add_option("--identity-service", options.injector.identityService,
                  "host:port of the identity service, as the proxies reach it")
      ->capture_default_str();
  command.add_option("--proxy-image", options.injector.image, "The proxy's image, without tag")
      ->capture_default_str();
  command.add_option("--proxy-version", options.injector.version,
                     "The proxy image's tag (default: this wasmesh's version)");
}

int runInject(InjectOptions options, bool uninject, std::istream& in, std::ostream& out,
              std::ostream& err) {
  const char* name = uninject ? "wasmesh uninject" : "wasmesh inject";
  try {
    checkOptions(options);
    if (!uninject && !options.trustAnchorsFile.empty())
      options.injector.trustAnchorsPem = readTrustAnchors(options.trustAnchorsFile);
  } catch (const std::invalid_argument& error) {
    err << name << ": " << error.what() << "\n";
    return 2;
  }
  std::string text;
  if (options.input == "-") {
    if (!readBounded(in, text, deploy::YamlJson::kMaxInputBytes)) {
      err << name << ": cannot read the standard input\n";
      return 1;
    }
  } else {
    std::ifstream file(options.input, std::ios::binary);
    if (!file || !readBounded(file, text, deploy::YamlJson::kMaxInputBytes)) {
      err << name << ": cannot read \"" << options.input << "\"\n";
      return 1;
    }
  }
  deploy::YamlJson::Format format{};
  auto documents = deploy::YamlJson::read(text, format);
  if (!documents) {
    err << name << ": " << (options.input == "-" ? "stdin" : options.input) << ": "
        << documents.error() << "\n";
    return 2;
  }
  options.injector.createdBy = "wasmesh/cli";
  const deploy::Injector injector(options.injector);
  const deploy::ManifestInjector manifests(injector);
  auto report = uninject ? manifests.uninject(*documents) : manifests.inject(*documents);
  if (!report) {
    err << name << ": " << report.error() << "\n";
    return 2;
  }
  for (const auto& line : report->lines)
    err << line << "\n";
  for (const auto& warning : report->warnings)
    err << "warning: " << warning << "\n";
  if (options.output == "json")
    format = deploy::YamlJson::Format::json;
  else if (options.output == "yaml")
    format = deploy::YamlJson::Format::yaml;
  out << deploy::YamlJson::write(*documents, format);
  out.flush();
  return out ? 0 : 1;
}

}  // namespace wasmesh::app
