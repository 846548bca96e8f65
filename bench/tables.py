#!/usr/bin/env python3
"""The Markdown tables of bench/README.md, from one sitting's output.

    bench/tables.py DIR                 print them
    bench/tables.py DIR --update FILE   replace what FILE holds between
                                        <!-- sitting:begin --> and <!-- sitting:end -->

DIR is what `scripts/bench-sitting DIR` wrote: machine.json, sitting.jsonl
(each benchmark's command, times, exit status, load average before it) and
NAME.json (or NAME.txt) per benchmark. Every table says the command it came
from, and every figure in it is read from that command's output, never
typed in. A benchmark that is missing or failed is said to be, and its
table left out. Exit status 0; 1 if DIR is not a sitting; 2 on a usage
error.
"""
import json
import os
import statistics
import sys

BEGIN = "<!-- sitting:begin -->"
END = "<!-- sitting:end -->"


class Sitting:
    def __init__(self, path, base="."):
        self.path = path
        self.base = base  # where the Markdown lives: plots are linked relative to it
        try:
            with open(os.path.join(path, "machine.json"), encoding="utf-8") as f:
                self.machine = json.load(f)
            with open(os.path.join(path, "sitting.jsonl"), encoding="utf-8") as f:
                self.entries = {e["name"]: e for e in (json.loads(line) for line in f if line.strip())}
        except (OSError, json.JSONDecodeError, KeyError) as e:
            raise ValueError(f"{path}: not a sitting of scripts/bench-sitting ({e})") from e
        self.missing = []

    def entry(self, name):
        return self.entries.get(name)

    def ran(self, name):
        """Whether NAME ran and succeeded; if not, it is said in the output."""
        entry = self.entries.get(name)
        if entry is None or entry["status"] != 0:
            self.missing.append((name, "not run" if entry is None else f"exit status {entry['status']}"))
            return False
        return True

    def result(self, name):
        """NAME's JSON, or None (said in the output) when it did not run or failed."""
        if not self.ran(name):
            return None
        try:
            with open(os.path.join(self.path, name + ".json"), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            self.missing.append((name, f"no JSON ({e})"))
            return None

    def text(self, name):
        """NAME's text output (a script's), or None as result() does."""
        if not self.ran(name):
            return None
        with open(os.path.join(self.path, name + ".txt"), encoding="utf-8") as f:
            return f.read()

    def command(self, *names):
        lines = []
        for name in names:
            e = self.entries.get(name)
            if e:
                lines.append(f"build/bin/{e['command']}" if e["command"].startswith("sf-bench")
                             else e["command"])
        rel = lambda s: s.replace(os.path.abspath(self.path), "DIR")
        return "```sh\n" + "\n".join(rel(line) for line in lines) + "\n```\n"

    def plot(self, file, title):
        """An image line for plot `file` of the sitting, if it was written."""
        path = os.path.join(self.path, file)
        if not os.path.exists(path):
            return ""
        return f"\n![{title}]({os.path.relpath(path, self.base)})\n"

    def when(self, *names):
        parts = []
        for name in names:
            e = self.entries.get(name)
            if e:
                parts.append(f"{e['start'][11:16]}-{e['end'][11:16]} UTC, load average {e['loadavg_before'].split()[0]} before")
        return "; ".join(parts)


def num(value, digits=3):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}" if abs(value) < 1 else f"{value:.{digits}f}".rstrip("0").rstrip(".")


def ratio(value):
    return "-" if value is None else f"{value:.2f}x"


def row(*cells):
    return "| " + " | ".join(str(c) for c in cells) + " |\n"


def header(*cells):
    return row(*cells) + row(*(["---"] * len(cells)))


def dist(d):
    return f"{num(d['median'])} ({num(d['p90'])}, {num(d['p99'])})" if d else "-"


