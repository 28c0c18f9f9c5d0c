#!/usr/bin/env python3
"""Abuses a real `assay exporter serve` from a second process on loopback.

    Tests/fuzz/http_abuse.py --assay PATH [--seconds 120] [--report FILE]

Starts the exporter (its own SQLite store in a temporary directory), ingests
records, then for --seconds runs, all at once:

- garbage: random bytes, malformed request lines and headers, bad methods,
  paths of 100 KB, bad and hostile query parameters, huge bodies on the
  scrape listener, malformed, oversized and slow bodies on the ingest listener;
- huge headers: one 1 MiB header, 10,000 small headers;
- slowloris: connections that send their request head a byte at a time and
  never finish it, and connections that send nothing;
- many connections: up to 1,500 open sockets held idle at once (the exporter's
  limit is 512);

while a normal client scrapes every 0.5 s (GET /v1/info, then every page of
/v1/records), each time over a new connection, and must get every record
every time. The exporter's resident memory and open file descriptors are
sampled from /proc every 0.25 s. Exit 1 if a normal scrape failed, the
exporter died, memory exceeded --max-rss-mb, or descriptors did not return to
near their baseline after the abuse stopped.
"""
import argparse
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

STOP = threading.Event()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.values = {}

    def add(self, name, n=1):
        with self.lock:
            self.values[name] = self.values.get(name, 0) + n


def connect(address, source, timeout):
    """A connection to `address` from the loopback address `source` (127.0.0.2 and up: the abusers)."""
    return socket.create_connection(address, timeout=timeout, source_address=(source, 0))


def send_raw(address, source, payload, read=True, timeout=5.0):
    """Sends bytes, reads what comes back (or nothing); never raises."""
    try:
        with connect(address, source, timeout) as sock:
            sock.sendall(payload)
            if read:
                try:
                    return sock.recv(4096)
                except OSError:
                    return b""
    except OSError:
        return None
    return b""


