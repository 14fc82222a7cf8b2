#!/usr/bin/env python3
"""Censor tests: `hush` in a network namespace behind a censoring router, `hushd` behind it (issue 5).

The test builds its own lab, three network namespaces joined by two veth pairs:

    client 10.201.1.2 ── 10.201.1.1  censor  10.201.2.1 ── 10.201.2.2 server
    (hush, the censored user)    (ip_forward, iptables FORWARD)    (hushd, relay, bridge, the peer)

and puts the censor's rules in the censor namespace's FORWARD chain, so neither end is modified, as
with a real middlebox. Scenarios (README.md beside this file):

- SNI RST: a string-match rule resets every flow carrying the server's TLS name. The direct
  endpoint (which sends that name) fails with a reset; a fronted endpoint (another TLS name) and an
  obfs4 bridge (`hushd bridge`, whose bytes carry no name) each carry texts both ways.
- Reset after N bytes: every TCP flow is reset once it has carried N bytes. Texts and files of a
  few MB still arrive bit-exact, both ways, over as many connections as it takes.
- Blackhole: the server's port is dropped; hush fails over to a `hushd relay` (endpoint 2).
- `hush probe --json` names each block (its assertions are skipped, with a message, while the
  binary has no `probe`).

Needs root, iproute2 with `ip netns`, iptables with the xt `string` and `connbytes` matches. Where
the machine cannot give them, every test is skipped with the reason (exit code 77, which ctest shows
as skipped), unless HUSH_REQUIRE_NETNS=1, which makes that a failure. Nothing outside the lab's own
namespaces is touched: the veths are created inside them, and the rules live in the censor's.
Run by ctest with HUSH_BIN and HUSHD_BIN set to the two binaries (tests/censor/CMakeLists.txt).
"""
import atexit
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HUSH = shutil.which(os.environ.get("HUSH_BIN", "hush")) or os.environ.get("HUSH_BIN", "hush")
HUSHD = shutil.which(os.environ.get("HUSHD_BIN", "hushd")) or os.environ.get("HUSHD_BIN", "hushd")
REQUIRE_NETNS = os.environ.get("HUSH_REQUIRE_NETNS") == "1"
REQUIRE_OBFS4 = os.environ.get("HUSH_REQUIRE_OBFS4") == "1"
SKIP_EXIT_CODE = 77  # every test skipped: ctest's SKIP_RETURN_CODE shows the test as not run

COMMAND_TIMEOUT = 90  # seconds for any one command (a blackholed endpoint alone costs hush 10 s)
# The lab's names: the prefix and this process's id. Leftovers of a run that died (its process is
# gone) are removed at start; a run in progress elsewhere is left alone.
PREFIX = "hushcz"
RUN_NAME = f"{PREFIX}{os.getpid()}"
LEFTOVER = re.compile(rf"^{PREFIX}(\d+)-[cms]$")
CLIENT, CENSOR, SERVER = RUN_NAME + "-c", RUN_NAME + "-m", RUN_NAME + "-s"
CLIENT_IP, CENSOR_CLIENT_SIDE = "10.201.1.2", "10.201.1.1"
SERVER_IP, CENSOR_SERVER_SIDE = "10.201.2.2", "10.201.2.1"
SERVER_PORT, RELAY_PORT, BRIDGE_PORT = 7443, 7444, 9443
SERVER_URL = f"wss://{SERVER_IP}:{SERVER_PORT}"
BLOCKED_NAME = "chat.blocked.example"  # the TLS name the censor resets
FRONT_NAME = "cdn.allowed.example"     # the name a fronted endpoint shows instead
CUT_AFTER_BYTES = 200000                # the reset-after-N rule's N (both directions of a flow)
UPLOAD_BYTES, DOWNLOAD_BYTES = 3 * 1000 * 1000, 2 * 1000 * 1000
MAX_TRANSFER_ROUNDS = 80                # commands a transfer may take under the reset-after-N rule,
TRANSFER_SECONDS = 150                  # and the time
TIMINGS = []                            # (what, seconds), printed at the end


