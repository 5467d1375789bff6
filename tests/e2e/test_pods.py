"""End-to-end: two pods (network namespaces joined by a veth pair), `wasmesh init` rules in
each, `wasmesh proxy` in each as uid 2102, real applications. Every scenario runs over
IPv4 and IPv6, except admin-from-the-network: a pod's admin listens on 0.0.0.0:4191 only.

Pod A (10.213.0.1, fd00:213::1) is the client side: its app's connections are redirected to
A's outbound proxy. Pod B (10.213.0.2, fd00:213::2) runs the servers: connections into it
are redirected to B's inbound proxy, which forwards them to the app at their original
destination, B's own address (never loopback: tests/e2e/test_inbound_exposure.py).

Needs root; otherwise the module prints "skipped: needs root" and skips.
"""

import unittest

import pods

FAMILIES = (4, 6)
ECHO_PORT = 8080      # echo app in B
REFUSED_PORT = 8081   # nothing listens in B
RESET_PORT = 8082     # app in B that reads once, then resets
SKIPPED_PORT = 9090   # echo app in B, skipped by A's outbound and B's inbound rules
PAYLOAD = 200_000     # several reads of the proxy's 64KiB buffer

NET = None
APPS = {}
FD_BASELINE = {}


def setUpModule():
    global NET
    pods.require_pods()
    NET = pods.PodNetwork(a_init=["--skip-outbound-ports", str(SKIPPED_PORT)],
                          b_init=["--skip-inbound-ports", str(SKIPPED_PORT)])
    PodsTest.net = NET
    try:
        APPS[ECHO_PORT] = NET.b.start_app(ECHO_PORT, "echo")
        APPS[SKIPPED_PORT] = NET.b.start_app(SKIPPED_PORT, "echo")
        APPS[RESET_PORT] = NET.b.start_app(RESET_PORT, "reset")
        for pod in (NET.a, NET.b):
            FD_BASELINE[pod.name] = pod.proxy.open_fds()
    except BaseException:
        NET.close()
        raise


def tearDownModule():
    if NET is not None:
        NET.close()


