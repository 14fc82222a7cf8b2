#!/usr/bin/env python3
"""Writes the "Group messages" section of docs/benchmarks.md from hush_group_bench's results.

Usage: report_groups.py RESULTS_JSON OUTPUT_MD
The section sits between the markers below and replaces an earlier one; the rest of the document
belongs to the other report scripts. Every ratio compares figures from that one run.
"""

import argparse
import json
import os
import sys

# bench/report.py owns the document's markers and the machine lookups.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import GROUPS_BEGIN, GROUPS_END, cpu_model, git_revision, replace_section  # noqa: E402


def ratio(naive, ours):
    return f"{naive / ours:,.1f}x" if ours else "n/a"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("output_md")
    args = parser.parse_args()
    with open(args.results, encoding="utf-8") as f:
        results = json.load(f)
    lines = [GROUPS_BEGIN, "", "## Group messages", ""]
    lines.append(
        "One text to a group, sent as hush sends group messages — encrypted once with the sender's "
        "Sender Key, one `SendToMany` whose body hushd stores once with a reference per device — against "
        "the naive way it replaces: a pairwise Signal encryption per device, one `Send` per member, an "
        "envelope with its own ciphertext stored per device. Members have one device each and an "
        "established session with the sender. `bash scripts/groups` (bench/groups/group_bench.cpp, "
        f"release build) measured this, {results['repetitions']} repetitions, medians; "
        f"CPU {cpu_model()}, revision {git_revision()}. The machine is shared: times are rough, bytes exact.")
    lines.append("")
    lines.append("| members | client CPU naive → hush | wire bytes naive → hush | server commit naive → hush | "
                 "ciphertext stored naive → hush | rows stored naive → hush |")
    lines.append("|---|---|---|---|---|---|")
    for group in results["groups"]:
        cpu, wire, commit = group["client_ms"], group["wire_bytes"], group["server_commit_ms"]
        stored, rows, frames = group["server_ciphertext_bytes"], group["server_rows"], group["wire_frames"]
        lines.append(
            f"| {group['members']:,} "
            f"| {cpu['naive']:.2f} ms → {cpu['sender_keys']:.3f} ms ({ratio(cpu['naive'], cpu['sender_keys'])}) "
            f"| {wire['naive']:,} B in {frames['naive']:,} frames → {wire['sender_keys']:,} B in "
            f"{frames['sender_keys']:,} ({ratio(wire['naive'], wire['sender_keys'])}) "
            f"| {commit['naive']:.1f} ms → {commit['sender_keys']:.1f} ms ({ratio(commit['naive'], commit['sender_keys'])}) "
            f"| {stored['naive']:,} B → {stored['sender_keys']:,} B ({ratio(stored['naive'], stored['sender_keys'])}) "
            f"| {rows['naive']:,} → {rows['sender_keys']:,} |")
    lines.append("")
    lines.append(
        "Wire bytes are the padded frames (1, 4, 16 or 64 KiB) the client writes; each naive `Send` "
        "is its own padded frame. Server commit is one durable SQLite transaction (fsync) holding the "
        "whole message; ciphertext stored counts queued envelopes' bytes plus shared bodies; rows "
        "count envelopes plus bodies. Sender Keys also cost a one-time distribution per member "
        "device over the pairwise sessions (not counted: once per sender key, not per message).")
    lines.append("")
    lines.append(GROUPS_END)
    replace_section(args.output_md, GROUPS_BEGIN, GROUPS_END, "\n".join(lines))
    print(f"report_groups: wrote the group section of {args.output_md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
