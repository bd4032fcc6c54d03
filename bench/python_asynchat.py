"""CPython's asynchat on the benchmark inputs, for comparison.

Run by bench/run.ts as `python3 -W ignore python_asynchat.py '<job JSON>'`
(asynchat is deprecated and was removed in Python 3.12). Rebuilds the input
described by the job exactly as bench/scenarios/*.ts do, frames it with an
async_chat subclass written as asynchat's documentation suggests (collect
into a list, join at the terminator), checks the counts, and prints one JSON
line in the same shape as bench/child.ts: seconds per pass, passes per run,
the counter of a pass, and whether the warm-up was the only measurement.
"""

import asynchat
import gc
import json
import sys
import time

KIB = 1024


def line_content(length):
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789 :-ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return bytes(alphabet[i % len(alphabet)] for i in range(length))


def resp_body(length):
    record = bytearray((b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2)[:64])
    record[62:64] = b"\r\n"
    return (bytes(record) * (length // 64 + 1))[:length]


def build(spec):
    """The input and its chunk size, as the TypeScript scenarios build them."""
    kind = spec["scenario"]
    if kind == "lines":
        line = line_content(spec["lineLength"]) + b"\r\n"
        return line * spec["lines"], spec["chunkSize"]
    if kind == "resp":
        n = spec["bodyLength"]
        message = b"$%d\r\n" % n + resp_body(n) + b"\r\n"
        return message * spec["messages"], spec["chunkSize"]
    if kind == "ping":
        data = b"PING\r\n" * (spec["bytes"] // 6)
        return data, len(data)
    if kind == "long-line":
        return b"x" * (spec["bytes"] - 2) + b"\r\n", spec["chunkSize"]
    raise ValueError("unknown scenario %r" % kind)


class Fed(asynchat.async_chat):
    """An async_chat without a socket: handle_read() reads the chunk given to feed()."""

    def __init__(self):
        asynchat.async_chat.__init__(self)
        self.parts = []
        self.frames = 0
        self.nbytes = 0
        self.chunk = b""
        self.set_terminator(b"\r\n")

    def recv(self, buffer_size):
        return self.chunk

    def feed(self, chunk):
        self.chunk = chunk
        self.handle_read()

    def collect_incoming_data(self, data):
        self.parts.append(data)

    def take_frame(self):
        parts = self.parts
        frame = parts[0] if len(parts) == 1 else b"".join(parts)
        self.parts = []
        return frame


class Lines(Fed):
    def found_terminator(self):
        line = self.take_frame()
        self.frames += 1
        self.nbytes += len(line)


class Resp(Fed):
    def __init__(self):
        Fed.__init__(self)
        self.body = -1

    def found_terminator(self):
        frame = self.take_frame()
        self.frames += 1
        if self.body < 0:
            if frame[:1] != b"$":
                raise ValueError("bad header %r" % frame)
            self.body = int(frame[1:])
            self.set_terminator(self.body + 2)
        else:
            if frame[self.body:] != b"\r\n":
                raise ValueError("body not followed by CRLF")
            self.nbytes += self.body
            self.body = -1
            self.set_terminator(b"\r\n")


def one_pass(framer, chunks, expected):
    channel = framer()
    for chunk in chunks:
        channel.feed(chunk)
    got = {"frames": channel.frames, "bytes": channel.nbytes}
    if got != expected:
        raise AssertionError(
            "framed %d frames / %d content bytes, expected %d / %d"
            % (got["frames"], got["bytes"], expected["frames"], expected["bytes"])
        )
    return got


def timed(framer, chunks, expected, reps):
    """Process CPU seconds, wall-clock seconds and the counter of `reps` passes."""
    gc.collect()
    cpu_start = time.process_time()
    start = time.perf_counter()
    for _ in range(reps):
        counter = one_pass(framer, chunks, expected)
    return time.process_time() - cpu_start, time.perf_counter() - start, counter


def main():
    job = json.loads(sys.argv[1])
    spec = job["spec"]
    data, size = build(spec)
    input_bytes = len(data)
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    del data
    framer = Resp if spec["scenario"] == "resp" else Lines
    expected = job["expected"]

    warm_cpu, warm, counter = timed(framer, chunks, expected, 1)
    if warm * 1000 >= job["slowMs"]:
        result = {"seconds": [warm_cpu], "wallSeconds": [warm], "reps": 1, "counter": counter,
                  "inputBytes": input_bytes, "single": True}
    else:
        reps = max(1, min(100, int(-(-job["minRunMs"] // (warm * 1000)))))
        timed(framer, chunks, expected, reps)  # an untimed warm-up run, as in bench/child.ts
        seconds = []
        wall_seconds = []
        spent = 0.0
        while len(seconds) < job["runs"] and (not seconds or spent * 1000 < job["budgetMs"]):
            cpu, wall, counter = timed(framer, chunks, expected, reps)
            spent += wall
            seconds.append(cpu / reps)
            wall_seconds.append(wall / reps)
        result = {"seconds": seconds, "wallSeconds": wall_seconds, "reps": reps, "counter": counter,
                  "inputBytes": input_bytes}
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
