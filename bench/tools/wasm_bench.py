#!/usr/bin/env python3
"""Runs the Wasm bench (bench/wasm.sh drives it; see bench/README.md).

Two parts, in one run:
  * programs: each C program of bench/wasm/programs, built natively and for wasm32-wasi,
    run as a whole process by every runner (native, `wasmesh wasm run` on V8, Node with
    node:wasi, ...), rounds interleaved; wall time, CPU time and peak RSS per run, medians.
    wabt, an interpreter, runs a smaller size of each program and is compared with the
    native build at that same size.
  * calls: host-to-guest and guest-to-host call costs from wasm_call_bench (Google Benchmark,
    both engines) and bench/wasm/calls.mjs (each Node).

Every run's output is checked against the native build's at the same size, so a runner that
computes something else cannot post a time. Writes a Markdown report.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

# name, full-size arguments, wabt-size arguments, what it exercises
PROGRAMS = [
    ("startup", [], [], "nothing: process start, compile, instantiate, exit"),
    ("sha256", ["64"], ["2"], "SHA-256 of generated data (MiB): integer ops, byte loads"),
    ("nbody", ["20000000"], ["250000"], "n-body, 5 bodies (steps): f64 arithmetic, sqrt"),
    ("json", ["8", "20"], ["1", "2"], "JSON tokenizer (MiB, passes): branchy byte scanning"),
    ("sort", ["4000"], ["250"], "quicksort (thousands of u32): memory, indirect calls"),
    ("syscalls", ["1000"], ["100"], "32-byte writes to /dev/null (thousands): WASI fd_write"),
]
# The programs whose result goes to stderr (their stdout is the load, sent to /dev/null).
RESULT_ON_STDERR = {"syscalls"}
CALL_OPERATIONS = [
    ("host_to_guest", "host calls an exported `(i32) -> i32` function"),
    ("host_to_guest_limited", "the same with a CPU time limit per call (V8: the watchdog)"),
    ("guest_to_host", "the guest calls an imported `(i32) -> i32` host function (in a loop)"),
    ("read_memory_4k", "host copies 4 KiB out of linear memory into a new buffer"),
    ("read_memory_4k_reused", "the same into a reused buffer (Node only)"),
    ("write_memory_4k", "host copies 4 KiB into linear memory"),
    ("instantiate", "instantiate the small compiled module"),
]


def log(message):
    print(f"wasm bench: {message}", file=sys.stderr, flush=True)


class Runner:
    """One way of running a program: a command prefix, and whether it takes the .wasm."""

    def __init__(self, label, prefix, wasm):
        self.label, self.prefix, self.wasm = label, prefix, wasm

    def command(self, build, program, args):
        binary = os.path.join(build, f"{program}.wasm" if self.wasm else f"{program}.native")
        return self.prefix + [binary] + args


# GNU time reports the program's peak RSS. A child forked from this Python process would carry
# Python's own high-water mark (16 MiB) into its ru_maxrss; time's is about 2 MiB.
GNU_TIME = "/usr/bin/time"


def run_once(command, program):
    """Runs one process; returns (result text, wall s, cpu s, peak RSS KiB), or raises."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as rss:
        result_on_stderr = program in RESULT_ON_STDERR
        stdout = subprocess.DEVNULL if result_on_stderr else out
        timed = [GNU_TIME, "-f", "%M", "-o", rss.name] + command
        start = time.perf_counter()
        process = subprocess.Popen(timed, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        peak_rss = int(rss.read().split()[-1]) if process.returncode == 0 else 0
        out.seek(0)
        err.seek(0)
        stdout_text, stderr_text = out.read().decode(errors="replace"), err.read().decode(
            errors="replace")
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}: "
                               f"{stderr_text.strip()[-500:]}")
        text = stderr_text if result_on_stderr else stdout_text
        # time's own wait4 reaped the program, so this usage includes it.
        return text.strip(), wall, usage.ru_utime + usage.ru_stime, peak_rss


