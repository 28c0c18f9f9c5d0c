#!/usr/bin/env python3
"""Answers allowed_signers queries with the independent verifier (verify/assay_verify.py),
for the differential test against ssh-keygen (Tests/AssayCLITests/AllowedSignersDifferentialTests.swift).

    allowed_signers_batch.py BATCH.json

BATCH.json: [{"file": PATH, "verify": [[principal, key_hex, namespace, time], ...],
              "find": [[key_hex, time], ...]}, ...]
Prints JSON: [{"verify": [bool, ...], "find": [[principal, ...], ...],
               "rejected": [[line, deliberate], ...]}, ...]
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "verify"))
import assay_verify as av  # noqa: E402


def main(path):
    with open(path) as handle:
        batch = json.load(handle)
    answers = []
    for case in batch:
        with open(case["file"], "rb") as handle:
            entries, rejected = av.read_allowed_signers(handle.read())
        answers.append({
            "verify": [av.allows(entries, p, bytes.fromhex(k), n, t) for p, k, n, t in case["verify"]],
            "find": [av.find_principals(entries, bytes.fromhex(k), t) for k, t in case["find"]],
            "rejected": [[line, deliberate] for line, _, deliberate in rejected],
        })
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
