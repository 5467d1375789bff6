// The measurements of bench/tools/WasmCallBench.cc on Node's own V8, with plain JS, as the
// yardstick for wasmesh's backends: what the same crossings cost when the embedder is V8's own
// JS API rather than wasmesh's C++ host.
//
//   node bench/wasm/calls.mjs build-rel/bench/calls.wasm > node.json
//
// Prints Google Benchmark-shaped JSON; every entry's ns_per_call is nanoseconds per single
// operation (per call, per host call, per 4 KiB copy, per instantiation).

import { readFileSync } from 'node:fs';
import process from 'node:process';

const HOST_CALLS_PER_ITERATION = 10000;
const COPY_BYTES = 4096;
const WARMUP_NS = 200_000_000n; // long enough for V8 to tier the wasm and JS up to TurboFan
const MIN_TIME_NS = 500_000_000n;

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node calls.mjs path/to/calls.wasm\n');
  process.exit(2);
}
const module = new WebAssembly.Module(readFileSync(path));

// host_add(x) = x + 1, so call_host(n) is n; the count catches a guest that makes fewer calls
// and adds more itself, which the sum alone would not.
let hostCalls = 0;
const imports = {
  env: {
    host_add: (x) => {
      hostCalls++;
      return (x + 1) | 0;
    },
  },
};
const instance = new WebAssembly.Instance(module, imports);
const { nop, call_host: callHost, memory } = instance.exports;

function fail(name, why) {
  throw new Error(`${name}: ${why}`);
}

const pattern = new Uint8Array(COPY_BYTES);
for (let i = 0; i < COPY_BYTES; i++) pattern[i] = (i * 7 + 1) & 0xff;
// memory never grows in this module, so one view stays valid throughout.
const guestBytes = new Uint8Array(memory.buffer);

// Each body runs `iterations` iterations and checks what they did, so a broken run cannot
// report a fast time.
const benchmarks = [
  {
    name: 'host_to_guest',
    opsPerIteration: 1,
    body(iterations) {
      let value = 0;
      for (let i = 0; i < iterations; i++) {
        const next = nop(value);
        if (next !== ((value + 1) | 0)) fail(this.name, `nop(${value}) returned ${next}`);
        value = next;
      }
    },
  },
  {
    name: 'guest_to_host',
    opsPerIteration: HOST_CALLS_PER_ITERATION,
    body(iterations) {
      for (let i = 0; i < iterations; i++) {
        hostCalls = 0;
        const sum = callHost(HOST_CALLS_PER_ITERATION);
        if (sum !== HOST_CALLS_PER_ITERATION) fail(this.name, `call_host returned ${sum}`);
        if (hostCalls !== HOST_CALLS_PER_ITERATION) fail(this.name, `${hostCalls} host calls`);
      }
    },
  },
  {
    name: 'read_memory_4k',
    opsPerIteration: 1,
    body(iterations) {
      guestBytes.set(pattern, 0);
      for (let i = 0; i < iterations; i++) {
        const copy = guestBytes.slice(0, COPY_BYTES);
        if (copy.length !== COPY_BYTES || copy[0] !== pattern[0] ||
            copy[COPY_BYTES - 1] !== pattern[COPY_BYTES - 1])
          fail(this.name, 'wrong bytes');
      }
    },
  },
  {
    // Not in wasm_call_bench: the same copy into a buffer allocated once, which shows how much
    // of read_memory_4k is slice() allocating a fresh ArrayBuffer rather than copying.
    name: 'read_memory_4k_reused',
    opsPerIteration: 1,
    body(iterations) {
      guestBytes.set(pattern, 0);
      const copy = new Uint8Array(COPY_BYTES);
      for (let i = 0; i < iterations; i++) {
        copy.set(guestBytes.subarray(0, COPY_BYTES));
        if (copy[0] !== pattern[0] || copy[COPY_BYTES - 1] !== pattern[COPY_BYTES - 1])
          fail(this.name, 'wrong bytes');
        copy[0] = ~copy[0]; // so a set() that copied nothing fails the next check
      }
    },
  },
  {
    name: 'write_memory_4k',
    opsPerIteration: 1,
    body(iterations) {
      guestBytes.fill(0, 0, COPY_BYTES);
      for (let i = 0; i < iterations; i++) guestBytes.set(pattern, 0);
      for (let i = 0; i < COPY_BYTES; i++)
        if (guestBytes[i] !== pattern[i]) fail(this.name, `byte ${i} did not land`);
    },
  },
  {
    name: 'instantiate',
    opsPerIteration: 1,
    body(iterations) {
      for (let i = 0; i < iterations; i++) {
        const fresh = new WebAssembly.Instance(module, imports);
        if (typeof fresh.exports.nop !== 'function') fail(this.name, 'no nop export');
      }
    },
  },
];

function timed(benchmark, iterations) {
  const start = process.hrtime.bigint();
  benchmark.body(iterations);
  return process.hrtime.bigint() - start;
}

// Like Google Benchmark: grow the iteration count until one timed run lasts MIN_TIME_NS, and
// report that run.
function measure(benchmark) {
  const warmupStart = process.hrtime.bigint();
  while (process.hrtime.bigint() - warmupStart < WARMUP_NS) benchmark.body(100);
  let iterations = 1;
  for (;;) {
    const elapsed = timed(benchmark, iterations);
    if (elapsed >= MIN_TIME_NS) {
      const ops = iterations * benchmark.opsPerIteration;
      return {
        name: `node/${benchmark.name}`,
        ns_per_call: Number(elapsed) / ops,
        iterations,
      };
    }
    // Aim 40% past the target so the next run usually suffices; never grow more than 10x.
    const perIteration = Number(elapsed) / iterations;
    const wanted = perIteration > 0 ? Math.ceil((Number(MIN_TIME_NS) * 1.4) / perIteration) : 0;
    iterations = Math.max(iterations + 1, Math.min(wanted, iterations * 10));
  }
}

const results = benchmarks.map(measure);
process.stdout.write(
  JSON.stringify(
    {
      context: { node: process.version, v8: process.versions.v8, calls_wasm: path },
      benchmarks: results,
    },
    null,
    2,
  ) + '\n',
);
