using System.Diagnostics;
using Capacity.V1;
using Grpc.Core;
using HdrHistogram;

namespace Capacity.Bench;

/// <summary>
/// What the audit trail costs: coordinators reading referrals (GetReferral, each read one audit
/// record) in a closed loop. Run once against a service with Audit:Enabled=true and once with
/// false; the ratio is the cost.
/// </summary>
static class ReferralReads
{
    public static async Task<(double Rps, Percentiles Latency, long Errors)> RunAsync(ChannelBase channel, SignIn? signIn, int referrals, int concurrency, int warmupS, int durationS)
    {
        var calls = SignIn.Invoker(signIn, channel, "bench-audit");
        var registry = new RegistryService.RegistryServiceClient(calls);
        var client = new ReferralService.ReferralServiceClient(calls);
        await registry.UpsertInsurerAsync(new() { Insurer = new() { Uzovi = "0991", Name = "Audit Bench Verzekeraar" } });
        var run = Guid.NewGuid().ToString("N")[..8];
        var ids = new string[referrals];
        await Parallel.ForEachAsync(Enumerable.Range(0, referrals), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var created = await client.CreateReferralAsync(new CreateReferralRequest
            {
                RequestId = $"{run}-{i}", RequesterOrg = "bench-audit", PatientRef = $"audit-{run}-p{i}",
                Search = new FindProvidersRequest { PatientPostcode = "1012", InsurerUzovi = "0991", CareType = CareType.DistrictNursing, StartDate = Workload.ToDate(Workload.Today().AddDays(1)) },
            }, cancellationToken: ct);
            ids[i] = created.Id;
        });

        var latency = new LongConcurrentHistogram(1, 60_000_000, 3);
        long completed = 0, errors = 0;
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + warmupS * Stopwatch.Frequency;
        var end = measureFrom + durationS * Stopwatch.Frequency;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            for (var n = w; ; n += concurrency)
            {
                var sent = Stopwatch.GetTimestamp();
                if (sent >= end) return;
                try
                {
                    await client.GetReferralAsync(new GetReferralRequest { ReferralId = ids[n % ids.Length] });
                    var done = Stopwatch.GetTimestamp();
                    if (done < measureFrom || done >= end) continue;
                    latency.RecordValue(Math.Clamp((done - sent) * 1_000_000 / Stopwatch.Frequency, 1, 60_000_000));
                    Interlocked.Increment(ref completed);
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        return (completed / (double)durationS, Percentiles.Of(latency), errors);
    }
}
