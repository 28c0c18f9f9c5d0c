-- The aggregates of the assay-sla-v1 scoring profile (spec/scoring.md §4-§7) over the records of an export
-- (spec/export.md), in SQL that runs unchanged on DuckDB and on Spark SQL. Inputs, made by the caller
-- (verify/sql/check.py): a view `records` (the export's Parquet) and a one-row view `params`: the window
-- [window_first_ms, window_end_ms), the benchmark days [bench_first_ms, bench_end_ms), and the profile's numbers.
-- Outputs: the views `live_benchmarks`, `job_benchmarks`, `live_groups`, `job_groups` and `ambiguous_keys`.
--
-- Arithmetic (spec/scoring.md §2) is exact integer arithmetic done in doubles (literals written 2E0, 1E2, 2E6 are
-- doubles in both engines; 2.0 would be a decimal in Spark): every operand stays below 2^53, so a quotient is exact
-- or off by less than its distance to the next integer. div(a, b), a >= 0, b > 0, is
-- CAST(FLOOR((2a + b) / (2E0 b)) AS BIGINT); the nearest-rank percentile p of n values is the value of row number
-- max(1, ceil(p n / 100)) in ascending order. SQL has no nearest-rank percentile of its own (DuckDB's quantile_disc
-- and Spark's percentile_disc define the rank differently at the edges), hence the row numbers.

-- The jobs (§4): the gateways' records of the scored kinds, each distinct record once (the export merged copies
-- and left out disputed keys, as §3 does).
CREATE OR REPLACE TEMPORARY VIEW jobs AS
SELECT r.kind, r.orchestrator, r.outcome, r.swap_count, r.status_samples, r.status_samples_expected,
       r.ptff_ms, r.e2e_latency_ms, r.output_fps_mfps, r.success, r.region, r.start_ms,
       CASE WHEN r.kind = 'byoc_job' THEN 'byoc' ELSE r.pipeline END AS pipeline,
       CASE WHEN r.kind = 'byoc_job' THEN r.capability ELSE r.model_id END AS model,
       CASE WHEN r.kind = 'llm_request' THEN r.ttft_ms ELSE r.duration_ms END AS job_latency,
       r.start_ms >= p.window_first_ms AND r.start_ms < p.window_end_ms AS in_window,
       r.start_ms >= p.bench_first_ms AND r.start_ms < p.bench_end_ms AS in_bench,
       r.stream_id, r.request_id, r.attempt
FROM records r CROSS JOIN params p
WHERE r.observer_role = 'gateway' AND r.kind IN ('live_session', 'batch_request', 'llm_request', 'byoc_job');

-- Gateway records that share a job key (§4 picks the one with the smallest SHA-256 of its canonical bytes, which
-- a row of Parquet does not carry): the check requires there are none.
CREATE OR REPLACE TEMPORARY VIEW ambiguous_keys AS
SELECT kind, orchestrator, stream_id, request_id, attempt, COUNT(*) AS records
FROM jobs
WHERE orchestrator IS NOT NULL AND kind <> 'byoc_job' AND (in_window OR in_bench)
GROUP BY kind, orchestrator, stream_id, request_id, attempt
HAVING COUNT(*) > 1;

-- Live benchmark values (§5): every live job of the benchmark days, all orchestrators.
CREATE OR REPLACE TEMPORARY VIEW live_bench_values AS
SELECT pipeline, COALESCE(model, '') AS model, 'ptff' AS metric, ptff_ms AS v FROM jobs WHERE kind = 'live_session' AND in_bench AND ptff_ms IS NOT NULL
UNION ALL
SELECT pipeline, COALESCE(model, ''), 'e2e', e2e_latency_ms FROM jobs WHERE kind = 'live_session' AND in_bench AND e2e_latency_ms IS NOT NULL
UNION ALL
SELECT pipeline, COALESCE(model, ''), 'fps', output_fps_mfps FROM jobs WHERE kind = 'live_session' AND in_bench AND output_fps_mfps IS NOT NULL;

CREATE OR REPLACE TEMPORARY VIEW live_bench_ranked AS
SELECT pipeline, model, metric, v,
       ROW_NUMBER() OVER (PARTITION BY pipeline, model, metric ORDER BY v) AS rn,
       COUNT(*) OVER (PARTITION BY pipeline, model, metric) AS n
FROM live_bench_values;

-- rows, and the good and bad percentiles: latency p50 (good) and p90 (bad), FPS p50 (good) and p10 (bad).
CREATE OR REPLACE TEMPORARY VIEW live_benchmarks AS
SELECT b.pipeline, b.model, b.metric, MAX(b.n) AS bench_rows,
       MAX(CASE WHEN b.rn = GREATEST(1, CAST(CEIL((CASE WHEN b.metric = 'fps' THEN p.fps_good ELSE p.latency_good END) * b.n / 1E2) AS BIGINT)) THEN b.v END) AS good,
       MAX(CASE WHEN b.rn = GREATEST(1, CAST(CEIL((CASE WHEN b.metric = 'fps' THEN p.fps_bad ELSE p.latency_bad END) * b.n / 1E2) AS BIGINT)) THEN b.v END) AS bad
FROM live_bench_ranked b CROSS JOIN params p
GROUP BY b.pipeline, b.model, b.metric;

-- Live groups (§7): per orchestrator, pipeline and model; sessions without an orchestrator are excused.
CREATE OR REPLACE TEMPORARY VIEW live_window AS
SELECT * FROM jobs WHERE kind = 'live_session' AND in_window AND orchestrator IS NOT NULL;

CREATE OR REPLACE TEMPORARY VIEW live_counts AS
SELECT orchestrator, pipeline, COALESCE(model, '') AS model, COUNT(*) AS sessions,
       SUM(CASE WHEN outcome <> 'startup_failed' THEN 1 ELSE 0 END) AS started,
       SUM(CASE WHEN swap_count = 0 THEN 1 ELSE 0 END) AS unswapped,
       SUM(CASE WHEN outcome IN ('completed', 'swapped') THEN 1 ELSE 0 END) AS viable,
       SUM(CASE WHEN status_samples_expected > 0 THEN status_samples ELSE 0 END) AS samples,
       SUM(CASE WHEN status_samples_expected > 0 THEN status_samples_expected ELSE 0 END) AS samples_expected
FROM live_window
GROUP BY orchestrator, pipeline, COALESCE(model, '');

CREATE OR REPLACE TEMPORARY VIEW live_values AS
SELECT orchestrator, pipeline, COALESCE(model, '') AS model, 'ptff' AS metric, ptff_ms AS v FROM live_window WHERE ptff_ms IS NOT NULL
UNION ALL
SELECT orchestrator, pipeline, COALESCE(model, ''), 'e2e', e2e_latency_ms FROM live_window WHERE e2e_latency_ms IS NOT NULL
UNION ALL
SELECT orchestrator, pipeline, COALESCE(model, ''), 'fps', output_fps_mfps FROM live_window WHERE output_fps_mfps IS NOT NULL;

CREATE OR REPLACE TEMPORARY VIEW live_medians AS
SELECT orchestrator, pipeline, model, metric, MAX(n) AS samples,
       MAX(CASE WHEN rn = GREATEST(1, CAST(CEIL(50 * n / 1E2) AS BIGINT)) THEN v END) AS median
FROM (SELECT orchestrator, pipeline, model, metric, v,
             ROW_NUMBER() OVER (PARTITION BY orchestrator, pipeline, model, metric ORDER BY v) AS rn,
             COUNT(*) OVER (PARTITION BY orchestrator, pipeline, model, metric) AS n
      FROM live_values) ranked
GROUP BY orchestrator, pipeline, model, metric;

-- One component (§6) per group and metric: the raw score against the benchmark (latency: at or below good is 1, at
-- or above bad 0, linear between; FPS the other way round), then ½ for a thin benchmark or no samples, else pulled
-- toward ½ below min_samples.
CREATE OR REPLACE TEMPORARY VIEW live_component_inputs AS
SELECT c.orchestrator, c.pipeline, c.model, m.metric, COALESCE(d.samples, 0) AS samples, d.median,
       COALESCE(b.bench_rows, 0) AS bench_rows, b.good, b.bad
FROM live_counts c
CROSS JOIN (SELECT 'ptff' AS metric UNION ALL SELECT 'e2e' AS metric UNION ALL SELECT 'fps' AS metric) m
LEFT JOIN live_medians d ON d.orchestrator = c.orchestrator AND d.pipeline = c.pipeline AND d.model = c.model AND d.metric = m.metric
LEFT JOIN live_benchmarks b ON b.pipeline = c.pipeline AND b.model = c.model AND b.metric = m.metric;

CREATE OR REPLACE TEMPORARY VIEW live_component_raw AS
SELECT i.*,
       CASE
         WHEN i.median IS NULL OR i.good IS NULL THEN NULL
         WHEN i.metric = 'fps' AND i.median >= i.good THEN 1000000
         WHEN i.metric = 'fps' AND i.median <= i.bad THEN 0
         WHEN i.metric = 'fps' THEN CAST(FLOOR((2 * ((i.median - i.bad) * 1000000) + (i.good - i.bad)) / (2E0 * (i.good - i.bad))) AS BIGINT)
         WHEN i.median <= i.good THEN 1000000
         WHEN i.median >= i.bad THEN 0
         ELSE CAST(FLOOR((2 * ((i.bad - i.median) * 1000000) + (i.bad - i.good)) / (2E0 * (i.bad - i.good))) AS BIGINT)
       END AS raw
FROM live_component_inputs i;

CREATE OR REPLACE TEMPORARY VIEW live_components AS
SELECT r.orchestrator, r.pipeline, r.model, r.metric, r.samples, r.median,
       CASE
         WHEN r.bench_rows < p.benchmark_min_rows OR r.samples = 0 THEN 500000
         WHEN r.samples < p.min_samples
           THEN CAST(FLOOR((2 * (r.samples * r.raw + (p.min_samples - r.samples) * 500000) + p.min_samples) / (2E0 * p.min_samples)) AS BIGINT)
         ELSE r.raw
       END AS score
FROM live_component_raw r CROSS JOIN params p;

-- The group's rates, components and score (§7): rate(n, d) = div(n 1 000 000, d); mix = div(Σ w x, 1 000 000).
CREATE OR REPLACE TEMPORARY VIEW live_rates AS
SELECT c.orchestrator, c.pipeline, c.model, c.sessions,
       CAST(FLOOR((2 * (c.started * 1000000) + c.sessions) / (2E0 * c.sessions)) AS BIGINT) AS startup_success,
       CAST(FLOOR((2 * (c.unswapped * 1000000) + c.sessions) / (2E0 * c.sessions)) AS BIGINT) AS no_swap,
       CAST(FLOOR((2 * (c.viable * 1000000) + c.sessions) / (2E0 * c.sessions)) AS BIGINT) AS output_viability,
       CASE WHEN c.samples_expected = 0 THEN 1000000
            ELSE LEAST(1000000, CAST(FLOOR((2 * (c.samples * 1000000) + c.samples_expected) / (2E0 * c.samples_expected)) AS BIGINT)) END AS coverage,
       pt.score AS ptff, pt.median AS ptff_median, pt.samples AS ptff_samples,
       e2.score AS e2e, e2.median AS e2e_median, e2.samples AS e2e_samples,
       fp.score AS fps, fp.median AS fps_median, fp.samples AS fps_samples
FROM live_counts c
JOIN live_components pt ON pt.orchestrator = c.orchestrator AND pt.pipeline = c.pipeline AND pt.model = c.model AND pt.metric = 'ptff'
JOIN live_components e2 ON e2.orchestrator = c.orchestrator AND e2.pipeline = c.pipeline AND e2.model = c.model AND e2.metric = 'e2e'
JOIN live_components fp ON fp.orchestrator = c.orchestrator AND fp.pipeline = c.pipeline AND fp.model = c.model AND fp.metric = 'fps';

CREATE OR REPLACE TEMPORARY VIEW live_mixed AS
SELECT r.*,
       CAST(FLOOR((2 * (p.w_startup_success * r.startup_success + p.w_no_swap * r.no_swap + p.w_output_viability * r.output_viability) + 1000000) / 2E6) AS BIGINT) AS reliability,
       CAST(FLOOR((2 * (p.w_ptff * r.ptff + p.w_e2e * r.e2e) + 1000000) / 2E6) AS BIGINT) AS latency
FROM live_rates r CROSS JOIN params p;

CREATE OR REPLACE TEMPORARY VIEW live_quality AS
SELECT m.*, CAST(FLOOR((2 * (p.w_latency * m.latency + p.w_fps * m.fps) + 1000000) / 2E6) AS BIGINT) AS quality
FROM live_mixed m CROSS JOIN params p;

CREATE OR REPLACE TEMPORARY VIEW live_groups AS
SELECT q.*,
       CAST(FLOOR((2 * (q.coverage * CAST(FLOOR((2 * (p.w_reliability * q.reliability + p.w_quality * q.quality) + 1000000) / 2E6) AS BIGINT)) + 1000000)
                  / 2E6) AS BIGINT) AS score
FROM live_quality q CROSS JOIN params p;

-- Batch, LLM and BYOC jobs (§7): per kind, orchestrator, pipeline and model; their latency field's benchmark over
-- the benchmark days (§5), p50 good and p90 bad.
CREATE OR REPLACE TEMPORARY VIEW job_bench_ranked AS
SELECT kind, pipeline, COALESCE(model, '') AS model, job_latency AS v,
       ROW_NUMBER() OVER (PARTITION BY kind, pipeline, COALESCE(model, '') ORDER BY job_latency) AS rn,
       COUNT(*) OVER (PARTITION BY kind, pipeline, COALESCE(model, '')) AS n
FROM jobs WHERE kind <> 'live_session' AND in_bench AND job_latency IS NOT NULL;

CREATE OR REPLACE TEMPORARY VIEW job_benchmarks AS
SELECT b.kind, b.pipeline, b.model, MAX(b.n) AS bench_rows,
       MAX(CASE WHEN b.rn = GREATEST(1, CAST(CEIL(p.latency_good * b.n / 1E2) AS BIGINT)) THEN b.v END) AS good,
       MAX(CASE WHEN b.rn = GREATEST(1, CAST(CEIL(p.latency_bad * b.n / 1E2) AS BIGINT)) THEN b.v END) AS bad
FROM job_bench_ranked b CROSS JOIN params p
GROUP BY b.kind, b.pipeline, b.model;

CREATE OR REPLACE TEMPORARY VIEW job_window AS
SELECT kind, orchestrator, pipeline, COALESCE(model, '') AS model, success, job_latency
FROM jobs WHERE kind <> 'live_session' AND in_window AND orchestrator IS NOT NULL;

CREATE OR REPLACE TEMPORARY VIEW job_counts AS
SELECT kind, orchestrator, pipeline, model, COUNT(*) AS jobs, SUM(CASE WHEN success THEN 1 ELSE 0 END) AS successes
FROM job_window GROUP BY kind, orchestrator, pipeline, model;

CREATE OR REPLACE TEMPORARY VIEW job_medians AS
SELECT kind, orchestrator, pipeline, model, MAX(n) AS samples,
       MAX(CASE WHEN rn = GREATEST(1, CAST(CEIL(50 * n / 1E2) AS BIGINT)) THEN job_latency END) AS median
FROM (SELECT kind, orchestrator, pipeline, model, job_latency,
             ROW_NUMBER() OVER (PARTITION BY kind, orchestrator, pipeline, model ORDER BY job_latency) AS rn,
             COUNT(*) OVER (PARTITION BY kind, orchestrator, pipeline, model) AS n
      FROM job_window WHERE job_latency IS NOT NULL) ranked
GROUP BY kind, orchestrator, pipeline, model;

CREATE OR REPLACE TEMPORARY VIEW job_component_inputs AS
SELECT c.kind, c.orchestrator, c.pipeline, c.model, c.jobs, c.successes, COALESCE(d.samples, 0) AS samples, d.median,
       COALESCE(b.bench_rows, 0) AS bench_rows, b.good, b.bad
FROM job_counts c
LEFT JOIN job_medians d ON d.kind = c.kind AND d.orchestrator = c.orchestrator AND d.pipeline = c.pipeline AND d.model = c.model
LEFT JOIN job_benchmarks b ON b.kind = c.kind AND b.pipeline = c.pipeline AND b.model = c.model;

CREATE OR REPLACE TEMPORARY VIEW job_component_raw AS
SELECT i.*,
       CASE
         WHEN i.median IS NULL OR i.good IS NULL THEN NULL
         WHEN i.median <= i.good THEN 1000000
         WHEN i.median >= i.bad THEN 0
         ELSE CAST(FLOOR((2 * ((i.bad - i.median) * 1000000) + (i.bad - i.good)) / (2E0 * (i.bad - i.good))) AS BIGINT)
       END AS raw
FROM job_component_inputs i;

CREATE OR REPLACE TEMPORARY VIEW job_groups AS
SELECT g.kind, g.orchestrator, g.pipeline, g.model, g.jobs, g.successes, g.samples AS latency_samples, g.median AS latency_median,
       g.success, g.latency,
       CAST(FLOOR((2 * (p.w_success * g.success + p.w_job_latency * g.latency) + 1000000) / 2E6) AS BIGINT) AS score
FROM (SELECT r.*,
             CAST(FLOOR((2 * (r.successes * 1000000) + r.jobs) / (2E0 * r.jobs)) AS BIGINT) AS success,
             CASE
               WHEN r.bench_rows < p.benchmark_min_rows OR r.samples = 0 THEN 500000
               WHEN r.samples < p.min_samples
                 THEN CAST(FLOOR((2 * (r.samples * r.raw + (p.min_samples - r.samples) * 500000) + p.min_samples) / (2E0 * p.min_samples)) AS BIGINT)
               ELSE r.raw
             END AS latency
      FROM job_component_raw r CROSS JOIN params p) g
CROSS JOIN params p;