def measure_programs(build, runners, wabt, rounds):
    """Returns {(program, size, label): {"wall": [...], "cpu": [...], "rss": [...]}}."""
    results = {}
    plans = []  # (program, size name, args, runners)
    for program, full, small, _ in PROGRAMS:
        plans.append((program, "full", full, runners))
        small_runners = [r for r in runners if not r.wasm] + ([wabt] if wabt else [])
        if wabt:
            plans.append((program, "small", small, small_runners))
    expected = {}
    # A first, untimed run of everything: warms the page cache and checks every result
    # against the native build's before any time is taken.
    for program, size, args, plan_runners in plans:
        for runner in plan_runners:
            text = run_once(runner.command(build, program, args), program)[0]
            key = (program, size)
            if not runner.wasm:
                expected[key] = text
            elif text != expected[key]:
                raise RuntimeError(f"{runner.label} computed a different {program} result:\n"
                                   f"  {text}\nnative:\n  {expected[key]}")
    for round_index in range(rounds):
        log(f"round {round_index + 1}/{rounds}")
        for program, size, args, plan_runners in plans:
            # Rotated each round, so that no runner always goes first (or after the slow one).
            shift = round_index % len(plan_runners)
            for runner in plan_runners[shift:] + plan_runners[:shift]:
                text, wall, cpu, rss = run_once(runner.command(build, program, args), program)
                if text != expected[(program, size)]:
                    raise RuntimeError(f"{runner.label}: {program} result changed: {text}")
                sample = results.setdefault((program, size, runner.label),
                                            {"wall": [], "cpu": [], "rss": []})
                sample["wall"].append(wall)
                sample["cpu"].append(cpu)
                sample["rss"].append(rss)
    return results, expected


def measure_calls(call_bench, calls_module, nodes, min_time, repetitions):
    """Returns ({engine label: {operation: median ns}}, [commands]).

    Each measurement is repeated and the median kept: a single run of a 200 ns call moved
    by half between runs on this shared machine."""
    samples, commands = {}, []
    if call_bench:
        command = [call_bench, "--benchmark_format=json", f"--benchmark_min_time={min_time}",
                   f"--benchmark_repetitions={repetitions}"]
        commands.append(" ".join(command))
        log("call costs: " + commands[-1])
        report = json.loads(subprocess.run(command, check=True, capture_output=True,
                                           text=True).stdout)
        for benchmark in report["benchmarks"]:
            if benchmark.get("error_occurred"):
                raise RuntimeError(f"{benchmark['name']}: {benchmark.get('error_message')}")
            if benchmark.get("run_type") == "aggregate":
                continue  # the medians are taken here, over the same repetitions
            engine, operation = benchmark["run_name"].split("/")[:2]
            samples.setdefault(f"wasmesh {engine}", {}).setdefault(operation, []).append(
                benchmark["ns_per_call"])
    for label, prefix in nodes:
        calls_script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wasm",
                                    "calls.mjs")
        command = prefix + [os.path.normpath(calls_script), calls_module]
        commands.append(" ".join(command) + f" (run {repetitions} times)")
        log("call costs: " + commands[-1])
        for _ in range(repetitions):
            report = json.loads(subprocess.run(command, check=True, capture_output=True,
                                               text=True).stdout)
            for benchmark in report["benchmarks"]:
                operation = benchmark["name"].split("/")[1]
                samples.setdefault(label, {}).setdefault(operation, []).append(
                    benchmark["ns_per_call"])
    costs = {label: {operation: median(values) for operation, values in by_operation.items()}
             for label, by_operation in samples.items()}
    return costs, commands


def median(values):
    return statistics.median(values)


def ratio(a, b):
    return f"{a / b:.2f}" if b else "n/a"


