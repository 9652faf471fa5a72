using System.Diagnostics;
using System.Globalization;
using Capacity.Scenario;
using Capacity.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using StackExchange.Redis;

namespace Capacity.Bench;

static class Commands
{
    static void Log(string message) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    static GrpcChannel Channel(string target) => GrpcChannel.ForAddress(target, new GrpcChannelOptions
    {
        // Past 100 concurrent streams (Kestrel's default limit per connection) open a second connection instead of queueing.
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
    });

    static Scenario.Scenario Generate(Args args)
    {
        var preset = args.Text("preset", "national");
        var seed = args.Number("seed", 1);
        ScenarioOptions options;
        try { options = ScenarioOptions.Preset(preset, seed, Workload.Today()); }
        catch (ArgumentException e) { throw new FormatException(e.Message); }
        var started = Stopwatch.GetTimestamp();
        var scenario = ScenarioGenerator.Generate(options);
        Log($"scenario '{preset}' seed {seed}: {scenario.Areas.Count:N0} areas, {scenario.Insurers.Count} insurers, {scenario.Providers.Count:N0} providers, "
            + $"{scenario.Contracts.Count:N0} contracts, {scenario.ClientStops.Count:N0} client stops, {scenario.CapacityCells:N0} capacity figures "
            + $"(generated in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:N0} ms)");
        return scenario;
    }

    public static async Task<int> ScenarioAsync(Args args)
    {
        var scenario = Generate(args);
        var target = args.Text("target");
        var streams = args.Number("streams", 16, 1);
        var rounds = args.Number("rounds", 1, 1);
        var capacityOnly = args.Text("capacity-only", "no") == "yes";
        var signIn = SignIn.From(args);
        args.EnsureAllUsed();
        if (target is null) return 0;
        using var channel = Channel(target);
        await LoadAsync(channel, signIn, target, scenario, streams, rounds, registry: !capacityOnly);
        return 0;
    }

