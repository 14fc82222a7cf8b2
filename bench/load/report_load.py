#!/usr/bin/env python3
"""Writes the "End-to-end load" section of docs/benchmarks.md from hush_load's JSON results.

Usage: report_load.py RESULTS_DIR OUTPUT_MD
RESULTS_DIR holds what scripts/load wrote: {hushd,mqtt,xmpp}-closed-{1..N}.json (closed loop,
the most each server delivers), {hushd,mqtt,xmpp}-half.json (open loop at half of that server's
median) and hushd-idle.json (idle connections). The section sits between the markers below and
replaces an earlier one; the rest of the document belongs to bench/report.py.
"""

import argparse
import glob
import json
import os
import statistics
import sys

# bench/report.py owns the document's markers and the version lookup.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import LOAD_BEGIN, LOAD_END, package_version, replace_section  # noqa: E402

SERVERS = [
    ("hushd", "hushd", "TLS 1.3 WebSocket, api.proto frames padded to 1 KiB, every envelope in SQLite "
     "(WAL, synchronous=FULL) before the sender's OK, deleted on the recipient's Acknowledge"),
    ("mqtt", "Mosquitto", "MQTT 3.1.1 over plain TCP, QoS 1 both ways (PUBACK), persistent sessions, "
     "persistence on (snapshots to disk at autosave and exit, not per message)"),
    ("xmpp", "Prosody", "XMPP c2s over plain TCP, `<message type='chat'>` with a base64 body, "
     "internal storage (nothing written for an online recipient)"),
]

