"""h2spec's "http2" group, sections 3.5 to 5.5: the preface, frame format and size, header
compression as a connection matter, stream states, identifiers and concurrency, stream
dependencies, connection error handling, extensions (33 cases)."""

from h2build import (CANCEL, COMPRESSION_ERROR, END_HEADERS, END_STREAM, FRAME_SIZE_ERROR,
                     HEADERS, INITIAL_WINDOW_SIZE, MAX_CONCURRENT_STREAMS, MAX_FRAME_SIZE, PING,
                     PROTOCOL_ERROR, REFUSED_STREAM, STREAM_CLOSED, encode_block, literal,
                     raw_frame)
from h2conn import NotApplicable, case

HELLO = b"hello from /\n"


def max_frame_size(conn):
    return conn.server_settings.get(MAX_FRAME_SIZE, 16384)


# -- 3.5 HTTP/2 Connection Preface ------------------------------------------------------------

@case("http2/3.5/1", "Sends client connection preface")
def preface(t):
    conn = t.connect()
    conn.handshake()  # the server's SETTINGS first, then the ACK of ours
    conn.expect_alive()


@case("http2/3.5/2", "Sends invalid connection preface")
def invalid_preface(t):
    # On a port hinted HTTP/2 the codec reads the preface itself: detection would (rightly)
    # take these bytes for something else and relay them untouched.
    conn = t.connect(hinted=True)
    conn.send(b"INVALID CONNECTION PREFACE\r\n\r\n")
    conn.expect_connection_error(PROTOCOL_ERROR)


# -- 4.1 Frame Format -------------------------------------------------------------------------

@case("http2/4.1/1", "Sends a frame with unknown type")
def unknown_type(t):
    conn = t.open()
    conn.send(conn.extension(0x16, 0, body=b"unknown frame type"))
    conn.expect_alive()


@case("http2/4.1/2", "Sends a frame with undefined flag")
def undefined_flag(t):
    conn = t.open()
    conn.send(raw_frame(PING, 0xfe, 0, b"flagged!"))  # every flag but ACK
    conn.expect_ping_ack(b"flagged!")


@case("http2/4.1/3", "Sends a frame with reserved field bit")
def reserved_bit(t):
    conn = t.open()
    conn.send(raw_frame(HEADERS, END_STREAM | END_HEADERS, 0x80000001, conn.block()))
    conn.expect_response(1, body=HELLO)


# -- 4.2 Frame Size ---------------------------------------------------------------------------

@case("http2/4.2/1", "Sends a DATA frame with 2^14 octets in length")
def data_max_size(t):
    conn = t.open()
    payload = bytes(range(256)) * 64
    assert len(payload) == 16384
    conn.send(conn.headers(1, conn.block("POST", extra=[("content-length", "16384")]),
                           end_stream=False), conn.data(1, payload))
    conn.expect_response(1, body=payload)


@case("http2/4.2/2", "Sends a large size DATA frame that exceeds the SETTINGS_MAX_FRAME_SIZE")
def data_too_large(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.data(1, b"x" * (max_frame_size(conn) + 1)))
    conn.expect_stream_error(1, FRAME_SIZE_ERROR)


@case("http2/4.2/3",
      "Sends a large size HEADERS frame that exceeds the SETTINGS_MAX_FRAME_SIZE")
def headers_too_large(t):
    conn = t.open()
    limit = max_frame_size(conn)
    base = conn.block()
    size = limit - 64
    while len(base + literal("x-dummy", "x" * size)) < limit + 1:
        size += 1
    block = base + literal("x-dummy", "x" * size)
    assert len(block) == limit + 1, len(block)
    conn.send(conn.headers(1, block))
    conn.expect_connection_error(FRAME_SIZE_ERROR)


# -- 4.3 Header Compression and Decompression -------------------------------------------------

@case("http2/4.3/1", "Sends invalid header block fragment")
def invalid_block(t):
    conn = t.open()
    # A literal whose name claims 10 octets where the block has 4 left.
    conn.send(conn.headers(1, conn.block() + b"\x40\x0ax-te"))
    conn.expect_connection_error(COMPRESSION_ERROR)


@case("http2/4.3/2", "Sends a PRIORITY frame while sending the header blocks")
def priority_inside_block(t):
    conn = t.open()
    block = conn.block()
    conn.send(conn.headers(1, block[:5], end_headers=False), conn.priority(1, weight=10),
              conn.continuation(1, block[5:]))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/4.3/3", "Sends a HEADERS frame to another stream while sending the header blocks")
