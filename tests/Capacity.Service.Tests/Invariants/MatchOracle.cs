using System.Globalization;
using System.Text;
using Capacity.Service.Geography;
using CareType = Capacity.V1.CareType;
using ContractType = Capacity.V1.ContractType;
using ExclusionReason = Capacity.V1.ExclusionReason;

namespace Capacity.Service.Tests.Invariants;

// A search scenario in the test's own terms, so that the oracle below never leans on the
// product's registry or rule types: the properties build the product's inputs from it, and
// judge the product's answer with the oracle.

public sealed record Qualified(bool Palliative, bool Dementia, bool Paediatric, bool Night)
{
    public override string ToString() =>
        string.Join("+", new[] { Palliative ? "ptz" : null, Dementia ? "dementia" : null, Paediatric ? "paediatric" : null, Night ? "night" : null }
            .Where(s => s is not null)) is { Length: > 0 } s ? s : "none";
}

/// <param name="Key">The provider's name in the scenario (p0, p1 …); a real AGB is given to it when it is written.</param>
public sealed record ScenarioProvider(string Key, int BasePc4, int[] Served, Qualified Qualified);

/// <param name="Insurer">"Q" (the patient's insurer) or "O" (another one).</param>
public sealed record ScenarioContract(string Provider, string Insurer, int Year, CareType[] CareTypes, ContractType Type);

/// <param name="Insurers">"Q" and/or "O"; empty means every insurer.</param>
public sealed record ScenarioStop(string Key, string Provider, string[] Insurers, CareType[] CareTypes, int[] Pc4s, DateOnly From, DateOnly? Until);

/// <summary>A provider's figure in the patient's area: free places, of which <paramref name="Held"/> are held; published <paramref name="AgeMinutes"/> before the search.</summary>
public sealed record ScenarioFigure(string Provider, int Free, int Held, DateOnly AvailableFrom, int AgeMinutes);

public sealed record ScenarioQuery(int PatientPc4, CareType CareType, DateOnly Start, bool Urgent, double RadiusKm, bool RequireContract);

