"""`wasmesh wasm serve` over HTTP/2 with prior knowledge (h2c), next to HTTP/1.1 on the same
listener, with real clients: curl --http2-prior-knowledge, nghttp and h2load (Debian's
nghttp2-client), the h2 library for trailers, and raw frames (hyperframe) where a client
would refuse to misbehave. The components are the ones tests/fixtures/components builds: the
JavaScript handler, and the C one for trailers (fetch's Response cannot send them)."""

import http.client
import os
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

from harness import sum_metric
from test_component_serve import FIXTURES, WasmServe, fixture, request

CURL = shutil.which("curl")
NGHTTP = shutil.which("nghttp")
H2LOAD = shutil.which("h2load")
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

try:
    import h2.config
    import h2.connection
    import h2.events
    from hyperframe.frame import Frame, GoAwayFrame, SettingsFrame
except ImportError:  # run by another interpreter than Debian's python3
    h2 = None

TOOLS = CURL and NGHTTP and H2LOAD and h2 is not None


def fnv1a(data):
    """The JavaScript fixture's checksum (http_handler.js)."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def curl_h2(port, path, *args, body_chunks=None, timeout=60):
    """(status, {name: value}, body, http version) of one request over h2c with prior
    knowledge. `body_chunks`: written to curl's stdin one after the other (`-T -`), so the
    request body streams with no length known in advance."""
    with tempfile.TemporaryDirectory() as scratch:
        head_path = os.path.join(scratch, "head")
        body_path = os.path.join(scratch, "body")
        command = [CURL, "-sS", "--http2-prior-knowledge", "-D", head_path, "-o", body_path,
                   "-w", "%{http_version}", *args, f"http://127.0.0.1:{port}{path}"]
        if body_chunks is None:
            done = subprocess.run(command, capture_output=True, timeout=timeout)
        else:
            # curl's output to files: communicate() would close its stdin before the feeding
            # is done.
            with open(os.path.join(scratch, "out"), "w+b") as out, \
                    open(os.path.join(scratch, "err"), "w+b") as err:
                process = subprocess.Popen(command + ["-T", "-"], stdin=subprocess.PIPE,
                                           stdout=out, stderr=err)
                for chunk in body_chunks:
                    process.stdin.write(chunk)
                    process.stdin.flush()
                    time.sleep(0.005)
                process.stdin.close()
                process.wait(timeout=timeout)
                out.seek(0)
                err.seek(0)
                done = subprocess.CompletedProcess(command, process.returncode, out.read(),
                                                   err.read())
        if done.returncode != 0:
            raise AssertionError(f"curl failed ({done.returncode}): {done.stderr.decode()}")
        with open(head_path, "rb") as f:
            lines = f.read().decode().split("\r\n")
        with open(body_path, "rb") as f:
            body = f.read()
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return status, headers, body, done.stdout.decode()


def h2_exchange(port, path, timeout=30):
    """(headers, body, trailers, reset) of a GET over h2c, by the h2 library; `reset` is the
    RST_STREAM error code when the server reset the stream, else None."""
    connection = h2.connection.H2Connection(
        config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    connection.initiate_connection()
    headers, body, trailers, reset = {}, b"", {}, None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
        stream = connection.get_next_available_stream_id()
        connection.send_headers(stream, [(":method", "GET"), (":scheme", "http"),
                                         (":authority", f"127.0.0.1:{port}"), (":path", path)],
                                end_stream=True)
        client.sendall(connection.data_to_send())
        ended = False
        while not ended:
            data = client.recv(65536)
            if not data:
                raise AssertionError("the server closed before the stream ended")
            for event in connection.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    headers = dict(event.headers)
                elif isinstance(event, h2.events.DataReceived):
                    body += event.data
                    connection.acknowledge_received_data(event.flow_controlled_length, stream)
                elif isinstance(event, h2.events.TrailersReceived):
                    trailers = dict(event.headers)
                elif isinstance(event, h2.events.StreamEnded):
                    ended = True
                elif isinstance(event, h2.events.StreamReset):
                    reset, ended = event.error_code, True
                elif isinstance(event, h2.events.ConnectionTerminated):
                    raise AssertionError(f"connection ended: {event}")
            client.sendall(connection.data_to_send())
    return headers, body, trailers, reset


def frames(data):
    """The HTTP/2 frames in `data`, parsed (a trailing partial frame is left out)."""
    parsed = []
    while len(data) >= 9:
        frame, length = Frame.parse_frame_header(data[:9])
        if len(data) < 9 + length:
            break
        frame.parse_body(memoryview(data[9:9 + length]))
        parsed.append(frame)
        data = data[9 + length:]
    return parsed


def read_until_closed(client, limit=1 << 20):
    data = b""
    while len(data) < limit:
        try:
            chunk = client.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data


def metric(served, name, **labels):
    return sum_metric(served.metrics(), name, **labels)


def wait_metric(served, name, expected, timeout=10, **labels):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = metric(served, name, **labels)
        if value >= expected:
            return value
        time.sleep(0.05)
    return metric(served, name, **labels)


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("http_handler")),
                     "component fixtures not built (scripts/install-npm.sh)")
@unittest.skipUnless(TOOLS, "needs curl, nghttp2-client (nghttp, h2load), python3-h2")
class ServesHttp2(unittest.TestCase):
    """The JavaScript handler, one server for the class: four guest threads so that streams
    of one connection can be seen running at once."""

    @classmethod
    def setUpClass(cls):
        cls.served = WasmServe(fixture("http_handler"), "--guest-threads", "4", "--instances",
                               "1")

    @classmethod
    def tearDownClass(cls):
        cls.served.stop()

    def test_get_and_streamed_post_with_curl(self):
        status, headers, body, version = curl_h2(self.served.port, "/hello")
        self.assertEqual((status, version, body), (200, "2", b"hello from js\n"))
        self.assertEqual(headers["x-handler"], "js")

        lines = "".join(f"line {i}\n" for i in range(3000)).encode()
        chunks = [lines[i:i + 5000] for i in range(0, len(lines), 5000)]
        status, headers, body, version = curl_h2(self.served.port, "/echo", "-X", "POST", "-H",
                                                 "content-type: text/x-lines", body_chunks=chunks)
        self.assertEqual((status, version, headers["content-type"]), (200, "2", "text/x-lines"))
        self.assertEqual(body, lines)

        payload = bytes(range(256)) * 16
        with tempfile.NamedTemporaryFile() as upload:
            upload.write(payload)
            upload.flush()
            status, _, body, _ = curl_h2(self.served.port, "/digest", "--data-binary",
                                         "@" + upload.name)
        self.assertEqual((status, body), (200, f"POST 4096 {fnv1a(payload)}\n".encode()))

    def test_answers_are_those_of_http1(self):
        cases = [("GET", "/hello", []), ("PATCH", "/headers?a=1&b=2", ["x-one: 1", "x-two: zwei"]),
                 ("GET", "/status/418", []), ("GET", "/status/503", []),
                 ("DELETE", "/status/204", []), ("GET", "/nowhere", []),
                 ("GET", "/stream?chunks=40&size=3000", []), ("GET", "/sleep?ms=20", [])]
        for method, path, fields in cases:
            with self.subTest(method=method, path=path):
                args = ["-X", method]
                for field in fields:
                    args += ["-H", field]
                status, headers, body, version = curl_h2(self.served.port, path, *args)
                http1 = request(self.served.port, method, path,
                                headers=dict(field.split(": ") for field in fields))
                self.assertEqual(version, "2")
                self.assertEqual((status, body), (http1[0], http1[2]))
                for name in ("content-type", "x-echoed", "set-cookie"):
                    self.assertEqual(headers.get(name), http1[1].get(name), name)

    def test_concurrent_streams_on_one_connection_with_nghttp(self):
        before = {protocol: metric(self.served, "wasmesh_wasm_serve_connections_total",
                                   protocol=protocol) for protocol in ("http/1", "http/2")}
        requests_before = metric(self.served, "wasmesh_wasm_serve_requests_total",
                                 protocol="http/2")
        urls = [f"http://127.0.0.1:{self.served.port}/sleep?ms=2000&n={i}" for i in range(4)]
        started = time.monotonic()
        done = subprocess.run([NGHTTP, "-v", *urls], capture_output=True, timeout=60)
        elapsed = time.monotonic() - started
        output = done.stdout.decode()
        self.assertEqual(done.returncode, 0, output + done.stderr.decode())
        self.assertEqual(output.count("slept 2000"), 4, output)
        self.assertEqual(output.count(":status: 200"), 4, output)
        # Every request was sent before the first answer came back, on one connection...
        lines = output.splitlines()
        sent = [i for i, line in enumerate(lines) if "send HEADERS frame" in line]
        answered = [i for i, line in enumerate(lines) if "recv HEADERS frame" in line]
        self.assertEqual(len(sent), 4)
        self.assertLess(max(sent), min(answered))
        # ...and served at once: one after the other would take 8 s.
        self.assertLess(elapsed, 6, output)
        self.assertEqual(metric(self.served, "wasmesh_wasm_serve_connections_total",
                                protocol="http/2"), before["http/2"] + 1)
        self.assertEqual(metric(self.served, "wasmesh_wasm_serve_connections_total",
                                protocol="http/1"), before["http/1"])
        self.assertEqual(metric(self.served, "wasmesh_wasm_serve_requests_total",
                                protocol="http/2"), requests_before + 4)

    def test_h2load_all_2xx(self):
        done = subprocess.run([H2LOAD, "-n", "200", "-c", "4", "-m", "10",
                               f"http://127.0.0.1:{self.served.port}/hello"],
                              capture_output=True, timeout=300)
        output = done.stdout.decode()
        self.assertEqual(done.returncode, 0, output + done.stderr.decode())
        self.assertIn("requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed, "
                      "0 errored", output)
        self.assertIn("status codes: 200 2xx, 0 3xx, 0 4xx, 0 5xx", output)

    def test_http1_on_the_same_listener(self):
        before = metric(self.served, "wasmesh_wasm_serve_connections_total", protocol="http/1")
        connection = http.client.HTTPConnection("127.0.0.1", self.served.port, timeout=30)
        for _ in range(2):
            connection.request("GET", "/hello")
            response = connection.getresponse()
            self.assertEqual((response.status, response.version, response.read()),
                             (200, 11, b"hello from js\n"))
        connection.close()
        # A request line that starts like the preface ("P...") is HTTP/1 all the same.
        status, _, body = request(self.served.port, "PUT", "/digest", b"abc")
        self.assertEqual((status, body), (200, f"PUT 3 {fnv1a(b'abc')}\n".encode()))
        self.assertEqual(metric(self.served, "wasmesh_wasm_serve_connections_total",
                                protocol="http/1"), before + 2)

    def test_garbage_is_refused_and_the_server_goes_on(self):
        port = self.served.port
        # Leaves the preface at its 19th byte: the HTTP/1 codec sees "PRI * HTTP/2.0".
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")
            self.assertTrue(read_until_closed(client).startswith(b"HTTP/1.1 505 "))
        # Not HTTP at all: the HTTP/1 codec's 400.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64)
            self.assertTrue(read_until_closed(client).startswith(b"HTTP/1.1 400 "))
        # The whole preface, then a PING where SETTINGS must come: the HTTP/2 codec's GOAWAY
        # PROTOCOL_ERROR, counted under http/2.
        before = metric(self.served, "wasmesh_http_codec_errors_total", protocol="http/2",
                        error="protocol_error")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(PREFACE + struct.pack(">I", 8)[1:] + b"\x06\x00" + b"\x00" * 4 +
                           b"12345678")
            answer = frames(read_until_closed(client))
        self.assertIsInstance(answer[0], SettingsFrame)
        goaways = [frame for frame in answer if isinstance(frame, GoAwayFrame)]
        self.assertEqual([frame.error_code for frame in goaways], [1])
        self.assertEqual(wait_metric(self.served, "wasmesh_http_codec_errors_total", before + 1,
                                     protocol="http/2", error="protocol_error"), before + 1)
        self.assertGreaterEqual(metric(self.served, "wasmesh_http_codec_errors_total",
                                       protocol="http/1", error="unsupported_version"), 1)
        self.assertGreaterEqual(metric(self.served, "wasmesh_http_codec_errors_total",
                                       protocol="http/1", error="malformed_request"), 1)
        # A piece of the preface, then gone.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(PREFACE[:10])
        self.assertEqual(curl_h2(port, "/hello")[2], b"hello from js\n")
        self.assertEqual(request(port, "GET", "/hello")[2], b"hello from js\n")
        self.assertIsNone(self.served.process.poll())


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("http_hello")),
                     "component fixtures not built (scripts/install-npm.sh)")
@unittest.skipUnless(TOOLS, "needs curl, nghttp2-client (nghttp, h2load), python3-h2")
class ServesTrailers(unittest.TestCase):
    def test_trailers_reach_an_http2_client(self):
        served = WasmServe(fixture("http_hello"))
        try:
            headers, body, trailers, reset = h2_exchange(served.port, "/trailers")
            self.assertEqual((headers[":status"], body, reset), ("200", b"trailers follow\n", None))
            self.assertEqual(trailers, {"x-checksum": "c0ffee", "x-served-by": "c"})
            self.assertEqual(h2_exchange(served.port, "/hello")[1:],
                             (b"hello from c\n", {}, None))
            # A body the component leaves unfinished after the head: the stream is reset
            # (INTERNAL_ERROR), as the HTTP/1 connection is cut.
            headers, body, trailers, reset = h2_exchange(served.port, "/unfinished")
            self.assertEqual((headers[":status"], reset), ("200", 2))
            # The C handler's misbehaviour is answered over HTTP/2 as over HTTP/1.
            status, headers, _, _ = curl_h2(served.port, "/trap")
            self.assertEqual((status, headers["x-wasmesh-error"]),
                             (500, "trap: unreachable in function handle"))
        finally:
            served.stop()


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("http_handler")),
                     "component fixtures not built (scripts/install-npm.sh)")
@unittest.skipUnless(TOOLS, "needs curl, nghttp2-client (nghttp, h2load), python3-h2")
class DrainsOnSigterm(unittest.TestCase):
    def test_requests_in_flight_finish_and_the_process_exits_0(self):
        served = WasmServe(fixture("http_handler"), "--guest-threads", "2", "--instances", "1")
        try:
            port = served.port
            h2_client = subprocess.Popen(
                [NGHTTP, "-v", f"http://127.0.0.1:{port}/sleep?ms=3000"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            http1_answer = {}

            def http1_request():
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", "/sleep?ms=3000")
                response = connection.getresponse()
                http1_answer["answer"] = (response.status, response.getheader("connection"),
                                          response.read())
                connection.close()

            http1 = threading.Thread(target=http1_request)
            http1.start()
            for protocol in ("http/1", "http/2"):
                self.assertEqual(wait_metric(served, "wasmesh_wasm_serve_requests_total", 1,
                                             protocol=protocol), 1, protocol)
            served.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            # No new connections from the moment the drain starts.
            deadline = time.monotonic() + 5
            refused = False
            while time.monotonic() < deadline and not refused:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    time.sleep(0.05)
                except ConnectionRefusedError:
                    refused = True
            self.assertTrue(refused)
            output = h2_client.communicate(timeout=30)[0].decode()
            http1.join(timeout=30)
            self.assertEqual(served.process.wait(timeout=30), 0)
            exited = time.monotonic() - signalled
            self.assertEqual(h2_client.returncode, 0, output)
            self.assertIn("recv GOAWAY frame", output)
            self.assertIn("slept 3000", output)
            self.assertIn(":status: 200", output)
            self.assertEqual(http1_answer["answer"], (200, "close", b"slept 3000\n"))
            # Within the grace period (10 s), as soon as the requests were done.
            self.assertLess(exited, 9)
            log = served.log_text()
            self.assertIn("SIGTERM: stopping", log)
            self.assertIn("wasmesh wasm serve stopped: 2 requests ok, 0 failed", log)
        finally:
            served.stop()

    def test_idle_connections_are_closed_at_once(self):
        served = WasmServe(fixture("http_handler"))
        try:
            h2_client = socket.create_connection(("127.0.0.1", served.port), timeout=10)
            h2_client.sendall(PREFACE + SettingsFrame(0).serialize())
            http1_client = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
            http1_client.request("GET", "/hello")
            self.assertEqual(http1_client.getresponse().read(), b"hello from js\n")
            self.assertEqual(wait_metric(served, "wasmesh_wasm_serve_connections_total", 1,
                                         protocol="http/2"), 1)
            started = time.monotonic()
            served.process.send_signal(signal.SIGTERM)
            answer = frames(read_until_closed(h2_client))
            h2_client.close()
            goaways = [frame for frame in answer if isinstance(frame, GoAwayFrame)]
            # The notice (the largest stream id), then the last stream: none was opened.
            self.assertEqual([(frame.last_stream_id, frame.error_code) for frame in goaways],
                             [(2**31 - 1, 0), (0, 0)])
            self.assertEqual(served.process.wait(timeout=30), 0)
            # Not the 10 s grace period: nothing was left to wait for.
            self.assertLess(time.monotonic() - started, 5)
            http1_client.close()
        finally:
            served.stop()


if __name__ == "__main__":
    unittest.main()
