#!/usr/bin/env python3
"""An independent verifier of Assay datasets, written from spec/ alone.

This is the second implementation the auditor's kit asks for: it shares no
code with the Swift `assay verify`, only the specification (spec/README.md,
canonical-json.md, records.md, hashing.md, signatures.md, dataset.md) and
the JSON Schemas in spec/schemas/. It needs Python 3.9+, the `cryptography`
package (for Ed25519) and, for datasets with compressed files (dataset.md
§4.7), the `zstandard` package; everything else is the standard library.

    python3 verify/assay_verify.py DATASET [--json] [--policy FILE]
        [--threshold N] [--max-age N --today YYYY-MM-DD] [--state FILE]
        [--trust HASH|FILE] [--git] [--only COLLECTOR[/DAY[..DAY]] ...]

Exit status 0 when the dataset verifies (no error finding), 1 otherwise.
The JSON report has the shape of `assay verify --json` (format
assay-verify-report-v2); findings carry the same rule codes. --git runs the
system's git (read-only) to walk the history.
"""

import argparse
import base64
import datetime
import errno
import hashlib
import json
import os
import re
import stat
import sys
import tempfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

SPEC_VERSION = "1"
MANIFEST_NAMESPACE = "assay-manifest-v1"
KINDS = ["live_session", "batch_request", "llm_request", "byoc_job", "probe"]
# Kinds added by later record schemas, with the version that added them (records.md §3.6); a manifest lists
# them only when the bundle has some (dataset.md §4).
LATER_KINDS = {"test_job": 3, "capability_snapshot": 4}
ALL_KINDS = KINDS + list(LATER_KINDS)
LINE_LIMIT = 65536
SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
HEX64 = re.compile(r"[0-9a-f]{64}")
DAY_MS = 86_400_000
# The spec/ directory this verifier reads its schemas and profiles from: found by locate_spec().
SPEC_DIR = None
SPEC_FROM = None


class SpecNotFound(Exception):
    """spec/ is neither where it was said to be nor beside this kit."""


def locate_spec(option=None):
    """Finds spec/ (its schemas/ and profiles/): the --spec option, else beside this kit
    (verify/../spec), else ./spec in the working directory. Returns (path, how it was found)."""
    global SPEC_DIR, SPEC_FROM
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [(option, "given with --spec")] if option else [
        (os.path.join(here, "..", "spec"), "beside this kit"), (os.path.join(os.getcwd(), "spec"), "in the working directory")]
    for path, how in candidates:
        if os.path.isdir(os.path.join(path, "schemas")) and os.path.isdir(os.path.join(path, "profiles")):
            SPEC_DIR, SPEC_FROM = os.path.normpath(os.path.abspath(path)), how
            return SPEC_DIR, SPEC_FROM
    raise SpecNotFound("cannot find Assay's spec/ directory (with schemas/ and profiles/); looked in "
                       + ", ".join(sorted({os.path.normpath(os.path.abspath(path)) for path, _ in candidates}))
                       + ". Give it with --spec DIR (the spec/ of the Assay repository whose version the dataset names)")


def spec_path(*parts):
    """A file of spec/, locating spec/ beside this kit on first use."""
    if SPEC_DIR is None:
        locate_spec()
    return os.path.join(SPEC_DIR, *parts)


class Invalid(Exception):
    """A document or record that breaks the spec; the message says why."""


# ---------------------------------------------------------------- canonical JSON (canonical-json.md)

def _reject_constant(name):
    raise Invalid("%s is not JSON" % name)


class _Float(float):
    """Marks a number written with a fraction or an exponent."""


def _parse_float(text):
    """A number with a fraction or an exponent, refused when no double holds it (1e400), as strict parsers refuse it."""
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise Invalid("number %s is out of the range of IEEE 754 double precision" % text)
    return _Float(value)


def _pairs(pairs):
    seen = set()
    for key, _ in pairs:
        if key in seen:
            raise Invalid("duplicate member name %r" % key)
        seen.add(key)
    return dict(pairs)


def _check_strings(value):
    """Rejects lone surrogates (escaped \\uD800 etc.), which json.loads lets through."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Invalid("lone surrogate in a string")
    elif isinstance(value, list):
        for element in value:
            _check_strings(element)
    elif isinstance(value, dict):
        for key, element in value.items():
            _check_strings(key)
            _check_strings(element)


def parse_json(data):
    """Strict JSON (canonical-json.md §2) from bytes."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Invalid("invalid UTF-8: %s" % error)
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_reject_constant,
                           parse_float=_parse_float)
    except Invalid:
        raise
    except (ValueError, RecursionError) as error:
        raise Invalid("malformed JSON: %s" % error)
    _check_strings(value)
    return value


def _utf16_key(text):
    return text.encode("utf-16-be")


_NEEDS_ESCAPE = re.compile('[\x00-\x1f"\\\\]')


def _escape(text):
    if not _NEEDS_ESCAPE.search(text):  # the usual case: nothing to escape
        return '"' + text + '"'
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20:
            out.append("\\u%04x" % code)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def canonical(value):
    """RFC 8785 bytes of a value without floats (all Assay documents and records)."""
    def encode(v):
        if v is None:
            return "null"
        if v is True:
            return "true"
        if v is False:
            return "false"
        if isinstance(v, _Float) or isinstance(v, float):
            raise Invalid("non-integer number")
        if isinstance(v, int):
            # Assay documents hold integers of 64 bits only (canonical-json.md §2); larger ones would be doubles.
            if not -2 ** 63 <= v <= 2 ** 63 - 1:
                raise Invalid("an integer beyond 64 bits")
            return str(v)
        if isinstance(v, str):
            return _escape(v)
        if isinstance(v, list):
            return "[" + ",".join(encode(e) for e in v) + "]"
        if isinstance(v, dict):
            keys = sorted(v.keys(), key=_utf16_key)
            return "{" + ",".join(_escape(k) + ":" + encode(v[k]) for k in keys) + "}"
        raise Invalid("unsupported value")
    return encode(value).encode("utf-8")


# ---------------------------------------------------------------- records (records.md)

RECORD_SCHEMAS = (1, 2, 3, 4)


def _load_schemas():
    """{version: {kind: schema}}: version 1 in spec/schemas/, later ones in spec/schemas/v<N>/ (records.md §3.5)."""
    schemas = {}
    for version in RECORD_SCHEMAS:
        schemas[version] = {}
        for kind in [k for k in ALL_KINDS if LATER_KINDS.get(k, 1) <= version]:
            parts = ("schemas", "%s.schema.json" % kind) if version == 1 else ("schemas", "v%d" % version, "%s.schema.json" % kind)
            with open(spec_path(*parts), "rb") as handle:
                schemas[version][kind] = json.loads(handle.read().decode("utf-8"))
    return schemas


_SCHEMAS = None


def schemas(version=1):
    """The record schemas of `version` from spec/schemas/, read on first use (after locate_spec)."""
    global _SCHEMAS
    if _SCHEMAS is None:
        _SCHEMAS = _load_schemas()
    return _SCHEMAS[version]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_property(name, value, rule):
    if "const" in rule:
        if type(value) is not type(rule["const"]) or value != rule["const"]:
            raise Invalid("%s must be %r" % (name, rule["const"]))
        return
    kind = rule.get("type")
    if kind == "integer":
        if not _is_int(value) or isinstance(value, _Float):
            raise Invalid("%s must be an integer" % name)
        if not rule["minimum"] <= value <= rule["maximum"]:
            raise Invalid("%s out of range" % name)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise Invalid("%s must be a boolean" % name)
    elif kind == "string":
        if not isinstance(value, str):
            raise Invalid("%s must be a string" % name)
        if "enum" in rule and value not in rule["enum"]:
            raise Invalid("%s not one of the listed values" % name)
        if "maxLength" in rule and len(value) > rule["maxLength"]:
            raise Invalid("%s too long" % name)
        if "pattern" in rule and not re.fullmatch(rule["pattern"], value):
            raise Invalid("%s has the wrong format" % name)
    elif kind == "array":
        if not isinstance(value, list) or len(value) > rule["maxItems"]:
            raise Invalid("%s must be an array of at most %d items" % (name, rule["maxItems"]))
        for element in value:
            _check_property(name, element, rule["items"])
        if rule.get("uniqueItems") and len(set(value)) != len(value):
            raise Invalid("%s has duplicates" % name)
    elif kind == "object":
        if not isinstance(value, dict) or sorted(value) != sorted(rule["required"]) or set(value) != set(rule["properties"]):
            raise Invalid("%s: each element has exactly the members %s" % (name, ", ".join(rule["required"])))
        for member in sorted(value):
            _check_property(name, value[member], rule["properties"][member])


def _check_status_hours(record):
    """The rule status-hours (records.md §5)."""
    samples = record["status_samples"]
    hours = record.get("status_hours")
    if hours is None:
        if samples > 0 and record["observer_role"] == "gateway":
            raise Invalid("rule status-hours")
        return
    previous, total = None, 0
    for hour in hours:
        count = hour["samples"]
        if hour["hour_ms"] % 3_600_000 != 0 or (previous is not None and hour["hour_ms"] <= previous):
            raise Invalid("rule status-hours")
        if max(hour["fps_positive_samples"], hour["latency_samples"], hour["running_samples"]) > count:
            raise Invalid("rule status-hours")
        if hour["output_fps_sum_mfps"] > count * 10_000_000:
            raise Invalid("rule status-hours")
        if hour["latency_sum_ms"] > hour["latency_samples"] * 86_400_000:
            raise Invalid("rule status-hours")
        previous = hour["hour_ms"]
        total += count
    if total != samples:
        raise Invalid("rule status-hours")


def validate_record(data):
    """Parses and validates one record line (records.md §6); returns the record."""
    if len(data) == 0:
        raise Invalid("empty line")
    record = parse_json(data)
    if not isinstance(record, dict):
        raise Invalid("a record is an object")
    kind = record.get("kind")
    if not isinstance(kind, str) or kind not in ALL_KINDS:
        raise Invalid("unknown kind")
    version = record.get("schema", 1)
    if not _is_int(version) or isinstance(version, _Float) or version not in RECORD_SCHEMAS:
        raise Invalid("unsupported schema version")
    if version < LATER_KINDS.get(kind, 1):
        raise Invalid("unsupported schema version: %s records are schema %d" % (kind, LATER_KINDS[kind]))
    schema = schemas(version)[kind]
    for name, value in record.items():
        if name not in schema["properties"]:
            raise Invalid("unknown field %s" % name)
        _check_property(name, value, schema["properties"][name])
    for name in schema["required"]:
        if name not in record:
            raise Invalid("missing field %s" % name)
    start, end = record.get("start_ms"), record.get("end_ms")
    if kind not in ("probe", "capability_snapshot") and end is not None and end < start:
        raise Invalid("rule end-after-start")
    if kind == "live_session":
        first = record.get("first_output_ms")
        if first is not None and (first < start or (end is not None and first > end)):
            raise Invalid("rule first-output-in-session")
        outcome = record["outcome"]
        if (outcome == "no_orchestrator") != ("orchestrator" not in record):
            raise Invalid("rule orchestrator-iff-selected")
        if outcome in ("completed", "zero_fps") and first is None:
            raise Invalid("rule output-matches-outcome")
        if outcome in ("no_orchestrator", "startup_failed", "loading_only", "no_output") and first is not None:
            raise Invalid("rule output-matches-outcome")
        codes = [c.encode("utf-8") for c in record.get("error_codes", [])]
        if any(not codes[i - 1] < codes[i] for i in range(1, len(codes))):
            raise Invalid("rule sorted-error-codes")
        if version >= 4:
            _check_session_cost(record)
        if version >= 2:
            _check_status_hours(record)
    elif kind in ("batch_request", "llm_request", "byoc_job", "capability_snapshot"):
        if ("price_per_unit_wei" in record) != ("pixels_per_unit" in record):
            raise Invalid("rule price-pair")
        if ("cost_wei" in record) != ("tickets" in record):
            raise Invalid("rule cost-pair")
        for field in ("gpu_ids", "gpu_models"):
            texts = [t.encode("utf-8") for t in record.get(field, [])]
            if any(not texts[i - 1] < texts[i] for i in range(1, len(texts))):
                raise Invalid("rule sorted-gpu-lists")
    elif kind == "probe":
        if record["outcome"] == "ok" and "latency_ms" not in record:
            raise Invalid("rule ok-has-latency")
    elif kind == "test_job":
        _check_test_job(record)
    return record


INGEST_FIELDS = ("ingest_conn_quality", "ingest_jitter_p50_us", "ingest_jitter_p90_us", "ingest_loss_ppm",
                 "ingest_packets_lost", "ingest_packets_received", "ingest_rtt_p50_us")


def _check_session_cost(record):
    """The rule session-cost (records.md §5, version 4)."""
    for first, second in (("advertised_price_per_unit_wei", "advertised_pixels_per_unit"),
                          ("paid_price_per_unit_wei", "paid_pixels_per_unit"), ("cost_wei", "tickets")):
        if (first in record) != (second in record):
            raise Invalid("rule session-cost")
    if "ingest_samples" not in record and any(field in record for field in INGEST_FIELDS):
        raise Invalid("rule session-cost")
    lost, received = record.get("ingest_packets_lost", 0), record.get("ingest_packets_received", 0)
    expected = lost * 1_000_000 // (lost + received) if lost + received > 0 else None
    if record.get("ingest_loss_ppm") != expected:
        raise Invalid("rule session-cost")


def _check_test_job(record):
    """The rules sent-in-attempt and test-job-outcome (records.md §5)."""
    sent, start, end = record.get("sent_ms"), record["start_ms"], record.get("end_ms")
    if sent is not None and (sent < start or (end is not None and sent > end)):
        raise Invalid("rule sent-in-attempt")
    outcome = record["outcome"]
    if (outcome == "skipped") != ("skip_reason" in record):
        raise Invalid("rule test-job-outcome")
    if outcome == "skipped":
        if any(field in record for field in ("sent_ms", "http_status", "ttfb_ms", "latency_ms", "output_fps_mfps", "failed_checks")):
            raise Invalid("rule test-job-outcome")
        return
    if sent is None:
        raise Invalid("rule test-job-outcome")
    checks = [c.encode("utf-8") for c in record.get("failed_checks", [])]
    if (outcome == "failed_check") != ("failed_checks" in record):
        raise Invalid("rule test-job-outcome")
    if outcome == "failed_check" and (not checks or any(not checks[i - 1] < checks[i] for i in range(1, len(checks)))):
        raise Invalid("rule test-job-outcome")
    if outcome == "passed" and ("http_status" not in record or "latency_ms" not in record):
        raise Invalid("rule test-job-outcome")


# ---------------------------------------------------------------- hashing (hashing.md)

def leaf_hash(data):
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves):
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


# ---------------------------------------------------------------- keys and signatures (signatures.md)

def _b64(text):
    """Strict base64: the canonical encoding of the decoded bytes, nothing else."""
    try:
        data = base64.b64decode(text, validate=True)
    except (ValueError, TypeError):
        raise Invalid("not valid base64")
    if base64.b64encode(data).decode("ascii") != text:
        raise Invalid("not canonical base64")
    return data


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def uint32(self):
        if self.pos + 4 > len(self.data):
            raise Invalid("truncated")
        value = int.from_bytes(self.data[self.pos:self.pos + 4], "big")
        self.pos += 4
        return value

    def string(self):
        length = self.uint32()
        if self.pos + length > len(self.data):
            raise Invalid("truncated")
        value = self.data[self.pos:self.pos + length]
        self.pos += length
        return value

    def done(self):
        return self.pos == len(self.data)


def _ssh_string(data):
    return len(data).to_bytes(4, "big") + data


def parse_public_blob(blob):
    reader = Reader(blob)
    if reader.string() != b"ssh-ed25519":
        raise Invalid("not an ssh-ed25519 key")
    key = reader.string()
    if len(key) != 32 or not reader.done():
        raise Invalid("bad ssh-ed25519 key")
    return key


def fingerprint(key):
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(key)
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode("ascii").rstrip("=")


def parse_sshsig(text):
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    while lines and lines[-1] == "":
        lines.pop()
    if not lines or lines[0] != "-----BEGIN SSH SIGNATURE-----":
        raise Invalid("missing BEGIN line")
    if len(lines) < 3 or lines[-1] != "-----END SSH SIGNATURE-----":
        raise Invalid("missing END line")
    blob = _b64("".join(lines[1:-1]))
    if not blob.startswith(b"SSHSIG"):
        raise Invalid("not SSHSIG")
    reader = Reader(blob[6:])
    if reader.uint32() != 1:
        raise Invalid("SSHSIG version is not 1")
    key = parse_public_blob(reader.string())
    try:
        namespace = reader.string().decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("namespace is not UTF-8")
    if reader.string() != b"":
        raise Invalid("reserved field is not empty")
    algorithm = reader.string().decode("ascii", "replace")
    if algorithm not in ("sha256", "sha512"):
        raise Invalid("unsupported hash algorithm")
    inner = Reader(reader.string())
    if not reader.done():
        raise Invalid("trailing bytes")
    if inner.string() != b"ssh-ed25519":
        raise Invalid("not an Ed25519 signature")
    signature = inner.string()
    if len(signature) != 64 or not inner.done():
        raise Invalid("bad Ed25519 signature")
    return {"key": key, "namespace": namespace, "algorithm": algorithm, "signature": signature}


def verify_sshsig(parsed, message, namespace):
    if parsed["namespace"] != namespace:
        raise Invalid("signature is for namespace %r" % parsed["namespace"])
    digest = hashlib.new(parsed["algorithm"], message).digest()
    data = (b"SSHSIG" + _ssh_string(namespace.encode("utf-8")) + _ssh_string(b"")
            + _ssh_string(parsed["algorithm"].encode("ascii")) + _ssh_string(digest))
    try:
        Ed25519PublicKey.from_public_bytes(parsed["key"]).verify(parsed["signature"], data)
    except (InvalidSignature, ValueError):
        raise Invalid("the Ed25519 signature does not verify")


# ---------------------------------------------------------------- allowed_signers (signatures.md §4)

_DELIM_WS = b" \t\r\n"
_C_SPACE = b" \t\n\v\f\r"
_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
# Key types OpenSSH 9.2 knows besides ssh-ed25519 (signatures.md §4.1: they authorize nothing here).
_OTHER_KEY_TYPES = {
    b"ssh-ed25519-cert-v01@openssh.com", b"sk-ssh-ed25519@openssh.com", b"sk-ssh-ed25519-cert-v01@openssh.com",
    b"ssh-rsa", b"rsa-sha2-256", b"rsa-sha2-512", b"ssh-rsa-cert-v01@openssh.com", b"rsa-sha2-256-cert-v01@openssh.com",
    b"rsa-sha2-512-cert-v01@openssh.com", b"ssh-dss", b"ssh-dss-cert-v01@openssh.com",
    b"ecdsa-sha2-nistp256", b"ecdsa-sha2-nistp384", b"ecdsa-sha2-nistp521", b"ecdsa-sha2-nistp256-cert-v01@openssh.com",
    b"ecdsa-sha2-nistp384-cert-v01@openssh.com", b"ecdsa-sha2-nistp521-cert-v01@openssh.com",
    b"sk-ecdsa-sha2-nistp256@openssh.com", b"sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    b"webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
}


def _b64_pton(data):
    """signatures.md §4 step 4: b64_pton's rules; None when they are not met."""
    out = bytearray()
    state = 0
    i = 0
    pad = False
    while i < len(data):
        ch = data[i]
        i += 1
        if ch in _C_SPACE:
            continue
        if ch == 0x3D:
            pad = True
            break
        value = _B64_ALPHABET.find(bytes([ch]))
        if value < 0:
            return None
        if state == 0:
            out.append(value << 2)
            state = 1
        elif state == 1:
            out[-1] |= value >> 4
            out.append((value & 0x0F) << 4)
            state = 2
        elif state == 2:
            out[-1] |= value >> 2
            out.append((value & 0x03) << 6)
            state = 3
        else:
            out[-1] |= value
            state = 0
    if pad:
        if state in (0, 1):
            return None
        if state == 2:
            while i < len(data) and data[i] in _C_SPACE:
                i += 1
            if i >= len(data) or data[i] != 0x3D:
                return None
            i += 1
        if any(b not in _C_SPACE for b in data[i:]):
            return None
        if out[-1] != 0:
            return None
        del out[-1]
    elif state != 0:
        return None
    return bytes(out)


def _read_key(line, c):
    """("ed25519", key) | ("other", type) | None (signatures.md §4 step 4)."""
    ends = [j for j in range(c, len(line)) if line[j] in b" \t"]
    if not ends:
        return None
    key_type = line[c:ends[0]]
    c = ends[0]
    while c < len(line) and line[c] in b" \t":
        c += 1
    if c >= len(line):
        return None
    if key_type in _OTHER_KEY_TYPES:
        return ("other", key_type.decode("utf-8", "replace"))
    if key_type != b"ssh-ed25519":
        return None
    end = c
    while end < len(line) and line[end] not in b" \t":
        end += 1
    blob = _b64_pton(line[c:end])
    if blob is None:
        return None
    try:
        return ("ed25519", parse_public_blob(blob))
    except Invalid:
        return None


