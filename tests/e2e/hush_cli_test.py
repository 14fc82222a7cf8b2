#!/usr/bin/env python3
"""End-to-end tests of the `hush` command against a real `hushd` process over TLS.

Every `hush` invocation is a new process on its home folder, as a person or a script uses it: a
client "restarted between sends" is the normal case here. The tests cover texts both ways with
delivery and read receipts, a 10 MB video and a voice note round-tripping bit-exact, a photo the
other way, an offline recipient receiving in order, the JSON-RPC daemon sending and receiving,
a changed identity key reported and blocking until trusted, the endpoint list (`hush endpoints`)
kept before registration and failing over from a dead first endpoint, a `hushd relay` and an obfs4
`hushd bridge` (silent to a probe) each carrying a registration and messages both ways from their
links, and the server's files and log holding none of the texts.

Run by ctest with HUSH_BIN and HUSHD_BIN set to the two binaries (tests/e2e/CMakeLists.txt).
Network: loopback only.
"""
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import unittest
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from make_media import write_mp4, write_png, write_wav  # noqa: E402  (the demo's sample media)

HUSH = os.environ.get("HUSH_BIN", "hush")
HUSHD = os.environ.get("HUSHD_BIN", "hushd")
TIMEOUT = 120  # seconds for any one command; generous for sanitizer builds


class Server:
    """A hushd process on a fresh data folder, listening on a loopback port."""

    def __init__(self, folder, port=0):
        self.folder = folder
        self.data = os.path.join(folder, "server")
        self.log_path = os.path.join(folder, "hushd.log")
        self.port = port
        self.process = None
        self.fingerprint = None

    def start(self):
        log = open(self.log_path, "ab")
        # Every test registers its own accounts from 127.0.0.1: more than the default 20 an hour.
        config = os.path.join(self.folder, "hushd.toml")
        with open(config, "w") as f:
            f.write("[limits]\nregistrations_per_ip_per_hour = 200\nregistrations_per_ip_burst = 200\n")
        self.process = subprocess.Popen(
            [HUSHD, "--config", config, "--data", self.data, "--listen", f"127.0.0.1:{self.port}", "--threads", "2"],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            text = open(self.log_path, encoding="utf-8", errors="replace").read()
            ports = re.findall(r"event=listening.*?port=(\d+)", text)
            prints = re.findall(r"fingerprint ([0-9a-f]{64})", text)
            if ports and prints:
                self.port = int(ports[-1])
                self.fingerprint = prints[-1]
                return
            if self.process.poll() is not None:
                raise RuntimeError("hushd exited:\n" + text)
            time.sleep(0.05)
        raise RuntimeError("hushd did not start:\n" + open(self.log_path).read())

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)

    def url(self):
        return f"wss://127.0.0.1:{self.port}"

    def sql(self, statement):
        return subprocess.run(["sqlite3", os.path.join(self.data, "hush.sqlite3"), statement], check=True,
                              capture_output=True, text=True).stdout

    def files_contain(self, needle: bytes):
        paths = [self.log_path]
        for root, _, names in os.walk(self.data):
            paths += [os.path.join(root, name) for name in names]
        for path in paths:
            with open(path, "rb") as f:
                if needle in f.read():
                    return path
        return None


