"""Helpers shared by the integration and e2e tests: run the real wasmesh binary, talk to it
over real sockets, read its metrics. Standard library only."""

import gzip
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request

BINARY = os.environ.get("TEST_WASMESH_BINARY", "")
PROMTOOL = os.environ.get("TEST_PROMTOOL", "")


def proxy_environment(extra=None):
    """The proxy's environment: nothing WASMESH_* leaks in from the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASMESH_")}
    env.update(extra or {})
    return env


class Proxy:
    """A `wasmesh proxy` process with its log captured. Listeners on port 0 are found by
    reading the log lines that announce them."""

    LISTENING = re.compile(r"(\S.*?) listening on (\S+)")

    def __init__(self, config_yaml, env=None, args=None, prefix=None, wait_ready=True):
        self.dir = tempfile.mkdtemp(prefix="wasmesh-test-")
        self.config_path = os.path.join(self.dir, "config.yaml")
        with open(self.config_path, "w") as f:
            f.write(config_yaml)
        self.log_path = os.path.join(self.dir, "proxy.log")
        self.log = open(self.log_path, "w+")
        command = (prefix or []) + [BINARY, "proxy", "--config", self.config_path] + (args or [])
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        env=proxy_environment(env))
        self.listeners = {}
        if wait_ready:
            self.wait_for_line("wasmesh proxy ready")
            self._read_listeners()

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_for_line(self, needle, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if needle in self.log_text():
                return
            if self.process.poll() is not None:
                raise AssertionError(f"proxy exited ({self.process.returncode}):\n{self.log_text()}")
            time.sleep(0.02)
        raise AssertionError(f"'{needle}' not logged within {timeout}s:\n{self.log_text()}")

    def _read_listeners(self):
        for name, address in self.LISTENING.findall(self.log_text()):
            name = re.sub(r"^.*?(INFO|info)\s+", "", name).strip()
            self.listeners[name] = address

    def address(self, name):
        """(host, port) of a listener: 'admin', 'route <name>', 'inbound', 'outbound'."""
        text = self.listeners[name]
        host, port = text.rsplit(":", 1)
        return host.strip("[]"), int(port)

    def admin_url(self, path):
        host, port = self.address("admin")
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}{path}"

    def get(self, path, headers=None, method="GET"):
        request = urllib.request.Request(self.admin_url(path), headers=headers or {},
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def metrics_text(self):
        status, headers, body = self.get("/metrics")
        assert status == 200, status
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode()

    def metric(self, name, **labels):
        return sum_metric(self.metrics_text(), name, **labels)

    def wait_metric(self, name, expected, timeout=5, **labels):
        deadline = time.time() + timeout
        value = None
        while time.time() < deadline:
            value = self.metric(name, **labels)
            if value == expected:
                return value
            time.sleep(0.05)
        raise AssertionError(f"{name}{labels} = {value}, expected {expected}\n"
                             f"{self.metrics_text()}")

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def rss_bytes(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        return 0

    def stop(self, sig=15, timeout=15):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        self.log.close()


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_samples(text):
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if not match:
            continue
        labels = dict(LABEL.findall(match.group(3) or ""))
        yield match.group(1), labels, float(match.group(4))


def sum_metric(text, name, **labels):
    total = 0.0
    for sample_name, sample_labels, value in parse_samples(text):
        if sample_name != name:
            continue
        if all(sample_labels.get(k) == str(v) for k, v in labels.items()):
            total += value
    return total


class EchoServer:
    """A threaded TCP echo server that echoes until the client half-closes, then
    half-closes back. mode='reset' resets each connection after its first read."""

    def __init__(self, host="127.0.0.1", mode="echo"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(4096)
        self.port = self.sock.getsockname()[1]
        self.mode = mode
        self.accepted = 0
        # How each connection ended on the echo side: "fin" or "reset".
        self.endings = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    self.endings.append("fin")
                    conn.shutdown(socket.SHUT_WR)
                    break
                if self.mode == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    break
                conn.sendall(data)
        except ConnectionResetError:
            self.endings.append("reset")
        except OSError:
            pass
        finally:
            conn.close()

    def wait_for_reset(self, timeout=5):
        """Whether some connection ended with a reset from the proxy's side."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if "reset" in self.endings:
                return True
            if "fin" in self.endings:
                return False
            time.sleep(0.02)
        return False

    def close(self):
        self.running = False
        self.sock.close()


class HttpServer:
    """A threaded HTTP/1.1 server on a kernel-chosen port (http.server): GET and HEAD answer
    200 with "hello from <path>" (or `routes[path]` = (status, headers, body)); POST and PUT
    echo the body they received, chunked or not, with its length in `x-received`. It records
    each request's method, path, headers and HTTP version in `requests`."""

    def __init__(self, host="127.0.0.1", routes=None):
        import http.server
        outer = self
        self.requests = []
        self.routes = routes or {}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status, headers, body, send_body=True):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                if not any(name.lower() == "content-length" for name, _ in headers):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body:
                    self.wfile.write(body)

            def do_GET(self):
                outer.requests.append((self.command, self.path, dict(self.headers),
                                       self.request_version))
                if self.path in outer.routes:
                    status, headers, body = outer.routes[self.path]
                    self.answer(status, headers, body, self.command != "HEAD")
                    return
                self.answer(200, [("Content-Type", "text/plain")],
                            f"hello from {self.path}\n".encode(), self.command != "HEAD")

            do_HEAD = do_GET

            def read_body(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length", "0")))

            def do_POST(self):
                outer.requests.append((self.command, self.path, dict(self.headers),
                                       self.request_version))
                body = self.read_body()
                self.answer(200, [("x-received", str(len(body)))], body)

            do_PUT = do_POST

        family = socket.AF_INET6 if ":" in host else socket.AF_INET

        class Server(http.server.ThreadingHTTPServer):
            address_family = family
            daemon_threads = True
            # socketserver's backlog of 5 drops the SYNs of a burst of connections (a proxy
            # opening one per concurrent request), which then wait out a 1 s retransmission.
            request_queue_size = 128

            def handle_error(self, request, client_address):
                pass  # clients the tests cut off on purpose; not worth a traceback

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class GreetingServer:
    """Speaks first, like NATS, SMTP or MySQL: a banner on accept, then echoes."""

    BANNER = b"220 wasmesh-test ESMTP ready\r\n"

    def __init__(self, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        with conn:
            try:
                conn.sendall(self.BANNER)
                while data := conn.recv(65536):
                    conn.sendall(data)
            except OSError:
                pass

    def close(self):
        self.sock.close()


class RefusingPort:
    """A port that refuses connections: bound but not listening, and held, so that no
    listener started meanwhile (the proxy's own port 0 listeners included) can take it."""

    def __init__(self, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def echo_through(host, port, payload, timeout=5):
    """Sends payload, half-closes, returns everything read back until EOF."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((host, port))
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
        return b"".join(chunks)
