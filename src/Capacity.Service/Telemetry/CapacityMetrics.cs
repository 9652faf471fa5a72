using System.Diagnostics;
using System.Diagnostics.Metrics;
using Capacity.Service.Capacity;
using Capacity.V1;

namespace Capacity.Service.Telemetry;

/// <summary>
/// The service's own instruments, all in one place (docs/OBSERVABILITY.md lists them). Static, so
/// that the stores and engines they measure need no new constructor argument: a measurement with
/// nobody listening costs a field read; with the SDK listening, a histogram record or counter add
/// with at most two tags (no allocation: tags are interned strings in a stack-held TagList).
/// Tags are of low cardinality only: care type, outcome, kind — never a patient, a postcode or a
/// provider, which would make one time series per person or place.
/// </summary>
public static class CapacityMetrics
{
    public const string Name = "Capacity";

    /// <summary>The service's own spans (around a search); ASP.NET Core, gRPC, SignalR and Redis bring theirs.</summary>
    public static readonly ActivitySource Source = new(Name);

    static readonly Meter Meter = new(Name);

    // Seconds, as OpenTelemetry's semantic conventions ask; the buckets run from 0.5 ms (a search
    // from its caches) to 10 s (a national publish under load).
    static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    };

    static readonly Histogram<double> SearchDuration = Meter.CreateHistogram("capacity.search.duration", "s",
        "Time a search takes from the registry snapshot to the evaluated result (the Redis read included; validation and the gRPC mapping not).", advice: Seconds);
    static readonly Counter<long> Writes = Meter.CreateCounter<long>("capacity.capacity.writes", "{figure}",
        "Capacity figures written (grid, gRPC, import, pull): applied, or outdated (an older version than the one stored).");
    static readonly Histogram<double> PushDuration = Meter.CreateHistogram("capacity.push.duration", "s",
        "From a live subscription's recomputation to its SignalR push sent; its count is the pushes.", advice: Seconds);
    static readonly Counter<long> Holds = Meter.CreateCounter<long>("capacity.holds", "{hold}", "Attempts to hold a place, by outcome.");
    static readonly Counter<long> Offers = Meter.CreateCounter<long>("capacity.offers", "{offer}",
        "Offer events saved: offered, accepted, declined, expired, withdrawn.");
    static readonly Counter<long> Escalations = Meter.CreateCounter<long>("capacity.escalations", "{referral}",
        "Referrals escalated to the insurer's mediation desk.");
    static readonly Counter<long> PullFailures = Meter.CreateCounter<long>("capacity.pull.failures", "{fetch}",
        "Fetches of a provider's capacity.json endpoint that failed, by reason.");

    // The last sample (see StaleProviders), for the gauge's callback, which must not wait on Redis; -1 until the first.
    static long _staleProviders = -1;

    static CapacityMetrics() =>
        Meter.CreateObservableGauge("capacity.providers.stale",
            () => Volatile.Read(ref _staleProviders) is var n and >= 0 ? [new Measurement<long>(n)] : Array.Empty<Measurement<long>>(), "{provider}",
            "Providers in the registry with no figure published within Matching:FreshnessWindow (sampled every Telemetry:StaleSampleInterval).");

    // One string per enum value, made once: ToString() on each call would allocate.
    static readonly string[] CareTypeNames = Enum.GetValues<CareType>().Select(Snake).ToArray();
    static readonly string[] HoldOutcomeNames = Enum.GetValues<HoldOutcome>().Select(Snake).ToArray();

    static string Tag(string[] names, int value) => (uint)value < (uint)names.Length ? names[value] : "other";

    static string Snake<T>(T value) where T : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>A count of stale providers sampled (the first call also creates the gauge, with the rest of this class).</summary>
    public static void StaleProvidersSampled(long count) => Volatile.Write(ref _staleProviders, count);

    /// <summary>A search ended; <paramref name="started"/> from <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public static void Searched(CareType careType, long started)
    {
        if (SearchDuration.Enabled)
            SearchDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("capacity.care_type", Tag(CareTypeNames, (int)careType)));
    }

    /// <summary>A batch of figures written; <paramref name="outcomes"/> in the order of <paramref name="writes"/>.</summary>
    public static void Written(IReadOnlyList<CapacityWrite> writes, IReadOnlyList<CapacityWriteOutcome> outcomes)
    {
        if (!Writes.Enabled) return;
        for (var i = 0; i < writes.Count; i++)
            Writes.Add(1, new KeyValuePair<string, object?>("capacity.care_type", Tag(CareTypeNames, (int)writes[i].CareType)),
                new KeyValuePair<string, object?>("capacity.outcome", outcomes[i].Applied ? "applied" : "outdated"));
    }

    /// <summary>A live result pushed; <paramref name="kind"/> is "search" or "region".</summary>
    public static void Pushed(string kind, long started) =>
        PushDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("capacity.subscription", kind));

    public static void Held(HoldOutcome outcome, CareType careType) =>
        Holds.Add(1, new KeyValuePair<string, object?>("capacity.outcome", Tag(HoldOutcomeNames, (int)outcome)),
            new KeyValuePair<string, object?>("capacity.care_type", Tag(CareTypeNames, (int)careType)));

    /// <summary>A referral step saved: its offer events and escalation counted (once: a step is saved once).</summary>
    public static void StepSaved(IEnumerable<V1.ReferralEvent> events)
    {
        foreach (var e in events)
        {
            // The tag values are these literals, not the event's own string (one set of values, known in advance).
            var outcome = e.Type switch
            {
                "offered" => "offered", "accepted" => "accepted", "declined" => "declined", "expired" => "expired", "withdrawn" => "withdrawn",
                _ => null,
            };
            if (outcome is not null) Offers.Add(1, new KeyValuePair<string, object?>("capacity.outcome", outcome));
            else if (e.Type == "escalated") Escalations.Add(1);
        }
    }

    /// <summary>Whether metrics are collected (an exporter is configured): work done only for them can be skipped otherwise.</summary>
    public static bool Collecting => Writes.Enabled;

    /// <summary>
    /// A fetch of a provider's capacity.json failed. <paramref name="code"/> is one of the fixed
    /// <see cref="Capacity.Pull.PullErrors"/> codes, tagged in lower case without its prefix
    /// (timeout, connect, http_status, redirect, too_large, bad_document, nothing_usable, failed),
    /// never a URL or a message.
    /// </summary>
    public static void PullFailed(string code)
    {
        if (PullFailures.Enabled)
            PullFailures.Add(1, new KeyValuePair<string, object?>("capacity.reason", code.StartsWith("PULL_", StringComparison.Ordinal) ? code[5..].ToLowerInvariant() : "other"));
    }
}
