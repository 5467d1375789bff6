#!/usr/bin/env python3
"""Runs the component bench (bench/components.sh drives it; see bench/README.md).

The same wasi:http components (tests/fixtures/components: the C handler http_hello and the
JavaScript one http_handler, componentize-js) served by `wasmesh wasm serve` on V8 and on wabt
and by `jco serve --isolate-requests instance` (Node; a fresh instance per request, as
wasmtime serve and wasmesh do), and the C handler compiled natively behind a small epoll
server (bench/components/native_hello.c). For each server, rounds interleaved: wrk's
requests/s and p50/p99 latency on GET /hello, the time from start to the first answer and
that first request's own latency, and RSS after the load. Then component_bench's cost of
one instantiation. Every answer is checked first, so a server that says something else
cannot post a number. The wasmesh servers are loaded over HTTP/2 too (h2c with prior
knowledge, h2load, as many requests in flight as wrk keeps: connections x streams), in the
same start as their wrk load; jco serve speaks HTTP/1 only. Writes a Markdown report.
"""
import argparse
import datetime
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

EXPECTED = {"http_hello": b"hello from c\n", "http_handler": b"hello from js\n"}


def log(message):
    print(f"component bench: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tree_rss_kib(pid):
    """VmRSS of a process and its descendants (jco serve may start workers), in KiB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


class Server:
    def __init__(self, label, component, command, http2=False):
        self.label, self.component, self.command = label, component, command
        self.http2 = http2

    def start(self):
        """Starts it; (seconds until the first answer, that first request's seconds)."""
        self.port = free_port()
        command = [part.replace("{port}", str(self.port)) for part in self.command]
        started = time.monotonic()
        # A group of its own: jco serve runs its server in a child Node process.
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = started + 180
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.label} exited: {' '.join(command)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.005)
                continue
            asked = time.monotonic()
            body = self.get()
            answered = time.monotonic()
            if body != EXPECTED[self.component]:
                raise RuntimeError(f"{self.label} answered {body!r}")
            return answered - started, answered - asked
        raise RuntimeError(f"{self.label} did not start")

    def get(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/hello", timeout=60) as answer:
            return answer.read()

    def get_h2(self):
        """GET /hello over h2c with prior knowledge (curl); the body, and the HTTP version."""
        out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", "-w", "\n%{http_version}",
                              f"http://127.0.0.1:{self.port}/hello"], capture_output=True,
                             check=True, timeout=60).stdout
        body, _, version = out.rpartition(b"\n")
        return body, version.decode()

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(port, seconds, connections, threads):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         f"http://127.0.0.1:{port}/hello"], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {}
    for percentile in ("50", "99"):
        value, unit = re.search(rf"\s{percentile}%\s+([\d.]+)(us|ms|s)", out).groups()
        latency[percentile] = float(value) * UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rate, "p50": latency["50"], "p99": latency["99"],
            "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def h2load(port, seconds, clients, streams):
    """h2load over h2c: requests/s, mean and max latency (ms; h2load 1.52 prints no
    percentiles), and the requests that failed or were not 2xx."""
    out = subprocess.run(
        ["h2load", f"-c{clients}", f"-m{streams}", f"-D{seconds}", "--warm-up-time=2",
         f"http://127.0.0.1:{port}/hello"], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))
    done = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                     r"(\d+) failed, (\d+) errored", out)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    timing = re.search(r"time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+"
                       r"([\d.]+)(us|ms|s)", out)
    if not (done and codes and timing):
        raise RuntimeError(f"h2load's output not understood:\n{out}")
    return {"rps": rate,
            "mean": float(timing.group(5)) * UNITS[timing.group(6)],
            "max": float(timing.group(3)) * UNITS[timing.group(4)],
            "errors": int(done.group(5)) + int(done.group(6)) + sum(
                int(codes.group(i)) for i in (2, 3, 4)),
            "requests": int(done.group(4))}


