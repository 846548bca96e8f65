#!/usr/bin/env python3
"""ctest bench.tables: bench/tables.py on the committed sitting.

    tables_test.py SOURCE_DIR

Checks that bench/README.md's generated block is exactly what tables.py
makes of bench/results/sitting-* (so every figure there comes from the
committed output), that figures are read from the JSON (a changed value
shows), that a failed benchmark is named and its table left out, that
--update leaves the rest of a file alone, and the errors.
"""
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest

SOURCE = sys.argv.pop(1) if len(sys.argv) > 1 else os.getcwd()
TABLES = os.path.join(SOURCE, "bench", "tables.py")
README = os.path.join(SOURCE, "bench", "README.md")
SITTING = sorted(glob.glob(os.path.join(SOURCE, "bench", "results", "sitting-*")))[-1]


def run(*args):
    return subprocess.run([sys.executable, TABLES, *args], capture_output=True, text=True, timeout=60)


class Tables(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sf-tables-")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def copy_sitting(self):
        copy = os.path.join(self.tmp, "sitting")
        shutil.copytree(SITTING, copy)
        return copy

    def test_the_readme_block_is_what_the_committed_sitting_gives(self):
        copy = os.path.join(self.tmp, "README.md")
        shutil.copy(README, copy)
        # Plots are linked relative to the file: put the copy where the README is.
        result = run(SITTING, "--update", copy)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(README, encoding="utf-8") as f:
            committed = f.read()
        with open(copy, encoding="utf-8") as f:
            regenerated = f.read()
        block = lambda text: text.split("<!-- sitting:begin -->", 1)[1].split("<!-- sitting:end -->", 1)[0]
        # Image links differ only by the directory the copy is in.
        rel = os.path.relpath(os.path.join(SOURCE, "bench"), self.tmp)
        self.assertEqual(block(regenerated).replace(rel + "/", ""), block(committed),
                         "bench/README.md's tables are not what bench/tables.py makes of " + SITTING)

    def test_every_command_and_the_machine_are_said(self):
        result = run(SITTING)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.path.join(SITTING, "sitting.jsonl"), encoding="utf-8") as f:
            entries = [json.loads(line) for line in f if line.strip()]
        for e in entries:
            command = e["command"].replace(os.path.abspath(SITTING), "DIR")
            self.assertIn(command, result.stdout)
        with open(os.path.join(SITTING, "machine.json"), encoding="utf-8") as f:
            machine = json.load(f)
        self.assertIn(f"backend: {machine['backend']}", result.stdout)
        self.assertIn(machine["commit"], result.stdout)

    def test_figures_are_read_from_the_json(self):
        copy = self.copy_sitting()
        ratios = []
        for name in ("container-1", "container-2", "container-3"):
            with open(os.path.join(copy, name + ".json"), encoding="utf-8") as f:
                ratios.append(json.load(f)["ratio_container_bare"])
        self.assertIn(f"median of the runs: **{statistics.median(ratios):.2f}x**", run(copy).stdout)
        path = os.path.join(copy, "storm.json")
        with open(path, encoding="utf-8") as f:
            storm = json.load(f)
        storm["last_ms"] = 987.654
        with open(path, "w", encoding="utf-8") as f:
            json.dump(storm, f)
        out = run(copy).stdout
        self.assertIn("**987.654**", out)
        self.assertIn("last_ms <= 10 (missed)", out)

    def test_a_failed_benchmark_is_named_and_its_table_left_out(self):
        copy = self.copy_sitting()
        path = os.path.join(copy, "sitting.jsonl")
        with open(path, encoding="utf-8") as f:
            entries = [json.loads(line) for line in f if line.strip()]
        for e in entries:
            if e["name"] == "store":
                e["status"] = 1
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(e) + "\n" for e in entries)
        result = run(copy)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("### Store", result.stdout)
        self.assertIn("store (exit status 1)", result.stdout)

    def test_update_keeps_the_rest_and_needs_the_markers(self):
        target = os.path.join(self.tmp, "doc.md")
        with open(target, "w", encoding="utf-8") as f:
            f.write("before\n<!-- sitting:begin -->\nold\n<!-- sitting:end -->\nafter\n")
        self.assertEqual(run(SITTING, "--update", target).returncode, 0)
        with open(target, encoding="utf-8") as f:
            text = f.read()
        self.assertTrue(text.startswith("before\n<!-- sitting:begin -->\nOne sitting"))
        self.assertTrue(text.endswith("<!-- sitting:end -->\nafter\n"))
        self.assertNotIn("\nold\n", text)
        with open(target, "w", encoding="utf-8") as f:
            f.write("no markers\n")
        result = run(SITTING, "--update", target)
        self.assertEqual(result.returncode, 1)
        self.assertIn("sitting:begin", result.stderr)

    def test_the_sitting_holds_every_benchmark_bench_sitting_runs(self):
        script = os.path.join(SOURCE, "scripts", "bench-sitting")
        listed = subprocess.run([script, "--list"], capture_output=True, text=True, timeout=30)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        names = [line.split(":", 1)[0] for line in listed.stdout.splitlines() if line]
        self.assertGreaterEqual(len(names), 10)
        with open(os.path.join(SITTING, "sitting.jsonl"), encoding="utf-8") as f:
            ran = {json.loads(line)["name"]: json.loads(line)["status"] for line in f if line.strip()}
        for name in names:
            self.assertEqual(ran.get(name), 0, f"{name} did not run, or failed, in {SITTING}")
        bad = subprocess.run([script, "--bogus"], capture_output=True, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("unknown option --bogus", bad.stderr)

    def test_errors(self):
        self.assertEqual(run(self.tmp).returncode, 1)
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run(SITTING, "--bogus", "x").returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=1)
