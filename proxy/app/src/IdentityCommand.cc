#include "IdentityCommand.h"

#include <CLI/CLI.hpp>
#include <ctime>
#include <filesystem>
#include <ostream>
#include <string_view>
#include <vector>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/IdentityFiles.h"
#include "wasmesh/identity/PrivateKey.h"
#include "wasmesh/identity/SpiffeId.h"
#include "wasmesh/identity/X509Svid.h"

namespace wasmesh::app {
namespace {

namespace fs = std::filesystem;
using identity::CertificateAuthority;
using Clock = std::chrono::system_clock;

constexpr std::string_view kCertificateFile = "tls.crt";
constexpr std::string_view kKeyFile = "tls.key";
constexpr auto kPublicMode =
    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read;
constexpr auto kPrivateMode = fs::perms::owner_read | fs::perms::owner_write;

[[noreturn]] void reject(const std::string& flag, const std::string& value,
                         const std::string& why) {
  throw CLI::ValidationError(flag, "\"" + value + "\" " + why);
}

std::chrono::seconds lifetimeValue(const std::string& flag, const std::string& value) {
  auto duration = parseDuration(value);
  if (!duration)
    reject(flag, value, duration.error().message());
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*duration);
  if (seconds < std::chrono::seconds(1))
    reject(flag, value, "is shorter than 1s");
  if (seconds > CertificateAuthority::kMaxLifetime)
    reject(flag, value, "is longer than 100 years");
  return seconds;
}

void addLifetimeOption(CLI::App& app, std::chrono::seconds& target, const std::string& help) {
  app.add_option_function<std::string>(
         "--lifetime",
         [&target](const std::string& value) { target = lifetimeValue("--lifetime", value); }, help)
      ->type_name("DURATION")
      ->default_str(formatDuration(target));
}

// A signed duration: "-48h" starts the validity two days ago, "+1h" in an hour.
void addNotBeforeOption(CLI::App& app, std::chrono::seconds& target) {
  app.add_option_function<std::string>(
         "--not-before",
         [&target](const std::string& value) {
           const bool negative = !value.empty() && value.front() == '-';
           const bool signedValue = negative || (!value.empty() && value.front() == '+');
           auto duration = parseDuration(signedValue ? value.substr(1) : value);
           if (!duration)
             reject("--not-before", value, duration.error().message());
           const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*duration);
           target = negative ? -seconds : seconds;
         },
         "Start of validity relative to now, e.g. -48h or +1h (default: now)")
      ->type_name("OFFSET");
}

// Printed values come from certificates, which anyone can write: no control bytes reach the
// terminal.
std::string printable(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& value : values)
    out += (out.empty() ? "" : ", ") + printable(value);
  return out.empty() ? "-" : out;
}

std::string iso8601(Clock::time_point at) {
  const std::time_t seconds = Clock::to_time_t(at);
  std::tm parts{};
  if (gmtime_r(&seconds, &parts) == nullptr)
    return "?";
  char text[32];
  if (std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts) == 0)
    return "?";
  return text;
}

// Refuses before anything is written, so a refused run leaves no partial set of files.
bool refuseExisting(const std::vector<fs::path>& paths, std::ostream& err) {
  bool found = false;
  for (const auto& path : paths) {
    std::error_code error;
    if (fs::exists(fs::symlink_status(path, error))) {
      err << "wasmesh: " << path.string() << " already exists (--force replaces it)\n";
      found = true;
    }
  }
  return found;
}

int runCaInit(const IdentityOptions& options, std::ostream& out, std::ostream& err) {
  const fs::path directory = options.caInitDirectory;
  const auto root = directory / CertificateAuthority::kRootFile;
  const auto issuer = directory / CertificateAuthority::kIssuerFile;
  const auto key = directory / CertificateAuthority::kIssuerKeyFile;
  if (!options.caInitForce && refuseExisting({root, issuer, key}, err))
    return 1;
  auto authority = CertificateAuthority::init(options.trustDomain, options.caLifetime,
                                              Clock::now() + options.caNotBeforeOffset);
  if (!authority) {
    err << "wasmesh: cannot create the CA: " << authority.error().message() << "\n";
    return 1;
  }
  try {
    authority->save(directory, options.caInitForce);
  } catch (const identity::FileError& error) {
    err << "wasmesh: " << error.what() << "\n";
    return 1;
  }
  out << "trust domain " << authority->trustDomain() << ", valid until "
      << iso8601(authority->root().notAfter()) << "\n"
      << "wrote " << root.string() << " (trust anchor: give it to every proxy)\n"
      << "wrote " << issuer.string() << " (issuer certificate)\n"
      << "wrote " << key.string() << " (issuer private key, mode 0600: keep it secret)\n";
  return 0;
}

