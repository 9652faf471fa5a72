using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Capacity.Scenario;
using HdrHistogram;

namespace Capacity.Bench;

sealed record Sanity(string Request, string Pc4, string Municipality, int Candidates, int Exclusions);

/// <summary>One result line of <c>redis-benchmark --csv</c>.</summary>
sealed record RedisBenchmark(string Command, double Rps, double P50Ms, double P99Ms)
{
    /// <summary>h2load runs: the service's CPU time per call (µs), when its pid was known.</summary>
    public double? ServiceCpuUsPerCall { get; init; }

    public static RedisBenchmark Parse(string csvPath)
    {
        var lines = File.ReadAllLines(csvPath).Where(l => l.StartsWith('"')).ToArray();
        if (lines.Length < 2) throw new InvalidDataException($"{csvPath}: expected a header and a result line from redis-benchmark --csv");
        // Fields are quoted and hold no commas (the test name is the command line).
        static string[] Fields(string line) => line.Trim().Trim('"').Split("\",\"");
        var header = Fields(lines[0]);
        var row = Fields(lines[1]);
        double Value(string column) => double.Parse(row[Array.IndexOf(header, column)], CultureInfo.InvariantCulture);
        return new RedisBenchmark(row[0], Value("rps"), Value("p50_latency_ms"), Value("p99_latency_ms"));
    }
}

sealed record Machine(int Cores, string Os, string Runtime)
{
    public static Machine Current => new(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);
}

sealed record ScenarioSummary(string Preset, int Seed, int Areas, int Insurers, int Providers, int Contracts, int ClientStops, long CapacityFigures)
{
    public static ScenarioSummary Of(Scenario.Scenario s) => new(s.Options.Name, s.Options.Seed, s.Areas.Count, s.Insurers.Count,
        s.Providers.Count, s.Contracts.Count, s.ClientStops.Count, s.CapacityCells);
}

sealed record Percentiles(double P50, double P90, double P99, double P999, double Max, long Count)
{
    public static Percentiles Of(HistogramBase h) => h.TotalCount == 0 ? new(0, 0, 0, 0, 0, 0)
        : new(Ms(h, 50), Ms(h, 90), Ms(h, 99), Ms(h, 99.9), h.GetMaxValue() / 1000.0, h.TotalCount);

    static double Ms(HistogramBase h, double p) => h.GetValueAtPercentile(p) / 1000.0;
}

/// <summary>Everything one <c>run</c> measured, as JSON (for tools) and Markdown (for people).</summary>
sealed class RunReport
{
    public DateTimeOffset StartedAt { get; init; }
    public required ScenarioSummary Scenario { get; init; }
    public required RunOptions Options { get; init; }
    public required Machine Machine { get; init; }
    public List<IngestResult> Ingest { get; set; } = [];
    public double RedisAfterLoadMb { get; set; }
    public long RedisKeys { get; set; }
    public Sanity? Sanity { get; set; }
    [JsonIgnore] public LoadResult? Closed { get; set; }
    [JsonIgnore] public OpenLoopResult? Open { get; set; }
    [JsonIgnore] public OpenLoopResult? OpenQuiet { get; set; }
    public long PublishedDuringOpen { get; set; }
    [JsonIgnore] public PushResult? Push { get; set; }
    [JsonIgnore] public HoldRaceResult? HoldStep { get; set; }
    [JsonIgnore] public HoldRaceResult? OfferRace { get; set; }
    public (double RssMb, double PeakRssMb)? ServiceAfterLoad { get; set; }
    public bool PeakResetAfterLoad { get; set; }
    public (double RssMb, double PeakRssMb)? ServiceUnderLoad { get; set; }
    public (double RssMb, double PeakRssMb)? ServiceAtEnd { get; set; }
    public double RedisAtEndMb { get; set; }
    /// <summary>Capacity history: one simulated day's memory, extrapolated, and the write rate with and without it.</summary>
    public HistoryFigures? History { get; set; }
    public RedisBenchmark? Geosearch { get; set; }
    public RedisBenchmark? Hset { get; set; }
    /// <summary>Whether the load generator signed in (bench.sh: always; each call as the party that would make it).</summary>
    public bool SignedIn { get; set; }
    public RedisBenchmark? H2loadHealth { get; set; }
    /// <summary>The health check without a token, when the others are signed in: the empty call the security layer has nothing to check on.</summary>
    public RedisBenchmark? H2loadHealthAnonymous { get; set; }
    public RedisBenchmark? H2loadMatch { get; set; }
    /// <summary>The h2load rounds; the three runs above are each the median of theirs.</summary>
    public List<H2LoadRound> H2loadRounds { get; } = [];

