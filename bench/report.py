#!/usr/bin/env python3
"""Writes docs/benchmarks.md from protocol_bench's JSON output (Google Benchmark, aggregates only).

Usage: report.py BENCH_JSON OUTPUT_MD [--compiler TEXT]
Reads the median of each benchmark's repetitions; the hush/lspc ratios compare medians from the
same run of the same binary. Owns the document's layout; the figures come only from the JSON.
"""

import argparse
import json
import os
import platform
import subprocess
import sys

# Scenario -> (title, what one item is, what is timed, target ratio hush/lspc,
#              lspc figure on the 2-core reference machine the targets were set on).
SCENARIOS = [
    ("BM_Establish", "Session establishment", "establishment",
     "The initiator processes a fresh prekey bundle (signature check, X3DH), encrypts a 200-byte "
     "first message (a PreKeySignalMessage), and the responder decrypts it (responder X3DH, first "
     "DH ratchet step: lspc also makes its next sending chain here, hush defers that to its first "
     "send, see the round trip below). The responders and their bundles are made before the timed "
     "loop, one per iteration; their cost is measured separately (BM_MakeBundle below).",
     5.0, 440),
    ("BM_Steady", "Steady messages, one direction", "message",
     "An established session in which both sides have sent once; then one side keeps sending "
     "200-byte SignalMessages and the other decrypts them: per message one chain-key step, "
     "AES-256-CBC and a MAC on each side, and a load and store of the session record on each side.",
     3.0, 43000),
    ("BM_PingPong", "Ping-pong", "message",
     "The two sides alternate, so every 200-byte message carries a new ratchet key and costs a full "
     "DH ratchet step (two X25519 agreements and one key generation: lspc does all of it on receipt, "
     "hush splits it between receipt and its next send) besides the symmetric work of a steady "
     "message.",
     4.0, 2000),
]

# Markers of the sections scripts/load and scripts/transfer write into the same document.
LOAD_BEGIN = "<!-- load:begin -->"
LOAD_END = "<!-- load:end -->"
TRANSFER_BEGIN = "<!-- transfer:begin -->"
TRANSFER_END = "<!-- transfer:end -->"
SCALE_BEGIN = "<!-- scale:begin -->"
SCALE_END = "<!-- scale:end -->"
GROUPS_BEGIN = "<!-- groups:begin -->"
GROUPS_END = "<!-- groups:end -->"

CONTEXT = [
    ("BM_EstablishRoundTrip", "Establishment round trip: BM_Establish plus the responder's reply, decrypted"),
    ("BM_MakeBundle", "Make a bundle (one-time prekey generated and stored)"),
]

MICRO = [
    ("BM_X25519Agree", "X25519 agreement"),
    ("BM_KeyGeneration", "Curve25519 key pair generation"),
    ("BM_Sign", "Curve25519 (XEdDSA-style) signature, 33-byte message"),
    ("BM_Verify", "Curve25519 signature verification, 33-byte message"),
    ("BM_HmacSha256_32B", "HMAC-SHA256 of 32 bytes, one-shot"),
    ("BM_ChainKeyStep", "Chain-key step (message keys + next chain key)"),
    ("BM_Aes256CbcEncrypt_200B", "AES-256-CBC encrypt, 200 bytes -> 208"),
    ("BM_Aes256CbcDecrypt_208B", "AES-256-CBC decrypt, 208 bytes"),
]


def load_aggregates(path):
    """{run_name: {aggregate_name: entry}} for every aggregate entry of the JSON file."""
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    results = {}
    for entry in data.get("benchmarks", []):
        if entry.get("run_type") != "aggregate":
            continue
        results.setdefault(entry["run_name"], {})[entry["aggregate_name"]] = entry
    return data.get("context", {}), results


def median_rate(results, name):
    """Median items/s of `name`, or None when the benchmark did not run or was skipped."""
    entry = results.get(name, {}).get("median")
    if not entry or entry.get("error_occurred"):
        return None
    return entry.get("items_per_second")


def cv_percent(results, name):
    """Coefficient of variation of the repetitions' CPU times, in percent (None if unavailable)."""
    entry = results.get(name, {}).get("cv")
    if not entry:
        return None
    return 100.0 * entry.get("cpu_time", 0.0)


def rate(value):
    if value is None:
        return "n/a"
    if value >= 1e6:
        return f"{value / 1e6:,.2f} M/s"
    if value >= 1e4:
        return f"{value:,.0f}/s"
    return f"{value:,.1f}/s"