public sealed record MatchScenario(
    DateTimeOffset Now, ScenarioQuery Query, ScenarioProvider[] Providers, ScenarioContract[] Contracts, ScenarioStop[] Stops, ScenarioFigure[] Figures)
{
    /// <summary>The scenario with one provider and everything of it left out (for shrinking).</summary>
    public MatchScenario Without(string provider) => this with
    {
        Providers = Providers.Where(p => p.Key != provider).ToArray(),
        Contracts = Contracts.Where(c => c.Provider != provider).ToArray(),
        Stops = Stops.Where(s => s.Provider != provider).ToArray(),
        Figures = Figures.Where(f => f.Provider != provider).ToArray(),
    };

    /// <summary>Smaller scenarios that may fail the same way: one provider, contract, stop or figure fewer.</summary>
    public IEnumerable<MatchScenario> Shrink()
    {
        foreach (var p in Providers) yield return Without(p.Key);
        for (var i = 0; i < Stops.Length; i++) yield return this with { Stops = Stops.Where((_, j) => j != i).ToArray() };
        for (var i = 0; i < Contracts.Length; i++) yield return this with { Contracts = Contracts.Where((_, j) => j != i).ToArray() };
        for (var i = 0; i < Figures.Length; i++) yield return this with { Figures = Figures.Where((_, j) => j != i).ToArray() };
    }

    /// <summary>
    /// The same scenario searched at <paramref name="now"/>: every date moves by as many days as
    /// "today" does, contract years with the start date's year, so every rule decides as before.
    /// </summary>
    public MatchScenario Rebase(DateTimeOffset now)
    {
        var days = AmsterdamDay(now).DayNumber - AmsterdamDay(Now).DayNumber;
        var start = Query.Start.AddDays(days);
        var years = start.Year - Query.Start.Year;
        return this with
        {
            Now = now,
            Query = Query with { Start = start },
            Contracts = Contracts.Select(c => c with { Year = c.Year + years }).ToArray(),
            Stops = Stops.Select(t => t with { From = t.From.AddDays(days), Until = t.Until?.AddDays(days) }).ToArray(),
            Figures = Figures.Select(f => f with { AvailableFrom = f.AvailableFrom.AddDays(days) }).ToArray(),
        };
    }

    static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    /// <summary>The calendar day in the Netherlands at <paramref name="instant"/>.</summary>
    public static DateOnly AmsterdamDay(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Amsterdam).DateTime);

    // Records print arrays as their type name; a counter-example must be readable.
    public override string ToString()
    {
        var s = new StringBuilder();
        var q = Query;
        s.Append(CultureInfo.InvariantCulture,
            $"now {Now:u}; search {q.PatientPc4} {q.CareType} start {q.Start:yyyy-MM-dd}{(q.Urgent ? " urgent" : "")} radius {q.RadiusKm} km{(q.RequireContract ? "" : " (no contract needed)")}");
        foreach (var p in Providers)
            s.Append(CultureInfo.InvariantCulture, $"\n  {p.Key}: base {p.BasePc4}, serves [{string.Join(",", p.Served)}], qualified {p.Qualified}");
        foreach (var c in Contracts)
            s.Append(CultureInfo.InvariantCulture, $"\n  contract {c.Provider}-{c.Insurer} {c.Year} [{string.Join(",", c.CareTypes)}] {c.Type}");
        foreach (var t in Stops)
            s.Append(CultureInfo.InvariantCulture,
                $"\n  stop {t.Key} {t.Provider} insurers [{string.Join(",", t.Insurers)}] care [{string.Join(",", t.CareTypes)}] areas [{string.Join(",", t.Pc4s)}] {t.From:yyyy-MM-dd}..{t.Until?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "open"}");
        foreach (var f in Figures)
            s.Append(CultureInfo.InvariantCulture, $"\n  figure {f.Provider}: free {f.Free}, held {f.Held}, from {f.AvailableFrom:yyyy-MM-dd}, age {f.AgeMinutes} min");
        return s.ToString();
    }
}

public enum Outcome { Absent, Candidate, Excluded }

/// <summary>What the oracle expects for one provider.</summary>
public sealed record Verdict(Outcome Outcome, ExclusionReason Reason = ExclusionReason.Unspecified, double DistanceKm = 0, int FreePlaces = 0,
    ContractType ContractType = ContractType.Unspecified, string[]? CoveringStops = null)
{
    public override string ToString() => Outcome == Outcome.Excluded ? Reason.ToString() : Outcome.ToString();
}

/// <summary>
/// DOMAIN.md rules 1–5 written out again, straight from the text, in the order the API documents
/// (matching.proto, ExclusionReason): the first rule a provider fails is its reason. Only the
/// centroids come from the CBS directory; the distance is computed here.
/// </summary>
public static class MatchOracle
{
    public static readonly TimeSpan Freshness = TimeSpan.FromHours(24);

