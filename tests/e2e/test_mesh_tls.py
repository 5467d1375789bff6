"""End-to-end mesh TLS between two pods (docs/mesh-transport.md).

Pod A ("web") reaches the echo app in pod B ("db") through A's outbound proxy, which finds
B's addresses in its discovery file and opens mesh TLS to B's inbound port 4143; B's proxy
terminates it and forwards to the app. A packet capture on B's side of the link shows no
application byte in clear, while the same bytes over a skipped port do show (so the
capture can see them). Clients in A that bypass A's rules (plaintext; TLS with no client
certificate, TLS 1.2 only, expired, not-yet-valid and untrusted certificates; a garbage
header) are refused by B and counted by reason, and so is a meshed connection that asks for
the proxy's own port. (A server proving the wrong identity is in the loopback test,
tests/integration/test_mesh_tls.py, which can stand up an impostor server.) A long-lived
connection survives B's certificate rotation. Both families.

Needs root; otherwise the module prints "skipped: needs root" and skips.
"""

import json
import os
import sys
import time
import unittest

import apps
import pods
from meshpki import DB, DB_SNI, TD, WEB, Pki, transport_header, wasmesh

FAMILIES = (4, 6)
ECHO_PORT = 8080
CHAT_PORT = 8083      # echoes each read at once
SKIPPED_PORT = 9090   # the control: never redirected, so it crosses in clear
PAYLOAD = 200_000
NET = None
PKI = None


def setUpModule():
    global NET, PKI
    pods.require_pods()
    PKI = Pki()
    discovery = PKI.discovery_of_b()
    NET = pods.PodNetwork(a_init=["--skip-outbound-ports", str(SKIPPED_PORT)],
                          b_init=["--skip-inbound-ports", str(SKIPPED_PORT)],
                          a_config=PKI.config(WEB, "web", discovery),
                          b_config=PKI.config(DB, "db"))
    MeshTlsPodsTest.net = NET
    try:
        NET.b.start_app(ECHO_PORT, "echo")
        NET.b.start_app(SKIPPED_PORT, "echo")
        NET.b.start_app(CHAT_PORT, "chat")
    except BaseException:
        NET.close()
        raise


def tearDownModule():
    if NET is not None:
        NET.close()
    if PKI is not None:
        PKI.close()


def payload_windows(count=40, width=32, step=4096):
    """Slices of the client's payload: if the application's bytes crossed in clear, whole
    TCP segments carry them, and most of these windows lie inside one segment."""
    data = apps.payload(PAYLOAD)  # the bytes apps.py client sends
    return [data[i:i + width] for i in range(0, min(len(data), count * step), step)]


class Capture:
    """tcpdump on B's end of the link, writing every TCP packet to a file."""

    def __init__(self, pod):
        self.path = os.path.join(PKI.dir, f"capture-{time.monotonic_ns()}.pcap")
        self.app = pods.App(pod.namespace, ["tcpdump", "-i", "eth0", "-U", "-n", "-s", "0",
                                            "-w", self.path, "tcp"])
        self.app.wait_line(lambda line: "listening on" in line)

    def stop(self):
        time.sleep(0.3)  # the last segments reach the file (-U: per packet)
        self.app.process.terminate()
        self.app.process.wait(timeout=10)
        self.app.stop()
        self.app.process.stdout.close()
        with open(self.path, "rb") as f:
            return f.read()


