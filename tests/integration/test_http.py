"""HTTP/1 proxying through explicit routes (the real binary, real clients: Python's
http.client and raw sockets, curl): keep-alive, HTTP/1.0, bodies both ways (fixed and
chunked), HEAD/204/304, 100-continue, pipelining, trailers, WebSocket-style upgrades, the
proxy's own errors (502/504 with l5d-proxy-error), Linkerd's golden metrics, and hostile
input: framing two parsers could read differently, oversized heads, slow clients. IPv4 and
IPv6 where the family matters."""

import http.client
import os
import re
import socket
import subprocess
import threading
import time
import unittest

from harness import HttpServer, Proxy, RefusingPort


def config(routes, outbound_extra="", inbound_extra=""):
    lines = "".join(f"  - {{name: {name}, listen: '{listen}', target: '{target}', "
                    f"direction: {direction}}}\n"
                    for name, listen, target, direction in routes)
    return ("proxy: {workers: 2}\nadmin: {listen: '127.0.0.1:0'}\n"
            f"inbound: {{listen: []{inbound_extra}}}\n"
            f"outbound: {{listen: [], connect_timeout: 500ms{outbound_extra}}}\n"
            "routes:\n" + lines)


def raw_exchange(address, data, timeout=5, read_until_close=True):
    """Sends bytes, returns everything read until the proxy closes (or the timeout)."""
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(address)
        sock.sendall(data)
        received = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
                if not read_until_close and b"\r\n\r\n" in received:
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        return received


