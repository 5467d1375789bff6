"""h2spec's "http2" group, sections 7 and 8: unknown error codes, HTTP request framing, header
field rules (case, pseudo-header fields, connection-specific fields, request pseudo-header
fields, content-length) and server push (20 cases).

A malformed request (RFC 9113 8.1.1) is a stream error of type PROTOCOL_ERROR; where the
request head itself is malformed, the request must not reach the upstream either, so a
response on that stream fails the case (`no_response`)."""

from h2build import PROTOCOL_ERROR, encode_block, literal
from h2conn import case

HELLO = b"hello from /\n"


# -- 7 Error Codes ----------------------------------------------------------------------------

@case("http2/7/1", "Sends a GOAWAY frame with unknown error code")
def goaway_unknown_code(t):
    conn = t.open()
    conn.send(conn.goaway(0, code=0xff, debug=b""))
    conn.expect_close()  # as for any GOAWAY (generic/3.8/1): no error of its own


@case("http2/7/2", "Sends a RST_STREAM frame with unknown error code")
def rst_unknown_code(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.rst(1, 0xff))
    conn.expect_alive()
    conn.get(3)
    conn.expect_response(3, body=HELLO)


# -- 8.1 HTTP Request/Response Exchange -------------------------------------------------------

@case("http2/8.1/1", "Sends a second HEADERS frame without the END_STREAM flag")
def second_headers_without_end_stream(t):
    conn = t.open()
    trailers = encode_block([("x-trailer", "not the last")])
    conn.send(conn.post_headers(1), conn.data(1, b"test", end_stream=False),
              conn.headers(1, trailers, end_stream=False))
    conn.expect_stream_error(1, PROTOCOL_ERROR)


# -- 8.1.2 HTTP Header Fields -----------------------------------------------------------------

def malformed(t, block):
    conn = t.open()
    conn.send(conn.headers(1, block))
    conn.expect_stream_error(1, PROTOCOL_ERROR, no_response=True)
    # A stream error leaves the connection serving (RFC 9113 5.4.2).
    conn.get(3)
    conn.expect_response(3, body=HELLO)


def request_fields(authority, method="GET", scheme="http", path="/"):
    return [(":method", method), (":scheme", scheme), (":path", path), (":authority", authority)]


@case("http2/8.1.2/1",
      "Sends a HEADERS frame that contains the header field name in uppercase letters")
def uppercase_name(t):
    block = encode_block(request_fields(t.authority)) + literal("X-TEST", "ok")
    malformed(t, block)


# -- 8.1.2.1 Pseudo-Header Fields -------------------------------------------------------------

@case("http2/8.1.2.1/1", "Sends a HEADERS frame that contains a unknown pseudo-header field")
def unknown_pseudo(t):
    malformed(t, encode_block(request_fields(t.authority) + [(":test", "ok")]))


@case("http2/8.1.2.1/2",
      "Sends a HEADERS frame that contains the pseudo-header field defined for response")
def response_pseudo(t):
    malformed(t, encode_block(request_fields(t.authority) + [(":status", "200")]))


@case("http2/8.1.2.1/3", "Sends a HEADERS frame that contains a pseudo-header field as trailers")
def pseudo_in_trailers(t):
    conn = t.open()
    trailers = encode_block([(":method", "POST"), ("x-trailer", "ok")])
    conn.send(conn.post_headers(1), conn.data(1, b"test", end_stream=False),
              conn.headers(1, trailers))
    conn.expect_stream_error(1, PROTOCOL_ERROR)


@case("http2/8.1.2.1/4",
      "Sends a HEADERS frame that contains a pseudo-header field that appears in a header block "
      "after a regular header field")
def pseudo_after_regular(t):
    fields = request_fields(t.authority)
    malformed(t, encode_block(fields[:3] + [("x-test", "ok")] + fields[3:]))


# -- 8.1.2.2 Connection-Specific Header Fields ------------------------------------------------

@case("http2/8.1.2.2/1",
      "Sends a HEADERS frame that contains the connection-specific header field")
def connection_specific(t):
    malformed(t, encode_block(request_fields(t.authority) + [("connection", "keep-alive")]))


@case("http2/8.1.2.2/2",
      "Sends a HEADERS frame that contains the TE header field with any value other than "
      "\"trailers\"")
def te_not_trailers(t):
    malformed(t, encode_block(request_fields(t.authority) + [("te", "trailers, deflate")]))


# -- 8.1.2.3 Request Pseudo-Header Fields -----------------------------------------------------

def without(fields, name):
    return [(n, v) for n, v in fields if n != name]


def doubled(fields, name):
    index = [n for n, _ in fields].index(name)
    return fields[:index + 1] + [fields[index]] + fields[index + 1:]


@case("http2/8.1.2.3/1", "Sends a HEADERS frame with empty \":path\" pseudo-header field")
def empty_path(t):
    malformed(t, encode_block(request_fields(t.authority, path="")))


@case("http2/8.1.2.3/2", "Sends a HEADERS frame that omits \":method\" pseudo-header field")
def no_method(t):
    malformed(t, encode_block(without(request_fields(t.authority), ":method")))


@case("http2/8.1.2.3/3", "Sends a HEADERS frame that omits \":scheme\" pseudo-header field")
def no_scheme(t):
    malformed(t, encode_block(without(request_fields(t.authority), ":scheme")))


@case("http2/8.1.2.3/4", "Sends a HEADERS frame that omits \":path\" pseudo-header field")
def no_path(t):
    malformed(t, encode_block(without(request_fields(t.authority), ":path")))


@case("http2/8.1.2.3/5", "Sends a HEADERS frame with duplicated \":method\" pseudo-header field")
def two_methods(t):
    malformed(t, encode_block(doubled(request_fields(t.authority), ":method")))


@case("http2/8.1.2.3/6", "Sends a HEADERS frame with duplicated \":scheme\" pseudo-header field")
def two_schemes(t):
    malformed(t, encode_block(doubled(request_fields(t.authority), ":scheme")))


@case("http2/8.1.2.3/7", "Sends a HEADERS frame with duplicated \":path\" pseudo-header field")
def two_paths(t):
    malformed(t, encode_block(doubled(request_fields(t.authority), ":path")))


# -- 8.1.2.6 Malformed Requests and Responses -------------------------------------------------

@case("http2/8.1.2.6/1",
      "Sends a HEADERS frame with the \"content-length\" header field which does not equal the "
      "DATA frame payload length")
def content_length_mismatch(t):
    conn = t.open()
    conn.send(conn.post_headers(1, extra=[("content-length", "1")]), conn.data(1, b"test"))
    conn.expect_stream_error(1, PROTOCOL_ERROR)


@case("http2/8.1.2.6/2",
      "Sends a HEADERS frame with the \"content-length\" header field which does not equal the "
      "sum of the multiple DATA frames payload length")
def content_length_sum_mismatch(t):
    conn = t.open()
    conn.send(conn.post_headers(1, extra=[("content-length", "8")]),
              conn.data(1, b"test", end_stream=False), conn.data(1, b"test", end_stream=False),
              conn.data(1, b"test"))
    conn.expect_stream_error(1, PROTOCOL_ERROR)


# -- 8.2 Server Push --------------------------------------------------------------------------

@case("http2/8.2/1", "Sends a PUSH_PROMISE frame")
def client_push_promise(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.push_promise(1, 2, conn.block()))
    conn.expect_connection_error(PROTOCOL_ERROR)