    static async Task<List<IngestResult>> LoadAsync(GrpcChannel channel, SignIn? signIn, string target, Scenario.Scenario scenario, int streams, int rounds, bool registry = true)
    {
        Func<string, string?, string>? bearer = signIn is null ? null : signIn.Bearer;
        var started = Stopwatch.GetTimestamp();
        if (registry)
        {
        var items = await ScenarioLoader.ImportRegistryAsync(channel, scenario, bearer: bearer);
        Log($"registry: {items:N0} items imported in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        started = Stopwatch.GetTimestamp();
        var stops = await ScenarioLoader.DeclareClientStopsAsync(channel, scenario, bearer: bearer);
        Log($"client stops: {stops:N0} declared in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
        }
        var results = new List<IngestResult>();
        var versionBase = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        for (var round = 0; round < rounds; round++)
        {
            var result = await ScenarioLoader.PublishCapacityAsync(new Uri(target), scenario, round, versionBase + round, streams, bearer: bearer);
            Log($"capacity round {round}: {result.Messages:N0} figures ({result.Applied:N0} applied) on {streams} streams in {result.Elapsed.TotalSeconds:0.00} s = {result.MessagesPerSecond:N0}/s");
            results.Add(result);
        }
        return results;
    }

    public static async Task<int> SearchAsync(Args args)
    {
        var scenario = Generate(args);
        var target = args.Text("target", "http://127.0.0.1:5081");
        var concurrency = args.Number("concurrency", 50, 1);
        var warmup = args.Number("warmup", 5);
        var duration = args.Number("duration", 10, 1);
        var connections = args.Number("connections", 1, 1);
        var rate = args.Number("rate", 0);
        var signIn = SignIn.From(args);
        args.EnsureAllUsed();
        var channels = Enumerable.Range(0, connections).Select(_ => Channel(target)).ToArray();
        if (rate > 0)
        {
            var open = await new OpenLoop(new RawMatching([.. channels.Select(c => SignIn.Invoker(signIn, c))]), Workload.Build(scenario, 2026), rate, duration, warmup).RunAsync();
            var o = Percentiles.Of(open.Latency);
            var late = Percentiles.Of(open.Lateness);
            Log($"sent late by: p50 {late.P50:0.00} ms, p99 {late.P99:0.00} ms");
            Log($"open loop {rate}/s: p50 {o.P50:0.00} ms, p90 {o.P90:0.00} ms, p99 {o.P99:0.00} ms, max {o.Max:0.00} ms, {open.Errors} errors");
            return open.Errors == 0 ? 0 : 1;
        }
        var result = await new LoadRun(new RawMatching([.. channels.Select(c => SignIn.Invoker(signIn, c))]), Workload.Build(scenario, 2026), concurrency, warmup, duration).RunAsync();
        var p = Percentiles.Of(result.Latency);
        Log($"{result.Requests / (double)duration:N0}/s, p50 {p.P50:0.00} ms, p99 {p.P99:0.00} ms, {result.Errors} errors {result.FirstError}");
        return result.Errors == 0 ? 0 : 1;
    }

    public static async Task<int> ReferralReadsAsync(Args args)
    {
        var target = args.Text("target", "http://127.0.0.1:5081");
        var referrals = args.Number("referrals", 200, 1);
        var concurrency = args.Number("concurrency", 50, 1);
        var warmup = args.Number("warmup", 5);
        var duration = args.Number("duration", 15, 1);
        var label = args.Text("label", "");
        var signIn = SignIn.From(args);
        args.EnsureAllUsed();
        using var channel = Channel(target);
        var (rps, latency, errors) = await ReferralReads.RunAsync(channel, signIn, referrals, concurrency, warmup, duration);
        Console.WriteLine($"{label}GetReferral: {rps:N0}/s, p50 {latency.P50:0.00} ms, p99 {latency.P99:0.00} ms, {errors} errors");
        return errors == 0 ? 0 : 1;
    }

    /// <summary>
    /// What Redis persistence costs: the scenario's load (its capacity publications are the ingest
    /// figure) and then referral steps in a closed loop, against a Redis whose append-only-file
    /// settings are read back and reported with the figures. bench.sh --fsync runs it.
    /// </summary>
    public static async Task<int> DurabilityAsync(Args args)
    {
        var scenario = Generate(args);
        var target = args.Text("target", "http://127.0.0.1:5081");
        var redisConfig = args.Text("redis") ?? throw new FormatException("--redis host:port is required (its persistence settings are reported)");
        var streams = args.Number("streams", 16, 1);
        var rounds = args.Number("ingest-rounds", 3, 1);
        var concurrency = args.Number("concurrency", 16, 1);
        var warmup = args.Number("warmup", 5);
        var duration = args.Number("duration", 20, 1);
        var json = args.Text("json");
        var markdown = args.Text("markdown");
        var signIn = SignIn.From(args);
        args.EnsureAllUsed();

        using var channel = Channel(target);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfig + ",allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        string Setting(KeyValuePair<string, string>[] values) => values.Length > 0 ? values[0].Value : "?";
        var appendonly = Setting(await server.ConfigGetAsync("appendonly"));
        var appendfsync = Setting(await server.ConfigGetAsync("appendfsync"));
        Log($"redis: appendonly {appendonly}, appendfsync {appendfsync}");

        var ingest = await LoadAsync(channel, signIn, target, scenario, streams, rounds);
        Log($"referral steps: {concurrency} callers, {warmup} s warm-up + {duration} s");
        var steps = await ReferralStepsLoad.RunAsync(channel, signIn, concurrency, warmup, duration);
        var persistence = (await server.InfoAsync("persistence")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        var aofMb = persistence.TryGetValue("aof_current_size", out var size) ? long.Parse(size, CultureInfo.InvariantCulture) / 1e6 : 0;
        var delayed = persistence.GetValueOrDefault("aof_delayed_fsync", "0");

        var ingestMedian = ingest.Select(i => i.MessagesPerSecond).Order().ElementAt(ingest.Count / 2);
        var md = new System.Text.StringBuilder()
            .AppendLine(appendonly == "no" ? "## Persistence cost: no append-only file (appendonly no)" : $"## Persistence cost: appendonly yes, appendfsync {appendfsync}")
            .AppendLine()
            .AppendLine("| figure | value |")
            .AppendLine("|---|---|")
            .AppendLine(CultureInfo.InvariantCulture, $"| ingest, capacity figures/s per publication round | {string.Join(" · ", ingest.Select(i => i.MessagesPerSecond.ToString("N0", CultureInfo.InvariantCulture)))} (median **{ingestMedian:N0}**) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| referral steps/s, {steps.Concurrency} callers | **{steps.StepsPerSecond:N0}** ({steps.Journeys:N0} journeys, {steps.Errors} errors) |")
            .AppendLine(CultureInfo.InvariantCulture, $"| any step, p50 / p99 | **{steps.All.P50:0.00} ms** / {steps.All.P99:0.00} ms |");
        foreach (var (name, p) in steps.Steps)
            md.AppendLine(CultureInfo.InvariantCulture, $"| {name}, p50 / p99 | {p.P50:0.00} ms / {p.P99:0.00} ms ({p.Count:N0}) |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| append-only file at the end | {aofMb:0.0} MB; writes delayed behind a slow fsync (aof_delayed_fsync): {delayed} |");
        Console.WriteLine(md);
        if (markdown is not null) await File.WriteAllTextAsync(markdown, md.ToString());
        if (json is not null)
            await File.WriteAllTextAsync(json, System.Text.Json.JsonSerializer.Serialize(new
            {
                appendonly, appendfsync, ingestRps = ingest.Select(i => i.MessagesPerSecond).ToArray(), ingestMedianRps = ingestMedian,
                stepsPerSecond = steps.StepsPerSecond, stepP50Ms = steps.All.P50, stepP99Ms = steps.All.P99, steps = steps.Steps, steps.Journeys, steps.Errors,
                aofMb, aofDelayedFsync = delayed,
            }, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true }));
        if (steps.Errors > 0 || ingest.Any(i => i.Rejected > 0))
        {
            Console.Error.WriteLine($"FAIL: {steps.Errors} referral steps failed (first: {steps.FirstError}); {ingest.Sum(i => i.Rejected)} capacity figures refused");
            return 1;
        }
        return 0;
    }

    /// <summary>The capacity-history step of <see cref="RunAsync"/> on its own, straight on a Redis: markdown on stdout.</summary>
    public static async Task<int> HistoryAsync(Args args)
    {
        var scenario = Generate(args);
        var redisConfig = args.Text("redis") ?? throw new FormatException("--redis host:port is required");
        var changes = args.Number("changes", 1, 1);
        args.EnsureAllUsed();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfig + ",allowAdmin=true");
        var report = new RunReport { Scenario = ScenarioSummary.Of(scenario), Options = null!, Machine = Machine.Current };
        report.History = await HistoryMemory.RunAsync(redis, scenario, changes, Log);
        Console.WriteLine(report.HistoryMarkdown());
        return 0;
    }

    /// <summary>A gRPC length-prefixed message: no compression flag, 4-byte big-endian length, the message.</summary>
    public static int RequestBody(Args args)
    {
        var scenario = Generate(args);
        var path = args.Text("out") ?? throw new FormatException("--out path is required");
        args.EnsureAllUsed();
        var message = Google.Protobuf.MessageExtensions.ToByteArray(Workload.Sanity(scenario));
        var body = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(1), message.Length);
        message.CopyTo(body, 5);
        File.WriteAllBytes(path, body);
        return 0;
    }