def section_machine(s):
    m = s.machine
    starts = [e["start"] for e in s.entries.values()]
    ends = [e["end"] for e in s.entries.values()]
    return (f"One sitting, {min(starts)[:16].replace('T', ' ')} to {max(ends)[11:16]} UTC: "
            f"{m['cpu_model']}, {m['cores']} cores, {m['memory_kib'] // 1024 // 1024} GiB, Linux {m['kernel']}, "
            f"**backend: {m['backend']}**"
            + ("" if m["backend"] == "kvm" else " (this machine has no `/dev/kvm`: every guest is a sandboxed process)")
            + f", {m.get('crun') or 'no crun'}, tree **{m['commit']}**. Each benchmark ran alone, one after the "
            "other, as `scripts/bench-sitting` lists them; the load average before each is given (the "
            "benchmarks' own load: nothing else ran).\n")


def section_boot(s):
    b = s.result("boot")
    if not b:
        return ""
    out = "### Boot\n\n" + s.command("boot") + f"\n{s.when('boot')}. Milliseconds, median (p90, p99) of {b['runs']} runs:\n\n"
    out += header("what", "ms", "ratio")
    out += row("guest: create to first output, in-process (the monitor's own create)", dist(b["guest_first_output_ms"]),
               f"{ratio(b.get('ratio_guest_fork_exec'))} fork+exec")
    out += row("guest: create to exit", dist(b["guest_exit_ms"]), "")
    out += row("guest: teardown", dist(b["guest_teardown_ms"]), "")
    out += row("through sfd: POST /v1/guests to first output (`--via-sfd`, what a user gets)",
               dist(b.get("sfd_request_ms")), f"{ratio(b.get('ratio_sfd_fork_exec'))} fork+exec")
    out += row("through sfd: sfd's own first_output_ms", dist(b.get("sfd_first_output_ms")),
               f"{ratio(b.get('ratio_sfd_guest'))} in-process")
    out += row("baseline: fork+exec of a static host program to its first output", dist(b["fork_exec_ms"]), "")
    out += row("baseline: fork+exec to exit", dist(b["fork_exec_exit_ms"]), "")
    out += row("baseline: posix_spawn to first output", dist(b["posix_spawn_ms"]), "")
    h = s.result("hypercall")
    if h:
        out += "\n" + s.command("hypercall") + "\n"
        out += header("backend", "one hypercall round trip, median of runs (min-max)", "runs failed")
        for name, r in h["backends"].items():
            if "error" in r:
                out += row(name, f"not here: {r['error']}", "-")
            else:
                out += row(name, f"{num(r['ns_per_hypercall_median'] / 1000)} us ({num(r['min'] / 1000)}-{num(r['max'] / 1000)})",
                           r["runs_failed"])
    return out + "\n"


def storm_row(label, r):
    return row(label, f"{r['created']:,} / {r['failed']}", num(r["first_ms"]), num(r["median_ms"]), num(r["p99_ms"]),
               f"**{num(r['last_ms'])}**", num(r["max_ms"]), num(r["total_s"]), num(r["mem_per_guest_kib"], 4),
               num(r["sfd_pss_kib_per_guest"], 4), f"{num(r['idle_cpu_pct'])} %")


def memory_parts_row(label, r):
    return row(label, num(r["mem_per_guest_kib"], 4), num(r["sfd_pss_kib_per_guest"], 4), num(r["slab_kib_per_guest"], 4),
               num(r["page_tables_kib_per_guest"], 4), num(r["kernel_stack_kib_per_guest"], 4),
               num(r["vmalloc_kib_per_guest"], 4), num(r["kvm_slab_kib_per_guest"], 4),
               num(r["unexplained_kib_per_guest"], 4))


