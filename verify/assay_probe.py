#!/usr/bin/env python3
"""The job tester's published order, recomputed from spec/probe.md §3 alone.

A second implementation, sharing no code with the Swift one: given a scenario
document (spec/probe.md §2) and a revealed day (its seed and targets), it prints
the seed's commitment or the day's probe order, so an auditor can compare both
with what the tester published.

    python3 verify/assay_probe.py commitment --day 2026-12-01 --seed HEX
    python3 verify/assay_probe.py plan SCENARIOS.json PLAN.json > order.jsonl
    python3 verify/assay_probe.py hashes SCENARIOS.json

Standard library only; it shares the JSON reader and string escaping of
assay_verify.py (beside this file) and adds RFC 8785's number form, which
scenario bodies need (`guidance_scale: 7.5`) and records never do.
"""

import argparse
import datetime
import decimal
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from assay_verify import _escape, _utf16_key, canonical, parse_json  # noqa: E402

DAY_MS = 86_400_000


def es6_number(x):
    """A double as RFC 8785 writes it (ECMAScript's Number::toString): the shortest digits that read back."""
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    parts = decimal.Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, parts.digits))
    k, n = len(digits), parts.exponent + len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    exponent = "e" + ("+" if n - 1 >= 0 else "-") + str(abs(n - 1))
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + exponent


def canonical_value(value):
    """RFC 8785 bytes of any JSON value, numbers with fractions included."""
    def encode(v):
        if isinstance(v, float):
            return es6_number(v)
        if isinstance(v, list):
            return "[" + ",".join(encode(e) for e in v) + "]"
        if isinstance(v, dict):
            return "{" + ",".join(_escape(k) + ":" + encode(v[k]) for k in sorted(v.keys(), key=_utf16_key)) + "}"
        return canonical(v).decode("utf-8")
    return encode(value).encode("utf-8")


def commitment(day, seed_hex):
    """SHA-256("assay-probe-seed-v1" LF DAY LF SEED), spec/probe.md §3.1."""
    return hashlib.sha256(f"assay-probe-seed-v1\n{day}\n{seed_hex}".encode()).hexdigest()


def day_number(day):
    date = datetime.date.fromisoformat(day)
    return (date - datetime.date(1970, 1, 1)).days


def order(document, day, seed_hex, targets):
    """The day's probes, sorted (spec/probe.md §3.2), as (at_ms, u, scenario, orchestrator, k)."""
    per_day = {s["id"]: s["schedule"]["per_day"] for s in document["scenarios"]}
    start_of_day = day_number(day) * DAY_MS
    probes = []
    for scenario_id, orchestrators in targets.items():
        if scenario_id not in per_day:
            raise ValueError(f"targets name '{scenario_id}', which is not a scenario of the document")
        n = per_day[scenario_id]
        for orchestrator in orchestrators:
            for k in range(n):
                message = f"assay-probe-order-v1\n{day}\n{seed_hex}\n{scenario_id}\n{orchestrator}\n{k}".encode()
                u = int.from_bytes(hashlib.sha256(message).digest()[:8], "big")
                start = k * DAY_MS // n
                length = (k + 1) * DAY_MS // n - start
                probes.append((start_of_day + start + u % length, u, scenario_id.encode(), orchestrator.encode(), k))
    probes.sort()
    return probes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    c = commands.add_parser("commitment", help="the commitment of a day's seed")
    c.add_argument("--day", required=True)
    c.add_argument("--seed", required=True)
    p = commands.add_parser("plan", help="the order of a revealed day, as JSON Lines")
    p.add_argument("scenarios")
    p.add_argument("plan")
    h = commands.add_parser("hashes", help="each scenario's SHA-256 over its canonical bytes")
    h.add_argument("scenarios")
    arguments = parser.parse_args()
    if arguments.command == "commitment":
        print(commitment(arguments.day, arguments.seed))
        return
    with open(arguments.scenarios, "rb") as file:
        raw = file.read()
    document = parse_json(raw)
    if canonical_value(document) != raw:
        sys.exit(f"{arguments.scenarios}: not in canonical form")
    if arguments.command == "hashes":
        for scenario in document["scenarios"]:
            print(f"{hashlib.sha256(canonical_value(scenario)).hexdigest()}  {scenario['id']}")
        return
    with open(arguments.plan, "rb") as file:
        plan = json.load(file)
    out = sys.stdout.buffer
    for at_ms, _, scenario_id, orchestrator, k in order(document, plan["day"], plan["seed"], plan["targets"]):
        out.write(canonical({"at_ms": at_ms, "k": k, "orchestrator": orchestrator.decode(), "scenario": scenario_id.decode()}) + b"\n")


if __name__ == "__main__":
    main()
