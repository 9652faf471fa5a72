using System.Diagnostics;
using Capacity.V1;
using Grpc.Core;
using HdrHistogram;

namespace Capacity.Bench;

sealed record OpenLoopResult(int TargetRps, long Sent, long Completed, long Errors, string? FirstError, HistogramBase Latency, HistogramBase Lateness);

/// <summary>
/// Open loop: requests leave at a fixed rate whether or not earlier ones have returned, as
/// coordinators' searches do. Latency is counted from the moment a request was due to leave, so
/// a service that falls behind shows its queueing in the figures (no coordinated omission).
/// A dedicated thread paces the requests (Thread.Sleep(1) is about a millisecond here;
/// Task.Delay(1) was two and more); how late each one left is reported as well.
/// </summary>
sealed class OpenLoop(RawMatching client, FindProvidersRequest[] pool, int ratePerSecond, int durationS, int warmupS = 2)
{
    long _errors, _completed;
    string? _firstError;
    readonly LongConcurrentHistogram _latency = new(1, 60_000_000, 3);
    readonly LongConcurrentHistogram _lateness = new(1, 60_000_000, 3);

    public async Task<OpenLoopResult> RunAsync()
    {
        var inFlight = new List<Task>();
        var total = (long)ratePerSecond * (warmupS + durationS);
        var measured = (long)ratePerSecond * warmupS;
        var pacer = new Thread(() =>
        {
            var start = Stopwatch.GetTimestamp();
            var interval = (double)Stopwatch.Frequency / ratePerSecond;
            for (long sent = 0; sent < total;)
            {
                var now = Stopwatch.GetTimestamp();
                // Send every request that is due by now, each stamped with the moment it was due.
                for (; sent < total && start + (long)(sent * interval) <= now; sent++)
                {
                    var task = SendAsync(pool[sent % pool.Length], start + (long)(sent * interval), record: sent >= measured);
                    lock (inFlight)
                    {
                        inFlight.Add(task);
                        if (inFlight.Count > 8192) inFlight.RemoveAll(t => t.IsCompleted);
                    }
                }
                Thread.Sleep(1);
            }
        }) { IsBackground = true, Name = "open-loop pacer" };
        pacer.Start();
        await Task.Run(pacer.Join);
        Task[] pending;
        lock (inFlight) pending = [.. inFlight];
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(60));
        return new OpenLoopResult(ratePerSecond, total - measured, _completed, _errors, _firstError, _latency, _lateness);
    }

    async Task SendAsync(FindProvidersRequest request, long due, bool record)
    {
        if (record) _lateness.RecordValue(Micros(Stopwatch.GetTimestamp() - due));
        try
        {
            await client.FindProvidersAsync(request);
            if (!record) return;
            _latency.RecordValue(Micros(Stopwatch.GetTimestamp() - due));
            Interlocked.Increment(ref _completed);
        }
        catch (RpcException e)
        {
            if (!record) return;
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
        }
    }

    static long Micros(long ticks) => Math.Clamp(ticks * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000);
}
