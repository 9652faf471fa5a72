using System.Diagnostics;
using Capacity.V1;
using Grpc.Core;
using HdrHistogram;

namespace Capacity.Bench;

sealed record LoadResult(long Requests, long Errors, string? FirstError, HistogramBase Latency, long[] PerSecond);

/// <summary>
/// Closed loop: each worker sends its next request as soon as the previous one returns. Only calls
/// that complete inside the measured window count, so warm-up and the tail after it are left out.
/// </summary>
sealed class LoadRun(RawMatching client, FindProvidersRequest[] pool, int concurrency, int warmupS, int durationS)
{
    // Microseconds; anything slower than a minute is clamped rather than thrown on.
    const long HighestMicros = 60_000_000;

    readonly long[] _perSecond = new long[durationS];
    long _errors;
    string? _firstError;
    long _measureFrom, _end;

    public async Task<LoadResult> RunAsync()
    {
        var start = Stopwatch.GetTimestamp();
        _measureFrom = start + warmupS * Stopwatch.Frequency;
        _end = _measureFrom + durationS * Stopwatch.Frequency;

        var histograms = Enumerable.Range(0, concurrency).Select(_ => new LongHistogram(HighestMicros, 3)).ToArray();
        var workers = histograms.Select((h, i) => Task.Run(() => WorkerAsync(i, h)));
        // A hung service must not hang the benchmark.
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(warmupS + durationS + 60));

        var latency = new LongHistogram(HighestMicros, 3);
        foreach (var h in histograms) latency.Add(h);
        return new LoadResult(latency.TotalCount, _errors, _firstError, latency, _perSecond);
    }

    async Task WorkerAsync(int index, LongHistogram histogram)
    {
        // Workers start at different places in the pool so they do not send the same request in lockstep.
        var next = index * pool.Length / concurrency;
        while (true)
        {
            var sent = Stopwatch.GetTimestamp();
            if (sent >= _end) return;
            var request = pool[next++ % pool.Length];
            try
            {
                await client.FindProvidersAsync(request);
                var done = Stopwatch.GetTimestamp();
                if (!InWindow(done)) continue;
                histogram.RecordValue(Math.Min(HighestMicros, (done - sent) * 1_000_000 / Stopwatch.Frequency));
                Interlocked.Increment(ref _perSecond[(done - _measureFrom) / Stopwatch.Frequency]);
            }
            catch (RpcException e)
            {
                if (InWindow(Stopwatch.GetTimestamp())) Interlocked.Increment(ref _errors);
                if (Interlocked.CompareExchange(ref _firstError, $"{e.StatusCode}: {e.Status.Detail} (request: {request})", null) is null)
                    Console.Error.WriteLine($"first error: {_firstError}");
            }
        }
    }

    bool InWindow(long timestamp) => timestamp >= _measureFrom && timestamp < _end;
}
