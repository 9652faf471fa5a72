using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using FsCheck;
using FsCheck.Fluent;
using CareType = Capacity.V1.CareType;
using ClientStopReason = Capacity.V1.ClientStopReason;
using ContractType = Capacity.V1.ContractType;
using ExclusionReason = Capacity.V1.ExclusionReason;

namespace Capacity.Service.Tests.Invariants;

/// <summary>
/// The pure rule core (<see cref="MatchRules.Evaluate"/>, fed exactly as the engine feeds it) on
/// thousands of random registries, judged by the test's own reading of the rules.
/// </summary>
public sealed class MatchRulesProperties
{
    const int Cases = 2_000;
    const string Patients = "4901", Others = "4902";

    static readonly Lazy<PostcodeDirectory> Directory = new(PostcodeDirectory.LoadEmbedded);

    [Fact]
    public void EveryCandidatePassesEveryRuleAndEveryExclusionNamesTheFirstRuleItFails()
    {
        var postcodes = Directory.Value;
        Assert.All(MatchScenarios.Pool, pc4 => Assert.NotNull(postcodes.Find(pc4)));
        // Any moment in a year and a bit, so that "today" and the contract years vary too.
        var now = Gen.Choose(0, 60 * 24 * 400).Select(minutes => CapacityApp.Epoch.AddMinutes(minutes));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true),
            Prop.ForAll(MatchScenarios.Arbitrary(now, maxStartDays: 400, withoutContract: true, maxProviders: 10), scenario =>
            {
                var (candidates, exclusions, staleAt, oneByOne) = Evaluate(scenario, postcodes);
                var verdicts = MatchOracle.Judge(scenario, postcodes);
                var problems = AnswerCheck.Mismatches(verdicts, candidates, exclusions,
                    agb => agb.StartsWith('3') ? $"p{int.Parse(agb) - 30_000_000}" : null, stopId => stopId);

                // An offer judges one provider with the same rules, one by one: it must agree with the search.
                foreach (var (key, verdict) in verdicts.Where(v => v.Value.Outcome != Outcome.Absent))
                {
                    if (oneByOne[key] != verdict.ToString()) problems.Add($"{key}: judged {oneByOne[key]} on its own, expected {verdict}");
                }
                // The result must be recomputed when the first candidate's figure turns stale.
                var firstStale = scenario.Figures.Where(f => verdicts[f.Provider].Outcome == Outcome.Candidate)
                    .Select(f => (DateTimeOffset?)scenario.Now.AddMinutes(-f.AgeMinutes).Add(MatchOracle.Freshness)).Min();
                if (staleAt != firstStale) problems.Add($"stale at {staleAt:u}, expected {firstStale:u}");
                if (problems.Count > 0) throw new InvalidOperationException(string.Join("\n", problems));
            }));
    }

    static string AgbOf(string key) => (30_000_000 + int.Parse(key[1..])).ToString();

    static string UzoviOf(string insurer) => insurer == "Q" ? Patients : Others;

    /// <summary>The scenario as the engine would hand it to the rules: a registry snapshot, the areas in reach, the area's figures.</summary>
    /// <returns>The search's answer, and how the per-provider rules (as an offer uses them) judge each provider on its own.</returns>
    static (List<AnswerEntry>, List<AnswerEntry>, DateTimeOffset?, Dictionary<string, string>) Evaluate(MatchScenario s, PostcodeDirectory postcodes)
    {
        var registry = new RegistrySnapshot(1,
            [new InsurerInfo(Patients, "Verzekeraar Q"), new InsurerInfo(Others, "Verzekeraar O")],
            s.Providers.Select(p => new ProviderInfo(AgbOf(p.Key), $"Zorg {p.Key}", p.BasePc4, p.Served.Order().ToArray(),
                (p.Qualified.Palliative ? QualificationFlags.PalliativeNetwork : 0) | (p.Qualified.Dementia ? QualificationFlags.DementiaNetwork : 0)
                | (p.Qualified.Paediatric ? QualificationFlags.PaediatricNurse : 0) | (p.Qualified.Night ? QualificationFlags.NightService : 0))),
            s.Contracts.Select(c => new ContractInfo(AgbOf(c.Provider), UzoviOf(c.Insurer), c.Year, CareTypeSet.Of(c.CareTypes), c.Type)),
            s.Stops.Select(t => new ClientStopInfo(t.Key, AgbOf(t.Provider), t.Insurers.Select(UzoviOf).Order(StringComparer.Ordinal).ToArray(),
                CareTypeSet.Of(t.CareTypes), t.Pc4s, t.From, t.Until, ClientStopReason.CostCeiling, "")));

        var q = s.Query;
        var area = postcodes.Find(q.PatientPc4)!;
        var query = new MatchQuery(area, registry.Insurers[Patients], q.CareType, q.Start, q.Urgent,
            q.CareType == CareType.MedicalChildCare ? 9 : null, q.RadiusKm);
        var local = registry.ProvidersServing(q.PatientPc4);
        var cells = local.Select(p => s.Figures.FirstOrDefault(f => AgbOf(f.Provider) == p.Agb) is { } f
            ? new CapacityCell(1, s.Now.AddMinutes(-f.AgeMinutes).ToUnixTimeMilliseconds(), f.Free, f.AvailableFrom, null) { Held = f.Held }
            : (CapacityCell?)null).ToArray();

        var result = MatchRules.Evaluate(query, registry, postcodes.Within(area, q.RadiusKm), local, cells, postcodes, s.Now,
            MatchOracle.Freshness, q.RequireContract);

        var oneByOne = new Dictionary<string, string>();
        foreach (var p in s.Providers)
        {
            var provider = registry.Providers[AgbOf(p.Key)];
            var cell = local.Select((l, i) => (l, i)).Where(x => x.l.Agb == provider.Agb).Select(x => cells[x.i]).FirstOrDefault();
            var exclusion = MatchRules.ExcludeByRegistry(query, provider, 0, registry, out _, q.RequireContract)
                ?? MatchRules.ExcludeByCapacity(query, provider, 0, cell, s.Now, MatchOracle.Freshness);
            oneByOne[p.Key] = exclusion is null ? "Candidate" : exclusion.Reason.ToString();
        }

        return (
            result.Candidates.Select(c => new AnswerEntry(c.Provider.Agb, true, ExclusionReason.Unspecified, c.DistanceKm, c.FreePlaces,
                c.ContractType, null, c.CapacityPublishedAt)).ToList(),
            result.Exclusions.Select(e => new AnswerEntry(e.Provider.Agb, false, e.Reason, e.DistanceKm, 0,
                ContractType.Unspecified, e.ClientStopId, null)).ToList(),
            result.StaleAt, oneByOne);
    }
}
