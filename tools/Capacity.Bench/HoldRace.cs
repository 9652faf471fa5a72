using System.Diagnostics;
using System.Globalization;
using System.Text;
using Capacity.V1;
using Grpc.Core;
using Grpc.Net.Client;
using HdrHistogram;

namespace Capacity.Bench;

/// <summary>
/// Coordinators racing for the last places: in each round a provider publishes a few free places
/// and many referrals are offered to it at the same moment (OfferReferral: fresh search, atomic
/// hold, conditioned referral write). Exactly as many offers as places must succeed; the report
/// gives the latency of the racing calls. The winners are cancelled after each round, which
/// releases their places for the next.
/// </summary>
static class HoldRace
{
    const string Uzovi = "0990", Agb = "99000001", Area = "1012", Org = "bench-holds";

    public const string Usage = """
        usage: Capacity.Bench holds [--target http://127.0.0.1:5081] [--rounds 20] [--racers 50] [--places 5]
                                    [--json path] [--markdown path]
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var o = ParseArgs(args);
        if (o is null)
        {
            Console.Error.WriteLine(Usage);
            return 64;
        }
        var (target, rounds, racers, places, json, markdown) = o.Value;
        using var channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
        var registry = new RegistryService.RegistryServiceClient(channel);
        var capacity = new CapacityService.CapacityServiceClient(channel);
        var referrals = new ReferralService.ReferralServiceClient(channel);

        var amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, amsterdam).DateTime);
        await registry.UpsertInsurerAsync(new UpsertInsurerRequest { Insurer = new Insurer { Uzovi = Uzovi, Name = "Bench Verzekeraar" } });
        await registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider { Agb = Agb, Name = "Bench Wijkzorg", BasePc4 = Area, ServedPc4S = { Area }, Qualifications = new Qualifications() },
        });
        foreach (var year in new[] { today.Year, today.Year + 1 })
            await registry.UpsertContractAsync(new UpsertContractRequest
            {
                Contract = new Contract { ProviderAgb = Agb, InsurerUzovi = Uzovi, Year = year, ContractType = ContractType.Standaard, CareTypes = { CareType.DistrictNursing } },
            });

        var run = Guid.NewGuid().ToString("N")[..8];
        var latency = new LongHistogram(60_000_000, 3);
        var winnersPerRound = new List<int>();
        for (var round = 0; round < rounds; round++)
        {
            await capacity.SetCapacityAsync(new SetCapacityRequest
            {
                Agb = Agb, Pc4 = Area, CareType = CareType.DistrictNursing, FreePlaces = places, Version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + round,
            });
            var ids = new List<string>(racers);
            for (var i = 0; i < racers; i++)
            {
                var created = await referrals.CreateReferralAsync(new CreateReferralRequest
                {
                    RequestId = $"{run}-{round}-{i}",
                    RequesterOrg = Org,
                    PatientRef = $"bench-{run}-{round}-{i}",
                    Search = new FindProvidersRequest
                    {
                        PatientPostcode = Area, InsurerUzovi = Uzovi, CareType = CareType.DistrictNursing,
                        StartDate = new Google.Type.Date { Year = today.AddDays(1).Year, Month = today.AddDays(1).Month, Day = today.AddDays(1).Day },
                    },
                });
                ids.Add(created.Id);
            }

            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var calls = ids.Select(id => Task.Run(async () =>
            {
                await start.Task;
                var sent = Stopwatch.GetTimestamp();
                var response = await referrals.OfferReferralAsync(new OfferReferralRequest { RequestId = $"{run}-offer-{id}", ReferralId = id, ProviderAgbs = { Agb } });
                var micros = (Stopwatch.GetTimestamp() - sent) * 1_000_000 / Stopwatch.Frequency;
                return (id, won: response.Referral.Offers.Count > 0, micros);
            })).ToArray();
            start.SetResult();
            var results = await Task.WhenAll(calls);
            lock (latency)
                foreach (var r in results) latency.RecordValue(Math.Min(r.micros, 60_000_000));
            winnersPerRound.Add(results.Count(r => r.won));

            foreach (var (id, _, _) in results.Where(r => r.won))
                await referrals.CancelReferralAsync(new CancelReferralRequest { RequestId = $"{run}-cancel-{id}", ReferralId = id });
            foreach (var (id, _, _) in results.Where(r => !r.won))
                await referrals.CancelReferralAsync(new CancelReferralRequest { RequestId = $"{run}-cancel-{id}", ReferralId = id });
        }

        double Ms(double p) => latency.GetValueAtPercentile(p) / 1000.0;
        var expected = Math.Min(racers, places);
        var exact = winnersPerRound.All(w => w == expected);
        var md = new StringBuilder()
            .AppendLine("## Racing for the last places (OfferReferral)")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{rounds} rounds; in each, {racers} referrals are offered at the same moment to one provider with {places} free places. Each call searches, holds a place atomically (one Lua script) and records the offer (one conditioned transaction).")
            .AppendLine()
            .AppendLine("| Metric | Value |")
            .AppendLine("|---|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| Offers made per round (must be {expected}) | {string.Join(", ", winnersPerRound.Distinct())} {(exact ? "✓" : "✗")} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Racing calls | {latency.TotalCount:N0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| p50 latency | {Ms(50):0.00} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| p90 latency | {Ms(90):0.00} ms |")
            .AppendLine(CultureInfo.InvariantCulture, $"| p99 latency | **{Ms(99):0.00} ms** |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Max latency | {latency.GetMaxValue() / 1000.0:0.00} ms |")
            .ToString();
        var jsonText = System.Text.Json.JsonSerializer.Serialize(new
        {
            rounds, racers, places, winnersPerRound, calls = latency.TotalCount,
            latencyMs = new { p50 = Ms(50), p90 = Ms(90), p99 = Ms(99), max = latency.GetMaxValue() / 1000.0 },
        }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        if (json is not null) await File.WriteAllTextAsync(json, jsonText);
        if (markdown is not null) await File.WriteAllTextAsync(markdown, md);
        else Console.WriteLine(md);
        if (!exact)
        {
            Console.Error.WriteLine($"FAIL: offers made per round {string.Join(",", winnersPerRound)}; expected {expected} each");
            return 1;
        }
        return 0;
    }

    static (string Target, int Rounds, int Racers, int Places, string? Json, string? Markdown)? ParseArgs(string[] args)
    {
        var values = new Dictionary<string, string>();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) return null;
            values[args[i][2..]] = args[i + 1];
        }
        if (args.Length % 2 != 0) return null;
        int Number(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return (values.GetValueOrDefault("target", "http://127.0.0.1:5081"), Number("rounds", 20), Number("racers", 50), Number("places", 5),
            values.GetValueOrDefault("json"), values.GetValueOrDefault("markdown"));
    }
}
