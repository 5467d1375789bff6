#include <gtest/gtest.h>

#include <thread>

#include "wasmesh/wasm/component/http/BodyPipe.h"
#include "wasmesh/wasm/component/http/HttpHost.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::http {
namespace {

// The wasi:http host's functions called directly, as the canonical ABI calls them: arguments
// lifted, handles as the host's representations.
class HttpHostTest : public testing::Test {
 protected:
  WasmResult<std::optional<Val>> call(const std::string& interface, const std::string& function,
                                      std::vector<Val> arguments) {
    const HostInterface* found = HttpHost::host()->find(interface);
    EXPECT_NE(found, nullptr) << interface;
    const HostInterface::Function* callee = found->findFunction(function);
    EXPECT_NE(callee, nullptr) << function;
    return callee->callback(*state_, arguments);
  }
  Val types(const std::string& function, std::vector<Val> arguments = {}) {
    auto result = call("wasi:http/types@0.2.10", function, std::move(arguments));
    EXPECT_TRUE(result) << function << ": " << result.error().describe();
    return result && *result ? **result : Val();
  }
  static Val entry(const std::string& name, const std::string& value) {
    return Val::tuple({Val::string(name), Val::bytes(value)});
  }
  std::uint32_t fields(std::vector<Val> entries) {
    Val made = types("[static]fields.from-list", {Val::list(std::move(entries))});
    EXPECT_EQ(made.caseIndex(), 0U) << toString(made);
    return made.payload()->rep();
  }

