#include <gtest/gtest.h>

#include "Http2FieldList.h"
#include "Http2HeaderBlock.h"

namespace wasmesh::proxy::http {
namespace {

Http2HeaderBlock block(std::initializer_list<std::pair<const char*, const char*>> fields,
                       std::size_t maxBytes = 64 * 1024, std::size_t maxCount = 100) {
  Http2HeaderBlock made(maxBytes, maxCount);
  for (const auto& [name, value] : fields)
    EXPECT_TRUE(made.add(name, value)) << name;
  return made;
}

TEST(Http2HeaderBlock, RequestFromPseudoHeaders) {
  auto request = block({{":method", "POST"},
                        {":scheme", "https"},
                        {":authority", "web.test"},
                        {":path", "/a?b"},
                        {"content-length", "12"},
                        {"cookie", "a=1"},
                        {"expect", "100-Continue"},
                        {"cookie", "b=2"},
                        {"te", "trailers"}})
                     .toRequest(false);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->method, "POST");
  EXPECT_EQ(request->scheme, "https");
  EXPECT_EQ(request->authority, "web.test");
  EXPECT_EQ(request->path, "/a?b");
  EXPECT_EQ(request->version, Version::http2);
  EXPECT_EQ(request->contentLength, 12U);
  EXPECT_TRUE(request->hasBody);
  EXPECT_TRUE(request->expectContinue);
  EXPECT_EQ(request->headers.get("cookie"), "a=1; b=2") << "RFC 9113 section 8.2.3";
  EXPECT_EQ(request->headers.count("cookie"), 1U);
  EXPECT_EQ(request->headers.get("te"), "trailers");
}

TEST(Http2HeaderBlock, HostStandsInForAMissingAuthority) {
  auto request =
      block({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"host", "h.test"}})
          .toRequest(true);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->authority, "h.test");
  EXPECT_FALSE(request->headers.contains("host"));
  EXPECT_FALSE(request->hasBody);
}

TEST(Http2HeaderBlock, Connect) {
  auto request = block({{":method", "CONNECT"}, {":authority", "db.test:5432"}}).toRequest(false);
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->authority, "db.test:5432");
  EXPECT_EQ(request->path, "db.test:5432");
  EXPECT_TRUE(request->scheme.empty());
  EXPECT_FALSE(
      block({{":method", "CONNECT"}, {":authority", "x:1"}, {":scheme", "http"}}).toRequest(false));
  EXPECT_FALSE(block({{":method", "CONNECT"}}).toRequest(false));
}

TEST(Http2HeaderBlock, MalformedRequests) {
  EXPECT_FALSE(block({{":scheme", "http"}, {":path", "/"}}).toRequest(true)) << "no method";
  EXPECT_FALSE(block({{":method", "GET"}, {":path", "/"}}).toRequest(true)) << "no scheme";
  EXPECT_FALSE(block({{":method", "GET"}, {":scheme", "http"}}).toRequest(true)) << "no path";
  EXPECT_FALSE(block({{":method", "GET"}, {":scheme", "http"}, {":path", "x"}}).toRequest(true));
  EXPECT_FALSE(block({{":method", "GET"}, {":scheme", "http"}, {":path", "*"}}).toRequest(true));
  EXPECT_TRUE(block({{":method", "OPTIONS"}, {":scheme", "http"}, {":path", "*"}}).toRequest(true));
  EXPECT_FALSE(block({{":method", "G T"}, {":scheme", "http"}, {":path", "/"}}).toRequest(true));
  EXPECT_FALSE(block({{":method", "GET"},
                      {":scheme", "http"},
                      {":path", "/"},
                      {":authority", "a.test"},
                      {"host", "b.test"}})
                   .toRequest(true));
  EXPECT_TRUE(block({{":method", "GET"},
                     {":scheme", "http"},
                     {":path", "/"},
                     {":authority", "a.test"},
                     {"host", "A.TEST"}})
                  .toRequest(true));
  EXPECT_FALSE(
      block({{":method", "GET"}, {":scheme", "http"}, {":path", "/"}, {"content-length", "-1"}})
          .toRequest(true));
}

TEST(Http2HeaderBlock, Response) {
  auto response = block({{":status", "204"}, {"server", "up"}}).toResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 204U);
  EXPECT_EQ(response->headers.get("server"), "up");
  EXPECT_FALSE(block({{":status", "20"}}).toResponse());
  EXPECT_FALSE(block({{":status", "2000"}}).toResponse());
  EXPECT_FALSE(block({{":status", "099"}}).toResponse());
  EXPECT_FALSE(block({{"server", "no status"}}).toResponse());
}

TEST(Http2HeaderBlock, LimitsDropTheRest) {
  Http2HeaderBlock bySize(100, 100);
  EXPECT_TRUE(bySize.add("a", std::string(30, 'x')));  // 1 + 30 + 32 = 63
  EXPECT_FALSE(bySize.add("b", std::string(30, 'x')));
  EXPECT_TRUE(bySize.overLimit());
  EXPECT_FALSE(bySize.add("c", "1")) << "once over, always over";
  Http2HeaderBlock byCount(64 * 1024, 2);
  EXPECT_TRUE(byCount.add("a", "1"));
  EXPECT_TRUE(byCount.add("b", "1"));
  EXPECT_FALSE(byCount.add("c", "1"));
}

std::vector<std::pair<std::string, std::string>> fieldsOf(const Http2FieldList& list) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& nv = list.data()[i];
    out.emplace_back(std::string(reinterpret_cast<const char*>(nv.name), nv.namelen),
                     std::string(reinterpret_cast<const char*>(nv.value), nv.valuelen));
  }
  return out;
}

TEST(Http2FieldList, RequestDropsWhatHttp2Forbids) {
  RequestHead head;
  head.method = "GET";
  head.scheme = "http";
  head.path = "/x";
  head.headers.add("host", "from-host.test");
  head.headers.add("connection", "close");
  head.headers.add("keep-alive", "5");
  head.headers.add("transfer-encoding", "chunked");
  head.headers.add("upgrade", "h2c");
  head.headers.add("te", "gzip");
  head.headers.add("bad", "line\r\nbreak");
  head.headers.add("accept", "*/*");
  const Http2FieldList list(head);
  const std::vector<std::pair<std::string, std::string>> expected{{":method", "GET"},
                                                                  {":scheme", "http"},
                                                                  {":authority", "from-host.test"},
                                                                  {":path", "/x"},
                                                                  {"accept", "*/*"}};
  EXPECT_EQ(fieldsOf(list), expected);
}

TEST(Http2FieldList, ResponseStatusAndNoContentLengthOn204) {
  ResponseHead head;
  head.status = 204;
  head.headers.add("content-length", "0");
  head.headers.add("x-a", "1");
  const std::vector<std::pair<std::string, std::string>> expected{{":status", "204"}, {"x-a", "1"}};
  EXPECT_EQ(fieldsOf(Http2FieldList(head)), expected);
  head.status = 200;
  EXPECT_EQ(fieldsOf(Http2FieldList(head)).size(), 3U);
}

}  // namespace
}  // namespace wasmesh::proxy::http
