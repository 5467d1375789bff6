"""TCP forwarding through explicit routes: bytes, half-close, refused and reset upstreams,
timeouts, idle floods and file-descriptor hygiene, with the metrics that account for them."""

import resource
import socket
import subprocess
import time
import unittest

from harness import PROMTOOL, EchoServer, Proxy, RefusingPort, echo_through


def config(routes, extra="", connect_timeout="300ms"):
    lines = "".join(f"  - {{name: {name}, listen: '{listen}', target: '{target}'}}\n"
                    for name, listen, target in routes)
    return ("proxy: {workers: 2}\nadmin: {listen: '127.0.0.1:0'}\n"
            "inbound: {listen: []}\noutbound: {listen: [], connect_timeout: " + connect_timeout + ", "
            "idle_timeout: 1h}\n" + extra + "routes:\n" + lines)


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def read_until_closed(sock):
    """Returns (bytes, error) where error is None for a clean EOF."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data, None
            data += chunk
    except OSError as error:
        return data, error


def connect_and_read(address, send=b""):
    """Connects, optionally sends, reads until closed: (bytes, error). On loopback the
    proxy's reset can land before connect() has returned, so an error there counts too."""
    try:
        sock = socket.create_connection(address, timeout=5)
    except OSError as error:
        return b"", error
    with sock:
        try:
            if send:
                sock.sendall(send)
        except OSError as error:
            return b"", error
        return read_until_closed(sock)


class TcpProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        raise_fd_limit()

    def test_echo_ipv4_and_ipv6_with_metrics(self):
        for host in ("127.0.0.1", "::1"):
            with self.subTest(host=host):
                echo = EchoServer(host)
                bracket = f"[{host}]" if ":" in host else host
                target = f"{bracket}:{echo.port}"
                with Proxy(config([("echo", f"{bracket}:0", target)])) as proxy:
                    payload = bytes(range(256)) * 1024  # 256 KiB, several reads
                    self.assertEqual(echo_through(host, proxy.address("route echo")[1], payload),
                                     payload)
                    labels = dict(direction="outbound", target_port=echo.port)
                    proxy.wait_metric("tcp_close_total", 1, peer="src", errno="", **labels)
                    proxy.wait_metric("tcp_close_total", 1, peer="dst", errno="", **labels)
                    self.assertEqual(proxy.metric("tcp_read_bytes_total", peer="src", **labels),
                                     len(payload))
                    self.assertEqual(proxy.metric("tcp_write_bytes_total", peer="dst", **labels),
                                     len(payload))
                    self.assertEqual(proxy.metric("tcp_open_total", peer="dst", target_addr=target,
                                                  tls="no_identity",
                                                  no_tls_reason="not_provided_by_service_discovery"),
                                     1)
                    self.assertEqual(proxy.metric("tcp_open_connections", **labels), 0)
                echo.close()

    def test_refused_upstream_resets_client_and_is_counted(self):
        refusing = RefusingPort()  # held for the whole test
        dead = refusing.port
        with Proxy(config([("dead", "127.0.0.1:0", f"127.0.0.1:{dead}")])) as proxy:
            data, error = connect_and_read(proxy.address("route dead"))
            self.assertEqual(data, b"")
            self.assertIsInstance(error, ConnectionResetError)
            proxy.wait_metric("tcp_close_total", 1, peer="src", errno="ECONNREFUSED")

    def test_upstream_reset_mid_stream_reaches_client(self):
        resetter = EchoServer(mode="reset")
        with Proxy(config([("r", "127.0.0.1:0", f"127.0.0.1:{resetter.port}")])) as proxy:
            data, error = connect_and_read(proxy.address("route r"), b"hello")
            self.assertIsInstance(error, ConnectionResetError)
            proxy.wait_metric("tcp_close_total", 1, peer="dst", errno="ECONNRESET")
        resetter.close()

    def test_connect_timeout(self):
        # A listener whose accept queue is full drops further SYNs: the connect hangs.
        with socket.socket() as full:
            full.bind(("127.0.0.1", 0))
            full.listen(0)
            port = full.getsockname()[1]
            fillers = []
            for _ in range(4):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex(("127.0.0.1", port))
                fillers.append(s)
            time.sleep(0.1)
            with Proxy(config([("slow", "127.0.0.1:0", f"127.0.0.1:{port}")])) as proxy:
                data, error = connect_and_read(proxy.address("route slow"))
                self.assertIsInstance(error, ConnectionResetError)
                proxy.wait_metric("tcp_close_total", 1, peer="src", errno="ETIMEDOUT")
            for s in fillers:
                s.close()

    def test_silent_peer_is_closed_by_idle_timeout(self):
        echo = EchoServer()
        cfg = config([("e", "127.0.0.1:0", f"127.0.0.1:{echo.port}")]).replace(
            "idle_timeout: 1h", "idle_timeout: 200ms")
        with Proxy(cfg) as proxy:
            with socket.create_connection(proxy.address("route e"), timeout=5) as client:
                data, error = read_until_closed(client)  # never send anything
            self.assertEqual(data, b"")
            proxy.wait_metric("tcp_close_total", 1, peer="src", errno="ETIMEDOUT")
        echo.close()

    def test_failing_burst_leaks_no_file_descriptors(self):
        echo = EchoServer()
        refusing = RefusingPort()  # held for the whole test
        dead = refusing.port
        routes = [("dead", "127.0.0.1:0", f"127.0.0.1:{dead}"),
                  ("echo", "127.0.0.1:0", f"127.0.0.1:{echo.port}")]
        with Proxy(config(routes)) as proxy:
            baseline = proxy.open_fds()
            for _ in range(300):
                # A byte decides detection at once (see DetectingConnector: a silent client
                # of a refused upstream waits a moment for its request first).
                connect_and_read(proxy.address("route dead"), b"x")
            for _ in range(100):
                with socket.create_connection(proxy.address("route echo"), timeout=5) as c:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 b"\x01\x00\x00\x00\x00\x00\x00\x00")  # client resets
            proxy.wait_metric("tcp_close_total", 300, peer="src", errno="ECONNREFUSED")
            proxy.wait_metric("tcp_open_total", 100, peer="src", target_port=echo.port)
            proxy.wait_metric("tcp_open_connections", 0)
            deadline = time.time() + 5
            while proxy.open_fds() != baseline and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(proxy.open_fds(), baseline)
        echo.close()

    def test_thousands_of_idle_connections(self):
        echo = EchoServer()
        count = 2000
        # A Python echo server accepts slowly: give the upstream connects time.
        routes = [("echo", "127.0.0.1:0", f"127.0.0.1:{echo.port}")]
        with Proxy(config(routes, connect_timeout="10s")) as proxy:
            baseline_fds = proxy.open_fds()
            rss_before = proxy.rss_bytes()
            address = proxy.address("route echo")
            idle = [socket.create_connection(address, timeout=5) for _ in range(count)]
            proxy.wait_metric("tcp_open_connections", count, timeout=30, peer="dst")
            rss_idle = proxy.rss_bytes()
            # Still serving while they sit there.
            self.assertEqual(echo_through(*address, b"still here"), b"still here")
            for s in idle:
                s.close()
            proxy.wait_metric("tcp_open_connections", 0, timeout=30)
            deadline = time.time() + 5
            while proxy.open_fds() != baseline_fds and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(proxy.open_fds(), baseline_fds)
            print(f"\n{count} idle proxied connections: RSS {rss_before // 1024} KiB -> "
                  f"{rss_idle // 1024} KiB ({(rss_idle - rss_before) // count} bytes each)")
        echo.close()

    def test_inbound_and_outbound_have_their_own_connection_budgets(self):
        """A remote flood of idle inbound connections used to exhaust the one shared budget,
        so the application's own outbound connections failed. Refusals are counted, and
        logged a few at a time (one line each used to be written)."""
        echo = EchoServer()
        text = ("proxy: {workers: 2}\nadmin: {listen: '127.0.0.1:0'}\n"
                "inbound: {listen: [], max_connections: 5}\n"
                "outbound: {listen: [], max_connections: 5}\n"
                "routes:\n"
                f"  - {{name: in, listen: '127.0.0.1:0', target: '127.0.0.1:{echo.port}',"
                " direction: inbound}\n"
                f"  - {{name: out, listen: '127.0.0.1:0', target: '127.0.0.1:{echo.port}'}}\n")
        with Proxy(text) as proxy:
            self.assertIn("connection limits: 5 inbound, 5 outbound", proxy.log_text())
            inbound = proxy.address("route in")
            held = [socket.create_connection(inbound, timeout=5) for _ in range(5)]
            for sock in held:
                sock.sendall(b"held")
                self.assertEqual(sock.recv(10), b"held")
            for _ in range(100):
                data, error = connect_and_read(inbound, b"x")
                self.assertEqual(data, b"")
                self.assertIsInstance(error, ConnectionResetError)
            proxy.wait_metric("inbound_tcp_errors_total", 100, error="connection_limit")
            # The application's outbound connections are unaffected.
            self.assertEqual(echo_through(*proxy.address("route out"), b"app"), b"app")
            self.assertEqual(proxy.metric("outbound_tcp_errors_total"), 0)
            lines = proxy.log_text().count("inbound connection refused")
            self.assertLessEqual(lines, 2 * 6, "refusals are not throttled in the log")
            for sock in held:
                sock.close()
        echo.close()

    def test_keepalive_on_both_sides_and_off_when_asked(self):
        """A vanished peer's connection (and its twin to the app) used to stay established
        until the idle timeout, an hour by default: keepalive probes now find it."""
        echo = EchoServer()
        routes = [("echo", "127.0.0.1:0", f"127.0.0.1:{echo.port}")]
        for keepalive, expected in (("10s", True), ("0s", False)):
            extra = f"outbound: {{listen: [], keepalive: {keepalive}}}\n"
            text = config(routes).replace("outbound: {listen: [], connect_timeout: 300ms, "
                                          "idle_timeout: 1h}\n", extra)
            with Proxy(text) as proxy, self.subTest(keepalive=keepalive):
                port = proxy.address("route echo")[1]
                client = socket.create_connection(("127.0.0.1", port), timeout=5)
                client.sendall(b"x")
                self.assertEqual(client.recv(10), b"x")
                accepted = self.socket_timers(f"sport = :{port}")
                connected = self.socket_timers(f"dport = :{echo.port}")
                self.assertEqual(len(accepted), 1, accepted)
                self.assertEqual(len(connected), 1, connected)
                for line in accepted + connected:
                    self.assertEqual("timer:(keepalive" in line, expected, line)
                client.close()
        echo.close()

    @staticmethod
    def socket_timers(selector):
        """`ss` lines (with timers) of established loopback sockets matching `selector`."""
        result = subprocess.run(["ss", "-tnoH", "state", "established", selector],
                                capture_output=True, text=True, check=True)
        return [line for line in result.stdout.splitlines() if line.strip()]

    @unittest.skipUnless(PROMTOOL, "promtool not installed")
    def test_promtool_accepts_output_with_tcp_series(self):
        echo = EchoServer()
        refusing = RefusingPort()  # held for the whole test
        dead = refusing.port
        routes = [("dead", "127.0.0.1:0", f"127.0.0.1:{dead}"),
                  ("echo", "[::1]:0", f"127.0.0.1:{echo.port}")]
        with Proxy(config(routes)) as proxy:
            echo_through("::1", proxy.address("route echo")[1], b"x" * 1000)
            connect_and_read(proxy.address("route dead"))
            proxy.wait_metric("tcp_close_total", 1, errno="ECONNREFUSED")
            text = proxy.metrics_text()
            for family in ("tcp_open_total", "tcp_close_total", "tcp_open_connections",
                           "tcp_read_bytes_total", "tcp_write_bytes_total"):
                self.assertIn(f"# TYPE {family}", text)
            result = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                                    capture_output=True)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        echo.close()


if __name__ == "__main__":
    unittest.main()
