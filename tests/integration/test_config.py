"""Configuration errors stop the proxy with status 2 and one line naming key and value;
start-up failures (a port in use) exit 1 with the listener named."""

import os
import socket
import subprocess
import tempfile
import unittest

from harness import BINARY, Proxy, proxy_environment

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_proxy(config_text=None, env=None, args=None):
    command = [BINARY, "proxy"]
    if config_text is not None:
        path = tempfile.mktemp(suffix=".yaml")
        with open(path, "w") as f:
            f.write(config_text)
        command += ["--config", path]
    return subprocess.run(command + (args or []), capture_output=True, text=True, timeout=20,
                          env=proxy_environment(env))


class ConfigTest(unittest.TestCase):
    def assertConfigError(self, result, *needles):
        self.assertEqual(result.returncode, 2, result.stdout + result.stderr)
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        for needle in needles:
            self.assertIn(needle, lines[0])

    def test_bad_duration_names_key_and_value(self):
        self.assertConfigError(run_proxy("inbound: {connect_timeout: 3x}\n"),
                               "inbound.connect_timeout", '"3x"')

    def test_unknown_key(self):
        self.assertConfigError(run_proxy("outbound: {conect_timeout: 1s}\n"),
                               "outbound.conect_timeout: unknown key")

    def test_bad_port_and_address(self):
        self.assertConfigError(run_proxy("admin: {listen: '127.0.0.1:70000'}\n"),
                               "admin.listen", "70000")
        self.assertConfigError(run_proxy("admin: {listen: 'localhost:4191'}\n"),
                               "admin.listen", "localhost:4191")

    def test_garbage_file(self):
        self.assertConfigError(run_proxy("inbound: [\x00\x01 {{{\n"), "line")

    def test_unreadable_file(self):
        self.assertConfigError(run_proxy(args=["--config", "/nonexistent/x.yaml"]),
                               "/nonexistent/x.yaml", "No such file or directory")

    def test_directory_is_refused_not_defaulted(self):
        # A ConfigMap mounted as a directory used to run on the built-in defaults (unmeshed)
        # and pass --check with status 0.
        with tempfile.TemporaryDirectory() as directory:
            for extra in ([], ["--check"]):
                self.assertConfigError(run_proxy(args=["--config", directory] + extra),
                                       "--config", directory, "Is a directory")

    def test_fifo_is_refused_without_blocking(self):
        with tempfile.TemporaryDirectory() as directory:
            fifo = os.path.join(directory, "config.yaml")
            os.mkfifo(fifo)
            self.assertConfigError(run_proxy(args=["--check", "--config", fifo]),
                                   fifo, "not a regular file")

    def test_config_through_a_symlink_is_read(self):
        # Kubernetes mounts ConfigMap keys as symlinks into a ..data directory.
        with tempfile.TemporaryDirectory() as directory:
            data = os.path.join(directory, "..data")
            os.mkdir(data)
            with open(os.path.join(data, "config.yaml"), "w") as f:
                f.write("admin: {listen: '127.0.0.1:4999'}\n")
            link = os.path.join(directory, "config.yaml")
            os.symlink(os.path.join("..data", "config.yaml"), link)
            result = run_proxy(args=["--check", "--config", link])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("admin.listen: 127.0.0.1:4999", result.stdout)

    def test_environment_override_is_validated_and_applied(self):
        self.assertConfigError(run_proxy(env={"WASMESH_OUTBOUND_CONNECT_TIMEOUT": "1.5s"}),
                               "WASMESH_OUTBOUND_CONNECT_TIMEOUT", '"1.5s"')
        result = run_proxy(env={"WASMESH_OUTBOUND_LISTEN": "127.0.0.1:5555"}, args=["--check"])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("outbound.listen: [127.0.0.1:5555]", result.stdout)

    def test_unknown_environment_variable(self):
        self.assertConfigError(run_proxy(env={"WASMESH_INBOUND_TIMEOUT": "1s"}),
                               "WASMESH_INBOUND_TIMEOUT")

    def test_example_config_checks(self):
        result = run_proxy(args=["--check", "--config",
                                 os.path.join(REPO, "deploy", "wasmesh.example.yaml")])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("admin.listen: 0.0.0.0:4191", result.stdout)

    def test_port_in_use_exits_1_naming_the_listener(self):
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            result = run_proxy("admin: {listen: '127.0.0.1:0'}\ninbound: {listen: []}\n"
                               f"outbound: {{listen: ['127.0.0.1:{port}']}}\n")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"outbound listener 127.0.0.1:{port}", result.stderr)
        self.assertIn("in use", result.stderr)

    def test_json_logs_are_json(self):
        import json
        config = ("log: {format: json}\nadmin: {listen: '127.0.0.1:0'}\n"
                  "inbound: {listen: []}\noutbound: {listen: []}\n")
        with Proxy(config) as proxy:
            pass
        lines = [line for line in proxy.log_text().splitlines() if line.strip()]
        self.assertTrue(lines)
        for line in lines:
            record = json.loads(line)
            self.assertIn(record["level"], ("info", "warning", "debug", "error"))
            self.assertIn("message", record)


if __name__ == "__main__":
    unittest.main()