int runIssue(const IdentityOptions& options, std::ostream& out, std::ostream& err) {
  // The flag callback checked the id; parsing again cannot fail.
  const auto id = identity::SpiffeId::parse(options.id).value();
  const auto serverName = id.serverName().value();
  const fs::path directory = options.issueDirectory;
  const auto certificatePath = directory / kCertificateFile;
  const auto keyPath = directory / kKeyFile;
  try {
    const auto authority = CertificateAuthority::load(options.caDirectory);
    if (id.trustDomain() != authority.trustDomain()) {
      err << "wasmesh: --id: \"" << options.id << "\" is not in the trust domain of the CA in "
          << options.caDirectory << " (" << authority.trustDomain() << ")\n";
      return 2;
    }
    if (!options.issueForce && refuseExisting({certificatePath, keyPath}, err))
      return 1;
    const auto now = Clock::now() + options.issueNotBeforeOffset;
    auto key = identity::PrivateKey::generate();
    if (!key) {
      err << "wasmesh: cannot generate a key: " << key.error().message() << "\n";
      return 1;
    }
    auto issued = authority.issueForKey(key->publicKey(), id, options.issueLifetime, now);
    if (!issued) {
      err << "wasmesh: the CA in " << options.caDirectory
          << " cannot issue: " << issued.error().message() << "\n";
      return 1;
    }
    auto chainPem = identity::toPemChain(issued->chain);
    auto keyPem = key->toPem();
    if (!chainPem || !keyPem) {
      err << "wasmesh: cannot encode the certificate or key\n";
      return 1;
    }
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) {
      err << "wasmesh: " << directory.string() << ": cannot create directory: " << error.message()
          << "\n";
      return 1;
    }
    // The key first: a reader that finds the new key with the old certificate refuses the
    // mismatched pair, while a new certificate must never be seen without its key.
    identity::writeFileAtomically(keyPath, *keyPem, kPrivateMode, options.issueForce);
    identity::writeFileAtomically(certificatePath, *chainPem, kPublicMode, options.issueForce);
    out << "identity " << id.toString() << "\n"
        << "server name " << serverName << "\n"
        << "valid until " << iso8601(issued->notAfter)
        << (now + options.issueLifetime > authority.issuer().notAfter()
                ? " (clamped to the issuer's notAfter)"
                : "")
        << "\n"
        << "wrote " << certificatePath.string() << " (leaf, then issuer)\n"
        << "wrote " << keyPath.string() << " (private key, mode 0600)\n";
    return 0;
  } catch (const identity::FileError& error) {
    err << "wasmesh: " << error.what() << "\n";
    return 1;
  }
}

void printCertificate(const identity::Certificate& certificate, std::size_t index,
                      std::size_t count, Clock::time_point now, std::ostream& out) {
  std::string kind = "not an X509-SVID";
  if (auto leaf = identity::checkLeafSvid(certificate))
    kind = "leaf";
  else if (identity::checkSigningCertificate(certificate))
    kind = "signing certificate";
  std::string expired = "no";
  if (now >= certificate.notAfter())
    expired = "yes";
  else if (now < certificate.notBefore())
    expired = "no (not yet valid)";
  out << "certificate " << index + 1 << " of " << count << "\n"
      << "  spiffe id:  " << joined(certificate.uriSans()) << "\n"
      << "  dns names:  " << joined(certificate.dnsSans()) << "\n"
      << "  subject:    " << printable(certificate.subject()) << "\n"
      << "  issuer:     " << printable(certificate.issuer()) << "\n"
      << "  serial:     " << certificate.serialHex() << "\n"
      << "  not before: " << iso8601(certificate.notBefore()) << "\n"
      << "  not after:  " << iso8601(certificate.notAfter()) << "\n"
      << "  expired:    " << expired << "\n"
      << "  ca:         " << (certificate.isCa() ? "yes" : "no") << "\n"
      << "  svid:       " << kind << "\n";
}