    public static Dictionary<string, Verdict> Judge(MatchScenario s, PostcodeDirectory postcodes)
    {
        var q = s.Query;
        var patient = postcodes.Find(q.PatientPc4)!;
        var verdicts = new Dictionary<string, Verdict>();
        foreach (var p in s.Providers)
        {
            // In reach: it serves the patient's area, or it serves some area whose centroid is within
            // the radius of the patient's and its base is within the radius too.
            var distance = Km(postcodes.Find(p.BasePc4)!, patient);
            if (!p.Served.Contains(q.PatientPc4)
                && !(distance <= q.RadiusKm && p.Served.Any(a => Km(patient, postcodes.Find(a)!) <= q.RadiusKm)))
            {
                verdicts[p.Key] = new Verdict(Outcome.Absent);
                continue;
            }
            Verdict Excluded(ExclusionReason reason, string[]? stops = null) => new(Outcome.Excluded, reason, distance, CoveringStops: stops);

            // 1. Contracted by the patient's insurer for this care type in the start date's calendar year.
            var contract = s.Contracts.FirstOrDefault(c => c.Provider == p.Key && c.Insurer == "Q" && c.Year == q.Start.Year && c.CareTypes.Contains(q.CareType));
            if (contract is null && q.RequireContract)
            {
                verdicts[p.Key] = Excluded(ExclusionReason.NotContracted);
                continue;
            }

            // 2. No client stop for this insurer, care type, area and start date; PTZ and urgent care pass.
            if (!q.Urgent && q.CareType != CareType.PalliativeTerminal)
            {
                var covering = s.Stops.Where(t => t.Provider == p.Key
                        && (t.Insurers.Length == 0 || t.Insurers.Contains("Q"))
                        && (t.CareTypes.Length == 0 || t.CareTypes.Contains(q.CareType))
                        && (t.Pc4s.Length == 0 || t.Pc4s.Contains(q.PatientPc4))
                        && t.From <= q.Start && (t.Until is null || q.Start <= t.Until))
                    .Select(t => t.Key).ToArray();
                if (covering.Length > 0)
                {
                    verdicts[p.Key] = Excluded(ExclusionReason.ClientStop, covering);
                    continue;
                }
            }

            // 3. Qualified for special care.
            var qualified = q.CareType switch
            {
                CareType.PalliativeTerminal => p.Qualified.Palliative,
                CareType.MedicalChildCare => p.Qualified.Paediatric,
                CareType.DementiaCaseManagement => p.Qualified.Dementia,
                CareType.NightCare => p.Qualified.Night,
                _ => true,
            };
            if (!qualified)
            {
                verdicts[p.Key] = Excluded(ExclusionReason.NotQualified);
                continue;
            }

            // 4. Serves the patient's own area, with a free place there on the start date ...
            if (!p.Served.Contains(q.PatientPc4))
            {
                verdicts[p.Key] = Excluded(ExclusionReason.OutsideArea);
                continue;
            }
            var figure = s.Figures.FirstOrDefault(f => f.Provider == p.Key);
            if (figure is null || figure.Free - figure.Held <= 0 || figure.AvailableFrom > q.Start)
            {
                verdicts[p.Key] = Excluded(ExclusionReason.NoCapacity);
                continue;
            }

            // 5. ... published recently enough to be trusted.
            if (TimeSpan.FromMinutes(figure.AgeMinutes) > Freshness)
            {
                verdicts[p.Key] = Excluded(ExclusionReason.StaleCapacity);
                continue;
            }
            verdicts[p.Key] = new Verdict(Outcome.Candidate, DistanceKm: distance, FreePlaces: figure.Free - figure.Held,
                ContractType: contract?.Type ?? ContractType.Unspecified);
        }
        return verdicts;
    }

    /// <summary>Great-circle distance between two centroids (mean Earth radius), in km.</summary>
    public static double Km(PostcodeArea a, PostcodeArea b)
    {
        static double Rad(double degrees) => degrees * Math.PI / 180;
        var (lat1, lat2) = (Rad(a.Latitude), Rad(b.Latitude));
        var sinLat = Math.Sin((lat2 - lat1) / 2);
        var sinLon = Math.Sin(Rad(b.Longitude - a.Longitude) / 2);
        var h = sinLat * sinLat + Math.Cos(lat1) * Math.Cos(lat2) * sinLon * sinLon;
        return 2 * 6371.0088 * Math.Atan2(Math.Sqrt(h), Math.Sqrt(1 - h));
    }
}

/// <summary>One entry of a search's answer, from the pure core or from the gRPC response alike.</summary>
public sealed record AnswerEntry(string Agb, bool IsCandidate, ExclusionReason Reason, double DistanceKm, int FreePlaces,
    ContractType ContractType, string? ClientStopId, DateTimeOffset? PublishedAt);

