#!/usr/bin/env python3
"""Runs verify/sql/assay-sla-v1.sql on an export (spec/export.md) with DuckDB or Spark SQL, and checks that every
aggregate it computes is exactly the number `assay score --profile assay-sla-v1` published for the same window.

    python3 verify/sql/check.py --engine duckdb --export EXPORT_DIR --scores SCORES.json
    python3 verify/sql/check.py --engine spark  --export EXPORT_DIR --scores SCORES.json

SCORES.json is the output of `assay score --dataset DATASET --day D --window N --profile assay-sla-v1` on the same
dataset the export was made from (the export must cover the window and its benchmark days). The SQL text is the
same for both engines; this program only makes the two input views (`records` from the export's Parquet, `params`
from the window and spec/profiles/assay-sla-v1.json) and reads the result views. Exit status 0 when every number
agrees, 1 otherwise (each difference printed). Needs `pip install duckdb`, or `pip install pyspark` and a Java 17+
runtime.
"""

import argparse
import datetime
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DAY_MS = 86_400_000


def day_number(text):
    return (datetime.date.fromisoformat(text) - datetime.date(1970, 1, 1)).days


def params_sql(scores, profile):
    """The one-row `params` view: the window and benchmark days as [first, end) in ms, and the profile's numbers."""
    window, bench = scores["scores"]["window"], scores["scores"]["benchmark_days"]
    live, jobs = profile["live"], profile["jobs"]
    values = {
        "window_first_ms": day_number(window["first_day"]) * DAY_MS,
        "window_end_ms": (day_number(window["last_day"]) + 1) * DAY_MS,
        "bench_first_ms": day_number(bench["first_day"]) * DAY_MS,
        "bench_end_ms": (day_number(bench["last_day"]) + 1) * DAY_MS,
        "latency_good": live["latency_percentiles"]["good"], "latency_bad": live["latency_percentiles"]["bad"],
        "fps_good": live["fps_percentiles"]["good"], "fps_bad": live["fps_percentiles"]["bad"],
        "benchmark_min_rows": profile["benchmark_min_rows"], "min_samples": profile["min_samples"],
        "w_startup_success": live["weights"]["startup_success"], "w_no_swap": live["weights"]["no_swap"],
        "w_output_viability": live["weights"]["output_viability"], "w_ptff": live["weights"]["ptff"], "w_e2e": live["weights"]["e2e"],
        "w_latency": live["weights"]["latency"], "w_fps": live["weights"]["fps"], "w_reliability": live["weights"]["reliability"],
        "w_quality": live["weights"]["quality"], "w_success": jobs["weights"]["success"], "w_job_latency": jobs["weights"]["latency"],
    }
    return "CREATE OR REPLACE TEMPORARY VIEW params AS SELECT " + ", ".join(
        "CAST(%d AS BIGINT) AS %s" % (value, name) for name, value in values.items())


def statements(path):
    """The SQL file's statements, comments dropped, split at the semicolons that end a line."""
    lines = [line for line in open(path, encoding="utf-8").read().split("\n") if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";\n") if part.strip().rstrip(";").strip()]


class DuckDB:
    def __init__(self, parquet):
        import duckdb
        self.con = duckdb.connect()
        self.con.execute("CREATE VIEW records AS SELECT * FROM read_parquet('%s')" % parquet.replace("'", "''"))
        self.name = "DuckDB %s" % duckdb.__version__

    def run(self, sql):
        self.con.execute(sql.rstrip(";"))

    def rows(self, view):
        cursor = self.con.execute("SELECT * FROM %s" % view)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


