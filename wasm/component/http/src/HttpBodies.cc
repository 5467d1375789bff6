// wasi:http/types bodies: incoming bodies read as wasi:io input streams, outgoing ones written
// as output streams, both over BodyPipe; trailers and responses to outgoing requests as
// futures the guest polls.
#include "HttpInterfaces.h"
#include "HttpValues.h"

namespace wasmesh::wasm::component::http {
namespace {

using wasi::StreamSink;
using wasi::StreamSource;

void addIncomingBody(HostInterface& types) {
  types.function("[method]incoming-body.stream",
                 "func(self: borrow<incoming-body>) -> result<input-stream>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto body = object<IncomingBodyObject>(state, args[0]);
                   if (!body)
                     return body.error();
                   if ((*body)->streamTaken)
                     return Val::err();
                   (*body)->streamTaken = true;
                   auto http = httpState(state);
                   auto rep = (*http)->add(
                       wasi::InputStream{nullptr, 0, std::make_shared<PipeSource>((*body)->pipe)});
                   if (!rep)
                     return rep.error();
                   return Val::ok(Val::own(*rep));
                 });
  types.function("[static]incoming-body.finish", "func(this: incoming-body) -> future-trailers",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto body = take<IncomingBodyObject>(state, args[0]);
                   if (!body)
                     return body.error();
                   (*body)->finished = true;
                   // The rest of the body is not wanted: the trailers come after it.
                   (*body)->pipe->closeReader();
                   auto trailers = std::make_unique<FutureTrailersObject>();
                   trailers->pipe = (*body)->pipe;
                   return own(state, std::move(trailers));
                 });
  types.function(
      "[method]future-trailers.subscribe", "func(self: borrow<future-trailers>) -> pollable",
      [](HostState& state, std::vector<Val>& args) -> Result {
        auto trailers = object<FutureTrailersObject>(state, args[0]);
        if (!trailers)
          return trailers.error();
        return newPollable(state, std::make_shared<ReadyWhen>(
                                      [pipe = (*trailers)->pipe] { return pipe->done(); }));
      });
  types.function(
      "[method]future-trailers.get",
      "func(self: borrow<future-trailers>) -> option<result<result<option<fields>, error-code>>>",
      [](HostState& state, std::vector<Val>& args) -> Result {
        auto trailers = object<FutureTrailersObject>(state, args[0]);
        if (!trailers)
          return trailers.error();
        BodyPipe& pipe = *(*trailers)->pipe;
        if (!pipe.done())
          return Val::none();
        if ((*trailers)->taken)
          return Val::some(Val::err());
        (*trailers)->taken = true;
        if (auto error = pipe.error())
          return Val::some(Val::ok(Val::err(errorValue(*error))));
        auto fields = pipe.trailers();
        if (!fields)
          return Val::some(Val::ok(Val::ok(Val::none())));
        auto handle = newFields(state, std::move(*fields), true);
        if (!handle)
          return handle;
        return Val::some(Val::ok(Val::ok(Val::some(std::move(**handle)))));
      });
}

void addOutgoingBody(HostInterface& types) {
  types.function(
      "[method]outgoing-body.write", "func(self: borrow<outgoing-body>) -> result<output-stream>",
      [](HostState& state, std::vector<Val>& args) -> Result {
        auto body = object<OutgoingBodyObject>(state, args[0]);
        if (!body)
          return body.error();
        if ((*body)->streamTaken)
          return Val::err();
        (*body)->streamTaken = true;
        auto sink =
            std::make_shared<PipeSink>((*body)->pipe, (*body)->contentLength, (*body)->isRequest);
        (*body)->stream = sink;
        auto http = httpState(state);
        auto rep = (*http)->add(
            wasi::OutputStream{wasi::OutputStream::Target::sink, nullptr, 0, false, sink});
        if (!rep)
          return rep.error();
        return Val::ok(Val::own(*rep));
      });
  types.function(
      "[static]outgoing-body.finish",
      "func(this: outgoing-body, trailers: option<fields>) -> result<_, error-code>",
      [](HostState& state, std::vector<Val>& args) -> Result {
        auto body = take<OutgoingBodyObject>(state, args[0]);
        if (!body)
          return body.error();
        std::optional<HttpFields> trailers;
        if (args[1].caseIndex() == 1) {
          auto fields = take<FieldsObject>(state, *args[1].payload());
          if (!fields)
            return fields.error();
          trailers = std::move((*fields)->fields);
        }
        (*body)->finished = true;
        if (!(*body)->stream.expired()) {
          (*body)->pipe->fail(HttpError::internal("finished while its output-stream was alive"));
          return misuse("outgoing-body.finish while its output-stream is alive");
        }
        BodyPipe& pipe = *(*body)->pipe;
        if (auto error = pipe.error())
          return Val::err(errorValue(*error));
        const std::uint64_t written = pipe.bytesWritten();
        if ((*body)->contentLength && written != *(*body)->contentLength) {
          HttpError error{(*body)->isRequest ? HttpErrorCode::httpRequestBodySize
                                             : HttpErrorCode::httpResponseBodySize,
                          std::nullopt, written};
          pipe.fail(error);
          return Val::err(errorValue(error));
        }
        pipe.finish(std::move(trailers));
        return Val::ok();
      });
}

