#!/usr/bin/env python3
"""Writes the report of bench/http.sh from one run's records (see bench/README.md, "HTTP").

Input, in the run's temporary directory (--work):
  results.tsv   one line per record: part, target, case, round, then key=value fields
                (raw = the load tool's output file in raw/, status, wall seconds, proxy and
                upstream CPU ticks, the proxy's own request count, RSS readings)
  meta.tsv      key, value: settings, machine, versions, host load before and after
  raw/          wrk, h2load (+ its per-request --log-file) and ratehttp outputs
  anomalies.md  what went wrong during the run (a proxy that died, a load tool that failed)
  commands.txt  the commands, in the order first run
  the configuration files, quoted verbatim.
Every figure in the report comes from these files. Standard library only.
"""
import argparse
import os
import re
import statistics
import sys

H1_TARGETS = ["direct", "wasmesh", "haproxy", "nginx"]
H2_TARGETS = ["direct", "wasmesh", "haproxy-h2", "haproxy", "nginx"]
MESH_TARGETS = ["direct", "wasmesh", "haproxy"]
SIZES = ["128", "64k"]
SIZE_LABEL = {"128": "128 B", "64k": "64 KiB", "1k": "1 KiB"}
H1_LABEL = {"direct": "direct (no proxy)", "wasmesh": "wasmesh", "haproxy": "haproxy",
            "nginx": "nginx"}
H2_LABEL = {"direct": "direct (h2c upstream)", "wasmesh": "wasmesh h2→h2",
            "haproxy-h2": "haproxy h2→h2", "haproxy": "haproxy h2→h1", "nginx": "nginx h2→h1"}
MESH_LABEL = {"direct": "direct (no proxy)", "wasmesh": "wasmesh A+B (mTLS, h2 between)",
              "haproxy": "haproxy A+B (mTLS, h2 between)"}

# Issue 12's aims, stated next to the figures.
AIM_HAPROXY_RPS = 1.0
AIM_NGINX_RPS = 1.3
AIM_ADDED_P99_MS = 0.5
AIM_VCPU_PER_1K = 0.1
AIM_RSS_MIB = 20


def read_records(work):
    records = {}
    with open(os.path.join(work, "results.tsv")) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 4:
                continue
            part, target, case, rnd = fields[:4]
            values = dict(field.split("=", 1) for field in fields[4:] if "=" in field)
            records[(part, target, case, int(rnd))] = values
    return records


def read_meta(work):
    meta = {}
    with open(os.path.join(work, "meta.tsv")) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            meta[key] = value
    return meta


def number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def wrk_time_ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        return None
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}[match.group(2)]
    return float(match.group(1)) * scale


def parse_wrk(path):
    """requests/s, requests, p50/p99 (ms), errors (socket errors + non-2xx), bytes read."""
    out = {}
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return out
    if m := re.search(r"Requests/sec:\s+([\d.]+)", text):
        out["rps"] = float(m.group(1))
    if m := re.search(r"(\d+) requests in ([\d.]+)(\w+), ([\d.]+)(\w+) read", text):
        out["requests"] = int(m.group(1))
        unit = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}.get(m.group(5), 0)
        out["bytes"] = float(m.group(4)) * unit
    for pct in ("50", "99"):
        if m := re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M):
            out[f"p{pct}_ms"] = wrk_time_ms(m.group(1))
    errors = 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text):
        errors += sum(int(x) for x in m.groups())
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", text):
        errors += int(m.group(1))
    out["errors"] = errors
    return out


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    rank = max(1, min(len(values), int(p / 100 * len(values) + 0.999999)))
    return values[rank - 1]


def parse_h2load(path):
    """requests/s, succeeded requests, errors, p50/p99 (ms) from the per-request log."""
    out = {}
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return out
    if m := re.search(r"finished in ([\d.]+)s, ([\d.]+) req/s", text):
        out["rps"] = float(m.group(2))
    if m := re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
                      r"(\d+) failed, (\d+) errored, (\d+) timeout", text):
        out["requests"] = int(m.group(4))
        out["errors"] = int(m.group(5)) + int(m.group(6)) + int(m.group(7))
    if m := re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text):
        out["errors"] = out.get("errors", 0) + int(m.group(2)) + int(m.group(3)) + int(m.group(4))
    latencies = []
    try:
        with open(path + ".log") as log:
            for line in log:
                parts = line.split("\t")
                if len(parts) >= 3 and parts[1] == "200":
                    latencies.append(int(parts[2]))
    except OSError:
        pass
    if latencies:
        out["p50_ms"] = percentile(latencies, 50) / 1000
        out["p99_ms"] = percentile(latencies, 99) / 1000
    return out


