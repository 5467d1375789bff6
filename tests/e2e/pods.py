"""Pods for the e2e tests: Linux network namespaces joined by a veth pair, with
`wasmesh init` rules inside and `wasmesh proxy` running as uid 2102, as in a Kubernetes pod.

    with PodNetwork(a_init=[...], b_init=[...]) as net:
        net.a.client(net.b.ipv4, 8080, 1000)   # JSON-like dict: error, eof, intact, ...
        net.b.metric("tcp_open_total", direction="inbound")

Every namespace, veth and process made here is torn down by PodNetwork.close(), which
runs on normal exit, on exceptions, at interpreter exit (atexit) and on SIGINT/SIGTERM/
SIGHUP. Namespaces are named `wm-<pid>-<pod>`; leftovers of a test run that was killed
(SIGKILL, ctest timeout) are removed by the next run, whose pid differs.

Standard library only; needs root (CAP_SYS_ADMIN for namespaces, CAP_NET_ADMIN).
"""

import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import harness

PROXY_UID = 2102
ADMIN_PORT = 4191
APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps.py")
PREFIX = f"wm-{os.getpid()}-"
NAME = re.compile(r"^wm-(\d+)-")

# Addresses of the two pods on their shared link.
POD_ADDRESSES = {
    "a": ("10.213.0.1", "fd00:213::1"),
    "b": ("10.213.0.2", "fd00:213::2"),
}
# With node=True the pods hang off a bridge in a third namespace, the "node", which has this
# address on it: what runs there (an identity service, Prometheus) reaches the pods as a
# Kubernetes node's processes do.
NODE_ADDRESSES = ("10.213.0.254", "fd00:213::fe")


def proxy_config(workers=2, admin_extra=""):
    """`admin_extra`: more admin keys, each a line indented by two spaces."""
    return (f"proxy:\n  workers: {workers}\n  shutdown_grace_period: 2s\n"
            f"admin:\n  listen: 0.0.0.0:{ADMIN_PORT}\n" + admin_extra)


def run(command, check=True, timeout=30, **kwargs):
    """Runs a command, returns CompletedProcess; raises with its output on failure."""
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"`{' '.join(command)}` exited {result.returncode}:\n"
                           f"{result.stdout}{result.stderr}")
    return result


def _die_with_parent():
    # Apps die with the test process even when it is SIGKILLed (ctest timeout). The proxy
    # changes uid with setpriv, which clears this; stale-namespace cleanup covers it.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def netns_available():
    """None when this process can create network namespaces, else the reason why not."""
    if os.geteuid() != 0:
        return "needs root"
    if not shutil.which("ip"):
        return "the `ip` command (iproute2) is not installed"
    probe = f"{PREFIX}probe"
    try:
        result = run(["ip", "netns", "add", probe], check=False)
    except OSError as error:
        return f"`ip netns add` cannot run: {error}"
    if result.returncode != 0:
        return f"`ip netns add` failed: {result.stderr.strip() or result.stdout.strip()}"
    run(["ip", "netns", "del", probe], check=False)
    return None


def require_pods():
    """For setUpModule: raises unittest.SkipTest (after printing why, for ctest's log) when
    pods cannot be made here, fails when the binary is not given."""
    if os.geteuid() != 0:
        print("skipped: needs root")
        raise unittest.SkipTest("skipped: needs root")
    if not harness.BINARY:
        raise RuntimeError("TEST_WASMESH_BINARY is not set")
    reason = netns_available()
    if reason:
        print(f"skipped: {reason}")
        raise unittest.SkipTest(f"skipped: {reason}")


def target_addr(host, port):
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def loopback(family):
    return "127.0.0.1" if family == 4 else "::1"


def _pids_in(namespace):
    result = run(["ip", "netns", "pids", namespace], check=False)
    return [int(p) for p in result.stdout.split() if p.isdigit()]


def _kill_and_delete(namespace):
    for pid in _pids_in(namespace):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    run(["ip", "netns", "del", namespace], check=False)


def remove_stale_namespaces():
    """Deletes wm-<pid>-* namespaces whose test process no longer exists, after killing
    what still runs in them (the proxies: apps die with the test process)."""
    listing = run(["ip", "netns", "list"], check=False).stdout
    for line in listing.splitlines():
        name = line.split()[0] if line.split() else ""
        match = NAME.match(name)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            _kill_and_delete(name)
    # And the proxies' config/log directories (PodProxy) of those runs.
    tmp = tempfile.gettempdir()
    for entry in os.listdir(tmp):
        match = re.match(r"^wasmesh-e2e-(\d+)-", entry)
        if match and not os.path.exists(f"/proc/{match.group(1)}"):
            shutil.rmtree(os.path.join(tmp, entry), ignore_errors=True)