def garbage_worker(scrape, ingest, counters, seed, source):
    rng = random.Random(seed)
    requests = [
        lambda: os.urandom(rng.randint(1, 4096)),
        lambda: b"GET /v1/records?after=" + str(rng.choice([-1, 2**63, 2**64, 10**30])).encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        lambda: b"GET /v1/records?after=0&limit=" + rng.choice([b"0", b"-5", b"99999999999", b"abc", b"%00", b"1e9", b"\xff"]) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        lambda: b"GET /v1/records?after=00&limit=1&after=3 HTTP/1.1\r\nHost: x\r\n\r\n",
        lambda: b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        lambda: b"BREW /v1/info HTTP/1.1\r\nHost: x\r\n\r\n",
        lambda: b"GET /v1/info HTTP/9.9\r\n\r\n",
        lambda: b"GET /v1/info\r\n\r\n",
        lambda: b"GET /v1/info HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        lambda: b"GET /v1/info HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
        lambda: b"POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n" + os.urandom(65536),
        lambda: b"GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Big: " + b"A" * (1 << 20) + b"\r\n\r\n",
        lambda: b"GET /v1/info HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(10_000)) + b"\r\n",
        lambda: b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        lambda: b"GET /v1/records?after=0&limit=5000 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n",
    ]
    ingest_requests = [
        lambda: b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{\"schema\":1,\"kind\":",
        lambda: b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n" + b"{}\n" * 10000,
        lambda: b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + b"400\r\n" + os.urandom(1024) + b"\r\n",
        lambda: b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Encoding: gzip\r\nContent-Length: 64\r\n\r\n" + os.urandom(64),
        lambda: b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n" + b"[" * 10,
        lambda: b"POST /v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 40000\r\n\r\n" + b"[" * 40000,
    ]
    while not STOP.is_set():
        if rng.random() < 0.8:
            send_raw(scrape, source, rng.choice(requests)())
        else:
            send_raw(ingest, source, rng.choice(ingest_requests)())
        counters.add("garbage requests")


def slowloris_worker(address, counters, connections, source, stop=STOP):
    socks = []
    head = b"GET /v1/records?after=0 HTTP/1.1\r\nHost: x\r\nX-Slow: "
    while not stop.is_set():
        while len(socks) < connections and not stop.is_set():
            try:
                sock = connect(address, source, 2)
                sock.sendall(head[:5])
                socks.append([sock, 5])
                counters.add("slowloris connections")
            except OSError:
                counters.add("slowloris refused")
                break
        for entry in list(socks):
            sock, sent = entry
            try:
                sock.sendall(b"a")  # one byte of a header that never ends
                entry[1] = sent + 1
            except OSError:
                socks.remove(entry)
                sock.close()
                counters.add("slowloris cut off by the server")
        stop.wait(1.0)
    for sock, _ in socks:
        sock.close()


def idle_worker(address, counters, connections, sources, stop=STOP):
    socks = []
    turn = 0
    while not stop.is_set():
        while len(socks) < connections and not stop.is_set():
            turn += 1
            try:
                socks.append(connect(address, sources[turn % len(sources)], 2))
                counters.add("idle connections")
            except OSError:
                counters.add("idle refused")
                stop.wait(0.2)
                break
        # Drop the ones the server closed (idle timeout, connection limit).
        for sock in list(socks):
            sock.setblocking(False)
            try:
                if sock.recv(1) == b"":
                    socks.remove(sock)
                    sock.close()
                    counters.add("idle closed by the server")
            except BlockingIOError:
                pass
            except OSError:
                socks.remove(sock)
                sock.close()
        stop.wait(0.5)
    for sock in socks:
        sock.close()


def scrape_all(base, expected):
    info = json.load(urllib.request.urlopen(base + "/v1/info", timeout=5))
    assert info["api"] == "assay-exporter-v1", info
    cursor, seen = 0, 0
    while True:
        page = json.load(urllib.request.urlopen("%s/v1/records?after=%d&limit=1000" % (base, cursor), timeout=10))
        seen += len(page["records"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    if seen != expected:
        raise AssertionError("scraped %d records, expected %d" % (seen, expected))


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--assay", required=True, help="the assay executable")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--max-rss-mb", type=float, default=512)
    parser.add_argument("--abusers", type=int, default=4, help="abusive client addresses (127.0.0.2 …) during the main run")
    parser.add_argument("--flood-seconds", type=float, default=15,
                        help="then idle connections from 60 addresses, past the exporter's global limit; normal scrapes are not required then")
    parser.add_argument("--report", help="write the report as JSON here")
    args = parser.parse_args(argv)

    work = tempfile.mkdtemp(prefix="assay-abuse-")
    config = os.path.join(work, "exporter.yaml")
    with open(config, "w") as handle:
        handle.write("store: %s/exporter.sqlite\norchestrator: \"0x%s\"\nscrape:\n  listen: 127.0.0.1:0\ningest:\n  listen: 127.0.0.1:0\n"
                     % (work, "ab" * 20))
    server = subprocess.Popen([args.assay, "exporter", "serve", "--config", config], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    addresses = {}
    deadline = time.time() + 30
    while len(addresses) < 2 and time.time() < deadline:
        line = server.stdout.readline()
        match = re.match(r"(\w+) listening on http://([\d.]+):(\d+)", line)
        if match:
            addresses[match.group(1)] = (match.group(2), int(match.group(3)))
    if len(addresses) < 2:
        print("the exporter did not start", file=sys.stderr)
        server.kill()
        return 1
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    scrape, ingest = addresses["scrape"], addresses["ingest"]
    base = "http://%s:%d" % scrape

    # Records to scrape.
    lines = []
    for i in range(args.records):
        lines.append(json.dumps({"schema": 1, "kind": "batch_request", "id": "abuse-%d" % i, "observer_role": "orchestrator",
                                 "observer_id": "orch-abuse", "request_id": "abuse-%d" % i, "pipeline": "text-to-image",
                                 "model_id": "m", "orchestrator": "0x" + "ab" * 20, "start_ms": 1767225600000 + i,
                                 "end_ms": 1767225601000 + i, "success": True, "tries": 1, "duration_ms": 1000}))
    request = urllib.request.Request("http://%s:%d/v1/ingest" % ingest, data=("\n".join(lines) + "\n").encode(), method="POST")
    urllib.request.urlopen(request, timeout=30).read()
    scrape_all(base, args.records)

    pid = server.pid
    baseline_fds, baseline_rss = fd_count(pid), rss_kib(pid)
    samples = {"rss_kib": [], "fds": []}
    counters = Counters()
    scrapes = {"ok": 0, "failed": 0, "errors": []}

    def monitor():
        while not STOP.is_set():
            try:
                samples["rss_kib"].append(rss_kib(pid))
                samples["fds"].append(fd_count(pid))
            except OSError:
                break
            STOP.wait(0.25)

    def normal_client():
        while not STOP.is_set():
            started = time.time()
            try:
                scrape_all(base, args.records)
                scrapes["ok"] += 1
            except Exception as error:  # noqa: BLE001 - every failure is reported
                scrapes["failed"] += 1
                scrapes["errors"].append("%.1fs: %s" % (time.time() - begin, error))
            STOP.wait(max(0.0, 0.5 - (time.time() - started)))

    begin = time.time()
    threads = [threading.Thread(target=monitor), threading.Thread(target=normal_client)]
    abusers = ["127.0.0.%d" % (2 + i) for i in range(args.abusers)]
    threads += [threading.Thread(target=garbage_worker, args=(scrape, ingest, counters, seed, abusers[seed % len(abusers)])) for seed in range(4)]
    threads += [threading.Thread(target=slowloris_worker, args=(scrape, counters, 300, abusers[0]))]
    threads += [threading.Thread(target=idle_worker, args=(scrape, counters, 1200, abusers))]
    for thread in threads:
        thread.start()
    try:
        while time.time() - begin < args.seconds and server.poll() is None:
            time.sleep(1)
            print("\r%5.0f s  rss %6.1f MB  fds %5d  normal scrapes ok %d failed %d" % (
                time.time() - begin, (samples["rss_kib"] or [0])[-1] / 1024, (samples["fds"] or [0])[-1], scrapes["ok"], scrapes["failed"]),
                end="", file=sys.stderr, flush=True)
    finally:
        STOP.set()
        for thread in threads:
            thread.join()
        print(file=sys.stderr)
    # The flood: more addresses than the per-client limit can hold back; the global limit bounds descriptors.
    flood_stop = threading.Event()
    flood = {"fds_max": 0}
    if server.poll() is None and args.flood_seconds > 0:
        flooders = [threading.Thread(target=idle_worker, args=(scrape, counters, 1500, ["127.0.1.%d" % i for i in range(1, 61)], flood_stop))]
        for thread in flooders:
            thread.start()
        flood_end = time.time() + args.flood_seconds
        while time.time() < flood_end and server.poll() is None:
            try:
                flood["fds_max"] = max(flood["fds_max"], fd_count(pid))
                flood["rss_mb_max"] = max(flood.get("rss_mb_max", 0), round(rss_kib(pid) / 1024, 1))
            except OSError:
                break
            time.sleep(0.25)
        flood_stop.set()
        for thread in flooders:
            thread.join()
    alive = server.poll() is None
    # After the abuse: descriptors return to their baseline once the idle timeout (10 s) has passed.
    settled = None
    after_ok = False
    if alive:
        for _ in range(60):
            time.sleep(0.5)
            settled = fd_count(pid)
            if settled <= baseline_fds + 4:
                break
        try:
            scrape_all(base, args.records)
            after_ok = True
        except Exception:  # noqa: BLE001
            after_ok = False
    report = {
        "seconds": round(time.time() - begin, 1),
        "records": args.records,
        "normal_scrapes_ok": scrapes["ok"],
        "normal_scrapes_failed": scrapes["failed"],
        "normal_scrape_errors": scrapes["errors"][:10],
        "exporter_alive": alive,
        "rss_mb": {"baseline": round(baseline_rss / 1024, 1), "max": round(max(samples["rss_kib"] or [0]) / 1024, 1),
                   "end": round((samples["rss_kib"] or [0])[-1] / 1024, 1)},
        "fds": {"baseline": baseline_fds, "max": max(samples["fds"] or [0]), "after": settled},
        "abuse": counters.values,
        "flood": flood,
    }
    ok = alive and scrapes["failed"] == 0 and scrapes["ok"] > 0 and after_ok \
        and max(report["rss_mb"]["max"], flood.get("rss_mb_max", 0)) <= args.max_rss_mb \
        and settled is not None and settled <= baseline_fds + 4
    report["ok"] = ok
    text = json.dumps(report, indent=2, sort_keys=True)
    print(text)
    if args.report:
        with open(args.report, "w") as handle:
            handle.write(text + "\n")
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