class MeshTlsPodsTest(pods.PodTestCase):
    def test_application_bytes_never_cross_in_clear(self):
        windows = payload_windows()
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                b = NET.b.address(family)
                before_a = self.counters(NET.a, ["tcp_open_total"], direction="outbound",
                                         peer="dst", tls="true", server_id=DB)
                before_b = self.counters(NET.b, ["tcp_open_total"], direction="inbound",
                                         peer="src", tls="true", client_id=WEB)
                capture = Capture(NET.b)
                meshed = NET.a.client(b, ECHO_PORT, PAYLOAD)
                clear = NET.a.client(b, SKIPPED_PORT, PAYLOAD)
                packets = capture.stop()
                self.expect(meshed["intact"] and meshed["eof"], meshed, "an intact echo")
                self.expect(clear["intact"], clear, "an intact echo on the skipped port")
                self.assertGreater(len(packets), PAYLOAD, "both conversations were captured")
                self.assertTrue(any(w in packets for w in windows),
                                "the control: bytes sent in clear are visible in the capture")
                # Now the mesh conversation alone.
                meshed_only = Capture(NET.b)
                again = NET.a.client(b, ECHO_PORT, PAYLOAD)
                encrypted = meshed_only.stop()
                self.expect(again["intact"], again, "an intact echo")
                self.assertGreater(len(encrypted), PAYLOAD, "the mesh conversation was captured")
                leaked = [w.hex() for w in windows if w in encrypted]
                self.assertEqual(leaked, [], "application bytes crossed the link in clear")
                self.wait_counters(NET.a, before_a, {"tcp_open_total": 2},
                                   direction="outbound", peer="dst", tls="true", server_id=DB)
                self.wait_counters(NET.b, before_b, {"tcp_open_total": 2},
                                   direction="inbound", peer="src", tls="true", client_id=WEB)

    def test_plaintext_to_the_mesh_port_is_refused_and_counted(self):
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                before = self.counters(NET.b, ["inbound_tcp_errors_total"], error="tls_required")
                # As the proxy's uid, A's rules let it past: plaintext straight to B:4143.
                result = NET.a.exec(["setpriv", f"--reuid={pods.PROXY_UID}",
                                     f"--regid={pods.PROXY_UID}", "--clear-groups", "--",
                                     sys.executable, pods.APPS, "client",
                                     NET.b.address(family), "4143", "1000"])
                answer = json.loads(result.stdout)
                self.expect(not answer["intact"] and answer["received"] == 0, answer,
                            "nothing echoed")
                self.wait_counters(NET.b, before, {"inbound_tcp_errors_total": 1},
                                   error="tls_required")

    def test_bad_clients_across_the_link_are_refused_and_counted(self):
        """From pod A as the proxy's uid (so A's rules let it past): a TLS client straight to
        B's mesh port with each kind of bad credential or bytes."""
        other_ca = PKI.path("other-ca")
        if not os.path.exists(other_ca):
            wasmesh("identity", "ca", "init", "--trust-domain", TD, "--out", other_ca)
            PKI.issue("expired", WEB, "--not-before", "-48h", "--lifetime", "1h")
            PKI.issue("future", WEB, "--not-before", "+2h")
            PKI.issue("untrusted", WEB, ca=other_ca)
        good = transport_header(ECHO_PORT).hex()
        cases = [
            ("tls_no_client_certificate", "-", "", good),
            ("tls_unsupported_version", PKI.path("web"), "1.2", good),
            ("tls_certificate_expired", PKI.path("expired"), "", good),
            ("tls_certificate_not_yet_valid", PKI.path("future"), "", good),
            ("tls_untrusted_certificate", PKI.path("untrusted"), "", good),
            ("transport_header_invalid", PKI.path("web"), "", (b"GARBAGE!" * 4).hex()),
        ]
        for family in FAMILIES:
            self.family(family)
            for label, cert, version, header in cases:
                with self.subTest(family=family, refusal=label):
                    before = self.counters(NET.b, ["inbound_tcp_errors_total"], error=label)
                    answer = self.as_proxy_uid(
                        "tls", NET.b.address(family), 4143, f"{PKI.ca}/ca.crt", cert, DB_SNI,
                        version or "1.3", header)
                    self.expect(answer["received"] == 0, answer, "nothing echoed")
                    self.wait_counters(NET.b, before, {"inbound_tcp_errors_total": 1},
                                       error=label)
            with self.subTest(family=family, control="a good client"):
                answer = self.as_proxy_uid("tls", NET.b.address(family), 4143,
                                           f"{PKI.ca}/ca.crt", PKI.path("web"), DB_SNI, "1.3",
                                           transport_header(CHAT_PORT).hex())
                self.expect(answer["received"] == 4, answer, "the echo of ping")

    def as_proxy_uid(self, *args):
        result = NET.a.exec(["setpriv", f"--reuid={pods.PROXY_UID}", f"--regid={pods.PROXY_UID}",
                             "--clear-groups", "--", sys.executable, pods.APPS,
                             *[str(a) for a in args]])
        return json.loads(result.stdout)

    def test_a_meshed_connection_cannot_ask_for_the_proxy_s_own_port(self):
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                before = self.counters(NET.b, ["inbound_tcp_errors_total"],
                                       error="forbidden_target_port")
                # A's outbound meshes it, and the header asks B for port 4143 itself.
                answer = NET.a.client(NET.b.address(family), 4143, 1000)
                self.expect(answer["received"] == 0, answer, "nothing echoed")
                self.wait_counters(NET.b, before, {"inbound_tcp_errors_total": 1},
                                   error="forbidden_target_port")

    def test_a_long_lived_connection_survives_certificate_rotation(self):
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                trigger = PKI.path(f"rotated-{family}")
                held = NET.a.start_hold(NET.b.address(family), CHAT_PORT, trigger)
                held.wait_line(lambda line: line == "reply before")
                refreshed = NET.b.metric("identity_cert_refresh_total", result="ok")
                PKI.issue("db", DB)
                deadline = time.monotonic() + 15
                while NET.b.metric("identity_cert_refresh_total", result="ok") < refreshed + 1:
                    self.assertLess(time.monotonic(), deadline, NET.b.proxy.log_text())
                    time.sleep(0.1)
                open(trigger, "w").close()
                held.wait_line(lambda line: line.startswith(("reply after", "error")))
                self.assertIn("reply after", held.lines, "\n".join(held.lines))
                fresh = NET.a.client(NET.b.address(family), ECHO_PORT, 1000)
                self.expect(fresh["intact"], fresh, "a new connection after the rotation")


if __name__ == "__main__":
    unittest.main()
