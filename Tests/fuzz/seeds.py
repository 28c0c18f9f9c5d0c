#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (Tests/fuzz/README.md) into OUT/<target>/.

Seeds come from Assay's own vectors (spec/vectors, datasets/sample, the README's
configurations) and from the third-party vectors and fixtures in ../shared,
read at run time and never copied into the repository.

    Tests/fuzz/seeds.py OUT [--shared DIR]
"""
import argparse
import hashlib
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--shared", default=os.environ.get("ASSAY_SHARED", os.path.join(os.path.dirname(ROOT), "shared")))
    args = parser.parse_args(argv)
    shared = args.shared
    if not os.path.isdir(os.path.join(shared, "testvectors")):
        print("seeds: %s/testvectors is missing; the third-party seeds come from ../shared" % shared, file=sys.stderr)
        return 1
    counts = {}

    def seed(target, data):
        if isinstance(data, str):
            data = data.encode()
        directory = os.path.join(args.out, target)
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb") as handle:
            handle.write(data)
        counts[target] = counts.get(target, 0) + 1

    def read(*parts):
        with open(os.path.join(*parts), "rb") as handle:
            return handle.read()

    def files(top, suffix=""):
        for base, _, names in sorted(os.walk(top)):
            for name in sorted(names):
                if name.endswith(suffix):
                    yield os.path.join(base, name)

    vectors = os.path.join(ROOT, "spec", "vectors")
    sample = os.path.join(ROOT, "datasets", "sample")
    record_lines = []
    for name in ("valid.jsonl", "valid.canonical.jsonl", "invalid.jsonl", "test_job.valid.jsonl", "test_job.invalid.jsonl",
                 "schema4.valid.jsonl", "schema4.invalid.jsonl"):
        record_lines += read(vectors, "records", name).splitlines()
    record_lines += read(sample, "bundles", "gw-a", "2026", "01", "02", "records.jsonl").splitlines()[:40]
    for line in record_lines:
        seed("record", line)
        seed("record-readers", line)

    for path in files(os.path.join(shared, "testvectors", "jcs", "input")):
        seed("jcs", read(path))
    for line in record_lines[:20]:
        seed("jcs", line)

    for path in (os.path.join(vectors, "sshsig", "vector-key.pub"), os.path.join(vectors, "sshsig", "vector-key")):
        seed("ssh-key", read(path))
    for path in files(os.path.join(shared, "testvectors", "sshsig"), "allowed_signers"):
        for line in read(path).splitlines():
            seed("ssh-key", line.split(b" ", 2)[-1] if b"namespaces" in line else line)

    for path in list(files(os.path.join(shared, "testvectors", "sshsig"), ".sig")) + list(files(vectors, ".sig")):
        seed("sshsig", read(path))

    for path in list(files(os.path.join(shared, "testvectors", "sshsig"), "allowed_signers")) + list(files(vectors, "allowed_signers")) \
            + [os.path.join(sample, "policy", "0001", "allowed_signers")]:
        seed("allowed-signers", read(path))

    for path in list(files(vectors, ".json")) + [os.path.join(sample, "dataset.json")]:
        if os.path.basename(path) in ("manifest.json", "dataset.json", "policy.json"):
            seed("documents", read(path))

    bundle = os.path.join(vectors, "dataset", "bundles", "collector-a", "2026", "01", "10")
    for selector, name in enumerate(("manifest.json", "records.jsonl", "conflicts.jsonl", os.path.join("signatures", "vector-signer.sig"))):
        seed("bundle", bytes([selector]) + read(bundle, name))

    # Whole trees: the empty program (the untouched dataset), and one of each operation (tree target).
    seed("tree", b"")
    for opcode in range(10):
        for selector in (0, 7, 19, 33):
            seed("tree", bytes([opcode, selector, 3]) + b"\x01\x02\x03")

    for path in files(os.path.join(shared, "fixtures", "go-livepeer-events"), ".jsonl"):
        lines = read(path).splitlines(keepends=True)
        for start in range(0, len(lines), 5):
            seed("events", b"".join(lines[start:start + 5]))

    canonical = [json.loads(line) for line in read(vectors, "records", "valid.canonical.jsonl").splitlines()]
    seed("page", b"\x00" + json.dumps({"api": "assay-exporter-v1", "schema": 1, "records": canonical[:8],
                                       "next_cursor": 8, "has_more": True}, separators=(",", ":")).encode())
    seed("page", b"\x02" + json.dumps({"api": "assay-exporter-v1", "schema": 1, "records": canonical[8:],
                                       "next_cursor": 20, "has_more": False}, separators=(",", ":")).encode())
    seed("page", b"\x01" + b'{"error":"pruned","resume_after":40}')
    seed("page", b"\x00" + json.dumps({"api": "assay-exporter-v1", "schema": 1, "records": [{"kind": "probe", "start_ms": 5}],
                                       "next_cursor": 1, "has_more": False}).encode())

    readme = read(ROOT, "README.md").decode()
    for block in re.findall(r"```yaml\n(.*?)```", readme, re.S):
        seed("config", block)
    for doc in ("spec/collector.md", "spec/exporter.md"):
        for block in re.findall(r"```yaml\n(.*?)```", read(ROOT, doc).decode(), re.S):
            seed("config", block)

    # The job tester's formats: the scenario vectors (YAML, published, refused) and the plan input.
    probe = os.path.join(vectors, "probe")
    for name in ("scenarios.yaml", "scenarios.json", "plan.json", "reveal.json", "commitment.json"):
        seed("probe", read(probe, name))
    for line in read(probe, "invalid.jsonl").splitlines():
        vector = json.loads(line)
        seed("probe", vector["text"] if "text" in vector else
             json.dumps(vector["document"], sort_keys=True, separators=(",", ":"), ensure_ascii=False))

    # Zstandard streams: the sharded vector dataset's compressed shards, an empty frame, a skippable frame, two frames.
    for path in files(os.path.join(vectors, "sharded"), ".zst"):
        seed("zstd", read(path))
    empty = bytes.fromhex("28b52ffd2000010000")
    seed("zstd", empty)
    seed("zstd", bytes.fromhex("502a4d18") + (4).to_bytes(4, "little") + b"skip" + empty)
    seed("zstd", empty + empty)

    # The C2SP formats: Assay's own log vectors, the sample's checkpoints, and the third-party C2SP vectors.
    for name in ("checkpoint", "witnesses", "add-checkpoint-request", "record.tlog-proof"):
        seed("log", read(vectors, "log", name))
    seed("log", read(sample, "log", "checkpoint"))
    seed("log", read(sample, "policy", "0001", "witnesses"))
    for path in files(os.path.join(shared, "testvectors", "c2sp"), ".json"):
        def strings(value):
            if isinstance(value, str):
                yield value
            elif isinstance(value, dict):
                for item in value.values():
                    yield from strings(item)
            elif isinstance(value, list):
                for item in value:
                    yield from strings(item)
        for text in strings(json.loads(read(path))):
            if "\u2014" in text or text.startswith(("witness ", "log ", "quorum", "\n")) or re.fullmatch(r"[^ +]+\+[0-9a-f]{8}\+\S+", text):
                seed("log", text)

    for target in sorted(counts):
        print("%-16s %4d seeds" % (target, counts[target]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
