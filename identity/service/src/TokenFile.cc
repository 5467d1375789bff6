#include "wasmesh/identity/TokenFile.h"

#include <openssl/crypto.h>
#include <yaml-cpp/yaml.h>

#include <stdexcept>

#include "wasmesh/common/RegularFile.h"

namespace wasmesh::identity {
namespace {

constexpr std::size_t kMinTokenLength = 16;

[[noreturn]] void fail(std::string_view origin, const std::string& what) {
  throw std::runtime_error(std::string(origin) + ": " + what);
}

std::string field(const YAML::Node& entry, const char* key, std::string_view origin,
                  const std::string& where) {
  const auto node = entry[key];
  if (!node || !node.IsScalar() || node.Scalar().empty())
    fail(origin, where + "." + key + ": is required");
  return node.Scalar();
}

}  // namespace

TokenFile TokenFile::parse(std::string_view yamlText, std::string_view origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yamlText));
  } catch (const YAML::Exception& error) {
    fail(origin, "line " + std::to_string(error.mark.line + 1) + ": " + error.msg);
  }
  if (!root.IsMap() || !root["tokens"] || !root["tokens"].IsSequence())
    fail(origin, "expected a mapping with a list `tokens`");
  TokenFile file;
  std::size_t index = 0;
  for (const auto& entry : root["tokens"]) {
    const std::string where = "tokens[" + std::to_string(index++) + "]";
    if (!entry.IsMap())
      fail(origin, where + ": expected a mapping with token, namespace, service_account");
    for (const auto& key : entry) {
      const auto name = key.first.Scalar();
      if (name != "token" && name != "namespace" && name != "service_account")
        fail(origin, where + "." + name + ": unknown key");
    }
    const auto token = field(entry, "token", origin, where);
    ServiceAccount account{field(entry, "namespace", origin, where),
                           field(entry, "service_account", origin, where)};
    if (token.size() < kMinTokenLength)
      fail(origin, where + ".token: shorter than 16 characters");
    if (!isDnsLabel(account.ns))
      fail(origin, where + ".namespace: \"" + account.ns + "\" is not a DNS label");
    if (!isDnsLabel(account.name))
      fail(origin, where + ".service_account: \"" + account.name + "\" is not a DNS label");
    if (!file.accounts_.emplace(token, std::move(account)).second)
      fail(origin, where + ".token: used twice");
  }
  return file;
}

TokenFile TokenFile::load(const std::string& path) {
  // Tokens for every workload of a host fit in far less; the cap keeps a mistake bounded.
  constexpr std::size_t kMaxBytes = std::size_t{4} << 20U;
  auto text = readRegularFile(path, kMaxBytes);
  if (!text)
    throw std::runtime_error(describeFileError(path, text.error(), kMaxBytes));
  return parse(*text, path);
}

Result<ServiceAccount> TokenFile::authenticate(std::string_view token) const {
  const ServiceAccount* found = nullptr;
  for (const auto& [known, account] : accounts_) {
    if (known.size() == token.size() &&
        CRYPTO_memcmp(known.data(), token.data(), token.size()) == 0)
      found = &account;
  }
  if (found == nullptr)
    return errc::unauthenticated;
  return *found;
}

}  // namespace wasmesh::identity
