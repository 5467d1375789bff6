"""`wasmesh wasm run | inspect` on WebAssembly components (WASI 0.2) built during the build by
tests/fixtures/components, on both engines, compared with `jco run` (the npm registry's jco, the
reference these components were built with) on the very same files: the same output, the same
exit status. Then the refusals: ungranted imports, signatures the host does not have, truncated
binaries, traps and runaway guests, each one line on stderr."""

import json
import os
import re
import shlex
import subprocess
import tempfile
import unittest

from harness import BINARY, proxy_environment

FIXTURES = os.environ.get("TEST_COMPONENT_FIXTURES", "")
JCO = shlex.split(os.environ.get("TEST_JCO", ""))
ENGINES = ("v8", "wabt")


def fixture(name):
    return os.path.join(FIXTURES, name + ".wasm")


def wasmesh(*args, stdin=""):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120,
                          input=stdin, env=proxy_environment())


def jco_run(component, *args, stdin="", environment=None, preopens=None):
    """`jco run` with exactly `environment` (jco hands the guest its whole environment) and,
    for file access, a preopen set up through --jco-import (jco 1.35 preopens nothing)."""
    command = [*JCO, "run"]
    with tempfile.TemporaryDirectory() as scratch:
        if preopens:
            # The preview2-shim jco's transpiled code imports (one copy, at the top of
            # node_modules: tests/fixtures/components/package.json).
            shim = os.path.join(os.path.dirname(JCO[1]), "node_modules", "@bytecodealliance",
                                "preview2-shim", "dist", "nodejs", "filesystem.js")
            setup = os.path.join(scratch, "preopens.mjs")
            with open(setup, "w") as out:
                out.write("import { _setPreopens } from %r;\n_setPreopens(%r);\n"
                          % (shim, preopens))
            command += ["--jco-import", setup]
        env = dict(environment or {})
        return subprocess.run(command + [component, *args], capture_output=True, text=True,
                              timeout=120, input=stdin, env=env)


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("cli")),
                     "component fixtures not built (scripts/install-npm.sh)")
