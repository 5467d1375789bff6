#include "wasmesh/deploy/InstallManifests.h"

#include <boost/json.hpp>

#include "wasmesh/deploy/Base64.h"
#include "wasmesh/deploy/InjectorOptions.h"
#include "wasmesh/deploy/YamlJson.h"
#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/IdentityFiles.h"
#include "wasmesh/identity/ServingCertificate.h"

namespace wasmesh::deploy {

std::string_view k8sManifestFile(std::string_view name);  // generated from deploy/k8s

namespace {

namespace json = boost::json;

constexpr std::string_view kShippedImage = "ghcr.io/wasmesh/wasmesh";
constexpr std::string_view kNamespace = "wasmesh";
constexpr std::string_view kInjectorService = "wasmesh-injector";

json::object objectMeta(std::string_view name, std::string_view component) {
  return {{"name", name},
          {"namespace", kNamespace},
          {"labels", {{"wasmesh.io/control-plane-component", component}}}};
}

std::string pem(const identity::Certificate& certificate) {
  auto text = certificate.toPem();
  if (!text)
    throw InstallError("cannot write a certificate: " + text.error().message());
  return *text;
}

std::string text(const json::value* value) {
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// Every container of every pod template: the shipped image gets the chosen one, and the
// injector's flags the trust domain and proxy image.
void adjustContainers(json::value& document, const InstallOptions& options,
                      const std::string& trustDomain, const std::string& version) {
  auto* spec = document.get_object().if_contains("spec");
  if (spec == nullptr || !spec->is_object())
    return;
  auto* podTemplate = spec->get_object().if_contains("template");
  if (podTemplate == nullptr)
    return;
  auto& containers = podTemplate->at("spec").at("containers").get_array();
  for (auto& container : containers) {
    auto& object = container.get_object();
    if (text(object.if_contains("image")).starts_with(std::string(kShippedImage) + ":"))
      object["image"] = options.image + ":" + version;
    auto* command = object.if_contains("command");
    if (command == nullptr)
      continue;
    auto& words = command->get_array();
    for (std::size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "--trust-domain")
        words[i + 1] = trustDomain;
      else if (words[i] == "--proxy-image")
        words[i + 1] = options.image;
      else if (words[i] == "--proxy-version")
        words[i + 1] = version;
    }
  }
}

identity::CertificateAuthority authority(const InstallOptions& options) {
  if (!options.identityCaDirectory.empty()) {
    try {
      auto loaded = identity::CertificateAuthority::load(options.identityCaDirectory);
      if (!options.trustDomain.empty() && options.trustDomain != loaded.trustDomain())
        throw InstallError("--trust-domain \"" + options.trustDomain + "\" is not the trust " +
                           "domain of --identity-ca (" + loaded.trustDomain() + ")");
      return loaded;
    } catch (const identity::FileError& error) {
      throw InstallError(std::string("--identity-ca: ") + error.what());
    }
  }
  if (options.trustDomain.empty())
    throw InstallError("--trust-domain is required (or --identity-ca with an existing CA)");
  auto created = identity::CertificateAuthority::init(options.trustDomain, options.caLifetime);
  if (!created)
    throw InstallError("--trust-domain \"" + options.trustDomain +
                       "\": " + created.error().message());
  return std::move(*created);
}

}  // namespace

std::string_view InstallManifests::shippedFile(std::string_view name) {
  return k8sManifestFile(name);
}

const std::vector<std::string_view>& InstallManifests::shippedManifests() {
  static const std::vector<std::string_view> kNames = {"namespace.yaml", "identity.yaml",
                                                       "injector.yaml"};
  return kNames;
}

std::vector<json::value> InstallManifests::build(const InstallOptions& options) {
  const auto version = options.version.empty() ? std::string(wasmeshVersion()) : options.version;
  const auto ca = authority(options);
  const auto serviceName = std::string(kInjectorService) + "." + std::string(kNamespace) + ".svc";
  auto serving = identity::ServingCertificate::issue({serviceName, serviceName + ".cluster.local"},
                                                     options.webhookLifetime);
  if (!serving)
    throw InstallError("cannot make the injector's certificate: " + serving.error().message());
  auto issuerKey = ca.issuerKey().toPem();
  auto servingKey = serving->key.toPem();
  if (!issuerKey || !servingKey)
    throw InstallError("cannot write a private key");
  const auto anchors = pem(ca.root());

  std::vector<json::value> out;
  for (const auto name : shippedManifests()) {
    auto documents = YamlJson::readYaml(shippedFile(name));
    if (!documents)
      throw std::logic_error(std::string(name) + " as built in: " + documents.error());
    for (auto& document : *documents) {
      adjustContainers(document, options, ca.trustDomain(), version);
      const auto kind = text(document.get_object().if_contains("kind"));
      if (kind == "MutatingWebhookConfiguration") {
        for (auto& webhook : document.at("webhooks").get_array())
          webhook.at("clientConfig").get_object()["caBundle"] = base64Encode(pem(serving->ca));
      }
      out.push_back(std::move(document));
    }
    if (name == "identity.yaml") {
      out.push_back(json::object{{"apiVersion", "v1"},
                                 {"kind", "Secret"},
                                 {"metadata", objectMeta("wasmesh-identity-issuer", "identity")},
                                 {"type", "Opaque"},
                                 {"data",
                                  {{"ca.crt", base64Encode(anchors)},
                                   {"issuer.crt", base64Encode(pem(ca.issuer()))},
                                   {"issuer.key", base64Encode(*issuerKey)}}}});
      out.push_back(json::object{{"apiVersion", "v1"},
                                 {"kind", "ConfigMap"},
                                 {"metadata", objectMeta("wasmesh-trust-anchors", "identity")},
                                 {"data", {{"ca-bundle.crt", anchors}}}});
    } else if (name == "injector.yaml") {
      out.push_back(json::object{{"apiVersion", "v1"},
                                 {"kind", "Secret"},
                                 {"metadata", objectMeta("wasmesh-injector-tls", "injector")},
                                 {"type", "kubernetes.io/tls"},
                                 {"data",
                                  {{"tls.crt", base64Encode(pem(serving->leaf))},
                                   {"tls.key", base64Encode(*servingKey)}}}});
    }
  }
  out.push_back(json::object{
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", objectMeta("wasmesh-prometheus", "prometheus")},
      {"data", {{"prometheus-scrape-config.yaml", shippedFile("prometheus-scrape-config.yaml")}}}});
  return out;
}

}  // namespace wasmesh::deploy
