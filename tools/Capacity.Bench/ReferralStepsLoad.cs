using System.Diagnostics;
using Capacity.V1;
using Grpc.Core;
using HdrHistogram;

namespace Capacity.Bench;

sealed record StepsResult(int Concurrency, int DurationS, long Journeys, long Errors, string? FirstError, IReadOnlyDictionary<string, Percentiles> Steps, Percentiles All)
{
    public double StepsPerSecond => All.Count / (double)DurationS;
}

/// <summary>
/// Referral steps in a closed loop: each caller runs journeys one after the other — create, offer
/// to one provider, then accept, or decline and cancel — with a new request id per step. Every
/// step is a conditioned write plus its follow-up (holds, indexes, history), so this is where the
/// append-only file's fsync policy shows: run it against Redis with appendfsync everysec and always.
/// Only steps that complete inside the measured window count.
/// </summary>
static class ReferralStepsLoad
{
    const string Uzovi = "0992", Area = "1012", Org = "bench-steps";
    static readonly string[] Agbs = ["99000011", "99000012", "99000013"];
    static readonly string[] Names = ["create", "offer", "accept", "decline", "cancel"];

    public static async Task<StepsResult> RunAsync(ChannelBase channel, SignIn? signIn, int concurrency, int warmupS, int durationS)
    {
        var calls = SignIn.Invoker(signIn, channel, Org);
        var registry = new RegistryService.RegistryServiceClient(calls);
        var capacity = new CapacityService.CapacityServiceClient(calls);
        var referrals = new ReferralService.ReferralServiceClient(calls);
        var offers = new OfferService.OfferServiceClient(calls);
        var today = Workload.Today();
        await registry.UpsertInsurerAsync(new UpsertInsurerRequest { Insurer = new Insurer { Uzovi = Uzovi, Name = "Bench Stappen Verzekeraar" } });
        foreach (var agb in Agbs)
        {
            await registry.UpsertProviderAsync(new UpsertProviderRequest
            {
                Provider = new Provider { Agb = agb, Name = $"Bench Stappen {agb}", BasePc4 = Area, ServedPc4S = { Area }, Qualifications = new Qualifications() },
            });
            foreach (var year in new[] { today.Year, today.Year + 1 })
                await registry.UpsertContractAsync(new UpsertContractRequest
                {
                    Contract = new Contract { ProviderAgb = agb, InsurerUzovi = Uzovi, Year = year, ContractType = ContractType.Standaard, CareTypes = { CareType.DistrictNursing } },
                });
            // As many places as a figure may state: accepts take them, and a run must not run out.
            await capacity.SetCapacityAsync(new SetCapacityRequest
            {
                Agb = agb, Pc4 = Area, CareType = CareType.DistrictNursing, FreePlaces = 10_000, Version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000,
            });
        }

        var run = Guid.NewGuid().ToString("N")[..8];
        var histograms = Names.ToDictionary(n => n, _ => new LongConcurrentHistogram(1, 60_000_000, 3));
        long journeys = 0, errors = 0;
        string? firstError = null;
        var measureFrom = Stopwatch.GetTimestamp() + warmupS * Stopwatch.Frequency;
        var end = measureFrom + durationS * Stopwatch.Frequency;

        async Task<T> Step<T>(string name, Func<Task<T>> call)
        {
            var sent = Stopwatch.GetTimestamp();
            var answer = await call();
            var done = Stopwatch.GetTimestamp();
            if (done >= measureFrom && done < end) histograms[name].RecordValue(Math.Clamp((done - sent) * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
            return answer;
        }

        var callers = Enumerable.Range(0, concurrency).Select(c => Task.Run(async () =>
        {
            for (var n = 0; Stopwatch.GetTimestamp() < end; n++)
            {
                var key = $"{run}-c{c}-j{n}";
                var agb = Agbs[(c + n) % Agbs.Length];
                try
                {
                    var created = await Step("create", () => referrals.CreateReferralAsync(new CreateReferralRequest
                    {
                        RequestId = key, RequesterOrg = Org, PatientRef = $"steps-{run}-c{c}-j{n}",
                        Search = new FindProvidersRequest { PatientPostcode = Area, InsurerUzovi = Uzovi, CareType = CareType.DistrictNursing, StartDate = Workload.ToDate(today.AddDays(1)) },
                    }).ResponseAsync);
                    var offered = await Step("offer", () => referrals.OfferReferralAsync(new OfferReferralRequest { RequestId = key + "-offer", ReferralId = created.Id, ProviderAgbs = { agb } }).ResponseAsync);
                    var offer = offered.Referral.Offers.FirstOrDefault(o => o.State == OfferState.Pending)
                        ?? throw new InvalidOperationException($"no offer made: {string.Join("; ", offered.Rejected.Select(r => r.Reason))}");
                    var accept = n % 2 == 0;
                    await Step(accept ? "accept" : "decline", () => offers.AnswerOfferAsync(new AnswerOfferRequest
                    {
                        RequestId = key + "-answer", ReferralId = created.Id, OfferId = offer.Id, ProviderAgb = agb, Accept = accept,
                        DeclineReason = accept ? DeclineReason.Unspecified : DeclineReason.NoStaff,
                    }).ResponseAsync);
                    if (!accept) await Step("cancel", () => referrals.CancelReferralAsync(new CancelReferralRequest { RequestId = key + "-cancel", ReferralId = created.Id }).ResponseAsync);
                    if (Stopwatch.GetTimestamp() is var t && t >= measureFrom && t < end) Interlocked.Increment(ref journeys);
                }
                catch (Exception e) when (e is RpcException or InvalidOperationException)
                {
                    Interlocked.Increment(ref errors);
                    if (Interlocked.CompareExchange(ref firstError, e.Message, null) is null) Console.Error.WriteLine($"first error: {e.Message}");
                }
            }
        })).ToArray();
        // A hung service must not hang the benchmark.
        await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(warmupS + durationS + 60));

        var all = new LongHistogram(60_000_000, 3);
        foreach (var h in histograms.Values) all.Add(h);
        return new StepsResult(concurrency, durationS, journeys, errors, firstError,
            histograms.Where(h => h.Value.TotalCount > 0).ToDictionary(h => h.Key, h => Percentiles.Of(h.Value)), Percentiles.Of(all));
    }
}