def in_netns(namespace, *argv):
    return ["ip", "netns", "exec", namespace, *argv]


def run(argv, check=True, timeout=30):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()}")
    return result


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Lab:
    """The three namespaces, their links and the censor's rules. Every call acts inside them."""

    def __init__(self):
        self.created = []

    @staticmethod
    def namespaces():
        listing = run(["ip", "netns", "list"], check=False).stdout
        return [line.split()[0] for line in listing.splitlines() if line.strip()]

    @staticmethod
    def delete_namespace(name):
        # Its processes first (they are this test's: hushd, relays, obfs4proxy), then the namespace,
        # which takes its veth ends (and so their peers) with it.
        pids = [int(p) for p in run(["ip", "netns", "pids", name], check=False).stdout.split()]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.time() + 5
        while time.time() < deadline and any(process_alive(pid) for pid in pids):
            time.sleep(0.05)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        run(["ip", "netns", "del", name], check=False)

    def remove_leftovers(self):
        for name in self.namespaces():
            match = LEFTOVER.match(name)
            if match and not process_alive(int(match.group(1))):
                self.delete_namespace(name)

    def up(self):
        for name in (CLIENT, CENSOR, SERVER):
            run(["ip", "netns", "add", name])
            self.created.append(name)
            run(["ip", "-n", name, "link", "set", "lo", "up"])
        # Each veth pair is created inside the namespaces (never in the host's), one end each.
        run(["ip", "-n", CLIENT, "link", "add", "eth0", "type", "veth", "peer", "name", "to-client", "netns", CENSOR])
        run(["ip", "-n", SERVER, "link", "add", "eth0", "type", "veth", "peer", "name", "to-server", "netns", CENSOR])
        for namespace, device, address in ((CLIENT, "eth0", CLIENT_IP), (CENSOR, "to-client", CENSOR_CLIENT_SIDE),
                                           (CENSOR, "to-server", CENSOR_SERVER_SIDE), (SERVER, "eth0", SERVER_IP)):
            run(["ip", "-n", namespace, "addr", "add", address + "/24", "dev", device])
            # One MTU-sized packet per skb: without it veth passes ~64 KB super-packets, and the
            # censor's per-packet rules see far fewer, larger packets than a real link carries.
            run(["ip", "-n", namespace, "link", "set", "dev", device, "gso_max_size", "1500", "gso_max_segs", "1"])
            run(["ip", "-n", namespace, "link", "set", device, "up"])
        run(["ip", "-n", CLIENT, "route", "add", "default", "via", CENSOR_CLIENT_SIDE])
        run(["ip", "-n", SERVER, "route", "add", "default", "via", CENSOR_SERVER_SIDE])
        run(in_netns(CENSOR, "sysctl", "-qw", "net.ipv4.ip_forward=1"))

    def down(self):
        for name in reversed(self.created):
            self.delete_namespace(name)
        self.created = []

    def censor(self, *rule):
        run(in_netns(CENSOR, "iptables", "-A", "FORWARD", *rule))

    def clear(self):
        run(in_netns(CENSOR, "iptables", "-F", "FORWARD"))
        run(in_netns(CENSOR, "iptables", "-Z", "FORWARD"))

    def rule_packets(self):
        """Packets each FORWARD rule matched, in order."""
        listing = run(in_netns(CENSOR, "iptables", "-L", "FORWARD", "-v", "-n", "-x")).stdout
        return [int(line.split()[0]) for line in listing.splitlines()[2:] if line.strip()]


LAB = Lab()


def sni_rule(name):
    return ["-p", "tcp", "-m", "string", "--string", name, "--algo", "bm", "-j", "REJECT", "--reject-with", "tcp-reset"]


def cut_after_rule(count):
    return ["-p", "tcp", "-m", "connbytes", "--connbytes", f"{count}:", "--connbytes-dir", "both",
            "--connbytes-mode", "bytes", "-j", "REJECT", "--reject-with", "tcp-reset"]


