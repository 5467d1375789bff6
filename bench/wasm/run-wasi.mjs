// Runs a WASI command module on Node's own V8 and node:wasi, the way `wasmesh wasm run` runs
// it: node run-wasi.mjs MODULE [ARGS...]. The guest's exit status becomes the process's.
// Compilation is inside the measured time on both sides, as it is for `wasmesh wasm run`.
import { readFile } from 'node:fs/promises';
import { argv, env, exit } from 'node:process';
import { WASI } from 'node:wasi';

const [modulePath, ...guestArgs] = argv.slice(2);
if (!modulePath) {
  console.error('usage: node run-wasi.mjs MODULE [ARGS...]');
  exit(2);
}
// `version` is required from Node 20 on and ignored by Node 18.
const wasi = new WASI({ version: 'preview1', args: [modulePath, ...guestArgs], env, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
exit(wasi.start(instance));
