-- bench/report.lua: wrk script that prints one machine-readable summary line.
-- Latencies are in microseconds; errors are socket errors (connect, read,
-- write, timeout), non2xx the answers whose status was not 2xx/3xx.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH rps=%.1f p50_us=%d p99_us=%d requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