def run_hush(home, *args, check=True, env=None):
    result = subprocess.run([HUSH, "--home", home, *args], capture_output=True, text=True, timeout=TIMEOUT,
                            env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"hush {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def closed_port():
    """A loopback port nothing listens on: bound, then closed (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]


def json_items(text):
    """A JSON array, or one object per line."""
    text = text.strip()
    if text.startswith("["):
        return json.loads(text)
    return json_lines(text)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class HushCliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp(prefix="hush-e2e-")
        cls.server = Server(cls.folder)
        cls.server.start()
        cls.texts = []  # every text sent, for the no-plaintext check

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.folder, ignore_errors=True)

    def home(self, name):
        return os.path.join(self.folder, "homes", name)

    def register(self, name, pin=True, server=None):
        server = server or self.server
        args = ["register", "--server", server.url(), "--username", name]
        if pin:
            args += ["--pin", server.fingerprint]
        result = run_hush(self.home(name), *args)
        if not pin:  # trust on first use: the fingerprint seen is printed for comparison
            self.assertIn(server.fingerprint, result.stdout + result.stderr)
        return self.home(name)

    def send(self, home, to, text):
        self.texts.append(text)
        result = run_hush(home, "send", to, text)
        message_id = result.stdout.strip().splitlines()[-1]
        self.assertRegex(message_id, r"^[0-9a-f]{32}$")
        return message_id

    def receive(self, home, timeout="3"):
        return json_lines(run_hush(home, "receive", "--json", "--timeout", timeout).stdout)

    def test_texts_both_ways_with_receipts_and_history(self):
        alice = self.register("alice1")
        bob = self.register("bob1", pin=False)
        first = self.send(alice, "bob1", "hello bob, this is alice")
        got = [m for m in self.receive(bob) if m["kind"] == "text"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["from"], "alice1")
        self.assertEqual(got[0]["body"], "hello bob, this is alice")
        self.assertEqual(got[0]["id"], first)
        self.assertIsInstance(got[0]["timestamp"], int)

        self.send(bob, "alice1", "hi alice, bob here")
        events = self.receive(alice)
        kinds = [m["kind"] for m in events]
        self.assertIn("receipt", kinds)
        self.assertEqual([m["body"] for m in events if m["kind"] == "text"], ["hi alice, bob here"])
        history = json_items(run_hush(alice, "history", "bob1", "--json").stdout)
        mine = [m for m in history if m["id"] == first][0]
        self.assertEqual(mine["state"], "delivered")

        # Read receipts move the message to read.
        run_hush(bob, "read", "alice1")
        events = self.receive(alice)
        self.assertTrue(any(m["kind"] == "receipt" and m.get("receipt", m.get("body")) == "read" for m in events),
                        events)
        history = json_items(run_hush(alice, "history", "bob1", "--json").stdout)
        self.assertEqual([m for m in history if m["id"] == first][0]["state"], "read")
        # Each message once in each history, in order.
        bodies = [m["body"] for m in json_items(run_hush(bob, "history", "alice1", "--json").stdout)]
        self.assertEqual(bodies, ["hello bob, this is alice", "hi alice, bob here"])

        contacts = json_items(run_hush(alice, "contacts", "--json").stdout)
        self.assertIn("bob1", [c["name"] for c in contacts])

    def test_expire_sets_a_disappearing_timer_on_both_sides(self):
        alice = self.register("alice9")
        bob = self.register("bob9")
        # Malformed: usage (1); out of range: refused by the library (6); nothing sent.
        self.assertEqual(run_hush(alice, "expire", "bob9", "soon", check=False).returncode, 1)
        self.assertEqual(run_hush(alice, "expire", "bob9", "29s", check=False).returncode, 6)
        self.assertEqual(run_hush(alice, "expire", "bob9", "5w", check=False).returncode, 6)
        timer_id = run_hush(alice, "expire", "bob9", "1h").stdout.strip()
        self.assertRegex(timer_id, r"^[0-9a-f]{32}$")
        got = self.receive(bob)
        timers = [m for m in got if m["kind"] == "timer"]
        self.assertEqual([(m["id"], m["expire_timer"]) for m in timers], [(timer_id, 3600)])
        for home, peer in ((alice, "bob9"), (bob, "alice9")):
            contact = [c for c in json_items(run_hush(home, "contacts", "--json").stdout) if c["name"] == peer]
            self.assertEqual(contact[0]["expire_timer"], 3600, home)
        self.assertIn("set disappearing messages to 1h", run_hush(bob, "history", "alice9").stdout)

        before = int(time.time() * 1000)
        self.send(bob, "alice9", "this one disappears in an hour")
        got = [m for m in self.receive(alice) if m["kind"] == "text"]
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["expire_timer"], 3600)
        self.assertGreaterEqual(got[0]["expires_at"], before + 3600 * 1000)
        self.assertLess(got[0]["expires_at"], int(time.time() * 1000) + 3600 * 1000 + 1)
        mine = [m for m in json_items(run_hush(bob, "history", "alice9", "--json").stdout)
                if m["body"] == "this one disappears in an hour"]
        self.assertEqual(mine[0]["expire_timer"], 3600)
        self.assertIsNotNone(mine[0]["expires_at"])

        # Either side turns it off; later messages carry no timer.
        run_hush(alice, "expire", "bob9", "off")
        self.assertEqual([m["expire_timer"] for m in self.receive(bob) if m["kind"] == "timer"], [0])
        self.send(bob, "alice9", "this one stays")
        got = [m for m in self.receive(alice) if m["kind"] == "text"]
        self.assertEqual([("expire_timer" in m) for m in got], [False])

    def test_group_of_three_texts_files_changes_and_timer(self):
        alice, bob, carol = (self.register(name) for name in ("alice7", "bob7", "carol7"))
        group_id = run_hush(alice, "group", "create", "book club", "--members", "bob7, carol7").stdout.strip()
        self.assertRegex(group_id, r"^[0-9a-f]{32}$")
        for home in (bob, carol):
            changes = [m for m in self.receive(home) if m["kind"] == "group"]
            self.assertEqual([(m["author"], m["body"], m["group"]) for m in changes],
                             [("alice7", 'created "book club"', {"id": group_id, "name": "book club"})])
        info = json.loads(run_hush(bob, "group", "info", "book club", "--json").stdout)
        self.assertEqual((info["id"], info["members"], info["admins"], info["member"]),
                         (group_id, ["alice7", "bob7", "carol7"], ["alice7"], True))

        # A text by name and one by id, from two members; everyone else gets each once.
        self.texts += ["chapter one tonight?", "yes, at eight"]
        first = run_hush(alice, "send", "--group", "book club", "chapter one tonight?").stdout.strip()
        run_hush(bob, "send", "--group", group_id, "yes, at eight")
        for home, expected in ((bob, ["chapter one tonight?"]), (carol, ["chapter one tonight?", "yes, at eight"]),
                               (alice, ["yes, at eight"])):
            got = [m for m in self.receive(home) if m["kind"] == "text"]
            self.assertEqual([m["body"] for m in got], expected, home)
            self.assertTrue(all(m["group"]["id"] == group_id and m["to"] == group_id for m in got))
        self.assertEqual([m["from"] for m in json_items(run_hush(carol, "history", "--group", "book club",
                                                                 "--json").stdout) if m["kind"] == "text"],
                         ["alice7", "bob7"])
        self.assertIn("[book club] bob7: yes, at eight", run_hush(alice, "history", "--group", group_id).stdout)

        # A file to the group arrives bit-exact at both others.
        photo = os.path.join(self.folder, "cover.png")
        write_png(photo, 64, 48)
        run_hush(alice, "send", "--group", "book club", "--file", photo, "--caption", "the cover")
        for home in (bob, carol):
            files = [m for m in self.receive(home) if m["kind"] == "file"]
            self.assertEqual(len(files), 1)
            self.assertEqual(sha256_file(files[0]["attachment"]["path"]), sha256_file(photo))
        # A reaction through "#GROUP".
        run_hush(carol, "react", "#book club", first, "👍")
        self.assertEqual([m["body"] for m in self.receive(alice) if m["kind"] == "reaction"], ["👍"])
        run_hush(carol, "send", "--group", "book club", "count me in", "--reply-to", first)
        self.texts.append("count me in")
        replies = [m for m in self.receive(alice) if m["kind"] == "text"]
        self.assertEqual([(m["body"], m["reply_to"], m["reply_author"]) for m in replies],
                         [("count me in", first, "alice7")])
        self.receive(bob)
        run_hush(bob, "typing", "#" + group_id)
        self.assertEqual([(m["author"], m["body"]) for m in self.receive(alice) if m["kind"] == "typing"],
                         [("bob7", "started")])
        self.assertIn("[book club] bob7 is typing",
                      run_hush(carol, "receive", "--timeout", "3").stdout)

        # Only admins change it; removing carol takes her out everywhere.
        refused = run_hush(bob, "group", "add", "book club", "dave7", check=False)
        self.assertEqual(refused.returncode, 6, refused.stderr)
        self.assertIn("not_admin", refused.stderr)
        run_hush(alice, "group", "remove", "book club", "carol7")
        self.assertEqual([m["body"] for m in self.receive(carol) if m["kind"] == "group"], ["removed carol7"])
        self.assertFalse(json.loads(run_hush(carol, "group", "info", group_id, "--json").stdout)["member"])
        self.assertIn("not_a_member", run_hush(carol, "send", "--group", group_id, "hello?", check=False).stderr)
        # The group's timer: set by an admin, carried by the next message.
        run_hush(alice, "expire", "--group", "book club", "1d")
        self.assertEqual([m["body"] for m in self.receive(bob) if m["kind"] == "group"],
                         ["removed carol7", "timer 86400 s"])
        self.texts.append("see you there")
        run_hush(alice, "send", "--group", "book club", "see you there")
        got = [m for m in self.receive(bob) if m["kind"] == "text"]
        self.assertEqual([(m["body"], m["expire_timer"]) for m in got], [("see you there", 86400)])
        self.assertEqual([m["kind"] for m in self.receive(carol)], [])
        groups = json_items(run_hush(bob, "groups", "--json").stdout)
        self.assertEqual([(g["name"], g["members"], g["expire_timer"]) for g in groups],
                         [("book club", ["alice7", "bob7"], 86400)])

    def test_link_device_gets_the_contacts_and_what_is_sent_after(self):
        alice, bob = self.register("alice8"), self.register("bob8")
        self.send(alice, "bob8", "before the laptop")
        group_id = run_hush(alice, "group", "create", "hikers", "--members", "bob8").stdout.strip()
        self.receive(bob)
        laptop = self.home("alice8-laptop")
        waiting = subprocess.Popen([HUSH, "--home", laptop, "link-device", "--server", self.server.url(),
                                    "--pin", self.server.fingerprint, "--wait", "60", "--ascii"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            code = None
            deadline = time.time() + 30
            while code is None and time.time() < deadline:
                line = waiting.stdout.readline()
                found = re.search(r"link code: (hush-link:[0-9a-f]{96})", line)
                if found:
                    code = found.group(1)
            self.assertIsNotNone(code, "no code shown")
            self.assertEqual(run_hush(alice, "add-device", "hush-link:0", check=False).returncode, 6)
            run_hush(alice, "add-device", code)
            out, err = waiting.communicate(timeout=60)
        finally:
            if waiting.poll() is None:
                waiting.kill()
        self.assertEqual(waiting.returncode, 0, err)
        self.assertIn("linked: device 2 of alice8, 1 contact(s)", out)
        self.assertEqual([c["name"] for c in json_items(run_hush(laptop, "contacts", "--json").stdout)], ["bob8"])
        devices = json_items(run_hush(alice, "devices", "--json").stdout)
        self.assertEqual([(d["id"], d["current"]) for d in devices], [(1, True), (2, False)])
        # Sent after linking: both of alice's devices get it; the laptop writes as alice.
        self.send(bob, "alice8", "to the phone and the laptop")
        for home in (alice, laptop):
            self.assertEqual([m["body"] for m in self.receive(home) if m["kind"] == "text"],
                             ["to the phone and the laptop"], home)
        self.send(laptop, "bob8", "typed on the laptop")
        got = [m for m in self.receive(bob) if m["kind"] == "text"]
        self.assertEqual([(m["from"], m["device"], m["body"]) for m in got], [("alice8", 2, "typed on the laptop")])
        # ...and the phone shows it as sent by alice: both histories hold the same conversation.
        mine = [m for m in self.receive(alice) if m["kind"] == "text"]
        self.assertEqual([(m["outgoing"], m["to"], m["body"]) for m in mine], [(True, "bob8", "typed on the laptop")])
        self.send(alice, "bob8", "and this from the phone")
        self.assertEqual([m["body"] for m in self.receive(laptop) if m["kind"] == "text" and m["outgoing"]],
                         ["and this from the phone"])
        since_linking = ["to the phone and the laptop", "typed on the laptop", "and this from the phone"]
        for home in (alice, laptop):
            bodies = [m["body"] for m in json_items(run_hush(home, "history", "bob8", "--json").stdout)]
            self.assertEqual(bodies[-3:], since_linking, home)
        # The groups reach the laptop from the phone (at the phone's next receive, then the laptop's).
        self.receive(alice, timeout="1")
        self.receive(laptop, timeout="1")
        groups = json_items(run_hush(laptop, "groups", "--json").stdout)
        self.assertEqual([(g["id"], g["name"], g["members"]) for g in groups], [(group_id, "hikers", ["alice8", "bob8"])])
        run_hush(alice, "devices", "remove", "2")
        self.assertNotEqual(run_hush(laptop, "receive", "--timeout", "1", check=False).returncode, 0)

    def test_video_voice_note_and_photo_round_trip_bit_exact(self):
        alice = self.register("alice2")
        bob = self.register("bob2")
        files = os.path.join(self.folder, "files")
        os.makedirs(files, exist_ok=True)
        video = os.path.join(files, "clip.mp4")
        write_mp4(video, 10 * 1000 * 1000, 12345)
        voice = os.path.join(files, "note.wav")
        write_wav(voice, 3)
        photo = os.path.join(files, "photo.png")
        write_png(photo, 64, 48)

        run_hush(alice, "send", "bob2", "--file", video, "--caption", "the concert")
        run_hush(alice, "send", "bob2", "--file", voice, "--voice-note")
        got = [m for m in self.receive(bob, timeout="5") if m["kind"] == "file"]
        self.assertEqual(len(got), 2, got)
        by_name = {m["attachment"]["name"]: m for m in got}
        clip = by_name["clip.mp4"]["attachment"]
        self.assertEqual(clip["transfer"], "done")
        self.assertEqual(clip["size"], os.path.getsize(video))
        self.assertEqual(clip["sha256"], sha256_file(video))
        self.assertEqual(sha256_file(clip["path"]), sha256_file(video))
        self.assertEqual(clip["content_type"], "video/mp4")
        self.assertEqual(clip["duration_ms"], 12345)
        self.assertEqual(by_name["clip.mp4"]["attachment"].get("caption", by_name["clip.mp4"].get("body")),
                         "the concert")
        note = by_name["note.wav"]["attachment"]
        self.assertTrue(note["voice_note"])
        self.assertEqual(note["duration_ms"], 3000)
        self.assertEqual(sha256_file(note["path"]), sha256_file(voice))

        # And the other way: a photo, with its size read by the sender.
        run_hush(bob, "send", "alice2", "--file", photo)
        got = [m for m in self.receive(alice, timeout="5") if m["kind"] == "file"]
        self.assertEqual(len(got), 1)
        picture = got[0]["attachment"]
        self.assertEqual((picture["width"], picture["height"]), (64, 48))
        self.assertEqual(picture["content_type"], "image/png")
        self.assertEqual(sha256_file(picture["path"]), sha256_file(photo))

        # The blob on the server is not the file.
        with open(video, "rb") as f:
            f.seek(5 * 1000 * 1000)
            self.assertIsNone(self.server.files_contain(f.read(64)))

    def test_offline_recipient_receives_everything_in_order(self):
        alice = self.register("alice3")
        carol = self.register("carol3")
        ids = [self.send(alice, "carol3", f"while you were away, number {i}") for i in range(1, 6)]
        got = [m for m in self.receive(carol) if m["kind"] == "text"]
        self.assertEqual([m["id"] for m in got], ids)
        self.assertEqual(self.receive(carol, timeout="1"), [])  # acknowledged: nothing comes twice

    def test_daemon_sends_and_receives_over_json_rpc(self):
        alice = self.register("alice4")
        bot = self.register("bot4")
        daemon = subprocess.Popen([HUSH, "--home", bot, "daemon", "--jsonrpc"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        try:
            def call(request_id, method, params):
                daemon.stdin.write(json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method,
                                               "params": params}) + "\n")
                daemon.stdin.flush()

            def read_until(predicate, seconds=30):
                deadline = time.time() + seconds
                while time.time() < deadline:
                    ready, _, _ = select.select([daemon.stdout], [], [], 0.2)
                    if not ready:
                        continue
                    line = daemon.stdout.readline()
                    if not line:
                        break
                    message = json.loads(line)
                    if predicate(message):
                        return message
                self.fail("no such line from the daemon")

            call(1, "subscribe", {})
            self.assertTrue(read_until(lambda m: m.get("id") == 1)["result"])
            self.send(alice, "bot4", "hello bot")
            note = read_until(lambda m: m.get("method") == "message" and m["params"].get("kind") == "text")
            self.assertEqual(note["params"]["body"], "hello bot")
            self.assertEqual(note["params"]["from"], "alice4")

            self.texts.append("hello human, from the bot")
            call(2, "send", {"recipient": "alice4", "text": "hello human, from the bot"})
            answer = read_until(lambda m: m.get("id") == 2)
            self.assertIn("result", answer, answer)
            call(3, "nonsense", {})
            self.assertEqual(read_until(lambda m: m.get("id") == 3)["error"]["code"], -32601)
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=30)
        self.assertEqual(daemon.returncode, 0)
        got = [m for m in self.receive(alice) if m["kind"] == "text"]
        self.assertEqual([m["body"] for m in got], ["hello human, from the bot"])

    def test_endpoints_before_registration_and_failover_from_a_dead_first_endpoint(self):
        home = self.home("ep1")
        self.assertFalse(os.path.exists(home))
        dead = f"wss://127.0.0.1:{closed_port()}"
        # Before registration: the home is created (0700) with the list in it (0600).
        self.assertIn("added endpoint 1", run_hush(home, "endpoints", "add", dead).stdout)
        self.assertEqual(stat.S_IMODE(os.stat(home).st_mode), 0o700)
        added = run_hush(home, "endpoints", "add", "wss://example.org:443", "--via",
                         "socks5://tor:secret-password@127.0.0.1:9050", "--sni", "front.example", "--host",
                         "hidden.example")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(home, "endpoints.json")).st_mode), 0o600)
        listed = run_hush(home, "endpoints", "--json")
        self.assertEqual(json.loads(listed.stdout), [
            {"index": 1, "url": dead, "via": None, "sni": None, "host": None, "obfs4": False},
            {"index": 2, "url": "wss://example.org:443", "via": "socks5://tor:***@127.0.0.1:9050",
             "sni": "front.example", "host": "hidden.example", "obfs4": False},
        ])
        human = run_hush(home, "endpoints")
        self.assertIn("2  wss://example.org:443 via socks5://tor:***@127.0.0.1:9050", human.stdout)
        for output in (added, listed, human):
            self.assertNotIn("secret-password", output.stdout + output.stderr)
        # Usage errors exit 1; a duplicate is refused (6).
        self.assertEqual(run_hush(home, "endpoints", "remove", "3", check=False).returncode, 1)
        self.assertEqual(run_hush(home, "endpoints", "add", "https://x:1", check=False).returncode, 1)
        self.assertEqual(run_hush(home, "endpoints", "add", "wss://x:1", "--via", "ftp://x:1",
                                  check=False).returncode, 1)
        self.assertEqual(run_hush(home, "endpoints", "add", dead, check=False).returncode, 6)
        self.assertIn("removed endpoint 2", run_hush(home, "endpoints", "remove", "2").stdout)
        self.assertEqual([e["url"] for e in json.loads(run_hush(home, "endpoints", "--json").stdout)], [dead])

        # register puts the endpoint it went through first; the dead one stays second.
        self.register("ep1")
        urls = [e["url"] for e in json.loads(run_hush(home, "endpoints", "--json").stdout)]
        self.assertEqual(urls, [self.server.url(), dead])
        # Now the dead one first: every command fails over to the server.
        run_hush(home, "endpoints", "remove", "1")
        run_hush(home, "endpoints", "add", self.server.url())
        urls = [e["url"] for e in json.loads(run_hush(home, "endpoints", "--json").stdout)]
        self.assertEqual(urls, [dead, self.server.url()])
        bob = self.register("ep1bob")
        # The failover that worked is said on stderr: endpoint 1 is blocked, endpoint 2 works.
        said = run_hush(home, "send", "ep1bob", "through the second endpoint")
        first = said.stdout.strip()
        self.assertIn(f"endpoint 1 ({dead}): connect_failed (connection_refused at tcp_connect)", said.stderr)
        self.assertIn("endpoint 2 (", said.stderr)
        self.assertIn("): connected", said.stderr)
        got = [m for m in self.receive(bob) if m["kind"] == "text"]
        self.assertEqual([(m["id"], m["body"]) for m in got], [(first, "through the second endpoint")])
        self.send(bob, "ep1", "and back to the failed-over client")
        got = [m for m in self.receive(home) if m["kind"] == "text"]
        self.assertEqual([m["body"] for m in got], ["and back to the failed-over client"])

        # An endpoint that accepts and never answers costs --connect-timeout, then the next is tried.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        silent_url = f"wss://127.0.0.1:{silent.getsockname()[1]}"
        try:
            run_hush(home, "endpoints", "remove", "1")
            run_hush(home, "endpoints", "add", silent_url)
            urls = [e["url"] for e in json.loads(run_hush(home, "endpoints", "--json").stdout)]
            self.assertEqual(urls, [self.server.url(), silent_url])
            run_hush(home, "endpoints", "remove", "1")
            run_hush(home, "endpoints", "add", self.server.url())
            waited = run_hush(home, "--connect-timeout", "1", "receive", "--timeout", "0.2")
            self.assertIn(f"endpoint 1 ({silent_url}): timeout", waited.stderr)
            self.assertIn("): connected", waited.stderr)
        finally:
            silent.close()
        for bad in ("0.5", "121", "soon"):
            self.assertEqual(run_hush(home, "--connect-timeout", bad, "outbox", check=False).returncode, 1, bad)
        run_hush(home, "endpoints", "remove", "1")
        run_hush(home, "endpoints", "remove", "1")
        run_hush(home, "endpoints", "add", dead)
        run_hush(home, "endpoints", "add", self.server.url())

        # Only dead endpoints: exit 3, and each attempt is named on stderr.
        run_hush(home, "endpoints", "remove", "2")
        run_hush(home, "endpoints", "add", f"wss://127.0.0.1:{closed_port()}")
        failed = run_hush(home, "receive", "--timeout", "1", check=False)
        self.assertEqual(failed.returncode, 3, failed.stderr)
        self.assertIn(f"endpoint 1 ({dead}): connect_failed", failed.stderr)
        self.assertIn("endpoint 2 (", failed.stderr)

    def test_probe_json_names_a_dead_first_endpoint_and_the_working_second(self):
        home = self.home("probe1")
        dead = f"wss://127.0.0.1:{closed_port()}"
        # Before registration: registration reachability only (the account's steps are skipped).
        run_hush(home, "endpoints", "add", dead)
        run_hush(home, "endpoints", "add", self.server.url())
        early = run_hush(home, "probe", "--json", "--timeout", "3", "--server", self.server.url(),
                         "--pin", self.server.fingerprint)
        report = json.loads(early.stdout)
        self.assertEqual(report["working_endpoint"], 2)
        self.assertEqual([s["skipped"] for s in report["endpoints"][1]["steps"] if s["ok"] is None],
                         ["not_registered"] * 4)
        # Registered, with the dead endpoint first again.
        self.register("probe1")
        run_hush(home, "endpoints", "remove", "1")
        run_hush(home, "endpoints", "add", self.server.url())
        self.assertEqual([e["url"] for e in json.loads(run_hush(home, "endpoints", "--json").stdout)],
                         [dead, self.server.url()])
        result = run_hush(home, "probe", "--json", "--timeout", "3")
        report = json.loads(result.stdout)
        first, second = report["endpoints"]
        self.assertEqual((first["index"], first["url"], first["transport"]), (1, dead, "direct"))
        self.assertEqual((first["failed_step"], first["failure"]), ("tcp_connect", "connection_refused"))
        self.assertEqual([s["step"] for s in first["steps"]], ["dns", "tcp_connect"])
        self.assertEqual(first["steps"][1], {"step": "tcp_connect", "ok": False, "ms": first["steps"][1]["ms"],
                                             "failure": "connection_refused"})
        self.assertEqual((second["index"], second["url"]), (2, self.server.url()))
        self.assertIsNone(second["failed_step"])
        self.assertIsNone(second["failure"])
        self.assertEqual([s["step"] for s in second["steps"]],
                         ["dns", "tcp_connect", "tls_handshake", "websocket_upgrade", "authentication",
                          "message_round_trip", "media_small", "media_large"])
        self.assertTrue(all(s["ok"] is True and s["failure"] is None for s in second["steps"]))
        large = second["steps"][-1]
        self.assertEqual((large["resets"], large["bytes"]), (0, 2 * 1024 * 1024))
        self.assertGreater(second["throughput_kbps"], 0)
        self.assertEqual(report["working_endpoint"], 2)
        self.assertEqual(report["control"]["server_reached_through"], 2)
        self.assertIn("endpoint 2", report["verdict"])
        # The table says the same for a person; a list of only dead endpoints exits 3.
        table = run_hush(home, "probe", "--timeout", "3").stdout
        self.assertIn("connection_refused", table)
        self.assertIn("verdict: ", table)
        run_hush(home, "endpoints", "remove", "2")
        none = run_hush(home, "probe", "--json", "--timeout", "3", check=False)
        self.assertEqual(none.returncode, 3, none.stderr)
        self.assertIsNone(json.loads(none.stdout)["working_endpoint"])

    def test_relay_link_carries_registration_and_messages(self):
        # `hushd relay` in front of the server prints its link; a home that adds it and whose
        # direct way to the server is dead registers, sends and receives through the relay alone.
        relay = subprocess.Popen([HUSHD, "relay", "--listen", "127.0.0.1:0", "--to", f"127.0.0.1:{self.server.port}"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            # It prints three lines at once, or exits (closing stdout) when it cannot start.
            link = None
            for line in relay.stdout:
                if line.startswith("hush-relay://"):
                    link = line.strip()
                    break
            self.assertIsNotNone(link, "hushd relay printed no link")
            self.assertTrue(link.endswith("#" + self.server.fingerprint), link)
            home = self.home("rl1")
            added = run_hush(home, "endpoints", "add-relay", link)
            self.assertIn("added endpoint 1: relay", added.stdout)
            self.assertEqual(run_hush(home, "endpoints", "add-relay", "hush-relay://x:1/y:2#00",
                                      check=False).returncode, 1)
            dead = f"wss://127.0.0.1:{closed_port()}"
            run_hush(home, "register", "--server", dead, "--pin", self.server.fingerprint, "--username", "rl1")
            bob = self.register("rl1bob")
            sent = self.send(home, "rl1bob", "through the relay")
            got = [m for m in self.receive(bob) if m["kind"] == "text"]
            self.assertEqual([(m["id"], m["body"]) for m in got], [(sent, "through the relay")])
            self.send(bob, "rl1", "back through the relay")
            got = [m for m in self.receive(home) if m["kind"] == "text"]
            self.assertEqual([m["body"] for m in got], ["back through the relay"])
        finally:
            relay.send_signal(signal.SIGTERM)
            self.assertEqual(relay.wait(timeout=30), 0)
            relay.stdout.close()

    def test_obfs4_bridge_is_silent_to_probes_and_carries_registration_and_messages(self):
        # `hushd bridge` (obfs4proxy in front of the server) prints its link; an unauthenticated
        # connection gets no byte back; a home that adds the link and whose direct way is dead
        # registers, sends and receives through the bridge, hush running obfs4proxy itself.
        if not os.path.exists("/usr/bin/obfs4proxy"):
            if os.environ.get("HUSH_REQUIRE_OBFS4") == "1":
                self.fail("obfs4proxy is not installed (scripts/setup installs it)")
            self.skipTest("obfs4proxy is not installed: apt-get install obfs4proxy")
        state = os.path.join(self.folder, "bridge-state")
        bridge = subprocess.Popen([HUSHD, "bridge", "--listen", "127.0.0.1:0", "--to", f"127.0.0.1:{self.server.port}",
                                   "--state", state], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            link = None
            for line in bridge.stdout:  # three lines at once, or stdout closes when it cannot start
                if line.startswith("hush-bridge://"):
                    link = line.strip()
                    break
            self.assertIsNotNone(link, "hushd bridge printed no link")
            self.assertTrue(link.endswith("#" + self.server.fingerprint), link)
            bridge_port = int(re.match(r"hush-bridge://127\.0\.0\.1:(\d+)/", link).group(1))
            # An active prober: an HTTP request and noise, then silence for 3 s.
            with socket.create_connection(("127.0.0.1", bridge_port), timeout=5) as probe:
                probe.sendall(b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n" + os.urandom(8192))
                ready, _, _ = select.select([probe], [], [], 3)
                answer = probe.recv(4096) if ready else b""
                self.assertEqual(answer, b"", "the bridge answered an unauthenticated connection")

            home = self.home("ob1")
            self.assertIn("added endpoint 1: obfs4 bridge", run_hush(home, "endpoints", "add-relay", link).stdout)
            self.assertTrue(json.loads(run_hush(home, "endpoints", "--json").stdout)[0]["obfs4"])
            dead = f"wss://127.0.0.1:{closed_port()}"
            run_hush(home, "register", "--server", dead, "--pin", self.server.fingerprint, "--username", "ob1")
            bob = self.register("ob1bob")
            sent = self.send(home, "ob1bob", "through the obfs4 bridge")
            got = [m for m in self.receive(bob) if m["kind"] == "text"]
            self.assertEqual([(m["id"], m["body"]) for m in got], [(sent, "through the obfs4 bridge")])
            self.send(bob, "ob1", "back through the obfs4 bridge")
            got = [m for m in self.receive(home) if m["kind"] == "text"]
            self.assertEqual([m["body"] for m in got], ["back through the obfs4 bridge"])
        finally:
            bridge.send_signal(signal.SIGTERM)
            self.assertEqual(bridge.wait(timeout=30), 0)
            bridge.stdout.close()

    def test_zz_server_files_and_log_hold_no_text(self):
        # Runs last (alphabetical order): every text the other tests sent.
        self.assertTrue(self.texts)
        for text in self.texts:
            self.assertIsNone(self.server.files_contain(text.encode()), text)
        self.assertIsNotNone(self.server.files_contain(b"alice1"))  # the control: names are there


class IdentityChangeTest(unittest.TestCase):
    """bob's account is replaced on the server (a reinstall, or a server substituting keys)."""

    def test_changed_identity_is_reported_and_blocks_until_trusted(self):
        folder = tempfile.mkdtemp(prefix="hush-e2e-identity-")
        server = Server(folder)
        server.start()
        try:
            home = lambda name: os.path.join(folder, "homes", name)
            run_hush(home("alice"), "register", "--server", server.url(), "--username", "alice", "--pin",
                     server.fingerprint)
            run_hush(home("bob"), "register", "--server", server.url(), "--username", "bob", "--pin",
                     server.fingerprint)
            run_hush(home("alice"), "send", "bob", "hello first bob")
            run_hush(home("bob"), "receive", "--timeout", "2")
            run_hush(home("alice"), "receive", "--timeout", "2")  # bob's delivery receipt
            verify = run_hush(home("alice"), "verify", "bob", "--ascii")
            self.assertRegex(verify.stdout, r"(\d{5} ){11}\d{5}")

            server.stop()
            server.sql("DELETE FROM devices WHERE account_id = (SELECT id FROM accounts WHERE username = 'bob');"
                       "DELETE FROM accounts WHERE username = 'bob';")
            server.start()
            run_hush(home("bob-new"), "register", "--server", server.url(), "--username", "bob", "--pin",
                     server.fingerprint)
            run_hush(home("bob-new"), "send", "alice", "new phone, same bob")
            events = json_lines(run_hush(home("alice"), "receive", "--json", "--timeout", "2").stdout)
            self.assertEqual([m["kind"] for m in events], ["identity_changed"], events)
            blocked = run_hush(home("alice"), "send", "bob", "who are you?", check=False)
            self.assertEqual(blocked.returncode, 5, blocked.stderr)
            contacts = json_items(run_hush(home("alice"), "contacts", "--json").stdout)
            self.assertTrue([c for c in contacts if c["name"] == "bob"][0]["identity_changed"])

            trusted = run_hush(home("alice"), "trust", "bob")
            self.assertIn("new phone, same bob", trusted.stdout)
            got = json_lines(run_hush(home("bob-new"), "receive", "--json", "--timeout", "2").stdout)
            self.assertEqual([m["body"] for m in got if m["kind"] == "text"], ["who are you?"])
        finally:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
