using System.Diagnostics;
using Capacity.Scenario;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Bench;

/// <summary>
/// Providers' systems keeping their figures current during the day: <c>streams</c> long-lived
/// PublishCapacity streams that together send <c>ratePerSecond</c> figures, each stream one
/// provider's (a provider may publish its own figures only) new figures for its areas and care types.
/// </summary>
sealed class PacedPublisher(CapacityService.CapacityServiceClient client, SignIn? signIn, Scenario.Scenario scenario, int ratePerSecond, int streams)
{
    public async Task<long> RunAsync(TimeSpan duration, long versionBase, CancellationToken cancel = default)
    {
        var sent = 0L;
        var rounds = 1;
        await Task.WhenAll(Enumerable.Range(0, streams).Select(s => Task.Run(async () =>
        {
            var random = new Random(s);
            var provider = scenario.Providers[random.Next(scenario.Providers.Count)];
            using var call = client.PublishCapacity(SignIn.HeadersOrNull(signIn, "provider", provider.Provider.Agb), cancellationToken: cancel);
            var interval = (double)Stopwatch.Frequency * streams / ratePerSecond;
            var start = Stopwatch.GetTimestamp();
            var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            for (long i = 0; ; i++)
            {
                var due = start + (long)(i * interval);
                if (due >= end) break;
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancel);
                var figures = scenario.CapacityOf(provider, Interlocked.Increment(ref rounds)).Take(64).ToArray();
                var figure = figures[random.Next(figures.Length)];
                figure.Version = versionBase + Interlocked.Increment(ref sent);
                await call.RequestStream.WriteAsync(figure, cancel);
            }
            await call.RequestStream.CompleteAsync();
            var response = await call;
            if (response.Rejected.Count > 0) throw new InvalidOperationException($"publisher {s}: {response.Rejected[0].Status.Message}");
        }, cancel)));
        return sent;
    }
}