public static class AnswerCheck
{
    /// <summary>
    /// Every way the answer differs from the oracle's verdicts; empty when it agrees. Providers the
    /// scenario does not know (written by earlier cases) must not be candidates: they have no
    /// contract with this case's insurer.
    /// </summary>
    public static List<string> Mismatches(Dictionary<string, Verdict> verdicts, IReadOnlyList<AnswerEntry> candidates, IReadOnlyList<AnswerEntry> exclusions,
        Func<string, string?> keyOfAgb, Func<string, string?> stopKeyOfId)
    {
        var problems = new List<string>();
        var seen = new Dictionary<string, AnswerEntry>();
        foreach (var e in candidates.Concat(exclusions))
        {
            if (!seen.TryAdd(e.Agb, e)) problems.Add($"{e.Agb} is listed twice");
            if (keyOfAgb(e.Agb) is null && (e.IsCandidate || e.Reason != ExclusionReason.NotContracted))
                problems.Add($"{e.Agb}, not in this scenario, is {(e.IsCandidate ? "a candidate" : e.Reason.ToString())}, not NotContracted");
        }
        if (candidates.Any(c => !c.IsCandidate) || exclusions.Any(e => e.IsCandidate)) problems.Add("candidates and exclusions are mixed up");

        var mine = seen.Values.Where(e => keyOfAgb(e.Agb) is not null).ToDictionary(e => keyOfAgb(e.Agb)!);
        foreach (var (key, expected) in verdicts)
        {
            if (!mine.TryGetValue(key, out var actual))
            {
                if (expected.Outcome != Outcome.Absent) problems.Add($"{key}: expected {expected}, absent from the answer");
                continue;
            }
            var actualVerdict = actual.IsCandidate ? "Candidate" : actual.Reason.ToString();
            if (actualVerdict != expected.ToString())
            {
                problems.Add($"{key}: expected {expected}, answered {actualVerdict}");
                continue;
            }
            if (Math.Abs(actual.DistanceKm - expected.DistanceKm) > 0.0051)
                problems.Add($"{key}: distance {actual.DistanceKm} km, expected {expected.DistanceKm:0.###} km");
            if (expected.Outcome == Outcome.Candidate)
            {
                if (actual.FreePlaces != expected.FreePlaces) problems.Add($"{key}: {actual.FreePlaces} free places offered, expected {expected.FreePlaces}");
                if (actual.ContractType != expected.ContractType) problems.Add($"{key}: contract type {actual.ContractType}, expected {expected.ContractType}");
            }
            if (expected.Reason == ExclusionReason.ClientStop && (actual.ClientStopId is not { } id || !expected.CoveringStops!.Contains(stopKeyOfId(id))))
                problems.Add($"{key}: client stop {actual.ClientStopId} named, not one that covers the search ({string.Join(",", expected.CoveringStops!)})");
        }

        // Nearest first, then most room, then the freshest figure, then AGB.
        for (var i = 1; i < candidates.Count; i++)
        {
            var (a, b) = (candidates[i - 1], candidates[i]);
            var inOrder = a.DistanceKm != b.DistanceKm ? a.DistanceKm < b.DistanceKm
                : a.FreePlaces != b.FreePlaces ? a.FreePlaces > b.FreePlaces
                : a.PublishedAt != b.PublishedAt ? a.PublishedAt > b.PublishedAt
                : string.CompareOrdinal(a.Agb, b.Agb) < 0;
            if (!inOrder) problems.Add($"candidates {a.Agb} and {b.Agb} are out of order");
        }
        for (var i = 1; i < exclusions.Count; i++)
        {
            var (a, b) = (exclusions[i - 1], exclusions[i]);
            var inOrder = a.Reason != b.Reason ? a.Reason < b.Reason
                : a.DistanceKm != b.DistanceKm ? a.DistanceKm < b.DistanceKm
                : string.CompareOrdinal(a.Agb, b.Agb) < 0;
            if (!inOrder) problems.Add($"exclusions {a.Agb} and {b.Agb} are out of order");
        }
        return problems;
    }
}
