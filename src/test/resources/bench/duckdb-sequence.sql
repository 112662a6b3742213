-- kldrift's sequence-layout report (tail-bucket mode), its core figures computed by DuckDB: the
-- SQL a DuckDB user would write to get what `jobs/drift-report --config kldrift.properties` reports
-- for top-k logs with the student's log-probs at the teacher's ids. jobs/bench --sequences runs it
-- (src/test/java/io/kldrift/bench/SequenceBench.java) and checks every figure against kldrift's.
--
-- Placeholders, replaced before the run (values are escaped for a quoted SQL string):
--   ${teacher}  Parquet glob of the teacher table (sequence_id, segment, completion_mask,
--               topk_ids, topk_logprobs, target_ids, target_logprob)
--   ${student}  Parquet glob of the student table (sequence_id, topk_ids, topk_logprobs,
--               logprobs_at_teacher, target_logprob)
--   ${out}      folder the result files are written to
--
-- Per counted position (mask true), p the teacher, q the student, A the teacher's listed ids where
-- both log-probabilities are reported (above -9999):
--   KL = sum_{i in A} p_i (ln p_i - ln q_i) + (1 - P_A) ln((1 - P_A) / (1 - Q_A)),
-- 1 - P_A = -expm1(ln P_A) clamped to [0, 1] (DuckDB has no expm1: exp(x) - 1, with its Taylor
-- series near 0; log-probabilities are at most 0, so the sums of exp cannot overflow), a zero
-- student tail replaced by epsilon 1e-12; a side's top-1 is its listed id with the largest
-- log-probability (ties: the smaller id). The actual next token (target_ids, each side's
-- target_logprob): over counted positions with a target id >= 0 and both log-probabilities
-- reported, each model's NLL = -log-prob of the target, delta p = p_student - p_teacher of the target,
-- and whether each model's top-1 is the target. Not checked here, unlike kldrift: the row rules
-- (duplicate keys, list lengths, normalization, token ids, NaN).

-- 1. Per matched sequence and position bucket (0, 1-3, 4-15, 16-63, 64-255, 256-1023, 1024+):
--    counted positions, sum of KL, positions whose top-1 ids agree, sum of the teacher's tail mass
--    (over all its listed ids), and the target sums. Every figure below is a sum of these.
CREATE OR REPLACE TEMP TABLE seq_bucket AS
WITH j AS (
  SELECT t.sequence_id, t.segment, t.completion_mask AS m,
         t.topk_ids AS ti, t.topk_logprobs AS tl,
         s.topk_ids AS si, s.topk_logprobs AS sl, s.logprobs_at_teacher AS al,
         t.target_ids AS tg, t.target_logprob AS ttl, s.target_logprob AS stl
  FROM read_parquet('${teacher}') t JOIN read_parquet('${student}') s USING (sequence_id)),
u AS (
  SELECT sequence_id, segment,
         unnest(range(len(tl))) AS position, unnest(m) AS counted,
         unnest(ti) AS ti, unnest(tl) AS tl, unnest(si) AS si, unnest(sl) AS sl, unnest(al) AS al,
         unnest(tg) AS tg, unnest(ttl)::DOUBLE AS ttl, unnest(stl)::DOUBLE AS stl
  FROM j),
c AS (
  SELECT sequence_id, segment, position, tg, ttl, stl,
         tg >= 0 AND ttl > -9999 AND stl > -9999 AND ttl < 'inf'::DOUBLE
           AND stl < 'inf'::DOUBLE AS tk,
         list_filter(list_zip(tl::DOUBLE[], al::DOUBLE[]),
                     lambda e: e[1] > -9999 AND e[2] > -9999) AS cells,
         list_filter(tl::DOUBLE[], lambda x: x > -9999) AS t_listed,
         -list_max(list_transform(list_zip(tl, ti), lambda e:
             CASE WHEN e[1] > -9999 THEN {'lp': e[1], 'neg_id': -e[2]} END)).neg_id AS t_top1,
         -list_max(list_transform(list_zip(sl, si), lambda e:
             CASE WHEN e[1] > -9999 THEN {'lp': e[1], 'neg_id': -e[2]} END)).neg_id AS s_top1
  FROM u WHERE counted),
f AS (
  SELECT sequence_id, segment, position, t_top1, s_top1, tg, ttl, stl, tk,
         coalesce(list_sum(list_transform(cells, lambda e: exp(e[1]) * (e[1] - e[2]))), 0) AS kl_cells,
         ln(list_sum(list_transform(cells, lambda e: exp(e[1])))) AS lse_p,
         ln(list_sum(list_transform(cells, lambda e: exp(e[2])))) AS lse_q,
         ln(list_sum(list_transform(t_listed, lambda x: exp(x)))) AS lse_t
  FROM c),
g AS (
  SELECT *,
         -- -expm1(x) for x = ln P <= 0, clamped to [0, 1]; no cells: the tail holds everything
         CASE WHEN lse_p IS NULL THEN 1.0 ELSE greatest(0.0, least(1.0,
           CASE WHEN lse_p > -1e-5 THEN -(lse_p + lse_p * lse_p / 2 + lse_p * lse_p * lse_p / 6)
                ELSE 1 - exp(lse_p) END)) END AS pt,
         CASE WHEN lse_q IS NULL THEN 1.0 ELSE greatest(0.0, least(1.0,
           CASE WHEN lse_q > -1e-5 THEN -(lse_q + lse_q * lse_q / 2 + lse_q * lse_q * lse_q / 6)
                ELSE 1 - exp(lse_q) END)) END AS qt,
         CASE WHEN lse_t IS NULL THEN 1.0 ELSE greatest(0.0, least(1.0,
           CASE WHEN lse_t > -1e-5 THEN -(lse_t + lse_t * lse_t / 2 + lse_t * lse_t * lse_t / 6)
                ELSE 1 - exp(lse_t) END)) END AS teacher_tail
  FROM f)
