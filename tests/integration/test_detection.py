"""Protocol detection through explicit routes: server-first greetings relayed at once,
TLS/HTTP/1/HTTP/2 classified and replayed byte for byte, port classes honoured, and bad
input (slow, empty, half-closed, lying, garbage, reset) decided within the limits and
counted, while the proxy keeps serving everyone else."""

import os
import re
import socket
import ssl
import time
import unittest

from harness import (EchoServer, GreetingServer, Proxy, RefusingPort, echo_through,
                     sum_metric)

H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# Outbound routes detect with a short timeout so the timeout cases run quickly; inbound
# routes keep the default 10 s, far beyond the clients' own timeouts in the server-first
# tests, so a proxy that waited for client bytes fails them however fast the machine is.
DETECT_TIMEOUT_S = 1
CLIENT_TIMEOUT_S = 3
RESULTS = "outbound_tcp_detect_http_results_total"
INBOUND_RESULTS = "inbound_tcp_detect_http_results_total"
DURATIONS = "wasmesh_tcp_detect_duration_seconds_count"


def client_hello(server_name="svc.example", alpn=("h2", "http/1.1")):
    """The first flight of Python's (OpenSSL's) TLS client, as a real client sends it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(list(alpn))
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def connect(address, timeout=5):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


def read_all(sock):
    chunks = []
    while data := sock.recv(65536):
        chunks.append(data)
    return b"".join(chunks)


def config(routes, opaque="", http1=""):
    lines = "".join(
        f"  - {{name: {name}, listen: '{listen}', target: '{target}', direction: {direction}}}\n"
        for name, listen, target, direction in routes)
    traffic = f"listen: [], connect_timeout: 500ms, opaque_ports: '{opaque}', http1_ports: '{http1}'"
    return ("proxy: {workers: 2}\nadmin: {listen: '127.0.0.1:0'}\n"
            f"inbound: {{{traffic}}}\n"
            f"outbound: {{{traffic}, detect_timeout: {DETECT_TIMEOUT_S}s}}\nroutes:\n" + lines)


class DetectionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.echo = EchoServer()
        cls.echo6 = EchoServer("::1")
        cls.greeting = GreetingServer()
        cls.greeting6 = GreetingServer("::1")
        cls.opaque_echo = EchoServer()
        cls.hinted_echo = EchoServer()
        cls.refusing = RefusingPort()
        cls.proxy = Proxy(config(
            [("echo", "127.0.0.1:0", f"127.0.0.1:{cls.echo.port}", "outbound"),
             ("echo6", "[::1]:0", f"[::1]:{cls.echo6.port}", "outbound"),
             ("greeting", "127.0.0.1:0", f"127.0.0.1:{cls.greeting.port}", "inbound"),
             ("greeting6", "[::1]:0", f"[::1]:{cls.greeting6.port}", "inbound"),
             ("greeting_out", "127.0.0.1:0", f"127.0.0.1:{cls.greeting.port}", "outbound"),
             ("inbound", "127.0.0.1:0", f"127.0.0.1:{cls.echo.port}", "inbound"),
             ("opaque", "127.0.0.1:0", f"127.0.0.1:{cls.opaque_echo.port}", "outbound"),
             ("hinted", "127.0.0.1:0", f"127.0.0.1:{cls.hinted_echo.port}", "outbound"),
             ("refused", "127.0.0.1:0", f"127.0.0.1:{cls.refusing.port}", "outbound")],
            opaque=str(cls.opaque_echo.port), http1=str(cls.hinted_echo.port)))

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        for server in (cls.echo, cls.echo6, cls.greeting, cls.greeting6, cls.opaque_echo,
                       cls.hinted_echo, cls.refusing):
            server.close()

    def route(self, name):
        return self.proxy.address(f"route {name}")

    def counts(self):
        text = self.proxy.metrics_text()
        names = ("tls", "http/1", "http/2", "not_http", "read_timeout", "error")
        out = {}
        for direction, family in (("outbound", RESULTS), ("inbound", INBOUND_RESULTS)):
            for result in names:
                out[(direction, result)] = sum_metric(text, family, result=result)
            for result in names + ("server_first",):
                out[(direction, "histogram", result)] = sum_metric(
                    text, DURATIONS, direction=direction, result=result)
        return out

    def expect_counted(self, before, changes):
        """Waits for exactly `changes` ({key: delta}) and nothing else to have moved."""
        deadline = time.time() + 5
        while True:
            after = self.counts()
            moved = {k: after[k] - before[k] for k in after if after[k] != before[k]}
            if moved == changes or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(moved, changes)

    def outbound(self, result, histogram=None, n=1):
        return {("outbound", result): n, ("outbound", "histogram", histogram or result): n}

    def inbound(self, result, histogram=None, n=1):
        return {("inbound", result): n, ("inbound", "histogram", histogram or result): n}

    def test_server_first_greeting_arrives_without_a_client_byte(self):
        for name in ("greeting", "greeting6"):
            with self.subTest(route=name):
                before = self.counts()
                with connect(self.route(name), timeout=CLIENT_TIMEOUT_S) as sock:
                    self.assertEqual(sock.recv(100), GreetingServer.BANNER)
                    sock.sendall(b"EHLO client\r\n")
                    self.assertEqual(sock.recv(100), b"EHLO client\r\n")
                self.expect_counted(before, self.inbound("not_http", "server_first"))

    def test_http1_is_detected_and_proxied_request_by_request(self):
        # Detected HTTP/1 is served by the HTTP layer (tests/integration/test_http.py): a
        # plain echo server behind it is not an HTTP server, so the proxy answers 502.
        request = b"GET /index.html HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n"
        for name in ("echo", "echo6"):
            with self.subTest(route=name):
                before = self.counts()
                host, port = self.route(name)
                answer = echo_through(host, port, request)
                self.assertTrue(answer.startswith(b"HTTP/1.1 502 Bad Gateway\r\n"), answer)
                self.assertIn(b"l5d-proxy-error: malformed_response", answer)
                self.expect_counted(before, self.outbound("http/1"))

    def test_http2_preface_is_detected_and_served_as_http2(self):
        # Detected HTTP/2 is served by the HTTP layer's HTTP/2 codec (test_http2.py): the
        # proxy answers the preface with its own SETTINGS frame, not with the echo server's
        # copy of the client's bytes.
        before = self.counts()
        payload = H2_PREFACE + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"  # an empty SETTINGS
        answer = echo_through(*self.route("echo"), payload)
        self.assertNotEqual(answer, payload)
        self.assertGreaterEqual(len(answer), 9, answer)
        self.assertEqual(answer[3], 0x04, f"first frame is not SETTINGS: {answer!r}")
        self.expect_counted(before, self.outbound("http/2"))

    def test_tls_client_hello_is_detected_and_passed_through_with_its_sni(self):
        hello = client_hello("svc.example")
        before = self.counts()
        self.assertEqual(echo_through(*self.route("inbound"), hello), hello)
        self.expect_counted(before, {("inbound", "tls"): 1, ("inbound", "histogram", "tls"): 1})
        self.assertEqual(self.proxy.metric("tcp_open_total", direction="inbound", peer="src",
                                           tls="opaque", sni="svc.example"), 1)

    def test_client_hello_split_across_writes_is_still_tls(self):
        hello = client_hello("split.example")
        before = self.counts()
        with connect(self.route("echo")) as sock:
            for piece in (hello[:3], hello[3:40], hello[40:]):
                sock.sendall(piece)
                time.sleep(0.1)
            sock.shutdown(socket.SHUT_WR)
            self.assertEqual(read_all(sock), hello)
        self.expect_counted(before, self.outbound("tls"))

    def test_client_hello_with_lying_lengths_is_decided_at_once(self):
        # A handshake that claims 16 MiB: no buffer waits for it; it is forwarded as opaque.
        lying = b"\x16\x03\x01\x40\x00\x01\xff\xff\xff" + b"\x03\x03" + bytes(32)
        before = self.counts()
        self.assertEqual(echo_through(*self.route("echo"), lying), lying)
        self.expect_counted(before, self.outbound("not_http"))

    def test_truncated_client_hello_times_out_and_is_forwarded(self):
        partial = client_hello()[:50]
        before = self.counts()
        with connect(self.route("echo")) as sock:
            sock.sendall(partial)
            # Nothing comes back until detection gives up; then the bytes flow unchanged.
            self.assertEqual(sock.recv(100), partial)
        self.expect_counted(before, self.outbound("read_timeout"))

    def test_one_byte_per_interval_is_decided_within_the_detect_timeout(self):
        request = b"GET / HTTP/1.1\r\nHost: slow\r\n\r\n"
        before = self.counts()
        with connect(self.route("echo")) as sock:
            sock.sendall(request[:5])  # "GET /": a request line worth waiting for
            time.sleep(0.1)
            for byte in request[5:]:
                sock.sendall(bytes([byte]))
                time.sleep(0.1)
            sock.shutdown(socket.SHUT_WR)
            self.assertEqual(read_all(sock), request)
        self.expect_counted(before, self.outbound("read_timeout"))

    def test_a_bare_word_is_forwarded_at_once(self):
        # A line protocol's "hello" awaiting its answer: the inbound route's 10 s detect
        # timeout is far beyond the client's own, so only an immediate decision passes.
        before = self.counts()
        with connect(self.route("inbound"), timeout=CLIENT_TIMEOUT_S) as sock:
            sock.sendall(b"hello")
            self.assertEqual(sock.recv(100), b"hello")
        self.expect_counted(before, self.inbound("not_http"))

    def test_garbage_is_not_http_and_forwarded(self):
        garbage = bytes([0, 255, 1, 254]) + os.urandom(5000)
        before = self.counts()
        self.assertEqual(echo_through(*self.route("echo"), garbage), garbage)
        self.expect_counted(before, self.outbound("not_http"))

    def test_empty_and_half_closed_connections_are_decided_and_closed(self):
        before = self.counts()
        socket.create_connection(self.route("echo")).close()
        with connect(self.route("echo")) as sock:
            sock.shutdown(socket.SHUT_WR)
            self.assertEqual(read_all(sock), b"")
        self.expect_counted(before, self.outbound("not_http", n=2))

    def test_half_close_before_speaking_still_gets_the_greeting(self):
        before = self.counts()
        with connect(self.route("greeting_out")) as sock:
            sock.shutdown(socket.SHUT_WR)
            self.assertEqual(read_all(sock), GreetingServer.BANNER)
        after = self.counts()
        decided = sum(after[("outbound", "histogram", r)] - before[("outbound", "histogram", r)]
                      for r in ("server_first", "not_http"))
        self.assertEqual(decided, 1)  # whichever of FIN and greeting the proxy saw first

    def test_reset_during_detection_is_an_error(self):
        before = self.counts()
        sock = connect(self.route("echo"))
        sock.sendall(b"GET /ind")
        time.sleep(0.1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()
        self.expect_counted(before, self.outbound("error"))

    def test_opaque_and_hinted_ports_skip_detection(self):
        before = self.counts()
        with connect(self.route("opaque")) as sock:
            sock.sendall(b"\x00garbage")
            self.assertEqual(sock.recv(100), b"\x00garbage")
        # A port hinted HTTP/1 is served as HTTP/1 without looking: garbage is a bad request.
        with connect(self.route("hinted")) as sock:
            sock.sendall(b"\x00garbage\r\n\r\n")
            self.assertTrue(sock.recv(100).startswith(b"HTTP/1.1 400 Bad Request\r\n"))
        self.expect_counted(before, {})

    def test_refused_upstream_resets_the_client_without_a_decision(self):
        before = self.counts()
        errors_before = self.proxy.metric("tcp_close_total", errno="ECONNREFUSED")
        try:
            with connect(self.route("refused")) as sock:
                self.assertEqual(sock.recv(100), b"")
        except ConnectionResetError:
            pass
        self.proxy.wait_metric("tcp_close_total", errors_before + 1, errno="ECONNREFUSED")
        self.expect_counted(before, {})

    def test_stalled_clients_do_not_hold_up_others_and_leave_nothing_behind(self):
        baseline = self.proxy.open_fds()
        before = self.counts()
        stalled = [connect(self.route("echo")) for _ in range(200)]
        for sock in stalled:
            sock.sendall(b"GET /")
        self.proxy.wait_metric("wasmesh_tcp_detecting_connections", 200, direction="outbound")
        # While 200 connections wait in detection, others are served at once.
        with connect(self.route("greeting"), timeout=CLIENT_TIMEOUT_S) as sock:
            self.assertEqual(sock.recv(100), GreetingServer.BANNER)
        for sock in stalled:
            self.assertEqual(sock.recv(10), b"GET /")  # after the detect timeout, forwarded
            sock.close()
        expected = self.outbound("read_timeout", n=200)
        expected.update(self.inbound("not_http", "server_first"))
        self.expect_counted(before, expected)
        self.proxy.wait_metric("wasmesh_tcp_detecting_connections", 0, direction="outbound")
        deadline = time.time() + 5
        while self.proxy.open_fds() > baseline and time.time() < deadline:
            time.sleep(0.05)
        self.assertLessEqual(self.proxy.open_fds(), baseline)


class SniCardinalityTest(unittest.TestCase):
    """The client writes the SNI that labels a passed-through TLS connection, and chose the
    port: past 1000 distinct combinations (TcpMetrics::kMaxPeerChosenLabelSets; the accepting
    side's name and port and the connecting side's port, without a name, each count) new ones
    share sni="overflow", so no client can add series without bound. Its own proxy: the
    flood fills the limit for the retention period (10 minutes)."""

    def test_a_flood_of_distinct_sni_values_stops_adding_series(self):
        echo = EchoServer()
        try:
            with Proxy(config([("inbound", "127.0.0.1:0", f"127.0.0.1:{echo.port}",
                                "inbound")])) as proxy:
                for i in range(1010):
                    hello = client_hello(f"flood-{i}.example")
                    self.assertEqual(echo_through(*proxy.address("route inbound"), hello), hello)
                proxy.wait_metric("tcp_open_total", 11, direction="inbound", peer="src",
                                  tls="opaque", sni="overflow", target_port="overflow",
                                  target_ip="overflow")
                names = set(re.findall(r'tcp_open_total\{[^}]*sni="([^"]*)"', proxy.metrics_text()))
                self.assertEqual(len(names), 1000)  # 999 names and "overflow"
                self.assertIn("flood-0.example", names)
                self.assertNotIn("flood-1009.example", names)
        finally:
            echo.close()


if __name__ == "__main__":
    unittest.main()
