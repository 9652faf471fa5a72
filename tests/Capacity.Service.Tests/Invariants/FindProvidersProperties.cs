using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using FsCheck;
using FsCheck.Fluent;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using TestData = Capacity.Service.Tests.Infrastructure.TestData;

namespace Capacity.Service.Tests.Invariants;

/// <summary>
/// The matching rules end to end: a random registry written through the registry, client-stop
/// and capacity APIs (figures aged by moving the clock, places held through the hold store), then
/// one FindProviders call over gRPC, judged by the test's own oracle. Fewer cases than the pure
/// property: each one is some twenty calls to the real host on a real Redis.
/// </summary>
public sealed class FindProvidersProperties(CapacityApp app) : IClassFixture<CapacityApp>
{
    const int Cases = 40;

    [Fact]
    public async Task FindProvidersAnswersAsTheRulesSayForRandomRegistries()
    {
        var postcodes = app.Services.GetRequiredService<PostcodeDirectory>();
        // Generated against a nominal moment; each case is moved to the host's clock when it runs.
        var scenarios = MatchScenarios.Arbitrary(Gen.Constant(CapacityApp.Epoch), maxStartDays: 300, withoutContract: false, maxProviders: 6);

        // FsCheck waits for an asynchronous property by blocking; off the test's context, so nothing waits on itself.
        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true),
            Prop.ForAll(scenarios, async generated =>
            {
                await RunAsync(generated, postcodes);
                return true;
            })), TestContext.Current.CancellationToken);
    }

    async Task RunAsync(MatchScenario generated, PostcodeDirectory postcodes)
    {
        var started = app.Time.GetUtcNow();
        var oldest = generated.Figures.Length == 0 ? 0 : generated.Figures.Max(f => f.AgeMinutes);
        var searchAt = started.AddMinutes(oldest);
        // Holds only take places that are there: at most the free places.
        var rebased = generated.Rebase(searchAt);
        var s = rebased with { Figures = rebased.Figures.Select(f => f with { Held = Math.Min(f.Held, f.Free) }).ToArray() };
        var q = s.Query;

        var uzovis = new Dictionary<string, string> { ["Q"] = TestData.NewUzovi(), ["O"] = TestData.NewUzovi() };
        var agbs = s.Providers.ToDictionary(p => p.Key, _ => TestData.NewAgb());
        var keys = agbs.ToDictionary(kv => kv.Value, kv => kv.Key);

        using (var import = app.Registry.ImportRegistry())
        {
            var items = uzovis.Values.Select(u => new ImportRegistryRequest { Insurer = new Insurer { Uzovi = u, Name = $"Verzekeraar {u}" } })
                .Concat(s.Providers.Select(p => new ImportRegistryRequest
                {
                    Provider = new Provider
                    {
                        Agb = agbs[p.Key], Name = $"Zorg {p.Key}", BasePc4 = p.BasePc4.ToString(), ServedPc4S = { p.Served.Select(a => a.ToString()) },
                        Qualifications = new Qualifications
                        {
                            PalliativeNetwork = p.Qualified.Palliative, DementiaNetwork = p.Qualified.Dementia,
                            PaediatricNurse = p.Qualified.Paediatric, NightService = p.Qualified.Night,
                        },
                    },
                }))
                .Concat(s.Contracts.Select(c => new ImportRegistryRequest
                {
                    Contract = new Contract { ProviderAgb = agbs[c.Provider], InsurerUzovi = uzovis[c.Insurer], Year = c.Year, ContractType = c.Type, CareTypes = { c.CareTypes } },
                }));
            foreach (var item in items) await import.RequestStream.WriteAsync(item);
            await import.RequestStream.CompleteAsync();
            var refused = (await import.ResponseStream.ReadAllAsync().ToListAsync()).Where(a => a.Status.Code != 0).ToList();
            Assert.True(refused.Count == 0, $"registry import refused: {string.Join("; ", refused.Select(r => r.Status.Message))}");
        }

        var stopKeys = new Dictionary<string, string>();
        var todayAtStart = MatchScenario.AmsterdamDay(started);
        foreach (var t in s.Stops.Where(t => t.Until is null || t.Until >= todayAtStart)) // an ended stop cannot be declared, nor cover a search
        {
            var stop = new ClientStop
            {
                ProviderAgb = agbs[t.Provider], InsurerUzovis = { t.Insurers.Select(i => uzovis[i]) }, CareTypes = { t.CareTypes },
                Pc4S = { t.Pc4s.Select(a => a.ToString()) }, From = t.From.ToDate(), Reason = ClientStopReason.CostCeiling,
            };
            if (t.Until is { } until) stop.Until = until.ToDate();
            stopKeys[(await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest { Stop = stop })).Id] = t.Key;
        }

        // Oldest figure first, each published when its age says; then the clock stands at the search.
        var holds = app.Services.GetRequiredService<HoldStore>();
        foreach (var f in s.Figures.OrderByDescending(f => f.AgeMinutes))
        {
            app.Time.SetUtcNow(searchAt.AddMinutes(-f.AgeMinutes));
            var agb = agbs[f.Provider];
            var published = await app.PublishAsync(agb, q.PatientPc4.ToString(), q.CareType, f.Free, availableFrom: f.AvailableFrom);
            Assert.True(published.Applied);
            for (var i = 0; i < f.Held; i++)
            {
                var hold = new Hold($"prop-{agb}-{i}", agb, q.PatientPc4, q.CareType, searchAt.AddDays(1), $"ref-{agb}", $"offer-{i}");
                Assert.Equal(HoldOutcome.Held, (await holds.HoldAsync(hold, "property")).Outcome);
            }
        }
        app.Time.SetUtcNow(searchAt);

        var request = TestData.Search(q.PatientPc4.ToString(), uzovis["Q"], q.CareType, q.Start);
        request.Urgent = q.Urgent;
        request.RadiusKm = q.RadiusKm;
        if (q.CareType == CareType.MedicalChildCare) request.PatientAge = 9;
        var response = await app.FindAsync(request);

        var problems = AnswerCheck.Mismatches(MatchOracle.Judge(s, postcodes),
            response.Candidates.Select(c => new AnswerEntry(c.Provider.Agb, true, ExclusionReason.Unspecified, c.DistanceKm, c.FreePlaces,
                c.ContractType, null, c.CapacityPublishedAt.ToDateTimeOffset())).ToList(),
            response.Exclusions.Select(e => new AnswerEntry(e.Provider.Agb, false, e.Reason, e.DistanceKm, 0,
                ContractType.Unspecified, e.ClientStopId, null)).ToList(),
            agb => keys.GetValueOrDefault(agb), id => stopKeys.GetValueOrDefault(id));
        if (problems.Count > 0)
            throw new InvalidOperationException($"Searched at {searchAt:u} as\n{s}\n" + string.Join("\n", problems));
    }
}