def _parse_allowed_time(value):
    """("seconds", n) | ("refused", why) | None when OpenSSH refuses it too (signatures.md §4 step 6, §4.1)."""
    text = value.decode("utf-8", "replace")
    digits = value
    utc = False
    if len(digits) > 1 and digits[-1:].lower() == b"z":
        utc, digits = True, digits[:-1]
    elif len(digits) > 3 and digits[-3:].lower() == b"utc":
        utc, digits = True, digits[:-3]
    if len(digits) not in (8, 12, 14):
        return None
    if not utc:
        return ("refused", "validity time %r has no Z (UTC): OpenSSH reads it in the local time zone" % text)
    if not all(0x30 <= b <= 0x39 for b in digits):
        return ("refused", "validity time %r must be digits" % text)
    n = lambda a, b: int(digits[a:b])
    year, month, day = n(0, 4), n(4, 6), n(6, 8)
    hour = n(8, 10) if len(digits) >= 12 else 0
    minute = n(10, 12) if len(digits) >= 12 else 0
    second = n(12, 14) if len(digits) == 14 else 0
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second <= 61):
        return None
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second if second < 60 else 0, tzinfo=datetime.timezone.utc)
    except ValueError:
        moment = None
    if moment is None or second >= 60:
        return ("refused", "validity time %r is not a real date and time" % text)
    seconds = int(moment.timestamp())
    return ("seconds", seconds) if seconds > 0 else None


def _parse_allowed_line(line):
    """One line (bytes, NUL-truncated, with its newline): "comment", an entry dict, or (reason, deliberate)."""
    c = 0
    while c < len(line) and line[c] in _DELIM_WS:
        c += 1
    if c == len(line) or line[c] == 0x23:
        return "comment"
    d = c
    while d < len(line) and line[d] not in _DELIM_WS and line[d] != 0x22:
        d += 1
    if d == len(line):
        return ("invalid line: nothing after the principals", False)
    if line[d] == 0x22:
        close = line.find(b'"', d + 1)
        if close < 0:
            return ("invalid line: the principals' quote is not closed", False)
        field = line[c:d] + line[d + 1:close]
        c = close + 1
    else:
        field = line[c:d]
        c = d + 1
    while c < len(line) and line[c] in _DELIM_WS:
        c += 1
    principals = [p.decode("utf-8", "replace") for p in field.split(b",")]
    options = None
    key = _read_key(line, c)
    if key is None:
        start, quoted = c, False
        while c < len(line) and (quoted or line[c] not in b" \t"):
            if line[c] == 0x5C and c + 1 < len(line) and line[c + 1] == 0x22:
                c += 1
            elif line[c] == 0x22:
                quoted = not quoted
            c += 1
        if c == len(line) and quoted:
            return ("invalid options: a quote is not closed", False)
        if c == len(line):
            return ("missing key", False)
        options = line[start:c]
        c += 1
        while c < len(line) and line[c] in b" \t":
            c += 1
        key = _read_key(line, c)
        if key is None:
            return ("invalid key", False)
    ca, namespaces, after, before, refused = False, None, None, None, None
    if options:
        at = 0

        def dequote():
            nonlocal at
            if at >= len(options) or options[at] != 0x22:
                return None
            j, out = at + 1, bytearray()
            while j < len(options) and options[j] != 0x22:
                if options[j] == 0x5C and j + 1 < len(options) and options[j + 1] == 0x22:
                    j += 1
                out.append(options[j])
                j += 1
            if j >= len(options):
                return None
            at = j + 1
            return bytes(out)

        while at < len(options) and options[at] not in b" \t":
            lowered = options[at:].lower()
            if lowered.startswith(b"cert-authority"):
                ca = True
                at += len(b"cert-authority")
            elif lowered.startswith(b"namespaces="):
                if namespaces is not None:
                    return ('bad options: multiple "namespaces" clauses', False)
                at += len(b"namespaces=")
                value = dequote()
                if value is None:
                    return ("bad options: namespaces: a value must be quoted and closed", False)
                namespaces = value
            elif lowered.startswith(b"valid-after=") or lowered.startswith(b"valid-before="):
                is_after = lowered.startswith(b"valid-after=")
                name = "valid-after" if is_after else "valid-before"
                if (after if is_after else before) is not None:
                    return ('bad options: multiple "%s" clauses' % name, False)
                at += len(name) + 1
                value = dequote()
                if value is None:
                    return ("bad options: %s: a value must be quoted and closed" % name, False)
                parsed = _parse_allowed_time(value)
                if parsed is None:
                    return ('bad options: invalid "%s" time' % name, False)
                if parsed[0] == "refused":
                    refused = refused or parsed[1]
                    seconds = 1
                else:
                    seconds = parsed[1]
                if is_after:
                    after = seconds
                else:
                    before = seconds
            if at == len(options) or options[at] in b" \t":
                break
            if options[at] != 0x2C:
                return ("bad options: unknown key option", False)
            at += 1
            if at == len(options):
                return ("bad options: unexpected end-of-options", False)
        if refused is None and after is not None and before is not None and before <= after:
            return ('bad options: "valid-before" time is before "valid-after"', False)
    if refused is not None:
        return (refused, True)
    if key[0] == "other":
        return ("the key is %s; Assay verifies only Ed25519 signatures" % key[1], True)
    if ca:
        return ("cert-authority: OpenSSH matches it only against certificates, which Assay never uses", True)
    return {"principals": principals, "key": key[1],
            "namespaces": None if namespaces is None else [n.decode("utf-8", "replace") for n in namespaces.split(b",")],
            "after": after, "before": before}


def read_allowed_signers(data):
    """signatures.md §4, as OpenSSH reads it: (entries, [(line, reason, deliberate)])."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    entries, rejected = [], []
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if number == len(lines) and raw == b"":
            break
        line = raw + (b"\n" if number < len(lines) else b"")
        nul = line.find(b"\0")
        if nul >= 0:
            line = line[:nul]
        result = _parse_allowed_line(line)
        if result == "comment":
            continue
        if isinstance(result, dict):
            entries.append(result)
        else:
            rejected.append((number, result[0], result[1]))
    return entries, rejected


def parse_allowed_signers(data):
    """A policy's allowed_signers: every line must be usable (signatures.md §4.1, last paragraph)."""
    entries, rejected = read_allowed_signers(data)
    if rejected:
        raise Invalid("line %d: %s" % rejected[0][:2])
    return entries


def _match_pattern(text, pattern):
    """match_pattern on bytes (`*` any run, `?` one byte), in O(len(text) × len(pattern))."""
    t, p = text, pattern
    ti = pi = 0
    star, mark = -1, 0
    while ti < len(t):
        if pi < len(p) and p[pi] == 0x2A:
            star, mark = pi, ti
            pi += 1
        elif pi < len(p) and (p[pi] == 0x3F or p[pi] == t[ti]):
            ti += 1
            pi += 1
        elif star >= 0:
            pi = star + 1
            mark += 1
            ti = mark
        else:
            return False
    while pi < len(p) and p[pi] == 0x2A:
        pi += 1
    return pi == len(p)


def _matches(text, pattern):
    return _match_pattern(text.encode("utf-8"), pattern.encode("utf-8"))


def match_list(text, patterns):
    """match_pattern_list(text, patterns) == 1 (signatures.md §4, Patterns)."""
    subject = text.encode("utf-8")
    positive = False
    for pattern in patterns:
        raw = pattern.encode("utf-8")
        negated = raw[:1] == b"!"
        if negated:
            raw = raw[1:]
        if len(raw) >= 1023:
            return False
        if _match_pattern(subject, raw):
            if negated:
                return False
            positive = True
    return positive


def _permits(entry, namespace, time):
    if namespace is not None and entry["namespaces"] is not None and not match_list(namespace, entry["namespaces"]):
        return False
    if time is not None and entry["after"] is not None and time < entry["after"]:
        return False
    if time is not None and entry["before"] is not None and time > entry["before"]:
        return False
    return True


def allows(entries, principal, key, namespace, time):
    return any(e["key"] == key and match_list(principal, e["principals"]) and _permits(e, namespace, time) for e in entries)


def find_principals(entries, key, time):
    """What `ssh-keygen -Y find-principals` prints for `key` at `time` (signatures.md §4)."""
    for entry in entries:
        if entry["key"] == key and _permits(entry, None, time):
            out = []
            for principal in entry["principals"]:
                if principal == "":
                    break
                out.append(principal)
            return out
    return []


def known_key(entries, key, namespace):
    return any(e["key"] == key and _permits(e, namespace, None) for e in entries)


# ---------------------------------------------------------------- trust policy (policy.md)

POLICY_NAMESPACE = "assay-policy-v1"
ASSAY_NAMESPACES = ["assay-manifest-v1", "assay-scores-v1", "assay-policy-v1", "git"]


def parse_policy_time(text):
    """YYYY-MM-DDTHH:MM:SSZ, exactly (policy.md §1.1)."""
    if not isinstance(text, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", text):
        raise Invalid("time %r must be YYYY-MM-DDTHH:MM:SSZ" % (text,))
    try:
        moment = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        raise Invalid("time %r is not a valid date" % text)
    return int(moment.timestamp())


def _file_reference(value, name):
    if not isinstance(value, dict) or set(value) != {"sha256", "size"} or not isinstance(value["sha256"], str) \
            or not HEX64.fullmatch(value["sha256"]) or not _is_int(value["size"]) or not 0 <= value["size"] <= 1 << 22:
        raise Invalid("%s must be {sha256, size}" % name)
    return value


def parse_policy_document(data):
    """policy/NNNN/policy.json, format assay-policy-v2 (policy.md §1.1); version 1 is the genesis."""
    if not data.endswith(b"\n"):
        raise Invalid("policy.json must end with a newline")
    value = parse_json(data[:-1])
    if canonical(value) + b"\n" != data:
        raise Invalid("policy.json is not canonical")
    common = {"format", "dataset", "version", "issued", "threshold", "allowed_signers", "revocations", "summary"}
    if not isinstance(value, dict) or value.get("format") != "assay-policy-v2":
        raise Invalid("policy.json must be an object of format assay-policy-v2")
    version = value.get("version")
    if not _is_int(version) or not 1 <= version <= 9999:
        raise Invalid("version must be 1 to 9999")
    members = common | ({"descriptor"} if version == 1 else {"prev"})
    if "witnesses" in value:
        members = members | {"witnesses"}  # optional in every version (log.md §8.1)
    if set(value) != members:
        raise Invalid("policy.json version %d must have exactly the members %s" % (version, sorted(members)))
    if not isinstance(value["dataset"], str) or not SLUG.fullmatch(value["dataset"]):
        raise Invalid("dataset must be a slug")
    prev = value.get("prev")
    if version > 1 and (not isinstance(prev, dict) or set(prev) != {"version", "sha256"} or not _is_int(prev["version"])
                        or not 1 <= prev["version"] <= 9999 or not isinstance(prev["sha256"], str) or not HEX64.fullmatch(prev["sha256"])):
        raise Invalid("prev must be {version, sha256}")
    descriptor = _file_reference(value["descriptor"], "descriptor") if version == 1 else None
    issued = parse_policy_time(value["issued"])
    if not _is_int(value["threshold"]) or not 1 <= value["threshold"] <= 1000:
        raise Invalid("threshold must be 1 to 1000")
    signers = _file_reference(value["allowed_signers"], "allowed_signers")
    revocations = []
    if not isinstance(value["revocations"], list):
        raise Invalid("revocations must be an array")
    for entry in value["revocations"]:
        if not isinstance(entry, dict) or set(entry) != {"fingerprint", "from", "reason"}:
            raise Invalid("a revocation is {fingerprint, from, reason}")
        fp = entry["fingerprint"]
        if not isinstance(fp, str) or not re.fullmatch(r"SHA256:[A-Za-z0-9+/]{43}", fp):
            raise Invalid("a revocation's fingerprint must be SHA256:<43 base64 characters>")
        if not isinstance(entry["reason"], str) or not 1 <= len(entry["reason"].encode("utf-8")) <= 500:
            raise Invalid("a revocation's reason must be 1 to 500 bytes")
        if revocations and not revocations[-1]["fingerprint"].encode() < fp.encode():
            raise Invalid("revocations must be sorted by fingerprint, each once")
        revocations.append({"fingerprint": fp, "from": parse_policy_time(entry["from"]), "reason": entry["reason"]})
    if version == 1 and revocations:
        raise Invalid("the genesis (version 1) revokes nothing")
    if not isinstance(value["summary"], str) or len(value["summary"].encode("utf-8")) > 4000:
        raise Invalid("summary must be a string of at most 4000 bytes")
    witnesses = _file_reference(value["witnesses"], "witnesses") if "witnesses" in value else None
    return {"dataset": value["dataset"], "version": version, "prev": prev, "descriptor": descriptor, "issued": issued,
            "threshold": value["threshold"], "allowed_signers": signers, "revocations": revocations, "witnesses": witnesses}


def standing(policy, principal, key, namespace, time):
    """'counts', ('revoked', revocation) or 'not-allowed' (policy.md §3)."""
    fp = fingerprint(key)
    for revocation in policy["revocations"]:
        if revocation["fingerprint"] == fp and revocation["from"] <= time:
            return ("revoked", revocation)
    return "counts" if allows(policy["signers"], principal, key, namespace, time) else "not-allowed"


def self_containment_problems(entries, revocations):
    problems = []
    for entry in entries:
        if entry["namespaces"] is None:
            problems.append("a line has no namespaces option")
            continue
        for namespace in entry["namespaces"]:
            if namespace not in ASSAY_NAMESPACES:
                problems.append("namespace %r is not one of Assay's" % namespace)
        fp = fingerprint(entry["key"])
        for revocation in revocations:
            if revocation["fingerprint"] == fp and (entry["before"] is None or entry["before"] >= revocation["from"]):
                problems.append("%s is revoked, so its valid-before must be before the revocation" % fp)
    return problems


def evaluate_policy(root, descriptor, log):
    """The chain of policy versions from the genesis (policy.md §1-2): (current policy, [version summaries], genesis hash)."""
    try:
        names = [name for name, _ in entries(os.path.join(root, "policy"))]
    except OSError as error:
        if kind(os.path.join(root, "policy")) is None:
            log.error("policy-chain", "policy/0001", "is missing: the dataset has no genesis")
        else:
            log.error("unreadable", "policy", "cannot be listed: %s" % error)
        return None, [], None
    current, versions = None, []
    previous, previous_issued, previous_holds = None, None, True
    for offset, name in enumerate(names):
        number = offset + 1
        relative = "policy/%04d" % number
        if name != "%04d" % number:
            log.error("policy-chain", "policy/" + name, "policy versions are numbered 0001, 0002, ... without gaps")
            break
        version, policy, issued = check_policy_version(root, relative, number, descriptor, previous, previous_issued,
                                                       previous_holds, log)
        versions.append(version)
        if previous is not None and not previous_holds:
            log.error("policy-chain", relative, "follows a version that does not hold")
        if version["holds"] and policy is not None:
            current = policy
        if policy is not None:
            previous, previous_issued = policy, issued
        elif previous is None:
            break  # no genesis to build on
        previous_holds = version["holds"]
    if not names:
        log.error("policy-chain", "policy/0001", "is missing: the dataset has no genesis")
    if versions and versions[0]["valid"] and not versions[0]["holds"]:
        log.error("genesis", "policy/0001", "is approved by %d of the %d of its own signers it needs"
                  % (len(versions[0]["approvals"]), versions[0]["needed"]))
    if len(versions) > 1 and not versions[-1]["holds"] and versions[-1]["valid"] and versions[-2]["holds"]:
        log.warning("policy-pending", "policy/%04d" % versions[-1]["version"], "is not in effect: approved by %d of %d"
                    % (len(versions[-1]["approvals"]), versions[-1]["needed"]))
    return current, versions, versions[0]["sha256"] if versions else None


def check_policy_version(root, relative, number, descriptor, previous, previous_issued, previous_holds, log):
    """One version against the one before (`previous` None for the genesis, which its own signers approve)."""
    absolute = os.path.join(root, relative)
    document_path = relative + "/policy.json"
    invalid = {"version": number, "sha256": None, "holds": False, "approvals": [],
               "needed": previous["threshold"] if previous else 0, "valid": False}
    try:
        data = read_regular(os.path.join(absolute, "policy.json"), LIMITS["policy"])
    except OSError as error:
        log.error("policy", document_path, "cannot be read: %s" % error)
        return invalid, None, None
    invalid["sha256"] = hashlib.sha256(data).hexdigest()
    try:
        document = parse_policy_document(data)
    except Invalid as error:
        log.error("policy", document_path, str(error))
        return invalid, None, None
    if previous is None:
        invalid["needed"] = document["threshold"]
    valid = True
    if document["dataset"] != descriptor["id"]:
        log.error("policy", document_path, "names another dataset")
        valid = False
    if document["version"] != number:
        log.error("policy", document_path, "says another version than its directory")
        valid = False
    if previous is not None:
        if document["prev"]["version"] != number - 1 or document["prev"]["sha256"] != previous["hash"]:
            log.error("policy-chain", document_path, "prev does not name the version before it")
            valid = False
        if previous_issued is not None and document["issued"] < previous_issued:
            log.error("policy-chain", document_path, "is issued before the version before it")
            valid = False
        for old in previous["revocations"]:
            kept = [r for r in document["revocations"] if r["fingerprint"] == old["fingerprint"] and r["from"] <= old["from"]]
            if not kept:
                log.error("policy-chain", document_path, "drops or postpones the revocation of %s" % old["fingerprint"])
                valid = False
    elif document["descriptor"] is not None:
        # The genesis signs the descriptor: dataset.json must be the bytes it names.
        try:
            descriptor_bytes = read_regular(os.path.join(root, "dataset.json"), LIMITS["descriptor"])
            if {"sha256": hashlib.sha256(descriptor_bytes).hexdigest(), "size": len(descriptor_bytes)} != document["descriptor"]:
                log.error("descriptor", "dataset.json", "is not the descriptor the genesis signed")
                valid = False
        except OSError as error:
            log.error("descriptor", "dataset.json", "cannot be read: %s" % error)
            valid = False
    signers_path = relative + "/allowed_signers"
    signers = None
    try:
        signers_bytes = read_regular(os.path.join(absolute, "allowed_signers"), LIMITS["allowed_signers"])
        if len(signers_bytes) != document["allowed_signers"]["size"] \
                or hashlib.sha256(signers_bytes).hexdigest() != document["allowed_signers"]["sha256"]:
            log.error("policy", signers_path, "differs from the size and SHA-256 that policy.json names")
            valid = False
        try:
            signers = parse_allowed_signers(signers_bytes)
        except Invalid as error:
            log.error("allowed-signers", signers_path, str(error))
            valid = False
        if signers is not None:
            for problem in self_containment_problems(signers, document["revocations"]):
                log.error("policy", signers_path, problem)
                valid = False
    except OSError as error:
        log.error("policy", signers_path, str(error))
        valid = False
    witnesses = None
    if signers is not None:
        witnesses = check_witnesses(absolute, relative, document, signers, "assay/" + descriptor["id"], log)
        if witnesses is None:
            valid = False
    policy = None
    if valid and signers is not None:
        policy = {"version": number, "hash": invalid["sha256"], "threshold": document["threshold"], "signers": signers,
                  "revocations": document["revocations"], "witnesses": witnesses}
    approvers = previous if previous is not None else policy
    approvals, used = [], set()
    if approvers is not None:
        for stem, path, parsed in signature_files(data, POLICY_NAMESPACE, root, relative, log):
            if standing(approvers, stem, parsed["key"], POLICY_NAMESPACE, document["issued"]) != "counts":
                log.error("policy-signature", path, "is by a key the approving version does not let %s use to approve" % stem)
                continue
            if parsed["key"] in used:
                log.warning("duplicate-signer", path, "the key already approved this version")
                continue
            used.add(parsed["key"])
            approvals.append(stem)
    version = {"version": number, "sha256": invalid["sha256"], "approvals": sorted(approvals, key=lambda a: a.encode()),
               "needed": approvers["threshold"] if approvers else invalid["needed"], "valid": policy is not None,
               "witnesses": witnesses if policy is not None else None}
    if policy is None:
        version["holds"] = False
        version["approvals"] = []
        return version, None, None
    version["holds"] = previous_holds and len(approvals) >= approvers["threshold"]
    return version, policy, document["issued"]


EMPTY_WITNESS_POLICY = {"logs": [], "witnesses": [], "groups": {}, "quorum": "none"}
WITNESS_POLICY_LIMIT = 65536


def parse_tlog_policy(data):
    """The grammar of a c2sp.org/tlog-policy file (log.md §8.1); keys and URLs stay text."""
    if len(data) > WITNESS_POLICY_LIMIT:
        raise Invalid("a policy file is at most %d bytes" % WITNESS_POLICY_LIMIT)
    for index, byte in enumerate(data):
        if (byte < 0x20 and byte not in (0x09, 0x0A)) or byte == 0x7F:
            raise Invalid("control character 0x%x at byte %d" % (byte, index))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8")
    logs, witnesses, groups, quorum = [], [], {}, None
    defined, member = {"none"}, set()
    for number, line in enumerate(text.split("\n"), 1):
        items = [item for item in re.split(r"[ \t]", line) if item]
        if not items or items[0].startswith("#"):
            continue
        keyword = items[0]
        where = "line %d: " % number
        if keyword == "log":
            if len(items) not in (2, 3):
                raise Invalid(where + "a log line is 'log <vkey> [<url>]'")
            if any(key == items[1] for key, _ in logs):
                raise Invalid(where + "duplicate log key")
            logs.append((items[1], items[2] if len(items) == 3 else None))
        elif keyword == "witness":
            if len(items) not in (3, 4):
                raise Invalid(where + "a witness line is 'witness <name> <vkey> [<url>]'")
            if items[1] in ("all", "any"):
                raise Invalid(where + "%r is a keyword" % items[1])
            if items[1] in defined:
                raise Invalid(where + "duplicate name %r" % items[1])
            defined.add(items[1])
            if any(key == items[2] for _, key, _ in witnesses):
                raise Invalid(where + "duplicate witness key")
            witnesses.append((items[1], items[2], items[3] if len(items) == 4 else None))
        elif keyword == "group":
            if len(items) < 4:
                raise Invalid(where + "a group line is 'group <name> all|any|<k> <member>...'")
            name, members = items[1], items[3:]
            if name in ("all", "any"):
                raise Invalid(where + "%r is a keyword" % name)
            if name in defined:
                raise Invalid(where + "duplicate name %r" % name)
            defined.add(name)
            seen = set()
            for item in members:
                if item == "none":
                    raise Invalid(where + "'none' cannot be a group member")
                if item not in defined or item == name:
                    raise Invalid(where + "undefined name %r" % item)
                if item in seen or item in member:
                    raise Invalid(where + "%r is already a member of a group" % item)
                seen.add(item)
                member.add(item)
            if items[2] == "all":
                threshold = len(members)
            elif items[2] == "any":
                threshold = 1
            elif re.fullmatch(r"[1-9][0-9]*", items[2]) and 1 <= int(items[2]) <= len(members):
                threshold = int(items[2])
            else:
                raise Invalid(where + "the threshold %r is not all, any or 1 to %d" % (items[2], len(members)))
            groups[name] = (threshold, members)
        elif keyword == "quorum":
            if len(items) != 2:
                raise Invalid(where + "a quorum line is 'quorum <name>'")
            if quorum is not None:
                raise Invalid(where + "a second quorum line")
            if items[1] not in defined:
                raise Invalid(where + "undefined name %r" % items[1])
            quorum = items[1]
        else:
            raise Invalid(where + "unknown line type %r" % keyword)
    if quorum is None:
        raise Invalid("no quorum line")
    return {"logs": logs, "witnesses": witnesses, "groups": groups, "quorum": quorum}


def quorum_satisfied(witness_policy, cosigners):
    """Whether witnesses `cosigners` (names) meet the policy's quorum."""
    def witnessed(name):
        if name in witness_policy["groups"]:
            threshold, members = witness_policy["groups"][name]
            return sum(1 for m in members if witnessed(m)) >= threshold
        return name in cosigners
    return witness_policy["quorum"] == "none" or witnessed(witness_policy["quorum"])


def parse_vkey(text):
    """A signed-note verifier key <name>+<8 hex>+<base64(type || Ed25519 key)> of type 0x01 or 0x04: (name, type, key)."""
    pieces = text.split("+", 2)
    if len(pieces) != 3 or not _note_name_ok(pieces[0]) or not re.fullmatch(r"[0-9a-f]{8}", pieces[1]):
        raise Invalid("%s is not <name>+<8 hex digits>+<base64>" % text)
    material = _b64(pieces[2])
    if len(material) != 33 or material[0] not in (0x01, 0x04):
        raise Invalid("%s is not an Ed25519 vkey of type 0x01 or 0x04" % text)
    if note_key_id(pieces[0], material[0], material[1:]) != int(pieces[1], 16):
        raise Invalid("%s: the key ID does not match" % text)
    return pieces[0], material[0], material[1:]


def parse_witness_policy(data, origin):
    """A dataset's policy/NNNN/witnesses (log.md §8.1): the grammar and Assay's rules."""
    if data and not data.endswith(b"\n"):
        raise Invalid("the last line does not end with a newline")
    parsed = parse_tlog_policy(data)
    if len(parsed["logs"]) > 1000 or len(parsed["witnesses"]) > 64 or len(parsed["groups"]) > 64:
        raise Invalid("at most 1000 logs, 64 witnesses and 64 groups")
    log_keys, witness_keys, keys = set(), set(), {}
    for text, _ in parsed["logs"]:
        name, kind_byte, key = parse_vkey(text)
        if name != origin or kind_byte != 0x01:
            raise Invalid("log key %s is not an Ed25519 key named %s" % (text, origin))
        if key in log_keys:
            raise Invalid("log key %s wraps a key listed before" % text)
        log_keys.add(key)
    for name, text, _ in parsed["witnesses"]:
        if not SLUG.fullmatch(name):
            raise Invalid("witness name %r is not a slug" % name)
        key_name, kind_byte, key = parse_vkey(text)
        if kind_byte != 0x04:
            raise Invalid("witness %s's key is not an Ed25519 cosignature key" % name)
        if key in witness_keys:
            raise Invalid("witness %s's key wraps a key listed before" % name)
        witness_keys.add(key)
        keys[name] = (key_name, key)
    for name in parsed["groups"]:
        if not SLUG.fullmatch(name):
            raise Invalid("group name %r is not a slug" % name)
    parsed["log_keys"], parsed["keys"] = log_keys, keys
    return parsed


def check_witnesses(absolute, relative, document, signers, origin, log):
    """A version's witnesses file: named when present, present when named, log keys exactly its checkpoint signers."""
    path = relative + "/witnesses"
    named = document["witnesses"]
    if named is None:
        if kind(os.path.join(absolute, "witnesses")) is None:
            return EMPTY_WITNESS_POLICY
        log.error("policy", path, "is not named by policy.json")
        return None
    try:
        data = read_regular(os.path.join(absolute, "witnesses"), WITNESS_POLICY_LIMIT)
    except OSError as error:
        log.error("policy", path, "cannot be read: %s" % error)
        return None
    if {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} != named:
        log.error("policy", path, "differs from the size and SHA-256 that policy.json names")
        return None
    try:
        parsed = parse_witness_policy(data, origin)
    except Invalid as error:
        log.error("policy", path, str(error))
        return None
    revoked = {r["fingerprint"] for r in document["revocations"]}
    expected = {e["key"] for e in signers if (e["namespaces"] is None or match_list(MANIFEST_NAMESPACE, e["namespaces"]))
                and fingerprint(e["key"]) not in revoked}
    if parsed["log_keys"] != expected:
        log.error("policy", path, "lists %d log keys, not the %d unrevoked assay-manifest-v1 keys of allowed_signers"
                  % (len(parsed["log_keys"]), len(expected)))
        return None
    return parsed


def load_pinned_policy(path, threshold=None):
    """--policy (policy.md §5): a policy version directory, or an allowed_signers file with `threshold` (required)."""
    if os.path.isdir(path):
        data = read_regular(os.path.join(path, "policy.json"), LIMITS["policy"])
        document = parse_policy_document(data)
        signers_bytes = read_regular(os.path.join(path, "allowed_signers"), LIMITS["allowed_signers"])
        if hashlib.sha256(signers_bytes).hexdigest() != document["allowed_signers"]["sha256"]:
            raise Invalid("%s/allowed_signers: its SHA-256 is not the one policy.json names" % path)
        signers = parse_allowed_signers(signers_bytes)
        if self_containment_problems(signers, document["revocations"]):
            raise Invalid("%s/allowed_signers: %s" % (path, self_containment_problems(signers, document["revocations"])[0]))
        return {"version": document["version"], "hash": hashlib.sha256(data).hexdigest(),
                "threshold": threshold or document["threshold"], "signers": signers, "revocations": document["revocations"],
                "witnesses": EMPTY_WITNESS_POLICY}
    if threshold is None:
        raise Invalid("--policy %s is an allowed_signers file: give the threshold to require with --threshold" % path)
    data = read_regular(path, LIMITS["allowed_signers"])
    return {"version": 0, "hash": hashlib.sha256(data).hexdigest(), "threshold": threshold,
            "signers": parse_allowed_signers(data), "revocations": [], "witnesses": EMPTY_WITNESS_POLICY}


def allowed_principals(policy, namespace, time):
    """Principal patterns some unrevoked key lets sign at `time` (policy.md §4), sorted."""
    patterns = set()
    for entry in policy["signers"]:
        if _permits(entry, namespace, time) and not any(r["fingerprint"] == fingerprint(entry["key"]) and r["from"] <= time
                                                        for r in policy["revocations"]):
            patterns.update(entry["principals"])
    return sorted(patterns, key=lambda p: p.encode("utf-8"))


# ---------------------------------------------------------------- dataset (dataset.md)

def day_text(number):
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=number)).isoformat()


