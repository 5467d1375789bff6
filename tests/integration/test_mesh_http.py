"""HTTP between two meshed proxies on loopback (docs/http.md, "HTTP over the mesh").

The client proxy ("web") sees HTTP on an outbound port whose destination the discovery file
marks as meshed: every request, HTTP/1 or HTTP/2, rides one shared HTTP/2 stream-multiplexed
mutual-TLS connection to the server proxy ("db"), which hands it to the application in the
version the client spoke, with the client's verified identity in l5d-client-id. Both proxies
count the golden metrics with the peer's identity."""

import http.client
import os
import socket
import subprocess
import threading
import unittest

from harness import HttpServer
from test_http import UpgradeServer
from test_mesh_tls import DB, WEB, MeshPair

try:
    import grpc
    from test_http2 import grpc_handlers
except ImportError:  # python3-grpcio; scripts/install-deps.sh test installs it
    grpc = None


class MeshHttpTest(MeshPair, unittest.TestCase):
    WORKERS = 2

    def make_app(self):
        return HttpServer(self.HOST)

    def pair(self, target_port=None, http1_port=None):
        """The two proxies; `http1_port` is hinted HTTP/1 on the server proxy, as an
        HTTP/1-only application's port must be for HTTP/2 clients to reach it."""
        extra = f", http1_ports: '{http1_port}'" if http1_port else ""
        server = self.start_server_proxy(inbound_extra=extra)
        client = self.start_client_proxy(server, target_port or self.app.port)
        return client, server

    def url(self, client, path="/"):
        host, port = client.address("route app")
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}{path}"

    def test_many_app_connections_share_one_mesh_connection(self):
        client, server = self.pair()
        connections = 20

        def one_request(index):
            conn = http.client.HTTPConnection(*client.address("route app"), timeout=10)
            conn.request("GET", f"/c{index}")
            response = conn.getresponse()
            self.assertEqual((response.status, response.read()),
                             (200, f"hello from /c{index}\n".encode()))
            conn.close()

        threads = [threading.Thread(target=one_request, args=(i,)) for i in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.wait_metric("response_total", connections, direction="outbound", tls="true",
                           server_id=DB, status_code="200", classification="success")
        server.wait_metric("response_total", connections, direction="inbound", tls="true",
                           client_id=WEB, status_code="200", classification="success")
        self.assertEqual(client.metric("request_total", direction="outbound", tls="true",
                                       server_id=DB), connections)
        self.assertEqual(server.metric("request_total", direction="inbound", tls="true",
                                       client_id=WEB), connections)
        # 20 application connections, one mesh connection (one handshake) per client proxy
        # worker: each worker thread keeps its own pool, as each has its own event loop.
        meshed = server.metric("tcp_open_total", direction="inbound", peer="src", tls="true",
                               client_id=WEB)
        self.assertGreaterEqual(meshed, 1)
        self.assertLessEqual(meshed, self.WORKERS)
        # The application got HTTP/1.1 back, with the client's identity and no trace of the
        # version header the proxies used between them.
        method, path, headers, version = self.app.requests[-1]
        self.assertEqual(version, "HTTP/1.1")
        lowered = {name.lower(): value for name, value in headers.items()}
        self.assertEqual(lowered.get("l5d-client-id"), WEB)
        self.assertNotIn("l5d-orig-proto", lowered)

    def test_a_client_id_from_the_application_is_replaced(self):
        client, _ = self.pair()
        conn = http.client.HTTPConnection(*client.address("route app"), timeout=10)
        conn.request("GET", "/spoof", headers={"l5d-client-id": "spiffe://evil/ns/x/sa/y"})
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        headers = {k.lower(): v for k, v in self.app.requests[-1][2].items()}
        self.assertEqual(headers.get("l5d-client-id"), WEB)

    def test_http1_0_keeps_its_version_across_the_mesh(self):
        client, _ = self.pair()
        with socket.create_connection(client.address("route app"), timeout=10) as sock:
            sock.sendall(b"GET /old HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.0 200"), data[:100])
        self.assertTrue(data.endswith(b"hello from /old\n"))

    def test_http2_client_to_http1_app_across_the_mesh(self):
        client, server = self.pair(http1_port=self.app.port)
        body = os.urandom(200_000)
        result = subprocess.run(["curl", "-sS", "--max-time", "20", "--http2-prior-knowledge",
                                 "--data-binary", "@-", self.url(client, "/upload")],
                                input=body, capture_output=True, timeout=30)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, body)
        self.assertEqual(self.app.requests[-1][3], "HTTP/1.1")
        server.wait_metric("response_total", 1, direction="inbound", tls="true", client_id=WEB,
                           status_code="200")

    def test_websocket_upgrade_crosses_the_mesh(self):
        upgrade = UpgradeServer() if ":" not in self.HOST else None
        if upgrade is None:
            self.skipTest("the upgrade stand-in listens on IPv4 only")
        try:
            client, _ = self.pair(upgrade.port)
            with socket.create_connection(client.address("route app"), timeout=10) as sock:
                sock.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                             b"Upgrade: websocket\r\n\r\n")
                head = b""
                while b"\r\n\r\n" not in head:
                    head += sock.recv(4096)
                self.assertTrue(head.startswith(b"HTTP/1.1 101"), head)
                rest = head.split(b"\r\n\r\n", 1)[1]
                sock.sendall(b"frames after the switch")
                while len(rest) < len(b"frames after the switch"):
                    rest += sock.recv(4096)
                self.assertEqual(rest, b"frames after the switch")
        finally:
            upgrade.close()

    def test_a_dead_application_is_a_502_from_the_server_proxy(self):
        family = socket.AF_INET6 if ":" in self.HOST else socket.AF_INET
        with socket.socket(family) as sock:  # a port nobody listens on
            sock.bind((self.HOST, 0))
            dead_port = sock.getsockname()[1]
        client, server = self.pair(dead_port)
        conn = http.client.HTTPConnection(*client.address("route app"), timeout=10)
        conn.request("GET", "/")
        response = conn.getresponse()
        self.assertEqual(response.status, 502)
        self.assertTrue(response.getheader("l5d-proxy-error"))
        conn.close()
        server.wait_metric("response_total", 1, direction="inbound", status_code="502",
                           classification="failure")

    @unittest.skipIf(grpc is None, "python3-grpcio missing: scripts/install-deps.sh test")
    def test_grpc_statuses_are_classified_on_both_proxies(self):
        from concurrent import futures
        grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        grpc_server.add_generic_rpc_handlers((grpc_handlers(),))
        host = f"[{self.HOST}]" if ":" in self.HOST else self.HOST
        port = grpc_server.add_insecure_port(f"{host}:0")
        grpc_server.start()
        try:
            client, server = self.pair(port)
            address = client.address("route app")
            target = f"[{address[0]}]:{address[1]}" if ":" in address[0] else \
                f"{address[0]}:{address[1]}"
            with grpc.insecure_channel(target) as channel:
                self.assertEqual(channel.unary_unary("/test.Service/Echo")(b"x", timeout=10),
                                 b"echo:x")
                with self.assertRaises(grpc.RpcError) as raised:
                    channel.unary_unary("/test.Service/Fail")(b"INTERNAL", timeout=10)
                self.assertEqual(raised.exception.code(), grpc.StatusCode.INTERNAL)
            for proxy, direction, label, peer in ((client, "outbound", "server_id", DB),
                                                  (server, "inbound", "client_id", WEB)):
                proxy.wait_metric("response_total", 1, direction=direction, tls="true",
                                  grpc_status="0", classification="success", **{label: peer})
                proxy.wait_metric("response_total", 1, direction=direction, tls="true",
                                  grpc_status="13", classification="failure", **{label: peer})
        finally:
            grpc_server.stop(0)


class MeshHttpIpv6Test(MeshHttpTest):
    HOST = "::1"


if __name__ == "__main__":
    unittest.main()
