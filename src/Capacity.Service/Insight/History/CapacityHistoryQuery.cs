using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StackExchange.Redis;

namespace Capacity.Service.Insight.History;

/// <summary>
/// GetCapacityHistory: free places, providers with room and providers stopped over time, per area
/// or summed over a region. One pipelined round trip reads, per area, its now hash and every bucket
/// key from the period's first to the present (at most 37 days or 26 months: all on the area's slot);
/// a bucket without a change carries figures on (see <see cref="CapacityHistorySeries"/>). Providers
/// stopped come from the stop history and the registry as it is now.
/// </summary>
public sealed class CapacityHistoryQuery(IConnectionMultiplexer redis, RegistryCache registry, PostcodeDirectory postcodes, StopHistory stopHistory, TimeProvider time)
{
    public async Task<GetCapacityHistoryResponse> GetAsync(GetCapacityHistoryRequest request, ServerCallContext context)
    {
        var now = time.GetUtcNow();
        var r = CapacityHistoryValidation.Validate(request, postcodes, now);

        // The series of this page: per area and care type (paged), or per care type over the region.
        IReadOnlyList<(int Pc4, CareType CareType)> page;
        var next = "";
        if (r.PerArea)
        {
            var all = r.Pc4s.SelectMany(pc4 => r.CareTypes.Select(ct => (Pc4: pc4, CareType: ct)));
            var list = $"caphist|{r.Region}|{string.Join(",", r.CareTypes.Select(ct => (int)ct))}|{r.Starts[0].ToUnixTimeSeconds()}|{r.End.ToUnixTimeSeconds()}|{(int)r.Resolution}";
            var paged = Paging.Of(all, s => $"{Codes.Pc4(s.Pc4)}|{(int)s.CareType}", list, r.PageSize, r.PageToken);
            (page, next) = (paged.Items, paged.NextPageToken);
        }
        else page = [];
        var areas = r.PerArea ? page.Select(s => s.Pc4).Distinct().ToArray() : r.Pc4s;

        var values = await ReadAsync(r, areas, now);
        var stops = await stopHistory.LoadAsync();
        var snapshot = registry.Current;
        var ends = r.Starts.Select((s, i) => s > now ? (DateTimeOffset?)null : Evaluated(i + 1 < r.Starts.Count ? r.Starts[i + 1] : Next(r, s), now)).ToArray();

        var response = new GetCapacityHistoryResponse { Resolution = r.Resolution, NextPageToken = next };
        if (r.PerArea)
            foreach (var (pc4, ct) in page)
                response.Series.Add(Series(Codes.Pc4(pc4), ct, r, values[pc4].GetValueOrDefault((int)ct) ?? None(r),
                    ProvidersStopped(snapshot, stops, [pc4], ct, ends)));
        else
            foreach (var ct in r.CareTypes)
                response.Series.Add(Series("", ct, r, CapacityHistorySeries.Sum(areas.Select(a => values[a].GetValueOrDefault((int)ct) ?? None(r)), r.Starts.Count),
                    ProvidersStopped(snapshot, stops, areas, ct, ends)));
        return response;
    }

    static HistoryValue[] None(HistoryRequest r) => Enumerable.Repeat(HistoryValue.None, r.Starts.Count).ToArray();

    static DateTimeOffset Next(HistoryRequest r, DateTimeOffset start) => r.Resolution == HistoryResolution.Hour
        ? start.AddHours(1)
        : CapacityHistoryKeys.StartOf(CapacityHistoryKeys.AmsterdamDay(start).AddDays(1));

    /// <summary>The moment a bucket's stops are counted: its last millisecond, or now for the bucket in progress (none for a bucket yet to come).</summary>
    static DateTimeOffset Evaluated(DateTimeOffset end, DateTimeOffset now) => (end <= now ? end : now).AddMilliseconds(-1);

