"""The admin server: Linkerd's /live, /ready, /metrics and /shutdown semantics."""

import gzip
import os
import socket
import subprocess
import time
import unittest

from harness import PROMTOOL, Proxy

CONFIG = """
proxy: {workers: 2}
admin: {listen: "127.0.0.1:0"}
inbound: {listen: []}
outbound: {listen: []}
routes:
  - {name: r, listen: "127.0.0.1:0", target: "127.0.0.1:9"}
"""


class AdminTest(unittest.TestCase):
    def setUp(self):
        self.proxy = Proxy(CONFIG)

    def tearDown(self):
        self.proxy.__exit__()

    def test_live_and_ready(self):
        self.assertEqual(self.proxy.get("/live")[::2], (200, b"live\n"))
        self.assertEqual(self.proxy.get("/ready")[::2], (200, b"ready\n"))

    def test_unknown_paths_are_404_with_empty_body(self):
        status, _, body = self.proxy.get("/nope")
        self.assertEqual((status, body), (404, b""))

    def test_metrics_text_format_and_content_type(self):
        status, headers, body = self.proxy.get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        text = body.decode()
        self.assertIn("process_start_time_seconds", text)
        self.assertIn("process_open_fds", text)

    def test_openmetrics_when_asked(self):
        status, headers, body = self.proxy.get(
            "/metrics", {"Accept": "application/openmetrics-text;version=1.0.0"})
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("application/openmetrics-text"))
        self.assertTrue(body.decode().endswith("# EOF\n"))

    def test_gzip_when_accepted(self):
        status, headers, body = self.proxy.get("/metrics", {"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("Content-Encoding"), "gzip")
        self.assertIn(b"process_open_fds", gzip.decompress(body))

    def test_shutdown_is_off_by_default(self):
        # Any process in the pod shares its loopback: on by default, it let anyone in the pod
        # stop the sidecar.
        for method in ("POST", "GET"):
            status, _, body = self.proxy.get("/shutdown", method=method)
            self.assertEqual((status, body), (404, b""))
        time.sleep(0.2)
        self.assertIsNone(self.proxy.process.poll())
        self.assertEqual(self.proxy.get("/ready")[0], 200)

    @unittest.skipUnless(PROMTOOL, "promtool not installed")
    def test_promtool_accepts_real_output(self):
        text = self.proxy.metrics_text()
        result = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                                capture_output=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


class ShutdownEnabledTest(unittest.TestCase):
    def setUp(self):
        self.proxy = Proxy(CONFIG.replace('listen: "127.0.0.1:0"}',
                                          'listen: "127.0.0.1:0", shutdown_enabled: true}', 1))

    def tearDown(self):
        self.proxy.__exit__()

    def test_shutdown_needs_post(self):
        status, _, _ = self.proxy.get("/shutdown")
        self.assertEqual(status, 405)
        self.assertIsNone(self.proxy.process.poll())

    def test_shutdown_from_loopback_drains_and_exits_zero(self):
        status, _, body = self.proxy.get("/shutdown", method="POST")
        self.assertEqual((status, body), (200, b"shutdown\n"))
        self.assertEqual(self.proxy.process.wait(timeout=10), 0)


class AdminUnderDescriptorExhaustionTest(unittest.TestCase):
    """With every file descriptor in use, accept() fails with EMFILE for as long as
    connections wait in the backlog. The admin accept loop used to retry at once: a core
    at 100 % and millions of log lines. It now backs off and logs a few lines."""

    LIMIT = 40

    def test_emfile_backs_off_and_recovers(self):
        proxy = Proxy(CONFIG, prefix=["prlimit", f"--nofile={self.LIMIT}:{self.LIMIT}", "--"])
        clients = []
        try:
            # More connections than descriptors: some stay in the backlog, unaccepted.
            for _ in range(self.LIMIT + 20):
                clients.append(socket.create_connection(proxy.address("admin"), timeout=5))
            proxy.wait_for_line("admin accept failed: Too many open files")
            cpu_before = self.cpu_seconds(proxy)
            time.sleep(2)
            cpu = self.cpu_seconds(proxy) - cpu_before
            lines = proxy.log_text().count("admin accept failed")
            self.assertLess(lines, 20, "the accept failures are not throttled")
            self.assertLess(cpu, 1.0, f"the proxy spun: {cpu:.2f} s of CPU in 2 s")
            for client in clients:
                client.close()
            clients.clear()
            deadline = time.time() + 15
            while time.time() < deadline:
                try:
                    if proxy.get("/ready")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            self.assertEqual(proxy.get("/ready")[0], 200, proxy.log_text()[-2000:])
        finally:
            for client in clients:
                client.close()
            proxy.__exit__()

    @staticmethod
    def cpu_seconds(proxy):
        with open(f"/proc/{proxy.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    unittest.main()
