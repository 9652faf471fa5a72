using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Capacity.Bench;

sealed record Latency(double P50, double P90, double P99, double P999, double Max, double Mean);

sealed record Sanity(string Request, string Pc4, string Municipality, int Candidates, int Exclusions);

/// <summary>One line of <c>redis-benchmark --csv</c>.</summary>
sealed record Geosearch(string Command, int Members, double Rps, double P50Ms, double P99Ms)
{
    public static Geosearch Parse(string csvPath, int members)
    {
        var lines = File.ReadAllLines(csvPath).Where(l => l.StartsWith('"')).ToArray();
        if (lines.Length < 2) throw new InvalidDataException($"{csvPath}: expected a header and a result line from redis-benchmark --csv");
        // Fields are quoted and hold no commas (the test name is the command line).
        static string[] Fields(string line) => line.Trim().Trim('"').Split("\",\"");
        var header = Fields(lines[0]);
        var row = Fields(lines[1]);
        double Value(string column) => double.Parse(row[Array.IndexOf(header, column)], CultureInfo.InvariantCulture);
        return new Geosearch(row[0], members, Value("rps"), Value("p50_latency_ms"), Value("p99_latency_ms"));
    }
}

sealed record Machine(int Cores, string Os, string Runtime)
{
    public static Machine Current => new(Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);
}

sealed record BenchReport(
    DateTimeOffset StartedAt, string Target, int Concurrency, int WarmupS, int DurationS, int Seed,
    long Requests, long Errors, string? FirstError, double Rps, double MedianPerSecondRps, long[] PerSecondRps, Latency LatencyMs,
    Sanity Sanity, Geosearch? Geosearch, double? RatioToGeosearch, Machine Machine)
{
    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("## Capacity matching benchmark").AppendLine()
          .AppendLine($"`FindProviders` over gRPC (h2c, one shared HTTP/2 channel) against the demo data, closed loop: "
                    + $"{Concurrency} concurrent callers, {DurationS} s measured after {WarmupS} s warm-up, request mix seed {Seed}. "
                    + $"Client, service and Redis share one machine: {Machine.Cores} cores, {Machine.Runtime}, {Machine.Os}; started {StartedAt:yyyy-MM-dd HH:mm} UTC.")
          .AppendLine()
          .AppendLine("| Metric | Value |")
          .AppendLine("|---|---:|")
          .AppendLine($"| Matches per second | **{N(Rps, "N0")}** |")
          .AppendLine($"| Median of per-second throughput | {N(MedianPerSecondRps, "N0")} |")
          .AppendLine($"| Requests (errors) | {N(Requests, "N0")} ({N(Errors, "N0")}) |")
          .AppendLine($"| p50 latency | {Ms(LatencyMs.P50)} |")
          .AppendLine($"| p90 latency | {Ms(LatencyMs.P90)} |")
          .AppendLine($"| p99 latency | **{Ms(LatencyMs.P99)}** |")
          .AppendLine($"| p99.9 latency | {Ms(LatencyMs.P999)} |")
          .AppendLine($"| Max latency | {Ms(LatencyMs.Max)} |");
        if (FirstError is not null) md.AppendLine().AppendLine($"First error: `{FirstError}`");
        md.AppendLine().AppendLine($"Sanity check (`{Sanity.Request}`): {Sanity.Pc4} {Sanity.Municipality}, "
                                 + $"{Sanity.Candidates} candidates, {Sanity.Exclusions} exclusions.");
        if (Geosearch is { } g)
        {
            md.AppendLine().AppendLine("### Side by side: a bare Redis GEOSEARCH").AppendLine()
              .AppendLine($"`redis-benchmark -c {Concurrency} {g.Command}` on the same Redis, over a GEO key of "
                        + $"{N(g.Members, "N0")} PC4 centroids: a yardstick of one Redis round trip doing a geo query.")
              .AppendLine()
              .AppendLine("| | Requests/s | p50 | p99 |")
              .AppendLine("|---|---:|---:|---:|")
              .AppendLine($"| FindProviders | {N(Rps, "N0")} | {Ms(LatencyMs.P50)} | {Ms(LatencyMs.P99)} |")
              .AppendLine($"| GEOSEARCH | {N(g.Rps, "N0")} | {Ms(g.P50Ms)} | {Ms(g.P99Ms)} |")
              .AppendLine()
              .AppendLine($"Ratio matches/s ÷ GEOSEARCH/s: **{N(RatioToGeosearch!.Value, "0.000")}**");
        }
        return md.ToString();
    }

    static string N(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    static string Ms(double ms) => $"{N(ms, ms < 10 ? "0.00" : "0.0")} ms";
}
