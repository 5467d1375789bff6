#include "wasmesh/proxy/component/GuestOutcome.h"

namespace wasmesh::proxy::component {

std::string_view guestResultName(GuestResult result) noexcept {
  switch (result) {
    case GuestResult::ok:
      return "ok";
    case GuestResult::errorCode:
      return "error_code";
    case GuestResult::noResponse:
      return "no_response";
    case GuestResult::incompleteBody:
      return "incomplete_body";
    case GuestResult::trap:
      return "trap";
    case GuestResult::exit:
      return "exit";
    case GuestResult::timeout:
      return "timeout";
    case GuestResult::memoryLimit:
      return "memory_limit";
    case GuestResult::instantiationFailed:
      return "instantiation_failed";
    case GuestResult::overloaded:
      return "overloaded";
    case GuestResult::cancelled:
      return "cancelled";
  }
  return "unknown";
}

unsigned statusFor(GuestResult result) noexcept {
  switch (result) {
    case GuestResult::timeout:
    case GuestResult::memoryLimit:
    case GuestResult::overloaded:
      return 503;
    default:
      return 500;
  }
}

}  // namespace wasmesh::proxy::component
