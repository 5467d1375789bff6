"""h2spec's "generic" group: what any HTTP/2 server must accept and answer (44 cases).

The upstream behind the proxy answers GET and HEAD with 200 "hello from <path>\\n" and echoes
the body of a POST, so every "the server accepts this" case checks a complete 200 response
with the exact body, not just that some HEADERS frame came back."""

from h2build import (CANCEL, INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, encode_block, indexed,
                     literal, table_size_update)
from h2conn import CaseFailure, case

HELLO = b"hello from /\n"


# -- 1 Starting HTTP/2 ------------------------------------------------------------------------

@case("generic/1/1", "Sends a client connection preface")
def starting_preface(t):
    conn = t.connect()
    conn.handshake()  # the server's first frame is its SETTINGS, and ours are acknowledged
    conn.get(1)
    conn.expect_response(1, body=HELLO)


# -- 2 Streams and Multiplexing -----------------------------------------------------------------

@case("generic/2/1", "Sends a PRIORITY frame on idle stream")
def priority_on_idle(t):
    conn = t.open()
    conn.send(conn.priority(1, weight=255))
    conn.expect_alive()
    conn.get(1)
    conn.expect_response(1, body=HELLO)


@case("generic/2/2", "Sends a WINDOW_UPDATE frame on half-closed (remote) stream")
def window_update_half_closed(t):
    conn = t.open((INITIAL_WINDOW_SIZE, 0))  # no DATA until we open the stream's window
    conn.get(1)
    conn.send(conn.window_update(1, 1))
    conn.expect_data(1, 1)


@case("generic/2/3", "Sends a PRIORITY frame on half-closed (remote) stream")
def priority_half_closed(t):
    conn = t.open((INITIAL_WINDOW_SIZE, 0))
    conn.get(1)
    conn.send(conn.priority(1, weight=255), conn.window_update(1, 1))
    conn.expect_data(1, 1)


@case("generic/2/4", "Sends a RST_STREAM frame on half-closed (remote) stream")
def rst_stream_half_closed(t):
    conn = t.open()
    conn.get(1)
    conn.send(conn.rst(1, CANCEL))
    conn.expect_alive()


@case("generic/2/5", "Sends a PRIORITY frame on closed stream")
def priority_on_closed(t):
    conn = t.open()
    conn.get(1)
    conn.expect_response(1, body=HELLO)
    conn.send(conn.priority(1, weight=255))
    conn.expect_alive()


# -- 3.1 DATA ---------------------------------------------------------------------------------

@case("generic/3.1/1", "Sends a DATA frame")
def data_frame(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.data(1, b"test"))
    conn.expect_response(1, body=b"test")


@case("generic/3.1/2", "Sends multiple DATA frames")
def data_frames(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.data(1, b"test", end_stream=False),
              conn.data(1, b"-and-", end_stream=False), conn.data(1, b"more"))
    conn.expect_response(1, body=b"test-and-more")


@case("generic/3.1/3", "Sends a DATA frame with padding")
def data_padded(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.data(1, b"test", pad_length=8))
    conn.expect_response(1, body=b"test")


# -- 3.2 HEADERS ------------------------------------------------------------------------------

@case("generic/3.2/1", "Sends a HEADERS frame")
def headers_frame(t):
    conn = t.open()
    conn.get(1)
    conn.expect_response(1, body=HELLO)


@case("generic/3.2/2", "Sends a HEADERS frame with padding")
def headers_padded(t):
    conn = t.open()
    conn.send(conn.headers(1, pad_length=8))
    conn.expect_response(1, body=HELLO)


@case("generic/3.2/3", "Sends a HEADERS frame with priority")
def headers_priority(t):
    conn = t.open()
    conn.send(conn.headers(1, depends_on=0, stream_weight=255, exclusive=False))
    conn.expect_response(1, body=HELLO)


# -- 3.3 PRIORITY -----------------------------------------------------------------------------

@case("generic/3.3/1", "Sends a PRIORITY frame with priority 1")
def priority_weight_1(t):
    conn = t.open()
    conn.send(conn.priority(1, weight=0))  # the field is the weight minus one
    conn.get(1)
    conn.expect_response(1, body=HELLO)


@case("generic/3.3/2", "Sends a PRIORITY frame with priority 256")
def priority_weight_256(t):
    conn = t.open()
    conn.send(conn.priority(1, weight=255))
    conn.get(1)
    conn.expect_response(1, body=HELLO)