def parse_rate(path):
    try:
        text = open(path, errors="replace").read().strip().splitlines()
    except OSError:
        return {}
    for line in reversed(text):
        if line.startswith("target="):
            return {k: v for k, v in (f.split("=", 1) for f in line.split() if "=" in f)}
    return {}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "-"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.{digits}f}"


class Run:
    def __init__(self, work):
        self.work = work
        self.records = read_records(work)
        self.meta = read_meta(work)
        self.rounds = int(self.meta.get("rounds", "1"))
        self.clk = float(self.meta.get("clk_tck", "100"))

    def record(self, part, target, case, rnd):
        return self.records.get((part, target, case, rnd))

    def load(self, part, target, size, rnd):
        """The parsed load of one record, with CPU per request (µs) added."""
        rec = self.record(part, target, size, rnd)
        if rec is None:
            return None
        path = os.path.join(self.work, "raw", rec.get("raw", ""))
        parsed = parse_wrk(path) if part == "h1" else parse_h2load(path)
        requests = parsed.get("requests")
        ticks = number(rec.get("proxy_ticks"))
        if requests and ticks is not None:
            parsed["cpu_us"] = ticks / self.clk / requests * 1e6
        backend = number(rec.get("backend_ticks"))
        if requests and backend is not None:
            parsed["backend_cpu_us"] = backend / self.clk / requests * 1e6
        parsed["counted"] = number(rec.get("counted"))
        parsed["status"] = rec.get("status")
        return parsed

    def med(self, part, target, size, key):
        return median([(self.load(part, target, size, r) or {}).get(key)
                       for r in range(1, self.rounds + 1)])

    def all_rounds(self, part, target, size, key, digits=0):
        return " · ".join(fmt((self.load(part, target, size, r) or {}).get(key), digits)
                          for r in range(1, self.rounds + 1))

    def memory(self, part, target, case, key):
        values = []
        for r in range(1, self.rounds + 1):
            rec = self.record(part, target, case, r)
            values.append(number(rec.get(key)) if rec else None)
        return values

    def mesh(self, target, rnd):
        rec = self.record("mesh", target, "1k", rnd)
        if rec is None:
            return None
        out = dict(rec)
        parsed = parse_rate(os.path.join(self.work, "raw", rec.get("raw", "")))
        for key in ("requests", "errors", "achieved_rps", "p50_us", "p90_us", "p99_us", "p999_us",
                    "max_us", "mean_us", "svc_p50_us", "svc_p99_us", "late_1ms"):
            out[key] = number(parsed.get(key))
        wall = number(rec.get("wall"))
        rate = number(self.meta.get("rate"))
        for side in ("a", "b"):
            ticks = number(rec.get(f"{side}_ticks"))
            if ticks is not None and wall:
                # vCPU (cores busy) per 1,000 requests/s offered.
                out[f"vcpu_{side}"] = ticks / self.clk / wall / (rate / 1000)
        if out.get("vcpu_a") is not None and out.get("vcpu_b") is not None:
            out["vcpu_pair"] = out["vcpu_a"] + out["vcpu_b"]
        for key in ("before", "after"):
            out[key] = dict(f.split("=", 1) for f in rec.get(key, "").split(",") if "=" in f)
        return out

    def mesh_med(self, target, key):
        return median([(self.mesh(target, r) or {}).get(key) for r in range(1, self.rounds + 1)])

    def mesh_added(self, target, key):
        """Per round: target minus direct; then the median."""
        diffs = []
        for r in range(1, self.rounds + 1):
            t, d = self.mesh(target, r), self.mesh("direct", r)
            if t and d and t.get(key) is not None and d.get(key) is not None:
                diffs.append(t[key] - d[key])
        return median(diffs)