    /// <summary>Per area and care type, one value per bucket: every key of every area in one pipelined round trip.</summary>
    async Task<Dictionary<int, Dictionary<int, HistoryValue[]>>> ReadAsync(HistoryRequest r, IReadOnlyList<int> areas, DateTimeOffset now)
    {
        var keys = BucketKeys(r, now);
        var batch = redis.GetDatabase().CreateBatch();
        var reads = areas.Select(pc4 => (pc4,
            now: batch.HashGetAllAsync(CapacityHistoryKeys.Now(pc4)),
            buckets: keys.Select(k => (k.StartOf, task: batch.HashGetAllAsync(k.Key(pc4)))).ToArray())).ToArray();
        batch.Execute();

        var result = new Dictionary<int, Dictionary<int, HistoryValue[]>>(areas.Count);
        foreach (var (pc4, nowTask, buckets) in reads)
        {
            var current = CapacityHistorySeries.ParseNow(await nowTask);
            var stored = new Dictionary<int, List<StoredBucket>>();
            foreach (var (startOf, task) in buckets) CapacityHistorySeries.Parse(await task, startOf, stored);
            var perType = new Dictionary<int, HistoryValue[]>();
            foreach (var ct in r.CareTypes)
                perType[(int)ct] = CapacityHistorySeries.Compute(r.Starts, stored.GetValueOrDefault((int)ct),
                    current.TryGetValue((int)ct, out var c) ? c : null, now);
            result[pc4] = perType;
        }
        return result;
    }

    /// <summary>
    /// The bucket keys from the one holding the first bucket to the one holding now (or the last
    /// bucket, if later), each with how its fields' "HH"/"DD" become a bucket start.
    /// </summary>
    static List<(Func<int, RedisKey> Key, Func<int, DateTimeOffset?> StartOf)> BucketKeys(HistoryRequest r, DateTimeOffset now)
    {
        var keys = new List<(Func<int, RedisKey>, Func<int, DateTimeOffset?>)>();
        var last = r.Starts[^1] > now ? r.Starts[^1] : now;
        if (r.Resolution == HistoryResolution.Hour)
        {
            for (var day = CapacityHistoryKeys.UtcHour(r.Starts[0]).Day; day <= CapacityHistoryKeys.UtcHour(last).Day; day = day.AddDays(1))
            {
                var d = day;
                var midnight = new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
                keys.Add((pc4 => CapacityHistoryKeys.Hours(pc4, d), hour => hour is >= 0 and < 24 ? midnight.AddHours(hour) : null));
            }
        }
        else
        {
            var first = CapacityHistoryKeys.AmsterdamDay(r.Starts[0]);
            var end = CapacityHistoryKeys.AmsterdamDay(last);
            for (var month = new DateOnly(first.Year, first.Month, 1); month <= end; month = month.AddMonths(1))
            {
                var m = month;
                keys.Add((pc4 => CapacityHistoryKeys.Days(pc4, m.Year, m.Month),
                    day => day >= 1 && day <= DateTime.DaysInMonth(m.Year, m.Month) ? CapacityHistoryKeys.StartOf(new DateOnly(m.Year, m.Month, day)) : null));
            }
        }
        return keys;
    }

    /// <summary>
    /// Per bucket: the providers serving any of <paramref name="areas"/> (registry as it is now) with
    /// a client stop in force at the bucket's end that covers the care type and one of those areas.
    /// Palliative terminal care is never held back by a stop (NZa), so it counts none.
    /// </summary>
    static int[] ProvidersStopped(RegistrySnapshot snapshot, IReadOnlyList<StopRecord> stops, IReadOnlyList<int> areas, CareType careType, DateTimeOffset?[] at)
    {
        var counts = new int[at.Length];
        if (CareTypes.PassesClientStops(careType, urgent: false)) return counts;
        var relevant = stops.Where(s => (s.Stop.CareTypes.IsEmpty || s.Stop.CareTypes.Contains(careType))
                && snapshot.Providers.TryGetValue(s.Stop.Agb, out var p)
                && areas.Any(pc4 => p.Serves(pc4) && (s.Stop.Pc4s.Count == 0 || s.Stop.Pc4s.Contains(pc4))))
            .ToArray();
        if (relevant.Length == 0) return counts;
        for (var i = 0; i < at.Length; i++)
            counts[i] = at[i] is { } t ? relevant.Where(s => s.InForceAt(t)).Select(s => s.Stop.Agb).Distinct().Count() : 0;
        return counts;
    }

    static CapacitySeries Series(string pc4, CareType careType, HistoryRequest r, HistoryValue[] values, int[] stopped)
    {
        var series = new CapacitySeries { Pc4 = pc4, CareType = careType, Unit = CareTypes.UnitOf(careType) };
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            series.Points.Add(new CapacityPoint
            {
                At = Timestamp.FromDateTimeOffset(r.Starts[i]),
                FreePlaces = v.Free,
                MinFreePlaces = v.Min,
                ProvidersWithRoom = v.Room,
                ProvidersStopped = stopped[i],
                NoData = v.NoData,
            });
        }
        return series;
    }
}
