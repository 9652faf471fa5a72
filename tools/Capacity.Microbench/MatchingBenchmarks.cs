using BenchmarkDotNet.Attributes;
using Capacity.Scenario;
using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.V1;
using Google.Protobuf;

namespace Capacity.Microbench;

/// <summary>
/// The in-process part of a search on the national scenario: the areas in reach, the rules over
/// every provider in reach, and the response message. Redis is not involved: the capacity cells
/// a search would read are prepared in memory, exactly as CapacityStore would decode them.
/// </summary>
[MemoryDiagnoser]
public class MatchingBenchmarks
{
    PostcodeDirectory _postcodes = null!;
    RegistrySnapshot _snapshot = null!;
    MatchQuery _query = null!;
    IReadOnlyList<ProviderInfo> _local = null!;
    CapacityCell?[] _cells = null!;
    IReadOnlyList<(PostcodeArea Area, double DistanceKm)> _reach = null!;
    MatchResult _result = null!;
    DateTimeOffset _now;

    /// <summary>0: the patient's own area only (most searches); 10 and 25: a wider search.</summary>
    [Params(0, 10, 25)]
    public double RadiusKm { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var today = new DateOnly(2026, 6, 15);
        _now = new DateTimeOffset(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);
        var scenario = ScenarioGenerator.Generate(ScenarioOptions.Preset("national", 1, today));
        _postcodes = PostcodeDirectory.LoadEmbedded();
        _snapshot = new RegistrySnapshot(1,
            scenario.Insurers.Select(i => i.Insurer.ToModel()),
            scenario.Providers.Select(p => p.Provider.ToModel()),
            scenario.Contracts.Select(c => c.ToModel()),
            scenario.ClientStops.Select((s, i) => { var stop = s.Clone(); stop.Id = $"stop-{i}"; return stop.ToModel(); }));

        // Amsterdam-Centrum, the densest part of the country: the most providers in reach.
        var patient = _postcodes.Find(1012)!;
        _query = new MatchQuery(patient, _snapshot.Insurers["9101"], CareType.DistrictNursing, today.AddDays(1), false, 80, RadiusKm);
        _local = _snapshot.ProvidersServing(patient.Pc4);
        var figures = scenario.Providers.Where(p => p.Provider.ServedPc4S.Contains("1012"))
            .SelectMany(p => scenario.CapacityOf(p).Where(f => f.Pc4 == "1012" && f.CareType == CareType.DistrictNursing))
            .ToDictionary(f => f.Agb);
        _cells = _local.Select(p => figures.TryGetValue(p.Agb, out var f)
            ? new CapacityCell(1, _now.AddMinutes(-30).ToUnixTimeMilliseconds(), f.FreePlaces, today, f.HasHoursPerWeek ? f.HoursPerWeek : null)
            : (CapacityCell?)null).ToArray();
        _reach = _postcodes.Within(patient, RadiusKm);
        _result = Evaluate();
    }

    [Benchmark(Description = "PostcodeDirectory.Within")]
    public int Within() => _postcodes.Within(_query.PatientArea, RadiusKm).Count;

    [Benchmark(Description = "MatchRules.Evaluate")]
    public MatchResult Evaluate() =>
        MatchRules.Evaluate(_query, _snapshot, _reach, _local, _cells, _postcodes, _now, TimeSpan.FromHours(24));

    [Benchmark(Description = "MatchResult.ToProto + serialize")]
    public int ToProtoAndSerialize() => _result.ToProto().ToByteArray().Length;
}
