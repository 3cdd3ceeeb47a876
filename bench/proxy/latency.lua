-- wrk script for the proxy matrix: prints the percentiles wrk's --latency leaves out (p99.9, max)
-- and the error counts, in microseconds, on one line the benchmark parses.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("MATRIX p50=%d p99=%d p999=%d max=%d requests=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
    summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
end
