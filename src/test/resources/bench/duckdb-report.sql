-- kldrift's drift report, computed by DuckDB: the SQL script a DuckDB user would write to get the
-- same figures as `jobs/drift-report --conf input.slice_columns=segment` with the job's defaults.
-- jobs/bench runs it (variant e) through the DuckDB JDBC driver and checks it against kldrift.
--
-- Placeholders, replaced before the run (values are escaped for a quoted SQL string):
--   ${teacher}  Parquet glob of the teacher table (example_id, probs array<float>, label, segment)
--   ${student}  Parquet glob of the student table (example_id, probs array<float>)
--   ${out}      existing folder that receives one Parquet file per result table
-- The job's defaults written out here: validate.sum_tolerance 1e-3, metrics.epsilon 1e-12
-- (ln(1e-12) below), report.kl_levels 0.01, 0.1, 1; histogram from 1e-6 to 100 with 4 bins per
-- decade; quantiles p50, p90, p95, p99 (exact: quantile_cont).
-- Every statement ends with a semicolon at the end of a line (the runner splits there).

-- 1. Read each table once, keeping the vectors (FLOAT[], as stored: every sum below is taken in
--    double precision, as kldrift computes) and what the row rules need. A sum that is not finite
--    means an element that is not (NaN or an infinity).
CREATE OR REPLACE TEMP TABLE t AS
SELECT example_id, label, segment, probs AS p,
       len(probs) AS n, list_sum(probs) AS total, list_min(probs) AS smallest
FROM read_parquet('${teacher}');

CREATE OR REPLACE TEMP TABLE s AS
SELECT example_id, probs AS p,
       len(probs) AS n, list_sum(probs) AS total, list_min(probs) AS smallest
FROM read_parquet('${student}');

