"""A small raw-frame HTTP/2 client for the conformance cases, and the case registry.

Frames are built with hyperframe (or by hand with h2build, when a case needs a frame hyperframe
refuses to build: a wrong length, a reserved bit, a setting repeated), header blocks with hpack.
What the server sends is parsed with hyperframe and its header blocks decoded with hpack, so
every frame the server writes is checked to be well formed along the way. The expectations
accept what h2spec accepts (a connection error is a GOAWAY with the code or the connection
closed; a stream error is a RST_STREAM with the code or a connection error), except that a
GOAWAY or RST_STREAM with a code other than the expected ones fails at once.

Every wait has a deadline (`H2Conn.timeout`), so no case can hang: a deadline that passes is
an expectation that was not met, reported with the frames that did arrive.
"""

import os
import socket
import struct
import time

import hpack
from hyperframe.frame import (ContinuationFrame, DataFrame, Frame, GoAwayFrame, HeadersFrame,
                              PingFrame, PriorityFrame, PushPromiseFrame, RstStreamFrame,
                              SettingsFrame, WindowUpdateFrame)

from h2build import (ACK, CANCEL, NO_ERROR, PREFACE, SETTINGS, WINDOW_UPDATE, encode_block,
                     error_name, raw_frame, settings_payload)

DEFAULT_TIMEOUT = float(os.environ.get("H2SPEC_TIMEOUT", "5"))


class CaseFailure(AssertionError):
    """The server did not react as the case requires."""


class NotApplicable(Exception):
    """The case cannot apply to this server (h2spec's "skipped")."""


class Closed:
    """The server closed the connection: `how` is 'EOF' or 'reset'."""

    def __init__(self, how):
        self.how = how


class Timeout:
    """Nothing more arrived before the deadline."""


# -- the connection ---------------------------------------------------------------------------

def describe(event):
    if isinstance(event, Closed):
        return f"connection closed ({event.how})"
    if isinstance(event, Timeout):
        return "nothing (deadline passed)"
    flags = ",".join(sorted(event.flags))
    flags = f" [{flags}]" if flags else ""
    sid = event.stream_id
    if isinstance(event, GoAwayFrame):
        debug = bytes(event.additional_data)[:80]
        return (f"GOAWAY({error_name(event.error_code)}, last_stream={event.last_stream_id}"
                f"{', debug=' + repr(debug) if debug else ''})")
    if isinstance(event, RstStreamFrame):
        return f"RST_STREAM(stream {sid}, {error_name(event.error_code)})"
    if isinstance(event, HeadersFrame):
        status = dict(getattr(event, "headers", [])).get(":status", "?")
        return f"HEADERS(stream {sid}, :status {status}){flags}"
    if isinstance(event, DataFrame):
        return f"DATA(stream {sid}, {len(event.data)} bytes){flags}"
    if isinstance(event, SettingsFrame):
        return f"SETTINGS{flags}({dict(event.settings)})" if event.settings else f"SETTINGS{flags}"
    if isinstance(event, PingFrame):
        return f"PING{flags}({bytes(event.opaque_data)!r})"
    if isinstance(event, WindowUpdateFrame):
        return f"WINDOW_UPDATE(stream {sid}, +{event.window_increment})"
    return f"{type(event).__name__}(stream {sid}){flags}"


