#!/usr/bin/env python3
"""Writes the seed corpus of the component fuzz target (tests/fuzz/corpus/component/).

Run once by hand after scripts/install-npm.sh; the files are committed. Each seed is a
small component in the text format, assembled with the jco of tests/fixtures/components
(`jco parse`), covering every section kind the decoder reads: types of every kind, instance
types with resources, imports and exports, core modules, core instances (instantiated and
bundles of functions, memories, tables and globals), aliases of every target, canon lift and
lower with every option, resource.new/drop/rep, a nested component and its instantiation,
and one async built-in the decoder refuses.
"""
import pathlib
import subprocess
import tempfile

SEEDS = {
    "types": r'''
(component
  (type $r (record (field "x" u32) (field "y" string)))
  (type $v (variant (case "a" $r) (case "b")))
  (type $l (list $v))
  (type $t (tuple u8 $l))
  (type $f (flags "a" "b" "c"))
  (type $e (enum "x" "y"))
  (type $o (option $t))
  (type $res (result $o (error string)))
  (type $fn (func (param "a" $res) (param "b" $f) (result $e)))
  (type $i (instance
     (export "res" (type (sub resource)))
     (type (own 0))
     (export "make" (func (result 1)))))
  (import "ns:pkg/iface@0.2.0" (instance $imp (type $i)))
  (alias export $imp "make" (func $make))
  (core module $m
     (import "env" "make" (func (result i32)))
     (memory (export "memory") 1)
     (func (export "run") (result i32) call 0))
  (core func $lmake (canon lower (func $make)))
  (core instance $env (export "make" (func $lmake)))
  (core instance $inst (instantiate $m (with "env" (instance $env))))
  (func $run (result u32) (canon lift (core func $inst "run")))
  (export "run" (func $run))
  (component $inner
    (import "f" (func $f (result u32)))
    (export "g" (func $f)))
  (instance $in (instantiate $inner (with "f" (func $run))))
  (instance $bundle (export "h" (func $run)))
  (export "nested" (instance $in))
)''',
    "resources": r'''
(component
  (core module $m
    (table (export "t") 1 funcref)
    (memory (export "memory") 1)
    (global (export "g") i32 (i32.const 7))
    (func (export "dtor") (param i32))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 8)
    (func (export "post") (param i32))
    (func (export "greet") (param i32 i32) (result i32) i32.const 16))
  (core instance $i (instantiate $m))
  (alias core export $i "dtor" (core func $dtor))
  (type $res (resource (rep i32) (dtor (core func $dtor))))
  (core func $new (canon resource.new $res))
  (core func $drop (canon resource.drop $res))
  (core func $rep (canon resource.rep $res))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "t" (core table $tab))
  (alias core export $i "g" (core global $glob))
  (core instance $bundle
    (export "new" (func $new)) (export "drop" (func $drop)) (export "rep" (func $rep))
    (export "memory" (memory $mem)) (export "t" (table $tab)) (export "g" (global $glob)))
  (core module $user
    (import "b" "new" (func (param i32) (result i32)))
    (import "b" "memory" (memory 1))
    (import "b" "t" (table 1 funcref))
    (import "b" "g" (global i32)))
  (core instance (instantiate $user (with "b" (instance $bundle))))
  (type $greet (func (param "name" string) (result string)))
  (alias core export $i "greet" (core func $cgreet))
  (alias core export $i "realloc" (core func $realloc))
  (alias core export $i "post" (core func $post))
  (func $g (type $greet) (canon lift (core func $cgreet) (memory $mem)
     (realloc (core func $realloc)) string-encoding=utf16 (post-return (core func $post))))
  (export "res" (type $res))
  (export "greet" (func $g))
)''',
    "async": r'''
(component
  (core func $tr (canon task.return (result u32)))
)''',
}


def main() -> None:
    root = pathlib.Path(__file__).resolve().parents[2]
    jco = ["node", str(root / "tests" / "fixtures" / "components" / "run-jco.mjs")]
    out = pathlib.Path(__file__).resolve().parent / "corpus" / "component"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, text in SEEDS.items():
            source = pathlib.Path(scratch) / f"{name}.wat"
            source.write_text(text)
            subprocess.run(jco + ["parse", str(source), "-o", str(out / f"{name}.bin")],
                           check=True)


if __name__ == "__main__":
    main()
