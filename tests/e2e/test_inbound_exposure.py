"""End-to-end: what another pod can reach through a pod's inbound proxy, and what it must not
(docs/security.md).

The inbound proxy forwards a connection to its original destination, the pod's own address,
never to loopback: a server the application bound to 127.0.0.1 or ::1 to keep it private
stays private, over IPv4 and IPv6, on the plain path (a client without mesh TLS) and on the
mesh path (mutual TLS from pod A's proxy). Servers bound to the pod's address only, to
0.0.0.0, to :: (IPv6 only) and to :: (dual stack) are reached exactly over the families they
listen on. The proxy's own ports are refused on both paths, including its admin port when
init was told the wrong one, so /shutdown cannot be reached as if from inside the pod.
Finally a peer that vanishes without a FIN or reset is noticed by TCP keepalive.

Pod A ("web") is meshed to pod B ("db") through its discovery file. Plain-path clients run in
A as the proxy's uid, which A's rules never redirect.

Needs root; otherwise the module prints "skipped: needs root" and skips.
"""

import json
import sys
import time
import unittest

import pods
from meshpki import DB, WEB, Pki

FAMILIES = (4, 6)
LOOPBACK_ONLY = 6060
POD_IP_ONLY = 6061
IPV4_ANY = 6062
IPV6_ANY = 6063       # bound to :: with IPV6_V6ONLY
DUAL_STACK = 6064     # bound to :: accepting both families
CHAT_PORT = 8083      # echoes each read at once, for the keepalive case
B_OUTBOUND_PORT = 4140
B_ADMIN_PORT = pods.ADMIN_PORT
# A's outbound: probes from 2 s idle, 1 s apart; with a TCP user timeout set, Linux drops
# the connection once the timeout has passed since the peer last answered.
KEEPALIVE = "keepalive: 2s, user_timeout: 5s"

NET = None
PKI = None
APPS = {}


def reachable_families(port):
    b4, b6 = pods.POD_ADDRESSES["b"]
    return {LOOPBACK_ONLY: set(), POD_IP_ONLY: {4, 6}, IPV4_ANY: {4}, IPV6_ANY: {6},
            DUAL_STACK: {4, 6}}[port]


def setUpModule():
    global NET, PKI
    pods.require_pods()
    PKI = Pki()
    b4, b6 = pods.POD_ADDRESSES["b"]
    # B's init is told a wrong admin port (4199) and no ignore list, so its real admin port
    # is redirected like any other: the proxy itself must refuse it. /shutdown is enabled,
    # the worst case: were the connection forwarded to loopback, it would stop B's proxy.
    NET = pods.PodNetwork(
        a_config=PKI.config(WEB, "web", PKI.discovery_of_b(),
                            extra=f"outbound: {{{KEEPALIVE}}}\n"),
        b_init=["--ignore-inbound-ports", "", "--admin-port", "4199"],
        b_config=PKI.config(DB, "db", admin_extra="  shutdown_enabled: true\n"))
    InboundExposureTest.net = NET
    try:
        APPS[LOOPBACK_ONLY] = NET.b.start_app(LOOPBACK_ONLY, "chat", "127.0.0.1,::1")
        APPS[POD_IP_ONLY] = NET.b.start_app(POD_IP_ONLY, "chat", f"{b4},{b6}")
        APPS[IPV4_ANY] = NET.b.start_app(IPV4_ANY, "chat", "0.0.0.0")
        APPS[IPV6_ANY] = NET.b.start_app(IPV6_ANY, "chat", "::")
        APPS[DUAL_STACK] = NET.b.start_app(DUAL_STACK, "chat")
        APPS[CHAT_PORT] = NET.b.start_app(CHAT_PORT, "chat")
    except BaseException:
        NET.close()
        PKI.close()
        raise


def tearDownModule():
    if NET is not None:
        NET.close()
    if PKI is not None:
        PKI.close()


