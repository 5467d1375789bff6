"""`wasmesh wasm serve` on the wasi:http components built during the build by
tests/fixtures/components, on both engines, compared with `jco serve` (Node, the npm
registry's jco, with --isolate-requests instance: a fresh instance per request, as wasmtime
serve has it) on the very same file: the same status, headers and body for GET, POST with a
streamed body, headers, methods and status codes, streamed responses and an outgoing request.
Then what jco does not have: timeouts for guests that loop or wait, memory limits, the
outgoing capability, the counted failures and the host that keeps serving."""

import http.client
import http.server
import os
import re
import shlex
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from harness import BINARY, proxy_environment, sum_metric

FIXTURES = os.environ.get("TEST_COMPONENT_FIXTURES", "")
JCO = shlex.split(os.environ.get("TEST_JCO", ""))
ENGINES = ("v8", "wabt")
# The headers the handler sets, compared between the two servers.
COMPARED_HEADERS = ("content-type", "x-handler", "x-echoed", "set-cookie", "x-upstream-status")


def fixture(name):
    return os.path.join(FIXTURES, name + ".wasm")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port, method, path, body=None, headers=None, chunked=False, timeout=60):
    """(status, {name: value}, body) of one request on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if chunked:
            connection.request(method, path, body=iter(body), headers=headers or {},
                               encode_chunked=True)
        else:
            connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        connection.close()


def status_line(port, path):
    """The status of a response whose body may be cut short (a reset after the head)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
        head = b""
        while b"\r\n" not in head:
            data = client.recv(4096)
            if not data:
                break
            head += data
    return int(head.split(b" ", 2)[1])


def compared(answer):
    status, headers, body = answer
    return status, {name: headers.get(name) for name in COMPARED_HEADERS}, body


class WasmServe:
    """A `wasmesh wasm serve` process on port 0, its log captured; the address it bound is
    read from the log."""

    LISTENING = re.compile(r"(serve|admin) listening on (\S+)")

    def __init__(self, component, *args, ready=True):
        self.dir = tempfile.mkdtemp(prefix="wasmesh-serve-")
        self.log_path = os.path.join(self.dir, "serve.log")
        self.log = open(self.log_path, "w+")
        command = [BINARY, "wasm", "serve", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                   *args, component]
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        env=proxy_environment())
        self.ports = {}
        if ready:
            self.wait_for("wasmesh wasm serve ready")
            for name, address in self.LISTENING.findall(self.log_text()):
                self.ports[name] = int(address.rsplit(":", 1)[1])

    @property
    def port(self):
        return self.ports["serve"]

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_for(self, needle, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if needle in self.log_text():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited ({self.process.returncode}):\n"
                                     f"{self.log_text()}")
            time.sleep(0.05)
        raise AssertionError(f"'{needle}' not logged within {timeout}s:\n{self.log_text()}")

    def metrics(self):
        return request(self.ports["admin"], "GET", "/metrics")[2].decode()

    def requests(self, result):
        return sum_metric(self.metrics(), "wasmesh_wasm_component_requests_total", result=result)

    def wait_requests(self, result, expected, timeout=10):
        """A request is counted when its guest run ends, which may be just after the client
        has the whole response."""
        deadline = time.time() + timeout
        while self.requests(result) < expected and time.time() < deadline:
            time.sleep(0.05)
        return self.requests(result)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


class JcoServe:
    """`jco serve --isolate-requests instance` on a free port. jco runs the server in a child
    Node process: both are in a process group of their own, stopped together."""

    def __init__(self, component):
        self.port = free_port()
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [*JCO, "serve", "--isolate-requests", "instance", "--host", "127.0.0.1", "--port",
             str(self.port), component],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop_group()
        self.log.seek(0)
        raise AssertionError("jco serve did not start:\n" + self.log.read().decode())

    def stop_group(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=20)
        self.log.close()