int runInspect(const IdentityOptions& options, std::ostream& out, std::ostream& err) {
  std::string text;
  try {
    text = identity::readTextFile(options.inspectFile, identity::Certificate::kMaxPemBytes);
  } catch (const identity::FileError& error) {
    err << "wasmesh: " << error.what() << "\n";
    return 1;
  }
  const auto chain = identity::parsePemChain(text);
  if (!chain) {
    err << "wasmesh: " << options.inspectFile
        << ": is not a PEM certificate file (only CERTIFICATE blocks, at most "
        << identity::Certificate::kMaxCertificates << ", nothing else)\n";
    return 1;
  }
  const auto now = Clock::now();
  for (std::size_t i = 0; i < chain->size(); ++i) {
    if (i > 0)
      out << "\n";
    printCertificate((*chain)[i], i, chain->size(), now, out);
  }
  return 0;
}

}  // namespace

void addIdentityCommands(CLI::App& identity, IdentityOptions& options) {
  auto* ca = identity.add_subcommand("ca", "Manage the mesh certificate authority");
  ca->require_subcommand(1);
  auto* init = ca->add_subcommand(
      "init", "Create a root (trust anchor) and an issuer: DIR/ca.crt, issuer.crt, issuer.key");
  init->add_option_function<std::string>(
          "--trust-domain",
          [&options](const std::string& value) {
            auto id = identity::SpiffeId::parse("spiffe://" + value);
            if (!id || !id->segments().empty()) {
              reject("--trust-domain", value,
                     "is not a trust domain (lowercase letters, digits, '.', '-', '_')");
            }
            options.trustDomain = value;
          },
          "Trust domain of the mesh, e.g. cluster.local")
      ->type_name("TD")
      ->required();
  init->add_option("--out", options.caInitDirectory, "Directory to write the CA files to")
      ->type_name("DIR")
      ->required();
  addLifetimeOption(*init, options.caLifetime, "Lifetime of the root and the issuer");
  addNotBeforeOption(*init, options.caNotBeforeOffset);
  init->add_flag("--force", options.caInitForce, "Replace existing CA files");
  options.caInit = init;

  auto* issue = identity.add_subcommand(
      "issue", "Issue a leaf certificate and key for a workload: DIR/tls.crt, DIR/tls.key");
  issue->add_option("--ca", options.caDirectory, "Directory with ca.crt, issuer.crt, issuer.key")
      ->type_name("DIR")
      ->required();
  issue
      ->add_option_function<std::string>(
          "--id",
          [&options](const std::string& value) {
            auto id = identity::SpiffeId::parse(value);
            if (!id)
              reject("--id", value, id.error().message());
            if (auto name = id->serverName(); !name)
              reject("--id", value, name.error().message());
            options.id = value;
          },
          "SPIFFE ID: spiffe://<td>/ns/<ns>/sa/<sa>[/wasm/<component>]")
      ->type_name("SPIFFE_ID")
      ->required();
  issue->add_option("--out", options.issueDirectory, "Directory to write tls.crt and tls.key to")
      ->type_name("DIR")
      ->required();
  addLifetimeOption(*issue, options.issueLifetime,
                    "Lifetime of the certificate (clamped to the issuer's)");
  addNotBeforeOption(*issue, options.issueNotBeforeOffset);
  issue->add_flag("--force", options.issueForce, "Replace existing tls.crt and tls.key");
  options.issue = issue;

  auto* inspect = identity.add_subcommand(
      "inspect", "Print the identities, names and validity of the certificates in a PEM file");
  inspect->add_option("FILE", options.inspectFile, "PEM file with one or more certificates")
      ->required();
  options.inspect = inspect;
}

int runIdentity(const IdentityOptions& options, std::ostream& out, std::ostream& err) {
  if (options.caInit != nullptr && options.caInit->parsed())
    return runCaInit(options, out, err);
  if (options.issue != nullptr && options.issue->parsed())
    return runIssue(options, out, err);
  if (options.inspect != nullptr && options.inspect->parsed())
    return runInspect(options, out, err);
  return 2;
}

}  // namespace wasmesh::app
