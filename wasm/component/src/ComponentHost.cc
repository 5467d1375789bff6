#include "wasmesh/wasm/component/ComponentHost.h"

#include <array>
#include <charconv>

namespace wasmesh::wasm::component {
namespace {

// major.minor.patch, ignoring pre-release and build suffixes.
std::optional<std::array<std::uint64_t, 3>> parseVersion(std::string_view text) {
  std::array<std::uint64_t, 3> parts{};
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const char* end = text.data() + text.size();
    auto [next, error] = std::from_chars(text.data(), end, parts[i]);
    if (error != std::errc{})
      return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(next - text.data()));
    if (i < 2) {
      if (text.empty() || text.front() != '.')
        return std::nullopt;
      text.remove_prefix(1);
    }
  }
  if (!text.empty() && text.front() != '-' && text.front() != '+')
    return std::nullopt;
  return parts;
}

}  // namespace

std::optional<InterfaceName> InterfaceName::parse(std::string_view name) {
  InterfaceName parsed;
  const auto at = name.find('@');
  if (at != std::string_view::npos) {
    parsed.version = std::string(name.substr(at + 1));
    name = name.substr(0, at);
  }
  const auto colon = name.find(':');
  const auto slash = name.find('/');
  if (colon == std::string_view::npos || slash == std::string_view::npos || slash < colon)
    return std::nullopt;
  parsed.package = std::string(name.substr(0, slash));
  parsed.interface = std::string(name.substr(slash + 1));
  if (parsed.interface.empty() || parsed.package.size() < 3)
    return std::nullopt;
  return parsed;
}

bool semverCompatible(std::string_view imported, std::string_view provided) {
  if (imported.empty() || provided.empty())
    return imported.empty() && provided.empty();
  auto a = parseVersion(imported);
  auto b = parseVersion(provided);
  if (!a || !b)
    return imported == provided;
  if ((*a)[0] != (*b)[0])
    return false;
  if ((*a)[0] != 0)
    return true;
  if ((*a)[1] != (*b)[1])
    return false;
  return (*a)[1] != 0 || (*a)[2] == (*b)[2];
}

void ComponentHost::add(HostInterface interface) {
  interfaces_.push_back(std::move(interface));
  sealed_ = false;
}

void ComponentHost::seal() {
  resources_.clear();
  functions_.clear();
  for (const auto& interface : interfaces_) {
    for (const auto& resource : interface.resources()) {
      resources_.push_back({static_cast<std::uint32_t>(resources_.size()), &interface, &resource});
    }
    for (const auto& function : interface.functions())
      functions_.push_back({&interface, &function});
  }
  sealed_ = true;
}

const HostInterface* ComponentHost::find(std::string_view importName) const {
  auto name = InterfaceName::parse(importName);
  if (!name)
    return nullptr;
  const HostInterface* best = nullptr;
  for (const auto& interface : interfaces_) {
    if (interface.package() != name->package || interface.name() != name->interface ||
        !semverCompatible(name->version, interface.version()))
      continue;
    if (best == nullptr || parseVersion(interface.version()) > parseVersion(best->version()))
      best = &interface;
  }
  return best;
}

std::optional<ComponentHost::ResourceRef> ComponentHost::findResource(
    const HostInterface& interface, std::string_view name) const {
  const HostInterface* current = &interface;
  std::string wanted(name);
  // A `use` may lead to another `use`; a few hops are plenty, and a cycle must end.
  for (int hop = 0; hop < 8 && current != nullptr; ++hop) {
    for (const auto& ref : resources_) {
      if (ref.interface == current && ref.resource->name == wanted)
        return ref;
    }
    const HostInterface::Type* type = current->findType(wanted);
    constexpr std::string_view kUse = "use ";
    if (type == nullptr || type->definition.rfind(kUse, 0) != 0)
      return std::nullopt;
    const std::string target = type->definition.substr(kUse.size());
    const auto dot = target.rfind('.');
    if (dot == std::string::npos)
      return std::nullopt;
    const std::string version = current->version();
    current = find(target.substr(0, dot) + (version.empty() ? "" : "@" + version));
    wanted = target.substr(dot + 1);
  }
  return std::nullopt;
}

std::optional<std::uint32_t> ComponentHost::functionId(const HostInterface& interface,
                                                       std::string_view name) const {
  for (std::size_t i = 0; i < functions_.size(); ++i) {
    if (functions_[i].interface == &interface && functions_[i].function->name == name)
      return static_cast<std::uint32_t>(i);
  }
  return std::nullopt;
}

}  // namespace wasmesh::wasm::component
