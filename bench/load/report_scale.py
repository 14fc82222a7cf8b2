#!/usr/bin/env python3
"""Writes the "Scale-out" section of docs/benchmarks.md from hush_load's JSON results.

Usage: report_scale.py RESULTS_DIR OUTPUT_MD
RESULTS_DIR holds what scripts/scale wrote: {sqlite-1,postgres-1,postgres-2}-{1..N}.json, closed-loop
runs of the same generator against one hushd on SQLite, one on PostgreSQL and two sharing
PostgreSQL. The section sits between its markers and replaces an earlier one.
"""

import argparse
import glob
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import SCALE_BEGIN, SCALE_END, package_version, replace_section  # noqa: E402

DEPLOYMENTS = [
    ("sqlite-1", "1 node, SQLite", "the embedded default: WAL, synchronous=FULL, in the hushd process"),
    ("postgres-1", "1 node, PostgreSQL", "one hushd, the same PostgreSQL cluster on this machine (fsync on)"),
    ("postgres-2", "2 nodes, PostgreSQL", "two hushd processes on one PostgreSQL; every message crosses "
     "nodes (sender on one, recipient on the other: stored by one, pushed by the other on its wake)"),
]


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("output_md")
    args = parser.parse_args()

    runs = {}
    for key, _, _ in DEPLOYMENTS:
        found = [load(p) for p in sorted(glob.glob(os.path.join(args.results, f"{key}-*.json")))]
        if found:
            runs[key] = found
    if not runs:
        print("report_scale: no results in " + args.results, file=sys.stderr)
        return 1

    def median(key, field):
        return statistics.median(run[field] for run in runs[key])

    first = next(iter(runs.values()))[0]
    repeats = max(len(found) for found in runs.values())
    lines = [SCALE_BEGIN, "", "## Scale-out: hushd nodes on PostgreSQL", ""]
    out = lines.append
    out(f"`bash scripts/scale`: the load generator of the section above (bench/load, closed loop, "
        f"{first['devices']} devices, {first['payload_bytes']}-byte payloads, {first.get('window', 4)} in flight "
        f"per device, each message durable before its sender's OK and deleted on the recipient's "
        f"Acknowledge) against three deployments, all in one run on this 2-core machine, each started "
        f"fresh for each of {repeats} runs; medians. PostgreSQL "
        f"{package_version('postgresql-15')}, a throwaway cluster with fsync on, shares the two cores "
        f"with hushd and the generator.")
    out("")
    out("| deployment | what | messages/s (median) | runs | p50 | p99 | hushd CPU (all nodes) | hushd RSS (all nodes) |")
    out("|---|---|---|---|---|---|---|---|")
    for key, title, what in DEPLOYMENTS:
        if key not in runs:
            continue
        out(f"| {title} | {what} | {median(key, 'throughput'):,.0f} | {len(runs[key])} | "
            f"{median(key, 'p50_ms'):.2f} ms | {median(key, 'p99_ms'):.2f} ms | "
            f"{median(key, 'server_cpu_percent'):.0f} % | {median(key, 'server_rss_kib') / 1024:.0f} MiB |")
    out("")
    if "sqlite-1" in runs and "postgres-1" in runs:
        ratio = median("postgres-1", "throughput") / median("sqlite-1", "throughput")
        out(f"- One node on PostgreSQL delivers {ratio:.2f}x the messages per second of one node on SQLite: "
            f"every commit is a network round trip to another process that shares the same two cores, "
            f"where SQLite's is a function call and an fdatasync.")
    if "postgres-1" in runs and "postgres-2" in runs:
        ratio = median("postgres-2", "throughput") / median("postgres-1", "throughput")
        out(f"- Two nodes deliver {ratio:.2f}x one node's rate on the same PostgreSQL, with every message "
            f"crossing nodes (a NOTIFY per commit, a storage read per push). On this machine the nodes, "
            f"PostgreSQL and the generator share two cores, so a second node brings no CPU of its own: the "
            f"ratio shows what cross-node delivery costs, not what a second machine would add.")
    out("- hushd CPU counts the hushd processes only; PostgreSQL's own processes are not sampled.")
    out("")
    out(SCALE_END)
    replace_section(args.output_md, SCALE_BEGIN, SCALE_END, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