SELECT sequence_id, segment,
       CASE WHEN position = 0 THEN 0 WHEN position < 4 THEN 1 WHEN position < 16 THEN 2
            WHEN position < 64 THEN 3 WHEN position < 256 THEN 4 WHEN position < 1024 THEN 5
            ELSE 6 END AS bucket,
       count(*) AS n,
       sum(kl_cells + CASE WHEN pt > 0 THEN pt * ln(pt / CASE WHEN qt > 0 THEN qt ELSE 1e-12 END)
                           ELSE 0 END) AS kl_sum,
       count(*) FILTER (WHERE t_top1 = s_top1) AS agree_n,
       sum(teacher_tail) AS tail_sum,
       count(*) FILTER (WHERE tk) AS target_n,
       coalesce(sum(-ttl) FILTER (WHERE tk), 0) AS t_nll_sum,
       coalesce(sum(-stl) FILTER (WHERE tk), 0) AS s_nll_sum,
       coalesce(sum(exp(stl) - exp(ttl)) FILTER (WHERE tk), 0) AS dp_sum,
       coalesce(sum((exp(stl) - exp(ttl)) ^ 2) FILTER (WHERE tk), 0) AS dp_sq_sum,
       count(*) FILTER (WHERE tk AND t_top1 = tg) AS t_hits,
       count(*) FILTER (WHERE tk AND s_top1 = tg) AS s_hits
FROM g GROUP BY ALL;

-- 2. Per sequence: counted positions and the mean KL over them.
CREATE OR REPLACE TEMP TABLE seq_mean AS
SELECT sequence_id, any_value(segment) AS segment, sum(n) AS n, sum(kl_sum) / sum(n) AS kl_mean
FROM seq_bucket GROUP BY sequence_id;

-- 3. Global: rows, matched sequences, counted positions, token- and sequence-weighted mean KL,
--    top-1 agreement, the teacher's tail mass; the target figures: positions with a known target,
--    each model's mean NLL and perplexity, ln(PPL(student) / PPL(teacher)), delta p's mean and
--    RMS, each model's accuracy.
COPY (
  SELECT (SELECT count(*) FROM read_parquet('${teacher}')) AS teacher_rows,
         (SELECT count(*) FROM read_parquet('${student}')) AS student_rows,
         (SELECT count(*) FROM read_parquet('${teacher}') t
            JOIN read_parquet('${student}') s USING (sequence_id)) AS matched,
         sum(n) AS counted_positions,
         sum(kl_sum) / sum(n) AS kl_mean,
         sum(agree_n) / sum(n) AS agreement,
         sum(tail_sum) / sum(n) AS teacher_tail_mass,
         (SELECT count(*) FROM seq_mean) AS sequences_with_positions,
         (SELECT avg(kl_mean) FROM seq_mean) AS sequence_kl_mean,
         sum(target_n) AS target_n,
         sum(t_nll_sum) / sum(target_n) AS teacher_nll_mean,
         sum(s_nll_sum) / sum(target_n) AS student_nll_mean,
         exp(sum(t_nll_sum) / sum(target_n)) AS teacher_ppl,
         exp(sum(s_nll_sum) / sum(target_n)) AS student_ppl,
         (sum(s_nll_sum) - sum(t_nll_sum)) / sum(target_n) AS ln_ppl_ratio,
         sum(dp_sum) / sum(target_n) AS delta_p_mean,
         sqrt(sum(dp_sq_sum) / sum(target_n)) AS delta_p_rms,
         sum(t_hits) / sum(target_n) AS teacher_accuracy,
         sum(s_hits) / sum(target_n) AS student_accuracy
  FROM seq_bucket
) TO '${out}/global.parquet' (FORMAT parquet);

-- 4. Per slice (segment): token-weighted mean KL, sequence-weighted mean KL, agreement.
COPY (
  SELECT p.segment, p.n, p.kl_mean, p.agreement, s.sequences, s.sequence_kl_mean
  FROM (SELECT segment, sum(n) AS n, sum(kl_sum) / sum(n) AS kl_mean,
               sum(agree_n) / sum(n) AS agreement
        FROM seq_bucket GROUP BY segment) p
  JOIN (SELECT segment, count(*) AS sequences, avg(kl_mean) AS sequence_kl_mean
        FROM seq_mean GROUP BY segment) s USING (segment)
  ORDER BY segment
) TO '${out}/per_slice.parquet' (FORMAT parquet);

-- 5. By position bucket: counted positions, mean KL, share of the KL mass, agreement.
COPY (
  SELECT (['0', '1-3', '4-15', '16-63', '64-255', '256-1023', '1024+'])[bucket + 1] AS bucket,
         sum(n) AS positions, sum(kl_sum) / sum(n) AS kl_mean,
         sum(kl_sum) / (SELECT sum(kl_sum) FROM seq_bucket) AS kl_share,
         sum(agree_n) / sum(n) AS agreement
  FROM seq_bucket GROUP BY seq_bucket.bucket ORDER BY seq_bucket.bucket
) TO '${out}/by_position.parquet' (FORMAT parquet);
