#!/usr/bin/env python3
"""Writes the "File transfer" section of docs/benchmarks.md from hush_transfer_bench's results.

Usage: report_transfer.py RESULTS_DIR OUTPUT_MD
RESULTS_DIR holds what scripts/transfer wrote: tls-{1..N}.json and hush-{1..N}.json (one run each,
alternating, in the same invocation) and run.json (file size, load averages, kernel, duration).
Every ratio compares medians from that one invocation. The section sits between the markers below
and replaces an earlier one; the rest of the document belongs to bench/report.py and
bench/load/report_load.py.
"""

import argparse
import glob
import json
import math
import os
import re
import statistics
import sys

# bench/report.py owns the document's markers and the machine lookups.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from report import (  # noqa: E402
    TRANSFER_BEGIN, TRANSFER_END, cpu_model, git_revision, package_version, replace_section)

MIB = 1024 * 1024
# wire::kMediaChunkSize: the bytes of one AppendChunk or MediaChunk.
CHUNK_BYTES = 15 * 1024


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def runs(results, mode):
    paths = sorted(glob.glob(os.path.join(results, f"{mode}-*.json")),
                   key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))
    return [load(p) for p in paths]


def median(values):
    values = list(values)
    return statistics.median(values) if values else float("nan")


def mib(kib):
    return kib / 1024


def size_text(size):
    if size >= 1 << 30 and size % (1 << 30) == 0:
        return f"{size >> 30} GiB"
    return f"{size / MIB:,.0f} MiB"


def marks_text(marks, before):
    """'+6.9 / +6.9 / +6.9' for the 10/50/90 % readings, in MiB above `before`."""
    by_percent = {m["percent"]: m["rss_kib"] for m in marks}
    return " / ".join(f"{mib(by_percent[p] - before):+.1f}" if p in by_percent else "n/a" for p in (10, 50, 90))