@case("generic/3.3/3", "Sends a PRIORITY frame with stream dependency")
def priority_dependency(t):
    conn = t.open()
    conn.get(1)
    conn.send(conn.priority(3, depends_on=1, weight=10))
    conn.get(3)
    conn.expect_response(1, body=HELLO)
    conn.expect_response(3, body=HELLO)


@case("generic/3.3/4", "Sends a PRIORITY frame with exclusive")
def priority_exclusive(t):
    conn = t.open()
    conn.get(1)
    conn.send(conn.priority(3, depends_on=1, weight=10, exclusive=True))
    conn.get(3)
    conn.expect_response(1, body=HELLO)
    conn.expect_response(3, body=HELLO)


@case("generic/3.3/5",
      "Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID")
def priority_idle_then_lower(t):
    conn = t.open()
    conn.send(conn.priority(3, weight=10))  # PRIORITY does not open stream 3 (RFC 9113 5.1.1)
    conn.get(1)
    conn.expect_response(1, body=HELLO)


# -- 3.4 RST_STREAM ---------------------------------------------------------------------------

@case("generic/3.4/1", "Sends a RST_STREAM frame")
def rst_stream(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.rst(1, CANCEL))
    conn.expect_alive()
    conn.get(3)
    conn.expect_response(3, body=HELLO)


# -- 3.5 SETTINGS -----------------------------------------------------------------------------

@case("generic/3.5/1", "Sends a SETTINGS frame")
def settings_frame(t):
    conn = t.open()
    conn.send(conn.settings((INITIAL_WINDOW_SIZE, 65535), (MAX_FRAME_SIZE, 16384)))
    conn.expect_settings_ack()


# -- 3.7 PING ---------------------------------------------------------------------------------

@case("generic/3.7/1", "Sends a PING frame")
def ping_frame(t):
    conn = t.open()
    conn.send(conn.ping(b"generic!"))
    conn.expect_ping_ack(b"generic!")


# -- 3.8 GOAWAY -------------------------------------------------------------------------------

@case("generic/3.8/1", "Sends a GOAWAY frame")
def goaway_frame(t):
    conn = t.open()
    conn.send(conn.goaway(0))
    conn.expect_close()


# -- 3.9 WINDOW_UPDATE ------------------------------------------------------------------------

@case("generic/3.9/1", "Sends a WINDOW_UPDATE frame with stream ID 0")
def window_update_connection(t):
    conn = t.open()
    conn.send(conn.window_update(0, 1))
    conn.expect_alive()
    conn.get(1)
    conn.expect_response(1, body=HELLO)


@case("generic/3.9/2", "Sends a WINDOW_UPDATE frame with stream ID 1")
def window_update_stream(t):
    conn = t.open((INITIAL_WINDOW_SIZE, 0))
    conn.get(1)
    conn.send(conn.window_update(1, 1))
    conn.expect_data(1, 1)


# -- 3.10 CONTINUATION ------------------------------------------------------------------------

@case("generic/3.10/1", "Sends a CONTINUATION frame")
def continuation_frame(t):
    conn = t.open()
    block = conn.block(extra=[("x-dummy", "a" * 40)])
    conn.send(conn.headers(1, block[:10], end_headers=False), conn.continuation(1, block[10:]))
    conn.expect_response(1, body=HELLO)


@case("generic/3.10/2", "Sends multiple CONTINUATION frames")
def continuation_frames(t):
    conn = t.open()
    block = conn.block(extra=[(f"x-dummy{i}", "b" * 30) for i in range(4)])
    pieces = [block[i:i + 20] for i in range(0, len(block), 20)]
    assert 3 <= len(pieces) <= 8, len(pieces)
    frames = [conn.headers(1, pieces[0], end_headers=False)]
    frames += [conn.continuation(1, p, end_headers=False) for p in pieces[1:-1]]
    frames.append(conn.continuation(1, pieces[-1]))
    conn.send(*frames)
    conn.expect_response(1, body=HELLO)


# -- 4 HTTP Message Exchanges -----------------------------------------------------------------

@case("generic/4/1", "Sends a GET request")
def get_request(t):
    conn = t.open()
    conn.get(1)
    conn.expect_response(1, body=HELLO)


@case("generic/4/2", "Sends a HEAD request")
def head_request(t):
    conn = t.open()
    conn.send(conn.headers(1, conn.block("HEAD")))
    fields, _ = conn.expect_response(1, body=b"")
    if fields.get("content-length") != str(len(HELLO)):
        raise CaseFailure(f"HEAD: content-length {fields.get('content-length')!r}, expected "
                          f"{len(HELLO)} (the GET's)")


