package io.kldrift.summary;

/**
 * One run on the report's trend chart: its date, mean and p99 KL, and the warn and alert levels of
 * the global mean-KL threshold check (null when none is configured).
 */
public record TrendPoint(String runDate, Double klMean, Double klP99, Double warn, Double alert) {}