def format_report(args, runners, wabt, results, expected, costs, call_commands, versions):
    lines = []
    add = lines.append
    full_labels = [r.label for r in runners]
    wasm_labels = [r.label for r in runners if r.wasm]
    v8_label = "wasmesh v8"
    node_labels = [label for label in wasm_labels if label.startswith("node")]
    add(f"# Wasm bench, {datetime.date.today().isoformat()}")
    add("")
    add(f"Command: `{args.command}` (commit {args.commit}). {args.rounds} rounds; every table "
        "shows the median over rounds. Wall time of the whole process, compilation and start-up "
        "included, as a user of `wasmesh wasm run` sees it.")
    add("")
    add("Machine: " + versions["machine"])
    add("")
    add("Runners:")
    add("")
    for runner in runners + ([wabt] if wabt else []):
        add(f"- **{runner.label}**: `{' '.join(runner.prefix + ['PROGRAM'])}`"
            + (f" ({versions[runner.label]})" if runner.label in versions else ""))
    add("")
    add("Programs (bench/wasm/programs, built by `" + versions["clang"] + "` with `-O2`, "
        "for `--target=wasm32-wasi` against Debian's wasi-libc and natively against glibc):")
    add("")
    add("| program | arguments | wabt's arguments | exercises | result (all runners agree) |")
    add("|---|---|---|---|---|")
    for program, full, small, what in PROGRAMS:
        add(f"| {program} | {' '.join(full) or '-'} | {' '.join(small) or '-'} | {what} | "
            f"`{expected[(program, 'full')][:60]}` |")
    add("")
    add("## Programs: wall time in seconds (median)")
    add("")
    header = "| program | " + " | ".join(full_labels)
    header += f" | {v8_label} / native"
    header += "".join(f" | {v8_label} / {label}" for label in node_labels) + " |"
    add(header)
    add("|---" * (header.count("|") - 1) + "|")
    verdicts = []
    for program, _, _, _ in PROGRAMS:
        wall = {label: median(results[(program, "full", label)]["wall"]) for label in full_labels}
        row = f"| {program} | " + " | ".join(f"{wall[label]:.3f}" for label in full_labels)
        row += f" | {ratio(wall[v8_label], wall['native'])}"
        for label in node_labels:
            row += f" | {ratio(wall[v8_label], wall[label])}"
            verdicts.append((program, label, wall[v8_label] / wall[label]))
        add(row + " |")
    add("")
    add("Ratios are time / time: below 1 means wasmesh's V8 backend was faster.")
    add("")
    add("## Programs: CPU time (s) and peak RSS (MiB), median")
    add("")
    add("| program | " + " | ".join(f"{label} CPU | {label} RSS" for label in full_labels) + " |")
    add("|---" * (1 + 2 * len(full_labels)) + "|")
    for program, _, _, _ in PROGRAMS:
        cells = []
        for label in full_labels:
            sample = results[(program, "full", label)]
            cells.append(f"{median(sample['cpu']):.3f} | {median(sample['rss']) / 1024:.1f}")
        add(f"| {program} | " + " | ".join(cells) + " |")
    add("")
    if wabt:
        add("## wabt (interpreter), at wabt's smaller sizes")
        add("")
        add("| program | native (s) | wabt (s) | wabt / native | wabt peak RSS (MiB) |")
        add("|---|---|---|---|---|")
        for program, _, _, _ in PROGRAMS:
            native = median(results[(program, "small", "native")]["wall"])
            interpreted = results[(program, "small", wabt.label)]
            add(f"| {program} | {native:.3f} | {median(interpreted['wall']):.3f} | "
                f"{ratio(median(interpreted['wall']), native)} | "
                f"{median(interpreted['rss']) / 1024:.1f} |")
        add("")
    if costs:
        labels = list(costs)
        add("## Calls: nanoseconds per operation (median of the repetitions)")
        add("")
        add("| operation | " + " | ".join(labels) + " | what |")
        add("|---" * (len(labels) + 2) + "|")
        for operation, what in CALL_OPERATIONS:
            cells = [f"{costs[label][operation]:.1f}" if operation in costs[label] else "-"
                     for label in labels]
            add(f"| {operation} | " + " | ".join(cells) + f" | {what} |")
        add("")
        add("Commands: " + "; ".join(f"`{command}`" for command in call_commands))
        add("")
        add("The Node columns are JavaScript calling the module, where V8 compiles the call "
            "into the caller; wasmesh is a C++ host and enters through V8's embedder API "
            "(`v8::Function::Call` with its isolate, context, handle and TryCatch scopes; "
            "a `FunctionTemplate` callback the other way), which is the floor for any "
            "embedder of this V8. wabt's columns are its interpreter's own call path.")
        add("")
    add("## The aim: V8 backend within 10 % of Node on the same module")
    add("")
    for label in node_labels:
        over = [f"{program} {value:.2f}" for program, other, value in verdicts
                if other == label and value > 1.10]
        add(f"- against {label}: " + ("met on every program." if not over else
                                       "not met on " + ", ".join(over) + "."))
    add("")
    add("## Per-round wall times (s)")
    add("")
    for (program, size, label), sample in sorted(results.items()):
        add(f"- {program} ({size}) {label}: " + ", ".join(f"{w:.3f}" for w in sample["wall"]))
    add("")
    return "\n".join(lines)


