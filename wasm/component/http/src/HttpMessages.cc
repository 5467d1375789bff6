// wasi:http/types requests and responses: the incoming request a handler serves, the response
// it sets through response-outparam, the outgoing requests it sends and their options.
#include "HttpInterfaces.h"
#include "HttpValues.h"

namespace wasmesh::wasm::component::http {
namespace {

Val optionalText(const std::string& text) {
  return text.empty() ? Val::none() : Val::some(Val::string(text));
}

// RFC 3986's characters for a request target or an authority: visible ASCII, no spaces.
bool validTarget(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7f && c != '#';
  });
}

bool validAuthority(const std::string& text) {
  return validTarget(text) && text.find_first_of("/?@") == std::string::npos;
}

// The body of a message the guest writes: once.
Result newOutgoingBody(HostState& state, std::shared_ptr<BodyPipe>& body, const HttpFields& headers,
                       bool isRequest) {
  if (body)
    return Val::err();
  auto http = httpState(state);
  if (!http)
    return http.error();
  body = guestWrittenPipe(**http);
  auto created =
      own(state, std::make_unique<OutgoingBodyObject>(body, contentLength(headers), isRequest));
  if (!created)
    return created;
  return Val::ok(std::move(**created));
}

void addIncomingRequest(HostInterface& types) {
  types.function("[method]incoming-request.method",
                 "func(self: borrow<incoming-request>) -> method",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<IncomingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   return methodValue((*request)->request.method);
                 });
  types.function("[method]incoming-request.path-with-query",
                 "func(self: borrow<incoming-request>) -> option<string>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<IncomingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   return optionalText((*request)->request.pathWithQuery);
                 });
  types.function("[method]incoming-request.scheme",
                 "func(self: borrow<incoming-request>) -> option<scheme>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<IncomingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   const std::string& scheme = (*request)->request.scheme;
                   return scheme.empty() ? Val::none() : Val::some(schemeValue(scheme));
                 });
  types.function("[method]incoming-request.authority",
                 "func(self: borrow<incoming-request>) -> option<string>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<IncomingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   return optionalText((*request)->request.authority);
                 });
  types.function("[method]incoming-request.headers",
                 "func(self: borrow<incoming-request>) -> fields",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<IncomingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   return newFields(state, (*request)->request.headers, true);
                 });
  types.function("[method]incoming-request.consume",
                 "func(self: borrow<incoming-request>) -> result<incoming-body>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<IncomingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   if ((*request)->consumed)
                     return Val::err();
                   (*request)->consumed = true;
                   auto body =
                       own(state, std::make_unique<IncomingBodyObject>((*request)->request.body));
                   if (!body)
                     return body;
                   return Val::ok(std::move(**body));
                 });
}

void addOutgoingResponse(HostInterface& types) {
  types.function("[constructor]outgoing-response", "func(headers: fields) -> outgoing-response",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto fields = take<FieldsObject>(state, args[0]);
                   if (!fields)
                     return fields.error();
                   auto response = std::make_unique<OutgoingResponseObject>();
                   response->headers = std::move((*fields)->fields);
                   return own(state, std::move(response));
                 });
  types.function("[method]outgoing-response.status-code",
                 "func(self: borrow<outgoing-response>) -> status-code",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto response = object<OutgoingResponseObject>(state, args[0]);
                   if (!response)
                     return response.error();
                   return Val::u16((*response)->status);
                 });
  types.function("[method]outgoing-response.set-status-code",
                 "func(self: borrow<outgoing-response>, status-code: status-code) -> result",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto response = object<OutgoingResponseObject>(state, args[0]);
                   if (!response)
                     return response.error();
                   const std::uint32_t status = args[1].asU32();
                   // A final status: 1xx heads are informational, not a response.
                   if (status < 200 || status > 999)
                     return Val::err();
                   (*response)->status = static_cast<std::uint16_t>(status);
                   return Val::ok();
                 });
  types.function("[method]outgoing-response.headers",
                 "func(self: borrow<outgoing-response>) -> fields",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto response = object<OutgoingResponseObject>(state, args[0]);
                   if (!response)
                     return response.error();
                   return newFields(state, (*response)->headers, true);
                 });
  types.function("[method]outgoing-response.body",
                 "func(self: borrow<outgoing-response>) -> result<outgoing-body>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto response = object<OutgoingResponseObject>(state, args[0]);
                   if (!response)
                     return response.error();
                   return newOutgoingBody(state, (*response)->body, (*response)->headers, false);
                 });
  types.function("[static]response-outparam.set",
                 "func(param: response-outparam, response: result<outgoing-response, "
                 "error-code>)",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto param = take<ResponseOutparamObject>(state, args[0]);
                   if (!param)
                     return param.error();
                   *(*param)->responded = true;
                   if (args[1].caseIndex() != 0) {
                     (*param)->outparam->fail(errorFromValue(*args[1].payload()));
                     return std::optional<Val>();
                   }
                   auto response = take<OutgoingResponseObject>(state, *args[1].payload());
                   if (!response)
                     return response.error();
                   HttpResponse answer;
                   answer.status = (*response)->status;
                   answer.headers = std::move((*response)->headers);
                   answer.body = (*response)->body ? (*response)->body : BodyPipe::empty();
                   (*param)->outparam->respond(std::move(answer));
                   return std::optional<Val>();
                 });
}

