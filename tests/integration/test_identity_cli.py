"""`wasmesh identity ca init | issue | inspect` against the openssl command-line tool: the
chains verify, the leaf profile is what docs/identity.md says, and two issued identities
complete a mutual TLS 1.3 handshake with each other."""

import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import unittest

from harness import BINARY, proxy_environment

OPENSSL = shutil.which("openssl")
TD = "cluster.local"
WEB = f"spiffe://{TD}/ns/default/sa/web"
CLIENT = f"spiffe://{TD}/ns/default/sa/client/wasm/hello"


def wasmesh(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=30,
                          env=proxy_environment())


def openssl(*args, stdin=None):
    return subprocess.run([OPENSSL, *args], capture_output=True, text=True, timeout=30,
                          input=stdin)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@unittest.skipUnless(OPENSSL, "needs the openssl command")
class IdentityCliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="wasmesh-identity-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.ca = os.path.join(self.dir, "ca")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def init_ca(self, directory=None, *extra):
        result = wasmesh("identity", "ca", "init", "--trust-domain", TD, "--out",
                         directory or self.ca, *extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def issue(self, spiffe_id, out, ca=None, *extra):
        result = wasmesh("identity", "issue", "--ca", ca or self.ca, "--id", spiffe_id, "--out",
                         out, *extra)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def assertUsageError(self, result, *needles):
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        for needle in needles:
            self.assertIn(needle, result.stderr)

    def test_ca_init_writes_root_issuer_and_private_key(self):
        result = self.init_ca()
        for name in ("ca.crt", "issuer.crt", "issuer.key"):
            self.assertIn(os.path.join(self.ca, name), result.stdout)
        self.assertEqual(mode(os.path.join(self.ca, "issuer.key")), 0o600)
        self.assertEqual(mode(os.path.join(self.ca, "ca.crt")), 0o644)
        self.assertEqual(sorted(os.listdir(self.ca)), ["ca.crt", "issuer.crt", "issuer.key"])
        root = openssl("x509", "-in", os.path.join(self.ca, "ca.crt"), "-noout", "-text")
        self.assertEqual(root.returncode, 0, root.stderr)
        self.assertRegex(root.stdout, r"Basic Constraints: critical\s+CA:TRUE")
        self.assertRegex(root.stdout, r"Key Usage: critical\s+Certificate Sign, CRL Sign")
        self.assertIn(f"URI:spiffe://{TD}", root.stdout)
        self.assertIn("ASN1 OID: prime256v1", root.stdout)
        # The issuer chains to the root, and the key is the issuer's.
        verify = openssl("verify", "-CAfile", os.path.join(self.ca, "ca.crt"),
                         os.path.join(self.ca, "issuer.crt"))
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        issuer_key = openssl("pkey", "-in", os.path.join(self.ca, "issuer.key"), "-pubout")
        issuer_cert = openssl("x509", "-in", os.path.join(self.ca, "issuer.crt"), "-noout",
                              "-pubkey")
        self.assertEqual(issuer_key.stdout, issuer_cert.stdout)

    def test_issue_writes_a_leaf_that_openssl_verifies(self):
        self.init_ca()
        out = self.path("web")
        result = self.issue(WEB, out)
        self.assertIn("web.default.serviceaccount.identity.cluster.local", result.stdout)
        crt, key = os.path.join(out, "tls.crt"), os.path.join(out, "tls.key")
        self.assertEqual(mode(key), 0o600)
        with open(crt) as f:
            self.assertEqual(f.read().count("-----BEGIN CERTIFICATE-----"), 2)
        leaf = self.path("leaf.pem")
        openssl("x509", "-in", crt, "-out", leaf)
        verify = openssl("verify", "-CAfile", os.path.join(self.ca, "ca.crt"), "-untrusted",
                         os.path.join(self.ca, "issuer.crt"), leaf)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertIn("OK", verify.stdout)
        # The chain in tls.crt is enough with the root alone.
        verify = openssl("verify", "-CAfile", os.path.join(self.ca, "ca.crt"), "-untrusted",
                         crt, leaf)
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        # And another CA does not vouch for it.
        other = self.path("other")
        self.init_ca(other)
        verify = openssl("verify", "-CAfile", os.path.join(other, "ca.crt"), "-untrusted",
                         os.path.join(self.ca, "issuer.crt"), leaf)
        self.assertNotEqual(verify.returncode, 0, verify.stdout)

        text = openssl("x509", "-in", leaf, "-noout", "-text").stdout
        self.assertIn(f"URI:{WEB}, DNS:web.default.serviceaccount.identity.cluster.local", text)
        self.assertRegex(text, r"Key Usage: critical\s+Digital Signature\n")
        self.assertRegex(text, r"Extended Key Usage: \s*\n\s+TLS Web Server Authentication, "
                               r"TLS Web Client Authentication")
        self.assertRegex(text, r"Basic Constraints: critical\s+CA:FALSE")
        self.assertIn("Subject Key Identifier", text)
        self.assertIn("Authority Key Identifier", text)
        self.assertIn("ASN1 OID: prime256v1", text)
        self.assertIn("Signature Algorithm: ecdsa-with-SHA256", text)
        # The key in tls.key is the leaf's.
        self.assertEqual(openssl("pkey", "-in", key, "-pubout").stdout,
                         openssl("x509", "-in", leaf, "-noout", "-pubkey").stdout)
        # 24 hours by default, starting a minute early for clock skew.
        dates = openssl("x509", "-in", leaf, "-noout", "-startdate", "-enddate").stdout
        self.assertEqual(len(re.findall(r"(notBefore|notAfter)=", dates)), 2, dates)
        self.assertEqual(openssl("x509", "-in", leaf, "-noout", "-checkend",
                                 str(24 * 3600 - 120)).returncode, 0,
                         "a 24h leaf must still be valid in 23h58m")
        self.assertNotEqual(openssl("x509", "-in", leaf, "-noout", "-checkend",
                                    str(24 * 3600 + 60)).returncode, 0)

    def test_lifetime_is_clamped_to_the_issuer(self):
        self.init_ca(None, "--lifetime", "2h")
        result = self.issue(WEB, self.path("web"), None, "--lifetime", "48h")
        self.assertIn("clamped", result.stdout)
        leaf_end = openssl("x509", "-in", self.path("web", "tls.crt"), "-noout", "-enddate")
        issuer_end = openssl("x509", "-in", os.path.join(self.ca, "issuer.crt"), "-noout",
                             "-enddate")
        self.assertEqual(leaf_end.stdout, issuer_end.stdout)

    def test_inspect_prints_one_block_per_certificate(self):
        self.init_ca()
        self.issue(CLIENT, self.path("client"))
        result = wasmesh("identity", "inspect", self.path("client", "tls.crt"))
        self.assertEqual(result.returncode, 0, result.stderr)
        blocks = result.stdout.strip().split("\n\n")
        self.assertEqual(len(blocks), 2, result.stdout)
        leaf, issuer = blocks
        self.assertIn("certificate 1 of 2", leaf)
        self.assertIn(f"spiffe id:  {CLIENT}\n", leaf)
        self.assertIn("dns names:  hello.wasm.client.default.serviceaccount.identity."
                      "cluster.local\n", leaf)
        self.assertIn("expired:    no\n", leaf)
        self.assertIn("svid:       leaf", leaf)
        self.assertRegex(leaf, r"not before: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n")
        self.assertRegex(leaf, r"not after:  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n")
        serial = openssl("x509", "-in", self.path("client", "tls.crt"), "-noout", "-serial")
        self.assertIn("serial:     " + serial.stdout.strip().split("=", 1)[1], leaf)
        self.assertIn(f"spiffe id:  spiffe://{TD}\n", issuer)
        self.assertIn("dns names:  -\n", issuer)
        self.assertIn("svid:       signing certificate", issuer)
        # A certificate without SANs shows "-".
        plain = self.path("plain.pem")
        made = openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                       "-nodes", "-keyout", self.path("plain.key"), "-out", plain, "-subj",
                       "/CN=plain", "-days", "1")
        self.assertEqual(made.returncode, 0, made.stderr)
        result = wasmesh("identity", "inspect", plain)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("spiffe id:  -\n", result.stdout)
        self.assertIn("subject:    CN=plain\n", result.stdout)

    def test_inspect_shows_expired(self):
        # openssl 3.0's req and x509 cannot backdate; `openssl ca` can.
        ca_dir = self.path("oldca")
        os.mkdir(ca_dir)
        open(os.path.join(ca_dir, "index.txt"), "w").close()
        with open(os.path.join(ca_dir, "serial"), "w") as f:
            f.write("01\n")
        config = os.path.join(ca_dir, "ca.cnf")
        with open(config, "w") as f:
            f.write(f"[ca]\ndefault_ca = d\n[d]\ndatabase = {ca_dir}/index.txt\n"
                    f"new_certs_dir = {ca_dir}\nserial = {ca_dir}/serial\ndefault_md = sha256\n"
                    "policy = p\n[p]\ncommonName = supplied\n")
        key, request, expired = (self.path(n) for n in ("old.key", "old.csr", "old.pem"))
        made = openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                       "-nodes", "-keyout", key, "-out", request, "-subj", "/CN=old")
        self.assertEqual(made.returncode, 0, made.stderr)
        made = openssl("ca", "-batch", "-config", config, "-selfsign", "-keyfile", key, "-in",
                       request, "-out", expired, "-notext", "-startdate", "20200101000000Z",
                       "-enddate", "20200102000000Z")
        self.assertEqual(made.returncode, 0, made.stderr)
        result = wasmesh("identity", "inspect", expired)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("not before: 2020-01-01T00:00:00Z\n", result.stdout)
        self.assertIn("not after:  2020-01-02T00:00:00Z\n", result.stdout)
        self.assertIn("expired:    yes\n", result.stdout)
        self.assertIn("svid:       not an X509-SVID\n", result.stdout)

    def test_inspect_refuses_bad_files(self):
        self.init_ca()
        for path in ("/nonexistent/tls.crt", os.path.join(self.ca, "issuer.key"), self.dir):
            result = wasmesh("identity", "inspect", path)
            self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
            self.assertIn(path, result.stderr)
            self.assertEqual(result.stdout, "")
        with open(os.path.join(self.ca, "ca.crt")) as f:
            pem = f.read()
        for name, content in (("garbage.pem", pem + "garbage\n"),
                              ("truncated.pem", pem[: len(pem) // 2]),
                              ("big.pem", pem + "\n" * 70000)):
            with open(self.path(name), "w") as f:
                f.write(content)
            result = wasmesh("identity", "inspect", self.path(name))
            self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
            self.assertIn(self.path(name), result.stderr)

    def test_mutual_tls_between_two_issued_identities(self):
        self.init_ca()
        self.issue(WEB, self.path("web"))
        self.issue(CLIENT, self.path("client"))
        handshake = self.handshake(self.path("client"))
        self.assertIn("Verify return code: 0 (ok)", handshake["client"])
        self.assertIn("Protocol  : TLSv1.3", handshake["client"])
        # The server's status page shows the client certificate it verified.
        self.assertIn("Client certificate", handshake["client"])
        self.assertIn("CN=hello.wasm.client.default.serviceaccount.identity.cluster.local",
                      handshake["client"])
        self.assertIn("depth=2", handshake["server"])
        self.assertIn("depth=0 CN = hello.wasm.client", handshake["server"])

    def test_mutual_tls_refuses_a_client_from_another_ca(self):
        self.init_ca()
        other = self.path("other")
        self.init_ca(other)
        self.issue(WEB, self.path("web"))
        self.issue(CLIENT, self.path("client"), other)
        handshake = self.handshake(self.path("client"), client_issuer=other)
        self.assertNotIn("Client certificate", handshake["client"])
        self.assertRegex(handshake["server"], r"unable to get local issuer|verify error")

    def handshake(self, client_dir, client_issuer=None):
        """`openssl s_server -Verify 1 -tls1_3 -www` with the web identity, one connection
        from `openssl s_client` with the identity in `client_dir`."""
        ca_crt = os.path.join(self.ca, "ca.crt")
        server = subprocess.Popen(
            [OPENSSL, "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-www",
             "-tls1_3", "-cert", self.path("web", "tls.crt"), "-key",
             self.path("web", "tls.key"), "-cert_chain", os.path.join(self.ca, "issuer.crt"),
             "-CAfile", ca_crt, "-Verify", "1", "-verify_return_error"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(server.stdout.close)
        self.addCleanup(server.kill)
        port = None
        lines = []
        while port is None:
            line = server.stdout.readline()
            if not line:
                self.fail("s_server exited: " + "".join(lines))
            lines.append(line)
            match = re.match(r"ACCEPT 127\.0\.0\.1:(\d+)", line)
            if match:
                port = match.group(1)
        rest = []
        reader = threading.Thread(target=lambda: rest.extend(server.stdout))
        reader.start()
        issuer = os.path.join(client_issuer or self.ca, "issuer.crt")
        client = openssl("s_client", "-connect", f"127.0.0.1:{port}", "-tls1_3", "-cert",
                         os.path.join(client_dir, "tls.crt"), "-key",
                         os.path.join(client_dir, "tls.key"), "-cert_chain", issuer,
                         "-CAfile", ca_crt, "-verify_return_error", "-verify_hostname",
                         "web.default.serviceaccount.identity.cluster.local", "-ign_eof",
                         stdin="GET / HTTP/1.0\r\n\r\n")
        server.wait(timeout=30)
        reader.join(timeout=30)
        return {"client": client.stdout + client.stderr, "server": "".join(lines + rest)}

    def test_refuses_to_overwrite_without_force(self):
        self.init_ca()
        with open(os.path.join(self.ca, "ca.crt")) as f:
            before = f.read()
        result = wasmesh("identity", "ca", "init", "--trust-domain", TD, "--out", self.ca)
        self.assertEqual(result.returncode, 1)
        self.assertIn("ca.crt already exists", result.stderr)
        self.assertIn("--force", result.stderr)
        with open(os.path.join(self.ca, "ca.crt")) as f:
            self.assertEqual(f.read(), before)
        self.init_ca(None, "--force")
        with open(os.path.join(self.ca, "ca.crt")) as f:
            self.assertNotEqual(f.read(), before)
        self.assertEqual(mode(os.path.join(self.ca, "issuer.key")), 0o600)

        out = self.path("web")
        self.issue(WEB, out)
        result = wasmesh("identity", "issue", "--ca", self.ca, "--id", WEB, "--out", out)
        self.assertEqual(result.returncode, 1)
        self.assertIn("tls.key already exists", result.stderr)
        self.issue(WEB, out, None, "--force")
        self.assertEqual(sorted(os.listdir(out)), ["tls.crt", "tls.key"])

    def test_bad_flags_exit_2_naming_the_flag_and_value(self):
        self.init_ca()
        cases = [
            (["identity", "issue", "--ca", self.ca, "--id", f"spiffe://{TD}/web", "--out",
              self.dir], "--id", f'"spiffe://{TD}/web" has no server name'),
            (["identity", "issue", "--ca", self.ca, "--id", "web", "--out", self.dir], "--id",
             '"web" is not a SPIFFE ID'),
            (["identity", "issue", "--ca", self.ca, "--id", "spiffe://other/ns/a/sa/b", "--out",
              self.dir], "--id", '"spiffe://other/ns/a/sa/b" is not in the trust domain'),
            (["identity", "issue", "--ca", self.ca, "--id", WEB, "--out", self.dir,
              "--lifetime", "1y"], "--lifetime", '"1y"'),
            (["identity", "ca", "init", "--trust-domain", "Cluster.Local", "--out", self.dir],
             "--trust-domain", '"Cluster.Local"'),
            (["identity", "ca", "init", "--trust-domain", "td/x", "--out", self.dir],
             "--trust-domain", '"td/x"'),
            (["identity", "ca", "init", "--trust-domain", TD, "--out", self.dir, "--lifetime",
              "500ms"], "--lifetime", '"500ms" is shorter than 1s'),
            (["identity", "ca", "init", "--out", self.dir], "--trust-domain", "required"),
            (["identity", "issue", "--ca", self.ca, "--id", WEB], "--out", "required"),
            (["identity", "ca", "init", "--trust-domain", TD, "--out", self.dir, "--bogus"],
             "--bogus"),
            (["identity"], "subcommand"),
            (["identity", "inspect"], "FILE"),
        ]
        for args, *needles in cases:
            with self.subTest(args=args):
                self.assertUsageError(wasmesh(*args), *needles)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "tls.key")))

    def test_issue_with_a_bad_ca_directory_exits_1(self):
        result = wasmesh("identity", "issue", "--ca", self.path("missing"), "--id", WEB,
                         "--out", self.path("web"))
        self.assertEqual(result.returncode, 1)
        self.assertIn(self.path("missing", "ca.crt"), result.stderr)
        self.init_ca()
        with open(os.path.join(self.ca, "issuer.key"), "w") as f:
            f.write("not a key\n")
        result = wasmesh("identity", "issue", "--ca", self.ca, "--id", WEB, "--out",
                         self.path("web"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("issuer.key", result.stderr)
        self.assertFalse(os.path.exists(self.path("web")))

    def test_help(self):
        for args in (["identity", "--help"], ["identity", "ca", "init", "--help"],
                     ["identity", "issue", "--help"], ["identity", "inspect", "--help"]):
            result = wasmesh(*args)
            self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("--trust-domain", wasmesh("identity", "ca", "init", "--help").stdout)


if __name__ == "__main__":
    unittest.main()
