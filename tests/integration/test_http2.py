"""HTTP/2 through the proxy with real peers: curl (--http2-prior-knowledge), nghttp and
h2load clients, nghttpd as an HTTP/2-only upstream, a gRPC client and server (Debian's
python3-grpcio) with OK and failing statuses, trailers, translation h1<->h2 both ways, and
Linkerd's golden metrics for all of it. Routes (explicit mode) stand for the transparent
listeners: the same detection, codecs, pools and metrics sit behind both."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
from concurrent import futures

from harness import HttpServer, Proxy

try:
    import grpc
except ImportError:  # python3-grpcio; scripts/install-deps.sh test installs it
    grpc = None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Nghttpd:
    """nghttpd without TLS: an HTTP/2-only (prior knowledge) upstream serving a directory,
    echoing POST bodies, and adding a trailer to every response with a body."""

    def __init__(self, directory):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["nghttpd", "--no-tls", "--echo-upload", "--trailer", "x-upstream-trailer: done",
             "-d", directory, str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError("nghttpd did not start")

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def grpc_handlers():
    """Raw-bytes gRPC methods (no generated code): Echo answers its request, Fail aborts with
    the status named in the request."""

    def echo(request, context):
        return b"echo:" + request

    def fail(request, context):
        context.abort(getattr(grpc.StatusCode, request.decode()), "asked to fail")

    return grpc.method_handlers_generic_handler("test.Service", {
        "Echo": grpc.unary_unary_rpc_method_handler(echo),
        "Fail": grpc.unary_unary_rpc_method_handler(fail),
    })


def curl(*args, timeout=10):
    result = subprocess.run(["curl", "-sS", "--max-time", str(timeout), *args],
                            capture_output=True, timeout=timeout + 5)
    return result.returncode, result.stdout, result.stderr.decode()


class Http2ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.htdocs = tempfile.mkdtemp(prefix="wasmesh-h2-")
        with open(os.path.join(cls.htdocs, "index.html"), "wb") as f:
            f.write(b"served by nghttpd\n")
        with open(os.path.join(cls.htdocs, "big"), "wb") as f:
            f.write(bytes(range(256)) * 4096)  # 1 MiB: several windows' worth
        cls.h1 = HttpServer()
        cls.h2 = Nghttpd(cls.htdocs)
        cls.grpc_server = None
        routes = [("h1", cls.h1.port), ("h2", cls.h2.port)]
        if grpc is not None:
            cls.grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
            cls.grpc_server.add_generic_rpc_handlers((grpc_handlers(),))
            cls.grpc_port = cls.grpc_server.add_insecure_port("127.0.0.1:0")
            cls.grpc_server.start()
            routes.append(("grpc", cls.grpc_port))
        lines = "".join(f"  - {{name: {name}, listen: '127.0.0.1:0', target: '127.0.0.1:{port}',"
                        " direction: outbound}\n" for name, port in routes)
        # Upstream ports are hinted with the one protocol each server speaks, so that
        # clients of the other protocol reach it too (without a hint, a request goes on in
        # the protocol it came in).
        cls.proxy = Proxy("proxy: {workers: 2}\nadmin: {listen: '127.0.0.1:0'}\n"
                          "inbound: {listen: []}\n"
                          f"outbound: {{listen: [], http1_ports: '{cls.h1.port}', "
                          f"http2_ports: '{cls.h2.port}'}}\n"
                          "routes:\n" + lines)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.h1.close()
        cls.h2.close()
        if cls.grpc_server is not None:
            cls.grpc_server.stop(0)
        shutil.rmtree(cls.htdocs, ignore_errors=True)

    def url(self, route, path="/"):
        host, port = self.proxy.address(f"route {route}")
        return f"http://{host}:{port}{path}"

    def responses(self, **labels):
        return self.proxy.metric("response_total", direction="outbound", **labels)

    # -- translation -------------------------------------------------------------------

    def test_http2_client_reaches_an_http1_server(self):
        code, body, err = curl("--http2-prior-knowledge", "-D", "-", self.url("h1", "/a"))
        self.assertEqual(code, 0, err)
        head, _, payload = body.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/2 200"), head)
        self.assertEqual(payload, b"hello from /a\n")
        method, path, headers, version = self.h1.requests[-1]
        self.assertEqual((method, path, version), ("GET", "/a", "HTTP/1.1"))
        # :authority became Host; nothing HTTP/2-only leaked into the HTTP/1 request.
        lowered = {name.lower(): value for name, value in headers.items()}
        self.assertEqual(lowered.get("host"), self.url("h1").split("/")[2])
        self.assertFalse(any(name.startswith(":") for name in headers))

    def test_http2_post_body_to_an_http1_server(self):
        body = os.urandom(300_000)
        result = subprocess.run(
            ["curl", "-sS", "--max-time", "20", "--http2-prior-knowledge", "--data-binary", "@-",
             "-H", "Content-Type: application/octet-stream", self.url("h1", "/upload")],
            input=body, capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, body)

    def test_http1_client_reaches_an_http2_only_server(self):
        code, body, err = curl("--http1.1", "-D", "-", self.url("h2", "/index.html"))
        self.assertEqual(code, 0, err)
        head, _, payload = body.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head)
        # The HTTP/2 trailer comes back to an HTTP/1.1 client as a chunked trailer section
        # only if it asked for one (TE: trailers); the body is whole either way.
        self.assertIn(b"served by nghttpd", payload)

    def test_http1_post_to_an_http2_only_server_is_echoed(self):
        body = os.urandom(200_000)
        result = subprocess.run(
            ["curl", "-sS", "--max-time", "20", "--http1.1", "--data-binary", "@-",
             self.url("h2", "/echo")], input=body, capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, body)

    def test_http2_to_http2_with_trailers(self):
        result = subprocess.run(["nghttp", "-v", self.url("h2", "/index.html")],
                                capture_output=True, timeout=20)
        out = result.stdout.decode(errors="replace")
        self.assertEqual(result.returncode, 0, out + result.stderr.decode())
        self.assertIn(":status: 200", out)
        self.assertIn("x-upstream-trailer: done", out)

    def test_large_body_through_flow_control(self):
        result = subprocess.run(["curl", "-sS", "--max-time", "20", "--http2-prior-knowledge",
                                 self.url("h2", "/big")], capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, bytes(range(256)) * 4096)

    # -- multiplexing and load -----------------------------------------------------------

    def test_concurrent_streams_on_one_connection(self):
        before = self.responses(status_code="200", classification="success")
        result = subprocess.run(["nghttp", "-n", "-s", "-m", "20", self.url("h1", "/many")],
                                capture_output=True, timeout=20)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.proxy.wait_metric("response_total", before + 20, direction="outbound",
                               status_code="200", classification="success")

    def test_h2load_every_request_succeeds(self):
        for route in ("h1", "h2"):
            with self.subTest(route=route):
                result = subprocess.run(["h2load", "-n", "400", "-c", "4", "-m", "10",
                                         self.url(route, "/index.html")],
                                        capture_output=True, timeout=60)
                out = result.stdout.decode()
                self.assertEqual(result.returncode, 0, out)
                match = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, "
                                  r"(\d+) succeeded, (\d+) failed, (\d+) errored", out)
                self.assertIsNotNone(match, out)
                self.assertEqual(match.group(3), "400", out)
                status = re.search(r"status codes: (\d+) 2xx", out)
                self.assertEqual(status.group(1), "400", out)

    # -- gRPC -------------------------------------------------------------------------------

    @unittest.skipIf(grpc is None, "python3-grpcio missing: scripts/install-deps.sh test")
    def test_grpc_ok_and_failures_are_classified(self):
        host, port = self.proxy.address("route grpc")
        with grpc.insecure_channel(f"{host}:{port}") as channel:
            echo = channel.unary_unary("/test.Service/Echo")
            fail = channel.unary_unary("/test.Service/Fail")
            self.assertEqual(echo(b"ping", timeout=10), b"echo:ping")
            with self.assertRaises(grpc.RpcError) as raised:
                fail(b"NOT_FOUND", timeout=10)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)
            with self.assertRaises(grpc.RpcError) as raised:
                fail(b"UNAVAILABLE", timeout=10)
            self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)
        # HTTP 200 every time; grpc-status decides, with Linkerd's failure codes: UNAVAILABLE
        # (14) is one, NOT_FOUND (5) is an answer, not a failure of the service.
        self.proxy.wait_metric("response_total", 1, direction="outbound", grpc_status="0",
                               status_code="200", classification="success")
        self.proxy.wait_metric("response_total", 1, direction="outbound", grpc_status="5",
                               status_code="200", classification="success")
        self.proxy.wait_metric("response_total", 1, direction="outbound", grpc_status="14",
                               status_code="200", classification="failure")

    # -- metrics ----------------------------------------------------------------------------

    def test_golden_metrics_for_http2_requests(self):
        before_requests = self.proxy.metric("request_total", direction="outbound")
        before_latency = self.proxy.metric("response_latency_ms_count", direction="outbound")
        for _ in range(3):
            code, _, err = curl("--http2-prior-knowledge", self.url("h1", "/metrics-check"))
            self.assertEqual(code, 0, err)
        self.proxy.wait_metric("request_total", before_requests + 3, direction="outbound")
        self.proxy.wait_metric("response_latency_ms_count", before_latency + 3,
                               direction="outbound")
        text = self.proxy.metrics_text()
        authority = self.url("h1").split("/")[2]
        self.assertIn(f'authority="{authority}"', text)


if __name__ == "__main__":
    unittest.main()
