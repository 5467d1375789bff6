"""End-to-end protocol detection (issue 3): two pods as in test_pods.py, but with `wasmesh
init` and the proxies on their defaults (no skipped ports, no opaque-port configuration).
Pod A runs the clients, pod B the servers; every case runs over IPv4 and IPv6.

- NATS, a real nats-server in B and a real NATS client (tools/nats_roundtrip.c, the
  official C library) in A: on 4222, a default opaque port, the connection is forwarded
  without detection and no detection is counted; on 14222, which nobody configured, the
  server's INFO greeting arrives before any client byte, so both proxies decide
  "server-first" at once. The client's own 2 s connect timeout is the functional check
  that nothing waits out the proxy's 10 s detection timeout.
- An SMTP-style greeting server (apps.py smtp) on 2525: server-first too.
- Client-first HTTP/1 (apps.py http, urllib) and HTTP/2 with prior knowledge (nghttp
  from nghttp2 to apps.py h2, a server that waits for the client's preface) are counted
  as http/1 and http/2.
- HTTP/2 with prior knowledge to a real server, nghttpd --no-tls: it sends its SETTINGS
  frame at accept, often before the client's preface reaches the proxy. The proxies
  recognise an HTTP/2 server preface and wait for the client instead of deciding
  server-first, so both still count http/2.

Detection metrics (docs/metrics.md): {inbound,outbound}_tcp_detect_http_results_total
{result} and wasmesh_tcp_detect_duration_seconds{direction,result}, whose result is
"server_first" where the counters say "not_http". Every case checks the whole change of
both families in all four proxy directions (A and B, inbound and outbound): exactly the
expected counts, nothing else.

Needs root; otherwise the module prints "skipped: needs root" and skips. A missing tool
(nats-server, libnats-dev, nghttp2) fails its tests with what to install.
"""

import json
import os
import shutil
import tempfile
import time
import unittest

import harness
import pods

FAMILIES = (4, 6)
NATS_OPAQUE_PORT = 4222  # in the proxy's default opaque ports
NATS_PORT = 14222        # nobody configured it
SMTP_PORT = 2525         # apps.py smtp
HTTP1_PORT = 18080       # apps.py http
NGHTTPD_PORT = 18082     # nghttpd --no-tls: sends SETTINGS at accept
H2_PORT = 18083          # apps.py h2: silent until the client's preface
CLIENT_TIMEOUT_MS = 2000  # the clients' own timeouts: well under the 10 s detect timeout
INSTALL = "run scripts/install-deps.sh test"
NATS_ROUNDTRIP = os.environ.get("TEST_NATS_ROUNDTRIP", "")
HTTP2_BODY = "hello over h2 from pod b\n"  # apps.py H2_BODY and nghttpd's index.html

NET = None
SERVERS = {}       # port -> App
UNAVAILABLE = {}   # port -> why its server could not start (its tests fail with that)
FD_BASELINE = {}
HTDOCS = None


def setUpModule():
    global NET, HTDOCS
    pods.require_pods()
    NET = pods.PodNetwork()
    DetectionTest.net = NET
    try:
        # nghttpd serves files: its own directory, removed at teardown (and by the next
        # run if this one is killed: pods.remove_stale_namespaces knows the prefix).
        HTDOCS = tempfile.mkdtemp(prefix=f"wasmesh-e2e-{os.getpid()}-htdocs-")
        with open(os.path.join(HTDOCS, "index.html"), "w") as f:
            f.write(HTTP2_BODY)
        # Each listens dual-stack ([::] with IPV6_V6ONLY off, or a socket per family), so
        # B's inbound proxy reaches it on 127.0.0.1 and on ::1.
        servers = {
            NATS_OPAQUE_PORT: ["nats-server", "-a", "::", "-p", str(NATS_OPAQUE_PORT)],
            NATS_PORT: ["nats-server", "-a", "::", "-p", str(NATS_PORT)],
            NGHTTPD_PORT: ["nghttpd", "--no-tls", "-d", HTDOCS, str(NGHTTPD_PORT)],
        }
        for port, command in servers.items():
            if not shutil.which(command[0]):
                package = "nats-server" if command[0] == "nats-server" else "nghttp2-server"
                UNAVAILABLE[port] = f"{command[0]} missing ({package}): {INSTALL}"
                continue
            SERVERS[port] = NET.b.start_server(command, port)
        SERVERS[SMTP_PORT] = NET.b.start_app(SMTP_PORT, "smtp")
        SERVERS[HTTP1_PORT] = NET.b.start_app(HTTP1_PORT, "http")
        SERVERS[H2_PORT] = NET.b.start_app(H2_PORT, "h2")
        for pod in (NET.a, NET.b):
            FD_BASELINE[pod.name] = pod.proxy.open_fds()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if NET is not None:
        NET.close()  # kills every server in the pods, nats-server and nghttpd included
    if HTDOCS is not None:
        shutil.rmtree(HTDOCS, ignore_errors=True)


