#!/usr/bin/env python3
"""Medians and after/before ratios of scripts/bench-before-after's runs.

    bench/before_after.py OUT_DIR

Reads OUT_DIR/NAME.{before,after}.N.json and prints one Markdown table:
each figure's median over the runs of each build (the runs' own values in
brackets) and after / before. Which way is better is said per figure.
"""
import json
import pathlib
import statistics
import sys

# name -> [(label, path into the JSON, "lower" or "higher" is better)]
FIGURES = {
    "boot": [("boot: guest first output, median ms", "guest_first_output_ms.median", "lower"),
             ("boot: fork+exec, median ms (baseline)", "fork_exec_ms.median", "lower")],
    "storm": [("storm 10,000: create median ms", "median_ms", "lower"),
              ("storm 10,000: create p99 ms", "p99_ms", "lower"),
              ("storm 10,000: memory per guest KiB", "mem_per_guest_kib", "lower"),
              ("storm 10,000: failed", "failed", "lower")],
    "net": [("net: ping RTT ms", "ping_rtt_ms", "lower"),
            ("net: UDP echo packets/s", "udp_pps", "higher"),
            ("net: HTTP requests/s", "http_rps", "higher"),
            ("net: UDP, guest / host process in the same run", "ratio_udp", "higher"),
            ("net: HTTP, guest / host process in the same run", "ratio_http", "higher")],
    "store": [("store: reads/s", "read_ops_s", "higher"),
              ("store: writes/s", "write_ops_s", "higher"),
              ("store: commits/s", "txn_commits_s", "higher"),
              ("store: watch fan-out ms", "watch_fanout_ms", "lower")],
    "migrate": [("migrate K=1: total ms", "runs.0.total_ms", "lower"),
                ("migrate K=1: client downtime ms", "runs.0.downtime_ms", "lower"),
                ("migrate K=1: sfd's downtime ms (median of samples)", "runs.0.samples.*.server_downtime_ms", "lower")],
}


def pick(document, path):
    """The number at `path` (dots; a number indexes a list; * takes the median over a list)."""
    parts = path.split(".")
    value = document
    for i, part in enumerate(parts):
        if part == "*":
            rest = ".".join(parts[i + 1:])
            values = [pick(item, rest) for item in value]
            values = [v for v in values if v is not None]
            return statistics.median(values) if values else None
        if isinstance(value, list):
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
        if value is None:
            return None
    return value if isinstance(value, (int, float)) else None


def runs(out, name, label):
    values = []
    for file in sorted(out.glob(f"{name}.{label}.*.json")):
        try:
            values.append(json.loads(file.read_text()))
        except json.JSONDecodeError:
            print(f"before_after: {file} is not JSON; left out", file=sys.stderr)
    return values


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = pathlib.Path(sys.argv[1])
    print("| figure | better | before: median (runs) | after: median (runs) | after / before |")
    print("|---|---|---|---|---|")
    for name, figures in FIGURES.items():
        documents = {label: runs(out, name, label) for label in ("before", "after")}
        if not documents["before"] and not documents["after"]:
            continue
        for title, path, better in figures:
            cells = []
            medians = {}
            for label in ("before", "after"):
                values = [v for v in (pick(d, path) for d in documents[label]) if v is not None]
                medians[label] = statistics.median(values) if values else None
                shown = ", ".join(f"{v:g}" for v in values)
                cells.append(f"{medians[label]:g} ({shown})" if values else "none")
            ratio = (f"{medians['after'] / medians['before']:.2f}x"
                     if medians["before"] and medians["after"] is not None else "-")
            print(f"| {title} | {better} | {cells[0]} | {cells[1]} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