def section_storm(s):
    a, n = s.result("storm"), s.result("storm-net")
    if not a and not n:
        return ""
    out = "### Storm: 10,000 guests\n\n" + s.command("storm", "storm-net") + "\n" + s.when("storm", "storm-net") + ".\n\n"
    out += header("storm", "created / failed", "first ms", "median ms", "p99 ms", "last ms", "max ms", "total s",
                  "KiB/guest (MemAvailable)", "sfd tree PSS KiB/guest", "idle CPU (all)")
    if a:
        out += storm_row("idle guests, no NIC (to first output)", a)
    if n:
        out += storm_row("`ping` guests with a NIC (to first ping reply)", n)
    out += "\nThe memory per guest and its measured parts (KiB, growth per guest):\n\n"
    out += header("storm", "total", "sfd tree PSS", "slab", "page tables", "kernel stacks", "vmalloc", "KVM's slab",
                  "unexplained")
    if a:
        out += memory_parts_row("no NIC", a)
    if n:
        out += memory_parts_row("with NIC", n)
    if a:
        out += s.plot("storm-10000.svg", "creation time of the n-th guest, 10,000 without NIC")
    if a and n:
        out += (f"\nWith a NIC / without: last {ratio(n['last_ms'] / a['last_ms'])}, median "
                f"{ratio(n['median_ms'] / a['median_ms'])}. Targets (README's storm section): 0 failures, last_ms <= 10 "
                f"({'met' if a['last_ms'] <= 10 else 'missed'}), <= 1 MiB/guest "
                f"({'met' if a['mem_per_guest_kib'] <= 1024 else 'missed'}), median <= 2 ms "
                f"({'met' if a['median_ms'] <= 2 else 'missed'}), idle CPU <= 5 % "
                f"({'met' if a['idle_cpu_pct'] <= 5 else 'missed'}); with a NIC last_ms <= 20 "
                f"({'met' if n['last_ms'] <= 20 else 'missed'}) and <= 1.5x without "
                f"({'met' if n['last_ms'] <= 1.5 * a['last_ms'] else 'missed'}).\n")
    return out + "\n"


def section_store(s):
    r = s.result("store")
    if not r:
        return ""
    out = "### Store\n\n" + s.command("store") + "\n" + s.when("store") + ".\n\n"
    out += header("figure", "value")
    out += row(f"reads/s ({r['clients']} clients, {r['window']} deep, {r['guests']:,} guests' records)", num(r["read_ops_s"]))
    out += row("writes/s", num(r["write_ops_s"]))
    out += row("transaction commits/s", num(r["txn_commits_s"]))
    for kind in ("read", "write"):
        l = r[f"{kind}_latency_us"]
        out += row(f"{kind} latency, one client, one in flight: p50 / p90 / p99 / p99.9 us ({l['count']:,} requests)",
                   f"{num(l['p50'])} / {num(l['p90'])} / {num(l['p99'])} / {num(l['p99_9'])}")
    out += row("watch fan-out (one write to every watcher) ms", num(r["watch_fanout_ms"]))
    errors = sum(r[k] for k in ("errors", "conflicts", "read_errors", "write_errors", "txn_errors",
                                "latency_read_errors", "latency_write_errors", "populate_errors", "populate_conflicts"))
    out += row("errors and conflicts, every phase (populate checks every write)", errors)
    out += row("transaction conflicts (expected under contention)", r["txn_conflicts"])
    return out + "\n"