def blackhole_rule(port):
    return ["-p", "tcp", "-d", SERVER_IP, "--dport", str(port), "-j", "DROP"]


def why_the_lab_cannot_run():
    """None when namespaces and the censor's rules work here; else what is missing."""
    if os.geteuid() != 0:
        return "needs root to create network namespaces (CI runs as root)"
    if not shutil.which("ip"):
        return "iproute2's `ip` is not installed"
    if not shutil.which("iptables"):
        return "iptables is not installed (apt-get install iptables; scripts/setup installs it)"
    if not os.path.exists(HUSH) or not os.path.exists(HUSHD):
        return f"HUSH_BIN ({HUSH}) or HUSHD_BIN ({HUSHD}) is not a file"
    try:
        LAB.remove_leftovers()
        LAB.up()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as error:
        LAB.down()
        return f"cannot create network namespaces and veths: {error}"
    for rule, what in ((sni_rule(BLOCKED_NAME), "string"), (cut_after_rule(CUT_AFTER_BYTES), "connbytes")):
        try:
            LAB.censor(*rule)
            LAB.clear()
        except RuntimeError as error:
            LAB.down()
            return f"iptables' xt {what} match is unavailable: {error}"
    return None


def setUpModule():
    reason = why_the_lab_cannot_run()
    if reason is None:
        atexit.register(LAB.down)  # also on an interrupted run; down() is idempotent
        return
    if REQUIRE_NETNS:
        raise AssertionError(f"HUSH_REQUIRE_NETNS=1 but the censor lab cannot run: {reason}")
    print(f"\ncensor_test: SKIPPED, every test: {reason}", file=sys.stderr)
    raise unittest.SkipTest(reason)


def tearDownModule():
    LAB.down()