# Targets of issue 3.
TARGET_RATIO = 1.5
TARGET_P99_MS = 20.0
TARGET_RSS_KIB = 20.0


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("output_md")
    args = parser.parse_args()

    closed = {}
    half = {}
    for key, _, _ in SERVERS:
        runs = [load(p) for p in sorted(glob.glob(os.path.join(args.results, f"{key}-closed-*.json")))]
        if runs:
            closed[key] = runs
        path = os.path.join(args.results, f"{key}-half.json")
        if os.path.exists(path):
            half[key] = load(path)
    idle_path = os.path.join(args.results, "hushd-idle.json")
    idle = load(idle_path) if os.path.exists(idle_path) else None
    limits_path = os.path.join(args.results, "limits.json")
    limits = load(limits_path) if os.path.exists(limits_path) else {}

    def median(key, field):
        return statistics.median(run[field] for run in closed[key]) if key in closed else None

    lines = [LOAD_BEGIN, "", "## End-to-end load: hushd against Mosquitto and Prosody", ""]
    out = lines.append
    sample = next(iter(closed.values()))[0] if closed else {}
    out(f"Measured by `bash scripts/load` in one run: the same generator (bench/load, "
        f"{sample.get('generator_threads', '?')} threads, on the same 2-core machine as the server) "
        f"drives {sample.get('devices', '?')} device connections, each exchanging "
        f"{sample.get('payload_bytes', '?')}-byte payloads with a partner device. A message counts when "
        "the recipient device has it (end to end: sender → server → recipient); latency is from the "
        "sender's send call to the recipient's receipt. Closed loop: every device keeps "
        f"{sample.get('window', '?')} messages in flight, each receipt triggers the next message back; "
        f"{sample.get('window_seconds', 0):.0f} s measured after a warm-up, each server restarted on "
        f"an empty data folder for each of {len(next(iter(closed.values()))) if closed else 0} runs "
        "(medians shown). Server CPU is the server process's user+system time over the window (200 % = "
        "both cores); RSS at the end of the window.")
    out("")
    out("| server | protocol and durability | messages/s (median) | runs | p50 | p99 | p999 | server CPU | server RSS |")
    out("|---|---|---:|---|---:|---:|---:|---:|---:|")
    for key, name, what in SERVERS:
        if key not in closed:
            out(f"| {name} | {what} | not run | | | | | | |")
            continue
        runs = ", ".join(f"{run['throughput']:,.0f}" for run in closed[key])
        out(f"| {name} | {what} | **{median(key, 'throughput'):,.0f}** | {runs} | "
            f"{median(key, 'p50_ms'):.1f} ms | {median(key, 'p99_ms'):.1f} ms | {median(key, 'p999_ms'):.1f} ms | "
            f"{median(key, 'server_cpu_percent'):.0f} % | {median(key, 'server_rss_kib') / 1024:.0f} MiB |")
    out("")
    out("Latency in a closed loop is mostly queueing (every device keeps its window full); the figures "
        "that matter for latency come from the open loop below.")
    out("")
    out("### Latency at half load (open loop)")
    out("")
    out("Each server offered half of its own median throughput from the table above, paced every "
        "millisecond, for the same window.")
    out("")
    out("| server | offered msg/s | delivered msg/s | p50 | p99 | p999 | max | server CPU |")
    out("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key, name, _ in SERVERS:
        if key not in half:
            continue
        run = half[key]
        out(f"| {name} | {run['offered_rate']:,.0f} | {run['throughput']:,.0f} | {run['p50_ms']:.2f} ms | "
            f"{run['p99_ms']:.2f} ms | {run['p999_ms']:.2f} ms | {run['max_ms']:.1f} ms | "
            f"{run['server_cpu_percent']:.0f} % |")
    out("")

    out("### Targets (issue 3)")
    out("")
    out("| target | measured | met |")
    out("|---|---:|---|")
    if "hushd" in closed and "mqtt" in closed:
        ratio = median("hushd", "throughput") / median("mqtt", "throughput")
        out(f"| hushd throughput ≥ {TARGET_RATIO}x Mosquitto's, same run | {ratio:.2f}x | "
            f"{'yes' if ratio >= TARGET_RATIO else '**no**'} |")
    if "xmpp" in closed and "hushd" in closed:
        ratio = median("hushd", "throughput") / median("xmpp", "throughput")
        out(f"| (context) hushd / Prosody | {ratio:.2f}x | — |")
    if "hushd" in half:
        p99 = half["hushd"]["p99_ms"]
        out(f"| hushd p99 < {TARGET_P99_MS:g} ms at half its throughput | {p99:.2f} ms | "
            f"{'yes' if p99 < TARGET_P99_MS else '**no**'} |")
    if idle:
        per = idle["server_rss_per_connection_kib"]
        out(f"| {idle['devices']:,} idle authenticated connections, server RSS per connection < "
            f"{TARGET_RSS_KIB:g} KiB | {per:.1f} KiB | {'yes' if per < TARGET_RSS_KIB else '**no**'} |")
    out("")
    if idle:
        out("### Idle connections")
        out("")
        out(f"`hush_load --idle` registered {idle['devices']:,} accounts, each on its own TLS WebSocket "
            f"that stays logged in, in {idle['login_seconds']:.1f} s; hushd's RSS went from "
            f"{idle['server_rss_before_kib'] / 1024:.1f} MiB before the first connection to "
            f"{idle['server_rss_connected_kib'] / 1024:.1f} MiB with all of them open: "
            f"{idle['server_rss_per_connection_kib']:.1f} KiB per connection (TLS session, WebSocket "
            "stream, session state, registry entries and the allocator's share).")
        requested = int(limits.get("idle_requested", idle["devices"]))
        if idle["devices"] < requested:
            out("")
            out(f"Fewer than the {requested:,} asked for: this machine's hard limit on open files is "
                f"{limits.get('fd_hard_limit')} per process and raising it needs CAP_SYS_RESOURCE, which "
                "the sandbox does not grant; server and generator each need one descriptor per "
                "connection, so scripts/load held as many as the limit allows less a margin for the "
                "server's own files.")
        out("")
    out(f"Versions: mosquitto {package_version('mosquitto')}, prosody {package_version('prosody')}, "
        f"OpenSSL {package_version('libssl3')}, SQLite {package_version('libsqlite3-0')}.")
    out("")
    out("Reproduce: `bash scripts/load` (about 5 minutes; `LOAD_REPEATS=1 LOAD_IDLE=2000 bash scripts/load` "
        "for a quick look). Raw results: build/release/load/*.json.")
    out("")
    out(LOAD_END)
    section = "\n".join(lines)

    replace_section(args.output_md, LOAD_BEGIN, LOAD_END, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
