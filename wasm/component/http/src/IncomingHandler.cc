#include "wasmesh/wasm/component/http/IncomingHandler.h"

#include "HttpInterfaces.h"

namespace wasmesh::wasm::component::http {

const ExportedFunction* IncomingHandler::findExport(const LinkedComponent& linked) {
  constexpr std::string_view kPrefix = "wasi:http/incoming-handler@0.2.";
  constexpr std::string_view kSuffix = "#handle";
  for (const auto& exported : linked.exportedFunctions) {
    const std::string_view name = exported.name;
    if (name.starts_with(kPrefix) && name.ends_with(kSuffix))
      return &exported;
  }
  return nullptr;
}

WasmResult<IncomingHandler::Outcome> IncomingHandler::handle(
    ComponentInstance& instance, const ExportedFunction& handle, HttpRequest request,
    std::shared_ptr<ResponseOutparam> outparam) {
  auto http = httpState(instance.state());
  if (!http)
    return http.error();
  if (!request.body)
    request.body = BodyPipe::empty();
  wakeGuestOnRead(**http, *request.body);
  auto incoming = std::make_unique<IncomingRequestObject>();
  incoming->request = std::move(request);
  auto requestRep = (*http)->addObject(std::move(incoming));
  if (!requestRep)
    return requestRep.error();
  auto responded = std::make_shared<bool>(false);
  auto param = std::make_unique<ResponseOutparamObject>();
  param->outparam = std::move(outparam);
  param->responded = responded;
  auto paramRep = (*http)->addObject(std::move(param));
  if (!paramRep)
    return paramRep.error();
  const std::array arguments{Val::own(*requestRep), Val::own(*paramRep)};
  auto result = instance.call(handle.name, arguments);
  if (!result)
    return result.error();
  return Outcome{*responded};
}

}  // namespace wasmesh::wasm::component::http
