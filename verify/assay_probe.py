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
from assay_verify import Invalid, _escape, _utf16_key, canonical, parse_json  # noqa: E402

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


PIPELINES = {
    "audio-to-text": "multipart", "image-to-image": "multipart", "image-to-text": "multipart", "image-to-video": "multipart",
    "live-video-to-video": "live", "llm": "json", "segment-anything-2": "multipart", "text-to-image": "json",
    "text-to-speech": "json", "upscale": "multipart",
}
CHECKS = {  # spec/probe.md §2.4: each optional check and the pipelines it fits
    "content_type": set(PIPELINES) - {"live-video-to-video"},
    "images": {"image-to-image", "text-to-image", "upscale"},
    "frames": {"image-to-video"},
    "text": {"audio-to-text", "image-to-text", "llm"},
    "min_output_fps_mfps": {"live-video-to-video"},
}
MEDIA_TYPE_BYTES = set(b"abcdefghijklmnopqrstuvwxyz0123456789!#$&-^_.+/")


class Refused(ValueError):
    """A scenario document that spec/probe.md §2 refuses; the message says where and why."""


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _depth(value):
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def _members(value, path, required, optional=()):
    if not isinstance(value, dict):
        raise Refused(f"{path}: must be an object")
    unknown = set(value) - set(required) - set(optional)
    if unknown:
        raise Refused(f"{path}: '{sorted(unknown)[0]}' is not a member here")
    missing = set(required) - set(value)
    if missing:
        raise Refused(f"{path}: '{sorted(missing)[0]}' is required")
    return value


def _integer(value, path, low, high):
    if not _is_int(value) or not low <= value <= high:
        raise Refused(f"{path}: must be an integer {low} … {high}")
    return value


def _text(value, path, low, high, allowed):
    if not isinstance(value, str):
        raise Refused(f"{path}: must be a string")
    data = value.encode("utf-8")
    if not low <= len(data) <= high or not all(allowed(b) for b in data):
        raise Refused(f"{path}: '{value}' has not the form its place requires")
    return value


def _slug(value, path):
    text = _text(value, path, 1, 63, lambda b: b in b"abcdefghijklmnopqrstuvwxyz0123456789._-")
    if text[0] in "._-":
        raise Refused(f"{path}: a slug starts with a letter or a digit")
    return text


def _identifier(value, path, high=256):
    return _text(value, path, 1, high, lambda b: 0x20 < b < 0x7F and b not in (0x22, 0x5C))


def _media_type(value, path):
    text = _text(value, path, 3, 127, lambda b: b in MEDIA_TYPE_BYTES)
    if text.count("/") != 1 or text.startswith("/") or text.endswith("/"):
        raise Refused(f"{path}: '{text}' is not type/subtype")
    return text


def _body(value, path):
    if not isinstance(value, dict):
        raise Refused(f"{path}: must be an object")
    if len(canonical_value(value)) > 65536:
        raise Refused(f"{path}: more than 65536 bytes in canonical form")
    return value