def probe_arguments():
    """The arguments of `hush probe` for this test, or None when this hush has no `probe` command.
    (An unknown subcommand's `--help` prints the top-level help and exits 0, so the exit code alone
    does not tell.)"""
    result = subprocess.run([HUSH, "probe", "--help"], capture_output=True, text=True, timeout=30)
    if result.returncode != 0 or not re.search(r"^Usage: \S*hush probe", result.stdout, re.M):
        return None
    return ["probe", "--json"]


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Daemon:
    """A long-running process in a namespace (hushd, hushd relay, hushd bridge), its output in a file."""

    def __init__(self, namespace, argv, log_path):
        self.log_path = log_path
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(in_netns(namespace, *argv), stdout=log, stderr=subprocess.STDOUT)

    def wait_for(self, pattern, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                text = log.read()
            found = re.findall(pattern, text, re.M)
            if found:
                return found[-1]
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.log_path}: exited {self.process.returncode}:\n{text}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.log_path}: no {pattern!r} within {seconds} s")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class CensorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="hush-censor-")
        cls.daemons = []
        cls.probe = probe_arguments()
        try:
            cls.hushd = cls.start(SERVER, [HUSHD, "--data", os.path.join(cls.folder, "server"), "--listen",
                                           f"{SERVER_IP}:{SERVER_PORT}", "--threads", "2"], "hushd.log")
            cls.fingerprint = cls.hushd.wait_for(r"fingerprint ([0-9a-f]{64})")
            cls.hushd.wait_for(r"event=listening")
        except BaseException:
            cls.tearDownClass()  # not called by unittest when setUpClass fails
            raise

    @classmethod
    def tearDownClass(cls):
        for daemon in reversed(cls.daemons):
            daemon.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    @classmethod
    def start(cls, namespace, argv, log_name):
        daemon = Daemon(namespace, argv, os.path.join(cls.folder, log_name))
        cls.daemons.append(daemon)
        return daemon

    def setUp(self):
        LAB.clear()

    def tearDown(self):
        LAB.clear()

    # --- hush, in the client namespace (censored) or the server namespace (not) ---

    def home(self, name):
        return os.path.join(self.folder, "homes", name)

    def hush(self, namespace, home, *args, check=True, timeout=COMMAND_TIMEOUT):
        started = time.monotonic()
        result = subprocess.run(in_netns(namespace, HUSH, "--home", home, *args), capture_output=True, text=True,
                                timeout=timeout)
        result.seconds = time.monotonic() - started
        if check and result.returncode != 0:
            raise AssertionError(f"hush {' '.join(args)} exited {result.returncode} after {result.seconds:.1f} s:\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    def register(self, namespace, name, *endpoint_options):
        self.hush(namespace, self.home(name), "register", "--server", SERVER_URL, "--pin", self.fingerprint,
                  "--username", name, *endpoint_options)
        return self.home(name)

    def send(self, namespace, home, to, *what, timing=None):
        result = self.hush(namespace, home, "send", to, *what)
        if timing:
            TIMINGS.append((timing, result.seconds))
        message_id = result.stdout.strip().splitlines()[-1]
        self.assertRegex(message_id, r"^[0-9a-f]{32}$")
        return message_id

    def texts_received(self, namespace, home, timeout="2"):
        result = self.hush(namespace, home, "receive", "--json", "--timeout", timeout)
        return [(m["id"], m["from"], m["body"]) for m in json_lines(result.stdout) if m["kind"] == "text"]

    def exchange_texts(self, alice, bob, how):
        """A text from the censored alice to bob and one back; both must arrive, once."""
        sent = self.send(CLIENT, self.home(alice), bob, f"from the censored side, {how}", timing=f"send, {how}")
        self.assertEqual(self.texts_received(SERVER, self.home(bob)), [(sent, alice, f"from the censored side, {how}")])
        back = self.send(SERVER, self.home(bob), alice, f"back to the censored side, {how}")
        started = time.monotonic()
        got = self.texts_received(CLIENT, self.home(alice))
        TIMINGS.append((f"receive, {how}", time.monotonic() - started))
        self.assertEqual(got, [(back, bob, f"back to the censored side, {how}")])

    def set_endpoints(self, home, *entries):
        """Replaces the home's endpoint list: entries are argument lists for `endpoints add` or, for
        a link, ("add-relay", LINK)."""
        for _ in json.loads(self.hush(CLIENT, home, "endpoints", "--json").stdout):
            self.hush(CLIENT, home, "endpoints", "remove", "1")
        for entry in entries:
            if entry[0] == "add-relay":
                self.hush(CLIENT, home, "endpoints", "add-relay", entry[1])
            else:
                self.hush(CLIENT, home, "endpoints", "add", *entry)

    def run_probe(self, home, scenario):
        """`hush probe --json` in the client namespace: its report, or None (a recorded skip) when
        this hush has no probe."""
        if self.probe is None:
            with self.subTest(f"hush probe ({scenario})"):
                self.skipTest(f"`hush probe` is not in {HUSH} yet: the probe assertions of the {scenario} "
                              "scenario were not run (the rest of the scenario was)")
            return None
        result = self.hush(CLIENT, home, *self.probe, check=False, timeout=180)
        TIMINGS.append((f"probe, {scenario}", result.seconds))
        try:
            report = json.loads(result.stdout)
        except json.JSONDecodeError:
            self.fail(f"hush probe --json exited {result.returncode}, no JSON:\n{result.stdout}\n{result.stderr}")
        print(f"\nprobe ({scenario}): {json.dumps(report)}", file=sys.stderr)
        return report

    def bridge_link(self):
        """The link of a `hushd bridge` (obfs4) in the server namespace, started on first use; None
        (and a skip) without obfs4proxy."""
        if not hasattr(type(self), "bridge"):
            if not os.path.exists("/usr/bin/obfs4proxy"):
                if REQUIRE_OBFS4:
                    self.fail("obfs4proxy is not installed (scripts/setup installs it)")
                return None
            bridge = self.start(SERVER, [HUSHD, "bridge", "--listen", f"{SERVER_IP}:{BRIDGE_PORT}", "--to",
                                         f"{SERVER_IP}:{SERVER_PORT}", "--state", os.path.join(self.folder, "bridge")],
                                "bridge.log")
            type(self).bridge = bridge.wait_for(r"^(hush-bridge://\S+)$")
        return type(self).bridge

    # --- the scenarios ---

    def test_sni_reset_is_beaten_by_fronting_and_by_obfs4(self):
        alice, bob = "sni_alice", "sni_bob"
        # Registered before the censor arrives; the direct endpoint sends the blocked name.
        home = self.register(CLIENT, alice, "--sni", BLOCKED_NAME)
        self.register(SERVER, bob)
        direct = [SERVER_URL, "--sni", BLOCKED_NAME]
        fronted = [SERVER_URL, "--sni", FRONT_NAME, "--host", BLOCKED_NAME]
        LAB.censor(*sni_rule(BLOCKED_NAME))

        # The direct way alone: reset by the censor, which saw the name.
        self.set_endpoints(home, direct)
        failed = self.hush(CLIENT, home, "receive", "--timeout", "1", check=False)
        TIMINGS.append(("receive, direct endpoint only, SNI reset", failed.seconds))
        print(f"\nSNI reset, direct only: exit {failed.returncode}: {failed.stderr.strip()!r}", file=sys.stderr)
        self.assertEqual(failed.returncode, 3, failed.stderr)
        self.assertIn("transport", failed.stderr)
        # The censor's rule is what stopped it: it saw the name, and hush names what the network did.
        self.assertIn("connection_reset at tls_handshake", failed.stderr)
        self.assertGreaterEqual(LAB.rule_packets()[0], 1)

        # Fronting: another TLS name on the same address gets through.
        self.set_endpoints(home, direct, fronted)
        self.exchange_texts(alice, bob, "fronted")

        # obfs4: the bridge's bytes carry no name.
        link = self.bridge_link()
        if link is None:
            with self.subTest("obfs4 bridge"):
                self.skipTest("obfs4proxy is not installed: apt-get install obfs4proxy")
        else:
            self.set_endpoints(home, direct, ["add-relay", link])
            before = LAB.rule_packets()[0]
            self.exchange_texts(alice, bob, "through the obfs4 bridge")
            # Endpoint 1 was tried (and reset) before each command went through the bridge.
            self.assertGreater(LAB.rule_packets()[0], before)
            self.set_endpoints(home, direct, ["add-relay", link], fronted)

        report = self.run_probe(home, "SNI reset")
        if report is not None:
            endpoints = {e["index"]: e for e in report["endpoints"]}
            self.assertEqual(endpoints[1]["failed_step"], "tls_handshake", report)
            self.assertEqual(endpoints[1]["failure"], "connection_reset", report)
            working = [index for index, e in endpoints.items() if index != 1]
            for index in working:
                self.assertIsNone(endpoints[index]["failed_step"], report)
            self.assertIn(report["working_endpoint"], working, report)

    def test_reset_after_n_bytes_stops_only_throughput(self):
        alice, bob = "cut_alice", "cut_bob"
        home = self.register(CLIENT, alice)
        self.register(SERVER, bob)
        LAB.censor(*cut_after_rule(CUT_AFTER_BYTES))

        # Texts: each command's connection stays far below N.
        ids = [self.send(CLIENT, home, bob, f"short text {i} under the byte cap") for i in range(3)]
        self.assertEqual(self.texts_received(SERVER, self.home(bob)),
                         [(ids[i], alice, f"short text {i} under the byte cap") for i in range(3)])

        # A file up: every connection is cut after N bytes, so the upload needs many. The transfer
        # connection is opened again and the upload resumed from the server's offset while it gets
        # anywhere; a send that still ends cut leaves the message queued (exit 3) and each later
        # command that connects resumes it, and sends the message once it is complete.
        upload = os.path.join(self.folder, "upload.bin")
        with open(upload, "wb") as f:
            f.write(os.urandom(UPLOAD_BYTES))
        resets_before = LAB.rule_packets()[0]
        started = time.monotonic()
        first = self.hush(CLIENT, home, "send", bob, "--file", upload, "--caption", "through the cuts", check=False)
        print(f"\nreset after N: first `send --file` exited {first.returncode}: {first.stderr.strip()}", file=sys.stderr)
        # The transfer connection is opened again and the upload resumed while the server's
        # offset moves: one command sends the file through every cut.
        self.assertEqual(first.returncode, 0, first.stderr)
        rounds = 1
        while self.outbox(home) and rounds < MAX_TRANSFER_ROUNDS and time.monotonic() - started < TRANSFER_SECONDS:
            self.hush(CLIENT, home, "receive", "--timeout", "0.2", check=False)
            rounds += 1
        self.assertEqual(self.outbox(home), [], f"still queued after {rounds} commands")
        TIMINGS.append((f"upload {UPLOAD_BYTES} B, reset after {CUT_AFTER_BYTES} B ({rounds} commands)",
                        time.monotonic() - started))
        got = [m for m in json_lines(self.hush(SERVER, self.home(bob), "receive", "--json", "--timeout", "3").stdout)
               if m["kind"] == "file"]
        self.assertEqual(len(got), 1, got)
        self.assertEqual(got[0]["from"], alice)
        self.assertEqual(got[0]["attachment"]["transfer"], "done")
        self.assertEqual(sha256_file(got[0]["attachment"]["path"]), sha256_file(upload))
        self.assertGreater(LAB.rule_packets()[0], resets_before, "the upload was never cut: the rule did not act")

        # A file down: bob (not censored) sends; alice's downloads are cut and resumed.
        download = os.path.join(self.folder, "download.bin")
        with open(download, "wb") as f:
            f.write(os.urandom(DOWNLOAD_BYTES))
        self.send(SERVER, self.home(bob), alice, "--file", download)
        resets_before = LAB.rule_packets()[0]
        started = time.monotonic()
        rounds, statuses, messages = 0, [], set()
        while rounds < MAX_TRANSFER_ROUNDS and time.monotonic() - started < TRANSFER_SECONDS:
            rounds += 1
            result = self.hush(CLIENT, home, "receive", "--json", "--timeout", "0.2", check=False)
            statuses.append((result.returncode, round(result.seconds, 1)))
            messages.add(result.stderr.strip())
            printed = [(m["kind"], (m.get("attachment") or {}).get("transfer")) for m in json_lines(result.stdout)]
            if printed:  # what a person sees while the download is cut and resumed
                print(f"\nreset after N: receive {rounds} exited {result.returncode}, printed {printed}, "
                      f"stderr {result.stderr.strip()!r}", file=sys.stderr)
            files = [m for m in self.history(home, bob) if m["kind"] == "file" and not m["outgoing"]]
            if files and files[0]["attachment"]["transfer"] == "done":
                break
        TIMINGS.append((f"download {DOWNLOAD_BYTES} B, reset after {CUT_AFTER_BYTES} B ({rounds} commands)",
                        time.monotonic() - started))
        print(f"\nreset after N: download took {rounds} receive commands, (exit code, seconds): {statuses}; "
              f"stderr seen: {sorted(messages)!r}", file=sys.stderr)
        self.assertTrue(files, "the file message never arrived")
        attachment = files[0]["attachment"]
        self.assertEqual(attachment["transfer"], "done", f"not downloaded after {rounds} commands: {attachment}")
        self.assertEqual(sha256_file(attachment["path"]), sha256_file(download))
        self.assertGreater(LAB.rule_packets()[0], resets_before, "the download was never cut: the rule did not act")
        self.assertEqual(rounds, 1, "the download did not resume by itself within one receive")
        self.assertGreaterEqual(LAB.rule_packets()[0], 1)

        # Texts both ways still flow afterwards.
        self.exchange_texts(alice, bob, "after the cuts")

        report = self.run_probe(home, "reset after N bytes")
        if report is not None:
            steps = {s["step"]: s for s in report["endpoints"][0]["steps"]}
            self.assertTrue(steps["message_round_trip"]["ok"], report)
            self.assertTrue(steps["media_large"]["ok"], report)
            self.assertGreaterEqual(steps["media_large"]["resets"], 1, report)

    def test_blackholed_endpoint_fails_over_to_the_next(self):
        alice, bob = "hole_alice", "hole_bob"
        relay = self.start(SERVER, [HUSHD, "relay", "--listen", f"{SERVER_IP}:{RELAY_PORT}", "--to",
                                    f"{SERVER_IP}:{SERVER_PORT}"], "relay.log")
        link = relay.wait_for(r"^(hush-relay://\S+)$")
        home = self.register(CLIENT, alice)
        self.register(SERVER, bob)
        self.hush(CLIENT, home, "endpoints", "add-relay", link)
        LAB.censor(*blackhole_rule(SERVER_PORT))

        sent = self.hush(CLIENT, home, "send", bob, "through the relay, the server's port is a black hole")
        TIMINGS.append(("send, endpoint 1 blackholed", sent.seconds))
        print(f"\nblackhole: send took {sent.seconds:.1f} s; stderr: {sent.stderr.strip()!r}", file=sys.stderr)
        # One connect timeout (10 s) on endpoint 1, then endpoint 2: bounded, not a hang.
        self.assertLess(sent.seconds, 40)
        self.assertEqual([m[2] for m in self.texts_received(SERVER, self.home(bob))],
                         ["through the relay, the server's port is a black hole"])
        back = self.send(SERVER, self.home(bob), alice, "back through the relay")
        self.assertEqual(self.texts_received(CLIENT, home), [(back, bob, "back through the relay")])
        self.assertGreaterEqual(LAB.rule_packets()[0], 1)  # SYNs to endpoint 1 were dropped

        # Only the black hole: the command fails after the connect timeout and names endpoint 1.
        self.hush(CLIENT, home, "endpoints", "remove", "2")
        failed = self.hush(CLIENT, home, "receive", "--timeout", "1", check=False)
        TIMINGS.append(("receive, only the blackholed endpoint", failed.seconds))
        print(f"\nblackhole only: exit {failed.returncode} after {failed.seconds:.1f} s; stderr: "
              f"{failed.stderr.strip()!r}", file=sys.stderr)
        self.assertEqual(failed.returncode, 3, failed.stderr)
        self.hush(CLIENT, home, "endpoints", "add-relay", link)

        report = self.run_probe(home, "blackhole")
        if report is not None:
            endpoints = {e["index"]: e for e in report["endpoints"]}
            self.assertEqual(endpoints[1]["failed_step"], "tcp_connect", report)
            self.assertEqual(endpoints[1]["failure"], "generic_timeout_error", report)
            self.assertIsNone(endpoints[2]["failed_step"], report)
            self.assertEqual(report["working_endpoint"], 2, report)

    # --- helpers of the reset-after-N scenario ---

    def outbox(self, home):
        return json_lines(self.hush(CLIENT, home, "outbox", "--json").stdout)

    def history(self, home, peer):
        return json_lines(self.hush(CLIENT, home, "history", peer, "--json").stdout)


def main():
    program = unittest.main(verbosity=2, exit=False)
    result = program.result
    if TIMINGS:
        print("\ntimings:", file=sys.stderr)
        for what, seconds in TIMINGS:
            print(f"  {seconds:6.1f} s  {what}", file=sys.stderr)
    if not result.wasSuccessful():
        sys.exit(1)
    # Whole tests (or the module) skipped, not the probe's sub-tests within a test that ran.
    whole = [test for test, _ in result.skipped if type(test).__name__ != "_SubTest"]
    if whole and len(whole) >= result.testsRun:
        sys.exit(SKIP_EXIT_CODE)  # nothing ran: never reported as a pass
    sys.exit(0)


if __name__ == "__main__":
    main()
