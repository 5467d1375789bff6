#include "InstallCommand.h"

#include <ostream>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/deploy/YamlJson.h"

namespace wasmesh::app {

void addInstallOptions(CLI::App& command, InstallCommandOptions& options) {
  command.add_option("--trust-domain", options.install.trustDomain,
                     "The mesh's trust domain (a new CA is made for it)");
  command.add_option("--identity-ca", options.install.identityCaDirectory,
                     "Use this CA (ca.crt, issuer.crt, issuer.key from `wasmesh identity ca "
                     "init`) instead of making one");
  command.add_option("--image", options.install.image, "The control plane's and proxies' image")
      ->capture_default_str();
  command.add_option("--version", options.install.version,
                     "The image's tag (default: this wasmesh's version)");
  command.add_option("-o,--output", options.output, "yaml or json")->capture_default_str();
}

int runInstall(const InstallCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.output != "yaml" && options.output != "json") {
    err << "wasmesh install: --output: \"" << options.output << "\" is not yaml or json\n";
    return 2;
  }
  try {
    const auto documents = deploy::InstallManifests::build(options.install);
    out << deploy::YamlJson::write(documents, options.output == "json"
                                                  ? deploy::YamlJson::Format::json
                                                  : deploy::YamlJson::Format::yaml);
    out.flush();
    return out ? 0 : 1;
  } catch (const deploy::InstallError& error) {
    err << "wasmesh install: " << error.what() << "\n";
    return 2;
  }
}

}  // namespace wasmesh::app