def parse_day(text):
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return (datetime.date.fromisoformat(text) - datetime.date(1970, 1, 1)).days
    except ValueError:
        return None


# ---------------------------------------------------------------- files (dataset.md §8.1)

# Size caps of dataset.md §8.1.
LIMITS = {"descriptor": 1 << 20, "allowed_signers": 4 << 20, "manifest": 16 << 20, "policy": 1 << 20,
          "scores": 64 << 20, "signature": 64 << 10, "state": 16 << 20, "proof": 16 << 20, "entries": 1_000_000}


def kind_of_mode(mode):
    if stat.S_ISREG(mode):
        return "regular"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "other"


def kind(path):
    """What is at `path` itself (lstat: a link is not followed); None when nothing is."""
    try:
        return kind_of_mode(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def read_regular(path, limit, partial=False):
    """The bytes of a regular file, never more than `limit`: a symbolic link, FIFO, device, socket or
    directory is refused without reading (OSError). A larger file raises OSError, or with `partial`
    gives (its first `limit` bytes, True); otherwise (bytes, False)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "it is a %s, not a regular file" % kind_of_mode(mode))
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        if partial:
            return data[:limit], True
        raise OSError(errno.EFBIG, "larger than %d bytes" % limit)
    return (data, False) if partial else data


def entries(path):
    """[(name, kind)] of a directory, sorted by the bytes of the names; [] when it does not exist;
    OSError when it exists but cannot be listed (never an empty list in its place)."""
    try:
        names = os.listdir(path)
    except FileNotFoundError:
        return []
    if len(names) > LIMITS["entries"]:
        raise OSError(errno.EFBIG, "more than %d entries" % LIMITS["entries"])
    found = [(name, kind(os.path.join(path, name)) or "other") for name in names]
    return sorted(found, key=lambda e: e[0].encode("utf-8", "surrogateescape"))


def listdir(path):
    """The names in a directory that exists and can be read; [] otherwise (the layout check reports
    a directory that cannot be read as `unreadable`)."""
    try:
        return [name for name, _ in entries(path)]
    except OSError:
        return []


# Every rule of dataset.md §8 and its severity; a finding names one of them (a test checks this
# table against the spec's and the Swift verifier's).
RULES = {rule: "error" for rule in (
    "descriptor", "genesis", "allowed-signers", "unlisted-file", "bundle-path", "file-type", "unreadable", "manifest", "manifest-location",
    "file-missing", "file-size", "file-hash", "file-encoding", "not-fetched", "shard", "record-invalid", "record-not-canonical", "record-day", "record-order",
    "record-count", "merkle-root", "conflicts", "coverage", "signature", "unknown-signer", "threshold", "policy",
    "policy-chain", "policy-signature", "chain-start", "chain-link", "chain-fork", "stale", "future", "rollback",
    "policy-rollback", "scores-document", "scores-input", "scores-incomplete", "scores-mismatch", "scores-signature", "log", "log-entry",
    "checkpoint-signature", "checkpoint-threshold", "split-view", "log-behind", "cosignature", "witness-quorum", "proof",
    "proof-binding", "commit-signature", "history", "worktree")}
RULES.update({rule: "error" for rule in ("probe-plan", "probe-file", "probe-commitment")})
RULES.update({rule: "warning" for rule in ("chain-gap", "duplicate-signer", "revoked-signer", "policy-pending", "unwitnessed",
                                          "probe-timing")})


class Log:
    """Findings, at most `limit` per rule (then one "… and N more" finding naming the first's path, as
    dataset.md §8's reports do); None keeps every finding."""

    def __init__(self, limit=20):
        self.limit = limit
        self._findings = []
        self._counts = {}

    def add(self, rule, path, message):
        """A finding of `rule`, with the rule's severity."""
        if rule not in RULES:
            raise AssertionError("unknown rule %r" % rule)
        self._counts[rule] = self._counts.get(rule, 0) + 1
        if self.limit is None or self._counts[rule] <= self.limit:
            self._findings.append({"severity": RULES[rule], "rule": rule, "path": path, "message": message})

    def extend(self, findings):
        """Findings already judged by another log, kept as they are."""
        self._findings.extend(findings)

    @property
    def findings(self):
        result = list(self._findings)
        if self.limit is not None:
            for rule in sorted(self._counts):
                if self._counts[rule] > self.limit:
                    first = next(f for f in self._findings if f["rule"] == rule)
                    result.append({"severity": RULES[rule], "rule": rule, "path": first["path"],
                                   "message": "... and %d more like this" % (self._counts[rule] - self.limit)})
        return result

    def error(self, rule, path, message):
        assert RULES.get(rule) == "error", rule
        self.add(rule, path, message)

    def warning(self, rule, path, message):
        assert RULES.get(rule) == "warning", rule
        self.add(rule, path, message)


def read_descriptor(root):
    """dataset.json, format assay-dataset-v2 (dataset.md §3); the genesis names its bytes."""
    value = parse_json(read_regular(os.path.join(root, "dataset.json"), LIMITS["descriptor"]))
    expected = {"format", "id", "title", "description", "licence", "spec_version", "scoring_profiles", "simulated"}
    if isinstance(value, dict) and value.get("format") == "assay-dataset-v1":
        raise Invalid("format assay-dataset-v1 has an unsigned threshold; this verifier reads assay-dataset-v2")
    if not isinstance(value, dict) or not expected <= set(value.keys()) <= expected | {"shard_bytes"}:
        raise Invalid("dataset.json must have exactly the members %s, and shard_bytes when it sets one" % sorted(expected))
    if "shard_bytes" in value and not (_is_int(value["shard_bytes"]) and SHARD_BYTES_MIN <= value["shard_bytes"] <= SHARD_BYTES_MAX):
        raise Invalid("shard_bytes must be %d to %d" % (SHARD_BYTES_MIN, SHARD_BYTES_MAX))
    if value["format"] != "assay-dataset-v2" or value["spec_version"] != SPEC_VERSION:
        raise Invalid("unsupported format or spec_version")
    if not isinstance(value["id"], str) or not SLUG.fullmatch(value["id"]):
        raise Invalid("id must be a slug")
    for name, low, high in (("title", 1, 200), ("description", 0, 4000), ("licence", 1, 100)):
        if not isinstance(value[name], str) or not low <= len(value[name].encode("utf-8")) <= high:
            raise Invalid("%s has the wrong length" % name)
    if not isinstance(value["simulated"], bool) or not isinstance(value["scoring_profiles"], list):
        raise Invalid("simulated or scoring_profiles has the wrong type")
    previous = None
    for profile in value["scoring_profiles"]:
        if not isinstance(profile, dict) or set(profile) != {"id", "sha256"} or not isinstance(profile["id"], str) \
                or not SLUG.fullmatch(profile["id"]) or not isinstance(profile["sha256"], str) or not HEX64.fullmatch(profile["sha256"]):
            raise Invalid("a scoring profile is {id (a slug), sha256}")
        if previous is not None and not previous.encode() < profile["id"].encode():
            raise Invalid("scoring_profiles must be sorted by id, each once")
        previous = profile["id"]
    return value


TOP_LEVEL = {"dataset.json": "regular", "README.md": "regular", "LICENSE": "regular",
             "bundles": "directory", "scores": "directory", "policy": "directory", "log": "directory",
             "probes": "directory"}  # its contents are check_probe_files's (probe.md §7.4)
BUNDLE_FILES = {"manifest.json": "regular", "records.jsonl": "regular", "conflicts.jsonl": "regular", "probes.json": "regular",
                "signatures": "directory"}
SCORES_FILES = {"scores.json": "regular", "scores.json.zst": "regular", "signatures": "directory"}  # one stored form (scoring.md §10)
# Shards and compressed forms of a bundle's files (dataset.md §4.6, §4.7); whether the manifest names them is BundleCheck's.
SHARD_NAME = re.compile(r"records-([0-9]{5})\.jsonl")
ZSTD_SUFFIX = ".zst"
SHARD_BYTES_MIN, SHARD_BYTES_MAX = 65_536, 32 << 20
MAX_WINDOW = 1 << 23
LFS_FIRST_LINE = b"version https://git-lfs.github.com/spec/v1\n"


def bundle_file_kind(name):
    """The kind a name in a bundle directory must have, or None when no bundle may hold it."""
    if name in BUNDLE_FILES:
        return BUNDLE_FILES[name]
    content = name[:-len(ZSTD_SUFFIX)] if name.endswith(ZSTD_SUFFIX) else name
    if SHARD_NAME.fullmatch(content):
        return "regular"
    if content != name and content != "manifest.json" and BUNDLE_FILES.get(content) == "regular":
        return "regular"
    return None
POLICY_FILES = {"policy.json": "regular", "allowed_signers": "regular", "witnesses": "regular", "signatures": "directory"}


def _digits(text, n):
    return len(text) == n and text.isdigit() and text.isascii()


class LayoutCheck:
    """unlisted-file, bundle-path, file-type, unreadable (dataset.md §2, §8.1): every path is looked at
    with lstat; nothing is followed or opened here."""

    def __init__(self, root, log):
        self.root, self.log = root, log

    def entries(self, relative):
        try:
            return entries(os.path.join(self.root, relative) if relative else self.root)
        except OSError as error:
            self.log.error("unreadable", relative or ".", "cannot be listed: %s" % error)
            return None

    def has_kind(self, found, expected, path):
        if found == expected:
            return True
        self.log.error("file-type", path, "is a %s; expected a %s" % (found, "regular file" if expected == "regular" else "directory"))
        return False

    def level(self, found, path, what):
        if found == "directory":
            return True
        if found == "regular":
            self.log.error("bundle-path", path, "is not a %s" % what)
            return False
        return self.has_kind(found, "directory", path)

    def run(self):
        top = self.entries("")
        if top is None:
            return
        for name, found in top:
            if name.startswith("."):
                continue
            if name not in TOP_LEVEL:
                self.log.error("unlisted-file", name, "is not part of a dataset's layout")
                continue
            self.has_kind(found, TOP_LEVEL[name], name)
        kinds = dict(top)
        if kinds.get("bundles") == "directory":
            self.tree("bundles", BUNDLE_FILES)
        if kinds.get("scores") == "directory":
            self.tree("scores", SCORES_FILES)
        if kinds.get("policy") == "directory":
            for name, found in self.entries("policy") or []:
                path = "policy/" + name
                if not _digits(name, 4):
                    self.log.error("unlisted-file", path, "is not a policy version directory NNNN")
                    continue
                if self.has_kind(found, "directory", path):
                    self.document_directory(path, POLICY_FILES)

    def tree(self, top, files):
        for collector, found in self.entries(top) or []:
            cpath = "%s/%s" % (top, collector)
            if not SLUG.fullmatch(collector):
                self.log.error("bundle-path", cpath, "is not a collector directory")
                continue
            if not self.level(found, cpath, "collector directory"):
                continue
            for year, found in self.entries(cpath) or []:
                ypath = "%s/%s" % (cpath, year)
                if not (_digits(year, 4) or year.startswith(".")):
                    self.log.error("bundle-path", ypath, "is not a year (YYYY) directory")
                    continue
                if year.startswith("."):
                    self.log.error("unlisted-file", ypath, "is not part of a dataset")
                    continue
                if not self.level(found, ypath, "year (YYYY) directory"):
                    continue
                for month, found in self.entries(ypath) or []:
                    mpath = "%s/%s" % (ypath, month)
                    if not _digits(month, 2):
                        self.log.error("unlisted-file" if month.startswith(".") else "bundle-path", mpath, "is not a month directory")
                        continue
                    if not self.level(found, mpath, "month (MM) directory"):
                        continue
                    for day, found in self.entries(mpath) or []:
                        dpath = "%s/%s" % (mpath, day)
                        if not _digits(day, 2):
                            self.log.error("unlisted-file" if day.startswith(".") else "bundle-path", dpath, "is not a bundle directory")
                            continue
                        if not self.level(found, dpath, "bundle directory DD"):
                            continue
                        if parse_day("%s-%s-%s" % (year, month, day)) is None:
                            self.log.error("bundle-path", dpath, "is not a real date")
                            continue
                        self.document_directory(dpath, files)

    def document_directory(self, path, files):
        listed = self.entries(path) or []
        for name, found in listed:
            if files is SCORES_FILES and name == "scores.json" + ZSTD_SUFFIX and any(other == "scores.json" for other, _ in listed):
                self.log.error("unlisted-file", "%s/%s" % (path, name), "is a second stored form of scores.json; a scores directory holds one")
                continue
            if files is BUNDLE_FILES and name not in files and bundle_file_kind(name) is not None:
                self.has_kind(found, "regular", "%s/%s" % (path, name))
                continue
            if name not in files:
                self.log.error("unlisted-file", "%s/%s" % (path, name), "is not part of the layout")
                continue
            if not self.has_kind(found, files[name], "%s/%s" % (path, name)) or name != "signatures":
                continue
            for signature, found in self.entries(path + "/signatures") or []:
                spath = "%s/signatures/%s" % (path, signature)
                stem = signature[:-4] if signature.endswith(".sig") else ""
                if not SLUG.fullmatch(stem):
                    self.log.error("unlisted-file", spath, "is not a signature file <signer>.sig")
                    continue
                self.has_kind(found, "regular", spath)


def check_layout(root, log):
    LayoutCheck(root, log).run()


def day_directories(base):
    """{collector: [day, ...]} of <collector>/<YYYY>/<MM>/<DD> directories under base (links never followed).
    A collector whose tree cannot be listed is left out: the layout check reports it (`unreadable`)."""
    result = {}
    try:
        collectors = entries(base)
    except OSError:
        return result
    for collector, found in collectors:
        if found != "directory" or not SLUG.fullmatch(collector):
            continue
        try:
            result[collector] = _collector_days(base, collector)
        except OSError:
            continue
    return result


def _collector_days(base, collector):
    days = []
    for year, yk in entries(os.path.join(base, collector)):
        if yk != "directory" or len(year) != 4:
            continue
        for month, mk in entries(os.path.join(base, collector, year)):
            if mk != "directory" or len(month) != 2:
                continue
            for day, dk in entries(os.path.join(base, collector, year, month)):
                number = parse_day("%s-%s-%s" % (year, month, day)) if dk == "directory" and len(day) == 2 else None
                if number is not None:
                    days.append(number)
    return sorted(days)


def bundle_days(root, collector):
    return day_directories(os.path.join(root, "bundles")).get(collector, [])


def signature_files(document, namespace, root, relative, log):
    """Every regular signatures/<signer>.sig of a document (dataset.md §8 `signature`): each must be a
    readable SSHSIG that verifies over the document for `namespace`. Returns [(signer, path, parsed)]."""
    directory = os.path.join(root, relative, "signatures")
    if kind(directory) != "directory":
        return []
    try:
        found = entries(directory)
    except OSError as error:
        log.error("unreadable", relative + "/signatures", "cannot be listed: %s" % error)
        return []
    valid = []
    for name, file_kind in found:
        stem = name[:-4] if name.endswith(".sig") else ""
        if file_kind != "regular" or not SLUG.fullmatch(stem):
            continue
        path = "%s/signatures/%s" % (relative, name)
        try:
            parsed = parse_sshsig(read_regular(os.path.join(directory, name), LIMITS["signature"]).decode("utf-8", "replace"))
        except (OSError, Invalid) as error:
            log.error("signature", path, "cannot be read as an SSH signature: %s" % error)
            continue
        try:
            verify_sshsig(parsed, document, namespace)
        except Invalid as error:
            log.error("signature", path, "does not verify over its document: %s" % error)
            continue
        valid.append((stem, path, parsed))
    return valid


def parse_manifest(data):
    if not data.endswith(b"\n"):
        raise Invalid("manifest.json must end with a newline")
    value = parse_json(data[:-1])
    if canonical(value) + b"\n" != data:
        raise Invalid("manifest.json is not canonical")

    def obj(v, keys, optional=()):
        if not isinstance(v, dict) or not set(keys) <= set(v.keys()) <= set(keys) | set(optional):
            raise Invalid("wrong members")
        return v

    def count(v, low=0):
        if not _is_int(v) or not low <= v <= 9007199254740991:
            raise Invalid("bad count")
        return v

    def hex64(v):
        if not isinstance(v, str) or not HEX64.fullmatch(v):
            raise Invalid("bad hash")
        return v

    m = obj(value, ["format", "spec_version", "software", "dataset", "collector", "day", "files", "records",
                    "merkle", "conflicts", "coverage", "rejected"], ["prev"])
    if m["format"] != "assay-manifest-v1" or m["spec_version"] != SPEC_VERSION or not isinstance(m["software"], str):
        raise Invalid("unsupported manifest format")
    for name in ("dataset", "collector"):
        if not isinstance(m[name], str) or not SLUG.fullmatch(m[name]):
            raise Invalid("%s must be a slug" % name)
    if not isinstance(m["day"], str) or parse_day(m["day"]) is None:
        raise Invalid("bad day")
    if "prev" in m:
        obj(m["prev"], ["day", "sha256"])
        if not isinstance(m["prev"]["day"], str) or parse_day(m["prev"]["day"]) is None:
            raise Invalid("bad prev.day")
        hex64(m["prev"]["sha256"])
    names = [f.get("name") if isinstance(f, dict) else None for f in m["files"]] if isinstance(m["files"], list) else None
    rest = names[1:] if names and names[0] == "conflicts.jsonl" else None
    if rest and rest[0] == "probes.json":
        rest = rest[1:]
    if not rest or not (rest == ["records.jsonl"] or (len(rest) <= 100_000 and rest == ["records-%05d.jsonl" % i for i in range(len(rest))])):
        raise Invalid("files must name conflicts.jsonl, probes.json when the bundle has one, then records.jsonl or the shards "
                      "records-00000.jsonl, records-00001.jsonl, ... without a gap")
    for entry in m["files"]:
        obj(entry, ["name", "sha256", "size"])
        hex64(entry["sha256"])
        count(entry["size"])
    obj(m["records"], ["total", "by_kind"])
    obj(m["records"]["by_kind"], KINDS, optional=list(LATER_KINDS))
    if any(count(m["records"]["by_kind"][k]) == 0 for k in LATER_KINDS if k in m["records"]["by_kind"]):
        raise Invalid("a later kind is listed in records.by_kind only when the bundle has some")
    if count(m["records"]["total"]) != sum(count(m["records"]["by_kind"].get(k, 0)) for k in ALL_KINDS):  # at most 6 × 2^53
        raise Invalid("records.total is not the sum")
    obj(m["merkle"], ["tree_size", "root"])
    count(m["merkle"]["tree_size"])
    hex64(m["merkle"]["root"])
    obj(m["conflicts"], ["keys", "versions"])
    count(m["conflicts"]["keys"])
    count(m["conflicts"]["versions"])
    obj(m["coverage"], ["targets"])
    if not isinstance(m["coverage"]["targets"], list):
        raise Invalid("coverage.targets must be an array")
    for target in m["coverage"]["targets"]:
        obj(target, ["target_url", "attempts", "successes", "records_received", "outcomes"],
            ["first_success_ms", "last_success_ms"])
        if not isinstance(target["target_url"], str) or not isinstance(target["outcomes"], dict):
            raise Invalid("bad coverage target")
        for name in ("attempts", "successes", "records_received", "first_success_ms", "last_success_ms"):
            if name in target:
                count(target[name])
        for n in target["outcomes"].values():
            count(n, 1)
    obj(m["rejected"], ["total", "by_code"])
    if not isinstance(m["rejected"]["by_code"], dict):
        raise Invalid("rejected.by_code must be an object")
    rejected = sum(count(n, 1) for n in m["rejected"]["by_code"].values())
    if rejected > 2 ** 63 - 1:
        raise Invalid("rejected.by_code sums past 2^63 - 1")
    if count(m["rejected"]["total"]) != rejected:
        raise Invalid("rejected.total is not the sum")
    return m


def read_lines(path, limit=1 << 40):
    """(lines, ends_with_newline, raw bytes) of a regular file of at most `limit` bytes; raises OSError
    when it cannot be read, is not a regular file, or is larger."""
    data = read_regular(path, limit)
    if not data:
        return [], True, data
    pieces = data.split(b"\n")
    if data.endswith(b"\n"):
        return pieces[:-1], True, data
    return pieces, False, data


def key_of(record):
    return (record["observer_id"].encode("utf-8"), record["id"].encode("utf-8"))


def coverage_of(records):
    targets = {}
    for record in records:
        if record["kind"] != "probe":
            continue
        t = targets.setdefault(record["target_url"], {"target_url": record["target_url"], "attempts": 0,
                                                      "successes": 0, "records_received": 0, "outcomes": {}})
        t["attempts"] += 1
        t["records_received"] += record["records_received"]
        t["outcomes"][record["outcome"]] = t["outcomes"].get(record["outcome"], 0) + 1
        if record["outcome"] == "ok":
            t["successes"] += 1
            t["first_success_ms"] = min(t.get("first_success_ms", record["start_ms"]), record["start_ms"])
            t["last_success_ms"] = max(t.get("last_success_ms", record["start_ms"]), record["start_ms"])
    return {"targets": [targets[url] for url in sorted(targets, key=lambda u: u.encode("utf-8"))]}


class Encoding(Exception):
    """A .zst file that is not a valid Zstandard stream within dataset.md §4.7's limits."""


def stored_form(absolute, name):
    """(the stored file's name, "plain" or "zstd") of a file a manifest names, or None when neither form is
    there (dataset.md §4.7); the plain form wins when both are (the other is unlisted-file)."""
    if kind(os.path.join(absolute, name)) is not None:
        return name, "plain"
    if kind(os.path.join(absolute, name + ZSTD_SUFFIX)) is not None:
        return name + ZSTD_SUFFIX, "zstd"
    return None


def parse_lfs_pointer(data):
    """(oid, size) of a Git LFS pointer's canonical text (git-lfs docs/spec.md), or None for anything else."""
    lines = data.split(b"\n") if len(data) < 1024 else []
    if len(lines) != 4 or lines[0] + b"\n" != LFS_FIRST_LINE or lines[3] or not lines[1].startswith(b"oid sha256:") \
            or not lines[2].startswith(b"size "):
        return None
    oid, size = lines[1][11:].decode("ascii", "replace"), lines[2][5:]
    if not HEX64.fullmatch(oid) or not size.isdigit():
        return None
    return oid, int(size)


def zstd_stored_limit(size):
    """The most compressed bytes a .zst file of `size` bytes of content may take (dataset.md §4.7)."""
    return size + size // 128 + 131072


def is_lfs_pointer(path):
    """Whether the regular file at `path` is a Git LFS pointer: under 1,024 bytes, starting with its first line."""
    data, larger = read_regular(path, 1023, partial=True)
    return not larger and data.startswith(LFS_FIRST_LINE)


def read_stored(path, form, size):
    """(content, larger): at most `size` bytes of a stored file's content, and whether there is more. A .zst file
    is read to at most size + size // 128 + 131072 compressed bytes (OSError EFBIG beyond), decoded with at most an
    8 MiB window and in small steps, so no more than about 16 MiB past `size` is ever produced (Encoding)."""
    if form == "plain":
        return read_regular(path, size, partial=True)
    limit = zstd_stored_limit(size)
    data, larger = read_regular(path, limit, partial=True)
    if larger:
        raise OSError(errno.EFBIG, "its compressed form is larger than the %d bytes its content can need" % limit)
    return decode_zstd(data, size)


def decode_zstd(data, size):
    """(content, larger) of a Zstandard stream held in memory, as read_stored decodes a .zst file (Encoding)."""
    if not data:
        raise Encoding("is empty: no Zstandard frame")
    try:
        import zstandard
    except ImportError:
        raise OSError(errno.ENOSYS, "a .zst file needs the zstandard package (pip install zstandard)")
    dctx = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW)
    out, position, frame, view = bytearray(), 0, None, memoryview(data)
    try:
        while position < len(data):
            if frame is None:
                frame = dctx.decompressobj()
            chunk = view[position:position + 512]
            position += len(chunk)
            out += frame.decompress(bytes(chunk))
            if len(out) > size:
                return bytes(out[:size]), True
            if frame.eof:
                position -= len(frame.unused_data)  # the next frame starts there
                frame = None
    except zstandard.ZstdError as error:
        raise Encoding("not a valid Zstandard stream: %s" % error)
    if frame is not None:
        raise Encoding("the Zstandard stream is truncated")
    return bytes(out), False


class BundleCheck:
    def __init__(self, root, dataset_id, threshold, policy, collector, day, shard_bytes=SHARD_BYTES_MAX, check_records=True):
        self.root, self.dataset_id, self.threshold, self.policy = root, dataset_id, threshold, policy
        self.collector, self.day = collector, day
        self.shard_bytes, self.check_records_wanted, self.records_checked = shard_bytes, check_records, False
        y, mo, d = day_text(day).split("-")
        self.base = "bundles/%s/%s/%s/%s" % (collector, y, mo, d)
        self.absolute = os.path.join(root, self.base)
        self.log = Log()
        self.manifest, self.manifest_hash, self.counting, self.unsigned = None, None, [], []
        self.scenario_document = None

    def run(self):
        path = self.base + "/manifest.json"
        try:
            data = read_regular(os.path.join(self.absolute, "manifest.json"), LIMITS["manifest"])
        except OSError as error:
            self.log.error("manifest", path, "cannot be read: %s" % error)
            return self
        self.manifest_hash = hashlib.sha256(data).hexdigest()
        try:
            manifest = parse_manifest(data)
        except Invalid as error:
            self.log.error("manifest", path, str(error))
            return self
        self.manifest = manifest
        if manifest["dataset"] != self.dataset_id:
            self.log.error("manifest-location", path, "names another dataset")
        if manifest["collector"] != self.collector:
            self.log.error("manifest-location", path, "names another collector")
        if parse_day(manifest["day"]) != self.day:
            self.log.error("manifest-location", path, "names another day")
        if "prev" in manifest and parse_day(manifest["prev"]["day"]) >= parse_day(manifest["day"]):
            self.log.error("chain-link", path, "prev.day is not before the bundle's day")
        self.check_stored_files(manifest)
        if self.check_records_wanted:
            conflict_keys = self.check_conflicts(manifest)
            test_jobs = self.check_records(manifest, conflict_keys)
            self.records_checked = test_jobs is not None
            self.scenario_document = check_probes(self, manifest, test_jobs)
        else:
            self.check_shards(manifest, {})
            self.scenario_document = check_probes(self, manifest, None)  # the reveal is checked, not matched with records
        self.check_signatures(data)
        if len(self.counting) < self.threshold:
            self.log.error("threshold", self.base + "/signatures",
                           "%d of %d required signatures count" % (len(self.counting), self.threshold))
        return self

    def record_files(self, manifest):
        return [f for f in manifest["files"] if f["name"] == "records.jsonl" or SHARD_NAME.fullmatch(f["name"])]

    def stored_path(self, name):
        found = stored_form(self.absolute, name)
        return "%s/%s" % (self.base, found[0] if found else name)

    def check_stored_files(self, manifest):
        """unlisted-file inside a bundle: each stored file is one the manifest names, in one form only (§4.7)."""
        try:
            names = [name for name, _ in entries(self.absolute)]
        except OSError:
            return  # the layout check's `unreadable`
        named = {f["name"] for f in manifest["files"]}
        for name in sorted(names, key=lambda n: n.encode("utf-8")):
            if name in ("manifest.json", "signatures") or bundle_file_kind(name) is None:
                continue
            content = name[:-len(ZSTD_SUFFIX)] if name.endswith(ZSTD_SUFFIX) else name
            if content not in named:
                self.log.error("unlisted-file", "%s/%s" % (self.base, name), "is not named by the bundle's manifest")
            elif content != name and content in names:
                self.log.error("unlisted-file", "%s/%s" % (self.base, name), "stores %s a second time" % content)

    def scan(self, name, manifest):
        """Yields (number, line, record or None) for each line of the file in its stored form, after file checks
        (dataset.md §4.7, §8.1: read at most to the manifest's size plus one byte; a larger file gives its complete
        lines within that size, then `file-size`). self.lines counts the lines seen, self.read whether the file was
        read to its end, self.first_line the length of its first line."""
        entry = next(f for f in manifest["files"] if f["name"] == name)
        self.lines, self.read, self.first_line = 0, False, None
        found = stored_form(self.absolute, name)
        if found is None:
            self.log.error("file-missing", "%s/%s" % (self.base, name), "is named in the manifest but is not there")
            return
        path = "%s/%s" % (self.base, found[0])
        absolute = os.path.join(self.absolute, found[0])
        try:
            if is_lfs_pointer(absolute):
                self.log.error("not-fetched", path, "is a Git LFS pointer, not the file: it was not fetched")
                return
            data, larger = read_stored(absolute, found[1], entry["size"])
        except Encoding as error:
            self.log.error("file-encoding", path, str(error))
            return
        except OSError as error:
            if error.errno == errno.EFBIG:
                self.log.error("file-size", path, str(error))
            else:
                self.log.error("file-missing", path, "is named in the manifest but cannot be read: %s" % error)
            return
        pieces = data.split(b"\n") if data else []
        newline = not data or data.endswith(b"\n")
        lines = pieces[:-1] if (larger or newline) and pieces else pieces
        if lines and len(lines[0]) <= LINE_LIMIT:
            self.first_line = len(lines[0])
        for number, line in enumerate(lines, start=1):
            self.lines += 1
            yield number, line, self.record(number, line, path)
        if larger:
            self.log.error("file-size", path, "is larger than the manifest says; reading stopped there")
            return
        self.read = True
        if len(data) != entry["size"]:
            self.log.error("file-size", path, "size differs from the manifest")
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            self.log.error("file-hash", path, "SHA-256 differs from the manifest")
        if not newline:
            self.log.error("record-not-canonical", path, "the last line does not end with a newline")

    def record(self, number, line, path):
        if len(line) > LINE_LIMIT:
            self.log.error("record-invalid", path, "line %d is too long" % number)
            return None
        try:
            record = validate_record(line)
        except Invalid as error:
            self.log.error("record-invalid", path, "line %d: %s" % (number, error))
            return None
        if canonical(record) != line:
            self.log.error("record-not-canonical", path, "line %d is not canonical" % number)
            return None
        if not self.day * DAY_MS <= record["start_ms"] < (self.day + 1) * DAY_MS:
            self.log.error("record-day", path, "line %d is not on the bundle's day" % number)
        return record

    def check_conflicts(self, manifest):
        path = self.stored_path("conflicts.jsonl")
        keys, previous, versions_of_key, versions = set(), None, 0, 0
        for number, line, record in self.scan("conflicts.jsonl", manifest):
            if record is None:
                continue
            versions += 1
            key = key_of(record)
            if previous is not None:
                if previous[0] == key:
                    if not previous[1] < line:
                        self.log.error("record-order", path, "line %d is not after the line before" % number)
                    versions_of_key += 1
                else:
                    if not previous[0] < key:
                        self.log.error("record-order", path, "line %d is out of order" % number)
                    if versions_of_key < 2:
                        self.log.error("conflicts", path, "a key has a single version")
                    versions_of_key = 1
            else:
                versions_of_key = 1
            keys.add(key)
            previous = (key, line)
        if previous is not None and versions_of_key < 2:
            self.log.error("conflicts", path, "a key has a single version")
        if len(keys) != manifest["conflicts"]["keys"] or versions != manifest["conflicts"]["versions"]:
            self.log.error("conflicts", self.base + "/manifest.json", "conflict counts differ")
        return keys

    def check_shards(self, manifest, first_lines):
        """shard (dataset.md §4.6): the cut of the records into records.jsonl or shards; first_lines maps a shard's
        index to the length of its first line, for the shards that were read."""
        files, path = self.record_files(manifest), self.base + "/manifest.json"
        if len(files) == 1 and files[0]["name"] == "records.jsonl":
            if files[0]["size"] > self.shard_bytes:
                self.log.error("shard", path, "records.jsonl is larger than the dataset's shard_bytes")
            return
        total = sum(f["size"] for f in files)
        if total > 2 ** 63 - 1:
            self.log.error("shard", path, "the shards' sizes add up past 2^63 - 1")
            return
        if total <= self.shard_bytes:
            self.log.error("shard", path, "the shards fit in one records.jsonl")
        for index, entry in enumerate(files):
            if entry["size"] <= 0:
                self.log.error("shard", path, "%s is empty" % entry["name"])
            if entry["size"] > self.shard_bytes:
                self.log.error("shard", path, "%s is larger than the dataset's shard_bytes" % entry["name"])
            following = first_lines.get(index + 1)
            if index + 1 < len(files) and following is not None and entry["size"] <= self.shard_bytes - following - 1:
                self.log.error("shard", path, "%s ends before a line that fits: shards are cut greedily" % entry["name"])

    def check_records(self, manifest, conflict_keys):
        """The records, shard after shard (dataset.md §4.1, §4.6); None when a records file was not read to its end."""
        previous, by_kind, leaves, valid, test_jobs = None, {k: 0 for k in ALL_KINDS}, [], [], []
        lines, all_read, first_lines = 0, True, {}
        for index, entry in enumerate(self.record_files(manifest)):
            path = self.stored_path(entry["name"])
            for number, line, record in self.scan(entry["name"], manifest):
                if len(line) <= LINE_LIMIT:
                    leaves.append(leaf_hash(line))
                if record is None:
                    continue
                key = key_of(record)
                if previous is not None and not previous < key:
                    self.log.error("record-order", path, "line %d repeats or is out of order" % number)
                if key in conflict_keys:
                    self.log.error("conflicts", path, "line %d is also in conflicts.jsonl" % number)
                previous = key
                by_kind[record["kind"]] += 1
                valid.append(record)
                if record["kind"] == "test_job":
                    test_jobs.append((lines + number, record))
            lines += self.lines
            all_read = all_read and self.read
            if self.first_line is not None:
                first_lines[index] = self.first_line
        self.check_shards(manifest, first_lines)
        if not all_read:
            return None
        for kind in ALL_KINDS:
            if by_kind[kind] != manifest["records"]["by_kind"].get(kind, 0):
                self.log.error("record-count", self.base + "/manifest.json", "records.by_kind.%s differs" % kind)
        if lines != manifest["merkle"]["tree_size"] or merkle_root(leaves).hex() != manifest["merkle"]["root"]:
            self.log.error("merkle-root", self.base + "/manifest.json", "the Merkle tree differs")
        if canonical(coverage_of(valid)) != canonical(manifest["coverage"]):
            self.log.error("coverage", self.base + "/manifest.json", "coverage differs from the probes")
        return test_jobs

    def check_signatures(self, manifest_bytes):
        time = self.day * 86400
        used = {}
        for stem, path, parsed in signature_files(manifest_bytes, MANIFEST_NAMESPACE, self.root, self.base, self.log):
            verdict = standing(self.policy, stem, parsed["key"], MANIFEST_NAMESPACE, time)
            if verdict != "counts":
                if verdict == "not-allowed":
                    self.log.error("unknown-signer", path, "allowed_signers does not let %s sign with %s on this day"
                                   % (stem, fingerprint(parsed["key"])))
                else:
                    self.log.warning("revoked-signer", path, "%s is revoked (%s); it does not count"
                                     % (fingerprint(parsed["key"]), verdict[1]["reason"]))
                continue
            if parsed["key"] in used:
                self.log.warning("duplicate-signer", path, "the key already signed as %s" % used[parsed["key"]])
                continue
            used[parsed["key"]] = stem
            self.counting.append(stem)
        self.counting.sort(key=lambda c: c.encode("utf-8"))
        self.unsigned = [p for p in allowed_principals(self.policy, MANIFEST_NAMESPACE, time)
                         if not any(_matches(c, p) for c in self.counting)]


# The job tester's publications (probe.md §7) -----------------------------------------------------------------

ADDRESS = re.compile(r"0x[0-9a-f]{40}")
IDENTIFIER = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}")
REVEAL_LIMIT, COMMITMENT_LIMIT, SCENARIOS_LIMIT, INPUT_LIMIT = 64 << 20, 4096, 1 << 20, 104_857_600
MAX_PROBES = 10_000_000