@case("generic/4/3", "Sends a POST request")
def post_request(t):
    conn = t.open()
    conn.send(conn.headers(1, conn.block("POST", extra=[("content-length", "9")]),
                           end_stream=False), conn.data(1, b"post body"))
    conn.expect_response(1, body=b"post body")


@case("generic/4/4", "Sends a POST request with trailers")
def post_with_trailers(t):
    conn = t.open()
    trailers = encode_block([("x-trailer", "done")])
    conn.send(conn.post_headers(1, extra=[("te", "trailers")]),
              conn.data(1, b"with trailers", end_stream=False), conn.headers(1, trailers))
    conn.expect_response(1, body=b"with trailers")


# -- 5 HPACK ----------------------------------------------------------------------------------
# Each request is GET / written with one representation of RFC 7541 section 6 on purpose; the
# pseudo-header fields are static-table entries (2 :method GET, 6 :scheme http, 4 :path /) and
# :authority is a literal with the static name 1.

def hpack_request(t, *extra_fields, prefix=b""):
    conn = t.open()
    block = (prefix + indexed(2) + indexed(6) + indexed(4)
             + literal(1, conn.authority) + b"".join(extra_fields))
    conn.send(conn.headers(1, block))
    conn.expect_response(1, body=HELLO)


USER_AGENT = 58  # static table: user-agent


@case("generic/5/1", "Sends a indexed header field representation")
def hpack_indexed(t):
    hpack_request(t, indexed(16))  # accept-encoding: gzip, deflate


@case("generic/5/2",
      "Sends a literal header field with incremental indexing - indexed name")
def hpack_incremental_indexed_name(t):
    hpack_request(t, literal(USER_AGENT, "h2spec", "incremental"))


@case("generic/5/3",
      "Sends a literal header field with incremental indexing - indexed name (with Huffman coding)")
def hpack_incremental_indexed_name_huffman(t):
    hpack_request(t, literal(USER_AGENT, "h2spec", "incremental", use_huffman=True))


@case("generic/5/4", "Sends a literal header field with incremental indexing - new name")
def hpack_incremental_new_name(t):
    hpack_request(t, literal("x-h2spec", "test", "incremental"))


@case("generic/5/5",
      "Sends a literal header field with incremental indexing - new name (with Huffman coding)")
def hpack_incremental_new_name_huffman(t):
    hpack_request(t, literal("x-h2spec", "test", "incremental", use_huffman=True))


@case("generic/5/6", "Sends a literal header field without indexing - indexed name")
def hpack_without_indexed_name(t):
    hpack_request(t, literal(USER_AGENT, "h2spec", "without"))


@case("generic/5/7",
      "Sends a literal header field without indexing - indexed name (with Huffman coding)")
def hpack_without_indexed_name_huffman(t):
    hpack_request(t, literal(USER_AGENT, "h2spec", "without", use_huffman=True))


@case("generic/5/8", "Sends a literal header field without indexing - new name")
def hpack_without_new_name(t):
    hpack_request(t, literal("x-h2spec", "test", "without"))


@case("generic/5/9", "Sends a literal header field without indexing - new name (huffman encoded)")
def hpack_without_new_name_huffman(t):
    hpack_request(t, literal("x-h2spec", "test", "without", use_huffman=True))


@case("generic/5/10", "Sends a literal header field never indexed - indexed name")
def hpack_never_indexed_name(t):
    hpack_request(t, literal(USER_AGENT, "h2spec", "never"))


@case("generic/5/11", "Sends a literal header field never indexed - indexed name (huffman encoded)")
def hpack_never_indexed_name_huffman(t):
    hpack_request(t, literal(USER_AGENT, "h2spec", "never", use_huffman=True))


@case("generic/5/12", "Sends a literal header field never indexed - new name")
def hpack_never_new_name(t):
    hpack_request(t, literal("x-h2spec", "test", "never"))


@case("generic/5/13", "Sends a literal header field never indexed - new name (huffman encoded)")
def hpack_never_new_name_huffman(t):
    hpack_request(t, literal("x-h2spec", "test", "never", use_huffman=True))


@case("generic/5/14", "Sends a dynamic table size update")
def hpack_size_update(t):
    hpack_request(t, prefix=table_size_update(256))


@case("generic/5/15", "Sends multiple dynamic table size update")
def hpack_size_updates(t):
    # RFC 7541 4.2: several updates may start a block; the smallest comes first.
    hpack_request(t, prefix=table_size_update(0) + table_size_update(4096))