class InboundExposureTest(pods.PodTestCase):
    def plain_client(self, host, port):
        """From pod A as the proxy's uid: A's rules let it past, so it reaches B in clear."""
        result = NET.a.exec(["setpriv", f"--reuid={pods.PROXY_UID}", f"--regid={pods.PROXY_UID}",
                             "--clear-groups", "--", sys.executable, pods.APPS, "client", host,
                             str(port), "1000"])
        return json.loads(result.stdout)

    def meshed_client(self, host, port):
        """From pod A's application: A's outbound proxy meshes it to B."""
        return NET.a.client(host, port, 1000)

    def test_each_binding_is_reached_exactly_as_it_listens(self):
        for path, connect, tls in (("plain", self.plain_client, "no_identity"),
                                   ("mesh", self.meshed_client, "true")):
            for port in (LOOPBACK_ONLY, POD_IP_ONLY, IPV4_ANY, IPV6_ANY, DUAL_STACK):
                for family in FAMILIES:
                    with self.subTest(path=path, port=port, family=family):
                        self.family(family)
                        host = NET.b.address(family)
                        app = APPS[port]
                        start = len(app.lines)
                        before = self.counters(NET.b, ["tcp_open_total"], direction="inbound",
                                               peer="src", target_port=port, tls=tls)
                        result = connect(host, port)
                        if family in reachable_families(port):
                            self.expect(result["intact"] and result["eof"], result,
                                        "an intact echo")
                            accepted = app.wait_line(lambda line: line.startswith("accepted "),
                                                     start=start)
                            # From the pod's own address: through B's inbound proxy, not
                            # over loopback.
                            self.assertEqual(accepted.split()[1], host)
                        else:
                            self.expect(result["received"] == 0 and not result["intact"],
                                        result, "nothing reached the application")
                            self.assertFalse(any(line.startswith("accepted ")
                                                 for line in app.lines[start:]),
                                             f"port {port} accepted a connection: {app.lines}")
                        # Either way B's inbound proxy saw it on its accepting side.
                        self.wait_counters(NET.b, before, {"tcp_open_total": 1},
                                           direction="inbound", peer="src", target_port=port,
                                           tls=tls)

    def test_the_loopback_only_service_works_inside_the_pod(self):
        """The control: the application's private server is alive, for the pod itself."""
        for family in FAMILIES:
            with self.subTest(family=family):
                self.family(family)
                result = NET.b.client(pods.loopback(family), LOOPBACK_ONLY, 1000)
                self.expect(result["intact"], result, "an intact echo inside the pod")

    def test_the_proxy_s_own_ports_are_refused_on_the_plain_path(self):
        for family in FAMILIES:
            for port in (B_OUTBOUND_PORT, B_ADMIN_PORT):
                with self.subTest(family=family, port=port):
                    self.family(family)
                    before = self.counters(NET.b, ["inbound_tcp_errors_total"],
                                           error="forbidden_target_port")
                    result = self.plain_client(NET.b.address(family), port)
                    self.expect(result["received"] == 0, result, "nothing answered")
                    self.wait_counters(NET.b, before, {"inbound_tcp_errors_total": 1},
                                       error="forbidden_target_port")

    def test_shutdown_cannot_be_reached_from_another_pod(self):
        base = f"http://{pods.target_addr(NET.b.address(4), B_ADMIN_PORT)}"
        answer = NET.a.exec(["setpriv", f"--reuid={pods.PROXY_UID}", f"--regid={pods.PROXY_UID}",
                             "--clear-groups", "--", sys.executable, pods.APPS, "http", "POST",
                             base + "/shutdown"])
        self.assertEqual(json.loads(answer.stdout)["status"], 0, answer.stdout)
        time.sleep(0.5)
        self.assertTrue(NET.b.proxy.running(), NET.b.proxy.log_text())
        self.assertEqual(NET.b.admin("/ready")["status"], 200)
        self.assertNotIn("draining", NET.b.proxy.log_text())

    def test_zz_a_vanished_peer_is_noticed_by_keepalive(self):
        """B drops every packet, as a deleted pod or a partition would: no FIN, no reset.
        A's proxy learns it from keepalive probes (from 2 s idle, given up after 5 s here;
        10 s and 30 s by default) and closes the application's connection, instead of
        holding it until the idle timeout (1 h). Runs last: it cuts B off, then restores it."""
        host = NET.b.address(4)
        before = self.counters(NET.a, ["tcp_close_total"], direction="outbound", peer="dst",
                               errno="ETIMEDOUT")
        idle = pods.App(NET.a.namespace, [sys.executable, "-u", pods.APPS, "idle", host,
                                          str(CHAT_PORT)])
        NET.a.apps.append(idle)
        idle.wait_line(lambda line: line in ("ready",) or line.startswith("closed"))
        self.assertIn("ready", idle.lines, idle.lines)
        rules = [["-I", "INPUT", "-i", "eth0", "-j", "DROP"],
                 ["-I", "OUTPUT", "-o", "eth0", "-j", "DROP"]]
        for rule in rules:
            NET.b.exec(["iptables", "-w"] + rule)
        try:
            line = idle.wait_line(lambda line: line.startswith("closed"), timeout=30)
            self.assertNotIn(" data ", line, line)
            self.wait_counters(NET.a, before, {"tcp_close_total": 1}, direction="outbound",
                               peer="dst", errno="ETIMEDOUT")
        finally:
            for rule in rules:
                NET.b.exec(["iptables", "-w", "-D"] + rule[1:], check=False)


if __name__ == "__main__":
    unittest.main()
