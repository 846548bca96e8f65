#!/usr/bin/env python3
"""Per-figure ratios of two `sf-bench all --json` documents.

    bench/compare.py A.json B.json

Prints the machine, commit and date of each, then one Markdown table row
per figure (the "figures" of the documents, in A's order, then those only
in B): its value in A and in B, B / A, and, where the figure says which way
is better ("better": "lower" or "higher"), whether B is better or worse than
A. A figure missing on one side says so. Benchmarks skipped or failed in
either run are listed under the table. Exit status 0; 1 if a file is not
such a document; 2 on a usage error.
"""
import json
import sys


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: {e}") from e
    if not isinstance(document, dict) or not isinstance(document.get("figures"), dict):
        raise ValueError(f"{path}: not an sf-bench all document (no \"figures\" object)")
    return document


def number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def text(value):
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def verdict(better, a, b):
    if better not in ("lower", "higher") or a is None or b is None:
        return ""
    if a == b:
        return "same"
    b_is_lower = b < a
    return "B better" if b_is_lower == (better == "lower") else "B worse"


def describe(label, document):
    machine = document.get("machine", {})
    return (f"{label}: {machine.get('cpu_model', '?')}, {machine.get('cores', '?')} cores, "
            f"Linux {machine.get('kernel', '?')}, backend {machine.get('backend', '?')}; "
            f"commit {document.get('commit', '?')}, {document.get('date', '?')}, size {document.get('size', '?')}")


def not_run(label, document):
    lines = []
    for name, entry in document.get("benchmarks", {}).items():
        if "skipped" in entry:
            lines.append(f"{label}: {name} skipped ({entry['skipped']})")
        elif entry.get("error"):
            lines.append(f"{label}: {name} failed ({entry['error']})")
    return lines


def main(argv):
    if len(argv) != 3 or argv[1].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        a, b = load(argv[1]), load(argv[2])
    except ValueError as e:
        print(f"compare.py: {e}", file=sys.stderr)
        return 1
    print(describe("A", a))
    print(describe("B", b))
    print()
    print("| figure | better | A | B | B / A | |")
    print("|---|---|---|---|---|---|")
    paths = list(a["figures"]) + [p for p in b["figures"] if p not in a["figures"]]
    for path in paths:
        fa, fb = a["figures"].get(path), b["figures"].get(path)
        va = number(fa.get("value")) if fa else None
        vb = number(fb.get("value")) if fb else None
        better = (fa or fb).get("better")
        ratio = f"{vb / va:.2f}x" if va and vb is not None else "-"
        note = verdict(better, va, vb)
        if fa is None:
            note = "only in B"
        elif fb is None:
            note = "only in A"
        print(f"| {path} | {better or '?'} | {text(va)} | {text(vb)} | {ratio} | {note} |")
    lines = not_run("A", a) + not_run("B", b)
    if lines:
        print()
        for line in lines:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