class PodsTest(pods.PodTestCase):
    def accepted_peer(self, app, start):
        """The peer address of the app's next accepted connection."""
        line = app.wait_line(lambda line: line.startswith("accepted "), timeout=5, start=start)
        return line.split()[1]

    def test_echo_through_outbound_and_inbound_proxies(self):
        """A's app -> A outbound -> B inbound -> B's app, with a half-close: the echo app
        answers only after the client's FIN arrived, and the client still reads it."""
        names = ["tcp_open_total", "tcp_read_bytes_total", "tcp_write_bytes_total"]
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                host = NET.b.address(family)
                target = pods.target_addr(host, ECHO_PORT)
                app_target = target
                sides = {
                    # side: (pod, labels of that socket's series)
                    "A outbound src": (NET.a, dict(direction="outbound", peer="src",
                                                   target_addr=target)),
                    "A outbound dst": (NET.a, dict(direction="outbound", peer="dst",
                                                   target_addr=target, target_ip=host,
                                                   target_port=ECHO_PORT, tls="no_identity")),
                    "B inbound src": (NET.b, dict(direction="inbound", peer="src",
                                                  target_addr=target, target_port=ECHO_PORT,
                                                  tls="no_identity")),
                    "B inbound dst": (NET.b, dict(direction="inbound", peer="dst",
                                                  target_addr=app_target)),
                }
                before = {side: self.counters(pod, names + ["tcp_close_total"], **labels)
                          for side, (pod, labels) in sides.items()}
                close_before = {side: self.counters(pod, ["tcp_close_total"], errno="",
                                                    **labels)
                                for side, (pod, labels) in sides.items()}
                app = APPS[ECHO_PORT]
                start = len(app.lines)

                result = NET.a.client(host, ECHO_PORT, PAYLOAD)

                self.expect(result["error"] is None, result, "no error")
                self.expect(result["eof"], result, "EOF after the reply")
                self.expect(result["received"] == PAYLOAD, result, "the whole payload back")
                self.expect(result["intact"], result, "the reply equals the payload")
                # B's app was reached from B's own address, i.e. through B's inbound proxy.
                self.assertEqual(self.accepted_peer(app, start), host)
                for side, (pod, labels) in sides.items():
                    with self.subTest(side=side):
                        self.wait_counters(pod, before[side],
                                           {"tcp_open_total": 1, "tcp_read_bytes_total": PAYLOAD,
                                            "tcp_write_bytes_total": PAYLOAD,
                                            "tcp_close_total": 1}, **labels)
                        # ... and that close was a clean one.
                        self.wait_counters(pod, close_before[side], {"tcp_close_total": 1},
                                           errno="", **labels)
                        self.assertEqual(pod.metric("tcp_open_connections", **labels), 0)

    def test_skipped_port_bypasses_both_proxies(self):
        """A skips outbound 9090, B skips inbound 9090: the connection goes app to app."""
        app = APPS[SKIPPED_PORT]
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                start = len(app.lines)
                result = NET.a.client(NET.b.address(family), SKIPPED_PORT, PAYLOAD)
                self.expect(result["error"] is None, result, "no error")
                self.expect(result["intact"], result, "the reply equals the payload")
                # B's app saw A's own address: no inbound proxy in between.
                self.assertEqual(self.accepted_peer(app, start), NET.a.address(family))
                # Opens are counted at accept, so a proxied connection would show by now.
                for pod in (NET.a, NET.b):
                    self.assertEqual(pod.series(target_port=SKIPPED_PORT), [],
                                     f"pod {pod.name} proxied port {SKIPPED_PORT}")

    def expect_closed_without_answer(self, result):
        """The client is closed, not left hanging: a reset (seen at connect, send, shutdown
        or receive, depending on when it arrives: ENOTCONN is shutdown() on a socket that
        was already reset) or an EOF, and no byte of an answer."""
        self.expect(result["error"] != "timeout", result, "no hang")
        self.expect(result["error"] in ("ECONNRESET", "EPIPE", "ENOTCONN") or result["eof"],
                    result, "a reset or a close")
        self.expect(result["received"] == 0, result, "nothing received")

    def test_refused_upstream_closes_the_client(self):
        """Nothing listens on B:8081: B's proxy is refused and resets A's
        proxy, which closes A's app's connection."""
        refused = dict(direction="inbound", peer="src", errno="ECONNREFUSED",
                       target_port=REFUSED_PORT)
        # A sees the reset either on its dst side (relaying) or as a failed connect (src).
        a_reset = dict(direction="outbound", errno="ECONNRESET", target_port=REFUSED_PORT)
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                before_b = self.counters(NET.b, ["tcp_close_total"], **refused)
                before_a = self.counters(NET.a, ["tcp_close_total"], **a_reset)
                result = NET.a.client(NET.b.address(family), REFUSED_PORT, 1000)
                self.expect_closed_without_answer(result)
                self.wait_counters(NET.b, before_b, {"tcp_close_total": (">=", 1)}, **refused)
                self.wait_counters(NET.a, before_a, {"tcp_close_total": (">=", 1)}, **a_reset)

    def test_upstream_reset_mid_stream_reaches_the_client(self):
        """B's app reads once, then closes with SO_LINGER 0 while bytes are still coming."""
        reset = dict(direction="inbound", peer="dst", errno="ECONNRESET",
                     target_port=RESET_PORT)
        app = APPS[RESET_PORT]
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                before = self.counters(NET.b, ["tcp_close_total"], **reset)
                start = len(app.lines)
                result = NET.a.client(NET.b.address(family), RESET_PORT, PAYLOAD)
                # The app was reached (through B's inbound proxy) before it reset.
                self.assertEqual(self.accepted_peer(app, start), NET.b.address(family))
                self.expect_closed_without_answer(result)
                self.wait_counters(NET.b, before, {"tcp_close_total": (">=", 1)}, **reset)

    def test_admin_from_the_network(self):
        """B's admin port is reachable from A (4191 is never redirected inbound), but
        /shutdown does not exist: it is off unless admin.shutdown_enabled."""
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                if family == 6:
                    # admin.listen is one address, and a pod's is 0.0.0.0:4191 (DESIGN.md).
                    self.skipTest("the pod admin listens on 0.0.0.0:4191 only (admin.listen "
                                  "takes one address)")
                base = f"http://{pods.target_addr(NET.b.address(family), pods.ADMIN_PORT)}"
                answer = NET.a.http("POST", base + "/shutdown")
                self.assertEqual(answer["status"], 404, answer)
                self.assertEqual(NET.a.http("GET", base + "/ready"),
                                 {"status": 200, "body": "ready\n"})
                self.assertEqual(NET.a.http("GET", base + "/live"),
                                 {"status": 200, "body": "live\n"})
                # Not draining: a drain turns /ready to 503 at once, and the proxy exits.
                self.assertTrue(NET.b.proxy.running(), NET.b.proxy.log_text())
                self.assertEqual(NET.b.admin("/ready")["status"], 200)

    def test_zz_fds_return_to_baseline(self):
        """Runs last (unittest sorts test names): after every scenario, each proxy holds
        the file descriptors it held before them, and no connection is left open."""
        self.assert_fds_at_baseline(FD_BASELINE)


if __name__ == "__main__":
    unittest.main()