    const int H2LoadRounds = 3;

    public static async Task<int> RunAsync(Args args)
    {
        var scenario = Generate(args);
        var target = args.Text("target", "http://127.0.0.1:5081");
        var hub = args.Text("hub", "http://127.0.0.1:5080/hubs/coordination");
        var redisConfig = args.Text("redis") ?? throw new FormatException("--redis host:port is required (memory and the hold step are measured there)");
        var o = new RunOptions(
            Concurrency: args.Number("concurrency", 50, 1), WarmupS: args.Number("warmup", 10), DurationS: args.Number("duration", 20, 1),
            OpenRate: args.Number("open-rate", 2000, 1), OpenDurationS: args.Number("open-duration", 20, 1), PublishRate: args.Number("publish-rate", 500, 1),
            Listeners: args.Number("listeners", 1000), Searches: args.Number("searches", 200, 1), Probes: args.Number("probes", 200),
            HoldRacers: args.Number("hold-racers", 1000, 1), HoldRounds: args.Number("hold-rounds", 3, 1),
            IngestRounds: args.Number("ingest-rounds", 3, 1), Streams: args.Number("streams", 16, 1), Seed: args.Number("mix-seed", 2026),
            HistoryChanges: args.Number("history-changes", 1));
        var servicePid = args.Number("service-pid", 0);
        var h2load = args.Text("h2load");
        var geosearchCsv = args.Text("geosearch-csv");
        var hsetCsv = args.Text("hset-csv");
        var json = args.Text("json");
        var markdown = args.Text("markdown");
        var signIn = SignIn.From(args);
        args.EnsureAllUsed();

        var startedAt = DateTimeOffset.UtcNow;
        using var channel = Channel(target);
        using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfig + ",allowAdmin=true");
        var report = new RunReport { StartedAt = startedAt, Scenario = ScenarioSummary.Of(scenario), Options = o, Machine = Machine.Current };