def request_counts(path):
    """{(type, status): count} from a saved hushd /metrics page (empty when there is none)."""
    counts = {}
    if not os.path.exists(path):
        return counts
    pattern = re.compile(r'^hushd_requests_total\{type="([a-z_]+)",status="([a-z_]+)"\} ([0-9]+)')
    with open(path, encoding="utf-8") as f:
        for line in f:
            match = pattern.match(line)
            if match:
                counts[(match.group(1), match.group(2))] = int(match.group(3))
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("output_md")
    args = parser.parse_args()

    tls = runs(args.results, "tls")
    hush = runs(args.results, "hush")
    meta_path = os.path.join(args.results, "run.json")
    meta = load(meta_path) if os.path.exists(meta_path) else {}
    size = meta.get("bytes") or (hush or tls or [{}])[0].get("bytes", 0)

    tls_mb_s = median(r["mb_s"] for r in tls)
    send_mb_s = median(r["send_mb_s"] for r in hush)
    receive_mb_s = median(r["receive_mb_s"] for r in hush)
    total_mb_s = median(r["total_mb_s"] for r in hush)

    def part(phase, name, field="seconds"):
        return median(r[phase][name][field] for r in hush)

    lines = [TRANSFER_BEGIN, "", "## File transfer: hush against a plain TLS copy", ""]
    out = lines.append
    out(f"Measured by `bash scripts/transfer` on {meta.get('nproc', os.cpu_count())} CPUs (nproc), "
        f"{cpu_model()}, Linux {meta.get('kernel', '?')}; load average {meta.get('load_at_start', '?')} at the "
        f"start and {meta.get('load_at_end', '?')} at the end (the machine is shared: nothing is pinned, hence "
        f"the medians). {meta.get('compiler', 'g++')}, CMake preset `release`; OpenSSL "
        f"{package_version('libssl3')}, SQLite {package_version('libsqlite3-0')}. Source: {git_revision()}. "
        f"The whole script took {meta.get('seconds', 0) / 60:.1f} minutes (with `scripts/setup` and an "
        "incremental build that had next to nothing to do).")
    out("")
    out(f"One file of **{size_text(size)}** ({size:,} bytes from /dev/urandom) in a temporary folder on the "
        f"same file system as hushd's data and the clients' homes. {len(tls)} runs of each mode, alternating "
        "(TLS copy, then hush, then TLS again...), hushd restarted on an empty data folder for every hush run; "
        "MB/s are 10^6 bytes of the file per second of wall time, the figure is the median of the runs.")
    out("")
    out("- **TLS copy** (`--mode tls`): OpenSSL, TLS 1.3 "
        f"(`{tls[0]['cipher'] if tls else '?'}`), one connection on 127.0.0.1, both ends threads of one process: "
        "the sender reads the file in 64 KiB pieces and writes them to the connection, the receiver writes what "
        "it reads to a new file; timed from the sender's connect() until the receiver has fsync'd and closed "
        "the copy.")
    out("- **hush** (`--mode hush`): a real hushd (SQLite storage) on 127.0.0.1 and two freshly registered "
        "accounts whose clients are both in the bench process (the sender and the receiver run one after "
        "the other, never at once; one RSS covers both). *Send* is `Messenger::send_file` from call to "
        "return (the server holds the message); the receiver is offline meanwhile and logs in afterwards "
        "(not timed). *Receive* is reading the file's envelope (stored and acknowledged, as `receive()` does) "
        "plus `Messenger::receive` with `download_attachments` (download, digest and MAC check, decryption "
        "into HOME/attachments), called with a 1 ms idle wait so that no idle wait is timed. *End to end* is "
        "their sum. The stores use the lowest Argon2id cost (`kMinKdfOperations`, `kMinKdfMemory`): it "
        "only affects unlocking, which is not timed.")
    out("- Both check the copy's SHA-256 against the source's after the timed part; a mismatch stops the "
        "script. hushd ran with its defaults except `storage.max_upload_size` (2 GiB instead of 100 MiB) and "
        "`storage.media_quota_per_account` (4 GiB instead of 1 GiB), which would refuse the file; its rate "
        "limits are the defaults (`limits.media_chunks_per_second` "
        f"{meta.get('media_chunks_per_second') or '?'} per connection).")
    out("")
    out("| path | median MB/s | runs (MB/s) | median seconds | hush / TLS |")
    out("|---|---:|---|---:|---:|")

    def row(name, values, key_seconds, median_mb_s, ratio):
        text = ", ".join(f"{v:,.1f}" for v in values)
        seconds = median(key_seconds)
        out(f"| {name} | **{median_mb_s:,.1f}** | {text} | {seconds:.2f} s | {ratio} |")

    row("TLS 1.3 copy", [r["mb_s"] for r in tls], [r["seconds"] for r in tls], tls_mb_s, "1")
    for label, key, secs, value in [("hush send (encrypt + upload + message)", "send_mb_s", "send_seconds", send_mb_s),
                                    ("hush receive (download + verify + decrypt)", "receive_mb_s",
                                     "receive_seconds", receive_mb_s),
                                    ("hush end to end (send + receive)", "total_mb_s", "total_seconds",
                                     total_mb_s)]:
        ratio = f"**{value / tls_mb_s:.3f}** ({tls_mb_s / value:.1f}x slower)" if tls and value else "n/a"
        row(label, [r[key] for r in hush], [r[secs] for r in hush], value, ratio)
    out("")

    out("### Memory")
    out("")
    out("VmRSS of the bench process, sampled every 50 ms by a thread of its own and read again from the "
        "progress callbacks when the transfer passes 10, 50 and 90 % of its bytes (blob bytes acknowledged "
        "by the server while sending, written to the staging file while receiving; bytes written to the "
        "copy for TLS). MiB above the RSS read just before the copy (TLS) or the send (hush, for both "
        "phases: the accounts are registered and logged in by then); VmHWM is the process's lifetime "
        "peak.")
    out("")
    out("| run | phase | RSS before | at 10 / 50 / 90 % (MiB above before) | peak above before | VmHWM |")
    out("|---|---|---:|---|---:|---:|")
    for i, r in enumerate(tls, 1):
        m = r["rss_kib"]
        out(f"| TLS {i} | copy | {mib(m['before']):.1f} MiB | {marks_text(m['marks'], m['before'])} | "
            f"{mib(m['peak'] - m['before']):+.1f} MiB | {mib(m['hwm']):.1f} MiB |")
    for i, r in enumerate(hush, 1):
        m = r["rss_kib"]
        out(f"| hush {i} | send | {mib(m['before']):.1f} MiB | {marks_text(m['send_marks'], m['before'])} | "
            f"{mib(m['send_peak'] - m['before']):+.1f} MiB | {mib(m['hwm']):.1f} MiB |")
        out(f"| hush {i} | receive | | {marks_text(m['receive_marks'], m['before'])} | "
            f"{mib(m['receive_peak'] - m['before']):+.1f} MiB | |")
    if hush:
        send_peak = median(mib(r["rss_kib"]["send_peak"] - r["rss_kib"]["before"]) for r in hush)
        receive_peak = median(mib(r["rss_kib"]["receive_peak"] - r["rss_kib"]["before"]) for r in hush)
        worst = max(mib(max(r["rss_kib"]["send_peak"], r["rss_kib"]["receive_peak"]) - r["rss_kib"]["before"])
                    for r in hush)
        out("")
        out(f"Median peak above the baseline: **{send_peak:.1f} MiB while sending, {receive_peak:.1f} MiB while "
            f"receiving** ({worst:.1f} MiB at most in any run) for a {size_text(size)} file, and the same figure "
            "at 10, 50 and 90 %: the clients' memory is flat, it does not grow with the bytes moved. The "
            "client encrypts and decrypts in 64 KiB pieces (`kAttachmentChunkSize`), reads and writes the "
            "staging files one 15 KiB chunk at a time and keeps at most 32 chunks in flight "
            "(messenger/src/transfer.cpp); the step above the baseline is already there at 10 % and does "
            "not move after it.")
    server = [r["server_rss_kib"] for r in hush if "server_rss_kib" in r]
    if server:
        send_peak = median(mib(s["send_peak"] - s["before"]) for s in server)
        receive_peak = median(mib(s["receive_peak"] - s["before"]) for s in server)
        before = median(mib(s["before"]) for s in server)
        out("")
        upload_peak = median(mib(s.get("upload_peak", s["send_peak"]) - s["before"]) for s in server)
        out(f"hushd (sampled the same way, a separate process): {before:.0f} MiB before the send; peak "
            f"{upload_peak:,.0f} MiB above that until the last chunk was stored, **{send_peak:,.0f} MiB above it "
            f"over the whole send** (FinishUpload included) and {receive_peak:,.0f} MiB while receiving "
            "(medians).")
        if (send_peak - upload_peak) * MIB > 0.5 * size:
            out("The jump at the end of the send is about the size of the blob: `FinishUpload` "
                "(libs/storage/sqlite/src/sqlite_media.cpp, `Media::finish`) reserves `declared_size` bytes "
                "and reads every chunk of the upload into that one buffer to check its SHA-256, so hushd holds "
                "the whole blob in memory for a moment. The clients' memory is flat; the server's is not, and "
                "it grows with the file.")
    out("")

    if hush:
        blob = hush[0].get("blob_bytes", size)
        chunks = math.ceil(blob / CHUNK_BYTES)
        upload = part("send_parts", "upload")
        download = part("receive_parts", "download")
        out("### Where the time goes (hush)")
        out("")
        out("Each phase split at the progress callbacks' first call and at the call that reports all bytes "
            "done; wall time and CPU seconds (user + system, from /proc) of the bench process (the clients) and "
            "of hushd in each part, medians of the runs.")
        out("")
        out("| phase | part | wall | client CPU | hushd CPU | what happens |")
        out("|---|---|---:|---:|---:|---|")
        rows = [
            ("send", "send_parts", "encrypt",
             "file facts (content type), the whole file encrypted to HOME/staging (AES-256-CBC, HMAC-SHA256, "
             "SHA-256 of plaintext and blob, fsync), outbox commit, CreateUpload, the first chunk acknowledged"),
            ("send", "send_parts", "upload",
             f"{chunks:,} AppendChunk requests of 15 KiB, 32 in flight; the server stores each in its own "
             "SQLite transaction (WAL, synchronous=FULL: one fdatasync per chunk)"),
            ("send", "send_parts", "finish",
             "FinishUpload (the server reads back the whole blob and hashes it), then the message: session "
             "from the receiver's bundle, encryption, Send"),
            ("receive", "receive_parts", "envelope", "the envelope read, decrypted, stored and acknowledged"),
            ("receive", "receive_parts", "download",
             f"the delivery receipt, then {chunks:,} ReadMedia requests, 32 in flight, appended to "
             "HOME/staging"),
            ("receive", "receive_parts", "verify_decrypt",
             "pass one over the blob: size, SHA-256 digest, HMAC; pass two: HMAC again, AES-256-CBC "
             "decryption, padding check, plaintext SHA-256, written to a temporary file, fsync, rename"),
        ]
        for phase, key, name, what in rows:
            out(f"| {phase} | {name.replace('_', ' + ')} | {part(key, name):.2f} s | "
                f"{part(key, name, 'client_cpu_seconds'):.2f} s | {part(key, name, 'server_cpu_seconds'):.2f} s | "
                f"{what} |")
        out("")
        encrypt = part("send_parts", "encrypt")
        verify = part("receive_parts", "verify_decrypt")
        send = median(r["send_seconds"] for r in hush)
        out(f"The upload is {100 * upload / send:.0f} % of the send: {chunks / upload:,.0f} chunks per second, "
            f"{1e6 * upload / chunks:.0f} µs per 15 KiB chunk, while hushd used "
            f"{part('send_parts', 'upload', 'server_cpu_seconds'):.1f} CPU seconds of those "
            f"{upload:.1f} s and the client {part('send_parts', 'upload', 'client_cpu_seconds'):.1f}: the rate "
            "is set by the server committing the chunks one after the other (AppendChunk is a blocking "
            "request: a connection reads its next request only once the previous one is answered, so the "
            "32-chunk window hides the network round trip, not the commit) with one fdatasync each, not by "
            "the cryptography. Encrypting the whole file to the staging blob took "
            f"{encrypt:.1f} s ({size / 1e6 / encrypt:,.0f} MB/s), the two receiving passes {verify:.1f} s "
            f"({size / 1e6 / verify:,.0f} MB/s), the download {download:.1f} s "
            f"({blob / 1e6 / download:,.0f} MB/s of blob).")
        out("")
        metrics = [request_counts(os.path.join(args.results, f"hush-{i}.metrics")) for i in range(1, len(hush) + 1)]
        metrics = [m for m in metrics if m]
        if metrics:
            def counted(kind, status):
                return median(m.get((kind, status), 0) for m in metrics)
            refused = counted("read_media", "limit_exceeded")
            reads = counted("read_media", "ok")
            rate = meta.get("media_chunks_per_second") or "?"
            out(f"hushd's counters (medians of the runs): {counted('append_chunk', 'ok'):,.0f} AppendChunk "
                f"answered OK ({counted('append_chunk', 'limit_exceeded'):,.0f} refused), "
                f"{reads:,.0f} ReadMedia answered OK for {chunks:,} chunks and {refused:,.0f} ReadMedia refused "
                f"with LIMIT_EXCEEDED (`media_chunks_per_second`, {rate} per connection by default). The download "
                f"ran at {chunks / download:,.0f} chunks per second"
                + ("; it is paced by that limit (and its burst): the client pauses for `retry_after_ms` when refused, discards the "
                   "answers of the requests already in flight and asks again from its offset, so "
                   f"{reads - chunks:,.0f} chunks were read twice."
                   if refused else "; no request was refused."))
            out("")
        out("What the hush path does that the TLS copy does not (checked in the code): the sender encrypts "
            "the file into a staging blob on disk before the first byte goes out (`encrypt_file`, "
            "libs/client/attachment: AES-256-CBC with the plaintext padded to a size bucket up to 5 % "
            f"larger — {blob:,} blob bytes here — HMAC-SHA256 over IV and ciphertext, SHA-256 of the "
            "plaintext and of the blob, fsync and rename); uploads it in 15 KiB chunks "
            "(`wire::kMediaChunkSize`), each a request the server stores durably in SQLite with one commit "
            "and one fdatasync before answering (`Media::append`); FinishUpload re-reads the blob to check "
            "its SHA-256; the receiver writes the whole blob to a staging file, makes a full pass over it for "
            "the digest and the MAC before decrypting anything, then a second pass that checks the MAC again, "
            "decrypts, checks the padding and hashes the plaintext, and fsyncs the result (`decrypt_file`). "
            "The bytes are written to disk four times (staging blob, server database, download staging, "
            "output) against once for the TLS copy, and every frame is padded to a fixed size (16 KiB for "
            "a chunk). What the extra work buys: the server never sees the plaintext or the key, an upload "
            "or download resumes from the last stored chunk after a crash or a lost connection, and nothing "
            "unauthenticated is ever decrypted.")
        out("")
    out("Reproduce: `bash scripts/transfer` (`HUSH_TRANSFER_BYTES=67108864 bash scripts/transfer` for a quick "
        "look). Raw results: BUILD/transfer/*.json (build/release unless `HUSH_TRANSFER_BUILD` says "
        "otherwise).")
    out("")
    out(TRANSFER_END)
    section = "\n".join(lines)

    replace_section(args.output_md, TRANSFER_BEGIN, TRANSFER_END, section)
    if tls and hush:
        print(f"transfer: TLS {tls_mb_s:,.1f} MB/s, hush end to end {total_mb_s:,.1f} MB/s "
              f"(ratio {total_mb_s / tls_mb_s:.3f}), send {send_mb_s:,.1f}, receive {receive_mb_s:,.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
