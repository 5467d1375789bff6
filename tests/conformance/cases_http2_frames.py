"""h2spec's "http2" group, section 6: every frame type's rules, SETTINGS parameters and their
synchronisation, flow-control windows, CONTINUATION sequencing (42 cases).

Frames hyperframe refuses to build (stream 0 where a stream is required, wrong lengths, bad
padding) are written byte by byte with `raw_frame`."""

import struct

from h2build import (ACK, CANCEL, CONTINUATION, DATA, ENABLE_PUSH, END_HEADERS, END_STREAM,
                     FLOW_CONTROL_ERROR, FRAME_SIZE_ERROR, GOAWAY, HEADERS,
                     INITIAL_WINDOW_SIZE, MAX_FRAME_SIZE, PADDED, PING, PRIORITY, PROTOCOL_ERROR,
                     RST_STREAM, SETTINGS, STREAM_CLOSED, WINDOW_UPDATE, raw_frame,
                     settings_payload)
from h2conn import case

HELLO = b"hello from /\n"
PRIORITY_PAYLOAD = struct.pack(">IB", 0, 15)


# -- 6.1 DATA ---------------------------------------------------------------------------------

@case("http2/6.1/1", "Sends a DATA frame with 0x0 stream identifier")
def data_stream_0(t):
    conn = t.open()
    conn.send(raw_frame(DATA, END_STREAM, 0, b"test"))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.1/2",
      "Sends a DATA frame on the stream that is not in \"open\" or \"half-closed (local)\" state")
def data_not_open(t):
    conn = t.open()
    conn.send(conn.headers(1), conn.data(1, b"test"))
    conn.expect_stream_error(1, STREAM_CLOSED)


@case("http2/6.1/3", "Sends a DATA frame with invalid pad length")
def data_bad_padding(t):
    conn = t.open()
    # Pad Length 6 with 4 octets of data after it: the padding runs past the payload.
    conn.send(conn.post_headers(1), raw_frame(DATA, PADDED | END_STREAM, 1, b"\x06test"))
    conn.expect_connection_error(PROTOCOL_ERROR)


# -- 6.2 HEADERS ------------------------------------------------------------------------------

@case("http2/6.2/1", "Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame")
def headers_then_priority(t):
    conn = t.open()
    block = conn.block()
    conn.send(conn.headers(1, block[:5], end_headers=False), conn.priority(3, weight=10),
              conn.continuation(1, block[5:]))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.2/2", "Sends a HEADERS frame to another stream while sending a HEADERS frame")
def headers_then_headers(t):
    conn = t.open()
    block = conn.block()
    conn.send(conn.headers(1, block[:5], end_headers=False),
              conn.headers(3, block[:5], end_headers=False))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.2/3", "Sends a HEADERS frame with 0x0 stream identifier")
def headers_stream_0(t):
    conn = t.open()
    conn.send(raw_frame(HEADERS, END_STREAM | END_HEADERS, 0, conn.block()))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.2/4", "Sends a HEADERS frame with invalid pad length")
def headers_bad_padding(t):
    conn = t.open()
    block = conn.block()
    payload = bytes([len(block) + 1]) + block  # more padding than the payload holds
    conn.send(raw_frame(HEADERS, PADDED | END_STREAM | END_HEADERS, 1, payload))
    conn.expect_connection_error(PROTOCOL_ERROR)


# -- 6.3 PRIORITY -----------------------------------------------------------------------------

@case("http2/6.3/1", "Sends a PRIORITY frame with 0x0 stream identifier")
def priority_stream_0(t):
    conn = t.open()
    conn.send(raw_frame(PRIORITY, 0, 0, PRIORITY_PAYLOAD))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.3/2", "Sends a PRIORITY frame with a length other than 5 octets")
def priority_bad_length(t):
    conn = t.open()
    conn.send(conn.post_headers(1), raw_frame(PRIORITY, 0, 1, PRIORITY_PAYLOAD[:4]))
    conn.expect_stream_error(1, FRAME_SIZE_ERROR)


# -- 6.4 RST_STREAM ---------------------------------------------------------------------------

@case("http2/6.4/1", "Sends a RST_STREAM frame with 0x0 stream identifier")
def rst_stream_0(t):
    conn = t.open()
    conn.send(raw_frame(RST_STREAM, 0, 0, struct.pack(">I", CANCEL)))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.4/2", "Sends a RST_STREAM frame on a idle stream")
def rst_idle(t):
    conn = t.open()
    conn.send(conn.rst(1, CANCEL))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.4/3", "Sends a RST_STREAM frame with a length other than 4 octets")
def rst_bad_length(t):
    conn = t.open()
    conn.send(conn.post_headers(1), raw_frame(RST_STREAM, 0, 1, struct.pack(">I", CANCEL)[1:]))
    conn.expect_connection_error(FRAME_SIZE_ERROR)


