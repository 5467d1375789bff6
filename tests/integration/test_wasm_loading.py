"""The V8 backend is a module loaded on first use (docs/wasm.md): the wasmesh binary does not
link libnode, an idle proxy does not map it, the module next to the binary does, and a module
that cannot be loaded is one clean line on stderr while wabt keeps working. `cmake --install`
puts the module where the installed binary finds it."""

import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BINARY, Proxy, proxy_environment

FIXTURES = os.environ.get("TEST_WASM_FIXTURES", "")
MODULE = os.path.join(os.path.dirname(BINARY), "wasmesh_engine_v8.so")
IDLE_CONFIG = """\
proxy: {workers: 2}
admin: {listen: '127.0.0.1:0'}
inbound: {listen: ['127.0.0.1:0']}
outbound: {listen: []}
"""


def dynamic_section(path):
    """(DT_NEEDED names, DT_RPATH/DT_RUNPATH text) of an ELF file, from `readelf -d`."""
    readelf = shutil.which("readelf")
    if readelf is None:
        raise unittest.SkipTest("readelf (binutils) not installed")
    text = subprocess.run([readelf, "-d", "-W", path], capture_output=True, text=True,
                          check=True).stdout
    needed = [line.split("[", 1)[1].rstrip("]") for line in text.splitlines()
              if "(NEEDED)" in line]
    paths = " ".join(line for line in text.splitlines() if "PATH)" in line)
    return needed, paths


def run_v8(*args, module=None):
    env = proxy_environment({"WASMESH_WASM_V8_MODULE": module} if module else None)
    return subprocess.run([BINARY, "wasm", *args], capture_output=True, text=True, timeout=60,
                          input="", env=env)


class LinkingTest(unittest.TestCase):
    def test_the_binary_does_not_link_libnode(self):
        needed, paths = dynamic_section(BINARY)
        self.assertTrue(needed, "readelf found no DT_NEEDED at all")
        self.assertFalse([n for n in needed if "libnode" in n], needed)
        self.assertNotIn("libnode", paths)
        self.assertNotIn("wasmesh-libnode", paths)

    def test_the_module_next_to_the_binary_links_libnode(self):
        needed, paths = dynamic_section(MODULE)
        self.assertIn("libnode.so.108", needed)
        self.assertTrue(paths, "the module has no rpath to find libnode")
        # An empty element (CMake pads build rpaths with ':') would mean the current directory.
        self.assertNotRegex(paths, r"\[:|::|:\]", paths)

    def test_an_idle_proxy_does_not_map_libnode(self):
        with Proxy(IDLE_CONFIG) as proxy:
            with open(f"/proc/{proxy.process.pid}/maps") as f:
                files = {line.split()[-1] for line in f if "/" in line}
            v8 = ("libnode", "wasmesh_engine_v8", "libicu", "libuv", "libcares", "libbrotli")
            self.assertEqual(sorted(f for f in files if any(n in f for n in v8)), [])


class ModuleLoadingTest(unittest.TestCase):
    def hello(self):
        return os.path.join(FIXTURES, "hello.wasm")

    def check_refused(self, module, reason):
        result = run_v8("run", "--engine", "v8", self.hello(), module=module)
        self.assertEqual(result.returncode, 1, result.stderr)
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        prefix = f"WebAssembly engine failure: cannot load the v8 engine module {module}: "
        self.assertTrue(lines[0].startswith(prefix), lines[0])
        self.assertIn(reason, lines[0])
        self.assertEqual(result.stdout, "")

    def test_a_missing_module_is_a_clean_error(self):
        missing = "/nonexistent/wasmesh_engine_v8.so"
        self.check_refused(missing, "cannot open shared object file: No such file or directory")
        inspect = run_v8("inspect", "--engine", "v8", self.hello(), module=missing)
        self.assertEqual(inspect.returncode, 1)
        self.assertIn("valid (v8): no: WebAssembly engine failure: cannot load the v8 engine "
                      f"module {missing}", inspect.stdout)

    def test_a_file_that_is_not_a_module_is_a_clean_error(self):
        with tempfile.NamedTemporaryFile(suffix=".so") as garbage:
            garbage.write(b"not an ELF file" * 10)
            garbage.flush()
            self.check_refused(garbage.name, "invalid ELF header")

    def test_a_library_without_the_entry_point_is_a_clean_error(self):
        needed, _ = dynamic_section(BINARY)
        library = next(n for n in needed if n.startswith(("libz.so", "libc.so")))
        self.check_refused(library, "undefined symbol: wasmesh_engine_v8_create_v2")

    def test_wabt_works_without_the_v8_module(self):
        result = run_v8("run", "--engine", "wabt", self.hello(), "x", "y",
                        module="/nonexistent/wasmesh_engine_v8.so")
        self.assertEqual(result.returncode, 2, result.stderr)  # the guest exits with argc - 1
        self.assertTrue(result.stdout.startswith("hello x y\n"), result.stdout)

    def test_the_override_selects_the_module(self):
        with tempfile.TemporaryDirectory() as directory:
            copy = os.path.join(directory, "elsewhere.so")
            shutil.copy(MODULE, copy)
            result = run_v8("run", "--engine", "v8", self.hello(), "x", "y", module=copy)
            self.assertEqual(result.returncode, 2, result.stderr)
            self.assertTrue(result.stdout.startswith("hello x y\n"), result.stdout)


