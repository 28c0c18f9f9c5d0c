#!/usr/bin/env python3
"""Writes the inputs of the scoring vectors: each directory's input.jsonl,
window.json and profile.json. The expected.json files are computed by the
test suite (ASSAY_WRITE_VECTORS=1 swift test --filter ScorerTests) and
checked by hand in worked.md (small) and README.md (edge cases).

Records here are all-ASCII with integer values, so sorted keys and no
whitespace is their RFC 8785 canonical form."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
A, B = "0x" + "a" * 40, "0x" + "b" * 40
H = 3_600_000
DAY = {d: 1767225600000 + (d - 1) * 86_400_000 for d in range(1, 32)}  # 2026-01-d


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def live(id, obs, role, orch, outcome, start, stream, req, ptff=None, e2e=None, fps=None, swap=0,
         ss=0, exp=None, region=None, first_output=None):
    r = {"schema": 1, "kind": "live_session", "id": id, "observer_id": obs, "observer_role": role,
         "pipeline": "live-video-to-video", "model_id": "sd-turbo", "outcome": outcome, "start_ms": start,
         "stream_id": stream, "request_id": req, "attempt": 1, "restarts": 0, "swap_count": swap, "status_samples": ss}
    if orch:
        r["orchestrator"] = orch
    if first_output is not None:
        r["first_output_ms"] = first_output
    elif outcome in ("completed", "zero_fps", "swapped") and ptff is not None:
        r["first_output_ms"] = start + ptff
    for key, value in (("ptff_ms", ptff), ("e2e_latency_ms", e2e), ("output_fps_mfps", fps),
                       ("status_samples_expected", exp), ("region", region)):
        if value is not None:
            r[key] = value
    return r


def batch(id, obs, role, orch, success, start, req, duration=None, region=None, tries=1):
    r = {"schema": 1, "kind": "batch_request", "id": id, "observer_id": obs, "observer_role": role,
         "pipeline": "text-to-image", "model_id": "stabilityai/sd-turbo", "success": success,
         "start_ms": start, "request_id": req, "tries": tries}
    if orch:
        r["orchestrator"] = orch
    if duration is not None:
        r["duration_ms"] = duration
        r["end_ms"] = start + duration
    if region:
        r["region"] = region
    return r


def benchmark(day=5, live_rows=4, batch_rows=3):
    """Network-wide benchmark rows of orchestrator B on 2026-01-`day`."""
    rows = []
    for i, (p, e, f) in enumerate([(1000, 500, 10000), (2000, 600, 20000), (3000, 700, 30000), (4000, 800, 40000)][:live_rows], 1):
        rows.append(live(f"bench-{day}-s{i}/1", "gw-1", "gateway", B, "completed", DAY[day] + i * H, f"bench-{day}-s{i}",
                         f"bq{day}-{i}", ptff=p, e2e=e, fps=f, ss=6, exp=6, region="eu"))
    for i, d in enumerate([1000, 2000, 3000][:batch_rows], 1):
        rows.append(batch(f"bench-{day}-j{i}", "gw-1", "gateway", B, True, DAY[day] + i * H, f"bj{day}-{i}", duration=d, region="eu"))
    return rows


def small():
    D8 = DAY[8]
    recs = benchmark()
    a1 = live("a1/1", "gw-1", "gateway", A, "completed", D8 + 1 * H, "a1", "r-a1", ptff=1500, e2e=700, fps=25000, ss=9, exp=10, region="eu")
    recs += [a1, dict(a1)]  # the same record twice: a duplicate
    recs.append(live("orch-a1", "orch-a", "orchestrator", A, "completed", D8 + 1 * H, "a1", "r-a1", ptff=1450, e2e=650, fps=35000, ss=10, exp=10))
    recs.append(live("a2/1", "gw-1", "gateway", A, "swapped", D8 + 2 * H, "a2", "r-a2", ptff=3000, e2e=900, fps=15000, swap=1, ss=5, exp=6, region="eu"))
    recs.append(live("a3/1", "gw-1", "gateway", A, "startup_failed", D8 + 3 * H, "a3", "r-a3", region="us"))
    recs.append(live("orch-a3", "orch-a", "orchestrator", A, "completed", D8 + 3 * H, "a3", "r-a3", fps=30000, ss=6, exp=6,
                     first_output=D8 + 3 * H + 900))
    recs.append(live("orch-a4", "orch-a", "orchestrator", A, "completed", D8 + 4 * H, "a4", "r-a4", ptff=2500, e2e=650, fps=20000, ss=3, exp=3))
    recs.append(batch("j1", "gw-1", "gateway", B, True, D8 + 5 * H, "r-j1", duration=1500, region="eu"))
    recs.append(batch("orch-j1", "orch-b", "orchestrator", B, True, D8 + 5 * H, "r-j1", duration=1400))
    recs.append(batch("j2", "gw-1", "gateway", B, False, D8 + 6 * H, "r-j2", duration=5000, region="eu", tries=2))
    recs.append(batch("orch-j2", "orch-b", "orchestrator", B, True, D8 + 6 * H, "r-j2", duration=900))
    recs.append(live("x1/1", "gw-1", "gateway", None, "no_orchestrator", D8 + 7 * H, "x1", "r-x1"))
    recs.append(batch("c1", "gw-1", "gateway", B, True, D8 + 8 * H, "r-c1", duration=1000))
    recs.append(batch("c1", "gw-1", "gateway", B, False, D8 + 8 * H, "r-c1", duration=1000))
    recs.append(batch("late-1", "gw-1", "gateway", B, False, D8 + 30 * H, "r-late", duration=100))
    return recs, "2026-01-08", 1


def empty():
    return benchmark(), "2026-01-08", 1


def one_sample():
    recs = benchmark(live_rows=2, batch_rows=2)
    recs.append(live("a1/1", "gw-1", "gateway", A, "completed", DAY[8] + H, "a1", "r-a1", ptff=1500, e2e=700, fps=25000, ss=9, exp=10))
    return recs, "2026-01-08", 1


def all_failures():
    recs = benchmark()
    for i, outcome in enumerate(["startup_failed", "no_output", "loading_only"], 1):
        recs.append(live(f"f{i}/1", "gw-1", "gateway", A, outcome, DAY[8] + i * H, f"f{i}", f"r-f{i}", ss=0, exp=3))
    for i in (1, 2):
        recs.append(batch(f"fj{i}", "gw-1", "gateway", B, False, DAY[8] + (3 + i) * H, f"r-fj{i}", tries=3))
    return recs, "2026-01-08", 1


def all_excused():
    recs = benchmark()
    for i in (1, 2, 3):
        recs.append(live(f"x{i}/1", "gw-1", "gateway", None, "no_orchestrator", DAY[8] + i * H, f"x{i}", f"r-x{i}"))
    return recs, "2026-01-08", 1


def benchmark_gap():
    recs = benchmark(day=2, live_rows=2, batch_rows=1) + benchmark(day=6, live_rows=2, batch_rows=2)
    recs.append(live("a1/1", "gw-1", "gateway", A, "completed", DAY[9] + H, "a1", "r-a1", ptff=1800, e2e=550, fps=32000, ss=6, exp=6))
    recs.append(live("a2/1", "gw-1", "gateway", A, "zero_fps", DAY[13] + H, "a2", "r-a2", ptff=2600, e2e=750, fps=0, ss=6, exp=6))
    recs.append(batch("j1", "gw-1", "gateway", A, True, DAY[11] + H, "r-j1", duration=2500))
    return recs, "2026-01-14", 7


C = "0x" + "c" * 40


def session(id, orch, outcome, request, hours=(), attempt=1, playable=None, runner_start=None, ingest=None, output=None,
            last=None, swaps=0, model="sd-turbo", obs="gw-1", first_output=None, swap_count=0):
    """A gateway's version-2 live_session record (records.md §3.5); `hours` are (hour start, samples, running,
    fps_positive, fps_sum) tuples."""
    samples = sum(h[1] for h in hours)
    r = {"schema": 2, "kind": "live_session", "id": "%s/%d" % (id, attempt), "observer_id": obs, "observer_role": "gateway",
         "pipeline": "live-video-to-video", "model_id": model, "outcome": outcome, "start_ms": request,
         "stream_id": id, "request_id": "r-" + id, "attempt": attempt, "restarts": 0, "swap_count": swap_count,
         "status_samples": samples, "session_request_ms": request, "session_last_ms": last or request + 600_000,
         "session_swaps": swaps}
    if orch:
        r["orchestrator"] = orch
    for key, value in (("session_playable_ms", playable), ("runner_start_ms", runner_start), ("ingest_sent_ms", ingest),
                       ("runner_output_ms", output), ("first_output_ms", first_output)):
        if value is not None:
            r[key] = value
    if hours:
        r["status_hours"] = [{"fps_positive_samples": p, "hour_ms": h, "latency_samples": 0, "latency_sum_ms": 0,
                              "output_fps_sum_mfps": f, "running_samples": run, "samples": n} for h, n, run, p, f in hours]
    return r


def naap():
    """naap-sla-v1 (scoring.md §11), every rule once: worked in full in worked-naap.md."""
    recs = []
    d5, d8 = DAY[5], DAY[8]
    # The benchmark: 4 sessions of B on 2026-01-05, each alone in its hour.
    for i, (ptff, e2e, fps) in enumerate([(1000, 500, 10000), (2000, 600, 20000), (3000, 700, 30000), (4000, 800, 40000)], 1):
        t = d5 + (10 + i) * H
        recs.append(session("bench-%d" % i, B, "completed", t, hours=[(t, 6, 6, 6, 6 * fps)], runner_start=t + 500,
                            playable=t + 500 + ptff, ingest=t + 1000, output=t + 1000 + e2e, first_output=t + 1000 + e2e))
    t = d8 + 1 * H + 60_000  # s1: a good session
    recs.append(session("s1", A, "completed", t, hours=[(d8 + 1 * H, 6, 6, 6, 150_000)], runner_start=t + 500, playable=t + 2000,
                        ingest=t + 1000, output=t + 1700, first_output=t + 1700))
    t = d8 + 2 * H - 30_000  # s2: loading only, its last report a tail artifact in the next hour
    recs.append(session("s2", A, "loading_only", t, hours=[(d8 + 2 * H, 2, 0, 0, 0), (d8 + 3 * H, 1, 0, 0, 0)],
                        runner_start=t + 500, ingest=t + 1000, last=d8 + 3 * H + 5_000))
    t = d8 + 4 * H  # s3: zero output FPS (runs, never a frame)
    recs.append(session("s3", A, "zero_fps", t, hours=[(d8 + 4 * H, 6, 6, 0, 0)], runner_start=t + 400, playable=t + 3000,
                        ingest=t + 1000, output=t + 1750, first_output=t + 1750))
    t = d8 + 5 * H  # s4: swapped from C to A: credited (and charged) to A
    recs.append(session("s4", C, "swapped", t, hours=[(d8 + 5 * H, 3, 3, 3, 60_000)], runner_start=t + 500, playable=t + 2500,
                        ingest=t + 1000, output=t + 1600, swaps=1, first_output=t + 1600, swap_count=1))
    recs.append(session("s4", A, "completed", t + 300_000, attempt=2, hours=[(d8 + 5 * H, 3, 3, 3, 90_000)],
                        runner_start=t + 301_000, playable=t + 2500, ingest=t + 300_500, output=t + 301_200, swaps=1,
                        first_output=t + 301_200))
    recs[-2]["session_request_ms"] = recs[-1]["session_request_ms"] = t
    t = d8 + 6 * H  # s5: a startup failure before any status report: NaaP has no row for it
    recs.append(session("s5", A, "startup_failed", t, ingest=t + 1000))
    t = d8 + 7 * H  # s6: no orchestrator
    recs.append(session("s6", None, "no_orchestrator", t))
    t = d8 + 8 * H  # s7: another model, with no benchmark at all
    recs.append(session("s7", A, "completed", t, model="sd-other", hours=[(d8 + 8 * H, 6, 6, 6, 120_000)], runner_start=t + 500,
                        playable=t + 1500, ingest=t + 1000, output=t + 1800, first_output=t + 1800))
    # A's exporter claims s3 went well: reported as a disagreement, never scored.
    claim = live("orch-s3", "orch-a", "orchestrator", A, "completed", d8 + 4 * H, "s3", "r-s3", ptff=900, e2e=300, fps=30000,
                 ss=6, exp=6, first_output=d8 + 4 * H + 900)
    recs.append(claim)
    return recs, "2026-01-08", 1


def write_vector(name, recs, day, days, profile):
    """One vector directory: the records, the window and the profile, each canonical."""
    directory = os.path.join(HERE, name)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "input.jsonl"), "w") as f:
        f.write("".join(canonical(r) + "\n" for r in recs))
    with open(os.path.join(directory, "window.json"), "w") as f:
        f.write(canonical({"day": day, "days": days}))
    with open(os.path.join(directory, "profile.json"), "w") as f:
        f.write(canonical(profile))


def main():
    profile = json.load(open(os.path.join(HERE, "..", "..", "profiles", "assay-sla-v1.json")))
    profile.update({"profile": "vector-small", "benchmark_min_rows": 3, "min_samples": 4,
                    "description": "The assay-sla-v1 formula with thresholds small enough to work by hand: benchmark_min_rows 3, min_samples 4."})
    for name, make in [("small", small), ("empty", empty), ("one-sample", one_sample), ("all-failures", all_failures),
                       ("all-excused", all_excused), ("benchmark-gap", benchmark_gap)]:
        write_vector(name, *make(), profile)
    naap_profile = json.load(open(os.path.join(HERE, "..", "..", "profiles", "naap-sla-v1.json")))
    naap_profile["live"]["shrink"] = {"e2e": 2, "fps": 4, "ptff": 2}
    naap_profile.update({"profile": "vector-naap", "benchmark_min_rows": 3,
                         "description": "The naap-sla-v1 rules with thresholds small enough to work by hand: benchmark_min_rows 3, shrink ptff 2, e2e 2, fps 4."})
    write_vector("naap", *naap(), naap_profile)

if __name__ == "__main__":
    main()