def instantiation_costs(component_bench):
    out = subprocess.run([component_bench, "--benchmark_filter=instantiate_http",
                          "--benchmark_format=json", "--benchmark_min_time=2"],
                         capture_output=True, text=True, check=True).stdout
    costs = {}
    for entry in json.loads(out)["benchmarks"]:
        engine, name = entry["name"].split("/")[:2]
        costs[(engine, name.removeprefix("instantiate_"))] = entry["real_time"]  # microseconds
    return costs


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wasmesh", required=True)
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--jco", required=True, help="the jco command (node run-jco.mjs)")
    parser.add_argument("--native", required=True)
    parser.add_argument("--component-bench", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--h2-clients", type=int, default=4,
                        help="h2load connections; each keeps connections/h2-clients streams")
    parser.add_argument("--report", required=True)
    parser.add_argument("--command", default="bench/components.sh")
    parser.add_argument("--commit", default="")
    parser.add_argument("--version", action="append", default=[])
    args = parser.parse_args()

    jco = args.jco.split()
    servers = []
    for component in ("http_hello", "http_handler"):
        path = os.path.join(args.fixtures, component + ".wasm")
        for engine in ("v8", "wabt"):
            servers.append(Server(f"wasmesh wasm serve ({engine})", component,
                                  [args.wasmesh, "wasm", "serve", "--engine", engine, "--listen",
                                   "127.0.0.1:{port}", path], http2=True))
        servers.append(Server("jco serve (Node)", component,
                              [*jco, "serve", "--isolate-requests", "instance", "--host",
                               "127.0.0.1", "--port", "{port}", path]))
        if component == "http_hello":
            servers.append(Server("native C (epoll)", component, [args.native, "{port}"]))

    results = {id(server): {"runs": [], "ready": [], "first": [], "rss": [], "h2": []}
               for server in servers}
    h2_streams = max(args.connections // args.h2_clients, 1)
    for round_index in range(args.rounds):
        order = servers if round_index % 2 == 0 else list(reversed(servers))
        for server in order:
            log(f"round {round_index + 1}/{args.rounds}: {server.component} on {server.label}")
            ready, first = server.start()
            try:
                wrk(server.port, 2, args.connections, args.threads)  # warm-up
                run = wrk(server.port, args.seconds, args.connections, args.threads)
                result = results[id(server)]
                result["runs"].append(run)
                result["ready"].append(ready)
                result["first"].append(first)
                result["rss"].append(tree_rss_kib(server.process.pid))
                if server.http2:
                    body, version = server.get_h2()
                    if (body, version) != (EXPECTED[server.component], "2"):
                        raise RuntimeError(f"{server.label} over h2c answered {body!r} "
                                           f"(HTTP version {version})")
                    result["h2"].append(h2load(server.port, args.seconds, args.h2_clients,
                                               h2_streams))
            finally:
                server.stop()
    log("instantiation (component_bench)")
    costs = instantiation_costs(args.component_bench)

    def row(server):
        result = results[id(server)]
        runs = result["runs"]
        return {
            "rps": median([r["rps"] for r in runs]),
            "p50": median([r["p50"] for r in runs]),
            "p99": median([r["p99"] for r in runs]),
            "errors": sum(r["errors"] for r in runs),
            "ready": median(result["ready"]),
            "first": median(result["first"]),
            "rss": median(result["rss"]),
            "all": [round(r["rps"]) for r in runs],
        }

    lines = [f"# Component bench, {datetime.date.today().isoformat()}", "",
             f"Command: `{args.command}`; commit {args.commit}.", ""]
    lines += [f"- {version}" for version in args.version]
    lines += ["", f"Load: `wrk -t{args.threads} -c{args.connections} -d{args.seconds}s "
              f"--latency http://127.0.0.1:PORT/hello` after a 2 s warm-up, {args.rounds} "
              "rounds interleaved (order reversed every other round), a fresh server each "
              "time; medians. wrk and the server share the machine's cores.", ""]
    for component, title in (("http_hello", "C handler (`http_hello.c`, 71 KB component)"),
                             ("http_handler", "JavaScript handler (`http_handler.js`, "
                                              "componentize-js, 14 MB component)")):
        rows = [(server, row(server)) for server in servers if server.component == component]
        jco_rps = next(r["rps"] for s, r in rows if s.label.startswith("jco"))
        lines += [f"## {title}", "",
                  "| server | requests/s | vs jco serve | p50 ms | p99 ms | non-2xx | "
                  "start to first answer s | first request ms | RSS after load MiB | "
                  "requests/s per round |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for server, r in rows:
            lines.append(
                f"| {server.label} | {r['rps']:.0f} | {r['rps'] / jco_rps:.1f}x | "
                f"{r['p50']:.2f} | {r['p99']:.2f} | {r['errors']} | {r['ready']:.2f} | "
                f"{r['first'] * 1e3:.1f} | {r['rss'] / 1024:.0f} | "
                f"{', '.join(str(v) for v in r['all'])} |")
        lines.append("")
    lines += ["## HTTP/2 (h2c with prior knowledge), wasmesh only", "",
              f"Load: `h2load -c{args.h2_clients} -m{h2_streams} -D{args.seconds} "
              "--warm-up-time=2 http://127.0.0.1:PORT/hello`: as many requests in flight as "
              "wrk's connections above, on fewer connections; run right after the wrk load, on "
              "the same server. jco serve speaks HTTP/1 only. h2load 1.52 prints the mean and "
              "the maximum latency, not percentiles.", "",
              "| component | server | requests/s | vs its HTTP/1 (wrk) | mean ms | max ms | "
              "failed or non-2xx | requests/s per round |",
              "|---|---|---|---|---|---|---|---|"]
    for server in servers:
        h2_runs = results[id(server)]["h2"]
        if not h2_runs:
            continue
        rps = median([r["rps"] for r in h2_runs])
        lines.append(
            f"| {server.component} | {server.label} | {rps:.0f} | "
            f"{rps / row(server)['rps']:.2f}x | {median([r['mean'] for r in h2_runs]):.2f} | "
            f"{median([r['max'] for r in h2_runs]):.2f} | {sum(r['errors'] for r in h2_runs)} | "
            f"{', '.join(str(round(r['rps'])) for r in h2_runs)} |")
    lines.append("")
    lines += ["## Instantiation per request", "",
              "component_bench (Google Benchmark, `--benchmark_min_time=2`): one instantiation of "
              "the prepared component with the host state `wasm serve` gives it; `wasm serve` "
              "pays it once per request, ahead of the request.", "",
              "| component | V8 us | wabt us |", "|---|---|---|"]
    for component in ("http_hello", "http_handler"):
        lines.append(f"| {component} | {costs.get(('v8', component), float('nan')):.0f} | "
                     f"{costs.get(('wabt', component), float('nan')):.0f} |")
    lines.append("")
    with open(args.report, "w") as out:
        out.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