-- 2. Row rules, each row under the first rule it breaks, in kldrift's order: null_key,
--    duplicate_key (every copy), null_vector, empty_vector, wrong_length (the class count is the
--    teacher's most common length), not_finite, negative_probability, not_normalized.
CREATE OR REPLACE MACRO row_rule(k, dup, n, total, smallest, expected) AS CASE
  WHEN k IS NULL THEN 'null_key'
  WHEN dup THEN 'duplicate_key'
  WHEN n IS NULL THEN 'null_vector'
  WHEN n = 0 THEN 'empty_vector'
  WHEN n <> expected THEN 'wrong_length'
  WHEN NOT isfinite(total) THEN 'not_finite'
  WHEN smallest < 0 THEN 'negative_probability'
  WHEN abs(total - 1) > 1e-3 THEN 'not_normalized'
END;

CREATE OR REPLACE TEMP TABLE t_dup AS
SELECT example_id FROM t WHERE example_id IS NOT NULL GROUP BY example_id HAVING count(*) > 1;

CREATE OR REPLACE TEMP TABLE s_dup AS
SELECT example_id FROM s WHERE example_id IS NOT NULL GROUP BY example_id HAVING count(*) > 1;

CREATE OR REPLACE TEMP TABLE num_classes AS
SELECT mode(n) AS c
FROM t
WHERE example_id IS NOT NULL AND n > 0 AND example_id NOT IN (SELECT example_id FROM t_dup);

CREATE OR REPLACE TEMP VIEW t_checked AS
SELECT *, row_rule(example_id, example_id IN (SELECT example_id FROM t_dup), n, total, smallest,
                   (SELECT c FROM num_classes)) AS rule
FROM t;

CREATE OR REPLACE TEMP VIEW s_checked AS
SELECT *, row_rule(example_id, example_id IN (SELECT example_id FROM s_dup), n, total, smallest,
                   (SELECT c FROM num_classes)) AS rule
FROM s;

COPY (
  WITH rules(rule, ord) AS (VALUES ('null_key', 1), ('duplicate_key', 2), ('null_vector', 3),
         ('empty_vector', 4), ('wrong_length', 5), ('not_finite', 6),
         ('negative_probability', 7), ('not_normalized', 8)),
  broken AS (
    SELECT 'teacher' AS side, rule, count(*) AS rows, min(example_id) AS example_key
    FROM t_checked WHERE rule IS NOT NULL GROUP BY rule
    UNION ALL
    SELECT 'student', rule, count(*), min(example_id) FROM s_checked WHERE rule IS NOT NULL GROUP BY rule)
  SELECT side, rules.rule, coalesce(rows, 0) AS rows, example_key
  FROM (VALUES ('teacher'), ('student')) sides(side) CROSS JOIN rules
  LEFT JOIN broken USING (side, rule)
  ORDER BY side DESC, ord
) TO '${out}/validation.parquet' (FORMAT parquet);

-- 3. The join: a full outer join of the rows that pass gives matched and unmatched counts.
COPY (
  SELECT (SELECT count(*) FROM t) AS teacher_rows,
         (SELECT count(*) FROM s) AS student_rows,
         count(*) FILTER (WHERE tk IS NOT NULL AND sk IS NOT NULL) AS matched,
         count(*) FILTER (WHERE sk IS NULL) AS teacher_only,
         count(*) FILTER (WHERE tk IS NULL) AS student_only,
         (SELECT c FROM num_classes) AS num_classes
  FROM (SELECT example_id AS tk FROM t_checked WHERE rule IS NULL) tt
  FULL OUTER JOIN (SELECT example_id AS sk FROM s_checked WHERE rule IS NULL) ss ON tk = sk
) TO '${out}/inputs.parquet' (FORMAT parquet);

CREATE OR REPLACE TEMP VIEW joined AS
SELECT t.example_id, t.label, t.segment, t.p, s.p AS q
FROM t_checked t JOIN s_checked s USING (example_id)
WHERE t.rule IS NULL AND s.rule IS NULL;

-- 4. Per-example metrics, as kldrift defines them (kernel/Divergences.java): classes with P = 0
--    add nothing to KL(P||Q); P > 0 where Q = 0 is a support violation, with ln Q clipped to
--    ln(1e-12); the reverse direction likewise; JS in nats, clipped to [0, ln 2]; top-1 is the
--    first index of the largest probability. One row per (example, class), each logarithm taken
--    once: lp and lq are ln P and ln Q with 0 clipped to 1e-12 (0 * ln(1e-12) = 0 keeps the
--    P = 0 rule), lm is ln of the mixture. unnest streams, so wide vectors need no more memory.
CREATE OR REPLACE TEMP TABLE ex_sums AS
WITH e AS (
  SELECT example_id, unnest(p)::DOUBLE AS x, unnest(q)::DOUBLE AS y FROM joined),
l AS (
  SELECT example_id, x, y,
         CASE WHEN x > 0 THEN ln(x) ELSE ln(1e-12) END AS lp,
         CASE WHEN y > 0 THEN ln(y) ELSE ln(1e-12) END AS lq,
         CASE WHEN x + y > 0 THEN ln(0.5 * (x + y)) ELSE 0 END AS lm
  FROM e)
SELECT example_id,
       sum(x * (lp - lq)) AS kl,
       sum(y * (lq - lp)) AS reverse_kl,
       0.5 * sum(x * (lp - lm) + y * (lq - lm)) AS js_raw,
       -sum(x * lp) AS teacher_entropy,
       -sum(y * lq) AS student_entropy,
       -sum(x * lq) AS cross_entropy,
       0.5 * sum(abs(x - y)) AS total_variation,
       count_if(x > 0 AND y = 0) AS support_violations,
       count_if(y > 0 AND x = 0) AS reverse_support_violations
FROM l GROUP BY example_id;

-- Top-1 class (first index of the largest probability) and its probability, per side, from each
-- table's own scan: joining the sums by key needs no second join of the vectors.
CREATE OR REPLACE TEMP TABLE ex AS
WITH tt AS (
  SELECT example_id, label, segment,
         list_position(p, list_max(p)) - 1 AS teacher_top1, list_max(p)::DOUBLE AS teacher_confidence
  FROM t_checked WHERE rule IS NULL),
ss AS (
  SELECT example_id,
         list_position(p, list_max(p)) - 1 AS student_top1, list_max(p)::DOUBLE AS student_confidence
  FROM s_checked WHERE rule IS NULL)
SELECT m.example_id, tt.label, tt.segment, m.* EXCLUDE (example_id, js_raw),
       least(greatest(m.js_raw, 0), ln(2)) AS js,
       tt.teacher_top1, ss.student_top1, tt.teacher_confidence, ss.student_confidence,
       (tt.teacher_top1 = ss.student_top1)::DOUBLE AS agreement,
       -- kldrift's log-spaced KL histogram: bin 0 below 1e-6 (and 0), bin i in
       -- [10^(-6 + (i-1)/4), 10^(-6 + i/4)), bin 33 at or above 100.
       CASE WHEN m.kl < 1e-6 THEN 0
            ELSE least(greatest(floor((log10(m.kl) + 6) * 4)::INTEGER + 1, 1), 33) END AS kl_bin
FROM ex_sums m JOIN tt USING (example_id) JOIN ss USING (example_id);

DROP TABLE ex_sums;

-- 5. Per-class sums over the joined vectors: KL contributions, mean probabilities, violations.
CREATE OR REPLACE TEMP TABLE class_sums AS
WITH e AS (
  SELECT generate_subscripts(p, 1) - 1 AS c, unnest(p)::DOUBLE AS x, unnest(q)::DOUBLE AS y FROM joined)
SELECT c,
       sum(CASE WHEN x > 0 THEN x * (ln(x) - CASE WHEN y > 0 THEN ln(y) ELSE ln(1e-12) END) ELSE 0 END) AS kl_sum,
       sum(x) AS p_sum, sum(y) AS q_sum, count_if(x > 0 AND y = 0) AS violations, count(*) AS n
FROM e GROUP BY c;

-- 6. Global summaries: moments of every metric, quantiles of the divergences, shares above the KL
--    levels, support violations, accuracies, marginal KL = KL(mean P || mean Q).
COPY (
  WITH long AS (
    UNPIVOT (SELECT kl, reverse_kl, js, teacher_entropy, student_entropy, cross_entropy,
                    total_variation, teacher_confidence, student_confidence, agreement FROM ex)
    ON COLUMNS(*) INTO NAME metric VALUE v)
  SELECT metric, count(v) AS n, avg(v) AS mean, stddev_samp(v) AS std, min(v) AS min,
         quantile_cont(v, [0.5, 0.9, 0.95, 0.99])
           FILTER (WHERE metric IN ('kl', 'reverse_kl', 'js', 'total_variation')) AS q,
         max(v) AS max
  FROM long GROUP BY metric ORDER BY metric
) TO '${out}/global.parquet' (FORMAT parquet);

COPY (
  WITH mp AS (SELECT c, p_sum / n AS mp, q_sum / n AS mq FROM class_sums)
  SELECT avg((kl > 0.01)::DOUBLE) AS share_above_0_01,
         avg((kl > 0.1)::DOUBLE) AS share_above_0_1,
         avg((kl > 1.0)::DOUBLE) AS share_above_1,
         count_if(support_violations > 0) AS violating_examples,
         sum(support_violations) AS violations_total,
         count_if(reverse_support_violations > 0) AS reverse_violating_examples,
         avg(CASE WHEN teacher_top1 = label THEN 1.0 ELSE 0.0 END) AS teacher_accuracy,
         avg(CASE WHEN student_top1 = label THEN 1.0 ELSE 0.0 END) AS student_accuracy,
         avg(cross_entropy) - avg(teacher_entropy) AS kl_decomposition_difference,
         (SELECT sum(CASE WHEN mp > 0 THEN mp * (ln(mp) - CASE WHEN mq > 0 THEN ln(mq) ELSE ln(1e-12) END) ELSE 0 END)
          FROM mp) AS marginal_kl
  FROM ex
) TO '${out}/global_extra.parquet' (FORMAT parquet);

COPY (
  SELECT b.bin,
         CASE WHEN b.bin > 0 THEN pow(10, -6 + (b.bin - 1) / 4) END AS lower_edge,
         CASE WHEN b.bin < 33 THEN pow(10, -6 + b.bin / 4) END AS upper_edge,
         coalesce(h.n, 0) AS count
  FROM (SELECT range::INTEGER AS bin FROM range(34)) b
  LEFT JOIN (SELECT kl_bin, count(*) AS n FROM ex GROUP BY kl_bin) h ON h.kl_bin = b.bin
  ORDER BY b.bin
) TO '${out}/kl_histogram.parquet' (FORMAT parquet);

-- 7. Per slice (segment): n, moments and quantiles of KL and JS, agreement.
COPY (
  SELECT 'segment' AS slice_column, segment::VARCHAR AS slice_value, count(*) AS n,
         avg(kl) AS kl_mean, stddev_samp(kl) AS kl_std, min(kl) AS kl_min,
         quantile_cont(kl, [0.5, 0.9, 0.95, 0.99]) AS kl_q, max(kl) AS kl_max,
         avg(js) AS js_mean, stddev_samp(js) AS js_std, quantile_cont(js, [0.5, 0.9, 0.95, 0.99]) AS js_q,
         avg(agreement) AS agreement, stddev_samp(agreement) AS agreement_std
  FROM ex GROUP BY segment ORDER BY slice_value NULLS FIRST
) TO '${out}/per_slice.parquet' (FORMAT parquet);

-- 8. Per class: contributions and marginals, then by teacher top-1, student top-1 and label.
COPY (
  WITH by_top1 AS (
    SELECT teacher_top1 AS c, count(*) AS n, avg(kl) AS mean_kl,
           quantile_cont(kl, 0.95) AS p95_kl, avg(agreement) AS agreement
    FROM ex GROUP BY 1),
  by_student AS (SELECT student_top1 AS c, count(*) AS n FROM ex GROUP BY 1),
  by_label AS (
    SELECT label AS c, count(*) AS n, avg(kl) AS mean_kl, quantile_cont(kl, 0.95) AS p95_kl,
           avg(CASE WHEN teacher_top1 = label THEN 1.0 ELSE 0.0 END) AS teacher_accuracy,
           avg(CASE WHEN student_top1 = label THEN 1.0 ELSE 0.0 END) AS student_accuracy
    FROM ex WHERE label IS NOT NULL GROUP BY 1),
  cs AS (SELECT c, kl_sum / n AS kl_contribution, p_sum / n AS mp, q_sum / n AS mq, violations FROM class_sums)
  SELECT cs.c AS class_index, 'class_' || cs.c AS class_name, kl_contribution,
         kl_contribution / (SELECT avg(kl) FROM ex) AS kl_share,
         mp AS teacher_mean_prob, mq AS student_mean_prob,
         CASE WHEN mp > 0 THEN mp * (ln(mp) - CASE WHEN mq > 0 THEN ln(mq) ELSE ln(1e-12) END) ELSE 0 END AS marginal_kl_term,
         violations AS support_violations,
         coalesce(t1.n, 0) AS teacher_top1_count, t1.mean_kl AS teacher_top1_mean_kl,
         t1.p95_kl AS teacher_top1_p95_kl, t1.agreement AS teacher_top1_agreement,
         coalesce(s1.n, 0) AS student_top1_count,
         coalesce(lb.n, 0) AS label_count, lb.mean_kl AS label_mean_kl, lb.p95_kl AS label_p95_kl,
         lb.teacher_accuracy AS label_teacher_accuracy, lb.student_accuracy AS label_student_accuracy
  FROM cs LEFT JOIN by_top1 t1 USING (c) LEFT JOIN by_student s1 USING (c) LEFT JOIN by_label lb USING (c)
  ORDER BY class_index
) TO '${out}/per_class.parquet' (FORMAT parquet);

-- 9. The 20 most frequent top-1 confusions (teacher top-1 <> student top-1) and the 20 examples
--    with the highest KL; ties broken by class index and by key, so the result is deterministic.
COPY (
  SELECT teacher_top1 AS teacher_class_index, student_top1 AS student_class_index,
         count(*) AS count, avg(kl) AS mean_kl
  FROM ex WHERE teacher_top1 <> student_top1
  GROUP BY ALL ORDER BY count DESC, teacher_class_index, student_class_index LIMIT 20
) TO '${out}/confusion.parquet' (FORMAT parquet);

COPY (
  SELECT example_id, segment, label, kl, reverse_kl, js, cross_entropy, teacher_entropy,
         teacher_top1, student_top1, teacher_confidence, student_confidence, support_violations
  FROM ex ORDER BY kl DESC, example_id LIMIT 20
) TO '${out}/worst_examples.parquet' (FORMAT parquet);