class ComponentRunTest(unittest.TestCase):
    def same_as_jco(self, args, stdin="", environment=None, flags=(), preopens=None):
        reference = jco_run(fixture("cli"), *args, stdin=stdin, environment=environment,
                            preopens=preopens)
        for engine in ENGINES:
            with self.subTest(engine=engine, args=args):
                env_flags = [f for name, value in (environment or {}).items()
                             for f in ("--env", f"{name}={value}")]
                ours = wasmesh("wasm", "run", "--engine", engine, *env_flags, *flags,
                               fixture("cli"), *args, stdin=stdin)
                self.assertEqual(ours.stdout, reference.stdout)
                self.assertEqual(ours.stderr, reference.stderr)
                self.assertEqual(ours.returncode, reference.returncode)
        return reference

    def test_arguments_environment_and_streams_match_jco(self):
        reference = self.same_as_jco(["args", "one", "--two", "three four"],
                                     environment={"GREETING": "hi", "EMPTY": ""})
        self.assertIn("hello one --two three four\n", reference.stdout)
        self.assertIn("env GREETING=hi\n", reference.stdout)
        self.same_as_jco(["cat"], stdin="line one\nline two\n" * 1000)

    def test_exit_status_matches_jco(self):
        self.assertEqual(self.same_as_jco(["exit", "0"]).returncode, 0)
        self.assertEqual(self.same_as_jco(["exit", "5"]).returncode, 1)

    def test_clocks_and_random_match_jco(self):
        reference = self.same_as_jco(["clock"])
        self.assertEqual(reference.stdout.count(": yes\n"), 3)

    def test_granted_directory_matches_jco(self):
        with tempfile.TemporaryDirectory() as directory:
            with open(os.path.join(directory, "file.txt"), "w") as out:
                out.write("file contents\n")
            os.mkdir(os.path.join(directory, "sub"))
            for args in (["ls", "/data"], ["read", "/data/file.txt"]):
                self.same_as_jco(args, flags=["--dir", f"{directory}::/data"],
                                 preopens={"/data": directory})

    def test_directories_are_read_only_unless_asked(self):
        with tempfile.TemporaryDirectory() as directory:
            target = os.path.join(directory, "out.txt")
            refused = wasmesh("wasm", "run", "--dir", f"{directory}::/data", fixture("cli"),
                              "write", "/data/out.txt", "text")
            self.assertEqual(refused.stdout,
                             "open /data/out.txt for writing: Read-only file system\n")
            self.assertEqual(refused.returncode, 1)
            self.assertFalse(os.path.exists(target))
            written = wasmesh("wasm", "run", "--dir-rw", f"{directory}::/data", fixture("cli"),
                              "write", "/data/out.txt", "text")
            self.assertEqual(written.returncode, 0, written.stderr)
            with open(target) as written_file:
                self.assertEqual(written_file.read(), "text")
            escape = wasmesh("wasm", "run", "--dir", f"{directory}::/data", fixture("cli"),
                             "read", "/data/../../../etc/hostname")
            self.assertIn("Operation not permitted", escape.stdout)

    def check_failure(self, result, line):
        """A failed run: status 1 (not a signal), exactly one line of ours on stderr."""
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertEqual(result.stderr.splitlines()[-1], line)

    def test_traps_and_limits_end_the_run_with_one_line(self):
        for engine in ENGINES:
            with self.subTest(engine=engine):
                self.check_failure(wasmesh("wasm", "run", "--engine", engine, fixture("cli"),
                                           "trap"),
                                   "trap: unreachable in function " +
                                   ("main" if engine == "v8" else "wasi:cli/run@0.2.12#run"))
                self.check_failure(wasmesh("wasm", "run", "--engine", engine, "--timeout", "1s",
                                           fixture("cli"), "loop"),
                                   "limit: timeout after 1s")
        # jco agrees that a trap fails the run.
        self.assertEqual(jco_run(fixture("cli"), "trap").returncode, 1)

    def test_refusals_name_what_is_wrong(self):
        self.check_failure(wasmesh("wasm", "run", fixture("ungranted")),
                           "link: the component imports wasi:sockets/network@0.2.0, which the "
                           "host does not grant")
        self.check_failure(wasmesh("wasm", "run", fixture("wrong_signature")),
                           "link: wasi:cli/environment@0.2.3 get-arguments: the component "
                           "expects func() -> list<u32>, the host provides func() -> "
                           "list<string>")
        self.check_failure(wasmesh("wasm", "run", fixture("reactor")),
                           "not a command component: no wasi:cli/run export (call a reactor's "
                           "exports with --invoke)")
        with open(fixture("cli"), "rb") as component:
            whole = component.read()
        for cut in (3000, len(whole) // 2, len(whole) - 1):
            with tempfile.NamedTemporaryFile(suffix=".wasm") as truncated:
                truncated.write(whole[:cut])
                truncated.flush()
                result = wasmesh("wasm", "run", truncated.name)
                self.assertEqual(result.returncode, 1)
                self.assertRegex(result.stderr,
                                 r"^malformed module: component section \d+ \([a-z ]+\) at "
                                 r"offset \d+: [a-z0-9 ]+\n$")
        bad_flag = wasmesh("wasm", "run", "--dir", "/no/such/dir::/data", fixture("cli"))
        self.assertEqual(bad_flag.returncode, 2)
        self.assertIn('--dir: "/no/such/dir::/data" does not name a host directory',
                      bad_flag.stderr)


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("reactor")),
                     "component fixtures not built (scripts/install-npm.sh)")
