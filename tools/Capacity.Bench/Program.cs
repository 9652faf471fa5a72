using System.Globalization;
using Capacity.Bench;
using Capacity.V1;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;

if (args is ["holds", ..]) return await HoldRace.RunAsync(args[1..]);

BenchOptions options;
try { options = BenchOptions.Parse(args); }
catch (FormatException e)
{
    Console.Error.WriteLine($"{e.Message}\n\n{BenchOptions.Usage}");
    return 64;
}

var amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, amsterdam).DateTime);

using var channel = GrpcChannel.ForAddress(options.Target, new GrpcChannelOptions
{
    // Past 100 concurrent streams (Kestrel's default limit per connection) open a second connection instead of queueing.
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
});
var client = new MatchingService.MatchingServiceClient(channel);

// Numbers from a service that finds nothing (no demo data, wrong Redis) would look great and mean nothing.
var probe = Workload.Sanity(today);
Sanity sanity;
try
{
    var response = await client.FindProvidersAsync(probe, deadline: DateTime.UtcNow.AddSeconds(30));
    sanity = new Sanity(Workload.Describe(probe), response.PatientPc4, response.Municipality, response.Candidates.Count, response.Exclusions.Count);
}
catch (RpcException e)
{
    Console.Error.WriteLine($"FAIL: sanity request ({Workload.Describe(probe)}) returned {e.StatusCode}: {e.Status.Detail}");
    return 2;
}
if (sanity.Candidates + sanity.Exclusions == 0)
{
    Console.Error.WriteLine($"FAIL: sanity request ({Workload.Describe(probe)}) found no providers at all; is the service running with Demo__Seed=true?");
    return 2;
}
Console.WriteLine($"sanity: {sanity.Pc4} {sanity.Municipality}: {sanity.Candidates} candidates, {sanity.Exclusions} exclusions");

Console.WriteLine($"load: {options.Concurrency} workers against {options.Target}, {options.WarmupS} s warm-up, {options.DurationS} s measured");
var startedAt = DateTimeOffset.UtcNow;
var load = await new LoadRun(client, Workload.Build(options.Seed, today), options.Concurrency, options.WarmupS, options.DurationS).RunAsync();

var geosearch = options.GeosearchCsv is { } csv ? Geosearch.Parse(csv, options.GeosearchMembers) : null;
var rps = load.Requests / (double)options.DurationS;
double Ms(double percentile) => load.Latency.GetValueAtPercentile(percentile) / 1000.0;
var report = new BenchReport(
    startedAt, options.Target, options.Concurrency, options.WarmupS, options.DurationS, options.Seed,
    load.Requests, load.Errors, load.FirstError, rps, Median(load.PerSecond), load.PerSecond,
    new Latency(Ms(50), Ms(90), Ms(99), Ms(99.9), load.Latency.GetMaxValue() / 1000.0, load.Latency.GetMean() / 1000.0),
    sanity, geosearch, geosearch is null ? null : rps / geosearch.Rps, Machine.Current);

if (options.JsonPath is { } json) await File.WriteAllTextAsync(json, report.ToJson());
if (options.MarkdownPath is { } markdown) await File.WriteAllTextAsync(markdown, report.ToMarkdown());
else Console.WriteLine(report.ToMarkdown());

if (load.Requests == 0 || load.Errors > 0)
{
    Console.Error.WriteLine($"FAIL: {load.Errors} of {load.Requests + load.Errors} calls failed; first: {load.FirstError}");
    return 1;
}
return 0;

static double Median(long[] values)
{
    var sorted = values.Order().ToArray();
    var mid = sorted.Length / 2;
    return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
}

sealed record BenchOptions(
    string Target, int Concurrency, int DurationS, int WarmupS, int Seed,
    string? JsonPath, string? MarkdownPath, string? GeosearchCsv, int GeosearchMembers)
{
    public const string Usage = """
        usage: Capacity.Bench [--target http://127.0.0.1:5081] [--concurrency 50] [--duration 20] [--warmup 5]
                              [--seed 2026] [--json path] [--markdown path]
                              [--geosearch-csv path (redis-benchmark --csv output)] [--geosearch-members n]
        """;

    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 == args.Length)
                throw new FormatException($"expected --name value, got '{args[i]}'");
            values[args[i][2..]] = args[i + 1];
        }
        string? Text(string name) => values.Remove(name, out var v) ? v : null;
        int Number(string name, int fallback, int min) => Text(name) is not { } v ? fallback
            : int.TryParse(v, CultureInfo.InvariantCulture, out var n) && n >= min ? n
            : throw new FormatException($"--{name} must be a whole number of at least {min}, got '{v}'");

        var options = new BenchOptions(
            Text("target") ?? "http://127.0.0.1:5081",
            Number("concurrency", 50, 1), Number("duration", 20, 1), Number("warmup", 5, 0), Number("seed", 2026, 0),
            Text("json"), Text("markdown"), Text("geosearch-csv"), Number("geosearch-members", 0, 0));
        if (values.Count > 0) throw new FormatException($"unknown option --{values.Keys.First()}");
        return options;
    }
}