class Spark:
    def __init__(self, parquet):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local mode: no network interface is needed
        import pyspark
        from pyspark.sql import SparkSession
        self.spark = (SparkSession.builder.master("local[2]").appName("assay-sql-check")
                      .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                      .config("spark.sql.session.timeZone", "UTC")
                      .config("spark.sql.ansi.enabled", "true").getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")
        self.spark.read.parquet(parquet).createOrReplaceTempView("records")
        self.name = "Spark SQL %s (local[2])" % pyspark.__version__

    def run(self, sql):
        self.spark.sql(sql.rstrip(";"))

    def rows(self, view):
        return [row.asDict() for row in self.spark.sql("SELECT * FROM %s" % view).collect()]


def expected(scores):
    """The numbers of the published scores, keyed as the SQL views key them."""
    s = scores["scores"]
    live_bench, job_bench, live, jobs = {}, {}, {}, {}
    for b in s["benchmarks"]["live"]:
        for metric, (good, bad) in (("ptff", ("p50", "p90")), ("e2e", ("p50", "p90")), ("fps", ("p50", "p10"))):
            live_bench[(b["pipeline"], b["model"] or "", metric)] = (b[metric]["rows"], b[metric][good], b[metric][bad])
    for b in s["benchmarks"]["jobs"]:
        job_bench[(b["kind"], b["pipeline"], b["model"] or "")] = (b["latency"]["rows"], b["latency"]["p50"], b["latency"]["p90"])
    for o in s["orchestrators"]:
        for g in o["live"]:
            live[(o["orchestrator"], g["pipeline"], g["model"] or "")] = {
                "sessions": g["sessions"], "startup_success": g["startup_success"], "no_swap": g["no_swap"],
                "output_viability": g["output_viability"], "reliability": g["reliability"], "coverage": g["coverage"],
                "ptff": g["ptff"]["score"], "ptff_median": g["ptff"]["median"], "ptff_samples": g["ptff"]["samples"],
                "e2e": g["e2e"]["score"], "e2e_median": g["e2e"]["median"], "e2e_samples": g["e2e"]["samples"],
                "fps": g["fps"]["score"], "fps_median": g["fps"]["median"], "fps_samples": g["fps"]["samples"],
                "latency": g["latency"], "quality": g["quality"], "score": g["score"]}
        for g in o["jobs"]:
            jobs[(g["kind"], o["orchestrator"], g["pipeline"], g["model"] or "")] = {
                "jobs": g["jobs"], "successes": g["successes"], "success": g["success"], "latency": g["latency"]["score"],
                "latency_median": g["latency"]["median"], "latency_samples": g["latency"]["samples"], "score": g["score"]}
    return live_bench, job_bench, live, jobs


def main(argv):
    parser = argparse.ArgumentParser(description="assay-sla-v1's aggregates in SQL, checked against assay score.")
    parser.add_argument("--engine", choices=["duckdb", "spark"], required=True)
    parser.add_argument("--export", required=True, help="an `assay export` directory (its records.parquet)")
    parser.add_argument("--scores", required=True, help="`assay score --profile assay-sla-v1` output for the window")
    parser.add_argument("--sql", default=os.path.join(HERE, "assay-sla-v1.sql"))
    parser.add_argument("--profile", default=os.path.join(HERE, "..", "..", "spec", "profiles", "assay-sla-v1.json"))
    args = parser.parse_args(argv)
    scores = json.load(open(args.scores, encoding="utf-8"))
    profile = json.load(open(args.profile, encoding="utf-8"))
    if scores["profile"]["id"] != "assay-sla-v1":
        sys.stderr.write("check.py: %s is scored under %s; the SQL computes assay-sla-v1\n" % (args.scores, scores["profile"]["id"]))
        return 2
    started = time.monotonic()
    engine = (DuckDB if args.engine == "duckdb" else Spark)(os.path.join(args.export, "records.parquet"))
    engine.run(params_sql(scores, profile))
    for statement in statements(args.sql):
        engine.run(statement)
    differences = []
    ambiguous = engine.rows("ambiguous_keys")
    if ambiguous:
        differences.append("%d job keys have several gateway records; §4's smallest-hash choice needs the canonical bytes, "
                           "which the SQL does not have (the first: %s)" % (len(ambiguous), ambiguous[0]))
    live_bench, job_bench, live, jobs = expected(scores)
    got = {(r["pipeline"], r["model"], r["metric"]): (r["bench_rows"], r["good"], r["bad"]) for r in engine.rows("live_benchmarks")}
    got_jobs = {(r["kind"], r["pipeline"], r["model"]): (r["bench_rows"], r["good"], r["bad"]) for r in engine.rows("job_benchmarks")}
    for name, want, have in (("live benchmark", live_bench, got), ("job benchmark", job_bench, got_jobs)):
        for key in sorted(set(want) | set(have), key=str):
            # A benchmark assay score lists without rows is one the SQL has no row for.
            if want.get(key, (0, None, None)) != have.get(key, (0, None, None)):
                differences.append("%s %s: assay score %s, SQL %s" % (name, key, want.get(key), have.get(key)))
    for name, want, view, key_of in (
            ("live group", live, "live_groups", lambda r: (r["orchestrator"], r["pipeline"], r["model"])),
            ("job group", jobs, "job_groups", lambda r: (r["kind"], r["orchestrator"], r["pipeline"], r["model"]))):
        have = {key_of(r): r for r in engine.rows(view)}
        for key in sorted(set(want) | set(have), key=str):
            if key not in have or key not in want:
                differences.append("%s %s: only in %s" % (name, key, "assay score" if key in want else "the SQL"))
                continue
            for field, value in want[key].items():
                if have[key][field] != value:
                    differences.append("%s %s %s: assay score %s, SQL %s" % (name, key, field, value, have[key][field]))
    seconds = time.monotonic() - started
    counted = "%d live and %d job groups, %d live and %d job benchmarks" % (len(live), len(jobs), len(live_bench) // 3, len(job_bench))
    if differences:
        for line in differences[:50]:
            print("DIFFERS  " + line)
        print("%s: %d differences over %s (%.1f s)" % (engine.name, len(differences), counted, seconds))
        return 1
    print("%s agrees with assay score on every number of %s (%.1f s)" % (engine.name, counted, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