def _probe_module():
    """assay_probe.py beside this file (it imports this module, so it is imported when first needed)."""
    import assay_probe
    return assay_probe


def _canonical_document(data, limit, what):
    if len(data) > limit:
        raise Invalid("%s is larger than %d bytes" % (what, limit))
    if not data.endswith(b"\n"):
        raise Invalid("%s is canonical JSON followed by one newline" % what)
    value = parse_json(data[:-1])
    if not isinstance(value, dict) or canonical(value) + b"\n" != data:
        raise Invalid("%s is not a canonical JSON object followed by one newline" % what)
    return value


def parse_commitment(data):
    """probes/commitments/<c>/<YYYY>/<MM>/<DD>.json (probe.md §7.2)."""
    value = _canonical_document(data, COMMITMENT_LIMIT, "a commitment")
    if set(value) != {"collector", "commitment", "dataset", "day", "format"} or value["format"] != "assay-probe-commitment-v1":
        raise Invalid("a commitment has exactly collector, commitment, dataset, day and format assay-probe-commitment-v1")
    for name in ("collector", "dataset"):
        if not isinstance(value[name], str) or not SLUG.fullmatch(value[name]):
            raise Invalid("%s must be a slug" % name)
    if not isinstance(value["commitment"], str) or not HEX64.fullmatch(value["commitment"]):
        raise Invalid("commitment must be 64 lowercase hexadecimal digits")
    if not isinstance(value["day"], str) or parse_day(value["day"]) is None:
        raise Invalid("day must be a date")
    return value