def section_net(s):
    r = s.result("net")
    if not r:
        return ""
    out = "### Network\n\n" + s.command("net") + "\n" + s.when("net") + f". Medians of {r['runs']} runs of {num(r['duration_s'])} s; " \
        f"failed rounds: {r['failed']}.\n\n"
    out += header("", "guest (switch + guest stack)", "host process (our stack on a TAP)", "Linux (kernel stack)",
                  "guest / host process", "guest / Linux")
    out += row("ping RTT ms (p90)", f"{num(r['ping_rtt_ms'])} ({num(r['ping_p90_ms'])})",
               f"{num(r['host_ping_rtt_ms'])} ({num(r['host_ping_p90_ms'])})",
               f"{num(r['linux_ping_rtt_ms'])} ({num(r['linux_ping_p90_ms'])})", ratio(r["ratio_ping"]),
               ratio(r["ratio_ping_linux"]))
    out += row("UDP echo packets/s (lost)", f"{num(r['udp_pps'])} ({r['udp_lost']})",
               f"{num(r['host_udp_pps'])} ({r['host_udp_lost']})", f"{num(r['linux_udp_pps'])} ({r['linux_udp_lost']})",
               ratio(r["ratio_udp"]), ratio(r["ratio_udp_linux"]))
    out += row("HTTP requests/s, wrk (errors)", f"{num(r['http_rps'])} ({r['http_errors']})",
               f"{num(r['host_http_rps'])} ({r['host_http_errors']})",
               f"{num(r['linux_http_rps'])} ({r['linux_http_errors']})", ratio(r["ratio_http"]), ratio(r["ratio_http_linux"]))
    return out + "\n"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def section_migrate(s):
    out = ""
    for name in ("migrate-10gbit", "migrate-1gbit"):
        r = s.result(name)
        if not r:
            continue
        if not out:
            out = "### Migration\n\n" + s.command("migrate-10gbit", "migrate-1gbit") + "\n" + \
                s.when("migrate-10gbit", "migrate-1gbit") + ".\n\n"
            out += header("rate (as shaped)", "K guests on source", "runs (kept)", "total ms", "client downtime ms",
                          "sfd total ms", "sfd downtime ms", "stream Mbit/s measured", "raw TCP Mbit/s", "MB sent")
        for k in r["runs"]:
            samples = [x for x in k["samples"] if x.get("ok")]
            kept = sum(1 for x in samples if x.get("connection_kept"))
            out += row(r["rate"], k["guests_on_source"], f"{len(k['samples'])} ({kept})", num(k["total_ms"]),
                       num(k["downtime_ms"]), num(median(x.get("server_total_ms") for x in samples)),
                       num(median(x.get("server_downtime_ms") for x in samples)), num(k.get("stream_mbit_s")),
                       num(k.get("transfer_mbit_s")), num(k["bytes_sent"] / 1e6))
    if out:
        r = s.result("migrate-10gbit") or s.result("migrate-1gbit")
        out += (f"\nClient downtime: the largest gap in the client's pings over the migration, ICMP on a path "
                f"that does not queue behind the stream (`ping_path` {r['ping_path']}); no added delay "
                f"(`delay_ms` {num(r['delay_ms'])}). On the process backend a migration is stop-and-copy (no dirty "
                "log): the whole guest moves while it is paused, so downtime is most of the total.\n")
        out += s.plot("migrate-10gbit.svg", "migration at 10gbit as shaped") + s.plot("migrate-1gbit.svg",
                                                                                   "migration at 1gbit as shaped")
    return out + ("\n" if out else "")