    // Derived figures, also in the JSON.
    public double MatchRps => Closed is null ? 0 : Closed.Requests / (double)Options.DurationS;
    public double MedianPerSecondMatchRps => Closed is null ? 0 : Median(Closed.PerSecond);
    public Percentiles? MatchLatencyMs => Closed is null ? null : Percentiles.Of(Closed.Latency);
    public long MatchErrors => (Closed?.Errors ?? 0) + (Open?.Errors ?? 0) + (OpenQuiet?.Errors ?? 0);
    public Percentiles? OpenLoopLatencyMs => Open is null ? null : Percentiles.Of(Open.Latency);
    public Percentiles? OpenLoopQuietLatencyMs => OpenQuiet is null ? null : Percentiles.Of(OpenQuiet.Latency);
    public Percentiles? OpenLoopQuietSendLatenessMs => OpenQuiet is null ? null : Percentiles.Of(OpenQuiet.Lateness);
    public Percentiles? OpenLoopSendLatenessMs => Open is null ? null : Percentiles.Of(Open.Lateness);
    public double IngestMedianRps => Ingest.Count == 0 ? 0 : Median(Ingest.Select(i => i.MessagesPerSecond).ToArray());
    public Percentiles? PushLatencyMs => Push is null ? null : Percentiles.Of(Push.Latency);
    public object? PushCounts => Push is null ? null : new { Push.Listeners, Push.Searches, Push.Probes, Push.Expected, Push.Received };
    public object? Holds => HoldStep is null || OfferRace is null ? null : new[] { HoldStep, OfferRace }
        .Select(h => new { h.Kind, h.Rounds, h.Racers, h.Places, h.WinnersPerRound, LatencyMs = Percentiles.Of(h.Latency) }).ToArray();
    public double? MatchToGeosearch => Geosearch is null ? null : MatchRps / Geosearch.Rps;
    public double? IngestToHset => Hset is null ? null : IngestMedianRps / Hset.Rps;
    public double? H2loadMatchToGeosearch => Geosearch is null || H2loadMatch is null ? null : H2loadMatch.Rps / Geosearch.Rps;
    public double? H2loadHealthToGeosearch => Geosearch is null || H2loadHealth is null ? null : H2loadHealth.Rps / Geosearch.Rps;
    /// <summary>An empty call signed in ÷ the same anonymous: 1 − this is the share of an empty call the security layer (token validation, rate limiter, interceptors) costs; the median of the rounds' own ratios.</summary>
    public double? H2loadSignedToAnonymous => RoundMedian(r => r.Anonymous is { } a ? r.Health.Rps / a.Rps : null);
    /// <summary>One search ÷ an empty call, both signed in and by h2load: the median of the rounds' own ratios.</summary>
    public double? H2loadMatchToHealth => RoundMedian(r => r.Match.Rps / r.Health.Rps);
    /// <summary>The service's CPU per call: signed-in health check ÷ anonymous (1 + the layer's share), median of the rounds.</summary>
    public double? H2loadCpuSignedToAnonymous => RoundMedian(r => r.Anonymous?.ServiceCpuUsPerCall is { } a && r.Health.ServiceCpuUsPerCall is { } h ? h / a : null);
    /// <summary>The service's CPU per call: search ÷ signed-in health check, median of the rounds.</summary>
    public double? H2loadCpuMatchToHealth => RoundMedian(r => r.Match.ServiceCpuUsPerCall is { } m && r.Health.ServiceCpuUsPerCall is { } h ? m / h : null);