// A getter and a setter of an optional request field, validated by `valid`.
void addRequestText(HostInterface& types, const std::string& name, const std::string& parameter,
                    std::string HttpRequest::*field, bool (*valid)(const std::string&)) {
  types.function("[method]outgoing-request." + name,
                 "func(self: borrow<outgoing-request>) -> option<string>",
                 [field](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<OutgoingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   return optionalText((*request)->request.*field);
                 });
  types.function(
      "[method]outgoing-request.set-" + name,
      "func(self: borrow<outgoing-request>, " + parameter + ": option<string>) -> result",
      [field, valid](HostState& state, std::vector<Val>& args) -> Result {
        auto request = object<OutgoingRequestObject>(state, args[0]);
        if (!request)
          return request.error();
        std::string text = args[1].caseIndex() == 0 ? "" : args[1].payload()->text();
        if (!text.empty() && !valid(text))
          return Val::err();
        (*request)->request.*field = std::move(text);
        return Val::ok();
      });
}

void addOutgoingRequest(HostInterface& types) {
  types.function("[constructor]outgoing-request", "func(headers: fields) -> outgoing-request",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto fields = take<FieldsObject>(state, args[0]);
                   if (!fields)
                     return fields.error();
                   auto request = std::make_unique<OutgoingRequestObject>();
                   request->request.headers = std::move((*fields)->fields);
                   request->request.body = nullptr;
                   return own(state, std::move(request));
                 });
  types.function("[method]outgoing-request.body",
                 "func(self: borrow<outgoing-request>) -> result<outgoing-body>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<OutgoingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   return newOutgoingBody(state, (*request)->request.body,
                                          (*request)->request.headers, true);
                 });
  types.function("[method]outgoing-request.method",
                 "func(self: borrow<outgoing-request>) -> method",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<OutgoingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   return methodValue((*request)->request.method);
                 });
  types.function("[method]outgoing-request.set-method",
                 "func(self: borrow<outgoing-request>, method: method) -> result",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<OutgoingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   auto method = methodFromValue(args[1]);
                   if (!method)
                     return Val::err();
                   (*request)->request.method = std::move(*method);
                   return Val::ok();
                 });
  addRequestText(types, "path-with-query", "path-with-query", &HttpRequest::pathWithQuery,
                 [](const std::string& text) { return validTarget(text); });
  types.function("[method]outgoing-request.scheme",
                 "func(self: borrow<outgoing-request>) -> option<scheme>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<OutgoingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   const std::string& scheme = (*request)->request.scheme;
                   return scheme.empty() ? Val::none() : Val::some(schemeValue(scheme));
                 });
  types.function("[method]outgoing-request.set-scheme",
                 "func(self: borrow<outgoing-request>, scheme: option<scheme>) -> result",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<OutgoingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   if (args[1].caseIndex() == 0) {
                     (*request)->request.scheme.clear();
                     return Val::ok();
                   }
                   auto scheme = schemeFromValue(*args[1].payload());
                   if (!scheme)
                     return Val::err();
                   (*request)->request.scheme = std::move(*scheme);
                   return Val::ok();
                 });
  addRequestText(types, "authority", "authority", &HttpRequest::authority,
                 [](const std::string& text) { return validAuthority(text); });
  types.function("[method]outgoing-request.headers",
                 "func(self: borrow<outgoing-request>) -> fields",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto request = object<OutgoingRequestObject>(state, args[0]);
                   if (!request)
                     return request.error();
                   return newFields(state, (*request)->request.headers, true);
                 });
}

// request-options: one getter and one setter per timeout, in nanoseconds.
void addRequestOptions(HostInterface& types) {
  types.function("[constructor]request-options", "func() -> request-options",
                 [](HostState& state, std::vector<Val>&) -> Result {
                   return own(state, std::make_unique<RequestOptionsObject>());
                 });
  using Timeout = std::optional<std::chrono::nanoseconds> OutgoingOptions::*;
  struct Named {
    const char* name;
    Timeout field;
  };
  for (const Named timeout :
       {Named{"connect-timeout", &OutgoingOptions::connectTimeout},
        Named{"first-byte-timeout", &OutgoingOptions::firstByteTimeout},
        Named{"between-bytes-timeout", &OutgoingOptions::betweenBytesTimeout}}) {
    types.function(std::string("[method]request-options.") + timeout.name,
                   "func(self: borrow<request-options>) -> option<duration>",
                   [field = timeout.field](HostState& state, std::vector<Val>& args) -> Result {
                     auto options = object<RequestOptionsObject>(state, args[0]);
                     if (!options)
                       return options.error();
                     const auto& value = (*options)->options.*field;
                     return value ? Val::some(Val::u64(static_cast<std::uint64_t>(value->count())))
                                  : Val::none();
                   });
    types.function(std::string("[method]request-options.set-") + timeout.name,
                   "func(self: borrow<request-options>, duration: option<duration>) -> result",
                   [field = timeout.field](HostState& state, std::vector<Val>& args) -> Result {
                     auto options = object<RequestOptionsObject>(state, args[0]);
                     if (!options)
                       return options.error();
                     if (args[1].caseIndex() == 0) {
                       (*options)->options.*field = std::nullopt;
                     } else {
                       // A guest asking for centuries gets them, without overflowing.
                       const std::uint64_t nanos = std::min<std::uint64_t>(
                           args[1].payload()->asU64(), std::uint64_t{1} << 62);
                       (*options)->options.*field =
                           std::chrono::nanoseconds(static_cast<std::int64_t>(nanos));
                     }
                     return Val::ok();
                   });
  }
}

}  // namespace

void addMessages(HostInterface& types) {
  addIncomingRequest(types);
  addOutgoingResponse(types);
  addOutgoingRequest(types);
  addRequestOptions(types);
}

}  // namespace wasmesh::wasm::component::http
