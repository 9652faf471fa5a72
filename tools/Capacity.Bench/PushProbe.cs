using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Serialization;
using Capacity.V1;
using Grpc.Core;
using HdrHistogram;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Bench;

sealed record PushResult(int Listeners, int Searches, int Probes, long Expected, long Received, HistogramBase Latency);

/// <summary>
/// Coordinators with a search open in their browser: <c>listeners</c> SignalR connections, each
/// following one of <c>searches</c> distinct searches. A probe publishes a new figure (one
/// SetCapacity call) for a provider that is a candidate in one of those searches, and every
/// listener following it records when the result showing that figure arrives. Latency runs from
/// just before the publish call to the push.
/// </summary>
sealed class PushProbe(string hubUrl, ChannelBase channel, SignIn? signIn) : IAsyncDisposable
{
    // What the hub sends; only the fields the probe needs.
    sealed record SearchUpdate(string SubscriptionId, Result Result);
    sealed record Result(string PatientPc4, List<Candidate> Candidates);
    sealed record Candidate(ProviderRef Provider, int FreePlaces);
    sealed record ProviderRef(string Agb);

    // What the hub takes (Capacity.Service.Matching.SearchRequest).
    sealed record SearchRequest(string PatientPostcode, string InsurerUzovi, CareType CareType, DateOnly StartDate, double RadiusKm);

    sealed record Probe(int Id, string Agb, int FreePlaces, long SentAt);

    readonly List<HubConnection> _connections = [];
    readonly ConcurrentDictionary<int, Probe> _probeBySearch = new();
    readonly LongConcurrentHistogram _latency = new(1, 60_000_000, 3);
    long _received;

    List<(FindProvidersRequest Request, string Agb, string Pc4)> _chosen = [];
    int _listeners;

    /// <summary>Connects the listeners, each following one of the searches (drawn from the pool: those with a candidate now).</summary>
    public async Task ConnectAsync(FindProvidersRequest[] pool, int listeners, int searches, Action<string> log)
    {
        _listeners = listeners;
        // Searches that currently have a candidate: a probe changes that candidate's figure.
        var matching = new MatchingService.MatchingServiceClient(SignIn.Invoker(signIn, channel));
        var chosen = _chosen;
        foreach (var request in pool.Where(r => r.CareType == CareType.DistrictNursing && !r.Urgent && r.RadiusKm == 0))
        {
            var found = await matching.FindProvidersAsync(request);
            if (found.Candidates.Count > 0) chosen.Add((request, found.Candidates[0].Provider.Agb, found.PatientPc4));
            if (chosen.Count == searches) break;
        }
        if (chosen.Count == 0) throw new InvalidOperationException("no search in the pool has a candidate to probe");

        log($"push: connecting {listeners} SignalR listeners over {chosen.Count} searches");
        var seen = new int[listeners];
        Array.Fill(seen, -1);
        await Parallel.ForEachAsync(Enumerable.Range(0, listeners), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var searchIndex = i % chosen.Count;
            var connection = new HubConnectionBuilder()
                .WithUrl(hubUrl, o =>
                {
                    o.Transports = HttpTransportType.WebSockets;
                    o.SkipNegotiation = true;
                    // The hospital's transfer nurse, as the searches: a browser passes the token in the query string.
                    if (signIn is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(signIn.Token("requester", SignIn.Hospital));
                })
                .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
                .Build();
            connection.On<SearchUpdate>("SearchUpdated", update =>
            {
                var now = Stopwatch.GetTimestamp();
                if (!_probeBySearch.TryGetValue(searchIndex, out var probe) || Volatile.Read(ref seen[i]) == probe.Id) return;
                foreach (var c in update.Result.Candidates)
                {
                    if (c.Provider.Agb != probe.Agb || c.FreePlaces != probe.FreePlaces) continue;
                    Volatile.Write(ref seen[i], probe.Id);
                    _latency.RecordValue(Math.Clamp((now - probe.SentAt) * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
                    Interlocked.Increment(ref _received);
                    return;
                }
            });
            await connection.StartAsync(ct);
            var (request, _, _) = chosen[searchIndex];
            await connection.InvokeAsync<SearchUpdate>("SubscribeToSearch", new SearchRequest(
                request.PatientPostcode, request.InsurerUzovi, request.CareType, DateOnly.FromDateTime(request.StartDate.ToDateTime()), 0), ct);
            lock (_connections) _connections.Add(connection);
        });
    }

    /// <summary>Publishes <paramref name="probes"/> new figures, one per <paramref name="probeInterval"/>, and collects the pushes.</summary>
    public async Task<PushResult> ProbeAsync(int probes, TimeSpan probeInterval, Action<string> log)
    {
        var chosen = _chosen;
        var listeners = _listeners;
        var capacity = new CapacityService.CapacityServiceClient(SignIn.Invoker(signIn, channel));

        log($"push: {probes} probes, one every {probeInterval.TotalMilliseconds:0} ms");
        // Above the background publishers' versions (which start at now × 1000 + 1,000,000), so no
        // probe is refused as older than a figure they wrote.
        var version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 500_000_000;
        long expected = 0;
        var random = new Random(7);
        for (var p = 1; p <= probes; p++)
        {
            var searchIndex = random.Next(chosen.Count);
            var (_, agb, pc4) = chosen[searchIndex];
            // A value no earlier figure had, so the push that shows it can only come from this probe.
            var probe = new Probe(p, agb, 1_000 + p, Stopwatch.GetTimestamp());
            _probeBySearch[searchIndex] = probe;
            expected += (listeners - searchIndex + chosen.Count - 1) / chosen.Count;
            var written = await capacity.SetCapacityAsync(new SetCapacityRequest
            {
                Agb = agb, Pc4 = pc4, CareType = CareType.DistrictNursing, FreePlaces = probe.FreePlaces, Version = version + p,
            });
            if (!written.Results.All(r => r.Applied)) throw new InvalidOperationException($"probe {p} ({agb} in {pc4}) was not applied");
            await Task.Delay(probeInterval);
        }
        await Task.Delay(TimeSpan.FromSeconds(2)); // the last pushes
        return new PushResult(listeners, chosen.Count, probes, expected, Interlocked.Read(ref _received), _latency);
    }

    public async ValueTask DisposeAsync()
    {
        await Parallel.ForEachAsync(_connections, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (c, _) => await c.DisposeAsync());
    }
}
