using System.Diagnostics;
using Capacity.V1;
using Grpc.Core;
using HdrHistogram;

namespace Capacity.Bench;

sealed record OpenLoopResult(int TargetRps, long Sent, long Completed, long Errors, string? FirstError, HistogramBase Latency);

/// <summary>
/// Open loop: requests leave at a fixed rate whether or not earlier ones have returned, as
/// coordinators' searches do. Latency is counted from the moment a request was due to leave, so
/// a service that falls behind shows its queueing in the figures (no coordinated omission).
/// </summary>
sealed class OpenLoop(RawMatching client, FindProvidersRequest[] pool, int ratePerSecond, int durationS)
{
    long _errors, _completed;
    string? _firstError;

    public async Task<OpenLoopResult> RunAsync(CancellationToken cancel = default)
    {
        var latency = new LongConcurrentHistogram(1, 60_000_000, 3);
        var inFlight = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        var interval = (double)Stopwatch.Frequency / ratePerSecond;
        var total = (long)ratePerSecond * durationS;
        long sent = 0;
        while (sent < total && !cancel.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            // Send every request that is due by now, each stamped with the moment it was due.
            while (sent < total && start + (long)(sent * interval) <= now)
            {
                var due = start + (long)(sent * interval);
                inFlight.Add(SendAsync(pool[sent % pool.Length], due, latency));
                sent++;
            }
            if (inFlight.Count > 4096) inFlight.RemoveAll(t => t.IsCompleted);
            await Task.Delay(1, cancel);
        }
        await Task.WhenAll(inFlight).WaitAsync(TimeSpan.FromSeconds(60), cancel);
        return new OpenLoopResult(ratePerSecond, sent, _completed, _errors, _firstError, latency);
    }

    async Task SendAsync(FindProvidersRequest request, long due, LongConcurrentHistogram latency)
    {
        try
        {
            await client.FindProvidersAsync(request);
            latency.RecordValue(Math.Clamp((Stopwatch.GetTimestamp() - due) * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
            Interlocked.Increment(ref _completed);
        }
        catch (RpcException e)
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
        }
    }
}