# -- 6.5 SETTINGS -----------------------------------------------------------------------------

@case("http2/6.5/1", "Sends a SETTINGS frame with ACK flag and payload")
def settings_ack_with_payload(t):
    conn = t.open()
    conn.send(raw_frame(SETTINGS, ACK, 0, settings_payload((INITIAL_WINDOW_SIZE, 65535))))
    conn.expect_connection_error(FRAME_SIZE_ERROR)


@case("http2/6.5/2", "Sends a SETTINGS frame with a stream identifier other than 0x0")
def settings_on_stream(t):
    conn = t.open()
    conn.send(raw_frame(SETTINGS, 0, 1, settings_payload((INITIAL_WINDOW_SIZE, 65535))))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.5/3", "Sends a SETTINGS frame with a length other than a multiple of 6 octets")
def settings_bad_length(t):
    conn = t.open()
    conn.send(raw_frame(SETTINGS, 0, 0, settings_payload((INITIAL_WINDOW_SIZE, 65535))[:3]))
    conn.expect_connection_error(FRAME_SIZE_ERROR)


# -- 6.5.2 Defined SETTINGS Parameters --------------------------------------------------------

@case("http2/6.5.2/1", "SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1")
def settings_enable_push_2(t):
    conn = t.open()
    conn.send(conn.settings((ENABLE_PUSH, 2)))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.5.2/2",
      "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum flow control "
      "window size")
def settings_window_too_large(t):
    conn = t.open()
    conn.send(conn.settings((INITIAL_WINDOW_SIZE, 1 << 31)))
    conn.expect_connection_error(FLOW_CONTROL_ERROR)


@case("http2/6.5.2/3", "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value")
def settings_frame_size_too_small(t):
    conn = t.open()
    conn.send(conn.settings((MAX_FRAME_SIZE, 16383)))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.5.2/4",
      "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum allowed frame size")
def settings_frame_size_too_large(t):
    conn = t.open()
    conn.send(conn.settings((MAX_FRAME_SIZE, 1 << 24)))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.5.2/5", "Sends a SETTINGS frame with unknown identifier")
def settings_unknown_identifier(t):
    conn = t.open()
    conn.send(conn.settings((0xff, 1), (0xfa5e, 0xffffffff)))
    conn.expect_settings_ack()
    conn.get(1)
    conn.expect_response(1, body=HELLO)


# -- 6.5.3 Settings Synchronization -----------------------------------------------------------

@case("http2/6.5.3/1", "Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE")
def settings_processed_in_order(t):
    conn = t.open()
    conn.send(conn.settings((INITIAL_WINDOW_SIZE, 100), (INITIAL_WINDOW_SIZE, 1)))
    conn.expect_settings_ack()
    conn.get(1)
    conn.expect_data(1, 1)  # the last value counts


@case("http2/6.5.3/2", "Sends a SETTINGS frame without ACK flag")
def settings_acknowledged(t):
    conn = t.open()
    conn.send(conn.settings((ENABLE_PUSH, 0)))
    conn.expect_settings_ack()


# -- 6.7 PING ---------------------------------------------------------------------------------

@case("http2/6.7/1", "Sends a PING frame")
def ping(t):
    conn = t.open()
    conn.send(conn.ping(b"\x01\x02\x03\x04\x05\x06\x07\x08"))
    conn.expect_ping_ack(b"\x01\x02\x03\x04\x05\x06\x07\x08")


@case("http2/6.7/2", "Sends a PING frame with ACK")
def ping_ack_not_answered(t):
    conn = t.open()
    conn.send(conn.ping(b"unexpect", ack=True), conn.ping(b"expected"))
    conn.expect_ping_ack(b"expected")  # a PING ACK of "unexpect" first fails


@case("http2/6.7/3",
      "Sends a PING frame with a stream identifier field value other than 0x0")
def ping_on_stream(t):
    conn = t.open()
    conn.send(raw_frame(PING, 0, 1, b"\x00" * 8))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.7/4", "Sends a PING frame with a length field value other than 8")
def ping_bad_length(t):
    conn = t.open()
    conn.send(raw_frame(PING, 0, 0, b"\x00" * 6))
    conn.expect_connection_error(FRAME_SIZE_ERROR)


# -- 6.8 GOAWAY -------------------------------------------------------------------------------

@case("http2/6.8/1", "Sends a GOAWAY frame with a stream identifier other than 0x0")
def goaway_on_stream(t):
    conn = t.open()
    conn.send(raw_frame(GOAWAY, 0, 1, struct.pack(">II", 0, 0)))
    conn.expect_connection_error(PROTOCOL_ERROR)


# -- 6.9 WINDOW_UPDATE ------------------------------------------------------------------------

@case("http2/6.9/1",
      "Sends a WINDOW_UPDATE frame with a flow control window increment of 0")