def kib_to_mib(value):
    return None if value is None else value / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    run = Run(args.work)
    meta = run.meta
    lines = []
    w = lines.append
    parts = meta.get("parts", "h1,h2,mesh").split(",")
    has = {p: p in parts for p in ("h1", "h2", "mesh")}
    workers = meta.get("workers")

    w(f"# HTTP benchmark: wasmesh vs haproxy vs nginx ({meta.get('date')})")
    w("")
    w(f"Generated by `{meta.get('invocation')}` (see bench/README.md, \"HTTP: http.sh\") in "
      f"{meta.get('elapsed')} s, with `{meta.get('settings')}`; every figure below comes from "
      f"that run. Each value is the **median of {run.rounds} rounds** (per-round values further "
      f"down). Everything runs on 127.0.0.1; every proxy runs **{workers} worker threads** "
      f"(wasmesh `proxy.workers`, haproxy `nbthread`, nginx `worker_processes`). The upstream "
      f"is a separate nginx ({meta.get('backend_workers')} workers) serving static files "
      f"(HTTP/1.1 on one port, h2c on another); each proxy is a fresh process for each part "
      f"and round, and every answer is checked (status, size, bytes) before its loads.")
    w("")
    w(f"**Caveat: a shared {meta.get('nproc')}-core machine.** The load generator, the "
      f"upstream and the proxy share the cores, with other engineers' builds running beside "
      f"them: `uptime` before the run: `{meta.get('uptime_before', '').strip()}`; after: "
      f"`{meta.get('uptime_after', '').strip()}`. The CPUs were {meta.get('busy_before')}% busy "
      f"in the 2 s before the run and {meta.get('busy_after')}% in the 2 s after it. Absolute "
      f"rates are bounded by that; the ratios and the CPU-per-request figures (which depend "
      f"least on what else got the cores) are what this run says.")
    w("")

    summary = []  # the aims, filled below

    # ----------------------------------------------------------------------------------------
    if has["h1"]:
        w(f"## HTTP/1.1 keep-alive: wrk -t{meta.get('wrk_threads')} -c{meta.get('connections')} "
          f"-d{meta.get('seconds')}s --latency")
        w("")
        w("GET of a static file through each proxy to the upstream nginx over pooled keep-alive "
          "HTTP/1.1 connections (nginx: `upstream { keepalive ...; }`, `proxy_http_version "
          "1.1`, `proxy_set_header Connection \"\"`). CPU per request: utime+stime of the "
          "proxy process (nginx: master and workers) from /proc/PID/stat over the load, "
          "divided by the requests wrk completed.")
        w("")
        for size in SIZES:
            w(f"### {SIZE_LABEL[size]} responses")
            w("")
            w("| | " + " | ".join(H1_LABEL[t] for t in H1_TARGETS)
              + " | wasmesh / haproxy | wasmesh / nginx |")
            w("|---|" + "---:|" * (len(H1_TARGETS) + 2))
            rows = [("requests/s", "rps", 0), ("latency p50 (ms)", "p50_ms", 2),
                    ("latency p99 (ms)", "p99_ms", 2),
                    ("proxy CPU per request (µs)", "cpu_us", 1),
                    ("upstream nginx CPU per request (µs)", "backend_cpu_us", 1),
                    ("errors (socket errors + non-2xx)", "errors", 0)]
            for label, key, digits in rows:
                values = {t: run.med("h1", t, size, key) for t in H1_TARGETS}
                cells = [fmt(values[t], digits) if not (key == "cpu_us" and t == "direct") else "-"
                         for t in H1_TARGETS]
                if key in ("errors", "backend_cpu_us"):
                    extra = ["", ""]
                else:
                    extra = [ratio(values["wasmesh"], values["haproxy"]),
                             ratio(values["wasmesh"], values["nginx"])]
                w(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(extra) + " |")
            w("")
            rps = {t: run.med("h1", t, size, "rps") for t in H1_TARGETS}
            summary.append((f"HTTP/1.1 {SIZE_LABEL[size]}: requests/s ≥ {AIM_HAPROXY_RPS}× haproxy",
                            rps["wasmesh"], rps["haproxy"], AIM_HAPROXY_RPS))
            summary.append((f"HTTP/1.1 {SIZE_LABEL[size]}: requests/s ≥ {AIM_NGINX_RPS}× nginx",
                            rps["wasmesh"], rps["nginx"], AIM_NGINX_RPS))
        w("Memory of the proxy process (nginx: master + workers, summed; shared pages count "
          "once per process), MiB:")
        w("")
        w("| | wasmesh | haproxy | nginx | wasmesh / haproxy | wasmesh / nginx |")
        w("|---|---:|---:|---:|---:|---:|")
        for label, case, key in (("idle RSS, 1 s after start", "idle", "rss_kb"),
                                 ("peak RSS (VmHWM) after both loads", "peak", "hwm_kb")):
            values = {t: kib_to_mib(median(run.memory("h1", t, case, key)))
                      for t in ("wasmesh", "haproxy", "nginx")}
            w(f"| {label} | {fmt(values['wasmesh'], 1)} | {fmt(values['haproxy'], 1)} | "
              f"{fmt(values['nginx'], 1)} | {ratio(values['wasmesh'], values['haproxy'])} | "
              f"{ratio(values['wasmesh'], values['nginx'])} |")
        w("")
        peak = kib_to_mib(median(run.memory("h1", "wasmesh", "peak", "hwm_kb")))
        summary.append((f"wasmesh peak RSS < {AIM_RSS_MIB} MiB, HTTP/1.1 loads "
                        f"({meta.get('connections')} connections)", peak, None, AIM_RSS_MIB))
        cpu = run.med("h1", "wasmesh", "128", "cpu_us")
        summary.append((f"wasmesh < {AIM_VCPU_PER_1K} vCPU per 1,000 requests/s, at saturation "
                        f"(HTTP/1.1 128 B, wrk; CPU µs per request / 1,000)",
                        None if cpu is None else cpu / 1000, None, AIM_VCPU_PER_1K))

    # ----------------------------------------------------------------------------------------
    if has["h2"]:
        w(f"## HTTP/2 with prior knowledge (h2c): h2load -c {meta.get('h2_clients')} "
          f"-m {meta.get('h2_streams')} -t {meta.get('wrk_threads')} -D {meta.get('seconds')}")
        w("")
        w("What each proxies to: **wasmesh** serves the detected HTTP/2 preface with its HTTP/2 "
          "codec and, since the route's port is in no port class and the client spoke h2, "
          "sends the requests as HTTP/2 over a shared h2c connection to the upstream's h2c "
          "port (`h2→h2`; listing the upstream port in `outbound.http1_ports` would send "
          "HTTP/1.1 instead, not measured here). **haproxy** (`bind ... proto h2`) is measured both ways from one process: "
          "to the upstream's HTTP/1.1 port over pooled keep-alive connections (`h2→h1`) and "
          "to its h2c port (`server ... proto h2`, `h2→h2`). **nginx** 1.22 (`listen ... "
          "http2` on a plaintext port serves h2c with prior knowledge) can proxy only "
          "HTTP/1.x upstream (`h2→h1`). The like-for-like comparison for wasmesh is "
          "haproxy h2→h2. Latency p50/p99: from h2load's per-request log (`--log-file`, "
          "time from a request's start to the end of its response).")
        w("")
        for size in SIZES:
            w(f"### {SIZE_LABEL[size]} responses")
            w("")
            w("| | " + " | ".join(H2_LABEL[t] for t in H2_TARGETS)
              + " | wasmesh / haproxy h2→h2 | wasmesh / haproxy h2→h1 | wasmesh / nginx |")
            w("|---|" + "---:|" * (len(H2_TARGETS) + 3))
            rows = [("requests/s", "rps", 0), ("latency p50 (ms)", "p50_ms", 2),
                    ("latency p99 (ms)", "p99_ms", 2),
                    ("proxy CPU per request (µs)", "cpu_us", 1),
                    ("upstream nginx CPU per request (µs)", "backend_cpu_us", 1),
                    ("errors (failed, errored, timed out, non-2xx)", "errors", 0)]
            for label, key, digits in rows:
                values = {t: run.med("h2", t, size, key) for t in H2_TARGETS}
                cells = [fmt(values[t], digits) if not (key == "cpu_us" and t == "direct") else "-"
                         for t in H2_TARGETS]
                if key in ("errors", "backend_cpu_us"):
                    extra = ["", "", ""]
                else:
                    extra = [ratio(values["wasmesh"], values["haproxy-h2"]),
                             ratio(values["wasmesh"], values["haproxy"]),
                             ratio(values["wasmesh"], values["nginx"])]
                w(f"| {label} | " + " | ".join(cells) + " | " + " | ".join(extra) + " |")
            w("")
            rps = {t: run.med("h2", t, size, "rps") for t in H2_TARGETS}
            summary.append((f"HTTP/2 {SIZE_LABEL[size]}: requests/s ≥ {AIM_HAPROXY_RPS}× haproxy "
                            f"(h2→h2)", rps["wasmesh"], rps["haproxy-h2"], AIM_HAPROXY_RPS))
            summary.append((f"HTTP/2 {SIZE_LABEL[size]}: requests/s ≥ {AIM_NGINX_RPS}× nginx "
                            f"(h2→h1)", rps["wasmesh"], rps["nginx"], AIM_NGINX_RPS))
        w("Memory of the proxy process, MiB (haproxy's covers the loads of both its h2 "
          "frontends):")
        w("")
        w("| | wasmesh | haproxy | nginx | wasmesh / haproxy | wasmesh / nginx |")
        w("|---|---:|---:|---:|---:|---:|")
        for label, case, key in (("idle RSS, 1 s after start", "idle", "rss_kb"),
                                 ("peak RSS (VmHWM) after the loads", "peak", "hwm_kb")):
            values = {t: kib_to_mib(median(run.memory("h2", t, case, key)))
                      for t in ("wasmesh", "haproxy", "nginx")}
            w(f"| {label} | {fmt(values['wasmesh'], 1)} | {fmt(values['haproxy'], 1)} | "
              f"{fmt(values['nginx'], 1)} | {ratio(values['wasmesh'], values['haproxy'])} | "
              f"{ratio(values['wasmesh'], values['nginx'])} |")
        w("")
        peak = kib_to_mib(median(run.memory("h2", "wasmesh", "peak", "hwm_kb")))
        summary.append((f"wasmesh peak RSS < {AIM_RSS_MIB} MiB, HTTP/2 loads "
                        f"({meta.get('h2_clients')} connections × {meta.get('h2_streams')} streams)",
                        peak, None, AIM_RSS_MIB))

    # ----------------------------------------------------------------------------------------
    if has["mesh"]:
        rate = meta.get("rate")
        w(f"## A meshed proxy pair at a constant {int(rate):,} requests/s, 1 KiB responses")
        w("")
        w(f"`ratehttp` (bench/tools/ratehttp.cc; {meta.get('ratehttp')}) sends HTTP/1.1 GETs on "
          f"{meta.get('rate_connections')} keep-alive connections on a fixed schedule, open "
          f"loop, for {meta.get('warmup')} s unmeasured and {meta.get('rate_seconds')} s "
          f"measured. **Latency** is from the moment each request was *due* to the end of its "
          f"response (as wrk2 corrects for coordinated omission); **service time** is from "
          f"its actual write. Paths: direct = generator → upstream; wasmesh = generator → A "
          f"(route, HTTP/1 detected, destination meshed by the discovery file) → one shared "
          f"HTTP/2 connection per worker over mutual TLS 1.3 (SPIFFE identities) → B's inbound "
          f"port → HTTP/1.1 to the upstream; haproxy = generator → A (`mode http`) → mutual "
          f"TLS 1.3, HTTP/2 by ALPN, reused connections → B → HTTP/1.1 to the upstream. "
          f"Added latency: per round, pair minus direct, then the median. vCPU per 1,000 "
          f"requests/s: a proxy's CPU seconds over the run / its wall time / (rate / 1,000).")
        w("")
        w("| | " + " | ".join(MESH_LABEL[t] for t in MESH_TARGETS) + " | wasmesh / haproxy |")
        w("|---|" + "---:|" * (len(MESH_TARGETS) + 1))
        rows = [("achieved requests/s", "achieved_rps", 1, False),
                ("latency p50 (µs)", "p50_us", 0, False), ("latency p90 (µs)", "p90_us", 0, False),
                ("latency p99 (µs)", "p99_us", 0, False),
                ("latency p99.9 (µs)", "p999_us", 0, False),
                ("service time p50 (µs)", "svc_p50_us", 0, False),
                ("service time p99 (µs)", "svc_p99_us", 0, False),
                ("requests written > 1 ms after due", "late_1ms", 0, False),
                ("errors", "errors", 0, False)]
        for label, key, digits, _ in rows:
            values = {t: run.mesh_med(t, key) for t in MESH_TARGETS}
            extra = ratio(values["wasmesh"], values["haproxy"]) if key not in (
                "errors", "late_1ms", "achieved_rps") else ""
            w(f"| {label} | " + " | ".join(fmt(values[t], digits) for t in MESH_TARGETS)
              + f" | {extra} |")
        for label, key in (("**added p50 vs direct (µs)**", "p50_us"),
                           ("**added p99 vs direct (µs)**", "p99_us"),
                           ("added service-time p50 vs direct (µs)", "svc_p50_us"),
                           ("added service-time p99 vs direct (µs)", "svc_p99_us")):
            values = {t: run.mesh_added(t, key) for t in ("wasmesh", "haproxy")}
            w(f"| {label} | - | {fmt(values['wasmesh'])} | {fmt(values['haproxy'])} | "
              f"{ratio(values['wasmesh'], values['haproxy'])} |")
        for label, key in (("vCPU per 1,000 requests/s, A", "vcpu_a"),
                           ("vCPU per 1,000 requests/s, B", "vcpu_b"),
                           ("vCPU per 1,000 requests/s, A+B", "vcpu_pair")):
            values = {t: run.mesh_med(t, key) for t in ("wasmesh", "haproxy")}
            w(f"| {label} | - | {fmt(values['wasmesh'], 3)} | {fmt(values['haproxy'], 3)} | "
              f"{ratio(values['wasmesh'], values['haproxy'])} |")
        for label, key, case in (("idle RSS A / B (MiB)", "rss_{}_kb", "idle"),
                                 ("RSS under load A / B (MiB), halfway", "rss_{}_kb", "1k"),
                                 ("peak RSS (VmHWM) A / B (MiB)", "hwm_{}_kb", "1k")):
            cells = {}
            for t in ("wasmesh", "haproxy"):
                a = kib_to_mib(median(run.memory("mesh", t, case, key.format("a"))))
                b = kib_to_mib(median(run.memory("mesh", t, case, key.format("b"))))
                cells[t] = (a, b)
            w(f"| {label} | - | {fmt(cells['wasmesh'][0], 1)} / {fmt(cells['wasmesh'][1], 1)} | "
              f"{fmt(cells['haproxy'][0], 1)} / {fmt(cells['haproxy'][1], 1)} | "
              f"{ratio(cells['wasmesh'][0], cells['haproxy'][0])} / "
              f"{ratio(cells['wasmesh'][1], cells['haproxy'][1])} |")
        w("")
        added = run.mesh_added("wasmesh", "p99_us")
        summary.append(("wasmesh pair: added p99 < 0.5 ms (1,000 requests/s, 1 KiB)", added, None, AIM_ADDED_P99_MS * 1000))
        for side in ("a", "b"):
            summary.append((f"wasmesh {side.upper()}: < {AIM_VCPU_PER_1K} vCPU per 1,000 requests/s",
                            run.mesh_med("wasmesh", f"vcpu_{side}"), None, AIM_VCPU_PER_1K))

        w("It went through the pairs, over mutual TLS: the proxies' own counters over each "
          "run (warm-up included), summed over rounds, next to the requests the generator "
          "sent (warm-up and measured; each one completed, or it would be an error).")
        w("")
        w("| | requests sent | counters |")
        w("|---|---:|---|")
        per_round = (int(meta.get("warmup", 0)) + int(meta.get("rate_seconds", 0))) * int(rate)
        mesh_notes = []
        for t in ("wasmesh", "haproxy"):
            sent = 0
            sums = {}
            for r in range(1, run.rounds + 1):
                m = run.mesh(t, r)
                if not m:
                    continue
                sent += per_round
                for key, value in m["after"].items():
                    a, b = number(value), number(m["before"].get(key))
                    if a is not None and b is not None:
                        sums[key] = sums.get(key, 0) + a - b
            if t == "wasmesh":
                text = (f"A `request_total{{direction=\"outbound\",tls=\"true\",server_id=...db}}`: "
                        f"{fmt(sums.get('a_requests_tls'))}; B `request_total{{direction=\"inbound\","
                        f"tls=\"true\",client_id=...web}}`: {fmt(sums.get('b_requests_tls'))}; mesh "
                        f"connections B accepted (`tcp_open_total{{direction=\"inbound\",tls=\"true\"}}`): "
                        f"{fmt(sums.get('b_mesh_conns'))}; mesh connections A opened "
                        f"(`tcp_open_total{{direction=\"outbound\",peer=\"dst\",tls=\"true\"}}`: "
                        f"its pooled HTTP/2 ones, and any client connection relayed on its own): "
                        f"{fmt(sums.get('a_mesh_conns'))}; HTTP errors A+B: "
                        f"{fmt((sums.get('a_errors') or 0) + (sums.get('b_errors') or 0))}")
                if sums.get("a_requests_tls") is not None and sums["a_requests_tls"] != sent:
                    mesh_notes.append(
                        f"wasmesh A's HTTP layer counted {fmt(sums['a_requests_tls'])} of the "
                        f"{sent:,} requests sent; {fmt(sums.get('a_mesh_conns'))} client "
                        f"connections were relayed opaquely over mesh TLS connections of their "
                        f"own instead of riding the shared HTTP/2 connection (a client connection "
                        f"silent for 100 ms after connecting to a meshed detect port is taken "
                        f"for a server-first protocol's).")
                rounds_run = sum(1 for r in range(1, run.rounds + 1) if run.mesh(t, r))
                accepted = sums.get("b_mesh_conns")
                if accepted is not None and rounds_run and accepted > int(workers) * rounds_run:
                    mesh_notes.append(
                        f"wasmesh B accepted {fmt(accepted)} mesh connections over {rounds_run} "
                        f"runs of {int(meta.get('warmup', 0)) + int(meta.get('rate_seconds', 0))} s, "
                        f"where A's {workers} workers need one shared HTTP/2 connection each: A "
                        f"closed busy connections and made new ones (each a full mutual TLS "
                        f"handshake) during the runs. See bench/README.md (HTTP, findings).")
            else:
                text = (f"A / B `CumReq`: {fmt(sums.get('a_requests'))} / "
                        f"{fmt(sums.get('b_requests'))} (CumReq also counts this script's own stats-socket reads); "
                        f"`CumSslConns` A / B: {fmt(sums.get('a_ssl_conns'))} / "
                        f"{fmt(sums.get('b_ssl_conns'))}")
            w(f"| {MESH_LABEL[t]} | {sent:,} | {text} |")
        w("")
        for note in mesh_notes:
            w(f"**Note:** {note}")
            w("")
        for side in ("a", "b"):
            peak = median(run.memory("mesh", "wasmesh", "1k", f"hwm_{side}_kb"))
            summary.append((f"wasmesh {side.upper()}: peak RSS < {AIM_RSS_MIB} MiB under this load",
                            kib_to_mib(peak), None, AIM_RSS_MIB))

    # ----------------------------------------------------------------------------------------
    w("## The aims of issue 12 next to the figures")
    w("")
    w("| aim | measured | met |")
    w("|---|---|---|")
    for label, value, reference, aim in summary:
        if reference is not None:
            measured = ratio(value, reference)
            met = "-" if measured == "-" else ("yes" if value / reference >= aim else "**no**")
            w(f"| {label} | {measured}× | {met} |")
        elif "latency" in label or "p99" in label:
            met = "-" if value is None else ("yes" if value < aim else "**no**")
            w(f"| {label} | {fmt(value)} µs added (median of per-round differences) | {met} |")
        elif "vCPU" in label:
            met = "-" if value is None else ("yes" if value < aim else "**no**")
            w(f"| {label} | {fmt(value, 3)} vCPU | {met} |")
        else:
            met = "-" if value is None else ("yes" if value < aim else "**no**")
            w(f"| {label} | {fmt(value, 1)} MiB | {met} |")
    w("")
    w("Reading the CPU aim: at a fixed 1,000 requests/s every request wakes the proxy's "
      "threads on its own (a read, a write, an epoll wake-up per hop), which saturation "
      "amortises over many requests per wake-up; so the fixed-rate figure of the meshed pair "
      "is the one the aim is about, and the saturated figure is its lower bound.")
    w("")

    # ----------------------------------------------------------------------------------------
    w("## Per round")
    w("")
    w("Round 1 · 2 · ...; odd rounds run the targets in the order direct, wasmesh, haproxy, "
      "nginx, even rounds the reverse.")
    w("")
    if has["h1"] or has["h2"]:
        w("| part | target | size | requests/s | p99 (ms) | proxy CPU µs/request | requests the proxy counted / the tool completed |")
        w("|---|---|---|---|---|---|---|")
        for part, targets in (("h1", H1_TARGETS), ("h2", H2_TARGETS)):
            if not has[part]:
                continue
            for t in targets:
                for size in SIZES:
                    counted = []
                    for r in range(1, run.rounds + 1):
                        load = run.load(part, t, size, r) or {}
                        c, n = load.get("counted"), load.get("requests")
                        counted.append("-" if c is None else f"{c:,.0f}/{n or 0:,}")
                    w(f"| {part} | {t} | {SIZE_LABEL[size]} | {run.all_rounds(part, t, size, 'rps')} | "
                      f"{run.all_rounds(part, t, size, 'p99_ms', 2)} | "
                      f"{run.all_rounds(part, t, size, 'cpu_us', 1)} | {' · '.join(counted)} |")
        w("")
        w("(The proxies' own counts are read just before and after each measured load: "
          "wasmesh's `request_total{direction=\"outbound\"}`, haproxy's `CumReq`; nginx "
          "counts nothing here.)")
        w("")
    if has["mesh"]:
        w("| target | achieved rps | p50 µs | p99 µs | svc p99 µs | vCPU A | vCPU B | RSS A/B MiB under load |")
        w("|---|---|---|---|---|---|---|---|")
        for t in MESH_TARGETS:
            cells = {k: [] for k in ("achieved_rps", "p50_us", "p99_us", "svc_p99_us", "vcpu_a",
                                     "vcpu_b", "rss")}
            for r in range(1, run.rounds + 1):
                m = run.mesh(t, r) or {}
                for k in ("achieved_rps", "p50_us", "p99_us", "svc_p99_us"):
                    cells[k].append(fmt(m.get(k), 1 if k == "achieved_rps" else 0))
                for k in ("vcpu_a", "vcpu_b"):
                    cells[k].append(fmt(m.get(k), 3))
                a, b = number(m.get("rss_a_kb")), number(m.get("rss_b_kb"))
                cells["rss"].append(f"{fmt(kib_to_mib(a), 1)}/{fmt(kib_to_mib(b), 1)}")
            w(f"| {t} | " + " | ".join(" · ".join(cells[k]) for k in cells) + " |")
        w("")

    # ----------------------------------------------------------------------------------------
    w("## Anomalies")
    w("")
    anomalies = open(os.path.join(args.work, "anomalies.md")).read().strip()
    if anomalies:
        w(anomalies)
    else:
        w("None: every load completed with exit status 0, and every proxy process lived through "
          "its loads and exited with status 0 within 10 s of its stop signal (wasmesh SIGTERM, "
          "haproxy SIGUSR1, nginx SIGQUIT). Errors, if any, are in the tables' error rows.")
    buffered = meta.get("nginx_buffered_to_file", "0")
    w("")
    w(f"The proxying nginx logged \"an upstream response is buffered to a temporary file\" "
      f"{buffered} times in the whole run (its error log, at level `warn`, is appended to by "
      f"every start; a 64 KiB response exceeds its default in-memory proxy buffers when the "
      f"client reads slower than the upstream writes).")
    w("")

    # ----------------------------------------------------------------------------------------
    w("## Machine and versions")
    w("")
    for key, label in (("cpu", "CPU"), ("nproc", "nproc"), ("memory", "memory"),
                       ("kernel", "kernel"), ("wasmesh", "wasmesh"), ("haproxy", "haproxy"),
                       ("nginx", "nginx"), ("wrk", "wrk"), ("h2load", "h2load"),
                       ("ratehttp", "ratehttp"), ("kernel_settings", "settings")):
        w(f"- {label}: {meta.get(key, '-')}")
    w("")
    w("## Commands")
    w("")
    w(f"Ports: {meta.get('ports')}. Run in a temporary directory holding the files below; "
      "`<url>` is `http://127.0.0.1:<port>/128` or `/64k`, `<front>` the pair's front port.")
    w("")
    w("```sh")
    w(open(os.path.join(args.work, "commands.txt")).read().rstrip())
    w("```")
    w("")
    w("Sequence per part and round: each target in turn (order above) as a fresh process; "
      "VmRSS 1 s after it listens (and, for wasmesh, `/ready` answers 200); per size, the "
      "answer checked with curl (status, HTTP version, bytes), an unmeasured warm-up load, "
      "the measured load with CPU ticks read before and after; VmHWM; the stop signal.")
    w("")
    configs = ["backend.conf", "wasmesh.yaml", "haproxy.cfg", "nginx.conf"]
    if has["mesh"]:
        configs += ["wasmesh-a.yaml", "wasmesh-b.yaml", "disc.yaml", "haproxy-a.cfg",
                    "haproxy-b.cfg"]
    for name in configs:
        w(f"{name}:")
        w("")
        w("```yaml" if name.endswith(".yaml") else "```nginx" if name.endswith(".conf") else "```")
        w(open(os.path.join(args.work, name)).read().rstrip())
        w("```")
        w("")
    with open(args.out, "w") as out:
        out.write("\n".join(lines).rstrip() + "\n")


if __name__ == "__main__":
    sys.exit(main())