def parse_reveal(data):
    """A bundle's probes.json (probe.md §7.3), without the document it names."""
    value = _canonical_document(data, REVEAL_LIMIT, "a reveal")
    if set(value) != {"day", "format", "scenarios", "seed", "targets", "tester"} or value["format"] != "assay-probe-reveal-v1":
        raise Invalid("a reveal has exactly day, format assay-probe-reveal-v1, scenarios, seed, targets and tester")
    if not isinstance(value["day"], str) or parse_day(value["day"]) is None:
        raise Invalid("day must be a date")
    for name in ("scenarios", "seed"):
        if not isinstance(value[name], str) or not HEX64.fullmatch(value[name]):
            raise Invalid("%s must be 64 lowercase hexadecimal digits" % name)
    if not isinstance(value["tester"], str) or not IDENTIFIER.fullmatch(value["tester"]):
        raise Invalid("tester must be an identifier")
    if not isinstance(value["targets"], dict):
        raise Invalid("targets must be an object")
    for scenario, addresses in value["targets"].items():
        if not isinstance(addresses, list) or not addresses or not all(isinstance(a, str) and ADDRESS.fullmatch(a) for a in addresses):
            raise Invalid("targets.%s must be a non-empty array of addresses" % scenario)
        if any(a >= b for a, b in zip(addresses, addresses[1:])):
            raise Invalid("targets.%s must be sorted, each once" % scenario)
    return value


def check_probes(bundle, manifest, test_jobs):
    """probe-plan, probe-file, probe-commitment for one bundle (probe.md §7.4 items 1-4); returns the SHA-256 of the
    scenario document its reveal names, or None."""
    log, base = bundle.log, bundle.base
    records_path = base + "/" + bundle.record_files(manifest)[0]["name"]
    entry = next((f for f in manifest["files"] if f["name"] == "probes.json"), None)
    if entry is None:
        if test_jobs:
            log.error("probe-plan", records_path, "has %d test jobs but the bundle reveals no probe order" % len(test_jobs))
        return None
    found = stored_form(bundle.absolute, "probes.json")
    path = base + "/" + (found[0] if found else "probes.json")
    if found is None:
        log.error("file-missing", path, "is named in the manifest but is not there")
        return None
    try:
        if is_lfs_pointer(os.path.join(bundle.absolute, found[0])):
            log.error("not-fetched", path, "is a Git LFS pointer, not the file: it was not fetched")
            return None
        data, larger = read_stored(os.path.join(bundle.absolute, found[0]), found[1], min(entry["size"], REVEAL_LIMIT))
    except Encoding as error:
        log.error("file-encoding", path, str(error))
        return None
    except OSError as error:
        log.error("file-size" if error.errno == errno.EFBIG else "file-missing", path, "cannot be read: %s" % error)
        return None
    if larger:
        log.error("file-size", path, "is larger than the manifest says; reading stopped there")
        return None
    if len(data) != entry["size"]:
        log.error("file-size", path, "size differs from the manifest")
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        log.error("file-hash", path, "SHA-256 differs from the manifest")
    try:
        reveal = parse_reveal(data)
    except Invalid as error:
        log.error("probe-plan", path, str(error))
        return None
    day = day_text(bundle.day)
    if reveal["day"] != day:
        log.error("probe-plan", path, "reveals the probes of another day")
        return None
    probe = _probe_module()
    relative = "probes/commitments/%s/%s.json" % (bundle.collector, day.replace("-", "/"))
    try:
        committed = parse_commitment(read_regular(os.path.join(bundle.root, relative), COMMITMENT_LIMIT))
        if (committed["dataset"], committed["collector"], committed["day"]) == (bundle.dataset_id, bundle.collector, day) \
                and committed["commitment"] != probe.commitment(day, reveal["seed"]):
            log.error("probe-commitment", relative, "does not commit to the revealed seed")
    except OSError as error:
        log.error("probe-commitment", relative, "is missing or cannot be read: %s" % error)
    except Invalid:
        pass  # reported once, by check_probe_files
    document_path = "probes/scenarios/%s.json" % reveal["scenarios"]
    try:
        raw = read_regular(os.path.join(bundle.root, document_path), SCENARIOS_LIMIT)
    except OSError as error:
        log.error("probe-file", document_path, "is missing or cannot be read: %s" % error)
        return reveal["scenarios"]
    if hashlib.sha256(raw).hexdigest() != reveal["scenarios"]:
        log.error("probe-file", document_path, "has another SHA-256 than its name")
        return reveal["scenarios"]
    try:
        document = probe.read_document(raw)
    except probe.Refused as error:
        log.error("probe-file", document_path, "is not a valid scenario document: %s" % error)
        return reveal["scenarios"]
    scenarios = {s["id"]: s for s in document["scenarios"]}
    unknown = [s for s in reveal["targets"] if s not in scenarios]
    total = sum(scenarios[s]["schedule"]["per_day"] * len(a) for s, a in reveal["targets"].items() if s in scenarios)
    if unknown or total > MAX_PROBES:
        log.error("probe-plan", path, "names a scenario the document lacks" if unknown else "has more probes than the bound")
        return reveal["scenarios"]
    if test_jobs is None:
        return reveal["scenarios"]  # the records were not all read: the reveal is checked, not matched with them
    jobs = {}
    for number, record in test_jobs:
        if record["observer_id"] != reveal["tester"]:
            log.error("probe-plan", records_path, "line %d: a test job of another observer than the day's tester" % number)
            continue
        jobs[record["id"]] = (number, record)
    hashes = {i: hashlib.sha256(probe.canonical_value(s)).hexdigest() for i, s in scenarios.items()}
    missing = []
    for at_ms, _, scenario_id, orchestrator, k in probe.order(document, day, reveal["seed"], reveal["targets"]):
        scenario_id, orchestrator = scenario_id.decode(), orchestrator.decode()
        key = "%s/%s/%s/%d" % (day, scenario_id, orchestrator, k)
        found = jobs.pop(key, None)
        if found is None:
            missing.append(key)
            continue
        number, record = found
        scenario = scenarios[scenario_id]
        expected = {"scenario": scenario_id, "scenario_sha256": hashes[scenario_id], "orchestrator": orchestrator, "slot": k,
                    "start_ms": at_ms, "pipeline": scenario["pipeline"], "model_id": scenario["model_id"]}
        differs = sorted(name for name, value in expected.items() if record.get(name) != value)
        if differs:
            log.error("probe-plan", records_path, "line %d: test job %s differs from its probe in %s" % (number, key, ", ".join(differs)))
    if missing:
        log.error("probe-plan", records_path, "%d probes of the revealed order have no test job, the first %s" % (len(missing), missing[0]))
    for number, record in sorted(jobs.values(), key=lambda item: item[0]):
        log.error("probe-plan", records_path, "line %d: test job %s is no probe of the revealed order" % (number, record["id"]))
    return reveal["scenarios"]


def commitment_days(root):
    """{collector: [day, ...]} of probes/commitments/<collector>/<YYYY>/<MM>/<DD>.json (links never followed)."""
    base = os.path.join(root, "probes", "commitments")
    result = {}
    if kind(base) != "directory":
        return result
    for collector, found in entries(base):
        if found != "directory" or not SLUG.fullmatch(collector):
            continue
        days = []
        for year, yk in entries(os.path.join(base, collector)):
            if yk != "directory" or not _digits(year, 4):
                continue
            for month, mk in entries(os.path.join(base, collector, year)):
                if mk != "directory" or not _digits(month, 2):
                    continue
                for name, fk in entries(os.path.join(base, collector, year, month)):
                    number = parse_day("%s-%s-%s" % (year, month, name[:-5])) if fk == "regular" and name.endswith(".json") \
                        and _digits(name[:-5], 2) else None
                    if number is not None:
                        days.append(number)
        result[collector] = sorted(days)
    return result


def check_probe_files(root, dataset_id, referenced, log):
    """probe-file, probe-commitment, unlisted-file, bundle-path, file-type under probes/ (probe.md §7.4 items 5-6)."""
    if kind(os.path.join(root, "probes")) != "directory":
        return
    layout = LayoutCheck(root, log)
    present = set()
    for name, found in layout.entries("probes") or []:
        if name not in ("scenarios", "inputs", "commitments"):
            log.error("unlisted-file", "probes/" + name, "is not part of the tester's publications")
        elif layout.has_kind(found, "directory", "probes/" + name):
            present.add(name)

    def named_by_hash(relative, suffix, limit, elsewhere):
        """(H, path, bytes) of each file named <H><suffix>; bytes None, without a finding, for a name in `elsewhere`
        (a bundle's probe check reports it) that is not a regular file whose SHA-256 is H."""
        for name, found in layout.entries(relative) or []:
            path = "%s/%s" % (relative, name)
            stem = name[:-len(suffix)] if suffix and name.endswith(suffix) else (name if not suffix else "")
            if not HEX64.fullmatch(stem):
                log.error("unlisted-file", path, "is not named <SHA-256>%s" % suffix)
                continue
            if stem in elsewhere and found != "regular":
                yield stem, path, None
                continue
            if not layout.has_kind(found, "regular", path):
                continue
            try:
                data = read_regular(os.path.join(root, path), limit)
            except OSError as error:
                if stem in elsewhere:
                    yield stem, path, None
                else:
                    log.error("probe-file" if error.errno == errno.EFBIG else "unreadable", path, "cannot be read: %s" % error)
                continue
            if hashlib.sha256(data).hexdigest() != stem:
                if stem in elsewhere:
                    yield stem, path, None
                else:
                    log.error("probe-file", path, "has another SHA-256 than its name")
                continue
            yield stem, path, data

    needed, known_inputs = {}, True
    if "scenarios" in present:
        probe = _probe_module()
        for stem, path, data in named_by_hash("probes/scenarios", ".json", SCENARIOS_LIMIT, referenced):
            if stem not in referenced:
                log.error("unlisted-file", path, "is a scenario document no bundle's probe reveal names")
                continue
            try:
                if data is None:
                    raise probe.Refused("unreadable")
                document = probe.read_document(data)
            except probe.Refused:
                known_inputs = False  # each naming bundle's probe-file finding; its inputs cannot be listed
                continue
            for sha, size in probe.input_files(document).items():
                needed.setdefault(sha, (size, path))
    if "inputs" in present:
        for stem, path, data in named_by_hash("probes/inputs", "", INPUT_LIMIT, set()):
            if stem not in needed:
                if known_inputs:
                    log.error("unlisted-file", path, "is an input file no named scenario document names")
                continue
            size, document = needed.pop(stem)
            if len(data) != size:
                log.error("probe-file", path, "is not the %d bytes %s says" % (size, document))
    for sha in sorted(needed):
        log.error("probe-file", "probes/inputs/" + sha, "is missing: %s names it" % needed[sha][1])
    if "commitments" not in present:
        return
    top = "probes/commitments"
    for collector, found in layout.entries(top) or []:
        cpath = "%s/%s" % (top, collector)
        if not SLUG.fullmatch(collector):
            log.error("bundle-path", cpath, "is not a collector directory")
            continue
        if not layout.has_kind(found, "directory", cpath):
            continue
        for year, found in layout.entries(cpath) or []:
            ypath = "%s/%s" % (cpath, year)
            if not _digits(year, 4):
                log.error("bundle-path", ypath, "is not a year (YYYY) directory")
                continue
            if not layout.has_kind(found, "directory", ypath):
                continue
            for month, found in layout.entries(ypath) or []:
                mpath = "%s/%s" % (ypath, month)
                if not _digits(month, 2):
                    log.error("bundle-path", mpath, "is not a month (MM) directory")
                    continue
                if not layout.has_kind(found, "directory", mpath):
                    continue
                for name, found in layout.entries(mpath) or []:
                    path = "%s/%s" % (mpath, name)
                    number = parse_day("%s-%s-%s" % (year, month, name[:-5])) if name.endswith(".json") and _digits(name[:-5], 2) else None
                    if number is None:
                        log.error("bundle-path", path, "is not a day's commitment <DD>.json of a real date")
                        continue
                    if not layout.has_kind(found, "regular", path):
                        continue
                    try:
                        committed = parse_commitment(read_regular(os.path.join(root, path), COMMITMENT_LIMIT))
                    except OSError as error:
                        log.error("probe-commitment" if error.errno == errno.EFBIG else "unreadable", path, "cannot be read: %s" % error)
                        continue
                    except Invalid as error:
                        log.error("probe-commitment", path, str(error))
                        continue
                    if (committed["dataset"], committed["collector"], committed["day"]) != (dataset_id, collector, day_text(number)):
                        log.error("probe-commitment", path, "names another dataset, collector or day than its place")


def check_chain(chain, log):
    seen_prev = {}
    for index, bundle in enumerate(chain):
        manifest = bundle.manifest
        if manifest is None:
            continue
        path = bundle.base + "/manifest.json"
        if "prev" not in manifest:
            if index > 0:
                log.error("chain-link", path, "has no prev, but a bundle comes before it")
            continue
        prev = manifest["prev"]
        if prev["sha256"] in seen_prev:
            log.error("chain-fork", path, "names the same previous manifest as another bundle")
        seen_prev[prev["sha256"]] = bundle.day
        if index == 0:
            log.error("chain-start", path, "links to a bundle that is not in the dataset")
            continue
        before = chain[index - 1]
        if parse_day(prev["day"]) != before.day or prev["sha256"] != before.manifest_hash:
            log.error("chain-link", path, "prev does not name the bundle before it")
            continue
        missing = bundle.day - before.day - 1
        if missing > 0:
            log.warning("chain-gap", path, "%d days without a bundle" % missing)


def check_pin(versions, genesis, trust, state, dataset, log):
    """`genesis` and `policy-rollback` (dataset.md §8.2, §8.4): the genesis is the pinned one, and the
    policy version an earlier run judged by still holds with the same hash. Returns what pinned it."""
    path = "policy/0001/policy.json"
    if trust is not None and genesis != trust:
        log.error("genesis", path, "the dataset's genesis is %s, but --trust pins %s" % (genesis, trust))
    if state is None or state["dataset"] != dataset:
        return "trust" if trust is not None else None
    if genesis != state["genesis"]:
        log.error("genesis", path, "the dataset's genesis is %s, but the state file recorded %s" % (genesis, state["genesis"]))
    number = state["policy"]["version"]
    match = [v for v in versions if v["version"] == number]
    if not match:
        log.error("policy-rollback", "policy/%04d" % number, "is gone: the last verification judged by this version")
    elif match[0]["sha256"] != state["policy"]["sha256"]:
        log.error("policy-rollback", "policy/%04d/policy.json" % number, "has another hash than the last verification saw")
    elif not match[0]["holds"]:
        log.error("policy-rollback", "policy/%04d" % number, "no longer holds")
    return "trust" if trust is not None else "state"


def parse_state(data):
    """A --state file, format assay-verify-state-v2 (dataset.md §8.2)."""
    value = parse_json(data)
    if isinstance(value, dict) and value.get("format") == "assay-verify-state-v1":
        raise Invalid("the state file is assay-verify-state-v1, which recorded no root of trust; delete it and verify again")
    if not isinstance(value, dict) or set(value) - {"log"} != {"format", "dataset", "genesis", "policy", "heads"} \
            or value["format"] != "assay-verify-state-v2" or not isinstance(value["dataset"], str) \
            or not isinstance(value["genesis"], str) or not HEX64.fullmatch(value["genesis"]) \
            or not isinstance(value["policy"], dict) or set(value["policy"]) != {"version", "sha256"} \
            or not _is_int(value["policy"]["version"]) or not isinstance(value["policy"]["sha256"], str) \
            or not isinstance(value["heads"], list):
        raise Invalid("not a state file of format assay-verify-state-v2")
    for head in value["heads"]:
        if not isinstance(head, dict) or set(head) != {"collector", "day", "manifest_sha256"} \
                or not all(isinstance(head[k], str) for k in head) or parse_day(head["day"]) is None:
            raise Invalid("a head is {collector, day, manifest_sha256}")
    head = value.get("log")
    if "log" in value and (not isinstance(head, dict) or set(head) != {"size", "root"} or not _is_int(head["size"])
                           or not 0 <= head["size"] <= (1 << 53) - 1 or not isinstance(head["root"], str) or not HEX64.fullmatch(head["root"])):
        raise Invalid("log is {size, root} (log.md §7.5)")
    return value


def state_bytes(report):
    """What a later run must find again, or None without a root of trust to record."""
    current = [v for v in report["policy_versions"] if v["holds"]]
    if report["dataset"] is None or report["genesis"] is None or not current:
        return None
    state = {"format": "assay-verify-state-v2", "dataset": report["dataset"], "genesis": report["genesis"]["sha256"],
             "policy": {"version": current[-1]["version"], "sha256": current[-1]["sha256"]},
             "heads": sorted(report["heads"], key=lambda h: h["collector"].encode())}
    if report.get("log_head"):
        state["log"] = report["log_head"]
    return canonical(state) + b"\n"


def parse_selection(texts):
    """--only (dataset.md §8.5): [(collector, first day or None, last day or None)]; raises Invalid."""
    items = []
    for text in texts:
        collector, _, days = text.partition("/")
        if not SLUG.fullmatch(collector):
            raise Invalid("--only %s: the collector must be a slug (COLLECTOR, COLLECTOR/DAY or COLLECTOR/FIRST..LAST)" % text)
        if not _:
            items.append((collector, None, None))
            continue
        first, dots, last = days.partition("..")
        first_day, last_day = parse_day(first), parse_day(last if dots else first)
        if first_day is None or last_day is None or first_day > last_day:
            raise Invalid("--only %s: the days must be YYYY-MM-DD or FIRST..LAST, the first not after the last" % text)
        items.append((collector, first_day, last_day))
    return items


def selected(selection, collector, day):
    return selection is None or any(c == collector and (first is None or first <= day <= last) for c, first, last in selection)