def headers_inside_block(t):
    conn = t.open()
    block = conn.block()
    conn.send(conn.headers(1, block[:5], end_headers=False), conn.headers(3, block),
              conn.continuation(1, block[5:]))
    conn.expect_connection_error(PROTOCOL_ERROR)


# -- 5.1 Stream States ------------------------------------------------------------------------

@case("http2/5.1/1", "idle: Sends a DATA frame")
def idle_data(t):
    conn = t.open()
    conn.send(conn.data(1, b"test"))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/5.1/2", "idle: Sends a RST_STREAM frame")
def idle_rst(t):
    conn = t.open()
    conn.send(conn.rst(1, CANCEL))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/5.1/3", "idle: Sends a WINDOW_UPDATE frame")
def idle_window_update(t):
    conn = t.open()
    conn.send(conn.window_update(1, 100))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/5.1/4", "idle: Sends a CONTINUATION frame")
def idle_continuation(t):
    conn = t.open()
    conn.send(conn.continuation(1, conn.block()))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/5.1/5", "half closed (remote): Sends a DATA frame")
def half_closed_data(t):
    conn = t.open()
    conn.send(conn.headers(1), conn.data(1, b"test"))
    conn.expect_stream_error(1, STREAM_CLOSED)


@case("http2/5.1/6", "half closed (remote): Sends a HEADERS frame")
def half_closed_headers(t):
    conn = t.open()
    conn.send(conn.headers(1), conn.headers(1))
    conn.expect_stream_error(1, STREAM_CLOSED)


@case("http2/5.1/7", "half closed (remote): Sends a CONTINUATION frame")
def half_closed_continuation(t):
    conn = t.open()
    block = conn.block()
    conn.send(conn.headers(1, block), conn.continuation(1, block))
    # A CONTINUATION after a complete block is also a connection error (RFC 9113 6.10).
    conn.expect_stream_error(1, STREAM_CLOSED, PROTOCOL_ERROR)


@case("http2/5.1/8", "closed: Sends a DATA frame after sending RST_STREAM frame")
def closed_after_rst_data(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.rst(1, CANCEL), conn.data(1, b"test"))
    conn.expect_stream_error(1, STREAM_CLOSED)


@case("http2/5.1/9", "closed: Sends a HEADERS frame after sending RST_STREAM frame")
def closed_after_rst_headers(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.rst(1, CANCEL), conn.headers(1))
    # h2spec (RFC 7540 5.1): a stream error STREAM_CLOSED. RFC 9113 5.1 and 5.1.1 make it a
    # connection error instead (STREAM_CLOSED, or PROTOCOL_ERROR for a reused stream id).
    conn.expect_stream_error(1, STREAM_CLOSED, PROTOCOL_ERROR)


@case("http2/5.1/10", "closed: Sends a CONTINUATION frame after sending RST_STREAM frame")
def closed_after_rst_continuation(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.rst(1, CANCEL),
              conn.continuation(1, encode_block([("x-dummy", "1")])))
    conn.expect_stream_error(1, STREAM_CLOSED, PROTOCOL_ERROR)


def closed_stream(t):
    """A connection whose stream 1 ran to its end both ways."""
    conn = t.open()
    conn.get(1)
    conn.expect_stream_end(1)
    return conn


@case("http2/5.1/11", "closed: Sends a DATA frame")
def closed_data(t):
    conn = closed_stream(t)
    conn.send(conn.data(1, b"test"))
    # h2spec wants a connection error (RFC 7540 5.1); RFC 9113 6.1 asks for a stream error
    # of the same type: either is accepted.
    conn.expect_stream_error(1, STREAM_CLOSED)


@case("http2/5.1/12", "closed: Sends a HEADERS frame")
def closed_headers(t):
    conn = closed_stream(t)
    conn.send(conn.headers(1))
    # RFC 7540 5.1 (h2spec): STREAM_CLOSED; RFC 9113 5.1.1: stream ids cannot be reused, an
    # unexpected one is a connection error PROTOCOL_ERROR.
    conn.expect_connection_error(STREAM_CLOSED, PROTOCOL_ERROR)


