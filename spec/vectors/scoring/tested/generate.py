#!/usr/bin/env python3
"""Writes tested.jsonl: test jobs of a 2-day window (2026-12-01, 2026-12-02) and a day before it, each line a case
of spec/scoring.md §13 — attempts of every outcome, the reasons a test job does not count, a duplicate, a conflict.

    python3 spec/vectors/scoring/tested/generate.py > spec/vectors/scoring/tested/input.jsonl
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "verify"))
from assay_verify import canonical, validate_record  # noqa: E402  (records in their canonical form, records.md §2)

A, B, C = "0x" + "a" * 40, "0x" + "b" * 40, "0x" + "c" * 40
T2I = ("t2i", "0" * 63 + "1", "text-to-image", "sdxl")
T2I_V2 = ("t2i", "0" * 63 + "2", "text-to-image", "sdxl")  # the same id, changed: other work
LIVE = ("live", "0" * 63 + "3", "live-video-to-video", "streamdiffusion")
DAY1, DAY2, BEFORE = 1796083200000, 1796169600000, 1795996800000
lines = []


def job(scenario, orchestrator, slot, start, outcome, **fields):
    sid, sha, pipeline, model = scenario
    day = {DAY1: "2026-12-01", DAY2: "2026-12-02", BEFORE: "2026-11-30"}[start - start % 86_400_000]
    record = {"schema": 3, "kind": "test_job", "id": "%s/%s/%s/%d" % (day, sid, orchestrator, slot), "observer_role": "tester",
              "observer_id": "tester-a", "scenario": sid, "scenario_sha256": sha, "slot": slot, "orchestrator": orchestrator,
              "pipeline": pipeline, "model_id": model, "start_ms": start, "outcome": outcome}
    if outcome not in ("skipped",):
        record["sent_ms"] = start + 5
    record.update(fields)
    lines.append(canonical(validate_record(json.dumps(record).encode())).decode())


# A: passes text-to-image, latencies 1000..5000 ms (p50 3000, p90 5000 of five), one failed check.
for k, latency in enumerate([3000, 1000, 5000, 2000, 4000]):
    job(T2I, A, k, DAY1 + k * 3_600_000, "passed", http_status=200, ttfb_ms=latency - 100, latency_ms=latency, end_ms=DAY1 + k * 3_600_000 + 5 + latency)
job(T2I, A, 5, DAY2, "failed_check", http_status=200, latency_ms=900, failed_checks=["images"])
# B: an HTTP error, a timeout, a connection error that counts, and one whose target was not reached (not counted).
job(T2I, B, 0, DAY1 + 1000, "http_error", http_status=503, error_type="http_503", error_text="insufficient%20capacity", latency_ms=20)
job(T2I, B, 1, DAY1 + 2000, "timeout", latency_ms=30000)
job(T2I, B, 2, DAY2 + 3000, "connect_error", error_type="connection_refused")
job(T2I, B, 3, DAY2 + 4000, "connect_error", error_type="target_not_reached")
job(T2I, B, 4, DAY2 + 5000, "passed", http_status=200, latency_ms=7000)
# B also ran the changed scenario once: another group.
job(T2I_V2, B, 0, DAY2 + 6000, "passed", http_status=200, ttfb_ms=600, latency_ms=6500)
# C: live, one stream above the minimum and one below it (a failed check that is still an FPS reading), one skipped by the
# cost cap, one interrupted, one whose target stopped advertising.
job(LIVE, C, 0, DAY1 + 10_000, "passed", http_status=200, ttfb_ms=1500, latency_ms=30000, output_fps_mfps=24000)
job(LIVE, C, 1, DAY1 + 20_000, "failed_check", http_status=200, ttfb_ms=2500, latency_ms=30000, output_fps_mfps=9000, failed_checks=["min_output_fps_mfps"])
job(LIVE, C, 2, DAY2 + 10_000, "skipped", skip_reason="cost_cap")
job(LIVE, C, 3, DAY2 + 20_000, "interrupted")
job(LIVE, C, 4, DAY2 + 30_000, "skipped", skip_reason="not_advertising")
# A duplicate (the same bytes twice: one test job), a conflict (two versions of one identity: not counted), a day before.
lines.append(lines[0])
job(LIVE, A, 0, DAY1 + 40_000, "passed", http_status=200, latency_ms=30000, output_fps_mfps=30000)
job(LIVE, A, 0, DAY1 + 40_000, "timeout", latency_ms=30000)
job(T2I, A, 0, BEFORE, "timeout", latency_ms=30000)
print("\n".join(lines))