    double? RoundMedian(Func<H2LoadRound, double?> ratio) =>
        H2loadRounds.Select(ratio).OfType<double>().ToArray() is { Length: > 0 } ratios ? Median(ratios) : null;

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, IncludeFields = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>What makes a run wrong rather than slow: errors, a race with the wrong number of winners, pushes that never came.</summary>
    public IEnumerable<string> Failures()
    {
        if (Closed is null || Closed.Requests == 0) yield return "no search completed";
        if (MatchErrors > 0) yield return $"{MatchErrors} searches failed; first: {Closed?.FirstError ?? Open?.FirstError}";
        if (Ingest.Any(i => i.Rejected > 0)) yield return "capacity figures were refused";
        if (Push is { Probes: > 0 } p && p.Received == 0) yield return "no push arrived for any probe";
        foreach (var h in new[] { HoldStep, OfferRace })
            if (h is { Exact: false }) yield return $"{h.Kind}: winners per round {string.Join(",", h.WinnersPerRound)}, expected {Math.Min(h.Racers, h.Places)}";
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var s = Scenario;
        md.AppendLine(I($"## Capacity benchmark: scenario `{s.Preset}` (seed {s.Seed})")).AppendLine()
          .AppendLine(I($"{s.Areas:N0} PC4 areas, {s.Providers:N0} providers, {s.Insurers} insurers, {s.Contracts:N0} contracts, {s.ClientStops:N0} client stops, "
                        + $"{s.CapacityFigures:N0} capacity figures. Client, service and Redis share one machine: {Machine.Cores} cores, "
                        + $"{Machine.Runtime}, {Machine.Os}; started {StartedAt:yyyy-MM-dd HH:mm} UTC."))
          .AppendLine();

        md.AppendLine("### Targets").AppendLine()
          .AppendLine("| Target | Measured | Met |")
          .AppendLine("|---|---|:-:|");
        if (MatchToGeosearch is { } mg)
            Row(md, I($"match rps ≥ 1.0 × GEOSEARCH rps ({Options.Concurrency} clients)"),
                I($"{MatchRps:N0} ÷ {Geosearch!.Rps:N0} = **{mg:0.00}×**"), mg >= 1.0);
        if (H2loadMatchToGeosearch is { } hg)
            Row(md, I($"… the same, light C client (h2load), one fixed search"),
                I($"{H2loadMatch!.Rps:N0} ÷ {Geosearch!.Rps:N0} = **{hg:0.00}×** (an empty gRPC call, the health check: {H2loadHealth!.Rps:N0}/s = {H2loadHealthToGeosearch:0.00}×)"), hg >= 1.0);
        string Rounds(Func<H2LoadRound, RedisBenchmark?> a, Func<H2LoadRound, RedisBenchmark?> b) =>
            string.Join(" · ", H2loadRounds.Select(r => I($"{a(r)?.Rps:N0} ÷ {b(r)?.Rps:N0}")));
        string Cpu(double? ratio, Func<H2LoadRound, RedisBenchmark?> a, Func<H2LoadRound, RedisBenchmark?> b) => ratio is { } c
            ? I($"; service CPU per call {Median(H2loadRounds.Select(r => a(r)?.ServiceCpuUsPerCall ?? 0).ToArray()):0} vs {Median(H2loadRounds.Select(r => b(r)?.ServiceCpuUsPerCall ?? 0).ToArray()):0} µs = {c:0.00}×") : "";
        if (H2loadSignedToAnonymous is { } sa)
            Row(md, "security layer ≤ 10 % of an empty call: health check signed in ≥ 0.9 × anonymous (h2load, median of the rounds' ratios)",
                I($"{Rounds(r => r.Health, r => r.Anonymous)} → **{sa:0.00}×**{Cpu(H2loadCpuSignedToAnonymous, r => r.Health, r => r.Anonymous)}"), sa >= 0.9);
        if (H2loadMatchToHealth is { } mh)
            Row(md, I($"one search ≥ 0.8 × an empty call (h2load{(SignedIn ? ", both signed in" : ", anonymous")}, median of the rounds' ratios)"),
                I($"{Rounds(r => r.Match, r => r.Health)} → **{mh:0.00}×**{Cpu(H2loadCpuMatchToHealth, r => r.Match, r => r.Health)}"), mh >= 0.8);
        if (MatchLatencyMs is { } ml) Row(md, I($"match p99 ≤ 5 ms ({Options.Concurrency} clients, closed loop)"), I($"**{ml.P99:0.00} ms**"), ml.P99 <= 5);
        if (OpenLoopQuietLatencyMs is { } oq) Row(md, I($"match p99 ≤ 5 ms (open loop, {Options.OpenRate:N0}/s)"), I($"**{oq.P99:0.00} ms**"), oq.P99 <= 5);
        if (OpenLoopLatencyMs is { } ol) Row(md, I($"match p99 ≤ 5 ms (open loop, {Options.OpenRate:N0}/s while publishing and pushing to {Push?.Listeners ?? 0:N0} clients)"), I($"**{ol.P99:0.00} ms**"), ol.P99 <= 5);
        if (IngestToHset is { } ih)
            Row(md, "ingest (gRPC streaming) ≥ 0.25 × HSET -P 16 rps", I($"{IngestMedianRps:N0} ÷ {Hset!.Rps:N0} = **{ih:0.00}×**"), ih >= 0.25);
        if (PushLatencyMs is { } pl && Push is { } push)
            Row(md, I($"publish → SignalR push p99 ≤ 50 ms ({push.Listeners:N0} clients)"), I($"**{pl.P99:0.0} ms** ({push.Received:N0} of {push.Expected:N0} pushes)"), pl.P99 <= 50 && push.Received > 0);
        foreach (var h in new[] { HoldStep, OfferRace }.OfType<HoldRaceResult>())
        {
            var p = Percentiles.Of(h.Latency);
            Row(md, I($"{h.Racers:N0} concurrent holds on one last place: one winner, p99 ≤ 5 ms — {h.Kind}"),
                I($"winners {string.Join(", ", h.WinnersPerRound)}; **p99 {p.P99:0.00} ms**"), h.Exact && p.P99 <= 5);
        }
        Row(md, "Redis memory ≤ 150 MB (full scenario)", I($"**{Math.Max(RedisAfterLoadMb, RedisAtEndMb):0.0} MB** ({RedisKeys:N0} keys)"), Math.Max(RedisAfterLoadMb, RedisAtEndMb) <= 150);
        if (ServiceAtEnd is { } end)
            Row(md, "service RSS ≤ 250 MB under load",
                I($"**{end.PeakRssMb:0} MB** peak {(PeakResetAfterLoad ? "during searches, pushes and holds" : "over the whole run")} (busy phase {ServiceUnderLoad?.RssMb ?? 0:0} MB, at end {end.RssMb:0} MB)")
                + (PeakResetAfterLoad && ServiceAfterLoad is { } load ? I($"; loading the scenario peaked at {load.PeakRssMb:0} MB") : ""),
                end.PeakRssMb <= 250);
        md.AppendLine();

        if (Closed is not null && MatchLatencyMs is { } m)
        {
            md.AppendLine("### Searches (MatchingService.FindProviders)").AppendLine()
              .AppendLine(I($"Closed loop: {Options.Concurrency} callers on one gRPC channel, {Options.DurationS} s after {Options.WarmupS} s warm-up, "
                            + (SignedIn ? "signed in as a hospital's transfer nurse; " : "anonymous; ")
                            + $"requests drawn from the scenario (patients by population, insurers by market share, mix seed {Options.Seed})."))
              .AppendLine(I($"Sanity search `{Sanity?.Request}`: {Sanity?.Candidates} candidates, {Sanity?.Exclusions} exclusions.")).AppendLine()
              .AppendLine("| | Requests/s | p50 | p90 | p99 | p99.9 | max |")
              .AppendLine("|---|---:|---:|---:|---:|---:|---:|")
              .AppendLine(I($"| FindProviders, closed loop | {MatchRps:N0} (median second {MedianPerSecondMatchRps:N0}) | {m.P50:0.00} | {m.P90:0.00} | {m.P99:0.00} | {m.P999:0.00} | {m.Max:0.0} |"));
            if (OpenLoopQuietLatencyMs is { } q)
                md.AppendLine(I($"| FindProviders, open loop at {Options.OpenRate:N0}/s | {OpenQuiet!.Completed / (double)Options.OpenDurationS:N0} | {q.P50:0.00} | {q.P90:0.00} | {q.P99:0.00} | {q.P999:0.00} | {q.Max:0.0} |"));
            if (OpenLoopLatencyMs is { } o)
                md.AppendLine(I($"| FindProviders, open loop at {Options.OpenRate:N0}/s, busy (publishing, {Push?.Listeners ?? 0:N0} SignalR clients) | {Open!.Completed / (double)Options.OpenDurationS:N0} | {o.P50:0.00} | {o.P90:0.00} | {o.P99:0.00} | {o.P999:0.00} | {o.Max:0.0} |"));
            foreach (var h in new[] { H2loadMatch, H2loadHealth, H2loadHealthAnonymous }.OfType<RedisBenchmark>())
                md.AppendLine(I($"| `{h.Command}` (median of {H2loadRounds.Count} rounds{(h.ServiceCpuUsPerCall is { } cpu ? $"; service CPU {cpu:0} µs per call" : "")}) | {h.Rps:N0} | {h.P50Ms:0.00} | | {h.P99Ms:0.00} | | |"));
            if (Geosearch is { } g)
                md.AppendLine(I($"| redis-benchmark `{g.Command}` | {g.Rps:N0} | {g.P50Ms:0.00} | | {g.P99Ms:0.00} | | |"));
            md.AppendLine().AppendLine("Latencies in ms. Open loop: counted from the moment each request was due to leave"
                + (OpenLoopQuietSendLatenessMs is { } lq ? I($"; the generator itself sent them late by p50 {lq.P50:0.00} ms, p99 {lq.P99:0.00} ms") : "")
                + (OpenLoopSendLatenessMs is { } late ? I($" (busy: p50 {late.P50:0.00} ms, p99 {late.P99:0.00} ms; its process also runs the SignalR clients and publishers)") : "") + ".").AppendLine();
        }

        if (Ingest.Count > 0)
        {
            md.AppendLine("### Capacity ingest (CapacityService.PublishCapacity)").AppendLine()
              .AppendLine(I($"Every provider publishes all its figures on its own client stream, {Options.Streams} providers at a time; {Ingest.Count} full publications of {s.CapacityFigures:N0} figures, each with a higher version. "
                            + "Each stream's messages are encoded beforehand and sent as one HTTP/2 request body (what a gRPC client stream is on the wire), so the load generator costs little; "
                            + "every figure is still parsed, validated and written with its version check one by one by the service.")).AppendLine()
              .AppendLine("| Round | Figures | Applied | Seconds | Figures/s |")
              .AppendLine("|---:|---:|---:|---:|---:|");
            for (var i = 0; i < Ingest.Count; i++)
                md.AppendLine(I($"| {i} | {Ingest[i].Messages:N0} | {Ingest[i].Applied:N0} | {Ingest[i].Elapsed.TotalSeconds:0.00} | {Ingest[i].MessagesPerSecond:N0} |"));
            if (Hset is { } h) md.AppendLine(I($"| redis-benchmark `{h.Command}` | | | | {h.Rps:N0} |"));
            md.AppendLine().AppendLine(I($"Median {IngestMedianRps:N0} figures/s.")).AppendLine();
        }

        if (Push is { } ps && PushLatencyMs is { } pp)
        {
            md.AppendLine("### Live pushes (SignalR)").AppendLine()
              .AppendLine(I($"{ps.Listeners:N0} WebSocket connections follow {ps.Searches} searches; during the open-loop searches and {PublishedDuringOpen:N0} background figures, "
                            + $"{ps.Probes} probes each publish one figure (SetCapacity) for a candidate of one search. Latency from the publish call to each follower's push."))
              .AppendLine()
              .AppendLine(I($"Pushes {ps.Received:N0} of {ps.Expected:N0} expected; p50 {pp.P50:0.0} ms, p90 {pp.P90:0.0} ms, p99 {pp.P99:0.0} ms, max {pp.Max:0.0} ms."))
              .AppendLine();
        }

        foreach (var h in new[] { HoldStep, OfferRace }.OfType<HoldRaceResult>())
        {
            var p = Percentiles.Of(h.Latency);
            md.AppendLine(I($"### Last place: {h.Kind}")).AppendLine()
              .AppendLine(I($"{h.Rounds} rounds; in each, {h.Racers:N0} attempts start at the same moment for {h.Places} free place(s). "
                            + $"Winners per round: {string.Join(", ", h.WinnersPerRound)} (must be {Math.Min(h.Racers, h.Places)}). "
                            + $"Latency p50 {p.P50:0.00} ms, p90 {p.P90:0.00} ms, p99 {p.P99:0.00} ms, max {p.Max:0.00} ms."))
              .AppendLine();
        }
        md.Append(HistoryMarkdown());
        return md.ToString();
    }