class Upstream:
    """A plain HTTP server for the component's outgoing requests: answers
    '<method> <path> <x-from> <body length>'."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                text = f"{self.command} {self.path} {self.headers.get('x-from')} {len(body)}\n"
                self.send_response(207)
                self.send_header("content-length", str(len(text)))
                self.end_headers()
                self.wfile.write(text.encode())

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def exchanges(upstream_port):
    """The requests both servers answer, as (name, method, path, body, headers, chunked)."""
    lines = "".join(f"line {i}\n" for i in range(3000)).encode()
    return [
        ("get", "GET", "/hello", None, {}, False),
        ("echo streamed", "POST", "/echo", [lines[i:i + 5000] for i in range(0, len(lines), 5000)],
         {"content-type": "text/x-lines"}, True),
        # (The JavaScript checksum loop is interpreted twice over on wabt: a few KB.)
        ("digest", "POST", "/digest", bytes(range(256)) * 16, {}, False),
        ("put digest", "PUT", "/digest", b"abc", {}, False),
        ("headers", "PATCH", "/headers?a=1&b=2", None, {"x-one": "1", "x-two": "zwei"}, False),
        ("created", "GET", "/status/201", None, {}, False),
        ("not found", "GET", "/nowhere", None, {}, False),
        ("teapot", "GET", "/status/418", None, {}, False),
        ("unavailable", "GET", "/status/503", None, {}, False),
        ("streamed", "GET", "/stream?chunks=40&size=3000", None, {}, False),
        ("slept", "GET", "/sleep?ms=20", None, {}, False),
        ("outgoing get", "GET", f"/fetch?url=http://127.0.0.1:{upstream_port}/up?x=1", None, {},
         False),
        ("outgoing post", "POST", f"/fetch?url=http://127.0.0.1:{upstream_port}/up", b"q" * 5000,
         {}, False),
    ]


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("http_handler")) and JCO,
                     "component fixtures not built (scripts/install-npm.sh)")
class ServeMatchesJcoServe(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = Upstream()
        cls.jco = JcoServe(fixture("http_handler"))

    @classmethod
    def tearDownClass(cls):
        cls.jco.stop()
        cls.upstream.stop()

    def test_answers_match_jco_serve(self):
        for engine in ENGINES:
            served = WasmServe(fixture("http_handler"), "--engine", engine, "--allow-outgoing",
                               f"127.0.0.1:{self.upstream.port}")
            try:
                for name, method, path, body, headers, chunked in exchanges(self.upstream.port):
                    with self.subTest(engine=engine, request=name):
                        ours = request(served.port, method, path, body, headers, chunked)
                        theirs = request(self.jco.port, method, path, body, headers, chunked)
                        self.assertEqual(compared(ours), compared(theirs))
                self.assertEqual(served.wait_requests("ok", len(exchanges(0))),
                                 len(exchanges(0)))
            finally:
                served.stop()

    def test_keep_alive_serves_each_request_from_a_fresh_instance(self):
        served = WasmServe(fixture("http_handler"), "--instances", "1", "--guest-threads", "1")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
            for _ in range(5):
                # The JavaScript engine refuses a second request in one instance.
                connection.request("GET", "/hello")
                response = connection.getresponse()
                self.assertEqual((response.status, response.read()), (200, b"hello from js\n"))
            connection.close()
            deadline = time.time() + 10
            while time.time() < deadline:
                instantiations = sum_metric(served.metrics(),
                                            "wasmesh_wasm_component_instantiations_total",
                                            result="ok")
                if instantiations >= 6:
                    break
                time.sleep(0.05)
            self.assertEqual(instantiations, 6)
        finally:
            served.stop()


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("http_handler")),
                     "component fixtures not built (scripts/install-npm.sh)")
class ServeBoundsGuests(unittest.TestCase):
    def test_a_guest_that_loops_or_waits_gets_its_timeout_and_the_host_goes_on(self):
        for engine in ENGINES:
            served = WasmServe(fixture("http_handler"), "--engine", engine, "--timeout", "1s")
            try:
                for path in ("/loop", "/sleep?ms=60000"):
                    with self.subTest(engine=engine, path=path):
                        status, headers, _ = request(served.port, "GET", path)
                        self.assertEqual(status, 503)
                        self.assertEqual(headers["x-wasmesh-error"], "timeout: timeout after 1s")
                status, _, body = request(served.port, "GET", "/hello")
                self.assertEqual((status, body), (200, b"hello from js\n"))
                self.assertEqual(served.wait_requests("timeout", 2), 2)
                self.assertEqual(served.wait_requests("ok", 1), 1)
                self.assertIn("GET /loop: timeout: timeout after 1s", served.log_text())
            finally:
                served.stop()

    def test_memory_is_capped_per_instance(self):
        served = WasmServe(fixture("http_handler"), "--max-memory", "24MiB")
        try:
            status, _, body = request(served.port, "GET", "/grow?mb=2")
            self.assertEqual((status, body), (200, b"grew 2\n"))
            # SpiderMonkey turns running out into an exception and its own 500, whose body it
            # never finishes: the head arrives, then the reset.
            self.assertIn(status_line(served.port, "/grow?mb=64"), (500, 503))
            status, _, body = request(served.port, "GET", "/hello")
            self.assertEqual((status, body), (200, b"hello from js\n"))
        finally:
            served.stop()

    def test_a_component_that_cannot_start_exits_naming_why(self):
        served = WasmServe(fixture("http_handler"), "--max-memory", "1MiB", ready=False)
        self.assertEqual(served.process.wait(timeout=60), 1)
        self.assertIn("memory", served.log_text())
        served.log.close()
        not_http = WasmServe(fixture("cli"), ready=False)
        self.assertEqual(not_http.process.wait(timeout=60), 1)
        self.assertIn("no wasi:http/incoming-handler export", not_http.log_text())
        not_http.log.close()

    def test_a_response_without_a_body(self):
        # (jco serve 1.35 crashes on this one: its shim expects every response to have a body.)
        served = WasmServe(fixture("http_handler"))
        try:
            status, headers, body = request(served.port, "DELETE", "/status/204")
            self.assertEqual((status, body), (204, b""))
            self.assertNotIn("content-length", headers)
            self.assertNotIn("transfer-encoding", headers)
        finally:
            served.stop()

    def test_outgoing_requests_need_a_grant(self):
        upstream = Upstream()
        served = WasmServe(fixture("http_handler"))
        try:
            status, _, body = request(served.port, "GET",
                                      f"/fetch?url=http://127.0.0.1:{upstream.port}/x")
            self.assertEqual(status, 502)
            self.assertIn(b"fetch failed", body)
        finally:
            served.stop()
            upstream.stop()

    def test_a_client_that_goes_away_cancels_its_request(self):
        served = WasmServe(fixture("http_handler"), "--timeout", "20s")
        try:
            with socket.create_connection(("127.0.0.1", served.port)) as client:
                client.sendall(b"POST /digest HTTP/1.1\r\nhost: x\r\ncontent-length: 100000\r\n"
                               b"\r\n" + b"a" * 1000)
                time.sleep(0.3)
            self.assertEqual(served.wait_requests("cancelled", 1), 1)
            status, _, _ = request(served.port, "GET", "/hello")
            self.assertEqual(status, 200)
        finally:
            served.stop()


def head_then_cut(port, path):
    """(status, whether the body ended properly) of a response that may be cut short."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
        client.sendall(f"GET {path} HTTP/1.1\r\nhost: x\r\n\r\n".encode())
        data = b""
        while True:
            try:
                chunk = client.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            if data.endswith(b"\r\n0\r\n\r\n"):
                break
    return int(data.split(b" ", 2)[1]), data.endswith(b"\r\n0\r\n\r\n")


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("http_hello")),
                     "component fixtures not built (scripts/install-npm.sh)")
