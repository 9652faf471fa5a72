using System.Diagnostics;
using Capacity.Service.Geography;
using Capacity.Service.Insight.Placements;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Bench;

/// <summary>
/// What the placement analytics and the unmet-demand report cost at national size
/// (docs/INSIGHT-placements.md): writes generated referral facts straight into the hashes the
/// service keeps (--per-month referrals a month over --months months, --insurers insurers with
/// market shares like the Dutch ones, patients spread over the PC4 areas by population), then
/// times each kind of query --repeat times on the service's own query code against that Redis:
/// the pipelined read alone, and the whole answer (read, parse, count, page). Not a test: figures.
/// </summary>
static class PlacementQueries
{
    static readonly double[] Shares = [0.25, 0.22, 0.20, 0.15, 0.06, 0.04, 0.03, 0.02, 0.02, 0.01];

    public static async Task<int> RunAsync(Args args)
    {
        var perMonth = args.Number("per-month", 40_000, 1);
        var months = args.Number("months", 24, 1);
        var insurerCount = args.Number("insurers", 10, 1);
        var repeat = args.Number("repeat", 5, 1);
        var load = args.Text("load", "yes") == "yes";
        var redis = await ConnectionMultiplexer.ConnectAsync(args.Text("redis", "127.0.0.1:6379"));
        args.EnsureAllUsed();
        var postcodes = PostcodeDirectory.LoadEmbedded();
        var insurers = Enumerable.Range(0, insurerCount).Select(i => (3000 + i * 111).ToString("D4")).ToArray();
        var first = new DateOnly(2024, 1, 1);
        var monthNames = Enumerable.Range(0, months).Select(i => PlacementFact.MonthOf(first.AddMonths(i))).ToArray();
        const string BusyProvider = "01000001";
        if (load) await LoadAsync(redis.GetDatabase(), postcodes, insurers, first, months, perMonth, BusyProvider);

        var store = new PlacementStore(redis);
        using var answers = new PagedAnswers();
        var analytics = new PlacementAnalytics(store, postcodes, answers);
        var period = new DateRange { From = Date(first), To = Date(first.AddMonths(months).AddDays(-1)) };
        var lastMonth = new DateRange { From = Date(first.AddMonths(months - 1)), To = period.To };
        var amsterdam = postcodes.FindMunicipality("GM0363")!.Code;
        var queries = new (string Name, GetPlacementAnalyticsRequest Request, RedisKey[] Keys)[]
        {
            ("national, 24 months, one cell", new() { National = true, Period = period, Grouping = RegionGrouping.None },
                [.. insurers.SelectMany(i => monthNames.Select(m => PlacementStore.Keys.Insurer(i, m)))]),
            ("national, last month, per municipality", new() { National = true, Period = lastMonth },
                [.. insurers.Select(i => PlacementStore.Keys.Insurer(i, monthNames[^1]))]),
            ("largest insurer, 24 months, per municipality", new() { InsurerUzovi = insurers[0], Period = period },
                [.. monthNames.Select(m => PlacementStore.Keys.Insurer(insurers[0], m))]),
            ("largest insurer, last month, per PC4", new() { InsurerUzovi = insurers[0], Period = lastMonth, Grouping = RegionGrouping.Pc4 },
                [PlacementStore.Keys.Insurer(insurers[0], monthNames[^1])]),
            ("Amsterdam, 24 months, per PC4", new() { Municipality = amsterdam, Period = period, Grouping = RegionGrouping.Pc4 },
                [.. monthNames.Select(m => PlacementStore.Keys.Municipality(amsterdam, m))]),
            ("busiest provider, 24 months", new() { ProviderAgb = BusyProvider, Period = period },
                [.. monthNames.Select(m => PlacementStore.Keys.Provider(BusyProvider, m))]),
        };
        Console.WriteLine($"| query | hashes | facts | bytes read | read p50 (ms) | answer p50 (ms) | answer max (ms) | cells |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, request, keys) in queries)
        {
            var (facts, bytes, read) = await RawReadAsync(redis.GetDatabase(), keys, repeat);
            var times = new List<double>();
            var cells = 0;
            for (var i = 0; i < repeat; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var response = await analytics.GetAsync(request, null!);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                cells = response.Cells.Count;
            }
            Console.WriteLine($"| {name} | {keys.Length} | {facts:N0} | {bytes / 1e6:0.0} MB | {read:0} | {Median(times):0} | {times.Max():0} | {cells} (page) |");
        }
        var unmetKeys = insurers.SelectMany(i => monthNames.Select(m => PlacementStore.Keys.Unmet(i, m))).ToArray();
        var (unmetFacts, unmetBytes, unmetRead) = await RawReadAsync(redis.GetDatabase(), unmetKeys, repeat);
        var reportTimes = new List<double>();
        var rows = 0;
        var reportPeriod = new PlacementValidation.Period(first, first.AddMonths(months).AddDays(-1), monthNames);
        for (var i = 0; i < repeat; i++)
        {
            var started = Stopwatch.GetTimestamp();
            rows = UnmetDemandReports.Rows(await store.ReadAsync(unmetKeys), reportPeriod, u => u, c => c).Count;
            reportTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        Console.WriteLine($"| unmet-demand report, all insurers, 24 months | {unmetKeys.Length} | {unmetFacts:N0} | {unmetBytes / 1e6:0.0} MB | {unmetRead:0} | {Median(reportTimes):0} | {reportTimes.Max():0} | {rows} (all) |");
        return 0;
    }

    static Google.Type.Date Date(DateOnly d) => new() { Year = d.Year, Month = d.Month, Day = d.Day };

    static double Median(List<double> values) => values.Order().ElementAt((values.Count - 1) / 2);

    /// <summary>The hashes' values in one pipelined round, as the queries read them: facts, bytes and the median time.</summary>
    static async Task<(long Facts, long Bytes, double Ms)> RawReadAsync(IDatabase db, RedisKey[] keys, int repeat)
    {
        long facts = 0, bytes = 0;
        var times = new List<double>();
        for (var i = 0; i < repeat; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var reads = keys.Select(k => db.HashValuesAsync(k)).ToArray();
            var values = await Task.WhenAll(reads);
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            facts = values.Sum(v => (long)v.Length);
            bytes = values.Sum(v => v.Sum(x => (long)((byte[])x!).Length));
        }
        return (facts, bytes, Median(times));
    }

    /// <summary>The facts a national service would hold after <paramref name="months"/> months, written with pipelined HSETs.</summary>
    static async Task LoadAsync(IDatabase db, PostcodeDirectory postcodes, string[] insurers, DateOnly first, int months, int perMonth, string busyProvider)
    {
        var random = new Random(16);
        var areas = postcodes.Areas.Where(a => a.MunicipalityCode.Length > 0).ToArray();
        var weights = areas.Select(a => (double)(a.Population ?? 1_000)).ToArray();
        var cumulative = new double[areas.Length];
        var total = 0.0;
        for (var i = 0; i < areas.Length; i++) cumulative[i] = total += weights[i];
        var shares = Shares.Take(insurers.Length).ToArray();
        var started = Stopwatch.GetTimestamp();
        await db.SetAddAsync(PlacementStore.Keys.Insurers, [.. insurers.Select(i => (RedisValue)i)]);
        long written = 0;
        for (var m = 0; m < months; m++)
        {
            var monthStart = new DateTimeOffset(first.AddMonths(m).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddHours(1);
            var seconds = (int)(monthStart.AddMonths(1) - monthStart).TotalSeconds - 7_200;
            var byKey = new Dictionary<RedisKey, List<HashEntry>>();
            for (var n = 0; n < perMonth; n++)
            {
                var id = $"ref_{m:D2}{n:D6}{random.Next():x8}";
                var at = Array.BinarySearch(cumulative, random.NextDouble() * cumulative[^1]);
                var area = areas[Math.Min(areas.Length - 1, at < 0 ? ~at : at)];
                var uzovi = insurers[Pick(random, shares)];
                var fact = Fact(random, monthStart.AddSeconds(random.Next(seconds)), area, uzovi);
                var line = fact.Format();
                Add(byKey, PlacementStore.Keys.Insurer(uzovi, fact.Month), id, line);
                Add(byKey, PlacementStore.Keys.Municipality(area.MunicipalityCode, fact.Month), id, line);
                if (fact.Escalated is { } escalated) Add(byKey, PlacementStore.Keys.Unmet(uzovi, PlacementFact.MonthOf(escalated)), id, line);
                if (n % 100 == 0) Add(byKey, PlacementStore.Keys.Provider(busyProvider, fact.Month), id, line); // ~1% of the country's offers
            }
            var writes = new List<Task>();
            foreach (var (key, entries) in byKey)
                foreach (var chunk in entries.Chunk(500))
                {
                    writes.Add(db.HashSetAsync(key, chunk));
                    written += chunk.Length;
                }
            await Task.WhenAll(writes);
        }
        Console.WriteLine($"loaded {months} months × {perMonth:N0} referrals ({written:N0} hash fields) in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }

    static void Add(Dictionary<RedisKey, List<HashEntry>> byKey, RedisKey key, string field, string value)
    {
        if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = [];
        list.Add(new HashEntry(field, value));
    }

    static int Pick(Random random, double[] shares)
    {
        var x = random.NextDouble() * shares.Sum();
        for (var i = 0; i < shares.Length; i++) if ((x -= shares[i]) < 0) return i;
        return shares.Length - 1;
    }

    /// <summary>A referral's fact with plausible shares: ~75% placed, ~9% escalated, ~10% cancelled, the rest open.</summary>
    static PlacementFact Fact(Random random, DateTimeOffset created, PostcodeArea area, string uzovi)
    {
        var roll = random.NextDouble();
        var offers = 1 + random.Next(4);
        var declined = new Dictionary<DeclineReason, int>();
        for (var i = 0; i < offers - 1; i++)
        {
            var reason = (DeclineReason)(1 + random.Next(7));
            declined[reason] = declined.GetValueOrDefault(reason) + 1;
        }
        var firstOffer = created.AddMinutes(5 + random.Next(120));
        var placed = roll < 0.75;
        var escalated = roll is >= 0.75 and < 0.84 ? firstOffer.AddHours(2 + random.Next(48)) : (DateTimeOffset?)null;
        var closed = escalated is { } e && roll < 0.83 ? e.AddHours(4 + random.Next(200)) : (DateTimeOffset?)null;
        var accepted = placed ? firstOffer.AddMinutes(10 + random.Next(600)) : (DateTimeOffset?)null;
        var state = placed ? ReferralState.Placed : closed is not null ? ReferralState.Closed : escalated is not null ? ReferralState.Escalated
            : roll < 0.94 ? ReferralState.Cancelled : ReferralState.Open;
        var careType = random.NextDouble() < 0.8 ? CareType.DistrictNursing : (CareType)(2 + random.Next(5));
        return new PlacementFact(3 + offers * 2, created, area.MunicipalityCode, area.Code, careType, uzovi, state, firstOffer, accepted,
            accepted is { } a ? DateOnly.FromDateTime(a.UtcDateTime).AddDays(random.Next(3)) : null,
            escalated, closed is not null ? (ClosureOutcome)(1 + random.Next(5)) : ClosureOutcome.Unspecified, closed,
            offers, placed ? 1 : 0, declined, 0, 0, state == ReferralState.Open ? 1 : 0,
            [.. Enumerable.Range(0, offers - 1 + (placed ? 1 : 0)).Select(_ => TimeSpan.FromMinutes(3 + random.Next(55)))]);
    }
}
