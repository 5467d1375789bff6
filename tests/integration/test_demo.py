"""`wasmesh demo` runs without root, drives traffic through two proxies and prints what
they counted."""

import re
import subprocess
import unittest

from harness import BINARY, proxy_environment


class DemoTest(unittest.TestCase):
    def test_two_rounds(self):
        result = subprocess.run([BINARY, "demo", "--rounds", "2", "--base-port", "24100"],
                                capture_output=True, text=True, timeout=60,
                                env=proxy_environment())
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("round 2: 8/8 echo conversations completed", result.stdout)
        self.assertIn("http://127.0.0.1:24191/metrics", result.stdout)
        # After two rounds the client proxy opened 16 mesh connections plus 2 to the dead
        # upstream, and counted those 2 as errors.
        rows = re.findall(r"client\s+outbound\s+src\s+(\d+)\s+(\d+)\s+(\d+)", result.stdout)
        self.assertEqual(rows[-1], ("18", "0", "2"))


if __name__ == "__main__":
    unittest.main()