def main():
    if not os.access(GNU_TIME, os.X_OK):
        sys.exit(f"{GNU_TIME} not found (package time; scripts/install-deps.sh bench)")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programs", required=True, help="directory of NAME.wasm/NAME.native")
    parser.add_argument("--wasmesh", required=True)
    parser.add_argument("--node", action="append", default=[], metavar="LABEL=COMMAND",
                        help="a Node to compare with, e.g. 'node 20=node --no-warnings'")
    parser.add_argument("--call-bench", help="wasm_call_bench (Google Benchmark)")
    parser.add_argument("--calls-module", help="calls.wasm for the call benchmarks")
    parser.add_argument("--call-min-time", default="0.5")
    parser.add_argument("--call-repetitions", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-wabt", action="store_true")
    parser.add_argument("--report", required=True)
    parser.add_argument("--command", default="bench/wasm.sh")
    parser.add_argument("--commit", default="unknown")
    parser.add_argument("--version", action="append", default=[], metavar="LABEL=TEXT")
    args = parser.parse_args()

    run_wasi = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wasm",
                            "run-wasi.mjs")
    runners = [Runner("native", [], False),
               Runner("wasmesh v8", [args.wasmesh, "wasm", "run", "--engine", "v8",
                                     "--timeout", "1h"], True)]
    nodes = []
    for spec in args.node:
        label, _, command = spec.partition("=")
        prefix = command.split()
        nodes.append((label, prefix))
        runners.append(Runner(label, prefix + [os.path.normpath(run_wasi)], True))
    wabt = None if args.no_wabt else Runner(
        "wasmesh wabt", [args.wasmesh, "wasm", "run", "--engine", "wabt", "--timeout", "1h"], True)
    versions = dict(spec.partition("=")[::2] for spec in args.version)
    versions.setdefault("machine", f"{platform.machine()}, {os.cpu_count()} cores, "
                        f"Linux {platform.release()}")
    versions.setdefault("clang", "clang")

    results, expected = measure_programs(args.programs, runners, wabt, args.rounds)
    costs, call_commands = {}, []
    if args.call_bench or nodes:
        costs, call_commands = measure_calls(args.call_bench, args.calls_module, nodes,
                                             args.call_min_time, args.call_repetitions)
    report = format_report(args, runners, wabt, results, expected, costs, call_commands, versions)
    os.makedirs(os.path.dirname(os.path.abspath(args.report)), exist_ok=True)
    with open(args.report, "w", encoding="utf-8") as out:
        out.write(report)
    print(report)


if __name__ == "__main__":
    main()