        // 1. Load: registry, client stops, then every provider's capacity; the publications are the ingest measurement.
        report.Ingest = await LoadAsync(channel, signIn, target, scenario, o.Streams, o.IngestRounds);
        report.RedisAfterLoadMb = await Memory.RedisUsedMb(redis);
        report.RedisKeys = await Memory.RedisKeys(redis);
        Log($"redis after load: {report.RedisAfterLoadMb:0.0} MB, {report.RedisKeys:N0} keys");
        if (servicePid > 0)
        {
            // The load (registry import, stops, three full publications) has its own peak; the traffic after it gets a fresh one.
            report.ServiceAfterLoad = Memory.Process(servicePid);
            report.PeakResetAfterLoad = Memory.ResetPeak(servicePid);
        }

        // 2. Sanity: numbers from a service that finds nothing would look great and mean nothing.
        report.SignedIn = signIn is not null;
        var calls = SignIn.Invoker(signIn, channel);
        var matching = new MatchingService.MatchingServiceClient(calls);
        var probe = Workload.Sanity(scenario);
        var sanity = await matching.FindProvidersAsync(probe, deadline: DateTime.UtcNow.AddSeconds(30));
        report.Sanity = new Sanity(Workload.Describe(probe), sanity.PatientPc4, sanity.Municipality, sanity.Candidates.Count, sanity.Exclusions.Count);
        if (sanity.Candidates.Count == 0) throw new InvalidOperationException($"sanity search {report.Sanity.Request} found no candidates");
        var pool = Workload.Build(scenario, o.Seed);

        // 3. Closed loop: how many searches per second the service answers at this concurrency.
        Log($"search, closed loop: {o.Concurrency} callers, {o.WarmupS} s warm-up + {o.DurationS} s");
        var raw = new RawMatching([calls]);
        report.Closed = await new LoadRun(raw, pool, o.Concurrency, o.WarmupS, o.DurationS).RunAsync();
        Log($"  {report.Closed.Requests / (double)o.DurationS:N0}/s, p99 {report.Closed.Latency.GetValueAtPercentile(99) / 1000.0:0.00} ms, {report.Closed.Errors} errors");

        // 4. The same searches at a fixed rate, with nothing else going on.
        Log($"search, open loop: {o.OpenRate}/s for {o.OpenDurationS} s");
        report.OpenQuiet = await new OpenLoop(raw, pool, o.OpenRate, o.OpenDurationS).RunAsync();

        // The service's side of the yardstick, with a client as light as redis-benchmark: h2load on
        // the health check (the cost of any gRPC call here) and on one search, signed in as the
        // hospital's transfer nurse; and the health check without a token, whose authentication,
        // rate limiter and interceptors find nothing to check: signed ÷ anonymous is what the
        // security layer costs an empty call. Side by side: each warmed up once, then rounds that
        // take turns, so that other work on a shared machine falls on all of them alike; the
        // ratios are the medians of each round's own.
        if (h2load is not null)
        {
            string[] nurse = signIn is null ? [] : [$"authorization: {signIn.Bearer("requester", SignIn.Hospital)}"];
            var health = new Grpc.Health.V1.HealthCheckRequest();
            var runs = new List<(string Method, IMessage Request, string[] Headers)>();
            if (signIn is not null) runs.Add(("grpc.health.v1.Health/Check", health, []));
            runs.Add(("grpc.health.v1.Health/Check", health, nurse));
            runs.Add(("capacity.v1.MatchingService/FindProviders", probe, nurse));
            var each = Math.Max(1, o.DurationS / H2LoadRounds);
            Log($"h2load: {o.Concurrency} connections, health check{(signIn is null ? "" : " (anonymous, signed in)")} and the sanity search; {H2LoadRounds} rounds of {each} s each, taking turns");
            foreach (var (method, request, headers) in runs)
                await H2Load.RunAsync(h2load, target, method, request, headers, o.Concurrency, Math.Max(1, Math.Min(5, o.WarmupS)));
            for (var round = 0; round < H2LoadRounds; round++)
            {
                var results = new List<RedisBenchmark>();
                foreach (var (method, request, headers) in runs)
                    results.Add(await H2Load.RunAsync(h2load, target, method, request, headers, o.Concurrency, each, servicePid));
                report.H2loadRounds.Add(signIn is null ? new H2LoadRound(null, results[0], results[1]) : new H2LoadRound(results[0], results[1], results[2]));
            }
            report.H2loadHealth = H2LoadRound.Median(report.H2loadRounds.Select(r => r.Health));
            report.H2loadMatch = H2LoadRound.Median(report.H2loadRounds.Select(r => r.Match));
            report.H2loadHealthAnonymous = signIn is null ? null : H2LoadRound.Median(report.H2loadRounds.Select(r => r.Anonymous!));
            Log($"  health check {report.H2loadHealth.Rps:N0}/s (anonymous {report.H2loadHealthAnonymous?.Rps ?? 0:N0}/s); FindProviders {report.H2loadMatch.Rps:N0}/s, p99 {report.H2loadMatch.P99Ms:0.00} ms");
        }

