// wasi:http/outgoing-handler: requests a component sends, to the authorities it was granted
// only, through the embedder's HttpClient.
#include <algorithm>

#include "HttpInterfaces.h"
#include "HttpValues.h"

namespace wasmesh::wasm::component::http {
namespace {

// "Host:8080" -> "host:8080"; no port: the scheme's. IPv6 literals keep their brackets.
std::string normalizedAuthority(const std::string& authority, const std::string& scheme) {
  std::string lower = lowerCase(authority);
  const auto close = lower.rfind(']');
  const auto colon = lower.rfind(':');
  const bool hasPort = colon != std::string::npos && (close == std::string::npos || colon > close);
  if (!hasPort)
    lower += scheme == "https" ? ":443" : ":80";
  return lower;
}

bool granted(const HttpOptions& options, const std::string& authority) {
  return std::any_of(options.allowedAuthorities.begin(), options.allowedAuthorities.end(),
                     [&authority](const std::string& allowed) {
                       return allowed == "*" || lowerCase(allowed) == authority;
                     });
}

Val denied(std::string why) {
  return Val::err(errorValue({HttpErrorCode::httpRequestDenied, std::move(why), std::nullopt}));
}

Result handle(HostState& state, std::vector<Val>& args) {
  auto http = httpState(state);
  if (!http)
    return http.error();
  auto request = take<OutgoingRequestObject>(state, args[0]);
  if (!request)
    return request.error();
  OutgoingOptions options;
  if (args[1].caseIndex() == 1) {
    auto given = take<RequestOptionsObject>(state, *args[1].payload());
    if (!given)
      return given.error();
    options = (*given)->options;
  }
  HttpRequest& outgoing = (*request)->request;
  if (outgoing.scheme.empty())
    outgoing.scheme = "http";
  if (outgoing.authority.empty())
    return Val::err(errorValue({HttpErrorCode::httpRequestUriInvalid, std::nullopt, std::nullopt}));
  if (outgoing.pathWithQuery.empty())
    outgoing.pathWithQuery = "/";
  const std::string authority = normalizedAuthority(outgoing.authority, outgoing.scheme);
  const HttpOptions& granted_ = (*http)->http();
  if (!granted(granted_, authority) || !granted_.client)
    return denied(authority + " is not granted to this component");
  // The host frames the message: hop-by-hop fields (and Host, from the authority) are its own.
  std::erase_if(outgoing.headers, [](const auto& field) { return forbiddenField(field.first); });
  if (!outgoing.body)
    outgoing.body = BodyPipe::empty();
  auto future = std::make_unique<FutureIncomingResponseObject>();
  future->pending = granted_.client->send(std::move(outgoing), options);
  future->pending->onReady([waker = (*http)->waker()] { waker->notify(); });
  auto handle = own(state, std::move(future));
  if (!handle)
    return handle;
  return Val::ok(std::move(**handle));
}

}  // namespace

HostInterface outgoingHandler() {
  HostInterface handler("wasi:http", "outgoing-handler", "0.2.12");
  handler.use("outgoing-request", "wasi:http/types", "outgoing-request")
      .use("request-options", "wasi:http/types", "request-options")
      .use("future-incoming-response", "wasi:http/types", "future-incoming-response");
  handler.function("handle",
                   "func(request: outgoing-request, options: option<request-options>) -> "
                   "result<future-incoming-response, error-code>",
                   handle);
  return handler;
}

}  // namespace wasmesh::wasm::component::http
