using System.Globalization;
using Capacity.Service.Registry;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Insight.History;

/// <summary>
/// A client stop with when it was declared and lifted. In force from <see cref="Start"/> (its
/// declaration, or the start of its first day if that is later) until <see cref="End"/> (its lift,
/// or the end of its last day if that is earlier); null: still open-ended.
/// </summary>
/// <param name="DeclaredAt">Null when declared before history was kept: then its first day counts.</param>
/// <param name="LiftedAt">Null while not lifted.</param>
public sealed record StopRecord(ClientStopInfo Stop, DateTimeOffset? DeclaredAt, DateTimeOffset? LiftedAt)
{
    public DateTimeOffset FirstDay => CapacityHistoryKeys.StartOf(Stop.From);

    public DateTimeOffset Start => DeclaredAt is { } d && d > FirstDay ? d : FirstDay;

    public DateTimeOffset? End
    {
        get
        {
            DateTimeOffset? lastDayEnds = Stop.Until is { } until ? CapacityHistoryKeys.StartOf(until.AddDays(1)) : null;
            return (LiftedAt, lastDayEnds) switch
            {
                ({ } l, { } u) => l < u ? l : u,
                ({ } l, null) => l,
                (null, var u) => u,
            };
        }
    }

    /// <summary>Declared (or, unknown, its first day) to its end: how long it lasted.</summary>
    public TimeSpan? Duration => End is { } end && end > Start ? end - (DeclaredAt ?? FirstDay) : null;

    public bool InForceAt(DateTimeOffset t) => Start <= t && (End is not { } end || t < end);

    /// <summary>In force at some moment of [from, to).</summary>
    public bool InForceDuring(DateTimeOffset from, DateTimeOffset to) => Start < to && (End is not { } end || end > from && end > Start);
}

/// <summary>
/// Reads the registry's stop history (<see cref="RegistryStore.Keys.StopHistory"/>, written by the
/// registry's write scripts) together with the stops in force now, once per registry version: the
/// history changes only in a script that also bumps the version. One HGETALL on the registry's slot;
/// stops are declared a few times a day, so it stays small.
/// </summary>
public sealed class StopHistory(IConnectionMultiplexer redis, RegistryCache registry)
{
    (long Version, IReadOnlyList<StopRecord> Stops)? _cached;

    public async Task<IReadOnlyList<StopRecord>> LoadAsync()
    {
        var snapshot = registry.Current;
        if (_cached is { } c && c.Version == snapshot.Version) return c.Stops;
        var entries = await redis.GetDatabase().HashGetAllAsync(RegistryStore.Keys.StopHistory);
        var stops = new Dictionary<string, StopRecord>(StringComparer.Ordinal);
        foreach (var e in entries)
            if (Parse((byte[])e.Value!) is { } record) stops[record.Stop.Id] = record;
        // A stop in force that has no history was declared before history was kept.
        foreach (var (id, stop) in snapshot.Stops)
            stops[id] = stops.TryGetValue(id, out var known) ? known with { Stop = stop } : new StopRecord(stop, null, null);
        var list = stops.Values.OrderBy(s => s.Stop.Id, StringComparer.Ordinal).ToArray();
        _cached = (snapshot.Version, list);
        return list;
    }

    /// <summary>"declaredAtMs|liftedAtMs|" and the stored ClientStop message; null when unreadable.</summary>
    static StopRecord? Parse(byte[] value)
    {
        var first = Array.IndexOf(value, (byte)'|');
        var second = first < 0 ? -1 : Array.IndexOf(value, (byte)'|', first + 1);
        if (second < 0) return null;
        if (!long.TryParse(value.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var declared)
            || !long.TryParse(value.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var lifted)) return null;
        try
        {
            var stop = ClientStop.Parser.ParseFrom(value.AsSpan(second + 1)).ToModel();
            return new StopRecord(stop,
                declared > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(declared) : null,
                lifted > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(lifted) : null);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