def verify(root, policy=None, threshold=None, max_age=None, today=None, state=None, trust=None, git=False, checkpoint=None,
           selection=None):
    """`policy` pins a policy (policy.md §5): a dict as evaluate_policy makes, or None for the dataset's current one;
    `trust` pins the genesis hash (dataset.md §8.4); `selection` (parse_selection) limits whose records are read (§8.5)."""
    log = Log(limit=1000)
    descriptor = None
    pinned = policy is not None
    try:
        descriptor = read_descriptor(root)
    except (OSError, Invalid) as error:
        log.error("descriptor", "dataset.json", str(error))
    versions = []
    genesis = None
    if descriptor is not None:
        current, versions, genesis_hash = evaluate_policy(root, descriptor, log)
        pinned_by = check_pin(versions, genesis_hash, trust, state, descriptor["id"], log)
        if genesis_hash is not None:
            genesis = {"sha256": genesis_hash, "pinned_by": pinned_by}
        if policy is None:
            policy = current
    if policy is not None and threshold is not None:
        policy = dict(policy, threshold=threshold)
    signers = policy["signers"] if policy is not None else None
    check_layout(root, log)
    bundles = []
    heads = []
    log_head = None
    if descriptor is not None and signers is not None:
        # A directory that cannot be listed is reported by the layout check (`unreadable`).
        try:
            days = day_directories(os.path.join(root, "bundles"))
        except OSError:
            days = {}
        collectors = sorted(days, key=lambda c: c.encode("utf-8"))
        chains = {}
        for collector in collectors:
            chains[collector] = [BundleCheck(root, descriptor["id"], policy["threshold"], policy, collector, day,
                                             descriptor.get("shard_bytes", SHARD_BYTES_MAX),
                                             selected(selection, collector, day)).run() for day in days[collector]]
            bundles += chains[collector]
        for bundle in bundles:
            log.extend(bundle.log.findings)
        chain_log = Log()
        for collector in collectors:
            check_chain(chains[collector], chain_log)
            if chains[collector] and chains[collector][-1].manifest_hash:
                last = chains[collector][-1]
                heads.append({"collector": collector, "day": day_text(last.day), "manifest_sha256": last.manifest_hash})
        now = today if today is not None else (datetime.datetime.now(datetime.timezone.utc).date() - datetime.date(1970, 1, 1)).days
        # future (dataset.md §8): nothing is sealed before its day ends.
        for bundle in bundles:
            if bundle.day > now:
                chain_log.error("future", bundle.base, "is dated after today")
        try:
            scored = day_directories(os.path.join(root, "scores"))
        except OSError:
            scored = {}
        for collector in sorted(scored, key=lambda c: c.encode("utf-8")):
            for number in scored[collector]:
                if number > now:
                    y, mo, d = day_text(number).split("-")
                    chain_log.error("future", "scores/%s/%s/%s/%s" % (collector, y, mo, d), "is dated after today")
        if max_age is not None:
            for head in heads:
                if now - parse_day(head["day"]) > max_age:
                    chain_log.error("stale", "bundles/" + head["collector"], "the newest bundle is too old")
            if not heads:
                chain_log.error("stale", "bundles", "the dataset has no bundles at all")
        if state is not None:
            if state["dataset"] != descriptor["id"]:
                chain_log.error("rollback", "--state", "the state file is for another dataset")
            else:
                by_location = {(b.collector, day_text(b.day)): b for b in bundles}
                for head in state["heads"]:
                    match = [by_location[(head["collector"], head["day"])]] if (head["collector"], head["day"]) in by_location else []
                    y, mo, d = head["day"].split("-")
                    path = "bundles/%s/%s/%s/%s" % (head["collector"], y, mo, d)
                    if not match:
                        chain_log.error("rollback", path, "the recorded head is gone")
                    elif match[0].manifest_hash != head["manifest_sha256"]:
                        chain_log.error("rollback", path + "/manifest.json", "history was rewritten")
        log.extend(chain_log.findings)
        probe_log = Log(limit=1000)
        check_probe_files(root, descriptor["id"], {b.scenario_document for b in bundles if b.scenario_document}, probe_log)
        log.extend(probe_log.findings)
        log.extend(check_scores(root, policy, bundles, descriptor, selection))
        log_findings = Log(limit=1000)
        recorded = state.get("log") if state is not None and state["dataset"] == descriptor["id"] else None
        known = {}  # witnesses any version that holds defines, the newest's key for a name (log.md §8.3)
        for version in versions:
            if version["holds"] and version.get("witnesses"):
                known.update(version["witnesses"].get("keys", {}))
        log_head = check_log(root, descriptor["id"], policy, log_findings, recorded, checkpoint, known)
        log.extend(log_findings.findings)
    commits = None
    if git:
        git_log = Log(limit=1000)
        commits = check_git(root, policy, git_log)
        log.extend(git_log.findings)
    errors = sum(1 for f in log.findings if f["severity"] == "error")
    return {
        "format": "assay-verify-report-v2",
        "dataset": descriptor["id"] if descriptor else None,
        "genesis": genesis,
        "ok": errors == 0,
        "errors": errors,
        "warnings": len(log.findings) - errors,
        "policy": None if policy is None else {"version": policy["version"], "sha256": policy["hash"],
                                               "threshold": policy["threshold"], "pinned": pinned},
        "policy_versions": [{k: v[k] for k in ("version", "sha256", "holds", "approvals", "needed")} for v in versions],
        "bundles": [{"collector": b.collector, "day": day_text(b.day), "manifest_sha256": b.manifest_hash,
                     "records": b.manifest["records"]["total"] if b.manifest else 0, "signers": b.counting,
                     "unsigned": b.unsigned,
                     "threshold": b.threshold, "holds": len(b.counting) >= b.threshold,
                     "ok": not any(f["severity"] == "error" for f in b.log.findings),
                     "records_checked": b.records_checked} for b in bundles],
        "findings": log.findings,
        "heads": heads,
        "git_commits": commits,
        "log_head": None if log_head is None else {"size": log_head[0], "root": log_head[1].hex()},
    }


SCORES_NAMESPACE = "assay-scores-v1"


def _bundle_name(item, path):
    if not isinstance(item, dict) or set(item) != {"collector", "day", "manifest_sha256"} \
            or not isinstance(item["collector"], str) or not SLUG.fullmatch(item["collector"]) \
            or not isinstance(item["day"], str) or parse_day(item["day"]) is None \
            or not isinstance(item["manifest_sha256"], str) or not HEX64.fullmatch(item["manifest_sha256"]):
        raise Invalid("%s must be {collector, day, manifest_sha256}" % path)
    return (item["collector"], parse_day(item["day"]), item["manifest_sha256"])


def parse_publication(document):
    """inputs.bundles, inputs.heads and inputs.excluded of published scores (scoring.md §10)."""
    inputs = document.get("inputs") if isinstance(document, dict) else None
    if not isinstance(inputs, dict) or not isinstance(inputs.get("bundles"), list):
        raise Invalid("has no inputs.bundles")
    if not isinstance(inputs.get("heads"), list):
        raise Invalid("inputs.heads is required in published scores (an array)")
    if not isinstance(inputs.get("excluded"), list):
        raise Invalid("inputs.excluded is required in published scores (an array)")
    heads = [_bundle_name(item, "inputs.heads[%d]" % i) for i, item in enumerate(inputs["heads"])]
    if any(not a[0].encode() < b[0].encode() for a, b in zip(heads, heads[1:])):
        raise Invalid("inputs.heads must be sorted by collector, each collector once")
    excluded = []
    for i, item in enumerate(inputs["excluded"]):
        path = "inputs.excluded[%d]" % i
        if not isinstance(item, dict) or "rules" not in item:
            raise Invalid("%s must be {collector, day, manifest_sha256, rules}" % path)
        rules = item["rules"]
        name = _bundle_name({k: v for k, v in item.items() if k != "rules"}, path)
        if not isinstance(rules, list) or not rules or any(not isinstance(r, str) or RULES.get(r) != "error" or r == "threshold"
                                                            for r in rules):
            raise Invalid("%s.rules must name error rules other than threshold" % path)
        if any(not a.encode() < b.encode() for a, b in zip(rules, rules[1:])):
            raise Invalid("%s.rules must be sorted, each rule once" % path)
        excluded.append((name, rules))
    if any(not (a[0][0].encode(), a[0][1]) < (b[0][0].encode(), b[0][1]) for a, b in zip(excluded, excluded[1:])):
        raise Invalid("inputs.excluded must be sorted by collector, then day, each bundle once")
    bundles = [_bundle_name(item, "inputs.bundles[%d]" % i) for i, item in enumerate(inputs["bundles"])]
    publication = {"heads": inputs["heads"], "excluded": inputs["excluded"]}
    return bundles, heads, excluded, publication


def check_scores(root, policy, bundles, descriptor, selection=None):
    """Published scores (scoring.md §10): complete against their heads, recomputed from exactly the bundles they name."""
    import assay_score  # the independent scorer beside this file
    log = Log(limit=None)  # the documents' logs, each already limited
    if policy is None:
        return log.findings
    known = {}  # the profiles of spec/profiles/, by hash
    for name in ("naap-sla-v1.json", "assay-sla-v1.json"):
        with open(spec_path("profiles", name), "rb") as handle:
            profile, profile_hash = assay_score.load_profile(handle.read(), name)
            known[profile_hash] = profile
    present = {(b.collector, b.day): b for b in bundles}
    try:
        scored = day_directories(os.path.join(root, "scores"))
    except OSError:
        scored = {}  # reported by the layout check (`unreadable`)
    for collector in sorted(scored, key=lambda c: c.encode("utf-8")):
        for number in scored[collector]:
            y, m, d = day_text(number).split("-")
            relative = "scores/%s/%s/%s/%s" % (collector, y, m, d)
            document_log = Log()  # at most 20 findings per rule and document, as PublishedScores.verify
            data = _check_published(root, relative + "/scores.json", number, present, descriptor, known, document_log,
                                    selected(selection, collector, number))
            if data is not None:
                signed = any(standing(policy, stem, parsed["key"], SCORES_NAMESPACE, number * 86400) == "counts"
                             for stem, _, parsed in signature_files(data, SCORES_NAMESPACE, root, relative, document_log))
                if not signed:
                    document_log.error("scores-signature", relative + "/signatures",
                                       "no valid signature by a signer the policy allows for " + SCORES_NAMESPACE)
            log.extend(document_log.findings)
    return log.findings


def read_scores_document(root, relative):
    """(stored path, content) of the scores document of the scores directory `relative`, in either stored form
    (scoring.md §10); content None when the stored file is a Git LFS pointer (not fetched). OSError, Encoding."""
    absolute = os.path.join(root, relative)
    form = stored_form(absolute, "scores.json")
    if form is None:
        raise OSError(errno.ENOENT, "scores.json is missing (neither scores.json nor scores.json.zst is there)")
    name, how = form
    path = os.path.join(absolute, name)
    if is_lfs_pointer(path):
        return relative + "/" + name, None
    data, larger = read_stored(path, how, LIMITS["scores"])
    if larger:
        raise OSError(errno.EFBIG, "is larger than %d bytes" % LIMITS["scores"])
    return relative + "/" + name, data


def scores_not_fetched(root):
    """(collector, day number) of each published scores document stored as a Git LFS pointer."""
    try:
        scored = day_directories(os.path.join(root, "scores"))
    except OSError:
        return []  # reported by the layout check (`unreadable`)
    found = []
    for collector in sorted(scored, key=lambda c: c.encode("utf-8")):
        for number in scored[collector]:
            absolute = os.path.join(root, "scores", collector, *day_text(number).split("-"))
            form = stored_form(absolute, "scores.json")
            try:
                if form is not None and is_lfs_pointer(os.path.join(absolute, form[0])):
                    found.append((collector, number))
            except OSError:
                pass  # unreadable: check_scores reports it, it is not "not fetched"
    return found


def _check_published(root, path, number, present, descriptor, known, log, selected_day=True):
    """One scores document; returns its bytes when they are canonical (its signatures are then checked). `path` names
    the document (.../scores.json); findings about its stored file name that file."""
    import assay_score
    relative = path[:-len("/scores.json")]
    try:
        stored, data = read_scores_document(root, relative)
    except Encoding as error:
        form = stored_form(os.path.join(root, relative), "scores.json")
        log.error("file-encoding", relative + "/" + form[0], str(error))
        return None
    except OSError as error:
        log.error("scores-document", path, "cannot be read as JSON: %s" % error)
        return None
    if data is None:
        if selected_day:  # outside the selection, not checked at all (dataset.md §8.5)
            log.error("not-fetched", stored, "is a Git LFS pointer, not the file: it was not fetched")
        return None
    try:
        document = parse_json(data)
    except Invalid as error:
        log.error("scores-document", path, "cannot be read as JSON: %s" % error)
        return None
    try:
        canonical_form = canonical(document) + b"\n"
    except Invalid:
        canonical_form = None
    if canonical_form != data:
        log.error("scores-document", path, "is not canonical JSON followed by one newline")
        return None
    named_profile = document.get("profile") if isinstance(document, dict) else None
    if not isinstance(named_profile, dict) or named_profile not in descriptor["scoring_profiles"]:
        log.error("scores-document", path, "names a profile that dataset.json's scoring_profiles does not list")
        return data
    profile_hash = named_profile.get("sha256")
    if profile_hash not in known:
        log.error("scores-document", path, "names a profile this verifier cannot recompute")
        return data
    profile = known[profile_hash]
    window = document.get("scores", {}).get("window", {}) if isinstance(document.get("scores"), dict) else {}
    if not isinstance(window, dict) or window.get("last_day") != day_text(number) or window.get("days") != 1:
        log.error("scores-document", path, "is not the 1-day window of its day")
        return data
    try:
        inputs, heads, excluded, publication = parse_publication(document)
    except Invalid as error:
        log.error("scores-document", path, str(error))
        return data
    scorer = assay_score.Scorer(profile, profile_hash, number, 1)

    def exists(name, role):
        bundle = present.get((name[0], name[1]))
        if bundle is None:
            log.error("scores-input", path, "names as %s a bundle that is not in the dataset" % role)
            return None
        if bundle.manifest_hash != name[2]:
            log.error("scores-input", path, "names as %s a bundle with another manifest hash" % role)
            return None
        return bundle

    head_day = {}
    declared = {h[0]: h[1] for h in heads}
    for head in heads:
        if exists(head, "head") is not None:
            head_day[head[0]] = head[1]

    def covered(name, role):
        if name[0] not in declared or name[1] > declared[name[0]]:
            log.error("scores-input", path, "names as %s a bundle after its collector's head (or without one)" % role)
            return False
        return True

    named = set()
    usable = True
    for name in inputs:
        if exists(name, "input") is None or not covered(name, "input"):
            usable = False
        named.add((name[0], name[1]))
    for name, rules in excluded:
        if (name[0], name[1]) in named:
            log.error("scores-document", path, "names a bundle both as an input and as excluded")
            return data
        named.add((name[0], name[1]))
        bundle = exists(name, "excluded")
        if bundle is None or not covered(name, "excluded"):
            continue
        broken = {f["rule"] for f in bundle.log.findings if f["severity"] == "error"}
        if not broken.intersection(rules):
            log.error("scores-input", path, "excludes a bundle that breaks none of the rules it lists")
    first_needed = scorer.bench_first
    for name in sorted(head_day, key=lambda c: c.encode()):
        for (collector, day), bundle in sorted(present.items(), key=lambda item: item[0][1]):
            if collector == name and first_needed <= day <= min(head_day[name], number) and (collector, day) not in named:
                log.error("scores-incomplete", path, "leaves out a bundle its head shows was sealed, without excluding it")
    if not usable:
        return data
    # Outside the run's selection the records were not checked: they are not recomputed from (dataset.md §8.5).
    if not all(present[(name[0], name[1])].check_records_wanted for name in inputs):
        return data
    try:
        for name in inputs:
            assay_score.feed_bundle(scorer, root, name[0], name[1])
    except (OSError, KeyError, ValueError, TypeError, AttributeError, Invalid) as error:
        log.error("scores-input", path, "an input bundle cannot be read: %s" % error)
        return data
    if scorer.output(True, publication) != data:
        log.error("scores-mismatch", path, "differs from the scores recomputed from the bundles it names")
    return data


# ---------------------------------------------------------------- the log (log.md §7)

ENTRY_LIMIT = 4096
CHECKPOINT_LIMIT = 4096
NOTE_LIMIT = 1 << 20
TILE_WIDTH = 256
ENTRY_KINDS = {"policy": 1 << 20, "manifest": 16 << 20, "scores": 64 << 20, "commitment": 4096}


def _size_name(text):
    """A size as written in a path (log.md §7.3): decimal without leading zeros, at most 2^63 - 1."""
    if not text.isascii() or not text.isdigit() or str(int(text)) != text or int(text) > (1 << 63) - 1:
        return None
    return int(text)


def tile_index_path(index):
    """log.md §4: 3-digit groups, all but the last prefixed with x."""
    groups = []
    while True:
        groups.append("%03d" % (index % 1000))
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_path(level, index, width=256):
    return "tile/%d/%s%s" % (level, tile_index_path(index), ".p/%d" % width if 0 < width < 256 else "")


def entries_path(index, width=256):
    return "tile/entries/%s%s" % (tile_index_path(index), ".p/%d" % width if 0 < width < 256 else "")


def entry_kind(path):
    """policy, manifest, scores or commitment for the path of a signed document (log.md §7.1); None otherwise."""
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "policy" and parts[2] == "policy.json" and _digits(parts[1], 4):
        return "policy"
    if len(parts) == 6 and parts[:2] == ["probes", "commitments"] and SLUG.fullmatch(parts[2]) and parts[5].endswith(".json") \
            and _digits(parts[3], 4) and _digits(parts[4], 2) and _digits(parts[5][:-5], 2) \
            and parse_day("%s-%s-%s" % (parts[3], parts[4], parts[5][:-5])) is not None:
        return "commitment"
    if len(parts) != 6 or not SLUG.fullmatch(parts[1]) or parse_day("%s-%s-%s" % tuple(parts[2:5])) is None:
        return None
    if parts[0] == "bundles" and parts[5] == "manifest.json":
        return "manifest"
    if parts[0] == "scores" and parts[5] == "scores.json":
        return "scores"
    return None


def parse_entry(data):
    if len(data) > ENTRY_LIMIT:
        raise Invalid("an entry is at most %d bytes" % ENTRY_LIMIT)
    value = parse_json(data)
    if not isinstance(value, dict) or list(value) != ["kind", "path", "sha256"] \
            or not all(isinstance(value[k], str) for k in value) or value["kind"] not in ENTRY_KINDS \
            or entry_kind(value["path"]) != value["kind"] or not HEX64.fullmatch(value["sha256"]):
        raise Invalid("an entry is {kind, path, sha256} naming a policy, manifest, scores or commitment document")
    if canonical(value) != data:
        raise Invalid("entry %s is not in canonical form" % value["path"])
    return value


def log_documents(root):
    """The signed documents that must be entries, sorted by bytes (log.md §7.1)."""
    paths = []
    for name, found in entries(os.path.join(root, "policy")) if kind(os.path.join(root, "policy")) == "directory" else []:
        path = "policy/%s/policy.json" % name
        if entry_kind(path) and kind(os.path.join(root, path)) == "regular":
            paths.append(path)
    for base, document in (("bundles", "manifest.json"), ("scores", "scores.json")):
        found = day_directories(os.path.join(root, base))
        for collector in found:
            for number in found[collector]:
                path = "%s/%s/%s/%s" % (base, collector, day_text(number).replace("-", "/"), document)
                # Scores in either stored form, named by the content's name (log.md §7.1).
                if kind(os.path.join(root, path)) == "regular" or (base == "scores" and kind(os.path.join(root, path + ZSTD_SUFFIX)) == "regular"):
                    paths.append(path)
    for collector, numbers in commitment_days(root).items():
        for number in numbers:
            path = "probes/commitments/%s/%s.json" % (collector, day_text(number).replace("-", "/"))
            if kind(os.path.join(root, path)) == "regular":
                paths.append(path)
    return sorted(paths, key=lambda p: p.encode("utf-8"))


def _bundle_entries(data, count):
    items, offset = [], 0
    while offset < len(data):
        if offset + 2 > len(data):
            return None
        length = (data[offset] << 8) | data[offset + 1]
        if offset + 2 + length > len(data):
            return None
        items.append(data[offset + 2:offset + 2 + length])
        offset += 2 + length
    return items if len(items) == count else None


def read_log_entries(root, size):
    result = []
    bundles = (size + TILE_WIDTH - 1) // TILE_WIDTH
    for index in range(bundles):
        count = size % TILE_WIDTH if index == bundles - 1 and size % TILE_WIDTH else TILE_WIDTH
        path = "log/" + entries_path(index, count)
        try:
            data = read_regular(os.path.join(root, path), count * (2 + ENTRY_LIMIT))
        except OSError as error:
            raise Invalid("%s cannot be read: %s" % (path, error))
        items = _bundle_entries(data, count)
        if items is None:
            raise Invalid("%s is not %d length-prefixed entries" % (path, count))
        for item in items:
            result.append((item, parse_entry(item)))
    return result


