"""The admin server: Linkerd's /live, /ready, /metrics and /shutdown semantics."""

import gzip
import subprocess
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

    def test_shutdown_needs_post(self):
        status, _, _ = self.proxy.get("/shutdown")
        self.assertEqual(status, 405)
        self.assertIsNone(self.proxy.process.poll())

    def test_shutdown_from_loopback_drains_and_exits_zero(self):
        status, _, body = self.proxy.get("/shutdown", method="POST")
        self.assertEqual((status, body), (200, b"shutdown\n"))
        self.assertEqual(self.proxy.process.wait(timeout=10), 0)

    @unittest.skipUnless(PROMTOOL, "promtool not installed")
    def test_promtool_accepts_real_output(self):
        text = self.proxy.metrics_text()
        result = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                                capture_output=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()