class H2Conn:
    """One client connection: send frames, wait for the server's reaction."""

    def __init__(self, address, authority, timeout=DEFAULT_TIMEOUT):
        self.authority = authority
        self.timeout = timeout
        self.sock = socket.create_connection(address, timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        self.closed = None
        self.decoder = hpack.Decoder()
        self.decoder.max_header_list_size = 1 << 20
        self.server_settings = {}
        self.pending_block = None  # (HEADERS frame, fragments) until END_HEADERS
        self.seen = []
        self.backlog = []

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    # -- sending ----------------------------------------------------------------------------

    def send(self, *frames):
        """Sends frames (hyperframe objects or bytes) in one write. A server that already
        closed is not an error here: the expectation that follows sees the close."""
        data = b"".join(f if isinstance(f, (bytes, bytearray)) else f.serialize() for f in frames)
        try:
            self.sock.sendall(data)
        except OSError:
            pass

    def request_headers(self, method="GET", path="/", extra=()):
        return [(":method", method), (":scheme", "http"), (":path", path),
                (":authority", self.authority)] + list(extra)

    def block(self, method="GET", path="/", extra=()):
        return encode_block(self.request_headers(method, path, extra))

    def headers(self, stream_id, block=None, end_stream=True, end_headers=True, **kwargs):
        """A HEADERS frame (hyperframe) carrying `block` (default: GET /)."""
        flags = list(kwargs.pop("flags", []))
        if end_stream:
            flags.append("END_STREAM")
        if end_headers:
            flags.append("END_HEADERS")
        if kwargs.get("pad_length"):
            flags.append("PADDED")
        if "depends_on" in kwargs or "stream_weight" in kwargs:
            flags.append("PRIORITY")
        return HeadersFrame(stream_id, self.block() if block is None else block, flags=flags,
                            **kwargs)

    def get(self, stream_id=1, end_stream=True, extra=()):
        """Sends GET / on `stream_id`."""
        self.send(self.headers(stream_id, self.block(extra=extra), end_stream=end_stream))

    def post_headers(self, stream_id=1, extra=()):
        return self.headers(stream_id, self.block("POST", extra=extra), end_stream=False)

    @staticmethod
    def data(stream_id, payload, end_stream=True, **kwargs):
        flags = ["END_STREAM"] if end_stream else []
        if kwargs.get("pad_length"):
            flags.append("PADDED")
        return DataFrame(stream_id, payload, flags=flags, **kwargs)

    @staticmethod
    def continuation(stream_id, fragment, end_headers=True):
        return ContinuationFrame(stream_id, fragment, flags=["END_HEADERS"] if end_headers else [])

    @staticmethod
    def settings(*pairs, ack=False):
        return raw_frame(SETTINGS, ACK if ack else 0, 0, settings_payload(*pairs))

    @staticmethod
    def ping(data=b"h2spec\x00\x00", ack=False):
        return PingFrame(0, data, flags=["ACK"] if ack else [])

    @staticmethod
    def priority(stream_id, depends_on=0, weight=15, exclusive=False):
        return PriorityFrame(stream_id, depends_on=depends_on, stream_weight=weight,
                             exclusive=exclusive)

    @staticmethod
    def rst(stream_id, code=CANCEL):
        return RstStreamFrame(stream_id, code)

    @staticmethod
    def window_update(stream_id, increment):
        return raw_frame(WINDOW_UPDATE, 0, stream_id, struct.pack(">I", increment))

    @staticmethod
    def goaway(last_stream_id=0, code=NO_ERROR, debug=b"h2spec"):
        return GoAwayFrame(0, last_stream_id=last_stream_id, error_code=code,
                           additional_data=debug)

    @staticmethod
    def extension(frame_type, stream_id=0, flags=0, body=b"unknown"):
        # By hand: hyperframe 6's ExtensionFrame.serialize writes the length of a parsed
        # body only, 0 for one built in code.
        return raw_frame(frame_type, flags, stream_id, body)

    @staticmethod
    def push_promise(stream_id, promised, block):
        return PushPromiseFrame(stream_id, promised_stream_id=promised, data=block,
                                flags=["END_HEADERS"])

    # -- receiving --------------------------------------------------------------------------

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            self.closed = Closed("reset")
            return True
        except OSError as error:
            self.closed = Closed(f"error: {error}")
            return True
        if not chunk:
            self.closed = Closed("EOF")
        self.buffer += chunk
        return True

    def _next_frame(self, deadline):
        while True:
            if len(self.buffer) >= 9:
                length = int.from_bytes(self.buffer[:3], "big")
                if len(self.buffer) >= 9 + length:
                    header, body = self.buffer[:9], self.buffer[9:9 + length]
                    self.buffer = self.buffer[9 + length:]
                    try:
                        frame, _ = Frame.parse_frame_header(memoryview(header))
                        frame.parse_body(memoryview(body))
                    except Exception as error:  # hyperframe's errors: the server's fault
                        raise CaseFailure(f"the server sent a malformed frame {header.hex()}: "
                                          f"{error!r}") from error
                    return frame
            if self.closed:
                return self.closed  # a partial frame before a reset is lost with it
            if not self._fill(deadline):
                return Timeout()

    def next_event(self, deadline):
        """The next frame (a HEADERS frame comes with its CONTINUATIONs merged and its block
        decoded in `.headers`), a Closed, or a Timeout. SETTINGS and PINGs from the server are
        acknowledged as any client would."""
        while True:
            frame = self._next_frame(deadline)
            if isinstance(frame, (Closed, Timeout)):
                return frame
            if self.pending_block and not isinstance(frame, ContinuationFrame):
                raise CaseFailure(f"the server interrupted its header block with {describe(frame)}")
            if isinstance(frame, (HeadersFrame, PushPromiseFrame)):
                if "END_HEADERS" not in frame.flags:
                    self.pending_block = (frame, [bytes(frame.data)])
                    continue
                self._decode(frame, bytes(frame.data))
            elif isinstance(frame, ContinuationFrame):
                if not self.pending_block or self.pending_block[0].stream_id != frame.stream_id:
                    raise CaseFailure("the server sent a CONTINUATION without a header block")
                self.pending_block[1].append(bytes(frame.data))
                if "END_HEADERS" not in frame.flags:
                    continue
                first, fragments = self.pending_block
                self.pending_block = None
                self._decode(first, b"".join(fragments))
                frame = first
            elif isinstance(frame, SettingsFrame) and "ACK" not in frame.flags:
                self.server_settings.update(frame.settings)
                self.send(self.settings(ack=True))
            elif isinstance(frame, PingFrame) and "ACK" not in frame.flags:
                self.send(self.ping(bytes(frame.opaque_data), ack=True))
            return frame

    def _decode(self, frame, block):
        try:
            frame.headers = [(n, v) for n, v in self.decoder.decode(block)]
        except hpack.HPACKError as error:
            raise CaseFailure(f"the server sent an undecodable header block: {error!r}") from error

    def wait(self, judge, expected, timeout=None):
        """Reads events until `judge(event)` returns True (met) or a string (the reason the
        reaction is wrong). `judge` returns None for an event it took (a piece of what it
        waits for) and False for one that is not its business: those are kept, in order, for
        the waits that follow. A close or the deadline that `judge` does not accept fails."""
        for event in list(self.backlog):
            verdict = judge(event)
            if verdict is False:
                continue
            self.backlog.remove(event)
            if verdict is True:
                return event
            if isinstance(verdict, str):
                raise CaseFailure(f"expected {expected}; got {verdict} (after: {self.trace()})")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            event = self.next_event(deadline)
            if not isinstance(event, Timeout):
                self.seen.append(describe(event))
            verdict = judge(event)
            if verdict is True:
                return event
            if isinstance(verdict, str):
                raise CaseFailure(f"expected {expected}; got {verdict} (after: {self.trace()})")
            if isinstance(event, (Closed, Timeout)):
                what = "nothing more before the deadline" if isinstance(event, Timeout) else \
                    describe(event)
                raise CaseFailure(f"expected {expected}; got {what} (after: {self.trace()})")
            if verdict is False:
                self.backlog.append(event)

    def trace(self):
        return ", ".join(self.seen[-12:]) or "nothing"

    # -- the handshake ----------------------------------------------------------------------

    def handshake(self, *settings):
        """Sends the preface and our SETTINGS; returns once the server's SETTINGS (its first
        frame) has come and our SETTINGS were acknowledged."""
        self.send(PREFACE + self.settings(*settings))
        state = {"settings": False, "ack": False, "first": True}

        def judge(event):
            if isinstance(event, Frame):
                if state["first"] and not (isinstance(event, SettingsFrame)
                                           and "ACK" not in event.flags):
                    return f"{describe(event)} as the server's first frame (RFC 9113 3.4)"
                state["first"] = False
                if isinstance(event, GoAwayFrame):
                    return describe(event)
                if isinstance(event, SettingsFrame):
                    state["ack" if "ACK" in event.flags else "settings"] = True
                    return (state["settings"] and state["ack"]) or None
            return False

        self.wait(judge, "the server's SETTINGS and the ACK of ours")

    # -- expectations -----------------------------------------------------------------------

    def expect_connection_error(self, *codes):
        """A connection error: GOAWAY with one of `codes`, or the connection closed. A GOAWAY
        with another code fails (h2spec would read on until the close)."""
        names = "/".join(error_name(c) for c in codes)

        def judge(event):
            if isinstance(event, GoAwayFrame):
                return event.error_code in codes or describe(event)
            return isinstance(event, Closed)

        self.wait(judge, f"a connection error: GOAWAY({names}) or the connection closed")

    def expect_stream_error(self, stream_id, *codes, no_response=False):
        """A stream error: RST_STREAM on `stream_id` with one of `codes`; a connection error
        with one of them, or the connection closed, is accepted as well (RFC 9113 5.4: any
        stream error may be escalated). `no_response`: a response on the stream fails (the
        request was malformed and must not have been processed)."""
        names = "/".join(error_name(c) for c in codes)

        def judge(event):
            if isinstance(event, RstStreamFrame) and event.stream_id == stream_id:
                return event.error_code in codes or describe(event)
            if isinstance(event, GoAwayFrame):
                return event.error_code in codes or describe(event)
            if no_response and isinstance(event, HeadersFrame) and event.stream_id == stream_id:
                return f"a response, {describe(event)}"
            return isinstance(event, Closed)

        self.wait(judge, f"a stream error: RST_STREAM(stream {stream_id}, {names}), "
                         f"GOAWAY({names}) or the connection closed")

    def expect_response(self, stream_id, status=200, body=None):
        """A complete response on `stream_id` with `status` (and `body`, if given); returns its
        fields and body."""
        state = {"headers": None, "body": b""}

        def judge(event):
            if isinstance(event, (GoAwayFrame, Closed)):
                return describe(event)
            if isinstance(event, RstStreamFrame) and event.stream_id == stream_id:
                return describe(event)
            if isinstance(event, HeadersFrame) and event.stream_id == stream_id:
                fields = dict(event.headers)
                if state["headers"] is None:
                    if fields.get(":status", "").startswith("1"):
                        return None
                    if fields.get(":status") != str(status):
                        return describe(event)
                    state["headers"] = fields
                return ("END_STREAM" in event.flags) or None
            if isinstance(event, DataFrame) and event.stream_id == stream_id:
                if state["headers"] is None:
                    return f"{describe(event)} before the response's HEADERS"
                state["body"] += bytes(event.data)
                if len(event.data):
                    self.send(self.window_update(0, len(event.data)),
                              self.window_update(stream_id, len(event.data)))
                return ("END_STREAM" in event.flags) or None
            return False

        self.wait(judge, f"a complete response on stream {stream_id} with :status {status}")
        if body is not None and state["body"] != body:
            raise CaseFailure(f"expected the body {body[:60]!r} ({len(body)} bytes) on stream "
                              f"{stream_id}; got {state['body'][:60]!r} ({len(state['body'])} "
                              "bytes)")
        return state["headers"], state["body"]

    def expect_stream_error_or_response(self, stream_id, codes, body):
        """Either reaction: a stream error with one of `codes` (as expect_stream_error), or
        a complete 200 response carrying `body` (the frame that could have caused the error
        was ignored)."""
        state = {"headers": None, "body": b""}
        names = "/".join(error_name(c) for c in codes)

        def judge(event):
            if isinstance(event, RstStreamFrame) and event.stream_id == stream_id:
                return event.error_code in codes or describe(event)
            if isinstance(event, GoAwayFrame):
                return event.error_code in codes or describe(event)
            if isinstance(event, Closed):
                return True
            if isinstance(event, HeadersFrame) and event.stream_id == stream_id:
                if state["headers"] is None:
                    state["headers"] = dict(event.headers)
                    if state["headers"].get(":status") != "200":
                        return describe(event)
                return ("END_STREAM" in event.flags) or None
            if isinstance(event, DataFrame) and event.stream_id == stream_id:
                state["body"] += bytes(event.data)
                if "END_STREAM" not in event.flags:
                    return None
                return state["body"] == body or f"the body {state['body'][:60]!r}"
            return False

        self.wait(judge, f"RST_STREAM(stream {stream_id}, {names}), GOAWAY({names}), the "
                         f"connection closed, or a 200 response with {body!r}")

    def expect_ping_ack(self, data):
        """A PING with ACK carrying `data`; a PING ACK with other data fails."""

        def judge(event):
            if isinstance(event, PingFrame) and "ACK" in event.flags:
                return bytes(event.opaque_data) == data or describe(event)
            if isinstance(event, (GoAwayFrame, Closed)):
                return describe(event)
            return False

        self.wait(judge, f"PING[ACK]({data!r})")

    def expect_alive(self):
        """The connection still works: a PING is answered, and no GOAWAY comes first."""
        data = os.urandom(8)
        self.send(self.ping(data))
        self.expect_ping_ack(data)

    def expect_settings_ack(self):
        def judge(event):
            if isinstance(event, SettingsFrame) and "ACK" in event.flags:
                return True
            if isinstance(event, (GoAwayFrame, Closed)):
                return describe(event)
            return False

        self.wait(judge, "SETTINGS[ACK]")

    def expect_data(self, stream_id, length):
        """The next DATA frame on `stream_id` carries exactly `length` bytes."""

        def judge(event):
            if isinstance(event, DataFrame) and event.stream_id == stream_id:
                return len(event.data) == length or describe(event)
            if isinstance(event, (GoAwayFrame, Closed)):
                return describe(event)
            if isinstance(event, RstStreamFrame) and event.stream_id == stream_id:
                return describe(event)
            return False

        self.wait(judge, f"DATA(stream {stream_id}, {length} bytes)")

    def read_data(self, stream_id, total):
        """Reads DATA on `stream_id` until `total` bytes have come (no WINDOW_UPDATE sent)."""
        state = {"got": 0}

        def judge(event):
            if isinstance(event, DataFrame) and event.stream_id == stream_id:
                state["got"] += len(event.data)
                if state["got"] > total:
                    return f"{state['got']} bytes of DATA, more than the window of {total}"
                return (state["got"] == total) or None
            if isinstance(event, (GoAwayFrame, Closed)):
                return describe(event)
            if isinstance(event, RstStreamFrame) and event.stream_id == stream_id:
                return describe(event)
            return False

        self.wait(judge, f"{total} bytes of DATA on stream {stream_id}")

    def expect_stream_end(self, stream_id):
        """The response on `stream_id` ends (END_STREAM), whatever it says."""

        def judge(event):
            if isinstance(event, (HeadersFrame, DataFrame)) and event.stream_id == stream_id:
                return ("END_STREAM" in event.flags) or None
            if isinstance(event, (GoAwayFrame, Closed)):
                return describe(event)
            if isinstance(event, RstStreamFrame) and event.stream_id == stream_id:
                return describe(event)
            return False

        self.wait(judge, f"the end of the response on stream {stream_id}")

    def expect_close(self, goaway_codes=(NO_ERROR,)):
        """The connection closed; a GOAWAY before it may only carry `goaway_codes`."""

        def judge(event):
            if isinstance(event, GoAwayFrame):
                return event.error_code in goaway_codes or describe(event)
            return isinstance(event, Closed)

        self.wait(judge, "the connection closed")

    def expect_goaway(self, *codes):
        """A GOAWAY frame with one of `codes` (a close without one fails)."""

        def judge(event):
            if isinstance(event, GoAwayFrame):
                return event.error_code in codes or describe(event)
            return False

        names = "/".join(error_name(c) for c in codes)
        self.wait(judge, f"GOAWAY({names})")

    def expect_rst_stream(self, stream_id, *codes):
        """RST_STREAM on `stream_id` with one of `codes` (nothing else will do)."""

        def judge(event):
            if isinstance(event, RstStreamFrame) and event.stream_id == stream_id:
                return event.error_code in codes or describe(event)
            if isinstance(event, (GoAwayFrame, Closed)):
                return describe(event)
            return False

        names = "/".join(error_name(c) for c in codes)
        self.wait(judge, f"RST_STREAM(stream {stream_id}, {names})")


# -- the case registry ------------------------------------------------------------------------

class Case:
    def __init__(self, case_id, description, run):
        self.id = case_id
        self.description = description
        self.run = run

    def __repr__(self):
        return f"{self.id} {self.description}"


CASES = []


def case(case_id, description):
    """Registers a case as h2spec names it: `generic/3.1/1`, `http2/6.5.2/3`, `hpack/5.2/1`."""

    def register(run):
        CASES.append(Case(case_id, description, run))
        return run

    return register


class Session:
    """What a case gets: connections to the proxy's HTTP/2 listener (detected by its preface),
    or to the one hinted HTTP/2 without reading (`hinted=True`), all closed after the case."""

    def __init__(self, address, hinted_address, authority, timeout=DEFAULT_TIMEOUT):
        self.address = address
        self.hinted_address = hinted_address
        self.authority = authority
        self.timeout = timeout
        self.connections = []

    def connect(self, hinted=False):
        conn = H2Conn(self.hinted_address if hinted else self.address, self.authority,
                      self.timeout)
        self.connections.append(conn)
        return conn

    def open(self, *settings):
        """A connection past the handshake, our SETTINGS carrying `settings`."""
        conn = self.connect()
        conn.handshake(*settings)
        return conn

    def close(self):
        for conn in self.connections:
            conn.close()