def status_of(response_bytes):
    line = response_bytes.split(b"\r\n", 1)[0]
    parts = line.split(b" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


class UpgradeServer:
    """Answers an Upgrade request with 101, then echoes raw bytes: a WebSocket stand-in."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            rest = head.split(b"\r\n\r\n", 1)[1]
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\n\r\n" + rest)
            while data := conn.recv(65536):
                conn.sendall(data)

    def close(self):
        self.sock.close()


class HttpProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.web = HttpServer(routes={
            "/empty": (204, [], b""),
            "/cached": (304, [("ETag", '"x"')], b""),
            "/boom": (503, [], b"unavailable\n"),
        })
        cls.web6 = HttpServer("::1")
        cls.upgrade = UpgradeServer()
        cls.refusing = RefusingPort()
        cls.proxy = Proxy(config([
            ("web", "127.0.0.1:0", f"127.0.0.1:{cls.web.port}", "outbound"),
            ("web6", "[::1]:0", f"[::1]:{cls.web6.port}", "outbound"),
            ("inweb", "127.0.0.1:0", f"127.0.0.1:{cls.web.port}", "inbound"),
            ("upgrade", "127.0.0.1:0", f"127.0.0.1:{cls.upgrade.port}", "outbound"),
            ("refused", "127.0.0.1:0", f"127.0.0.1:{cls.refusing.port}", "outbound"),
        ], inbound_extra=", request_header_timeout: 1s"))

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        for server in (cls.web, cls.web6, cls.upgrade, cls.refusing):
            server.close()

    def route(self, name):
        return self.proxy.address(f"route {name}")

    def connection(self, name="web"):
        host, port = self.route(name)
        return http.client.HTTPConnection(host, port, timeout=5)

    def metric(self, name, **labels):
        return self.proxy.metric(name, **labels)

    # -- the common cases --------------------------------------------------------------

    def test_keep_alive_requests_share_one_connection_and_are_counted(self):
        for name, host in (("web", "127.0.0.1"), ("web6", "::1")):
            with self.subTest(route=name):
                before = self.metric("response_total", direction="outbound",
                                     status_code="200", classification="success")
                conn = self.connection(name)
                for i in range(3):
                    conn.request("GET", f"/item/{i}", headers={"Host": "svc.example:80"})
                    response = conn.getresponse()
                    self.assertEqual(response.status, 200)
                    self.assertEqual(response.read(), f"hello from /item/{i}\n".encode())
                conn.close()
                self.proxy.wait_metric("response_total", before + 3, direction="outbound",
                                       status_code="200", classification="success")
                self.assertGreaterEqual(
                    self.metric("request_total", direction="outbound", authority="svc.example:80"),
                    3)
                self.assertGreaterEqual(
                    self.metric("response_latency_ms_count", direction="outbound",
                                authority="svc.example:80", status_code="200"), 3)

    def test_http10_gets_http10_and_the_connection_closes(self):
        answer = raw_exchange(self.route("web"), b"GET /old HTTP/1.0\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.0 200 OK\r\n"), answer)
        self.assertIn(b"hello from /old", answer)
        # Upstream it went as HTTP/1.1 (with an empty Host), so the server kept the connection
        # open and the pool may reuse it: the next requests must not meet a closed connection.
        self.assertEqual(self.web.requests[-1][3], "HTTP/1.1")
        conn = self.connection()
        for i in range(3):
            conn.request("GET", f"/after-old/{i}")
            self.assertEqual(conn.getresponse().read(), f"hello from /after-old/{i}\n".encode())
        conn.close()

    def test_bodies_both_ways_fixed_and_chunked(self):
        payload = os.urandom(3 << 20)
        conn = self.connection()
        conn.request("POST", "/upload", body=payload)
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("x-received"), str(len(payload)))
        self.assertEqual(response.read(), payload)

        def chunks():
            for i in range(0, len(payload), 100_000):
                yield payload[i:i + 100_000]

        conn.request("PUT", "/chunked", body=chunks(), encode_chunked=True)
        response = conn.getresponse()
        self.assertEqual(response.getheader("x-received"), str(len(payload)))
        self.assertEqual(response.read(), payload)
        conn.close()

    def test_head_204_and_304_carry_no_body(self):
        conn = self.connection()
        conn.request("HEAD", "/page")
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("content-length"), str(len(b"hello from /page\n")))
        self.assertEqual(response.read(), b"")
        for path, status in (("/empty", 204), ("/cached", 304)):
            conn.request("GET", path)
            response = conn.getresponse()
            self.assertEqual(response.status, status)
            self.assertEqual(response.read(), b"")
        # The connection is still in step: a request after them works.
        conn.request("GET", "/after")
        self.assertEqual(conn.getresponse().read(), b"hello from /after\n")
        conn.close()

    def test_100_continue_is_answered_before_the_body_is_sent(self):
        with socket.create_connection(self.route("web"), timeout=5) as sock:
            sock.sendall(b"POST /expect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                         b"Expect: 100-continue\r\n\r\n")
            self.assertEqual(sock.recv(100), b"HTTP/1.1 100 Continue\r\n\r\n")
            sock.sendall(b"hello")
            answer = b""
            while b"hello" not in answer:
                answer += sock.recv(4096)
            self.assertTrue(answer.startswith(b"HTTP/1.1 200 OK\r\n"), answer)

    def test_pipelined_requests_are_answered_in_order(self):
        requests = b"".join(f"GET /p{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for i in range(3))
        requests += b"GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        answer = raw_exchange(self.route("web"), requests)
        bodies = [b"hello from /p0", b"hello from /p1", b"hello from /p2", b"hello from /last"]
        positions = [answer.find(body) for body in bodies]
        self.assertTrue(all(p >= 0 for p in positions), answer)
        self.assertEqual(positions, sorted(positions))

    def test_an_upgrade_relays_bytes_both_ways_after_101(self):
        with socket.create_connection(self.route("upgrade"), timeout=5) as sock:
            sock.sendall(b"GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                         b"Upgrade: websocket\r\n\r\n")
            head = b""
            while b"\r\n\r\n" not in head:
                head += sock.recv(4096)
            self.assertTrue(head.startswith(b"HTTP/1.1 101 "), head)
            self.assertIn(b"upgrade: websocket", head.lower())
            for message in (b"\x81\x05hello", os.urandom(100_000)):
                sock.sendall(message)
                echoed = b""
                while len(echoed) < len(message):
                    echoed += sock.recv(65536)
                self.assertEqual(echoed, message)

    def test_inbound_requests_carry_no_client_id_from_outside(self):
        conn = self.connection("inweb")
        conn.request("GET", "/whoami", headers={"l5d-client-id": "spiffe://evil/ns/x/sa/y"})
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        headers = {name.lower(): value for name, value in self.web.requests[-1][2].items()}
        self.assertNotIn("l5d-client-id", headers)

    # -- the proxy's own answers -------------------------------------------------------

    def test_a_refused_upstream_is_a_502_naming_the_reason(self):
        before = self.metric("outbound_http_errors_total", error="connect_refused")
        answer = raw_exchange(self.route("refused"), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                              read_until_close=False)
        self.assertEqual(status_of(answer), 502, answer)
        self.assertIn(b"l5d-proxy-error: connect_refused", answer)
        self.proxy.wait_metric("outbound_http_errors_total", before + 1, error="connect_refused")
        self.assertGreaterEqual(self.metric("response_total", status_code="502",
                                            classification="failure", error="connect_refused"), 1)

    def test_5xx_from_the_application_is_a_failure(self):
        conn = self.connection()
        conn.request("GET", "/boom")
        self.assertEqual(conn.getresponse().status, 503)
        conn.close()
        self.proxy.wait_metric("response_total", 1, status_code="503", classification="failure",
                               error="")

    # -- hostile input -----------------------------------------------------------------

    SMUGGLING = {
        "content-length and chunked": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "two content-lengths": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                               b"Content-Length: 6\r\n\r\nhello!",
        "repeated content-length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                                   b"Content-Length: 5\r\n\r\nhello",
        "content-length list": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello",
        "chunked not last": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip"
                            b"\r\n\r\n0\r\n\r\n",
        "transfer-encoding folded": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n"
                                    b" chunked\r\n\r\n0\r\n\r\n",
        "obs-fold": b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n",
        "space before colon": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 0\r\n\r\n",
        "bare LF": b"GET / HTTP/1.1\nHost: x\n\n",
        "bare CR": b"GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n",
        "chunk size 0x": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"0x5\r\nhello\r\n0\r\n\r\n",
        "chunk size +": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"+5\r\nhello\r\n0\r\n\r\n",
        "chunk size _": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"5_0\r\nhello\r\n0\r\n\r\n",
        "chunk size overflow": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                               b"ffffffffffffffffff1\r\nhello\r\n0\r\n\r\n",
        "invalid header name": b"GET / HTTP/1.1\r\nHost: x\r\nX(y): z\r\n\r\n",
        "control in a value": b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n",
        "NUL in a value": b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n",
        "no host": b"GET / HTTP/1.1\r\n\r\n",
        "two hosts": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "chunked in HTTP/1.0": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "space in the target": b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
        "leading whitespace line": b"GET / HTTP/1.1\r\n Host: x\r\n\r\n",
    }

    def test_ambiguous_framing_is_refused_and_never_forwarded(self):
        for case, request in self.SMUGGLING.items():
            with self.subTest(case=case):
                seen = len(self.web.requests)
                answer = raw_exchange(self.route("web"), request)
                self.assertEqual(status_of(answer), 400, f"{case}: {answer!r}")
                self.assertIn(b"connection: close", answer.lower())
                time.sleep(0.05)
                self.assertEqual(len(self.web.requests), seen, f"{case} reached the server")
        self.assertGreaterEqual(self.metric("wasmesh_http_codec_errors_total",
                                            error="malformed_request"), len(self.SMUGGLING) - 1)

    def test_oversized_heads_get_414_and_431(self):
        long_line = b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        self.assertEqual(status_of(raw_exchange(self.route("web"), long_line)), 414)
        big_header = b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 70_000 + b"\r\n\r\n"
        self.assertEqual(status_of(raw_exchange(self.route("web"), big_header)), 431)
        many = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(
            f"X-{i}: y\r\n".encode() for i in range(150)) + b"\r\n"
        self.assertEqual(status_of(raw_exchange(self.route("web"), many)), 431)
        self.assertEqual(status_of(raw_exchange(self.route("web"), b"GET / HTTP/2.0\r\n\r\n")),
                         505)

    def test_a_slow_client_is_cut_at_the_header_timeout(self):
        # Inbound routes here allow 1 s for a request's headers; this client trickles a
        # header line every 200 ms and never finishes (slowloris).
        started = time.monotonic()
        answer = b""
        with socket.create_connection(self.route("inweb"), timeout=0.2) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\n")
            while time.monotonic() - started < 8 and not answer:
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                    answer = sock.recv(4096)
                except socket.timeout:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
        self.assertEqual(status_of(answer), 408, answer)

    def test_curl_http11(self):
        host, port = self.route("web")
        result = subprocess.run(["curl", "-s", "--http1.1", "-D", "-",
                                 f"http://{host}:{port}/curl"], capture_output=True, timeout=10)
        self.assertIn(b"hello from /curl", result.stdout)
        self.assertTrue(result.stdout.startswith(b"HTTP/1.1 200"), result.stdout)

    def test_wrk_load_is_answered_and_counted_in_full(self):
        """wrk's keep-alive load: every request answered 2xx, and the proxy counts exactly
        the requests wrk completed (wrk may leave a few in flight when it stops)."""
        host, port = self.route("web")
        labels = dict(direction="outbound", status_code="200", classification="success")
        before = self.metric("response_total", **labels)
        result = subprocess.run(["wrk", "-t1", "-c8", "-d1s", f"http://{host}:{port}/wrk"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        completed = re.search(r"(\d+) requests in", result.stdout)
        self.assertIsNotNone(completed, result.stdout)
        self.assertNotIn("Non-2xx", result.stdout)
        self.assertNotIn("Socket errors", result.stdout)
        done = int(completed.group(1))
        self.assertGreater(done, 0)
        time.sleep(0.5)  # requests cut off when wrk stopped end on the proxy too
        counted = self.metric("response_total", **labels) - before
        self.assertGreaterEqual(counted, done)
        self.assertLessEqual(counted, done + 8, "at most one in flight per connection")


class HttpDrainTest(unittest.TestCase):
    def test_idle_keep_alive_connections_do_not_hold_the_drain(self):
        """SIGTERM: a kept-alive HTTP/1 connection with no request under way is closed at
        once, so it does not hold the drain for the 60 s grace period."""
        web = HttpServer()
        proxy = Proxy(config([("web", "127.0.0.1:0", f"127.0.0.1:{web.port}", "outbound")])
                      .replace("proxy: {workers: 2}", "proxy: {workers: 2, shutdown_grace_period: 60s}"))
        try:
            idle = http.client.HTTPConnection(*proxy.address("route web"), timeout=5)
            idle.request("GET", "/first")
            self.assertEqual(idle.getresponse().read(), b"hello from /first\n")
            proxy.process.send_signal(15)
            # Well inside the grace period: nothing was left to finish.
            self.assertEqual(proxy.process.wait(timeout=20), 0)
            idle.close()
        finally:
            proxy.stop()
            web.close()


if __name__ == "__main__":
    unittest.main()
