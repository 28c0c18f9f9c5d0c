#!/usr/bin/env python3
"""Assay scores, independently (spec/scoring.md), from spec/ alone.

    assay_score.py --dataset DIR [--dataset DIR ...] --day YYYY-MM-DD [--window N]
                   [--profile FILE] [--unverified]
    assay_score.py --vector spec/vectors/scoring/small

Writes the canonical JSON output of spec/scoring.md §9 on standard output.
Shares no code with the Swift scorer; it uses the independent verifier
(assay_verify.py) for strict JSON, canonical form, record validation and
dataset verification."""
import argparse
import errno
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import assay_verify as av  # noqa: E402

ONE = 1_000_000
OUTCOMES = ["completed", "loading_only", "no_output", "startup_failed", "swapped", "zero_fps"]


# ------------------------------------------------------------------ §2 numbers

def div(a, b):
    return (2 * a + b) // (2 * b)


def rate(n, d):
    return div(n * ONE, d)


def mix(*terms):
    return div(sum(w * x for w, x in terms), ONE)


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    n = len(sorted_values)
    rank = max(1, -(-p * n // 100))
    return sorted_values[rank - 1]


def points(score):
    return "%d.%04d" % (score // 10_000, score % 10_000)


def utf16(text):
    return text.encode("utf-16-be")


# ------------------------------------------------------------------ §1 profile

def load_profile(data, name):
    value = av.parse_json(data)
    if av.canonical(value) != data:
        raise SystemExit("%s: a profile must be in canonical form (RFC 8785)" % name)
    return value, hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ the scorer

# line bytes -> (parsed record, SHA-256 of its canonical form); records are never mutated after parsing.
_LINES = {}


class Scorer:
    def __init__(self, profile, profile_hash, last_day, days):
        self.p = profile
        self.profile_hash = profile_hash
        self.first = last_day - days + 1
        self.last = last_day
        self.bench_first = self.first - profile["benchmark_days"]
        self.bench_last = self.first - 1
        self.bundles = set()
        self.versions = {}  # (observer_id, id) -> {sha256: record}
        self.read = 0

    def needs(self, day):
        return self.bench_first <= day <= self.last

    def add_bundle(self, collector, day, manifest_sha256):
        self.bundles.add((collector, day, manifest_sha256))

    def add_line(self, line):
        # The same line is read by every window that needs its bundle: parse and hash it once per process.
        cached = _LINES.get(line)
        if cached is None:
            # A scorer reads valid records in canonical form only (scoring.md §3).
            if len(line) > av.LINE_LIMIT:
                raise av.Invalid("a line is too long for a record")
            record = av.validate_record(line)
            if av.canonical(record) != line:
                raise av.Invalid("a record is not in canonical form")
            cached = (record, hashlib.sha256(line).hexdigest())
            if len(_LINES) < 1_000_000:
                _LINES[line] = cached
        record, digest = cached
        if record["kind"] == "probe":
            return
        self.read += 1
        key = (record["observer_id"], record["id"])
        self.versions.setdefault(key, {})[digest] = record

    # §3–4
    def jobs(self):
        conflicts = 0
        jobs = []
        keyed = {}
        for versions in self.versions.values():
            if len(versions) > 1:
                conflicts += 1
                continue
            (digest, record), = versions.items()
            role = record["observer_role"]
            if record["kind"] == "byoc_job" or "orchestrator" not in record or role not in ("gateway", "orchestrator"):
                jobs.append(record)
                continue
            key = (record["kind"], record["orchestrator"], record["request_id"])
            if record["kind"] == "live_session":
                key += (record["stream_id"], record["attempt"])
            keyed.setdefault(key, {"gateway": [], "orchestrator": []})[role].append((digest, record))
        ambiguous = 0
        disagreements = {}
        for key, roles in keyed.items():
            ambiguous += max(0, len(roles["gateway"]) - 1) + max(0, len(roles["orchestrator"]) - 1)
            gateway = min(roles["gateway"], key=lambda e: e[0])[1] if roles["gateway"] else None
            orchestrator = min(roles["orchestrator"], key=lambda e: e[0])[1] if roles["orchestrator"] else None
            if gateway is None or orchestrator is None:
                jobs.append(gateway or orchestrator)
                continue
            kind = key[0]
            merged = dict(gateway)
            for field, winner in self.p.get("sources", {}).get(kind, {}).items():
                first, second = (gateway, orchestrator) if winner == "gateway" else (orchestrator, gateway)
                if field in first:
                    merged[field] = first[field]
                elif field in second:
                    merged[field] = second[field]
                else:
                    merged.pop(field, None)
            jobs.append(merged)
            if not (self.first <= self.day_of(merged) <= self.last):
                continue
            verdict = "outcome" if kind == "live_session" else "success"
            counts = disagreements.setdefault(key[1], [0, 0, 0])
            counts[0] += 1
            if gateway.get(verdict) != orchestrator.get(verdict):
                counts[1] += 1
                if orchestrator.get(verdict) in ("completed", True):
                    counts[2] += 1
        return jobs, disagreements, conflicts, ambiguous

    @staticmethod
    def day_of(job):
        return job["start_ms"] // 86_400_000

    @staticmethod
    def group_key(job):
        if job["kind"] == "byoc_job":
            return ("byoc_job", "byoc", job.get("capability"))
        return (job["kind"], job["pipeline"], job.get("model_id"))

    # §6
    def component(self, samples, benchmark, good_p, bad_p, higher_is_better):
        samples = sorted(samples)
        median = percentile(samples, 50)
        n = len(samples)
        value = 500_000
        if median is not None and len(benchmark) >= self.p["benchmark_min_rows"]:
            good, bad = percentile(benchmark, good_p), percentile(benchmark, bad_p)
            if higher_is_better:
                s = ONE if median >= good else 0 if median <= bad else div((median - bad) * ONE, good - bad)
            else:
                s = ONE if median <= good else 0 if median >= bad else div((bad - median) * ONE, bad - good)
            m = self.p["min_samples"]
            value = div(n * s + (m - n) * 500_000, m) if n < m else s
        gaps = set()
        if len(benchmark) < self.p["benchmark_min_rows"]:
            gaps.add("thin_benchmark")
        if n < self.p["min_samples"]:
            gaps.add("few_samples")
        self.gaps |= gaps
        return value, {"samples": n, "median": median, "score": value}

    # §7
    def row(self, kind, jobs, bench):
        """One group's row and score; the evidence gaps of its components are left in self.gaps."""
        self.gaps = set()
        n = len(jobs)
        if kind == "live_session":
            w = self.p["live"]["weights"]
            lp, fp = self.p["live"]["latency_percentiles"], self.p["live"]["fps_percentiles"]
            outcomes = {o: 0 for o in OUTCOMES}
            for j in jobs:
                outcomes[j["outcome"]] = outcomes.get(j["outcome"], 0) + 1
            startup = rate(sum(1 for j in jobs if j["outcome"] != "startup_failed"), n)
            no_swap = rate(sum(1 for j in jobs if j["swap_count"] == 0), n)
            viability = rate(sum(1 for j in jobs if j["outcome"] in ("completed", "swapped")), n)
            reliability = mix((w["startup_success"], startup), (w["no_swap"], no_swap), (w["output_viability"], viability))
            ptff, ptff_json = self.component([j["ptff_ms"] for j in jobs if "ptff_ms" in j], bench["ptff"], lp["good"], lp["bad"], False)
            e2e, e2e_json = self.component([j["e2e_latency_ms"] for j in jobs if "e2e_latency_ms" in j], bench["e2e"], lp["good"], lp["bad"], False)
            fps, fps_json = self.component([j["output_fps_mfps"] for j in jobs if "output_fps_mfps" in j], bench["fps"], fp["good"], fp["bad"], True)
            latency = mix((w["ptff"], ptff), (w["e2e"], e2e))
            quality = mix((w["latency"], latency), (w["fps"], fps))
            counted = [j for j in jobs if j.get("status_samples_expected", 0) > 0]
            samples = sum(j["status_samples"] for j in counted)
            expected = sum(j["status_samples_expected"] for j in counted)
            coverage = min(rate(samples, expected), ONE) if expected > 0 else ONE
            score = div(coverage * mix((w["reliability"], reliability), (w["quality"], quality)), ONE)
            return {"sessions": n, "score": score, "sla": points(score), "coverage": coverage,
                    "status_samples": samples, "status_samples_expected": expected, "reliability": reliability,
                    "startup_success": startup, "no_swap": no_swap, "output_viability": viability,
                    "quality": quality, "latency": latency, "ptff": ptff_json, "e2e": e2e_json, "fps": fps_json,
                    "outcomes": outcomes}, score
        weights = self.p["jobs"]["weights"]
        lp = self.p["live"]["latency_percentiles"]
        field = self.p["jobs"]["latency_field"][kind]
        successes = sum(1 for j in jobs if j["success"] is True)
        success = rate(successes, n)
        latency, latency_json = self.component([j[field] for j in jobs if field in j], bench["latency"], lp["good"], lp["bad"], False)
        score = mix((weights["success"], success), (weights["latency"], latency))
        return {"jobs": n, "successes": successes, "success": success, "latency": latency_json,
                "score": score, "sla": points(score)}, score

    def output(self, verified, publication=None):
        """The scores document; `publication` ({"heads": [...], "excluded": [...]}) adds published scores' members."""
        jobs, disagreements, conflicts, ambiguous = self.jobs()
        bench = {}
        groups = {}
        excused = 0
        for job in jobs:
            day = self.day_of(job)
            key = self.group_key(job)
            field = self.p["jobs"]["latency_field"].get(job["kind"])
            if self.bench_first <= day <= self.bench_last:
                b = bench.setdefault(key, {"ptff": [], "e2e": [], "fps": [], "latency": []})
                if job["kind"] == "live_session":
                    for name, member in (("ptff", "ptff_ms"), ("e2e", "e2e_latency_ms"), ("fps", "output_fps_mfps")):
                        if member in job:
                            b[name].append(job[member])
                elif field in job:
                    b["latency"].append(job[field])
            if not (self.first <= day <= self.last):
                continue
            if "orchestrator" not in job:
                if job["kind"] == "live_session":
                    excused += 1
                continue
            groups.setdefault(job["orchestrator"], {}).setdefault(key, []).append(job)
        for b in bench.values():
            for values in b.values():
                values.sort()
        empty = {"ptff": [], "e2e": [], "fps": [], "latency": []}

        def key_order(key):
            return (key[0], utf16(key[1]), (0, b"") if key[2] is None else (1, utf16(key[2])))

        def key_members(key):
            members = {"pipeline": key[1], "model": key[2]}
            if key[0] != "live_session":
                members["kind"] = key[0]
            return members

        orchestrators = []
        for address in sorted(groups, key=utf16):
            live, other = [], []
            weighted = {"live": [0, 0], "other": [0, 0]}
            gaps = {"live": set(), "other": set()}
            total = failures = 0
            e2e = []
            for key in sorted(groups[address], key=key_order):
                members = groups[address][key]
                b = bench.get(key, empty)
                row, score = self.row(key[0], members, b)
                row_gaps = self.gaps
                regions = []
                for region in sorted({j["region"] for j in members if "region" in j}, key=utf16):
                    sub, _ = self.row(key[0], [j for j in members if j.get("region") == region], b)
                    sub["region"] = region
                    regions.append(sub)
                value = dict(key_members(key), **row)
                value["regions"] = regions
                n = len(members)
                if key[0] == "live_session":
                    live.append(value)
                    weighted["live"][0] += score * n
                    weighted["live"][1] += n
                    gaps["live"] |= row_gaps
                    failures += n - row["outcomes"]["completed"]
                    e2e += [j["e2e_latency_ms"] for j in members if "e2e_latency_ms" in j]
                else:
                    other.append(value)
                    weighted["other"][0] += score * n
                    weighted["other"][1] += n
                    gaps["other"] |= row_gaps
                    failures += n - row["successes"]
                total += n
            pool = weighted["live"] if weighted["live"][1] > 0 else weighted["other"]
            score_gaps = gaps["live"] if weighted["live"][1] > 0 else gaps["other"]
            mean = div(pool[0], pool[1])
            slo = self.p["slo"]
            failure_rate = rate(failures, total)
            e2e_value = percentile(sorted(e2e), slo["e2e_percentile"])
            e2e_ok = None if e2e_value is None else e2e_value <= slo["e2e_ms"]
            rate_ok = failure_rate < slo["max_failure_rate"]
            # §8: a score resting on a placeholder ½ is no evidence either way.
            score_ok = None if score_gaps else mean >= slo["min_score"]
            if not rate_ok or e2e_ok is False or score_ok is False:
                verdict = "missed"
            elif score_ok is None:
                verdict = "not_judged"
            else:
                verdict = "met"
            counts = disagreements.get(address, [0, 0, 0])
            orchestrators.append({
                "orchestrator": address, "live": live, "jobs": other,
                "disagreements": {"matched": counts[0], "verdict_differs": counts[1], "over_reports": counts[2]},
                "slo": {"jobs": total, "failures": failures, "failure_rate": failure_rate, "failure_rate_ok": rate_ok,
                        "e2e_ms": e2e_value, "e2e_ok": e2e_ok, "score": mean, "score_ok": score_ok,
                        "error_budget_remaining": ONE - div(failure_rate * ONE, slo["max_failure_rate"]),
                        "verdict": verdict,
                        "not_judged_because": [g for g in ("few_samples", "thin_benchmark") if g in score_gaps]},
            })
        used = sorted({key for per in groups.values() for key in per}, key=key_order)
        lp, fp = self.p["live"]["latency_percentiles"], self.p["live"]["fps_percentiles"]

        def stats(values, first, second):
            return {"rows": len(values), first[0]: percentile(values, first[1]), second[0]: percentile(values, second[1])}

        live_bench, job_bench = [], []
        for key in used:
            b = bench.get(key, empty)
            if key[0] == "live_session":
                live_bench.append(dict(key_members(key), ptff=stats(b["ptff"], ("p50", lp["good"]), ("p90", lp["bad"])),
                                       e2e=stats(b["e2e"], ("p50", lp["good"]), ("p90", lp["bad"])),
                                       fps=stats(b["fps"], ("p10", fp["bad"]), ("p50", fp["good"]))))
            else:
                job_bench.append(dict(key_members(key), latency=stats(b["latency"], ("p50", lp["good"]), ("p90", lp["bad"]))))
        distinct = sum(len(v) for v in self.versions.values())
        document = {
            "inputs": {
                "bundles": [{"collector": c, "day": av.day_text(d), "manifest_sha256": m}
                            for c, d, m in sorted(self.bundles, key=lambda b: (utf16(b[0]), b[1], b[2]))],
                "records": {"read": self.read, "duplicates": self.read - distinct, "conflicts": conflicts, "ambiguous": ambiguous},
                "verified": verified,
                **(publication or {}),
            },
            "profile": {"id": self.p["profile"], "sha256": self.profile_hash},
            "scores": {
                "window": {"first_day": av.day_text(self.first), "last_day": av.day_text(self.last), "days": self.last - self.first + 1},
                "benchmark_days": {"first_day": av.day_text(self.bench_first), "last_day": av.day_text(self.bench_last)},
                "excused": excused,
                "benchmarks": {"live": live_bench, "jobs": job_bench},
                "orchestrators": orchestrators,
            },
        }
        return av.canonical(document) + b"\n"


# ------------------------------------------------------------------ input

def feed_bundle(scorer, root, collector, day):
    """Adds one bundle and its records; returns its manifest's SHA-256 (raises OSError when unreadable)."""
    y, m, d = av.day_text(day).split("-")
    base = os.path.join(root, "bundles", collector, y, m, d)
    manifest = av.read_regular(os.path.join(base, "manifest.json"), av.LIMITS["manifest"])
    digest = hashlib.sha256(manifest).hexdigest()
    try:
        size = next(f["size"] for f in av.parse_manifest(manifest)["files"] if f["name"] == "records.jsonl")
    except (av.Invalid, StopIteration):
        raise OSError(errno.EINVAL, "the manifest of %s %s is not valid" % (collector, av.day_text(day)))
    scorer.add_bundle(collector, day, digest)
    lines, _, data = av.read_lines(os.path.join(base, "records.jsonl"), size)
    entry = next(f for f in av.parse_manifest(manifest)["files"] if f["name"] == "records.jsonl")
    if len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise OSError(errno.EINVAL, "records.jsonl of %s %s is not the file its manifest names" % (collector, av.day_text(day)))
    for line in lines:
        scorer.add_line(line)
    return digest


def feed_dataset(scorer, root):
    for collector in av.listdir(os.path.join(root, "bundles")):
        for day in av.bundle_days(root, collector):
            if scorer.needs(day):
                feed_bundle(scorer, root, collector, day)


def main(argv):
    parser = argparse.ArgumentParser(description="Assay scores (independent implementation of spec/scoring.md).")
    parser.add_argument("--dataset", action="append", default=[])
    parser.add_argument("--day")
    parser.add_argument("--window", type=int, default=1)
    parser.add_argument("--profile", help="default: spec/profiles/naap-sla-v1.json beside this kit")
    parser.add_argument("--unverified", action="store_true")
    parser.add_argument("--vector", help="a directory of spec/vectors/scoring")
    parser.add_argument("--spec", help="Assay's spec/ directory (default: beside this kit, then ./spec)")
    args = parser.parse_args(argv)
    try:
        av.locate_spec(args.spec)
    except av.SpecNotFound as error:
        sys.stderr.write("assay_score.py: %s\n" % error)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    if args.vector:
        with open(os.path.join(args.vector, "profile.json"), "rb") as handle:
            profile, digest = load_profile(handle.read(), "profile.json")
        with open(os.path.join(args.vector, "window.json"), "rb") as handle:
            window = av.parse_json(handle.read())
        scorer = Scorer(profile, digest, av.parse_day(window["day"]), window["days"])
        lines, _, _ = av.read_lines(os.path.join(args.vector, "input.jsonl"))
        scorer.add_bundle("vector", av.parse_day(window["day"]), hashlib.sha256(b"\n".join(sorted(lines))).hexdigest())
        for line in lines:
            scorer.add_line(line)
        sys.stdout.buffer.write(scorer.output(True))
        return 0
    if not args.dataset or not args.day or av.parse_day(args.day) is None:
        parser.error("give --dataset DIR and --day YYYY-MM-DD (or --vector DIR)")
    path = args.profile or av.spec_path("profiles", "naap-sla-v1.json")
    with open(path, "rb") as handle:
        profile, digest = load_profile(handle.read(), path)
    for root in [] if args.unverified else args.dataset:
        report = av.verify(root)
        if not report["ok"]:
            sys.stderr.write("%s does not verify (%d errors); --unverified skips verification\n" % (root, report["errors"]))
            return 1
    scorer = Scorer(profile, digest, av.parse_day(args.day), args.window)
    for root in args.dataset:
        feed_dataset(scorer, root)
    sys.stdout.buffer.write(scorer.output(not args.unverified))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
