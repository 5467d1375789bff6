"""`wasmesh demo` runs without root, starts an identity service, drives traffic through two
proxies talking mutual TLS and prints what they counted, with the identities."""

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
        self.assertIn("http://127.0.0.1:24191/metrics", result.stdout)
        # After two rounds the client proxy accepted 16 echo connections, 2 to the dead
        # upstream and 2 HTTP ones (one per round). The echo and dead ones are meshed one to
        # one (127.0.0.1 is in the discovery file): the server proxy's connect to the dead
        # port fails, so the error shows on the mesh legs. The HTTP requests ride the client
        # proxy's pooled HTTP/2 mesh connection (5 s idle limit: usually one for both rounds,
        # two on a slow machine; it may still be open).
        rows = re.findall(r"client\s+outbound\s+src\s+(\d+)\s+(\d+)\s+(\d+)", result.stdout)
        # The round's HTTP client connection may not be seen closed yet at the scrape.
        self.assertIn(rows[-1], (("20", "0", "0"), ("20", "1", "0")))
        self.assertRegex(result.stdout, r"client\s+outbound\s+dst\s+(19\s+[01]|20\s+[0-2])\s+2\s+"
                         r"\d+\s+\d+\s+true\s+spiffe://cluster.local/ns/demo/sa/db\n")
        self.assertRegex(result.stdout, r"server\s+inbound\s+src\s+(19\s+[01]|20\s+[0-2])\s+2\s+"
                         r"\d+\s+\d+\s+true\s+spiffe://cluster.local/ns/demo/sa/web\n")
        # The HTTP golden metrics of both proxies: 40 requests, 4 of them 500 on purpose.
        self.assertIn("round 2: 8/8 echo conversations completed through both proxies over "
                      "mTLS; dead upstream closed the client's connection, as it should; 20/20 "
                      "HTTP requests answered as asked (2 of them 500 on purpose)", result.stdout)
        self.assertRegex(result.stdout, r"client\s+outbound\s+40\s+[\d.]+\s+90\.0%\s+\d+ ms\s+"
                         r"\d+ ms\s+spiffe://cluster.local/ns/demo/sa/db\n")
        self.assertRegex(result.stdout, r"server\s+inbound\s+40\s+[\d.]+\s+90\.0%\s+\d+ ms\s+"
                         r"\d+ ms\s+spiffe://cluster.local/ns/demo/sa/web\n")
        # Both certificates came from the identity service the demo started.
        self.assertIn("client proxy is spiffe://cluster.local/ns/demo/sa/web, certificate from "
                      "the identity service valid until", result.stdout)
        self.assertIn("server proxy is spiffe://cluster.local/ns/demo/sa/db, certificate from "
                      "the identity service valid until", result.stdout)

if __name__ == "__main__":
    unittest.main()