class ReactorInvokeTest(unittest.TestCase):
    """The C reactor's exports called with `wasm run --invoke` on both engines, compared with the
    same component transpiled by `jco transpile` and called from Node."""

    CALLS = [  # our --invoke expression, the JavaScript call of the transpiled component
        ('greet("world")', "m.greet('world')"),
        ('greet("")', "m.greet('')"),
        ('sum([1, 2, 3, -10])', "String(m.sum([1, 2, 3, -10]))"),
        ('split("a,b,,c", \',\')', "m.split('a,b,,c', ',')"),
        ('centroid([{x: 1, y: 2}, {x: 3, y: -4}])', "m.centroid([{x: 1, y: 2}, {x: 3, y: -4}])"),
        ('parse-u32("4294967295")', "m.parseU32('4294967295')"),
    ]

    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.TemporaryDirectory()
        out = cls.scratch.name
        subprocess.run([*JCO, "transpile", fixture("reactor"), "-o", out, "-q"], check=True,
                       capture_output=True, timeout=120)
        shim = os.path.join(os.path.dirname(JCO[1]), "node_modules", "@bytecodealliance",
                            "preview2-shim")
        os.makedirs(os.path.join(out, "node_modules", "@bytecodealliance"))
        os.symlink(shim, os.path.join(out, "node_modules", "@bytecodealliance", "preview2-shim"))
        with open(os.path.join(out, "package.json"), "w") as package:
            package.write('{"type": "module"}')
        script = "import('./reactor.js').then(m => {\n"
        for _, call in cls.CALLS:
            script += "  console.log(JSON.stringify(%s));\n" % call
        script += "  try { m.parseU32('12x'); } catch (e) { console.log(JSON.stringify(e.payload)); }\n"
        script += "  m.log('through WASI');\n});\n"
        result = subprocess.run([JCO[0], "--input-type=module", "-e", script], cwd=out,
                                capture_output=True, text=True, timeout=120)
        cls.reference = result.stdout.splitlines()
        cls.reference_stderr = result.stderr

    @classmethod
    def tearDownClass(cls):
        cls.scratch.cleanup()

    @staticmethod
    def as_json(wave):
        """Our WAVE output as the JSON jco's bindings produce: options unwrapped, records'
        field names quoted."""
        if wave.startswith("some(") and wave.endswith(")"):
            wave = wave[len("some("):-1]
        if wave.startswith("ok(") and wave.endswith(")"):
            wave = wave[len("ok("):-1]
        return json.loads(re.sub(r"([a-z][a-z0-9-]*):", r'"\1":', wave))

    def test_exports_return_what_jco_returns(self):
        self.assertEqual(len(self.reference), len(self.CALLS) + 1, self.reference_stderr)
        for engine in ENGINES:
            for (expression, _), expected in zip(self.CALLS, self.reference):
                with self.subTest(engine=engine, call=expression):
                    ours = wasmesh("wasm", "run", "--engine", engine, "--invoke", expression,
                                   fixture("reactor"))
                    self.assertEqual(ours.returncode, 0, ours.stderr)
                    expected_value = json.loads(expected)
                    if expression.startswith("sum"):
                        expected_value = int(expected_value)
                    self.assertEqual(self.as_json(ours.stdout.strip()), expected_value)
            with self.subTest(engine=engine, call="parse-u32 error"):
                ours = wasmesh("wasm", "run", "--engine", engine, "--invoke", 'parse-u32("12x")',
                               fixture("reactor"))
                self.assertEqual(ours.stdout, 'err("not a digit")\n')
                self.assertEqual(json.loads(self.reference[-1]), "not a digit")
            with self.subTest(engine=engine, call="log"):
                ours = wasmesh("wasm", "run", "--engine", engine, "--invoke",
                               'log("through WASI")', fixture("reactor"))
                self.assertEqual(ours.stderr, "guest log: through WASI\n")
                self.assertEqual(self.reference_stderr, "guest log: through WASI\n")

    def test_bad_expressions_are_usage_errors(self):
        for expression, message in [
                ("nope()", "no exported function nope"),
                ("greet(1)", 'expected " at offset 1'),
                ('greet("a", "b")', "greet takes 1 arguments at offset 4")]:
            with self.subTest(expression=expression):
                ours = wasmesh("wasm", "run", "--invoke", expression, fixture("reactor"))
                self.assertEqual(ours.returncode, 2)
                self.assertEqual(ours.stderr, '--invoke: "%s": %s\n' % (expression, message))


@unittest.skipUnless(FIXTURES and os.path.exists(fixture("cli")),
                     "component fixtures not built (scripts/install-npm.sh)")
class ComponentInspectTest(unittest.TestCase):
    def test_prints_the_world_in_wit(self):
        result = wasmesh("wasm", "inspect", fixture("reactor"))
        self.assertEqual(result.returncode, 0, result.stderr)
        for line in ("world root {", "  import wasi:io/streams@0.2.12;",
                     "  record point { x: s32, y: s32 }",
                     "  export greet: func(name: string) -> string;",
                     "  export centroid: func(points: list<point>) -> option<point>;",
                     "  export parse-u32: func(text: string) -> result<u32, string>;",
                     "links against wasmesh: yes (WASI 0.2 host)"):
            self.assertIn(line + "\n", result.stdout)

    def test_the_world_agrees_with_jco_wit(self):
        reference = subprocess.run([*JCO, "wit", fixture("cli")], capture_output=True,
                                   text=True, timeout=120)
        ours = wasmesh("wasm", "inspect", fixture("cli"))
        expected = [line.strip() for line in reference.stdout.splitlines()
                    if line.strip().startswith(("import ", "export "))]
        self.assertTrue(expected)
        world = ours.stdout.split("world root {")[1].split("}")[0]
        self.assertEqual([line.strip() for line in world.splitlines() if line.strip()], expected)

    def test_says_what_does_not_link(self):
        result = wasmesh("wasm", "inspect", fixture("ungranted"))
        self.assertEqual(result.returncode, 0)
        self.assertIn("// import wasi:sockets/network@0.2.0 (not granted by the host)\n",
                      result.stdout)
        self.assertIn("links against wasmesh: no: link: the component imports "
                      "wasi:sockets/network@0.2.0, which the host does not grant\n",
                      result.stdout)


if __name__ == "__main__":
    unittest.main()
