;; The module bench/tools/WasmCallBench.cc and bench/wasm/calls.mjs time: the smallest exports
;; that still cross the host/guest boundary, so what is measured is the crossing itself.
(module
  (import "env" "host_add" (func $host_add (param i32) (result i32)))
  (memory (export "memory") 1)

  ;; Returns its argument plus one, so a call that did not reach the guest is noticed.
  (func (export "nop") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1)))

  ;; Calls host_add n times, each call taking the previous result, so no call can be skipped
  ;; and the caller can check the total (n times whatever host_add adds).
  (func (export "call_host") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $host_add (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $acc)))