def _scenario(s, path):
    _members(s, path, ["checks", "id", "model_id", "pipeline", "request", "schedule", "timeout_ms"])
    _slug(s["id"], f"{path}.id")
    model = _identifier(s["model_id"], f"{path}.model_id")
    pipeline = s["pipeline"]
    if pipeline not in PIPELINES:
        raise Refused(f"{path}.pipeline: '{pipeline}' is not a pipeline")
    timeout = _integer(s["timeout_ms"], f"{path}.timeout_ms", 1000, 3_600_000)
    schedule = _members(s["schedule"], f"{path}.schedule", ["per_day"], ["max_daily_cost_wei"])
    _integer(schedule["per_day"], f"{path}.schedule.per_day", 1, 1440)
    if "max_daily_cost_wei" in schedule:
        wei = _text(schedule["max_daily_cost_wei"], f"{path}.schedule.max_daily_cost_wei", 1, 78, lambda b: 0x30 <= b <= 0x39)
        if len(wei) > 1 and wei[0] == "0":
            raise Refused(f"{path}.schedule.max_daily_cost_wei: leading zeros")
    request = _members(s["request"], f"{path}.request", [], ["json", "live", "multipart"])
    if len(request) != 1:
        raise Refused(f"{path}.request: exactly one of json, live, multipart")
    (kind, body), = request.items()
    if kind != PIPELINES[pipeline]:
        raise Refused(f"{path}.request: a {pipeline} scenario takes a '{PIPELINES[pipeline]}' request")
    if kind == "json":
        _body(body, f"{path}.request.json")
        if body.get("model" if pipeline == "llm" else "model_id") != model:
            raise Refused(f"{path}.request.json: the body does not name the scenario's model")
    elif kind == "live":
        _members(body, f"{path}.request.live", ["duration_s", "params"])
        duration = _integer(body["duration_s"], f"{path}.request.live.duration_s", 10, 3600)
        _body(body["params"], f"{path}.request.live.params")
        if timeout < duration * 1000:
            raise Refused(f"{path}.timeout_ms: shorter than the stream")
    else:
        if not isinstance(body, list) or not 1 <= len(body) <= 32:
            raise Refused(f"{path}.request.multipart: 1 to 32 parts")
        names, files, named_model = set(), 0, False
        for i, part in enumerate(body):
            where = f"{path}.request.multipart[{i}]"
            _members(part, where, ["name"], ["file", "value"])
            name = _identifier(part["name"], f"{where}.name", 64)
            if ("file" in part) == ("value" in part):
                raise Refused(f"{where}: a part has 'file' or 'value', one of them")
            if "file" in part:
                f = _members(part["file"], f"{where}.file", ["content_type", "filename", "sha256", "size"])
                _media_type(f["content_type"], f"{where}.file.content_type")
                _slug(f["filename"], f"{where}.file.filename")
                _text(f["sha256"], f"{where}.file.sha256", 64, 64, lambda b: b in b"0123456789abcdef")
                _integer(f["size"], f"{where}.file.size", 1, 104_857_600)
                files += 1
            else:
                value = _text(part["value"], f"{where}.value", 0, 4096, lambda b: 0x20 <= b < 0x7F)
                named_model |= name == "model_id" and value == model
            if name in names:
                raise Refused(f"{where}.name: '{name}' is used twice")
            names.add(name)
        if not named_model:
            raise Refused(f"{path}.request.multipart: no part 'model_id' names the scenario's model")
        if files == 0:
            raise Refused(f"{path}.request.multipart: no file")
    checks = _members(s["checks"], f"{path}.checks", ["status"], list(CHECKS))
    _integer(checks["status"], f"{path}.checks.status", 100, 599)
    for name in checks:
        if name != "status" and pipeline not in CHECKS[name]:
            raise Refused(f"{path}.checks.{name}: does not fit a {pipeline} scenario")
    if "content_type" in checks:
        _media_type(checks["content_type"], f"{path}.checks.content_type")
    if "images" in checks:
        images = _members(checks["images"], f"{path}.checks.images", ["count", "height", "width"])
        _integer(images["count"], f"{path}.checks.images.count", 1, 16)
        _integer(images["height"], f"{path}.checks.images.height", 1, 8192)
        _integer(images["width"], f"{path}.checks.images.width", 1, 8192)
    if "frames" in checks:
        _integer(_members(checks["frames"], f"{path}.checks.frames", ["min"])["min"], f"{path}.checks.frames.min", 1, 10_000)
    if "text" in checks:
        _integer(_members(checks["text"], f"{path}.checks.text", ["min_bytes"])["min_bytes"], f"{path}.checks.text.min_bytes", 1, 1_048_576)
    if "min_output_fps_mfps" in checks:
        _integer(checks["min_output_fps_mfps"], f"{path}.checks.min_output_fps_mfps", 1, 240_000)


def read_document(raw):
    """A published scenario document (spec/probe.md §2), validated; raises Refused. Which problem a document has
    first is the Swift validator's to say (§2.5's order); this one says whether it has one."""
    if len(raw) > 1 << 20:
        raise Refused("$: larger than 1048576 bytes")
    try:
        document = parse_json(raw)
    except Exception as error:  # the reader's own refusal (Invalid), whatever its reason
        raise Refused(f"$: not JSON under the strict rules: {error}")
    if _depth(document) > 16:
        raise Refused("$: nested deeper than 16 levels")
    try:
        encoded = canonical_value(document)
    except (Invalid, ValueError, OverflowError) as error:  # an integer beyond 64 bits is read as a double by others
        raise Refused(f"$: not in canonical form: {error}")
    if encoded != raw:
        raise Refused("$: not in canonical form")
    _members(document, "$", ["scenarios", "version"])
    _integer(document["version"], "version", 1, 1)
    scenarios = document["scenarios"]
    if not isinstance(scenarios, list) or not 1 <= len(scenarios) <= 256:
        raise Refused("scenarios: 1 to 256 scenarios")
    for i, scenario in enumerate(scenarios):
        _scenario(scenario, f"scenarios[{i}]")
    ids = [s["id"].encode() for s in scenarios]
    if any(a >= b for a, b in zip(ids, ids[1:])):
        raise Refused("scenarios: not sorted by id, each once")
    return document


def input_files(document):
    """{sha256: size} of the input files the scenarios name."""
    files = {}
    for scenario in document["scenarios"]:
        for part in scenario["request"].get("multipart", []):
            if "file" in part:
                files[part["file"]["sha256"]] = part["file"]["size"]
    return files


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
