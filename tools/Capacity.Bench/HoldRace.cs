using Capacity.Service.Redis;
using System.Diagnostics;
using Capacity.Service.Capacity;
using Capacity.V1;
using Grpc.Core;
using HdrHistogram;
using StackExchange.Redis;

namespace Capacity.Bench;

sealed record HoldRaceResult(string Kind, int Rounds, int Racers, int Places, IReadOnlyList<int> WinnersPerRound, HistogramBase Latency)
{
    public bool Exact => WinnersPerRound.All(w => w == Math.Min(Racers, Places));
}

/// <summary>
/// Coordinators racing for the last places. Two views of the same race:
/// <see cref="OfferReferralAsync"/> end to end through the API (each call: read, rules, atomic
/// hold, conditioned referral write), and <see cref="HoldStepAsync"/> the atomic hold itself (the
/// service's <see cref="HoldStore"/>: one Lua script on the area's slot; the due-index entry
/// follows only for a won hold, once its offer is recorded).
/// Exactly as many racers as places may win.
/// </summary>
static class HoldRace
{
    const string Uzovi = "0990", Agb = "99000001", HoldAgb = "99000002", Area = "1012", Org = "bench-holds";

    public static async Task<HoldRaceResult> OfferReferralAsync(ChannelBase channel, SignIn? signIn, int rounds, int racers, int places)
    {
        var calls = SignIn.Invoker(signIn, channel, Org);
        var registry = new RegistryService.RegistryServiceClient(calls);
        var capacity = new CapacityService.CapacityServiceClient(calls);
        var referrals = new ReferralService.ReferralServiceClient(calls);

        var today = Workload.Today();
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
        // Round -1 warms up (first calls, script loading) and is not counted.
        for (var round = -1; round < rounds; round++)
        {
            await capacity.SetCapacityAsync(new SetCapacityRequest
            {
                Agb = Agb, Pc4 = Area, CareType = CareType.DistrictNursing, FreePlaces = places, Version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + round + 1,
            });
            var ids = new string[racers];
            await Parallel.ForEachAsync(Enumerable.Range(0, racers), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                var created = await referrals.CreateReferralAsync(new CreateReferralRequest
                {
                    RequestId = $"{run}-{round}-{i}",
                    RequesterOrg = Org,
                    // Letters between the numbers: digit runs joined by dashes could look like a BSN and be refused.
                    PatientRef = $"bench-{run}-r{round + 1}-p{i}",
                    Search = new FindProvidersRequest
                    {
                        PatientPostcode = Area, InsurerUzovi = Uzovi, CareType = CareType.DistrictNursing, StartDate = Workload.ToDate(today.AddDays(1)),
                    },
                }, cancellationToken: ct);
                ids[i] = created.Id;
            });

            var results = await RaceAsync(ids, async id =>
                (await referrals.OfferReferralAsync(new OfferReferralRequest { RequestId = $"{run}-offer-{id}", ReferralId = id, ProviderAgbs = { Agb } }))
                .Referral.Offers.Count > 0);
            if (round >= 0)
            {
                foreach (var (_, _, micros) in results) latency.RecordValue(micros);
                winnersPerRound.Add(results.Count(r => r.Won));
            }

            // Cancelling releases the winners' places for the next round.
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (id, ct) =>
                await referrals.CancelReferralAsync(new CancelReferralRequest { RequestId = $"{run}-cancel-{id}", ReferralId = id }, cancellationToken: ct));
        }
        return new HoldRaceResult("OfferReferral (API, end to end)", rounds, racers, places, winnersPerRound, latency);
    }

    public static async Task<HoldRaceResult> HoldStepAsync(IConnectionMultiplexer redis, int rounds, int racers, int places)
    {
        var capacity = new CapacityStore(redis, TimeProvider.System);
        var holds = new HoldStore(redis, capacity, new ReplicaAcknowledgement(redis, Microsoft.Extensions.Options.Options.Create(new RedisOptions()))); // one Redis: no replicas to wait for
        var latency = new LongHistogram(60_000_000, 3);
        var winnersPerRound = new List<int>();
        var run = Guid.NewGuid().ToString("N")[..8];
        for (var round = -1; round < rounds; round++)
        {
            var version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000 + round + 1;
            await capacity.WriteAsync([new CapacityWrite(HoldAgb, int.Parse(Area), CareType.DistrictNursing,
                new CapacityCell(version, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), places, Workload.Today(), null))]);
            var attempts = Enumerable.Range(0, racers).Select(i => new Hold($"{run}-{round}-{i}", HoldAgb, int.Parse(Area), CareType.DistrictNursing,
                DateTimeOffset.UtcNow.AddMinutes(10), $"bench-{run}", $"offer-{i}")).ToArray();
            // As an offer holds: only a place a search would offer (a fresh figure, free by the start day).
            var trustedSince = DateTimeOffset.UtcNow.AddHours(-24);
            var results = await RaceAsync(attempts, async hold => (await holds.HoldAsync(hold, hold.OfferId, trustedSince, Workload.Today().AddDays(1))).Outcome == HoldOutcome.Held);
            if (round >= 0)
            {
                foreach (var (_, _, micros) in results) latency.RecordValue(micros);
                winnersPerRound.Add(results.Count(r => r.Won));
            }
            foreach (var (hold, _, _) in results.Where(r => r.Won))
            {
                await holds.ReleaseAsync(hold.Pc4, hold.HoldId);
            }
        }
        return new HoldRaceResult("Hold step (HoldStore: one Lua script on the area's slot)", rounds, racers, places, winnersPerRound, latency);
    }

    /// <summary>Starts every call at the same moment and times each.</summary>
    static async Task<(T Racer, bool Won, long Micros)[]> RaceAsync<T>(IReadOnlyList<T> racers, Func<T, Task<bool>> attempt)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = racers.Select(racer => Task.Run(async () =>
        {
            await start.Task;
            var sent = Stopwatch.GetTimestamp();
            var won = await attempt(racer);
            return (racer, won, Math.Min(60_000_000, (Stopwatch.GetTimestamp() - sent) * 1_000_000 / Stopwatch.Frequency));
        })).ToArray();
        // Let every racer reach the gate before it opens.
        await Task.Delay(200);
        start.SetResult();
        return await Task.WhenAll(calls);
    }
}
