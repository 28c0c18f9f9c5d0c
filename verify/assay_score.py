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


def latency_score(v, good, bad):
    """§6 and §11.5: 1 at or below good, 0 at or above bad, linear between."""
    return ONE if v <= good else 0 if v >= bad else div((bad - v) * ONE, bad - good)


def fps_score(v, bad, good):
    """§6 and §11.5: 1 at or above good, 0 at or below bad, linear between."""
    return ONE if v >= good else 0 if v <= bad else div((v - bad) * ONE, good - bad)


def points(score):
    return "%d.%04d" % (score // 10_000, score % 10_000)


def utf16(text):
    return text.encode("utf-16-be")


# ------------------------------------------------------------------ §1 profile

METHODS = ("assay-attempts", "naap-session-hours")


def load_profile(data, name):
    value = av.parse_json(data)
    if av.canonical(value) != data:
        raise SystemExit("%s: a profile must be in canonical form (RFC 8785)" % name)
    if value.get("method") not in METHODS:
        raise SystemExit("%s: 'method' must be one of %s (scoring.md §1)" % (name, ", ".join(METHODS)))
    return value, hashlib.sha256(data).hexdigest()


SATURATION = 1 << 61


def sat(x):
    """Saturating sums and products of scoring.md §11.4 (all operands non-negative)."""
    return min(x, SATURATION)


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
        self.digests = {}  # id(record) -> SHA-256 of its canonical bytes
        self.read = 0
        self.test_jobs = {}  # (observer_id, id) -> {sha256: record} of test jobs (§13)

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
        if record["kind"] == "test_job":  # the tester leaderboard's alone (§13)
            self.test_jobs.setdefault((record["observer_id"], record["id"]), {})[digest] = record
            return
        if record["kind"] in ("probe", "capability_snapshot"):
            return
        if self.p["method"] == "naap-session-hours":
            self.digests[id(record)] = digest  # the §11.2 tie-break between equal attempt numbers
        self.read += 1
        key = (record["observer_id"], record["id"])
        self.versions.setdefault(key, {})[digest] = record

    # §3–4
    def jobs(self):
        """The gateways' records (§4); orchestrators' records only matched, for the disagreements."""
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
                if role == "gateway":
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
            if not roles["gateway"]:
                continue  # an orchestrator's claim alone is not a job
            gateway = min(roles["gateway"], key=lambda e: e[0])[1]
            jobs.append(gateway)
            if not roles["orchestrator"]:
                continue
            orchestrator = min(roles["orchestrator"], key=lambda e: e[0])[1]
            if not (self.first <= self.day_of(gateway) <= self.last):
                continue
            verdict = "outcome" if key[0] == "live_session" else "success"
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
            s = fps_score(median, bad, good) if higher_is_better else latency_score(median, good, bad)
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
        if self.p["method"] == "naap-session-hours":
            scores = self.session_hour_scores(jobs, disagreements)
        else:
            scores = self.attempt_scores(jobs, disagreements)
        tested = self.tested()
        if tested is not None:
            scores["tested"] = tested
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
            "scores": scores,
        }
        return av.canonical(document) + b"\n"

    # §13
    def tested(self):
        """The tester leaderboard, or None when the window has no test job."""
        def in_window(record):
            return self.first <= record["start_ms"] // 86_400_000 <= self.last

        conflicts, jobs = 0, []
        for versions in self.test_jobs.values():
            inside = [r for r in versions.values() if in_window(r)]
            if not inside:
                continue
            if len(versions) > 1:
                conflicts += 1
            else:
                jobs.append(inside[0])
        if not jobs and not conflicts:
            return None

        def reason(job):
            """None when the test job is an attempt, else why it is not counted."""
            if job["outcome"] == "skipped":
                return job["skip_reason"]
            if job["outcome"] == "interrupted":
                return "interrupted"
            if job["outcome"] == "connect_error" and job.get("error_type") == "target_not_reached":
                return "target_not_reached"
            return None

        def counts(group):
            attempts = [j for j in group if reason(j) is None]
            passed = sum(1 for j in attempts if j["outcome"] == "passed")
            return {"planned": len(group), "attempts": len(attempts), "passed": passed,
                    "pass_rate": rate(passed, len(attempts)) if attempts else None}

        def percentiles(values, a, b):
            values = sorted(values)
            return {"p%d" % a: percentile(values, a), "p%d" % b: percentile(values, b)} if values else None

        def scenario_object(group, detailed):
            attempts = [j for j in group if reason(j) is None]
            passed = [j for j in attempts if j["outcome"] == "passed"]
            first = min(group, key=lambda j: (j["pipeline"].encode(), j["model_id"].encode()))
            result = dict(counts(group), scenario=first["scenario"], scenario_sha256=first["scenario_sha256"],
                          pipeline=first["pipeline"], model_id=first["model_id"],
                          latency_ms=percentiles([j["latency_ms"] for j in passed if "latency_ms" in j], 50, 90),
                          ttfb_ms=percentiles([j["ttfb_ms"] for j in passed if "ttfb_ms" in j], 50, 90),
                          output_fps_mfps=percentiles([j["output_fps_mfps"] for j in attempts if "output_fps_mfps" in j], 10, 50))
            if detailed:
                outcomes, not_counted = {}, {}
                for j in group:
                    why = reason(j)
                    if why is None:
                        outcomes[j["outcome"]] = outcomes.get(j["outcome"], 0) + 1
                    else:
                        not_counted[why] = not_counted.get(why, 0) + 1
                result.update(outcomes=outcomes, not_counted=not_counted)
            return result

        def scenario_key(job):
            return (utf16(job["scenario"]), utf16(job["scenario_sha256"]))

        def by(key, group):
            grouped = {}
            for job in group:
                grouped.setdefault(key(job), []).append(job)
            return [grouped[k] for k in sorted(grouped)]

        orchestrators = []
        for own in by(lambda j: utf16(j["orchestrator"]), jobs):
            orchestrators.append(dict(counts(own), orchestrator=own[0]["orchestrator"],
                                      scenarios=[scenario_object(g, True) for g in by(scenario_key, own)]))
        return {"conflicts": conflicts, "orchestrators": orchestrators,
                "scenarios": [scenario_object(g, False) for g in by(scenario_key, jobs)]}

    def window_members(self):
        return {"window": {"first_day": av.day_text(self.first), "last_day": av.day_text(self.last), "days": self.last - self.first + 1},
                "benchmark_days": {"first_day": av.day_text(self.bench_first), "last_day": av.day_text(self.bench_last)}}

    def slo_report(self, jobs, failures, e2e_value, score, score_gaps):
        slo = self.p["slo"]
        failure_rate = rate(failures, jobs)
        e2e_ok = None if e2e_value is None else e2e_value <= slo["e2e_ms"]
        rate_ok = failure_rate < slo["max_failure_rate"]
        # §8: a score resting on a placeholder ½ is no evidence either way.
        score_ok = None if score_gaps else score >= slo["min_score"]
        if not rate_ok or e2e_ok is False or score_ok is False:
            verdict = "missed"
        elif score_ok is None:
            verdict = "not_judged"
        else:
            verdict = "met"
        return {"jobs": jobs, "failures": failures, "failure_rate": failure_rate, "failure_rate_ok": rate_ok,
                "e2e_ms": e2e_value, "e2e_ok": e2e_ok, "score": score, "score_ok": score_ok,
                "error_budget_remaining": ONE - div(failure_rate * ONE, slo["max_failure_rate"]),
                "verdict": verdict,
                "not_judged_because": [g for g in ("few_samples", "thin_benchmark") if g in score_gaps]}

    def attempt_scores(self, jobs, disagreements):
        """`scores` of the attempt method (§5–§8)."""
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
            e2e_value = percentile(sorted(e2e), self.p["slo"]["e2e_percentile"])
            counts = disagreements.get(address, [0, 0, 0])
            orchestrators.append({
                "orchestrator": address, "live": live, "jobs": other,
                "disagreements": {"matched": counts[0], "verdict_differs": counts[1], "over_reports": counts[2]},
                "slo": self.slo_report(total, failures, e2e_value, mean, score_gaps),
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
        return dict(self.window_members(), excused=excused, benchmarks={"live": live_bench, "jobs": job_bench},
                    orchestrators=orchestrators)

    # §11: naap-sla-v1, NaaP's session-hour rows
    def session_hour_scores(self, jobs, disagreements):
        """`scores` of the session-hour method (§11)."""
        live = self.p["live"]
        hour_ms = 3_600_000
        sessions = {}
        for job in jobs:
            if job["kind"] == "live_session":
                sessions.setdefault((job["observer_id"], job["stream_id"], job["request_id"]), []).append(job)
        rows = {}  # (hour, orchestrator, pipeline, model, gpu) -> summed row
        excused = without_hours = 0
        fields = ("rows", "requested", "startup_success", "loading_only", "zero_fps", "output_failed", "swapped", "bad_input",
                  "health", "health_expected", "samples", "fps_sum", "ptff_sum", "ptff_count", "e2e_sum", "e2e_count")
        saturating = ("fps_sum", "ptff_sum", "e2e_sum")

        def add(target, row):
            for name in fields:
                target[name] = sat(target[name] + row[name]) if name in saturating else target[name] + row[name]

        for members in sessions.values():
            last = min(members, key=lambda j: (-j["attempt"], self.digests[id(j)]))
            by_hour = {}
            for job in members:
                for h in job.get("status_hours", []):
                    t = by_hour.setdefault(h["hour_ms"], [0, 0, 0, 0, 0, 0])
                    t[0] += h["samples"]
                    t[1] += h["running_samples"]
                    t[2] += h["fps_positive_samples"]
                    t[3] = sat(t[3] + h["output_fps_sum_mfps"])
                    t[4] += h["latency_samples"]
                    t[5] = sat(t[5] + h["latency_sum_ms"])

            def least(name):
                values = [j[name] for j in members if name in j]
                return min(values) if values else None
            if self.first <= self.day_of(last) <= self.last:
                if "orchestrator" not in last:
                    excused += 1
                elif not by_hour:
                    without_hours += 1
            if not by_hour:
                continue
            total_samples = sum(t[0] for t in by_hour.values())
            total_running = sum(t[1] for t in by_hour.values())
            total_positive = sum(t[2] for t in by_hour.values())
            # §11.9: a requested session whose input was bad counts in no reliability rate (profiles with bad_input).
            is_requested = "session_request_ms" in last
            limits = self.p.get("bad_input")
            bad_input = is_requested and limits is not None and (
                last.get("ingest_jitter_p90_us", -1) > limits["max_jitter_p90_us"]
                or last.get("ingest_loss_ppm", -1) > limits["max_loss_ppm"])
            requested = 1 if is_requested and not bad_input else 0
            playable = "session_playable_ms" in last
            loading_only = total_samples > 0 and total_running == 0
            zero_fps = total_samples > 0 and total_positive == 0
            output_failed = loading_only or zero_fps
            health = (total_samples > 0) + playable + (total_samples > 0 and not (loading_only and zero_fps))
            runner_start, ingest_sent, runner_output = least("runner_start_ms"), least("ingest_sent_ms"), least("runner_output_ms")
            ptff = 0
            if playable and runner_start is not None and last["session_playable_ms"] >= runner_start:
                ptff = last["session_playable_ms"] - runner_start
            session_e2e = 0
            if runner_output is not None and ingest_sent is not None and runner_output >= ingest_sent:
                session_e2e = runner_output - ingest_sent
            key = (last.get("orchestrator"), last["pipeline"], last.get("model_id"), last.get("gpu_id"))
            start, last_seen = last.get("session_request_ms"), last.get("session_last_ms")
            previous = [0, 0, 0]
            for h in sorted(by_hour):
                samples, running, positive, fps_sum, latency_count, latency_sum = by_hour[h]
                artifact = (start is not None and start < h and last_seen is not None and h <= last_seen < h + hour_ms
                            and positive == 0 and running == 0 and samples < 3
                            and previous[0] < 3 and previous[1] == 0 and previous[2] == 0)
                previous = [samples, running, positive]
                day = h // 86_400_000
                if artifact or not (self.bench_first <= day <= self.last):
                    continue
                row = {"rows": 1, "requested": requested, "startup_success": int(requested == 1 and playable),
                       "loading_only": int(requested == 1 and loading_only), "zero_fps": int(requested == 1 and zero_fps),
                       "output_failed": int(requested == 1 and output_failed),
                       "swapped": int(requested == 1 and last.get("session_swaps", 0) > 0), "bad_input": int(bad_input),
                       "health": int(health), "health_expected": 3 if is_requested else 0, "samples": samples, "fps_sum": fps_sum,
                       "ptff_sum": ptff if ptff > 0 else 0, "ptff_count": 1 if ptff > 0 else 0,
                       "e2e_sum": 0, "e2e_count": 0}
                if latency_count > 0:
                    row["e2e_sum"], row["e2e_count"] = latency_sum, latency_count
                elif session_e2e > 0:
                    row["e2e_sum"], row["e2e_count"] = session_e2e, 1
                add(rows.setdefault((h,) + key, dict.fromkeys(fields, 0)), row)

        def means(g):
            return {"ptff": div(g["ptff_sum"], g["ptff_count"]) if g["ptff_count"] else None,
                    "e2e": div(g["e2e_sum"], g["e2e_count"]) if g["e2e_count"] else None,
                    "fps": div(g["fps_sum"], g["samples"]) if g["samples"] else None}

        lp, fp = live["latency_percentiles"], live["fps_percentiles"]
        anchors = {"ptff": (lp["good"], lp["bad"]), "e2e": (lp["good"], lp["bad"]), "fps": (fp["bad"], fp["good"])}
        daily = {}  # (pipeline, model) -> day -> metric -> values
        groups = {}
        for (h, orchestrator, pipeline, model, gpu), g in rows.items():
            day = h // 86_400_000
            if self.bench_first <= day <= self.bench_last:
                per_day = daily.setdefault((pipeline, model), {}).setdefault(day, {"ptff": [], "e2e": [], "fps": []})
                for metric, value in means(g).items():
                    if value is not None:
                        per_day[metric].append(value)
            if self.first <= day <= self.last and orchestrator is not None:
                add(groups.setdefault((orchestrator, pipeline, model, gpu), dict.fromkeys(fields, 0)), g)
        bench = {}
        for cohort, days in daily.items():
            combined = {}
            for metric in ("ptff", "e2e", "fps"):
                n = low = high = 0
                for values in days.values():
                    values = sorted(values[metric])
                    if not values:
                        continue
                    k = len(values)
                    n += k
                    low = sat(low + sat(percentile(values, anchors[metric][0]) * k))
                    high = sat(high + sat(percentile(values, anchors[metric][1]) * k))
                combined[metric] = (n, div(low, n) if n else None, div(high, n) if n else None)
            bench[cohort] = combined
        empty = {m: (0, None, None) for m in ("ptff", "e2e", "fps")}
        shrink = live["shrink"]
        w = live["weights"]

        def component(mean, evidence, c, b, higher_is_better):
            n, low, high = b
            raw = 500_000
            if mean is not None and n >= self.p["benchmark_min_rows"] and low is not None:
                raw = fps_score(mean, low, high) if higher_is_better else latency_score(mean, low, high)
            k = min(evidence, c)
            value = div(k * raw + (c - k) * 500_000, c)
            gaps = set()
            if evidence < c:
                gaps.add("few_samples")
            if n < self.p["benchmark_min_rows"]:
                gaps.add("thin_benchmark")
            return value, {"mean": mean, "samples": evidence, "score": value}, gaps

        def null_first(value):
            return (0, b"") if value is None else (1, utf16(value))

        by_orchestrator = {}
        for key, g in groups.items():
            if g["requested"] > 0:
                by_orchestrator.setdefault(key[0], []).append((key, g))
        orchestrators = []
        used = set()
        for address in sorted(by_orchestrator, key=utf16):
            live_rows = []
            lowest = None
            gaps = set()
            total = dict.fromkeys(fields, 0)
            for key, g in sorted(by_orchestrator[address], key=lambda e: (utf16(e[0][1]), null_first(e[0][2]), null_first(e[0][3]))):
                b = bench.get((key[1], key[2]), empty)
                used.add((key[1], key[2]))
                n = g["requested"]
                startup = rate(g["startup_success"], n)
                no_swap = rate(n - g["swapped"], n)
                viability = rate(n - g["output_failed"], n)
                reliability = mix((w["startup_success"], startup), (w["no_swap"], no_swap), (w["output_viability"], viability))
                coverage = min(rate(g["health"], g["health_expected"]), ONE) if g["health_expected"] > 0 else ONE
                m = means(g)
                ptff, ptff_json, ptff_gaps = component(m["ptff"], g["ptff_count"], shrink["ptff"], b["ptff"], False)
                e2e, e2e_json, e2e_gaps = component(m["e2e"], g["e2e_count"], shrink["e2e"], b["e2e"], False)
                fps, fps_json, fps_gaps = component(m["fps"], g["samples"], shrink["fps"], b["fps"], True)
                latency = mix((w["ptff"], ptff), (w["e2e"], e2e))
                quality = mix((w["latency"], latency), (w["fps"], fps))
                score = div(coverage * mix((w["reliability"], reliability), (w["quality"], quality)), ONE)
                live_rows.append({
                    "pipeline": key[1], "model": key[2], "gpu": key[3], "hours": g["rows"], "sessions": n,
                    "score": score, "sla": points(score), "coverage": coverage, "health_signals": g["health"],
                    "health_signals_expected": g["health_expected"], "reliability": reliability,
                    "startup_success": startup, "no_swap": no_swap, "output_viability": viability,
                    "quality": quality, "latency": latency, "ptff": ptff_json, "e2e": e2e_json, "fps": fps_json,
                    "counts": dict({"startup_success": g["startup_success"], "loading_only": g["loading_only"],
                                    "zero_output_fps": g["zero_fps"], "output_failed": g["output_failed"], "swapped": g["swapped"]},
                                   **({"bad_input": g["bad_input"]} if "bad_input" in self.p else {}))})
                lowest = score if lowest is None else min(lowest, score)
                gaps |= ptff_gaps | e2e_gaps | fps_gaps
                add(total, g)
            counts = disagreements.get(address, [0, 0, 0])
            e2e_value = div(total["e2e_sum"], total["e2e_count"]) if total["e2e_count"] else None
            orchestrators.append({
                "orchestrator": address, "live": live_rows, "jobs": [],
                "disagreements": {"matched": counts[0], "verdict_differs": counts[1], "over_reports": counts[2]},
                "slo": self.slo_report(total["requested"], total["output_failed"], e2e_value, lowest, gaps),
            })
        live_bench = []
        for pipeline, model in sorted(used, key=lambda c: (utf16(c[0]), null_first(c[1]))):
            b = bench.get((pipeline, model), empty)
            live_bench.append({"pipeline": pipeline, "model": model,
                               "ptff": {"rows": b["ptff"][0], "p50": b["ptff"][1], "p90": b["ptff"][2]},
                               "e2e": {"rows": b["e2e"][0], "p50": b["e2e"][1], "p90": b["e2e"][2]},
                               "fps": {"rows": b["fps"][0], "p10": b["fps"][1], "p50": b["fps"][2]}})
        return dict(self.window_members(), excused=excused, without_status_hours=without_hours,
                    benchmarks={"live": live_bench, "jobs": []}, orchestrators=orchestrators)


# ------------------------------------------------------------------ input

def feed_bundle(scorer, root, collector, day):
    """Adds one bundle and its records — records.jsonl or its shards, plain or .zst (dataset.md §4.6, §4.7) — and
    returns its manifest's SHA-256 (raises OSError when a file is unreadable, not fetched or not the one named)."""
    y, m, d = av.day_text(day).split("-")
    base = os.path.join(root, "bundles", collector, y, m, d)
    manifest = av.read_regular(os.path.join(base, "manifest.json"), av.LIMITS["manifest"])
    digest = hashlib.sha256(manifest).hexdigest()
    try:
        files = [f for f in av.parse_manifest(manifest)["files"] if f["name"] == "records.jsonl" or av.SHARD_NAME.fullmatch(f["name"])]
    except av.Invalid:
        raise OSError(errno.EINVAL, "the manifest of %s %s is not valid" % (collector, av.day_text(day)))
    scorer.add_bundle(collector, day, digest)
    for entry in files:
        found = av.stored_form(base, entry["name"])
        if found is None:
            raise OSError(errno.ENOENT, "%s of %s %s is missing" % (entry["name"], collector, av.day_text(day)))
        path = os.path.join(base, found[0])
        if av.is_lfs_pointer(path):
            raise OSError(errno.ENOENT, "%s of %s %s is a Git LFS pointer: not fetched" % (found[0], collector, av.day_text(day)))
        try:
            data, larger = av.read_stored(path, found[1], entry["size"])
        except av.Encoding as error:
            raise OSError(errno.EINVAL, "%s of %s %s: %s" % (found[0], collector, av.day_text(day), error))
        if larger or len(data) != entry["size"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise OSError(errno.EINVAL, "%s of %s %s is not the file its manifest names" % (entry["name"], collector, av.day_text(day)))
        for line in data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n") if data else []:
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