def expected_log_files(raw, sizes, origin):
    """Every file of the log but the signature files and log/checkpoint (log.md §7.3): path -> bytes."""
    leaves = [leaf_hash(item) for item in raw]
    levels = [leaves]
    while len(levels[-1]) >= TILE_WIDTH:
        below = levels[-1]
        levels.append([merkle_root(below[i:i + TILE_WIDTH]) for i in range(0, len(below) - TILE_WIDTH + 1, TILE_WIDTH)])
    files = {}
    for size in sizes:
        if size > len(leaves):
            raise Invalid("checkpoint size %d is beyond the log's %d entries" % (size, len(leaves)))
        files["log/checkpoints/%d/checkpoint" % size] = ("%s\n%d\n%s\n" % (
            origin, size, base64.b64encode(merkle_root(leaves[:size])).decode("ascii"))).encode("utf-8")
        level, count = 0, size
        while count > 0:
            full, partial = count // TILE_WIDTH, count % TILE_WIDTH
            hashes = levels[level]
            for index in range(full):
                files["log/" + tile_path(level, index)] = b"".join(hashes[index * TILE_WIDTH:(index + 1) * TILE_WIDTH])
            if partial:
                files["log/" + tile_path(level, full, partial)] = b"".join(hashes[full * TILE_WIDTH:full * TILE_WIDTH + partial])
            count //= TILE_WIDTH
            level += 1
        for start in range(0, size, TILE_WIDTH):
            chunk = raw[start:min(start + TILE_WIDTH, size)]
            files["log/" + entries_path(start // TILE_WIDTH, len(chunk))] = b"".join(
                len(item).to_bytes(2, "big") + item for item in chunk)
    return files


def _note_name_ok(name):
    return name != "" and not any(ch.isspace() or ch == "+" for ch in name)


def parse_signature_line(line):
    """One signed-note signature line without its newline (log.md §1): (name, key id, signature)."""
    dash = "\u2014 ".encode("utf-8")
    if not line.startswith(dash) or b" " not in line[len(dash):]:
        raise Invalid("not a signature line")
    rest = line[len(dash):]
    cut = rest.rindex(b" ")
    name = rest[:cut].decode("utf-8")
    if not _note_name_ok(name):
        raise Invalid("bad key name")
    data = _b64(rest[cut + 1:].decode("ascii"))
    if len(data) < 5:
        raise Invalid("too short")
    return name, int.from_bytes(data[:4], "big"), data[4:]


def note_key_id(name, kind_byte, key):
    return int.from_bytes(hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([kind_byte]) + key).digest()[:4], "big")


def _log_signature_files(root, size, kind_name="signatures"):
    directory = "log/checkpoints/%d/%s" % (size, kind_name)
    if kind(os.path.join(root, directory)) != "directory":
        return []
    found = []
    for name, _ in entries(os.path.join(root, directory)):
        if name.endswith(".sig"):
            found.append((name[:-4], "%s/%s" % (directory, name), read_regular(os.path.join(root, directory, name), 4096)))
    return sorted(found, key=lambda f: f[0].encode("utf-8"))


def check_log(root, dataset_id, policy, log, recorded=None, external=None, known_witnesses=None):
    """log, log-entry, checkpoint-signature, checkpoint-threshold (log.md §7.5). Returns (size, root) or None."""
    top = os.path.join(root, "log")
    if kind(top) != "directory":
        if kind(top) is None:
            log.error("log", "log", "is missing: every dataset has a log of its signed documents")
        return None
    files, pending = set(), ["log"]
    while pending:
        relative = pending.pop()
        try:
            found = entries(os.path.join(root, relative))
        except OSError as error:
            log.error("unreadable", relative, "cannot be listed: %s" % error)
            return None
        for name, file_kind in found:
            path = relative + "/" + name
            if file_kind == "directory":
                pending.append(path)
            elif file_kind == "regular":
                files.add(path)
            else:
                log.error("file-type", path, "is a %s; a dataset holds only regular files and directories" % file_kind)
    sizes = sorted({_size_name(p.split("/")[2]) for p in files
                    if p.startswith("log/checkpoints/") and len(p.split("/")) > 3 and _size_name(p.split("/")[2]) is not None})
    if not sizes:
        log.error("log", "log/checkpoints", "holds no checkpoint")
        return None
    size = sizes[-1]
    try:
        read = read_log_entries(root, size)
    except Invalid as error:
        log.error("log", "log", "its entries cannot be read: %s" % error)
        return None
    leaves = [leaf_hash(raw) for raw, _ in read]
    origin = "assay/" + dataset_id
    try:
        expected = expected_log_files([item for item, _ in read], sizes, origin)
    except Invalid as error:
        log.error("log", "log", str(error))
        return None
    for path in sorted(expected):
        if path not in files:
            log.error("log", path, "is missing: a checkpoint of this log needs it")
            continue
        try:
            data = read_regular(os.path.join(root, path), len(expected[path]) + 1, partial=True)[0]
        except OSError as error:
            log.error("unreadable", path, "cannot be read: %s" % error)
            continue
        if data != expected[path]:
            log.error("log", path, "is not what the log's entries give")
    for path in sorted(files):
        parts = path.split("/")
        signature = len(parts) == 5 and parts[1] == "checkpoints" and parts[3] in ("signatures", "cosignatures") and parts[4].endswith(".sig") \
            and _size_name(parts[2]) in sizes
        if path not in expected and path != "log/checkpoint" and not signature:
            log.error("log", path, "is not a file of this log")
    # log-entry
    if not read or read[0][1]["path"] != "policy/0001/policy.json":
        log.error("log-entry", "log", "entry 0 is not the genesis, policy/0001/policy.json")
    seen = set()
    for _, entry in read:
        path = entry["path"]
        if path in seen:
            log.error("log-entry", path, "has more than one entry in the log")
            continue
        seen.add(path)
        try:
            if entry["kind"] == "scores":
                _, data = read_scores_document(root, path[:-len("/scores.json")])
                if data is None:
                    continue  # not fetched: nothing to hash; check_scores reports it where the run checks it
            else:
                data = read_regular(os.path.join(root, path), ENTRY_KINDS[entry["kind"]])
        except (OSError, Encoding) as error:
            log.error("log-entry", path, "is an entry of the log but cannot be read: %s" % error)
            continue
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            log.error("log-entry", path, "has another SHA-256 than its log entry")
    try:
        documents = log_documents(root)
    except OSError:
        documents = []
    for path in documents:
        if path not in seen:
            log.error("log-entry", path, "is a signed document without an entry in the log")
    # checkpoint-signature and checkpoint-threshold
    newest, witnessed = set(), None
    witness_policy = policy.get("witnesses") or EMPTY_WITNESS_POLICY
    current = {name for name, _, _ in witness_policy["witnesses"]}
    times = []  # (checkpoint size, the time witnesses meeting the quorum show it existed by)
    for checkpoint_size in sizes:
        signers = _check_checkpoint_signatures(root, checkpoint_size, origin, policy, log, checkpoint_size == size)
        if checkpoint_size == size:
            newest = signers
        cosigners = {w: t for w, t in _check_cosignatures(root, checkpoint_size, known_witnesses or {}, log).items() if w in current}
        if quorum_satisfied(witness_policy, set(cosigners)):
            witnessed = checkpoint_size
        counted = set()
        for witness, timestamp in sorted(cosigners.items(), key=lambda item: (item[1], item[0].encode("utf-8"))):
            counted.add(witness)
            if quorum_satisfied(witness_policy, counted):
                times.append((checkpoint_size, timestamp))
                break
    # probe-timing (probe.md §7.4 item 7): a commitment of day D is in a checkpoint witnessed before D began.
    for index, (_, entry) in enumerate(read):
        if entry["kind"] != "commitment":
            continue
        parts = entry["path"].split("/")
        number = parse_day("%s-%s-%s" % (parts[3], parts[4], parts[5][:-5]))
        shown = min((t for s, t in times if s > index), default=None)
        if shown is None or shown >= number * 86400:
            log.warning("probe-timing", entry["path"], "no checkpoint holding it was witnessed before its day began")
    if len(newest) < policy["threshold"]:
        log.error("checkpoint-threshold", "log/checkpoints/%d" % size,
                  "%d signers of %d needed" % (len(newest), policy["threshold"]))
    if witness_policy["quorum"] != "none":
        if witnessed is None:
            log.error("witness-quorum", "log/checkpoints", "no checkpoint carries cosignatures meeting the quorum")
        elif witnessed < size:
            log.warning("unwitnessed", "log/checkpoints/%d" % size, "entries %d to %d are not witnessed yet" % (witnessed, size - 1))
    try:
        text = read_regular(os.path.join(root, "log/checkpoints/%d/checkpoint" % size), CHECKPOINT_LIMIT)
        assembled = text + b"\n" + b"".join(data for _, _, data in _log_signature_files(root, size)) \
            + b"".join(data for _, _, data in _log_signature_files(root, size, "cosignatures"))
        if read_regular(os.path.join(root, "log/checkpoint"), NOTE_LIMIT) != assembled:
            log.error("log", "log/checkpoint", "is not checkpoint %d with its signature lines" % size)
    except OSError as error:
        log.error("log", "log/checkpoint", "cannot be read or assembled: %s" % error)
    root_hash = merkle_root(leaves)
    if recorded is not None:
        if recorded["size"] > size:
            log.error("rollback", "log", "the log has %d entries; an earlier run saw %d" % (size, recorded["size"]))
        elif merkle_root(leaves[:recorded["size"]]).hex() != recorded["root"]:
            log.error("split-view", "log", "the first %d entries are not those an earlier run saw" % recorded["size"])
    if external is not None:
        _compare_checkpoint(external, leaves, size, origin, policy, log)
    return size, root_hash


def _note_signers(signatures, text, origin, policy):
    """The principals whose signature line of a checkpoint verifies under an unrevoked assay-manifest-v1 key (log.md §7.2)."""
    revoked = {r["fingerprint"] for r in policy["revocations"]}
    signers = set()
    for entry in policy["signers"]:
        if not _permits(entry, MANIFEST_NAMESPACE, None) or fingerprint(entry["key"]) in revoked:
            continue
        key_id = note_key_id(origin, 1, entry["key"])
        for name, line_id, signature in signatures:
            if name == origin and line_id == key_id and len(signature) == 64:
                try:
                    Ed25519PublicKey.from_public_bytes(entry["key"]).verify(signature, text)
                except (InvalidSignature, ValueError):
                    continue
                signers.update(entry["principals"])
                break
    return signers


def _note_cosigners(signatures, text, witness_policy):
    """The witnesses whose cosignature line (non-zero timestamp) of a checkpoint verifies (log.md §8.3)."""
    cosigners = set()
    for witness, (key_name, key) in witness_policy.get("keys", {}).items():
        key_id = note_key_id(key_name, 4, key)
        if any(name == key_name and line_id == key_id and len(signature) == 72 and int.from_bytes(signature[:8], "big") > 0
               and _cosignature_verifies(key, signature, text) for name, line_id, signature in signatures):
            cosigners.add(witness)
    return cosigners


def _compare_checkpoint(data, leaves, size, origin, policy, log):
    """--checkpoint (log.md §7.5): a signed checkpoint from elsewhere, with the threshold, consistent with this log."""
    place = "--checkpoint"
    try:
        if len(data) > NOTE_LIMIT or not data.endswith(b"\n") or b"\n\n" not in data:
            raise Invalid("not a signed note")
        text_end = data.rindex(b"\n\n")
        text, block = data[:text_end + 1], data[text_end + 2:]
        data.decode("utf-8")
        if any(b < 0x20 and b != 0x0A for b in data):
            raise Invalid("a control character")
        lines = block.split(b"\n")[:-1]
        if not lines or len(lines) > 100:
            raise Invalid("no or too many signature lines")
        signatures = [parse_signature_line(line) for line in lines]
        parts = text[:-1].decode("utf-8").split("\n")
        if len(parts) < 3 or not parts[0] or len(parts[0].encode()) > 255 or _size_name(parts[1]) is None \
                or any(not line for line in parts[3:]):
            raise Invalid("not a checkpoint")
        other_root = _b64(parts[2])
        if len(other_root) != 32:
            raise Invalid("the root is not 32 bytes")
        other_size = int(parts[1])
    except (Invalid, ValueError, UnicodeDecodeError) as error:
        log.error("log", place, "is not a signed checkpoint: %s" % error)
        return
    if parts[0] != origin:
        log.error("log", place, "is a checkpoint of %r, not of this dataset's log" % parts[0])
        return
    signers = _note_signers(signatures, text, origin, policy)
    if len(signers) < policy["threshold"]:
        log.error("checkpoint-threshold", place, "carries valid signatures of %d signers of %d needed" % (len(signers), policy["threshold"]))
        return
    witness_policy = policy.get("witnesses") or EMPTY_WITNESS_POLICY
    if witness_policy["quorum"] != "none":
        cosigners = _note_cosigners(signatures, text, witness_policy)
        if not quorum_satisfied(witness_policy, cosigners):
            log.warning("unwitnessed", place, "carries cosignatures of %d witnesses, short of the quorum" % len(cosigners))
    if other_size > size:
        log.error("log-behind", place, "covers %d entries and this dataset has %d" % (other_size, size))
    elif merkle_root(leaves[:other_size]) != other_root:
        log.error("split-view", place, "disagrees with this dataset's first %d entries" % other_size)


def _cosignature_verifies(key, signature, text):
    """An Ed25519 cosignature/v1 (log.md §5): 8-byte timestamp (at most 2^63 - 1) and the signature of its message."""
    if len(signature) != 72:
        return False
    timestamp = int.from_bytes(signature[:8], "big")
    if timestamp > (1 << 63) - 1:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(signature[8:], b"cosignature/v1\ntime %d\n" % timestamp + text)
        return True
    except (InvalidSignature, ValueError):
        return False


def _check_cosignatures(root, size, known, log):
    """cosignature (log.md §8.3): each cosignature file of checkpoint `size`; returns {witness: timestamp} of those
    whose cosignature verifies."""
    try:
        text = read_regular(os.path.join(root, "log/checkpoints/%d/checkpoint" % size), CHECKPOINT_LIMIT)
    except OSError:
        return {}
    try:
        files = _log_signature_files(root, size, "cosignatures")
    except OSError as error:
        log.error("cosignature", "log/checkpoints/%d/cosignatures" % size, "cannot be read: %s" % error)
        return {}
    counting = {}
    for witness, path, data in files:
        try:
            if not data.endswith(b"\n") or b"\n" in data[:-1]:
                raise Invalid("not one line")
            name, key_id, signature = parse_signature_line(data[:-1])
        except (Invalid, UnicodeDecodeError, ValueError):
            log.error("cosignature", path, "is not one signature line ending in a newline")
            continue
        if witness not in known:
            log.error("cosignature", path, "is by %r, a witness no policy version that holds defines" % witness)
            continue
        key_name, key = known[witness]
        if name != key_name or key_id != note_key_id(key_name, 4, key):
            log.error("cosignature", path, "is not signed under %s's key" % witness)
            continue
        if len(signature) != 72 or int.from_bytes(signature[:8], "big") == 0:
            log.error("cosignature", path, "is not a cosignature with a timestamp")
            continue
        if not _cosignature_verifies(key, signature, text):
            log.error("cosignature", path, "does not verify for checkpoint %d" % size)
            continue
        counting[witness] = int.from_bytes(signature[:8], "big")
    return counting


def _check_checkpoint_signatures(root, size, origin, policy, log, newest):
    try:
        text = read_regular(os.path.join(root, "log/checkpoints/%d/checkpoint" % size), CHECKPOINT_LIMIT)
    except OSError:
        return set()
    try:
        files = _log_signature_files(root, size)
    except OSError as error:
        log.error("checkpoint-signature", "log/checkpoints/%d/signatures" % size, "cannot be read: %s" % error)
        return set()
    counting = set()
    for signer, path, data in files:
        try:
            if not data.endswith(b"\n") or b"\n" in data[:-1]:
                raise Invalid("not one line")
            name, key_id, signature = parse_signature_line(data[:-1])
        except (Invalid, UnicodeDecodeError, ValueError):
            log.error("checkpoint-signature", path, "is not one signature line ending in a newline")
            continue
        if name != origin:
            log.error("checkpoint-signature", path, "is signed under key name %r, not the log's origin" % name)
            continue
        keys = [e["key"] for e in policy["signers"] if match_list(signer, e["principals"]) and _permits(e, MANIFEST_NAMESPACE, None)]
        key = next((k for k in keys if note_key_id(origin, 1, k) == key_id), None)
        if key is None:
            log.error("checkpoint-signature", path, "is not by a key the policy gives %s" % signer)
            continue
        try:
            if len(signature) != 64:
                raise InvalidSignature()
            Ed25519PublicKey.from_public_bytes(key).verify(signature, text)
        except (InvalidSignature, ValueError):
            log.error("checkpoint-signature", path, "does not verify for checkpoint %d" % size)
            continue
        if newest and any(r["fingerprint"] == fingerprint(key) for r in policy["revocations"]):
            log.warning("revoked-signer", path, "%s's key is revoked; it does not count for the newest checkpoint" % signer)
            continue
        counting.add(signer)
    return counting


# ---------------------------------------------------------------- --git (dataset.md §9)

class GitUnavailable(Exception):
    """The dataset is not a git repository, or git cannot read it."""