@case("http2/5.1/13", "closed: Sends a CONTINUATION frame")
def closed_continuation(t):
    conn = closed_stream(t)
    conn.send(conn.continuation(1, encode_block([("x-dummy", "1")])))
    conn.expect_connection_error(STREAM_CLOSED, PROTOCOL_ERROR)


# -- 5.1.1 Stream Identifiers -----------------------------------------------------------------

@case("http2/5.1.1/1", "Sends even-numbered stream identifier")
def even_stream_id(t):
    conn = t.open()
    conn.get(2)
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/5.1.1/2",
      "Sends stream identifier that is numerically smaller than previous")
def smaller_stream_id(t):
    conn = t.open()
    conn.get(5)
    conn.get(3)
    conn.expect_connection_error(PROTOCOL_ERROR)


# -- 5.1.2 Stream Concurrency -----------------------------------------------------------------

@case("http2/5.1.2/1",
      "Sends HEADERS frames that causes their advertised concurrent stream limit to be exceeded")
def concurrency_exceeded(t):
    conn = t.open((INITIAL_WINDOW_SIZE, 0))  # no response can finish: every stream stays open
    limit = conn.server_settings.get(MAX_CONCURRENT_STREAMS)
    if limit is None:
        raise NotApplicable("the server does not advertise SETTINGS_MAX_CONCURRENT_STREAMS")
    block = conn.block()
    # One write, so the server reads them all before any response could close a stream.
    conn.send(*[conn.headers(1 + 2 * i, block) for i in range(limit + 1)])
    conn.expect_stream_error(1 + 2 * limit, PROTOCOL_ERROR, REFUSED_STREAM)


# -- 5.3.1 Stream Dependencies ----------------------------------------------------------------
# RFC 7540 5.3.1 (h2spec): "A stream cannot depend on itself. An endpoint MUST treat this as a
# stream error of type PROTOCOL_ERROR." RFC 9113 deprecates RFC 7540's priority signals and
# dropped that rule (its 5.3.1 is only background; 6.2 and 6.3 keep the fields, the stream 0
# and length rules): a server that ignores the priority fields, as one that advertises
# SETTINGS_NO_RFC7540_PRIORITIES does, may just serve the request. Either reaction passes;
# anything else (another error code, a broken response) fails.

@case("http2/5.3.1/1", "Sends HEADERS frame that depends on itself")
def headers_self_dependency(t):
    conn = t.open()
    conn.send(conn.headers(1, conn.block("POST"), end_stream=False, depends_on=1,
                           stream_weight=10), conn.data(1, b"self"))
    conn.expect_stream_error_or_response(1, (PROTOCOL_ERROR,), b"self")


@case("http2/5.3.1/2", "Sends PRIORITY frame that depend on itself")
def priority_self_dependency(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.priority(1, depends_on=1, weight=10),
              conn.data(1, b"self"))
    conn.expect_stream_error_or_response(1, (PROTOCOL_ERROR,), b"self")


# -- 5.4.1 Connection Error Handling ----------------------------------------------------------

INVALID_PING = raw_frame(PING, 0, 3, b"\x00" * 8)  # on a stream: PROTOCOL_ERROR (6.7)


@case("http2/5.4.1/1", "Sends an invalid PING frame for connection close")
def connection_error_closes(t):
    conn = t.open()
    conn.send(INVALID_PING)
    conn.expect_close(goaway_codes=(PROTOCOL_ERROR,))


@case("http2/5.4.1/2", "Sends an invalid PING frame to receive GOAWAY frame")
def connection_error_goaway(t):
    conn = t.open()
    conn.send(INVALID_PING)
    conn.expect_goaway(PROTOCOL_ERROR)


# -- 5.5 Extending HTTP/2 ---------------------------------------------------------------------

@case("http2/5.5/1", "Sends an unknown extension frame")
def unknown_extension(t):
    conn = t.open()
    conn.send(conn.extension(0xfa, 0, flags=0xff, body=b"extension"))
    conn.expect_alive()
    conn.get(1)
    conn.expect_response(1, body=HELLO)


@case("http2/5.5/2", "Sends an unknown extension frame in the middle of a header block")
def extension_inside_block(t):
    conn = t.open()
    block = conn.block()
    conn.send(conn.headers(1, block[:5], end_headers=False),
              conn.extension(0xfa, 0, body=b"extension"), conn.continuation(1, block[5:]))
    conn.expect_connection_error(PROTOCOL_ERROR)