  std::unique_ptr<HostState> state_ = *HttpHost::state({}, {});
};

constexpr std::uint32_t kInvalidSyntax = 0;
constexpr std::uint32_t kForbidden = 1;
constexpr std::uint32_t kImmutable = 2;

TEST_F(HttpHostTest, FieldsKeepOrderAndLowerCaseTheirNames) {
  const std::uint32_t rep =
      fields({entry("Content-Type", "text/plain"), entry("X-A", "1"), entry("x-a", "2")});
  EXPECT_EQ(toString(types("[method]fields.entries", {Val::borrow(rep)})),
            toString(Val::list(
                {entry("content-type", "text/plain"), entry("x-a", "1"), entry("x-a", "2")})));
  EXPECT_EQ(types("[method]fields.get", {Val::borrow(rep), Val::string("X-a")}).listSize(), 2U);
  EXPECT_TRUE(
      types("[method]fields.has", {Val::borrow(rep), Val::string("CONTENT-TYPE")}).asBool());
  EXPECT_EQ(types("[method]fields.set",
                  {Val::borrow(rep), Val::string("x-a"), Val::list({Val::bytes(std::string("3"))})})
                .caseIndex(),
            0U);
  EXPECT_EQ(types("[method]fields.get", {Val::borrow(rep), Val::string("x-a")}).listSize(), 1U);
  EXPECT_EQ(types("[method]fields.delete", {Val::borrow(rep), Val::string("x-a")}).caseIndex(), 0U);
  EXPECT_FALSE(types("[method]fields.has", {Val::borrow(rep), Val::string("x-a")}).asBool());
}

TEST_F(HttpHostTest, FieldsRefuseBadSyntaxAndForbiddenNames) {
  auto refused = [this](const std::string& name, const std::string& value) {
    Val made = types("[static]fields.from-list", {Val::list({entry(name, value)})});
    return made.caseIndex() == 1 ? made.payload()->caseIndex() : 99U;
  };
  EXPECT_EQ(refused("bad name", "v"), kInvalidSyntax);
  EXPECT_EQ(refused("", "v"), kInvalidSyntax);
  EXPECT_EQ(refused("x-ok", "bad\nvalue"), kInvalidSyntax);
  EXPECT_EQ(refused("x-ok", std::string("nul\0", 4)), kInvalidSyntax);
  for (const char* name :
       {"Connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
        "transfer-encoding", "upgrade", "host", "http2-settings"})
    EXPECT_EQ(refused(name, "x"), kForbidden) << name;
  EXPECT_EQ(types("[static]fields.from-list", {Val::list({entry("x-ok", "a\tb")})}).caseIndex(),
            0U);

  const std::uint32_t rep = fields({});
  auto appended = [&](const std::string& name, const std::string& value) {
    Val result =
        types("[method]fields.append", {Val::borrow(rep), Val::string(name), Val::bytes(value)});
    return result.caseIndex() == 1 ? result.payload()->caseIndex() : 99U;
  };
  EXPECT_EQ(appended("Connection", "close"), kForbidden);
  EXPECT_EQ(appended("x y", "1"), kInvalidSyntax);
  EXPECT_EQ(appended("x-ok", "line\r\nbreak"), kInvalidSyntax);
  EXPECT_EQ(appended("x-ok", "fine"), 99U);
}

TEST_F(HttpHostTest, AMessagesOwnHeadersAreImmutableAndItsClonesAreNot) {
  const std::uint32_t headers = fields({entry("x-a", "1")});
  Val response = types("[constructor]outgoing-response", {Val::own(headers)});
  Val own = types("[method]outgoing-response.headers", {Val::borrow(response.rep())});
  Val result = types("[method]fields.append",
                     {Val::borrow(own.rep()), Val::string("x-b"), Val::bytes(std::string("2"))});
  ASSERT_EQ(result.caseIndex(), 1U);
  EXPECT_EQ(result.payload()->caseIndex(), kImmutable);
  Val copy = types("[method]fields.clone", {Val::borrow(own.rep())});
  EXPECT_EQ(types("[method]fields.append",
                  {Val::borrow(copy.rep()), Val::string("x-b"), Val::bytes(std::string("2"))})
                .caseIndex(),
            0U);
  // The fields handed to the constructor were consumed.
  EXPECT_FALSE(call("wasi:http/types@0.2.10", "[method]fields.entries", {Val::borrow(headers)}));
}

TEST_F(HttpHostTest, StatusCodesAreFinalOnes) {
  Val response = types("[constructor]outgoing-response", {Val::own(fields({}))});
  for (const std::uint32_t status : {100U, 199U, 1000U})
    EXPECT_EQ(types("[method]outgoing-response.set-status-code",
                    {Val::borrow(response.rep()), Val::u16(static_cast<std::uint16_t>(status))})
                  .caseIndex(),
              1U)
        << status;
  EXPECT_EQ(types("[method]outgoing-response.set-status-code",
                  {Val::borrow(response.rep()), Val::u16(418)})
                .caseIndex(),
            0U);
  EXPECT_EQ(types("[method]outgoing-response.status-code", {Val::borrow(response.rep())}).asU32(),
            418U);
}

TEST_F(HttpHostTest, OutgoingRequestsNeedAGrantedAuthority) {
  Val request = types("[constructor]outgoing-request", {Val::own(fields({}))});
  EXPECT_EQ(types("[method]outgoing-request.set-authority",
                  {Val::borrow(request.rep()), Val::some(Val::string("bad host/x"))})
                .caseIndex(),
            1U);
  EXPECT_EQ(types("[method]outgoing-request.set-authority",
                  {Val::borrow(request.rep()), Val::some(Val::string("example.com:8080"))})
                .caseIndex(),
            0U);
  auto handled =
      call("wasi:http/outgoing-handler@0.2.10", "handle", {Val::own(request.rep()), Val::none()});
  ASSERT_TRUE(handled) << handled.error().describe();
  ASSERT_EQ((*handled)->caseIndex(), 1U);
  // error-code HTTP-request-denied
  EXPECT_EQ((*handled)->payload()->caseIndex(), 15U);
}

TEST_F(HttpHostTest, ADroppedUnfinishedBodyFailsTheMessage) {
  Val response = types("[constructor]outgoing-response", {Val::own(fields({}))});
  Val body = types("[method]outgoing-response.body", {Val::borrow(response.rep())});
  ASSERT_EQ(body.caseIndex(), 0U);
  // A second body is refused.
  EXPECT_EQ(types("[method]outgoing-response.body", {Val::borrow(response.rep())}).caseIndex(), 1U);
  auto* wasi = static_cast<wasi::WasiState*>(state_.get());
  const std::size_t before = wasi->objectCount();
  for (const auto& resource : HttpHost::host()->find("wasi:http/types@0.2.10")->resources()) {
    if (resource.name == "outgoing-body")
      resource.destructor(*state_, body.payload()->rep());
  }
  EXPECT_EQ(wasi->objectCount(), before - 1);
}

TEST(BodyPipeTest, BoundsWhatItBuffersAndWakesEachSide) {
  BodyPipe pipe(8);
  int readable = 0;
  int writable = 0;
  pipe.onReadable([&readable] { ++readable; });
  pipe.onWritable([&writable] { ++writable; });
  const std::string bytes = "0123456789";
  pipe.write({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  EXPECT_EQ(pipe.room(), 0U);
  EXPECT_EQ(readable, 1);
  BodyPipe::Read read = pipe.read(4);
  EXPECT_EQ(read.bytes, "0123");
  EXPECT_EQ(writable, 1);  // there was no room; now there is
  EXPECT_EQ(pipe.room(), 2U);
  EXPECT_EQ(pipe.read(100).bytes, "456789");
  EXPECT_EQ(pipe.read(100).status, BodyPipe::Read::Status::pending);
  pipe.finish(HttpFields{{"x-trailer", "1"}});
  EXPECT_EQ(pipe.read(100).status, BodyPipe::Read::Status::end);
  EXPECT_EQ(pipe.trailers()->front().first, "x-trailer");
  EXPECT_EQ(pipe.bytesWritten(), 10U);
}

TEST(BodyPipeTest, AFailureReachesTheReaderAndAClosedReaderDropsWrites) {
  BodyPipe pipe(8);
  pipe.fail({HttpErrorCode::connectionTerminated, std::nullopt, std::nullopt});
  EXPECT_EQ(pipe.read(1).status, BodyPipe::Read::Status::failed);
  EXPECT_EQ(pipe.error()->describe(), "connection-terminated");

  BodyPipe closed(4);
  closed.closeReader();
  const std::string bytes = "0123456789";
  closed.write({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
  EXPECT_GT(closed.room(), 0U);  // the writer drains without waiting
  EXPECT_EQ(closed.bytesWritten(), 10U);
}

TEST(HttpErrorTest, DescribesTheCaseAndItsPayload) {
  EXPECT_EQ(HttpError::internal("boom").describe(), "internal-error: boom");
  EXPECT_EQ((HttpError{HttpErrorCode::httpResponseBodySize, std::nullopt, 10}).describe(),
            "HTTP-response-body-size: 10");
  EXPECT_EQ((HttpError{HttpErrorCode::httpRequestDenied, std::nullopt, std::nullopt}).name(),
            "HTTP-request-denied");
}

}  // namespace
}  // namespace wasmesh::wasm::component::http