def window_update_zero(t):
    conn = t.open()
    conn.send(conn.window_update(0, 0))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.9/2",
      "Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream")
def window_update_zero_on_stream(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.window_update(1, 0))
    conn.expect_stream_error(1, PROTOCOL_ERROR)


@case("http2/6.9/3", "Sends a WINDOW_UPDATE frame with a length other than 4 octets")
def window_update_bad_length(t):
    conn = t.open()
    conn.send(raw_frame(WINDOW_UPDATE, 0, 0, b"\x00\x00\x01"))
    conn.expect_connection_error(FRAME_SIZE_ERROR)


# -- 6.9.1 The Flow-Control Window ------------------------------------------------------------

@case("http2/6.9.1/1",
      "Sends SETTINGS frame to set the initial window size to 1 and sends HEADERS frame")
def window_of_one(t):
    conn = t.open((INITIAL_WINDOW_SIZE, 1))
    conn.get(1)
    conn.expect_data(1, 1)


@case("http2/6.9.1/2",
      "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1")
def connection_window_overflow(t):
    conn = t.open()
    conn.send(conn.window_update(0, (1 << 31) - 1), conn.window_update(0, (1 << 31) - 1))
    conn.expect_goaway(FLOW_CONTROL_ERROR)


@case("http2/6.9.1/3",
      "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1 "
      "on a stream")
def stream_window_overflow(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.window_update(1, (1 << 31) - 1),
              conn.window_update(1, (1 << 31) - 1))
    conn.expect_rst_stream(1, FLOW_CONTROL_ERROR)


# -- 6.9.2 Initial Flow-Control Window Size ---------------------------------------------------

@case("http2/6.9.2/1", "Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame")
def window_grows_with_setting(t):
    conn = t.open((INITIAL_WINDOW_SIZE, 0))
    conn.get(1)
    conn.send(conn.settings((INITIAL_WINDOW_SIZE, 1)))
    conn.expect_settings_ack()
    conn.expect_data(1, 1)


@case("http2/6.9.2/2", "Sends a SETTINGS frame for window size to be negative")
def negative_window(t):
    conn = t.open((INITIAL_WINDOW_SIZE, 3))
    conn.get(1)
    conn.read_data(1, 3)  # the stream window is 0 now
    conn.send(conn.settings((INITIAL_WINDOW_SIZE, 2)))  # ... and -1
    conn.expect_settings_ack()
    conn.send(conn.window_update(1, 2))  # ... and 1
    conn.expect_data(1, 1)


@case("http2/6.9.2/3",
      "Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum window size value")
def initial_window_too_large(t):
    conn = t.open()
    conn.send(raw_frame(SETTINGS, 0, 0, settings_payload((INITIAL_WINDOW_SIZE, 0x80000000))))
    conn.expect_connection_error(FLOW_CONTROL_ERROR)


# -- 6.10 CONTINUATION ------------------------------------------------------------------------

@case("http2/6.10/1", "Sends multiple CONTINUATION frames preceded by a HEADERS frame")
def continuations(t):
    conn = t.open()
    block = conn.block(extra=[("x-dummy", "c" * 60)])
    conn.send(conn.headers(1, block[:8], end_headers=False),
              conn.continuation(1, block[8:16], end_headers=False),
              conn.continuation(1, block[16:24], end_headers=False),
              conn.continuation(1, block[24:]))
    conn.expect_response(1, body=HELLO)


@case("http2/6.10/2", "Sends a CONTINUATION frame followed by any frame other than CONTINUATION")
def continuation_then_data(t):
    conn = t.open()
    block = conn.block("POST")
    conn.send(conn.headers(1, block[:5], end_stream=False, end_headers=False),
              conn.continuation(1, block[5:10], end_headers=False), conn.data(1, b"test"))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.10/3", "Sends a CONTINUATION frame with 0x0 stream identifier")
def continuation_stream_0(t):
    conn = t.open()
    block = conn.block()
    conn.send(conn.headers(1, block[:5], end_headers=False),
              raw_frame(CONTINUATION, END_HEADERS, 0, block[5:]))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.10/4",
      "Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag")
def continuation_after_complete_headers(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.continuation(1, conn.block()))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.10/5",
      "Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag")
def continuation_after_complete_continuation(t):
    conn = t.open()
    block = conn.block("POST")
    conn.send(conn.headers(1, block[:5], end_stream=False, end_headers=False),
              conn.continuation(1, block[5:]), conn.continuation(1, conn.block()))
    conn.expect_connection_error(PROTOCOL_ERROR)


@case("http2/6.10/6", "Sends a CONTINUATION frame preceded by a DATA frame")
def continuation_after_data(t):
    conn = t.open()
    conn.send(conn.post_headers(1), conn.data(1, b"test", end_stream=False),
              conn.continuation(1, conn.block()))
    conn.expect_connection_error(PROTOCOL_ERROR)