def _git(root, *arguments, limit=1 << 30):
    """The output of `git -C root ARGUMENTS` (bytes), read at most to `limit`."""
    import subprocess
    try:
        done = subprocess.run(["git", "-C", root, "-c", "core.quotePath=false", "-c", "status.renames=false"] + list(arguments),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    except OSError as error:
        raise GitUnavailable("cannot run git: %s" % error)
    if done.returncode != 0:
        raise GitUnavailable("git %s: %s" % (" ".join(arguments[:2]), done.stderr.decode("utf-8", "replace").strip()))
    if len(done.stdout) > limit:
        raise GitUnavailable("git %s: the answer is larger than %d bytes" % (arguments[0], limit))
    return done.stdout


def parse_commit(raw):
    """A commit object: its parents, committer time, summary, gpgsig (or None) and the bytes the signature signs
    (the object without the gpgsig header, as git and dataset.md §9 define them)."""
    head, separator, message = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    kept, signature, parents, time = [], None, [], None
    index = 0
    while index < len(lines):
        line = lines[index]
        following = []
        while index + 1 < len(lines) and lines[index + 1].startswith(b" "):
            index += 1
            following.append(lines[index])
        index += 1
        if line.startswith(b"gpgsig "):
            signature = b"\n".join([line[len(b"gpgsig "):]] + [f[1:] for f in following]).decode("utf-8", "replace")
            continue
        kept += [line] + following
        if line.startswith(b"parent "):
            parents.append(line[7:].decode("ascii"))
        elif line.startswith(b"committer "):
            fields = line.split(b" ")
            time = int(fields[-2]) if len(fields) >= 3 and fields[-2].isdigit() else None
    text = message.decode("utf-8", "replace").lstrip()
    summary = " ".join(part.strip() for part in text.split("\n\n")[0].split("\n")).strip()
    signed = b"\n".join(kept) + separator + message
    return {"parents": parents, "time": time, "summary": summary, "signature": signature, "signed": signed}


def _tree_changes(root, parent, commit):
    """(status letter, path, new blob id) of every file difference from `parent` (None: the empty tree) to `commit`."""
    arguments = ["diff-tree", "-r", "-z", "--no-renames", "--no-abbrev", "--raw", "--no-commit-id"]
    arguments += ["--root", commit] if parent is None else [parent, commit]
    fields = _git(root, *arguments).split(b"\0")
    changes = []
    for index in range(0, len(fields) - 1, 2):
        meta = fields[index].decode("ascii").lstrip(":").split(" ")
        if len(meta) != 5:
            raise GitUnavailable("git diff-tree printed an unexpected line")
        changes.append((meta[4][0], fields[index + 1].decode("utf-8", "replace"), meta[3]))
    return changes


def check_git(root, policy, log):
    """What --git adds (dataset.md §9): `commit-signature`, `history`, `worktree`, and the heads published scores declare
    (`scores-incomplete`). Returns how many commits were checked."""
    bare = _git(root, "rev-parse", "--is-bare-repository").strip() == b"true"
    top = _git(root, "rev-parse", "--absolute-git-dir" if bare else "--show-toplevel").decode("utf-8").strip()
    if os.path.realpath(top) != os.path.realpath(root):
        raise GitUnavailable("%s is not the top of a git repository (git finds %s)" % (root, top))
    if not _has_head(root):
        return 0
    commits = _git(root, "rev-list", "--topo-order", "--reverse", "HEAD").decode("ascii").split()
    heads = {}
    for commit in commits:
        info = parse_commit(_git(root, "cat-file", "commit", commit))
        place = "commit %s (%s)" % (commit[:12], info["summary"])
        if policy is not None:
            _check_commit_signature(info, place, policy, log)
        for number, parent in enumerate(info["parents"] or [None]):
            for status, path, blob in _tree_changes(root, parent, commit):
                if status == "A":
                    if number == 0:
                        _track_added(root, path, blob, heads, place, log)
                elif not (status == "M" and path == "log/checkpoint"):  # the one file that changes (log.md §7.3)
                    log.error("history", path, "%s %s it: a published file never changes or disappears" % (
                        place, {"D": "deletes", "T": "changes the type of"}.get(status, "modifies")))
    if not bare:
        entries = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--ignored=traditional").split(b"\0")
        for entry in sorted(e for e in entries if e):
            code, path = entry[:2].decode("ascii"), entry[3:].decode("utf-8", "replace")
            if code == " M" and _agrees_with_lfs_pointer(root, path):
                continue
            log.error("worktree", path, "is in the work tree but not committed: what is verified must be what was published"
                      if code in ("??", "!!") else "differs from HEAD (modified or deleted in the work tree)")
    return len(commits)


def _agrees_with_lfs_pointer(root, path):
    """A file committed as its Git LFS pointer (dataset.md §9.1) agrees with HEAD when the work tree holds that
    pointer or bytes of its size and SHA-256."""
    if not (path.startswith(("bundles/", "scores/")) and path.endswith(ZSTD_SUFFIX)):
        return False
    try:
        committed = _git(root, "cat-file", "blob", "HEAD:" + path, limit=1023)
        pointer = parse_lfs_pointer(committed)
        if pointer is None:
            return False
        data = read_regular(os.path.join(root, path), 1 << 30)
    except (GitUnavailable, OSError):
        return False
    return data == committed or (hashlib.sha256(data).hexdigest(), len(data)) == pointer


def _has_head(root):
    try:
        _git(root, "rev-parse", "--verify", "-q", "HEAD^{commit}", limit=1 << 10)
        return True
    except GitUnavailable:
        return False


def _check_commit_signature(info, place, policy, log):
    """`commit-signature` (dataset.md §8): a valid SSHSIG (namespace git) by a key the policy lets sign commits then."""
    if info["signature"] is None:
        log.error("commit-signature", place, "is not signed")
        return
    try:
        parsed = parse_sshsig(info["signature"])
    except Invalid as error:
        log.error("commit-signature", place, "has a signature that is not SSHSIG: %s" % error)
        return
    try:
        verify_sshsig(parsed, info["signed"], "git")
    except Invalid as error:
        log.error("commit-signature", place, "signature does not verify: %s" % error)
        return
    time = info["time"] if info["time"] is not None else 0
    key = parsed["key"]
    revoked = [r for r in policy["revocations"] if r["fingerprint"] == fingerprint(key) and r["from"] <= time]
    if revoked:
        log.error("commit-signature", place, "is signed by %s, revoked (%s)" % (fingerprint(key), revoked[0].get("reason", "")))
    elif not any(e["key"] == key and _permits(e, "git", time) for e in policy["signers"]):
        log.error("commit-signature", place, "is signed by %s, which policy version %s does not allow to sign commits then" % (
            fingerprint(key), policy["version"]))


def _scores_as_added(root, path, blob):
    """A scores document's content as a commit added it: the blob; for scores.json.zst the blob decompressed, or —
    committed as its Git LFS pointer (dataset.md §9.1) — the work tree's file when it is the bytes the pointer names,
    decompressed. None when it was not fetched (or the blob is too large to be one)."""
    stored_limit = zstd_stored_limit(LIMITS["scores"])
    size = int(_git(root, "cat-file", "-s", blob, limit=64))
    if size > (stored_limit if path.endswith(ZSTD_SUFFIX) else LIMITS["scores"]):
        return None
    data = _git(root, "cat-file", "blob", blob)
    if not path.endswith(ZSTD_SUFFIX):
        return data
    pointer = parse_lfs_pointer(data)
    if pointer is not None:
        absolute = os.path.join(root, path)
        if kind(absolute) != "regular":
            return None
        data = read_regular(absolute, stored_limit)
        if (hashlib.sha256(data).hexdigest(), len(data)) != pointer:
            return None  # the pointer itself, or other bytes (`worktree`)
    content, larger = decode_zstd(data, LIMITS["scores"])
    return None if larger else content


def _track_added(root, path, blob, heads, place, log):
    """Follows each collector's newest manifest as commits add them; checks the heads of each scores document added."""
    parts = path.split("/")
    if len(parts) == 6 and parts[0] == "bundles" and parts[5] == "manifest.json":
        day = parse_day("%s-%s-%s" % (parts[2], parts[3], parts[4]))
        if day is not None and (parts[1] not in heads or heads[parts[1]][0] < day):
            heads[parts[1]] = (day, blob)
    elif len(parts) == 6 and parts[0] == "scores" and parts[5] in ("scores.json", "scores.json" + ZSTD_SUFFIX):
        try:
            data = _scores_as_added(root, path, blob)
            if data is None:
                return  # not fetched: the file checks report `not-fetched` where the run checks it
            _, declared, _, _ = parse_publication(parse_json(data))
        except (Invalid, ValueError, GitUnavailable, OSError, Encoding):
            return  # as published it is not a readable scores document: the file checks report it (`scores-document`, `file-encoding`)
        actual = {}
        for collector, (day, manifest_blob) in heads.items():
            if int(_git(root, "cat-file", "-s", manifest_blob, limit=64)) > LIMITS["manifest"]:
                raise GitUnavailable("%s: a manifest blob is larger than its cap" % place)
            actual[collector] = (day, hashlib.sha256(_git(root, "cat-file", "blob", manifest_blob)).hexdigest())
        said = {}
        for collector, day, sha in declared:
            said.setdefault(collector, (day, sha))
        for collector in sorted(set(actual) | set(said), key=lambda c: c.encode("utf-8")):
            if actual.get(collector) != said.get(collector):
                log.error("scores-incomplete", path, "declares %s as the head of %s, but when %s added it the dataset held %s" % (
                    said.get(collector), collector, place, actual.get(collector)))


TLOG_PROOF_HEADER = b"c2sp.org/tlog-proof@v1"
TLOG_PROOF_LIMIT = 32 << 20


def verify_inclusion(leaf, index, size, proof, root):
    """RFC 9162 §2.1.3.2: whether `proof` leads from leaf hash `leaf` at `index` of `size` leaves to `root`."""
    if index >= size or any(len(p) != 32 for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn, sn = fn >> 1, sn >> 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def parse_transparent_proof(data):
    """A record proof as a c2sp.org/tlog-proof file (log.md §10): (extra document, index, proof hashes, checkpoint bytes)."""
    if len(data) > TLOG_PROOF_LIMIT:
        raise Invalid("a record proof is at most %d bytes" % TLOG_PROOF_LIMIT)
    blank = data.find(b"\n\n")
    if blank < 0:
        raise Invalid("not a tlog-proof: no empty line before the checkpoint")
    lines = data[:blank].split(b"\n")
    if len(lines) < 3 or lines[0] != TLOG_PROOF_HEADER or not lines[1].startswith(b"extra ") or not lines[2].startswith(b"index "):
        raise Invalid("not an Assay tlog-proof: the header, an extra line and an index line come first")
    index_text = lines[2][len(b"index "):].decode("ascii", "replace")
    if not re.fullmatch(r"0|[1-9][0-9]*", index_text) or int(index_text) > (1 << 63) - 1:
        raise Invalid("the index is not a decimal without leading zeros")
    proof = []
    for line in lines[3:]:
        hash_bytes = _b64(line.decode("ascii", "replace"))
        if len(hash_bytes) != 32:
            raise Invalid("a proof line is not a base64 SHA-256 hash")
        proof.append(hash_bytes)
    if len(proof) > 63:
        raise Invalid("more than 63 proof lines")
    extra_bytes = _b64(lines[1][len(b"extra "):].decode("ascii", "replace"))
    extra = parse_json(extra_bytes)
    if canonical(extra) != extra_bytes:
        raise Invalid("the extra data is not canonical JSON")
    members = {"format", "record", "record_index", "record_path", "manifest", "manifest_signatures", "descriptor", "policy"}
    if not isinstance(extra, dict) or set(extra) != members or extra["format"] != "assay-record-proof-v3":
        raise Invalid("the extra data must be an assay-record-proof-v3 document of exactly %s" % sorted(members))
    if not isinstance(extra["record"], str) or not _is_int(extra["record_index"]) or not isinstance(extra["record_path"], list):
        raise Invalid("record, record_index and record_path must be a string, an integer and an array")

    def signatures(value, name):
        if not isinstance(value, dict) or any(not SLUG.fullmatch(k) or not isinstance(v, str) or len(v.encode()) > LIMITS["signature"]
                                              for k, v in value.items()):
            raise Invalid("%s must be an object of signer to signature" % name)
        return {k: v.encode() for k, v in value.items()}

    document = {"record": extra["record"].encode("utf-8"), "record_index": extra["record_index"],
                "record_path": [_b64(h) if isinstance(h, str) else b"" for h in extra["record_path"]],
                "manifest": _b64(extra["manifest"]) if isinstance(extra["manifest"], str) else None,
                "manifest_signatures": signatures(extra["manifest_signatures"], "manifest_signatures"),
                "descriptor": _b64(extra["descriptor"]) if isinstance(extra["descriptor"], str) else None, "policy": []}
    if document["manifest"] is None or document["descriptor"] is None:
        raise Invalid("manifest and descriptor must be base64 strings")
    if not isinstance(extra["policy"], list) or not 1 <= len(extra["policy"]) <= 9999:
        raise Invalid("policy must hold 1 to 9999 versions")
    for version in extra["policy"]:
        keys = {"policy", "allowed_signers", "signatures"}
        if not isinstance(version, dict) or set(version) - {"witnesses"} != keys \
                or any(not isinstance(version[k], str) for k in set(version) - {"signatures"}):
            raise Invalid("a policy version is {policy, allowed_signers, witnesses?, signatures}")
        document["policy"].append({"policy": _b64(version["policy"]), "allowed_signers": _b64(version["allowed_signers"]),
                                   "witnesses": _b64(version["witnesses"]) if "witnesses" in version else None,
                                   "signatures": signatures(version["signatures"], "signatures")})
    return document, int(index_text), proof, data[blank + 2:]


def check_transparent_proof(data, genesis):
    """log.md §10: a record proof checked with nothing but the pinned genesis hash. Returns the findings."""
    log = Log(limit=1000)
    try:
        document, index, proof, checkpoint = parse_transparent_proof(data)
    except (Invalid, UnicodeDecodeError, ValueError) as error:
        log.error("proof", "(proof)", "is not a record proof: %s" % error)
        return log.findings
    with tempfile.TemporaryDirectory() as scratch:
        def put(relative, content):
            os.makedirs(os.path.dirname(os.path.join(scratch, relative)), exist_ok=True)
            with open(os.path.join(scratch, relative), "wb") as handle:
                handle.write(content)
        put("dataset.json", document["descriptor"])
        for number, version in enumerate(document["policy"], 1):
            relative = "policy/%04d" % number
            put(relative + "/policy.json", version["policy"])
            put(relative + "/allowed_signers", version["allowed_signers"])
            if version["witnesses"] is not None:
                put(relative + "/witnesses", version["witnesses"])
            os.makedirs(os.path.join(scratch, relative, "signatures"), exist_ok=True)
            for signer, signature in version["signatures"].items():
                put("%s/signatures/%s.sig" % (relative, signer), signature)
        manifest = None
        try:
            manifest = parse_manifest(document["manifest"])
        except Invalid as error:
            log.error("manifest", "(proof) manifest", str(error))
        if manifest is not None:
            base = "bundles/%s/%s" % (manifest["collector"], manifest["day"].replace("-", "/"))
            put(base + "/manifest.json", document["manifest"])
            for signer, signature in document["manifest_signatures"].items():
                put("%s/signatures/%s.sig" % (base, signer), signature)
        chain_log = Log(limit=1000)
        try:
            descriptor = read_descriptor(scratch)
        except (OSError, Invalid) as error:
            log.error("descriptor", "(proof) descriptor", str(error))
            return log.findings
        policy, _, genesis_hash = evaluate_policy(scratch, descriptor, chain_log)
        for finding in chain_log.findings:
            log.add(finding["rule"], "(proof) " + finding["path"], finding["message"])
        if genesis_hash != genesis:
            log.error("genesis", "(proof) policy/0001/policy.json", "the proof's genesis is not the pinned one")
            return log.findings
        if policy is None:
            log.error("genesis", "(proof)", "no policy version of the proof holds")
            return log.findings
        if manifest is None:
            return log.findings
        origin = "assay/" + descriptor["id"]
        try:
            text_end = checkpoint.rindex(b"\n\n")
            text, block = checkpoint[:text_end + 1], checkpoint[text_end + 2:]
            if not checkpoint.endswith(b"\n") or any(b < 0x20 and b != 0x0A for b in checkpoint):
                raise Invalid("not a signed note")
            checkpoint.decode("utf-8")
            signatures = [parse_signature_line(line) for line in block.split(b"\n")[:-1]]
            if not signatures or len(signatures) > 100:
                raise Invalid("no or too many signature lines")
            parts = text[:-1].decode("utf-8").split("\n")
            if len(parts) < 3 or not parts[0] or _size_name(parts[1]) is None or any(not line for line in parts[3:]):
                raise Invalid("not a checkpoint")
            root_hash = _b64(parts[2])
            if len(root_hash) != 32:
                raise Invalid("the root is not 32 bytes")
        except (Invalid, ValueError, UnicodeDecodeError) as error:
            log.error("proof", "(proof) checkpoint", "is not a signed checkpoint: %s" % error)
            return log.findings
        if parts[0] != origin:
            log.error("proof-binding", "(proof) checkpoint", "is a checkpoint of another log")
        signers = _note_signers(signatures, text, origin, policy)
        if len(signers) < policy["threshold"]:
            log.error("checkpoint-threshold", "(proof) checkpoint", "signed by %d of the %d signers needed" % (len(signers), policy["threshold"]))
        witness_policy = policy.get("witnesses") or EMPTY_WITNESS_POLICY
        if not quorum_satisfied(witness_policy, _note_cosigners(signatures, text, witness_policy)):
            log.error("witness-quorum", "(proof) checkpoint", "its cosignatures do not meet the quorum")
        entry = canonical({"kind": "manifest", "path": base + "/manifest.json", "sha256": hashlib.sha256(document["manifest"]).hexdigest()})
        if not verify_inclusion(leaf_hash(entry), index, int(parts[1]), proof, root_hash):
            log.error("proof-binding", "(proof) index", "the manifest's log entry is not leaf %d of the checkpoint's tree" % index)
        # dataset.md §8.3 with the proof's manifest: the record, the dataset, the signatures.
        try:
            record = validate_record(document["record"])
            if canonical(record) != document["record"]:
                raise Invalid("not canonical")
            record_ok = True
        except (Invalid, UnicodeDecodeError, ValueError):
            record_ok = False
            log.error("proof", "(proof)", "the proof's record is not a valid canonical record")
        if record_ok and not verify_inclusion(leaf_hash(document["record"]), document["record_index"], manifest["merkle"]["tree_size"],
                                              document["record_path"], bytes.fromhex(manifest["merkle"]["root"])):
            log.error("proof", "(proof)", "the inclusion path does not lead to the manifest's Merkle root")
        if manifest["dataset"] != descriptor["id"]:
            log.error("proof-binding", "(proof) " + base + "/manifest.json", "names another dataset")
        check = BundleCheck(scratch, descriptor["id"], policy["threshold"], policy, manifest["collector"], parse_day(manifest["day"]))
        check.check_signatures(document["manifest"])
        if len(check.counting) < policy["threshold"]:
            check.log.error("threshold", base + "/signatures", "%d of %d required signatures count" % (len(check.counting), policy["threshold"]))
        for finding in check.log.findings:
            log.add(finding["rule"], "(proof) " + finding["path"], finding["message"])
    return log.findings


def read_trust(value, dataset):
    """--trust: 64 hex digits, or a trust file of 'DATASET-ID HASH' lines (dataset.md §8.4)."""
    if HEX64.fullmatch(value):
        return value
    data = read_regular(value, 1 << 20).decode("utf-8", "replace")
    try:
        dataset_id = read_descriptor(dataset)["id"]
    except (OSError, Invalid):
        return None  # the report's first finding says why the descriptor cannot be read
    found = None
    for number, line in enumerate(data.split("\n"), 1):
        text = line.strip(" \t")
        if not text or text.startswith("#"):
            continue
        fields = text.split()
        if len(fields) != 2 or not SLUG.fullmatch(fields[0]) or not HEX64.fullmatch(fields[1]):
            raise Invalid("%s:%d: a trust line is 'DATASET-ID GENESIS-HASH'" % (value, number))
        if fields[0] == dataset_id:
            if found is not None:
                raise Invalid("%s:%d: the dataset %r is named twice" % (value, number, dataset_id))
            found = fields[1]
    if found is None:
        raise Invalid("%s: no line for the dataset %r" % (value, dataset_id))
    return found


def main_proof(args):
    """--proof FILE: a tlog-proof checked with nothing but the pinned genesis (log.md §10)."""
    try:
        data = read_regular(args.proof, TLOG_PROOF_LIMIT)
    except OSError as error:
        sys.stderr.write("assay_verify.py: %s\n" % error)
        return 2
    if not data.startswith(TLOG_PROOF_HEADER):
        sys.stderr.write("assay_verify.py: %s: only tlog-proof files are checked here (log.md §10)\n" % args.proof)
        return 2
    if not args.trust or not HEX64.fullmatch(args.trust):
        sys.stderr.write("assay_verify.py: a tlog-proof is checked against the genesis you trust: give --trust GENESIS-HASH\n")
        return 2
    findings = check_transparent_proof(data, args.trust)
    ok = not any(f["severity"] == "error" for f in findings)
    if args.json:
        print(json.dumps({"ok": ok, "findings": findings}, sort_keys=True))
    else:
        for finding in findings:
            print("  %s: %s: %s [%s]" % (finding["severity"], finding["path"], finding["message"], finding["rule"]))
        print("Proof holds." if ok else "FAILED: the proof does not show the record published under the pinned genesis.")
    return 0 if ok else 1


def main(argv):
    parser = argparse.ArgumentParser(description="Verify an Assay dataset offline (independent implementation).")
    parser.add_argument("dataset", nargs="?", default=".")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--proof", help="a record proof as a c2sp.org/tlog-proof file, checked with --trust alone (log.md §10)")
    parser.add_argument("--policy", help="a policy version directory (policy.json, allowed_signers) or an allowed_signers "
                                         "file to trust instead of the dataset's current policy")
    parser.add_argument("--threshold", type=int)
    parser.add_argument("--max-age", type=int)
    parser.add_argument("--today")
    parser.add_argument("--state", help="a state file (dataset.md §8.2): checked against, then written after a run without errors")
    parser.add_argument("--checkpoint", help="a signed checkpoint of the dataset's log from elsewhere (log.md §7.5)")
    parser.add_argument("--trust", help="the genesis hash you trust, or a trust file of 'DATASET-ID HASH' lines (dataset.md §8.4)")
    parser.add_argument("--spec", help="Assay's spec/ directory (default: beside this kit, then ./spec)")
    parser.add_argument("--git", action="store_true", help="also check the git history with the system's git "
                        "(dataset.md §9): signed commits that only add files, and a work tree equal to HEAD")
    parser.add_argument("--only", action="append", default=[], metavar="COLLECTOR[/DAY[..DAY]]",
                        help="check the records of these bundles only; the others are reported not checked (dataset.md §8.5)")
    args = parser.parse_args(argv)
    try:
        locate_spec(args.spec)
    except SpecNotFound as error:
        sys.stderr.write("assay_verify.py: %s\n" % error)
        return 2
    if args.proof:
        return main_proof(args)
    policy = state = trust = checkpoint = None
    try:
        if args.checkpoint:
            checkpoint = read_regular(args.checkpoint, NOTE_LIMIT)
        if args.policy:
            policy = load_pinned_policy(args.policy, args.threshold)
        if args.state and os.path.exists(args.state):
            state = parse_state(read_regular(args.state, LIMITS["state"]))
        if args.trust:
            trust = read_trust(args.trust, args.dataset)
    except (OSError, Invalid) as error:
        sys.stderr.write("assay_verify.py: %s\n" % error)
        return 2
    today = parse_day(args.today) if args.today else None
    try:
        selection = parse_selection(args.only) if args.only else None
    except Invalid as error:
        sys.stderr.write("assay_verify.py: %s\n" % error)
        return 2
    try:
        report = verify(args.dataset, policy, args.threshold, args.max_age, today, state, trust, args.git, checkpoint, selection)
    except GitUnavailable as error:
        sys.stderr.write("assay_verify.py: --git: %s\n" % error)
        return 2
    state_data = state_bytes(report)
    git_commits = report.pop("git_commits")
    report.pop("log_head")
    if args.state and report["ok"] and state_data is not None:
        temporary = args.state + ".tmp"
        with open(temporary, "wb") as handle:
            handle.write(state_data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, args.state)
    if args.json:
        sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
    else:
        print("Dataset %s at %s (independent Python verifier; spec/ %s: %s)" % (report["dataset"], args.dataset, SPEC_FROM, SPEC_DIR))
        if report["genesis"]:
            how = {"trust": "pinned by --trust", "state": "pinned by the state file"}.get(
                report["genesis"]["pinned_by"], "NOT pinned: trusted on first use; pin it with --trust %s" % report["genesis"]["sha256"])
            print("  genesis: %s (%s)" % (report["genesis"]["sha256"], how))
        for finding in report["findings"]:
            print("  %s: %s: %s [%s]" % (finding["severity"], finding["path"], finding["message"], finding["rule"]))
        if git_commits is not None:
            print("  git: %d commits: SSH signatures, additive history, work tree" % git_commits)
        unchecked = [b for b in report["bundles"] if not b["records_checked"]]
        if unchecked:
            print("  NOT CHECKED: the records of %d bundles (outside --only, missing or not fetched): %s" % (
                len(unchecked), ", ".join("%s %s" % (b["collector"], b["day"]) for b in unchecked[:20]) + (", ..." if len(unchecked) > 20 else "")))
        unfetched = []
        if selection is not None and report["policy"]:
            unfetched = [(c, n) for c, n in scores_not_fetched(args.dataset) if not selected(selection, c, n)]
            if unfetched:
                print("  NOT CHECKED: %d published scores (not fetched, outside --only): %s" % (
                    len(unfetched), ", ".join("%s %s" % (c, day_text(n)) for c, n in unfetched[:20]) + (", ..." if len(unfetched) > 20 else "")))
        records = sum(b["records"] for b in report["bundles"] if b["records_checked"])
        signatures = sum(len(b["signers"]) for b in report["bundles"])
        try:
            scores = sum(len(days) for days in day_directories(os.path.join(args.dataset, "scores")).values()) - len(unfetched) if report["policy"] else 0
        except OSError:
            scores = 0
        print(("Verified: %d bundles, %d records, %d signatures, %d published scores recomputed; no errors%s." % (
            len(report["bundles"]), records, signatures, scores,
            ", %d warnings" % report["warnings"] if report["warnings"] else "")) if report["ok"]
              else "FAILED: %d errors, %d warnings." % (report["errors"], report["warnings"]))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