    /// <summary>The capacity-history section (empty when the step did not run).</summary>
    public string HistoryMarkdown()
    {
        var md = new StringBuilder();
        if (History is { } hi)
        {
            md.AppendLine("### Capacity history (docs/INSIGHT-history.md)").AppendLine()
              .AppendLine(I($"One simulated day: every figure changes {hi.ChangesPerFigure}× between 06:00 and 18:00 UTC ({hi.Changes:N0} writes through CapacityStore, "
                            + $"{hi.Series:N0} area × care type series). Redis MEMORY USAGE of the history keys:")).AppendLine()
              .AppendLine("| | MB |")
              .AppendLine("|---|---:|")
              .AppendLine(I($"| current totals (`caphist:{{PC4}}:now`) | {hi.NowMb:0.0} |"))
              .AppendLine(I($"| hourly buckets of one day ({hi.HourFields:N0} fields) | {hi.HourDayMb:0.0} |"))
              .AppendLine(I($"| daily buckets of one full month ({hi.DayFieldsPerDay:N0} fields a day) | {hi.DayMonthFullMb:0.0} |"))
              .AppendLine(I($"| **kept: 35 days hourly (36 day keys) + 2 years daily (25 month keys) + now** | **{hi.TotalMb:0.0}** ({hi.Hours35Mb:0.0} + {hi.Days2YearsMb:0.0} + {hi.NowMb:0.0}) |"))
              .AppendLine()
              .AppendLine(I($"Write rate, the same writes hour by hour in turn (batches of 512, one script per area): **{hi.NewFiguresPerSecond:N0} figures/s** with history "
                            + $"in the script, {hi.OldFiguresPerSecond:N0} figures/s with the script as it was before ({hi.NewFiguresPerSecond / hi.OldFiguresPerSecond:P0})."))
              .AppendLine();
        }
        return md.ToString();
    }

    static void Row(StringBuilder md, string target, string measured, bool met) => md.AppendLine($"| {target} | {measured} | {(met ? "✓" : "✗")} |");

    // Program sets the invariant culture for the whole run, so numbers read the same on every machine.
    static string I(string s) => s;

    static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    static double Median(long[] values) => Median(values.Select(v => (double)v).ToArray());
}
