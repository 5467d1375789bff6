// wasi:http/types fields: header and trailer maps with the rules of RFC 9110's field syntax
// and the names a guest may not set (hop-by-hop fields and Host, as wasmtime has them).
#include <algorithm>

#include "HttpInterfaces.h"
#include "HttpValues.h"

namespace wasmesh::wasm::component::http {
namespace {

// header-error cases.
constexpr std::uint32_t kInvalidSyntax = 0;
constexpr std::uint32_t kForbidden = 1;
constexpr std::uint32_t kImmutable = 2;

Val headerError(std::uint32_t which) {
  return Val::err(Val::variant(which));
}

// Why a guest may not set `name` to `value`, as a header-error case.
std::optional<std::uint32_t> refusal(std::string_view name, const std::string* value) {
  if (!validFieldName(name) || (value != nullptr && !validFieldValue(*value)))
    return kInvalidSyntax;
  if (forbiddenField(lowerCase(name)))
    return kForbidden;
  return std::nullopt;
}

std::size_t fieldBytes(const HttpFields& fields) {
  std::size_t total = 0;
  for (const auto& [name, value] : fields)
    total += name.size() + value.size();
  return total;
}

WasmResult<void> withinBound(HostState& state, const HttpFields& fields) {
  auto http = httpState(state);
  if (!http)
    return http.error();
  const std::size_t limit = (*http)->http().maxFieldBytes;
  if (fieldBytes(fields) > limit)
    return WasmError::makeTrap(TrapKind::host_error, {},
                               "fields of more than " + std::to_string(limit) + " bytes");
  return {};
}

Result fromList(HostState& state, const Val& entries) {
  HttpFields fields;
  fields.reserve(entries.listSize());
  for (const Val& entry : entries.items()) {
    const std::string& name = entry.items()[0].text();
    const std::string& value = entry.items()[1].text();
    if (auto refused = refusal(name, &value))
      return headerError(*refused);
    fields.emplace_back(lowerCase(name), value);
  }
  if (auto bounded = withinBound(state, fields); !bounded)
    return bounded.error();
  auto created = newFields(state, std::move(fields), false);
  if (!created)
    return created;
  return Val::ok(std::move(**created));
}

// set, append and delete: the checks they share, then `change`.
template <typename Change>
Result mutate(HostState& state, std::vector<Val>& args, const std::vector<std::string>& values,
              Change change) {
  auto fields = object<FieldsObject>(state, args[0]);
  if (!fields)
    return fields.error();
  if ((*fields)->immutable)
    return headerError(kImmutable);
  const std::string& name = args[1].text();
  if (auto refused = refusal(name, nullptr))
    return headerError(*refused);
  for (const std::string& value : values) {
    if (!validFieldValue(value))
      return headerError(kInvalidSyntax);
  }
  HttpFields updated = (*fields)->fields;
  change(updated, lowerCase(name));
  if (auto bounded = withinBound(state, updated); !bounded)
    return bounded.error();
  (*fields)->fields = std::move(updated);
  return Val::ok();
}

void erase(HttpFields& fields, const std::string& name) {
  std::erase_if(fields, [&name](const auto& field) { return field.first == name; });
}

}  // namespace

Result newFields(HostState& state, HttpFields fields, bool immutable) {
  auto object = std::make_unique<FieldsObject>();
  object->fields = std::move(fields);
  object->immutable = immutable;
  return own(state, std::move(object));
}

std::optional<std::uint64_t> contentLength(const HttpFields& fields) {
  std::optional<std::uint64_t> length;
  for (const auto& [name, value] : fields) {
    if (name != "content-length")
      continue;
    if (length || value.empty() || value.size() > 19 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    length = std::stoull(value);
  }
  return length;
}

void addFields(HostInterface& types) {
  types.function(
      "[constructor]fields", "func() -> fields",
      [](HostState& state, std::vector<Val>&) -> Result { return newFields(state, {}, false); });
  types.function(
      "[static]fields.from-list",
      "func(entries: list<tuple<field-key, field-value>>) -> result<fields, "
      "header-error>",
      [](HostState& state, std::vector<Val>& args) -> Result { return fromList(state, args[0]); });
  types.function("[method]fields.get",
                 "func(self: borrow<fields>, name: field-key) -> list<field-value>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto fields = object<FieldsObject>(state, args[0]);
                   if (!fields)
                     return fields.error();
                   const std::string name = lowerCase(args[1].text());
                   std::vector<Val> values;
                   for (const auto& [key, value] : (*fields)->fields) {
                     if (key == name)
                       values.push_back(Val::bytes(value));
                   }
                   return Val::list(std::move(values));
                 });
  types.function("[method]fields.has", "func(self: borrow<fields>, name: field-key) -> bool",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto fields = object<FieldsObject>(state, args[0]);
                   if (!fields)
                     return fields.error();
                   const std::string name = lowerCase(args[1].text());
                   return Val::boolean(
                       std::any_of((*fields)->fields.begin(), (*fields)->fields.end(),
                                   [&name](const auto& field) { return field.first == name; }));
                 });
  types.function("[method]fields.set",
                 "func(self: borrow<fields>, name: field-key, value: list<field-value>) -> "
                 "result<_, header-error>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   std::vector<std::string> values;
                   for (const Val& value : args[2].items())
                     values.push_back(value.text());
                   return mutate(state, args, values,
                                 [&values](HttpFields& fields, const std::string& name) {
                                   erase(fields, name);
                                   for (const std::string& value : values)
                                     fields.emplace_back(name, value);
                                 });
                 });
  types.function("[method]fields.delete",
                 "func(self: borrow<fields>, name: field-key) -> result<_, header-error>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   return mutate(state, args, {}, erase);
                 });
  types.function("[method]fields.append",
                 "func(self: borrow<fields>, name: field-key, value: field-value) -> result<_, "
                 "header-error>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   const std::vector<std::string> values{args[2].text()};
                   return mutate(state, args, values,
                                 [&values](HttpFields& fields, const std::string& name) {
                                   fields.emplace_back(name, values.front());
                                 });
                 });
  types.function("[method]fields.entries",
                 "func(self: borrow<fields>) -> list<tuple<field-key, field-value>>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto fields = object<FieldsObject>(state, args[0]);
                   if (!fields)
                     return fields.error();
                   return fieldsValue((*fields)->fields);
                 });
  types.function("[method]fields.clone", "func(self: borrow<fields>) -> fields",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto fields = object<FieldsObject>(state, args[0]);
                   if (!fields)
                     return fields.error();
                   return newFields(state, (*fields)->fields, false);
                 });
}

}  // namespace wasmesh::wasm::component::http