def per_item(value):
    if not value:
        return "n/a"
    seconds = 1.0 / value
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    if seconds >= 1e-6:
        return f"{seconds * 1e6:.1f} µs"
    return f"{seconds * 1e9:.0f} ns"


def spread(value):
    return "n/a" if value is None else f"{value:.1f} %"


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_version(name):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True,
                             check=False)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def replace_section(path, begin_marker, end_marker, section):
    """Writes `section` (which starts and ends with the markers) into the document at `path` in
    place of the text between the markers, or appends it when they are absent."""
    document = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            document = f.read()
    begin, end = document.find(begin_marker), document.find(end_marker)
    if begin != -1 and end != -1:
        document = document[:begin] + section + document[end + len(end_marker):]
    else:
        document = document.rstrip("\n") + "\n\n" + section + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(document)


def git_revision():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=False).stdout.strip()
        if not head:
            return "unknown"
        return head + (" with uncommitted changes" if dirty else "")
    except OSError:
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bench_json")
    parser.add_argument("output_md")
    parser.add_argument("--compiler", default="unknown")
    args = parser.parse_args()

    context, results = load_aggregates(args.bench_json)
    repetitions = max((e.get("repetitions", 0) for r in results.values() for e in r.values()), default=0)

    lines = []
    out = lines.append
    out("# Benchmarks")
    out("")
    out("Generated by `bash scripts/bench` (bench/report.py); do not edit by hand. Benchmarks are not")
    out("tests: nothing here is asserted, and no test depends on these figures.")
    out("")
    out("## Run")
    out("")
    out(f"- Date: {context.get('date', 'unknown')}")
    out(f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, "
        f"{context.get('mhz_per_cpu', '?')} MHz; load average at start "
        f"{', '.join(f'{x:.2f}' for x in context.get('load_avg', [])) or 'unknown'}")
    out(f"- Compiler: {args.compiler}, CMake preset `release` (-O3, Release)")
    out(f"- Libraries: libsodium {package_version('libsodium23')}, OpenSSL {package_version('libssl3')}, "
        f"libsignal-protocol-c {package_version('libsignal-protocol-c-dev')}, "
        f"Google Benchmark {package_version('libbenchmark-dev')}")
    out(f"- Source: {git_revision()}")
    out(f"- Method: one binary, `protocol_bench`, runs hush and libsignal-protocol-c (lspc) one after the "
        f"other on the same steps and the same 200-byte plaintext; {repetitions} repetitions of each "
        "benchmark; the figure is the **median** of the repetitions, in items per second of CPU time "
        "(single-threaded). **Every ratio hush/lspc compares medians from the same run**, so machine "
        "speed cancels out; absolute figures do not transfer between machines. Nothing is pinned: "
        "the machine is shared, which the repetitions and the spread column (coefficient of "
        "variation of the repetitions) make visible.")
    out("- Both sides keep their stores in memory: hush's `InMemoryProtocolStore` (copies records), "
        "lspc's stores in tests/support/lspc_peer.cpp (serialized records) with an OpenSSL crypto "
        "provider that reuses its HMAC and cipher contexts.")
    if context.get("library_build_type") == "debug":
        out("- Debian's libbenchmark reports itself as a debug build; that affects only the harness's "
            "own loop (nanoseconds per iteration), not the code measured.")
    out("")

    out("## Summary")
    out("")
    out("| scenario | hush | lspc | hush/lspc | target | met |")
    out("|---|---:|---:|---:|---:|---|")
    summary_rows = []
    for key, title, _, _, target, _ in SCENARIOS:
        hush, lspc = median_rate(results, f"{key}/hush"), median_rate(results, f"{key}/lspc")
        ratio = hush / lspc if hush and lspc else None
        met = "n/a" if ratio is None else ("yes" if ratio >= target else "**no**")
        summary_rows.append((title, ratio, target, met))
        out(f"| {title} | {rate(hush)} | {rate(lspc)} | "
            f"{'n/a' if ratio is None else f'{ratio:.2f}x'} | ≥ {target:g}x | {met} |")
    out("")

    for key, title, item, description, target, reference in SCENARIOS:
        hush, lspc = median_rate(results, f"{key}/hush"), median_rate(results, f"{key}/lspc")
        ratio = hush / lspc if hush and lspc else None
        out(f"## {title} (`{key}`)")
        out("")
        out(description)
        out("")
        out(f"| implementation | median {item}s/s | time per {item} | spread |")
        out("|---|---:|---:|---:|")
        out(f"| hush | {rate(hush)} | {per_item(hush)} | {spread(cv_percent(results, f'{key}/hush'))} |")
        out(f"| lspc 2.3.3 | {rate(lspc)} | {per_item(lspc)} | {spread(cv_percent(results, f'{key}/lspc'))} |")
        out("")
        if ratio is None:
            out(f"Ratio hush/lspc: n/a (a benchmark did not run). Target: ≥ {target:g}x.")
        else:
            verdict = "met" if ratio >= target else "not met"
            out(f"Ratio hush/lspc (same run): **{ratio:.2f}x**; target ≥ {target:g}x: **{verdict}**. "
                f"(On the 2-core machine the targets were set on, lspc ran about {reference:,} {item}s/s.)")
        out("")

    out("## Context: round trip and bundle preparation")
    out("")
    out("No targets. The round trip runs until both sides have completed a DH ratchet step, so it does "
        "not depend on when each library makes the responder's next ratchet key: lspc makes it (one key "
        "generation and one X25519 agreement) while decrypting the first message, hush defers it to the "
        "responder's first send (`SessionState::sending_ratchet_pending`), which moves that work out of "
        "`BM_Establish`'s timed region for hush only. Making a bundle is not part of any timed "
        "establishment (the responders' bundles are prepared beforehand).")
    out("")
    out("| operation | hush | lspc | hush/lspc |")
    out("|---|---:|---:|---:|")
    for key, title in CONTEXT:
        hush, lspc = median_rate(results, f"{key}/hush"), median_rate(results, f"{key}/lspc")
        ratio = f"{hush / lspc:.2f}x" if hush and lspc else "n/a"
        out(f"| {title} | {rate(hush)} ({per_item(hush)}) | {rate(lspc)} ({per_item(lspc)}) | {ratio} |")
    out("")

    out("## Primitives (hush; lspc's curve operations for comparison)")
    out("")
    out("hush's primitives are libsodium (Curve25519) and OpenSSL 3 (SHA-256, HMAC-SHA256, AES-256-CBC). lspc's curve "
        "operations are its bundled curve25519-donna and curve_sigs code, called through LspcParty's "
        "static helpers (which also decode the keys from bytes and copy the result out).")
    out("")
    out("| operation | hush | time per op | lspc | hush/lspc |")
    out("|---|---:|---:|---:|---:|")
    for key, title in MICRO:
        hush, lspc = median_rate(results, f"{key}/hush"), median_rate(results, f"{key}/lspc")
        ratio = f"{hush / lspc:.2f}x" if hush and lspc else "—"
        lspc_text = rate(lspc) if lspc else "—"
        out(f"| {title} | {rate(hush)} | {per_item(hush)} | {lspc_text} | {ratio} |")
    out("")

    out("## Reproduce")
    out("")
    out("```sh")
    out("bash scripts/bench")
    out("```")
    out("")
    out("It installs missing packages (scripts/setup), builds `protocol_bench` with the `release` "
        "preset, runs it with 5 repetitions into build/release/bench.json, and rewrites this file. "
        "To run a subset by hand: `build/release/bench/protocol_bench --benchmark_filter=PingPong`.")
    out("")

    # The end-to-end load, file-transfer, scale-out and group sections belong to
    # bench/load/report_load.py (scripts/load), bench/transfer/report_transfer.py (scripts/transfer),
    # bench/load/report_scale.py (scripts/scale) and bench/groups/report_groups.py (scripts/groups):
    # kept as they are.
    kept = ""
    if os.path.exists(args.output_md):
        with open(args.output_md, encoding="utf-8") as f:
            previous = f.read()
        for begin_marker, end_marker in ((LOAD_BEGIN, LOAD_END), (TRANSFER_BEGIN, TRANSFER_END),
                                         (SCALE_BEGIN, SCALE_END), (GROUPS_BEGIN, GROUPS_END)):
            begin, end = previous.find(begin_marker), previous.find(end_marker)
            if begin != -1 and end != -1:
                kept += "\n" + previous[begin:end + len(end_marker)] + "\n"
    with open(args.output_md, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + kept)
    for title, ratio, target, met in summary_rows:
        shown = "n/a" if ratio is None else f"{ratio:.2f}x"
        print(f"{title}: hush/lspc {shown} (target {target:g}x: {met.strip('*')})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