def detect_samples(pod):
    """Every detection sample of one pod: {(direction, family, result): value}, family
    "results" for <direction>_tcp_detect_http_results_total and "duration" for the
    wasmesh_tcp_detect_duration_seconds histogram's _count."""
    samples = {}
    for name, labels, value in harness.parse_samples(pod.metrics_text()):
        for direction in ("inbound", "outbound"):
            if name == f"{direction}_tcp_detect_http_results_total":
                key = (direction, "results", labels.get("result"))
            elif (name == "wasmesh_tcp_detect_duration_seconds_count"
                  and labels.get("direction") == direction):
                key = (direction, "duration", labels.get("result"))
            else:
                continue
            samples[key] = samples.get(key, 0.0) + value
    return samples


class DetectionTest(pods.PodTestCase):

    def snapshot(self):
        return {pod.name: detect_samples(pod) for pod in (NET.a, NET.b)}

    def detection_delta(self, before):
        delta = {}
        for pod in (NET.a, NET.b):
            now = detect_samples(pod)
            for key in set(now) | set(before[pod.name]):
                change = now.get(key, 0.0) - before[pod.name].get(key, 0.0)
                if change:
                    delta[(pod.name,) + key] = change
        return delta

    SIDES = (("a", "outbound"), ("b", "inbound"))  # the proxies a connection A -> B meets

    def expect_detections(self, before, *outcomes, timeout=5):
        """Waits until A's outbound and B's inbound proxy each counted exactly one decision,
        one of `outcomes`: (histogram result, counter result) pairs. Nothing else may
        change in either pod. Returns the outcome of each side."""
        def outcome_of(delta, pod, direction):
            side = {key[2:]: value for key, value in delta.items()
                    if key[:2] == (pod, direction)}
            for result, counter_result in outcomes:
                if side == {("duration", result): 1.0, ("results", counter_result): 1.0}:
                    return result
            return None

        deadline = time.monotonic() + timeout
        while True:
            delta = self.detection_delta(before)
            seen = {side: outcome_of(delta, *side) for side in self.SIDES}
            ok = (all(seen.values())
                  and all(key[:2] in self.SIDES for key in delta))
            if ok:
                return seen
            if time.monotonic() > deadline:
                self.fail(f"detection counts changed by {self.show(delta)}, expected in "
                          f"each of {self.SIDES} exactly one of (histogram, counter) "
                          f"{outcomes}\n{self.detection_report()}")
            time.sleep(0.05)

    def expect_no_detection(self, before):
        delta = self.detection_delta(before)
        if delta:
            self.fail(f"detection counts changed by {self.show(delta)}, expected no change\n"
                      f"{self.detection_report()}")

    @staticmethod
    def show(delta):
        return {f"{pod} {direction} {family} {result}": value
                for (pod, direction, family, result), value in sorted(delta.items())} or "{}"

    def detection_report(self):
        """Each pod's detection series and proxy log, for failure messages; says so when
        the binary exports no detection metrics at all."""
        lines = []
        for pod in (NET.a, NET.b):
            samples = detect_samples(pod)
            if not samples:
                lines.append(f"pod {pod.name}: no detection metrics at all (a proxy without "
                             "protocol detection?)")
            for key, value in sorted(samples.items()):
                lines.append(f"pod {pod.name}: {key} {value:g}")
            for name, labels, value in pod.series():
                if name.endswith("_tcp_errors_total"):
                    lines.append(f"pod {pod.name}: {name}{labels} {value:g}")
            lines.append(f"pod {pod.name} proxy log:\n{pod.proxy.log_text()}")
        return "\n".join(lines)

    def need_server(self, port):
        if port in UNAVAILABLE:
            self.fail(UNAVAILABLE[port])

    def need_nats_client(self):
        if not NATS_ROUNDTRIP:
            self.fail(f"libnats-dev missing: {INSTALL} (then configure again: tools/"
                      "nats_roundtrip is built when CMake finds libnats)")
        if not os.access(NATS_ROUNDTRIP, os.X_OK):
            self.fail(f"{NATS_ROUNDTRIP} is not built: cmake --build <build dir> "
                      "--target nats_roundtrip")

    def nats_roundtrip(self, host, port):
        """The NATS client in pod A: connect, subscribe, publish, flush, receive."""
        self.need_server(port)
        url = f"nats://{pods.target_addr(host, port)}"
        run = NET.a.exec([NATS_ROUNDTRIP, url, str(CLIENT_TIMEOUT_MS)], check=False)
        print(f"nats {url}: {run.stdout.strip()}")
        try:
            result = json.loads(run.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            result = {"ok": False, "output": run.stdout + run.stderr}
        self.expect(run.returncode == 0 and result.get("ok") is True,
                    f"exit {run.returncode}: {result} {run.stderr.strip()}\n"
                    f"nats-server:\n" + "\n".join(SERVERS[port].lines[-20:]),
                    f"a NATS round trip to {url}")

    def test_nats_default_opaque_port_is_not_detected(self):
        """4222 is opaque by default: proxied both ways, byte for byte, no detection."""
        self.need_nats_client()
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                host = NET.b.address(family)
                sides = ((NET.a, dict(direction="outbound", peer="src",
                                      target_addr=pods.target_addr(host, NATS_OPAQUE_PORT))),
                         (NET.b, dict(direction="inbound", peer="src",
                                      target_addr=pods.target_addr(host, NATS_OPAQUE_PORT))))
                names = ["tcp_open_total", "tcp_close_total"]
                opened = [self.counters(pod, names, **labels) for pod, labels in sides]
                before = self.snapshot()

                self.nats_roundtrip(host, NATS_OPAQUE_PORT)

                # Through both proxies, and closed in both: had either detected anything,
                # the count would be there by now.
                for (pod, labels), counts in zip(sides, opened):
                    self.wait_counters(pod, counts, {"tcp_open_total": 1, "tcp_close_total": 1},
                                       **labels)
                self.expect_no_detection(before)

    def test_nats_unconfigured_port_is_server_first(self):
        """14222: INFO comes first, so both proxies decide server-first; counted so in the
        histogram and as not_http in the results counters."""
        self.need_nats_client()
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                before = self.snapshot()
                self.nats_roundtrip(NET.b.address(family), NATS_PORT)
                self.expect_detections(before, ("server_first", "not_http"))

    def test_smtp_greeting_is_server_first(self):
        """An SMTP-style server greets first; the client only reads (2 s timeout), then
        EHLO and QUIT."""
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                before = self.snapshot()
                result = json.loads(NET.a.python("smtp", NET.b.address(family),
                                                 SMTP_PORT).stdout)
                print(f"smtp ip{family}: {result}")
                self.expect(result["error"] is None, result, "no error")
                self.assertEqual(result["greeting"], "220 wasmesh-e2e ESMTP", result)
                self.assertEqual(result["quit"], "221 bye", result)
                self.expect_detections(before, ("server_first", "not_http"))

    def test_http1_is_detected(self):
        """A client-first HTTP/1 request (urllib) is counted as http/1 on both sides."""
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                before = self.snapshot()
                url = f"http://{pods.target_addr(NET.b.address(family), HTTP1_PORT)}/detect"
                answer = NET.a.http("GET", url)
                self.assertEqual(answer, {"status": 200, "body": "hello from /detect\n"})
                self.expect_detections(before, ("http/1", "http/1"))

    def nghttp(self, family, port):
        """nghttp in pod A: HTTP/2 with prior knowledge (http:// URL), 200 and the body."""
        if not shutil.which("nghttp"):
            self.fail(f"nghttp missing (nghttp2-client): {INSTALL}")
        url = f"http://{pods.target_addr(NET.b.address(family), port)}/"
        run = NET.a.exec(["nghttp", "-v", "-t", str(CLIENT_TIMEOUT_MS // 1000), url],
                         check=False)
        output = run.stdout + run.stderr
        self.expect(run.returncode == 0 and ":status: 200" in output and HTTP2_BODY in output,
                    output, f"an HTTP/2 200 from {url}")

    def test_http2_prior_knowledge_is_detected(self):
        """nghttp's connection preface, to a server that waits for it, is counted as
        http/2 on both sides."""
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                before = self.snapshot()
                self.nghttp(family, H2_PORT)
                self.expect_detections(before, ("http/2", "http/2"))

    def test_http2_server_sending_settings_first_is_still_http2(self):
        """nghttpd sends SETTINGS at accept, before the client's preface can reach B's
        proxy: that is an HTTP/2 server preface, not a server-first protocol."""
        self.need_server(NGHTTPD_PORT)
        for family in FAMILIES:
            with self.subTest(ip=family):
                self.family(family)
                before = self.snapshot()
                self.nghttp(family, NGHTTPD_PORT)
                self.expect_detections(before, ("http/2", "http/2"))

    def test_zz_fds_return_to_baseline(self):
        """Runs last: the proxies' eager upstream connects and detection left no file
        descriptor and no connection behind."""
        self.assert_fds_at_baseline(FD_BASELINE)


if __name__ == "__main__":
    unittest.main()