def section_containers(s):
    runs = [(n, s.result(n)) for n in ("container-1", "container-2", "container-3")]
    runs = [(n, r) for n, r in runs if r]
    out = ""
    if runs:
        out = "### Containers beside VMs\n\n" + s.command(*(n for n, _ in runs)) + "\n" + s.when(*(n for n, _ in runs)) + ".\n\n"
        out += header("run", "created / failed", "container median ms (p99, last)", "bare crun median ms (runs, failed)",
                      "container / bare", "VM median ms (created)", "VM / container", "KiB/container")
        for n, r in runs:
            out += row(n[-1], f"{r['created']} / {r['failed']}", f"{num(r['median_ms'])} ({num(r['p99_ms'])}, {num(r['last_ms'])})",
                       f"{num(r['bare_runtime_median_ms'])} ({r['bare_runtime_runs']}, {r['bare_runtime_failed']})",
                       f"**{ratio(r['ratio_container_bare'])}**", f"{num(r['vm_median_ms'])} ({r['vm_created']})",
                       ratio(r["ratio_vm_container"]), num(r["mem_per_guest_kib"], 4))
        ratios = [r["ratio_container_bare"] for _, r in runs]
        out += (f"\nContainer / bare runtime, median of the runs: **{ratio(median(ratios))}** (target <= 1.2x: "
                f"{'met' if median(ratios) <= 1.2 else 'missed'}). The VM is the same storm's guest "
                f"(`idle`) on this machine's backend ({runs[0][1]['backend']}).\n\n")
    net, pool, nopool = s.result("container-net"), s.result("container-pool"), s.result("container-nopool")
    if net or pool or nopool:
        names = [n for n, r in (("container-net", net), ("container-pool", pool), ("container-nopool", nopool)) if r]
        out += s.command(*names) + "\n" + s.when(*names) + ".\n\n"
        out += header("storm", "created / failed", "median ms (p99, last)", "no-NIC median ms (same run)",
                      "NIC / no NIC", "container / bare", "KiB/container")
        for label, r in (("1,000 with NICs, pool of 8", net), ("200 with NICs, pool of 8", pool),
                         ("200 with NICs, no pool", nopool)):
            if r:
                out += row(label, f"{r['created']:,} / {r['failed']}",
                           f"{num(r['median_ms'])} ({num(r['p99_ms'])}, {num(r['last_ms'])})", num(r.get("no_nic_median_ms")),
                           f"**{ratio(r.get('ratio_nic_no_nic'))}**", ratio(r.get("ratio_container_bare")),
                           num(r["mem_per_guest_kib"], 4))
        out += "\nTarget: with the pool a NIC adds <= 1.3x to the median create.\n"
        out += s.plot("containers-1000-net.svg", "creation time of the n-th container, 1,000 with NICs")
    return out + ("\n" if out else "")


def section_api(s):
    t = s.text("api-tls")
    if t is None:
        return ""
    return "### The API over TCP: TLS 1.3 vs plain\n\n" + s.command("api-tls") + "\n" + s.when("api-tls") + \
        ". Its output:\n\n```\n" + t.strip() + "\n```\n\n"


def section_all(s):
    d = s.result("all")
    if not d:
        return ""
    out = "### Every benchmark at a quick size (`sf-bench all`)\n\n" + s.command("all") + "\n" + s.when("all") + \
        f". The document names commit {d['commit']} (see below), backend {d['machine']['backend']}.\n\n"
    out += header("benchmark", "command", "status", "seconds")
    for name, b in d["benchmarks"].items():
        status = "skipped: " + b["skipped"] if "skipped" in b else ("failed: " + b["error"] if b.get("error") else "ok")
        out += row(name, f"`{b.get('command', '')}`", status, num(b.get("seconds")))
    out += f"\n<details><summary>its {len(d['figures'])} figures</summary>\n\n"
    out += header("figure", "value", "better")
    for name, f in d["figures"].items():
        out += row(f"`{name}`", num(f["value"], 4), f["better"] or "")
    return out + "\n</details>\n\n"


def render(s):
    out = section_machine(s) + "\n"
    for part in (section_all, section_boot, section_storm, section_containers, section_store, section_net,
                 section_migrate, section_api):
        out += part(s)
    if s.missing:
        out += "Not in these tables: " + "; ".join(f"{n} ({why})" for n, why in s.missing) + ".\n"
    return out


def main(argv):
    if len(argv) not in (2, 4) or argv[1].startswith("-") or (len(argv) == 4 and argv[2] != "--update"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        s = Sitting(argv[1], os.path.dirname(os.path.abspath(argv[3])) if len(argv) == 4 else ".")
    except ValueError as e:
        print(f"tables.py: {e}", file=sys.stderr)
        return 1
    text = render(s)
    if len(argv) == 2:
        sys.stdout.write(text)
        return 0
    with open(argv[3], encoding="utf-8") as f:
        old = f.read()
    if BEGIN not in old or END not in old:
        print(f"tables.py: {argv[3]} has no {BEGIN} ... {END}", file=sys.stderr)
        return 1
    head, rest = old.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(argv[3], "w", encoding="utf-8") as f:
        f.write(head + BEGIN + "\n" + text + END + tail)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