class InstallTest(unittest.TestCase):
    """`cmake --install` of the build under test into a temporary prefix, then the installed
    binary on its own (no override, nothing from the build tree)."""

    @classmethod
    def setUpClass(cls):
        build, cmake = os.environ.get("TEST_BUILD_DIR"), os.environ.get("TEST_CMAKE")
        if not build or not cmake:
            raise unittest.SkipTest("TEST_BUILD_DIR and TEST_CMAKE come from ctest")
        cls.prefix = tempfile.mkdtemp(prefix="wasmesh-install-")
        subprocess.run([cmake, "--install", build, "--prefix", cls.prefix], check=True,
                       capture_output=True, timeout=120)
        cls.binary = os.path.join(cls.prefix, "bin", "wasmesh")
        modules = [os.path.join(root, name) for root, _, names in os.walk(cls.prefix)
                   for name in names if name == "wasmesh_engine_v8.so"]
        cls.module = modules[0] if len(modules) == 1 else None

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.prefix, ignore_errors=True)

    def run_installed(self, *args):
        return subprocess.run([self.binary, "wasm", *args], capture_output=True, text=True,
                              timeout=60, input="", env=proxy_environment())

    def test_the_binary_and_one_module_are_installed_apart(self):
        self.assertTrue(os.access(self.binary, os.X_OK), os.listdir(self.prefix))
        self.assertIsNotNone(self.module, "expected exactly one installed module")
        self.assertNotEqual(os.path.dirname(self.module), os.path.dirname(self.binary))
        _, paths = dynamic_section(self.binary)
        self.assertNotIn(os.environ["TEST_BUILD_DIR"], paths)
        _, module_paths = dynamic_section(self.module)
        self.assertIn("wasmesh-libnode", module_paths)
        self.assertNotRegex(module_paths, r"\[:|::|:\]", module_paths)

    def test_the_installed_binary_finds_its_module(self):
        hello = os.path.join(FIXTURES, "hello.wasm")
        result = self.run_installed("run", "--engine", "v8", hello, "x", "y")
        self.assertEqual(result.returncode, 2, result.stderr)  # the guest exits with argc - 1
        self.assertTrue(result.stdout.startswith("hello x y\n"), result.stdout)

    def test_without_its_module_the_error_names_both_places(self):
        with tempfile.TemporaryDirectory() as directory:
            binary = os.path.join(directory, "bin", "wasmesh")
            os.makedirs(os.path.dirname(binary))
            shutil.copy(self.binary, binary)
            hello = os.path.join(FIXTURES, "hello.wasm")
            result = subprocess.run([binary, "wasm", "run", "--engine", "v8", hello],
                                    capture_output=True, text=True, timeout=60, input="",
                                    env=proxy_environment())
            self.assertEqual(result.returncode, 1, result.stderr)
            relative = os.path.relpath(os.path.dirname(self.module), self.prefix)
            self.assertEqual(result.stderr.strip(),
                             "WebAssembly engine failure: cannot load the v8 engine module: not "
                             f"found at {directory}/bin/wasmesh_engine_v8.so nor "
                             f"{directory}/{relative}/wasmesh_engine_v8.so")


if __name__ == "__main__":
    unittest.main()