        // 5. A busy day: searches at a fixed rate while providers publish and 1,000 browsers follow searches.
        await using (var push = new PushProbe(hub, channel, signIn))
        {
            await push.ConnectAsync(pool, o.Listeners, o.Searches, Log);
            Log($"busy: searches open loop at {o.OpenRate}/s, {o.PublishRate} figures/s published, {o.Probes} push probes; {o.OpenDurationS} s");
            var capacity = new CapacityService.CapacityServiceClient(calls);
            var open = new OpenLoop(raw, pool, o.OpenRate, o.OpenDurationS).RunAsync();
            var publishing = new PacedPublisher(capacity, signIn, scenario, o.PublishRate, streams: 4)
                .RunAsync(TimeSpan.FromSeconds(o.OpenDurationS), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + 1_000_000);
            var probes = push.ProbeAsync(o.Probes, TimeSpan.FromMilliseconds(o.OpenDurationS * 1000.0 / Math.Max(1, o.Probes)), Log);
            await Task.WhenAll(open, publishing, probes);
            report.ServiceUnderLoad = servicePid > 0 ? Memory.Process(servicePid) : null;
            report.Open = await open;
            report.PublishedDuringOpen = await publishing;
            report.Push = await probes;
            Log($"  open loop p99 {report.Open.Latency.GetValueAtPercentile(99) / 1000.0:0.00} ms; push p99 {report.Push.Latency.GetValueAtPercentile(99) / 1000.0:0.00} ms ({report.Push.Received}/{report.Push.Expected} pushes)");
        }

        // 6. The last place.
        Log($"holds: {o.HoldRounds} rounds of {o.HoldRacers} racers for 1 place");
        report.HoldStep = await HoldRace.HoldStepAsync(redis, o.HoldRounds, o.HoldRacers, places: 1);
        report.OfferRace = await HoldRace.OfferReferralAsync(channel, signIn, o.HoldRounds, o.HoldRacers, places: 1);
        Log($"  hold step p99 {report.HoldStep.Latency.GetValueAtPercentile(99) / 1000.0:0.00} ms; OfferReferral p99 {report.OfferRace.Latency.GetValueAtPercentile(99) / 1000.0:0.00} ms");

        report.RedisAtEndMb = await Memory.RedisUsedMb(redis);

        // 7. Capacity history: its memory for one day of publishing, extrapolated to what is kept, and its write cost.
        if (o.HistoryChanges > 0)
        {
            report.History = await HistoryMemory.RunAsync(redis, scenario, o.HistoryChanges, Log);
            Log($"  history: {report.History.TotalMb:0.0} MB kept (35 days hourly + 2 years daily); writes {report.History.NewFiguresPerSecond:N0}/s with history, {report.History.OldFiguresPerSecond:N0}/s without");
        }
        report.ServiceAtEnd = servicePid > 0 ? Memory.Process(servicePid) : null;
        report.Geosearch = geosearchCsv is null ? null : RedisBenchmark.Parse(geosearchCsv);
        report.Hset = hsetCsv is null ? null : RedisBenchmark.Parse(hsetCsv);

        if (json is not null) await File.WriteAllTextAsync(json, report.ToJson());
        var md = report.ToMarkdown();
        if (markdown is not null) await File.WriteAllTextAsync(markdown, md);
        Console.WriteLine(md);

        var failures = report.Failures().ToArray();
        foreach (var failure in failures) Console.Error.WriteLine($"FAIL: {failure}");
        return failures.Length == 0 ? 0 : 1;
    }
}

/// <summary>One round of the h2load runs, side by side: the health check anonymous (when the others sign in) and signed in, and a search.</summary>
sealed record H2LoadRound(RedisBenchmark? Anonymous, RedisBenchmark Health, RedisBenchmark Match)
{
    /// <summary>The run with the median requests/s.</summary>
    public static RedisBenchmark Median(IEnumerable<RedisBenchmark> runs)
    {
        var sorted = runs.OrderBy(r => r.Rps).ToArray();
        return sorted[(sorted.Length - 1) / 2];
    }
}

sealed record RunOptions(
    int Concurrency, int WarmupS, int DurationS, int OpenRate, int OpenDurationS, int PublishRate, int Listeners, int Searches,
    int Probes, int HoldRacers, int HoldRounds, int IngestRounds, int Streams, int Seed, int HistoryChanges);