class App:
    """A process in a pod whose stdout lines are collected as they arrive."""

    def __init__(self, namespace, command, env=None):
        self.command = command
        self.process = subprocess.Popen(["ip", "netns", "exec", namespace] + command,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True,
                                        env=env if env is not None else
                                        harness.proxy_environment(),
                                        preexec_fn=_die_with_parent)
        self.lines = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.process.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_line(self, predicate, timeout=10, start=0):
        """The first line from index `start` on that satisfies predicate; waits for it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[start:]:
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None
                                      and not self._reader.is_alive()):
                    raise AssertionError(f"{self.command}: no expected line within {timeout}s "
                                         f"(exit {self.process.poll()}); output:\n"
                                         + "\n".join(self.lines))
                self._cond.wait(min(remaining, 0.2))

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(timeout=5)
        if not self._reader.is_alive():
            self.process.stdout.close()


class PodProxy:
    """`wasmesh proxy` inside a pod as uid 2102, without capabilities. Popen.pid is the
    proxy itself: `ip netns exec` and `setpriv` both exec."""

    def __init__(self, namespace, config_yaml):
        # Readable by uid 2102: the directory must be searchable, the config readable.
        self.dir = tempfile.mkdtemp(prefix=f"wasmesh-e2e-{os.getpid()}-")
        os.chmod(self.dir, 0o755)
        self.config_path = os.path.join(self.dir, "config.yaml")
        with open(self.config_path, "w") as f:
            f.write(config_yaml)
        os.chmod(self.config_path, 0o644)
        self.log_path = os.path.join(self.dir, "proxy.log")
        self.log = open(self.log_path, "w+")
        command = ["ip", "netns", "exec", namespace,
                   "setpriv", f"--reuid={PROXY_UID}", f"--regid={PROXY_UID}",
                   "--clear-groups", "--inh-caps=-all", "--",
                   harness.BINARY, "proxy", "--config", self.config_path]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT,
                                        env=harness.proxy_environment())
        self.pid = self.process.pid

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_ready(self, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "wasmesh proxy ready" in self.log_text():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"proxy exited ({self.process.returncode}):\n"
                                   f"{self.log_text()}")
            time.sleep(0.02)
        raise RuntimeError(f"proxy not ready within {timeout}s:\n{self.log_text()}")

    def running(self):
        return self.process.poll() is None

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def stop(self, timeout=10):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.process.returncode


class Pod:
    def __init__(self, name, ipv4, ipv6):
        self.name = name
        self.namespace = PREFIX + name
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.proxy = None
        self.apps = []

    def address(self, family):
        return self.ipv4 if family == 4 else self.ipv6

    def exec(self, command, check=True, timeout=30):
        """Runs a command inside the pod's network namespace and waits for it."""
        return run(["ip", "netns", "exec", self.namespace] + command, check=check,
                   timeout=timeout, env=harness.proxy_environment())

    def python(self, *args, timeout=30):
        return self.exec([sys.executable, APPS] + [str(a) for a in args], timeout=timeout)

    def init(self, *flags):
        """`wasmesh init` in the pod: the interception rules."""
        return self.exec([harness.BINARY, "init"] + list(flags))

    def start_proxy(self, config_yaml=None):
        self.proxy = PodProxy(self.namespace, config_yaml or proxy_config())
        self.proxy.wait_ready()
        self.wait_admin("/ready", 200)
        return self.proxy

    def listening(self, port):
        """Whether a TCP socket listens on port in this pod (read with `ss`: no traffic)."""
        result = self.exec(["ss", "-Hltn", f"sport = :{port}"], check=False)
        return result.returncode == 0 and result.stdout.strip() != ""

    def start_server(self, command, port, timeout=10):
        """Any server program in the pod; returns its App once something listens on port.
        It dies with the test process, and PodNetwork.close() kills it in any case."""
        app = App(self.namespace, command)
        self.apps.append(app)
        deadline = time.monotonic() + timeout
        while not self.listening(port):
            if app.process.poll() is not None or time.monotonic() > deadline:
                app.stop()
                raise RuntimeError(f"{command} is not listening on {port} (exit "
                                   f"{app.process.returncode}):\n" + "\n".join(app.lines))
            time.sleep(0.05)
        return app

    def start_app(self, port, mode="echo", addresses=""):
        """A server app in the pod on [::]:port (or on `addresses`, comma-separated);
        returns once it listens."""
        app = App(self.namespace, [sys.executable, "-u", APPS, "serve", str(port), mode,
                                   addresses])
        self.apps.append(app)
        app.wait_line(lambda line: line == f"listening {port}")
        return app

    def start_hold(self, host, port, trigger):
        """A long-lived connection from the pod (apps.py hold): one exchange at once, the
        second once `trigger` exists."""
        app = App(self.namespace, [sys.executable, "-u", APPS, "hold", host, str(port), trigger])
        self.apps.append(app)
        return app

    def client(self, host, port, size):
        """A client in the pod: connect, send size bytes, half-close, read to EOF."""
        result = self.python("client", host, port, size)
        return json.loads(result.stdout)

    def http(self, method, url):
        """An HTTP request made from inside the pod (so through its outbound rules)."""
        return json.loads(self.python("http", method, url).stdout)

    def admin(self, path, method="GET"):
        """This pod's proxy admin on loopback, from inside the pod."""
        return self.http(method, f"http://127.0.0.1:{ADMIN_PORT}{path}")

    def wait_admin(self, path, status, timeout=10):
        deadline = time.monotonic() + timeout
        answer = None
        while time.monotonic() < deadline:
            answer = self.admin(path)
            if answer["status"] == status:
                return answer
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: {path} answered {answer}, expected {status}")

    def metrics_text(self):
        answer = self.admin("/metrics")
        if answer["status"] != 200:
            raise AssertionError(f"{self.name}: /metrics answered {answer}")
        return answer["body"]

    def metric(self, name, **labels):
        return harness.sum_metric(self.metrics_text(), name, **labels)

    def series(self, **labels):
        """Every sample (name, labels, value) whose labels include the given ones."""
        return [(n, l, v) for n, l, v in harness.parse_samples(self.metrics_text())
                if all(l.get(k) == str(val) for k, val in labels.items())]

    def stop_apps(self):
        for app in self.apps:
            app.stop()
        self.apps = []