void addIncomingResponse(HostInterface& types) {
  types.function("[method]incoming-response.status",
                 "func(self: borrow<incoming-response>) -> status-code",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto response = object<IncomingResponseObject>(state, args[0]);
                   if (!response)
                     return response.error();
                   return Val::u16((*response)->response.status);
                 });
  types.function("[method]incoming-response.headers",
                 "func(self: borrow<incoming-response>) -> fields",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto response = object<IncomingResponseObject>(state, args[0]);
                   if (!response)
                     return response.error();
                   return newFields(state, (*response)->response.headers, true);
                 });
  types.function("[method]incoming-response.consume",
                 "func(self: borrow<incoming-response>) -> result<incoming-body>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto response = object<IncomingResponseObject>(state, args[0]);
                   if (!response)
                     return response.error();
                   if ((*response)->consumed)
                     return Val::err();
                   (*response)->consumed = true;
                   auto body =
                       own(state, std::make_unique<IncomingBodyObject>((*response)->response.body));
                   if (!body)
                     return body;
                   return Val::ok(std::move(**body));
                 });
  types.function("[method]future-incoming-response.subscribe",
                 "func(self: borrow<future-incoming-response>) -> pollable",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto future = object<FutureIncomingResponseObject>(state, args[0]);
                   if (!future)
                     return future.error();
                   return newPollable(
                       state, std::make_shared<ReadyWhen>(
                                  [pending = (*future)->pending] { return pending->ready(); }));
                 });
  types.function("[method]future-incoming-response.get",
                 "func(self: borrow<future-incoming-response>) -> "
                 "option<result<result<incoming-response, error-code>>>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto future = object<FutureIncomingResponseObject>(state, args[0]);
                   if (!future)
                     return future.error();
                   if ((*future)->taken)
                     return Val::some(Val::err());
                   auto answer = (*future)->pending->take();
                   if (!answer)
                     return Val::none();
                   (*future)->taken = true;
                   if (auto* error = std::get_if<HttpError>(&*answer))
                     return Val::some(Val::ok(Val::err(errorValue(*error))));
                   auto http = httpState(state);
                   auto response = std::make_unique<IncomingResponseObject>();
                   response->response = std::move(std::get<HttpResponse>(*answer));
                   if (!response->response.body)
                     response->response.body = BodyPipe::empty();
                   wakeGuestOnRead(**http, *response->response.body);
                   auto handle = own(state, std::move(response));
                   if (!handle)
                     return handle;
                   return Val::some(Val::ok(Val::ok(std::move(**handle))));
                 });
}

}  // namespace

HostDestructor dropObject() {
  return [](HostState& state, std::uint32_t rep) {
    if (auto http = httpState(state))
      (*http)->remove(rep);
  };
}

WasmError misuse(const std::string& message) {
  return WasmError::makeTrap(TrapKind::host_error, {}, message);
}

std::shared_ptr<BodyPipe> guestWrittenPipe(HttpState& state) {
  auto pipe = std::make_shared<BodyPipe>(state.http().bodyBufferBytes);
  pipe->onWritable([waker = state.waker()] { waker->notify(); });
  return pipe;
}

void wakeGuestOnRead(HttpState& state, BodyPipe& pipe) {
  pipe.onReadable([waker = state.waker()] { waker->notify(); });
}

Result newPollable(HostState& state, std::shared_ptr<wasi::Readiness> readiness) {
  auto http = httpState(state);
  if (!http)
    return http.error();
  auto rep = (*http)->add(wasi::Pollable{std::nullopt, std::move(readiness)});
  if (!rep)
    return rep.error();
  return Val::own(*rep);
}

StreamSource::Chunk PipeSource::read(std::size_t max) {
  BodyPipe::Read read = pipe_->read(max);
  Chunk chunk;
  switch (read.status) {
    case BodyPipe::Read::Status::data:
      chunk.bytes = std::move(read.bytes);
      break;
    case BodyPipe::Read::Status::pending:
      break;
    case BodyPipe::Read::Status::end:
      chunk.status = Chunk::Status::closed;
      break;
    case BodyPipe::Read::Status::failed:
      chunk.status = Chunk::Status::failed;
      chunk.error = pipe_->error().value_or(HttpError{}).describe();
      break;
  }
  return chunk;
}

bool PipeSink::ready() const {
  return pipe_->room() > 0 || pipe_->done() || pipe_->readerClosed();
}

StreamSink::Permit PipeSink::permit() {
  Permit permit;
  if (auto error = pipe_->error()) {
    permit.status = Permit::Status::failed;
    permit.error = error->describe();
  } else if (pipe_->done() || pipe_->readerClosed()) {
    permit.status = Permit::Status::closed;
  } else {
    permit.bytes = pipe_->room();
  }
  return permit;
}

StreamSink::Permit PipeSink::write(std::span<const std::uint8_t> bytes) {
  const std::uint64_t total = pipe_->bytesWritten() + bytes.size();
  if (contentLength_ && total > *contentLength_) {
    HttpError error{
        isRequest_ ? HttpErrorCode::httpRequestBodySize : HttpErrorCode::httpResponseBodySize,
        std::nullopt, total};
    pipe_->fail(error);
    Permit failed;
    failed.status = Permit::Status::failed;
    failed.error = error.describe() + " (more than the declared content-length " +
                   std::to_string(*contentLength_) + ")";
    return failed;
  }
  pipe_->write(bytes);
  return permit();
}

void addBodies(HostInterface& types) {
  addIncomingBody(types);
  addOutgoingBody(types);
  addIncomingResponse(types);
  types.function("http-error-code", "func(err: borrow<io-error>) -> option<error-code>",
                 [](HostState&, std::vector<Val>&) -> Result {
                   // Stream errors carry their HTTP error as text only.
                   return Val::none();
                 });
}

}  // namespace wasmesh::wasm::component::http
