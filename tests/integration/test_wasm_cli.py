"""`wasmesh wasm run | inspect` on both engines, with fixtures built from
tests/fixtures/wasm: the standard streams pass through, the guest's exit status is ours,
every trap and limit ends the run with one line on stderr, and bad modules are refused
without crashing the host."""

import os
import re
import subprocess
import tempfile
import unittest

from harness import BINARY, proxy_environment

FIXTURES = os.environ.get("TEST_WASM_FIXTURES", "")
ENGINES = ("v8", "wabt")


def fixture(name):
    return os.path.join(FIXTURES, name + ".wasm")


def wasmesh(*args, stdin=""):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=60,
                          input=stdin, env=proxy_environment())


def run(engine, *args, stdin=""):
    return wasmesh("wasm", "run", "--engine", engine, *args, stdin=stdin)


class WasmRunTest(unittest.TestCase):
    def check_failure(self, result, line):
        """A failed run: status 1 (not a signal), exactly one line on stderr."""
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stderr.splitlines(), [line])

    def test_streams_args_and_exit_status_pass_through(self):
        for engine in ENGINES:
            with self.subTest(engine=engine):
                result = run(engine, "--env", "GREETING=hi", fixture("hello"), "one", "--two",
                             stdin="piped in\n")
                self.assertEqual(result.returncode, 2)
                self.assertEqual(result.stdout, "hello one --two\nGREETING=hi\npiped in\n")
                self.assertEqual(result.stderr, "to stderr\n")

    def test_default_engine_is_v8_and_exit_codes_survive(self):
        self.assertEqual(wasmesh("wasm", "run", fixture("exit_code")).returncode, 7)
        for engine in ENGINES:
            with self.subTest(engine=engine):
                self.assertEqual(run(engine, fixture("exit_code"), "0").returncode, 0)
                self.assertEqual(run(engine, fixture("exit_code"), "3").returncode, 3)

    def test_traps_name_their_kind_and_function(self):
        # The same line on both engines: the function is the one the trap happened in, by
        # its name-section name (not the export, _start).
        cases = [("run_unreachable", "trap: unreachable in function crash\n"),
                 ("run_divide", "trap: integer divide by zero in function divide_by_zero\n"),
                 ("run_oob", "trap: out of bounds memory access in function out_of_bounds\n"),
                 ("run_recurse", "trap: call stack exhausted in function recurse\n")]
        for engine in ENGINES:
            for name, line in cases:
                with self.subTest(engine=engine, fixture=name):
                    result = run(engine, fixture(name))
                    self.assertEqual(result.returncode, 1, result.stderr)
                    self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
                    self.assertEqual(result.stderr, line)

    def test_timeout_ends_an_endless_loop(self):
        for engine in ENGINES:
            with self.subTest(engine=engine):
                self.check_failure(run(engine, "--timeout", "1s", fixture("run_spin")),
                                   "limit: timeout after 1s")

    def test_max_memory_makes_malloc_fail_in_the_guest(self):
        for engine in ENGINES:
            with self.subTest(engine=engine):
                result = run(engine, "--max-memory", "8MiB", fixture("grow"))
                self.assertEqual(result.returncode, 0, result.stderr)
                blocks = int(re.match(r"allocated (\d+) MiB then malloc failed", result.stdout)[1])
                self.assertTrue(1 <= blocks < 8, result.stdout)
                free = run(engine, "--max-memory", "64MiB", fixture("grow"))
                self.assertGreater(int(free.stdout.split()[1]), blocks)

    def test_initial_memory_above_the_cap_is_a_limit(self):
        for engine in ENGINES:
            with self.subTest(engine=engine):
                self.check_failure(
                    run(engine, "--max-memory", "1MiB", fixture("big_memory")),
                    "limit: memory: the module needs 16384 KiB at start, the cap is 1024 KiB")

    def test_unknown_import_and_wrong_signature_are_link_errors(self):
        for engine in ENGINES:
            with self.subTest(engine=engine):
                self.check_failure(
                    run(engine, fixture("unknown_import")),
                    "link: unknown import wasi_snapshot_preview1.no_such_function (func)")
                self.check_failure(
                    run(engine, fixture("wrong_signature")),
                    "link: import wasi_snapshot_preview1.fd_write has signature (i32, i32) -> "
                    "(i32), the host provides (i32, i32, i32, i32) -> (i32)")

    def test_bad_guest_pointer_is_an_errno_not_a_crash(self):
        for engine in ENGINES:
            with self.subTest(engine=engine):
                self.assertEqual(run(engine, fixture("bad_pointer")).returncode, 21)

    def test_truncated_and_invalid_modules_are_refused(self):
        with open(fixture("hello"), "rb") as f:
            good = f.read()
        with tempfile.TemporaryDirectory() as directory:
            cases = {"truncated": good[: len(good) // 2], "empty": b"",
                     "text": b"(module)\n",
                     # well-formed, but the function returns nothing where it promises an i32
                     "invalid": bytes.fromhex("0061736d01000000" "010501600001 7f"
                                              "03020100" "0a040102000b".replace(" ", ""))}
            for engine in ENGINES:
                for name, data in cases.items():
                    with self.subTest(engine=engine, case=name):
                        path = os.path.join(directory, name + ".wasm")
                        with open(path, "wb") as f:
                            f.write(data)
                        result = run(engine, path)
                        self.assertEqual(result.returncode, 1, result.stderr)
                        self.assertEqual(len(result.stderr.splitlines()), 1, result.stderr)
                        prefix = "invalid module: " if name == "invalid" else "malformed module: "
                        self.assertTrue(result.stderr.startswith(prefix), result.stderr)

    def test_bad_flags_are_usage_errors(self):
        for args in (["--engine", "wasmtime"], ["--timeout", "soon"], ["--max-memory", "1KiB"]):
            with self.subTest(args=args):
                result = wasmesh("wasm", "run", *args, fixture("hello"))
                self.assertEqual(result.returncode, 2)
                self.assertIn(args[0], result.stderr)


class WasmInspectTest(unittest.TestCase):
    def test_command_module(self):
        result = wasmesh("wasm", "inspect", fixture("hello"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("abi: WASI command\n", result.stdout)
        self.assertRegex(result.stdout,
                         r"  wasi_snapshot_preview1\.fd_write: func \(i32, i32, i32, i32\) -> "
                         r"\(i32\)\n")
        self.assertIn("  _start: func () -> ()\n", result.stdout)
        self.assertIn("  memory: memory\n", result.stdout)
        self.assertIn("valid (v8): yes\n", result.stdout)
        self.assertIn("links against wasmesh: yes\n", result.stdout)

    def test_reactor_with_foreign_imports(self):
        result = wasmesh("wasm", "inspect", "--engine", "wabt", fixture("reactor"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("abi: WASI reactor\n", result.stdout)
        self.assertIn("valid (wabt): yes\n", result.stdout)
        self.assertRegex(result.stdout, r"links against wasmesh: no: link: unknown import env\.")

    def test_proxy_wasm_marker(self):
        result = wasmesh("wasm", "inspect", fixture("proxy_wasm_marker"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("abi: proxy-wasm 0.2.1, WASI reactor\n", result.stdout)
        self.assertIn("  env.proxy_log: func (i32, i32, i32) -> (i32)\n", result.stdout)
        self.assertIn("links against wasmesh: yes (proxy-wasm host)\n", result.stdout)

    def test_proxy_wasm_plugin_without_marker_does_not_link(self):
        result = wasmesh("wasm", "inspect", fixture("proxywasm_plugin_no_marker"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("abi: WASI reactor\n", result.stdout)
        self.assertIn("links against wasmesh: no: link: unknown import env.proxy_log (func)\n",
                      result.stdout)

    def test_memories(self):
        result = wasmesh("wasm", "inspect", fixture("traps"))
        self.assertIn("memories:\n  0: min 1 pages (64 KiB), max 4 pages\n", result.stdout)
        self.assertIn("abi: WASI command\n", result.stdout)

    def test_garbage_is_refused(self):
        with tempfile.NamedTemporaryFile(suffix=".wasm") as f:
            f.write(b"\0asm\x01\0\0\0\x01\xff")
            f.flush()
            result = wasmesh("wasm", "inspect", f.name)
        self.assertEqual(result.returncode, 1)
        self.assertTrue(result.stderr.startswith("malformed module: "), result.stderr)


if __name__ == "__main__":
    unittest.main()