class PodNetwork:
    """Pods a and b joined by a veth pair, rules installed, proxies running."""

    def __init__(self, a_init=(), b_init=(), a_config=None, b_config=None, node=False,
                 bare=False):
        """bare: the namespaces and links only, no rules and no proxies (the caller runs
        them, as tests/e2e/kubelet.py does from a pod spec)."""
        self.pods = {name: Pod(name, *POD_ADDRESSES[name]) for name in ("a", "b")}
        self.a, self.b = self.pods["a"], self.pods["b"]
        self.node = Pod("node", *NODE_ADDRESSES) if node else None
        self._namespaces = []
        self._closed = False
        self._previous_handlers = {}
        atexit.register(self.close)
        self._install_signal_handlers()
        try:
            remove_stale_namespaces()
            self._create()
            self.init_output = {}
            self.ipv6_skipped = ""
            if bare:
                return
            # What init printed, per pod (it warns there when IPv6 NAT is unusable), and
            # init's words when a kernel without IPv6 NAT made it keep IPv4 only
            # (docs/init.md), for the IPv6 cases to skip with.
            for pod, flags in ((self.a, a_init), (self.b, b_init)):
                result = pod.init(*flags)
                self.init_output[pod.name] = result.stdout + result.stderr
                if "IPv6 rules skipped" in self.init_output[pod.name]:
                    self.ipv6_skipped = self.init_output[pod.name].strip()
            self.a.start_proxy(a_config)
            self.b.start_proxy(b_config)
        except BaseException:
            self.close()
            raise

    def _install_signal_handlers(self):
        if threading.current_thread() is not threading.main_thread():
            return

        def interrupted(signum, frame):
            self.close()
            raise KeyboardInterrupt(f"signal {signum}")

        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._previous_handlers[sig] = signal.signal(sig, interrupted)

    def _create(self):
        for pod in list(self.pods.values()) + ([self.node] if self.node else []):
            run(["ip", "netns", "add", pod.namespace])
            self._namespaces.append(pod.namespace)
            run(["ip", "-n", pod.namespace, "link", "set", "lo", "up"])
        if self.node:
            self._create_bridge()
        else:
            # Created with both ends already in the pods, so no name can clash with the host's.
            run(["ip", "link", "add", "eth0", "netns", self.a.namespace, "type", "veth",
                 "peer", "name", "eth0", "netns", self.b.namespace])
        for pod in self.pods.values():
            ns = pod.namespace
            run(["ip", "-n", ns, "addr", "add", f"{pod.ipv4}/24", "dev", "eth0"])
            run(["ip", "-n", ns, "-6", "addr", "add", f"{pod.ipv6}/64", "dev", "eth0", "nodad"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])
        # The link is usable once both ends are up and IPv6 is not tentative.
        deadline = time.monotonic() + 10
        while True:
            pods = list(self.pods.values())
            states = [run(["ip", "-n", p.namespace, "-o", "addr", "show", "dev", "eth0"]).stdout
                      for p in pods]
            links = [run(["ip", "-n", p.namespace, "-o", "link", "show", "eth0"]).stdout
                     for p in pods]
            if (all("tentative" not in s and p.ipv6 in s for s, p in zip(states, pods))
                    and all("LOWER_UP" in link for link in links)):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"pod link not up:\n{states}\n{links}")
            time.sleep(0.05)

    def _create_bridge(self):
        node = self.node.namespace
        run(["ip", "-n", node, "link", "add", "br0", "type", "bridge"])
        for pod in self.pods.values():
            run(["ip", "link", "add", "eth0", "netns", pod.namespace, "type", "veth",
                 "peer", "name", f"veth-{pod.name}", "netns", node])
            run(["ip", "-n", node, "link", "set", f"veth-{pod.name}", "master", "br0", "up"])
        run(["ip", "-n", node, "addr", "add", f"{self.node.ipv4}/24", "dev", "br0"])
        run(["ip", "-n", node, "-6", "addr", "add", f"{self.node.ipv6}/64", "dev", "br0",
             "nodad"])
        run(["ip", "-n", node, "link", "set", "br0", "up"])

    def close(self):
        """Idempotent: stops apps and proxies, kills anything left in our namespaces,
        deletes them (which deletes the veth pair)."""
        if self._closed:
            return
        self._closed = True
        for pod in list(self.pods.values()) + ([self.node] if self.node else []):
            try:
                pod.stop_apps()
            except Exception:
                pass
            if pod.proxy is not None:
                try:
                    pod.proxy.stop()
                except Exception:
                    pass
        for namespace in self._namespaces:
            _kill_and_delete(namespace)
        for sig, handler in self._previous_handlers.items():
            signal.signal(sig, handler)
        atexit.unregister(self.close)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class PodTestCase(unittest.TestCase):
    """What the e2e modules' test cases share. `net` is the module's PodNetwork; its
    setUpModule sets it on the subclass."""

    maxDiff = None
    net = None

    def family(self, family):
        if family == 6 and self.net is not None and self.net.ipv6_skipped:
            self.skipTest(f"no IPv6 NAT here: {self.net.ipv6_skipped}")

    def counters(self, pod, names, **labels):
        text = pod.metrics_text()
        return {name: harness.sum_metric(text, name, **labels) for name in names}

    def wait_counters(self, pod, before, expected_delta, timeout=10, **labels):
        """Polls pod's metrics until each counter grew from `before` by exactly its
        expected delta (or by at least it, when the value is a ('>=', n) pair)."""
        deadline = time.monotonic() + timeout
        while True:
            now = self.counters(pod, expected_delta.keys(), **labels)
            delta = {name: now[name] - before.get(name, 0.0) for name in expected_delta}
            ok = all((delta[n] >= want[1]) if isinstance(want, tuple) else (delta[n] == want)
                     for n, want in expected_delta.items())
            if ok:
                return delta
            if time.monotonic() > deadline:
                self.fail(f"pod {pod.name} {labels}: counters grew by {delta}, expected "
                          f"{expected_delta}\n{pod.metrics_text()}\nproxy log:\n"
                          f"{pod.proxy.log_text()}")
            time.sleep(0.05)

    def expect(self, condition, result, what):
        if not condition:
            self.fail(f"expected {what}\n{self.explain(result)}")

    def explain(self, result):
        """A client's result with both proxies' connection errors, for failure messages:
        a connection the proxy could not route shows up there, not in the tcp_* series."""
        lines = [f"client: {result}"]
        for pod in (self.net.a, self.net.b):
            for name, labels, value in pod.series():
                if name.endswith("_tcp_errors_total"):
                    lines.append(f"pod {pod.name}: {name}{labels} {value:g}")
        return "\n".join(lines)

    def assert_fds_at_baseline(self, baseline):
        """Each proxy holds the file descriptors it held at `baseline` ({pod name: count},
        taken before the scenarios), and no connection is open."""
        for pod in (self.net.a, self.net.b):
            with self.subTest(pod=pod.name):
                self.assertTrue(pod.proxy.running(), pod.proxy.log_text())
                deadline = time.monotonic() + 10
                while True:
                    fds = pod.proxy.open_fds()
                    if fds == baseline[pod.name] or time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
                self.assertEqual(fds, baseline[pod.name],
                                 os.listdir(f"/proc/{pod.proxy.pid}/fd"))
                self.assertEqual(pod.metric("tcp_open_connections"), 0)