class ServeSurvivesMisbehavingGuests(unittest.TestCase):
    """The C handler's routes, each misbehaving one way: a clear error for that request,
    counted, and the next request served by a fresh instance as if nothing happened."""

    CASES = [
        # path, status, x-wasmesh-error, result label
        ("/trap", 500, "trap: unreachable in function handle", "trap"),
        ("/loop", 503, "timeout: timeout after 2s", "timeout"),
        ("/oom", 500, "trap: unreachable in function abort", "trap"),
        ("/leak", 500, "trap: host function error in function "
                       "wasi:http/types@0.2.12#[constructor]fields (the guest holds 10000 host "
                       "objects (streams, files, pollables): too many)", "trap"),
        ("/bad-pointer", 500, "trap: canonical ABI violation in function "
                              "wasi:http/types@0.2.12#[method]fields.append (string of 64 bytes "
                              "at 2147483632 outside the memory of", "trap"),
        ("/double-drop", 500, "trap: canonical ABI violation in function resource.drop "
                              "wasi:http/types@0.2.12.fields (drop of handle", "trap"),
        ("/no-response", 500, "no_response: the component returned without setting a response",
         "no_response"),
        ("/error-code", 500, "error_code: the component answered with error-code "
                             "internal-error: the handler says no", "error_code"),
    ]

    def test_each_failure_is_answered_counted_and_forgotten(self):
        for engine in ENGINES:
            served = WasmServe(fixture("http_hello"), "--engine", engine, "--timeout", "2s",
                               "--max-memory", "16MiB")
            try:
                counts = {}
                for path, status, error, result in self.CASES:
                    with self.subTest(engine=engine, path=path):
                        answer = request(served.port, "GET", path)
                        self.assertEqual(answer[0], status)
                        self.assertTrue(answer[1]["x-wasmesh-error"].startswith(error),
                                        answer[1]["x-wasmesh-error"])
                        counts[result] = counts.get(result, 0) + 1
                        self.assertEqual(request(served.port, "GET", "/hello")[2],
                                         b"hello from c\n")
                # A response whose head has left cannot become an error: the client sees the
                # stream cut (no last chunk).
                self.assertEqual(head_then_cut(served.port, "/unfinished"), (200, False))
                self.assertEqual(head_then_cut(served.port, "/hang"), (200, False))
                counts["incomplete_body"] = 1
                counts["timeout"] += 1
                for result, count in counts.items():
                    self.assertEqual(served.wait_requests(result, count), count, result)
                self.assertEqual(served.wait_requests("ok", len(self.CASES)), len(self.CASES))
                self.assertIn("GET /double-drop: trap: canonical ABI violation", served.log_text())
            finally:
                served.stop()

    def test_streams_a_request_body_back(self):
        served = WasmServe(fixture("http_hello"))
        try:
            body = os.urandom(300_000)
            status, _, echoed = request(served.port, "POST", "/echo",
                                        [body[i:i + 7000] for i in range(0, len(body), 7000)],
                                        chunked=True)
            self.assertEqual((status, echoed), (200, body))
        finally:
            served.stop()


if __name__ == "__main__":
    unittest.main()
