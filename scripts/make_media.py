#!/usr/bin/env python3
"""Sample media for the demo and the end-to-end tests, made without any codec library.

  make_media.py png PATH WIDTH HEIGHT     a colour gradient photo (PNG)
  make_media.py mp4 PATH BYTES DURATION_MS an ISO-BMFF (MP4) file: ftyp, an mdat of BYTES random
                                          bytes, then moov/mvhd stating DURATION_MS; players
                                          cannot play it, but it is a video file to every tool
                                          that reads its type and duration (libmagic, hush)
  make_media.py wav PATH SECONDS          an 8 kHz mono WAVE recording of noise (a voice note)
"""
import os
import struct
import sys
import wave
import zlib


def write_png(path, width, height):
    rows = b"".join(b"\x00" + bytes(((x * 255) // max(1, width - 1) if c == 0 else
                                     (y * 255) // max(1, height - 1) if c == 1 else 160)
                                    for x in range(width) for c in range(3))
                    for y in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows)))
        f.write(chunk(b"IEND", b""))


def write_mp4(path, payload_bytes, duration_ms):
    def box(kind, body):
        return struct.pack(">I", 8 + len(body)) + kind + body

    mvhd = struct.pack(">B3xIIII", 0, 0, 0, 1000, duration_ms) + bytes(80)
    with open(path, "wb") as f:
        f.write(box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41"))
        f.write(struct.pack(">I", 8 + payload_bytes) + b"mdat")
        remaining = payload_bytes
        while remaining:
            block = os.urandom(min(remaining, 1 << 20))
            f.write(block)
            remaining -= len(block)
        f.write(box(b"moov", box(b"mvhd", mvhd)))


def write_wav(path, seconds):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(os.urandom(8000 * 2 * seconds))


if __name__ == "__main__":
    kind, path, *numbers = sys.argv[1:]
    values = [int(n) for n in numbers]
    {"png": write_png, "mp4": write_mp4, "wav": write_wav}[kind](path, *values)
