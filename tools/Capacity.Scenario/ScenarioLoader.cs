using System.Diagnostics;
using Capacity.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Capacity.Scenario;

/// <summary>What one capacity publication through <c>PublishCapacity</c> streams achieved.</summary>
public sealed record IngestResult(int Streams, long Messages, long Applied, long Outdated, long Rejected, TimeSpan Elapsed)
{
    public double MessagesPerSecond => Messages / Elapsed.TotalSeconds;
}

/// <summary>
/// Puts a scenario into a running service through its public gRPC API, as the parties would:
/// the registry through one <c>ImportRegistry</c> stream, client stops one call each, capacity
/// as each provider's own <c>PublishCapacity</c> stream, many providers at once.
/// </summary>
public static class ScenarioLoader
{
    /// <summary>Insurers, then providers, then contracts, on one bidirectional stream. Throws on the first refused item.</summary>
    public static async Task<int> ImportRegistryAsync(GrpcChannel channel, Scenario scenario, CancellationToken cancel = default)
    {
        var client = new RegistryService.RegistryServiceClient(channel);
        using var call = client.ImportRegistry(cancellationToken: cancel);
        var items = scenario.Insurers.Select(i => new ImportRegistryRequest { Insurer = i.Insurer })
            .Concat(scenario.Providers.Select(p => new ImportRegistryRequest { Provider = p.Provider }))
            .Concat(scenario.Contracts.Select(c => new ImportRegistryRequest { Contract = c }))
            .ToArray();

        // Read while writing: the service answers each item, and unread answers would stall the stream.
        var answers = Task.Run(async () =>
        {
            var failures = new List<string>();
            var count = 0;
            await foreach (var answer in call.ResponseStream.ReadAllAsync(cancel))
            {
                count++;
                if (answer.Status is { Code: not 0 } status && failures.Count < 5)
                    failures.Add($"item {answer.Sequence} ({items[answer.Sequence - 1].ItemCase}): {status.Message}");
            }
            return (count, failures);
        }, cancel);
        foreach (var item in items) await call.RequestStream.WriteAsync(item, cancel);
        await call.RequestStream.CompleteAsync();
        var (answered, refused) = await answers;
        if (refused.Count > 0) throw new InvalidOperationException("the registry import refused items: " + string.Join("; ", refused));
        if (answered != items.Length) throw new InvalidOperationException($"the registry import answered {answered} of {items.Length} items");
        return items.Length;
    }

    /// <summary>Declares every client stop, <paramref name="parallel"/> calls at a time.</summary>
    public static async Task<int> DeclareClientStopsAsync(GrpcChannel channel, Scenario scenario, int parallel = 16, CancellationToken cancel = default)
    {
        var client = new ClientStopService.ClientStopServiceClient(channel);
        await Parallel.ForEachAsync(scenario.ClientStops, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancel },
            async (stop, ct) => await client.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop }, cancellationToken: ct));
        return scenario.ClientStops.Count;
    }

    /// <summary>
    /// Every provider publishes its figures of <paramref name="round"/> on its own
    /// <c>PublishCapacity</c> stream, <paramref name="streams"/> providers at a time. All figures
    /// carry <paramref name="version"/>, which must be higher than the last round's.
    /// </summary>
    public static async Task<IngestResult> PublishCapacityAsync(
        GrpcChannel channel, Scenario scenario, int round, long version, int streams, CancellationToken cancel = default)
    {
        var client = new CapacityService.CapacityServiceClient(channel);
        long messages = 0, applied = 0, outdated = 0, rejected = 0;
        string? firstRejection = null;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(scenario.Providers, new ParallelOptions { MaxDegreeOfParallelism = streams, CancellationToken = cancel },
            async (provider, ct) =>
            {
                using var call = client.PublishCapacity(cancellationToken: ct);
                foreach (var figure in scenario.CapacityOf(provider, round))
                {
                    figure.Version = version;
                    await call.RequestStream.WriteAsync(figure, ct);
                }
                await call.RequestStream.CompleteAsync();
                var response = await call;
                Interlocked.Add(ref messages, response.Received);
                Interlocked.Add(ref applied, response.Applied);
                Interlocked.Add(ref outdated, response.Outdated);
                Interlocked.Add(ref rejected, response.Rejected.Count);
                if (response.Rejected.Count > 0)
                    Interlocked.CompareExchange(ref firstRejection, $"{provider.Provider.Agb}: {response.Rejected[0].Status.Message}", null);
            });
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (firstRejection is not null) throw new InvalidOperationException($"{rejected} capacity figures were refused; first: {firstRejection}");
        return new IngestResult(streams, messages, applied, outdated, rejected, elapsed);
    }
}
