using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;

namespace Capacity.Service.Matching;

/// <summary>A provider a mediation desk can turn to, and where it stands (see <see cref="LeadKind"/>).</summary>
public sealed record Lead(
    LeadKind Kind,
    ProviderRef Provider,
    double DistanceKm,
    ContactInfo? Intake,
    bool Offerable,
    Candidate? Candidate,
    Exclusion? Exclusion,
    ContractType ContractType,
    string Warning);

public sealed record LeadList(string PatientPc4, string Municipality, double RadiusKm, IReadOnlyList<Lead> Leads, DateTimeOffset EvaluatedAt)
{
    public FindLeadsResponse ToProto() => new()
    {
        PatientPc4 = PatientPc4,
        Municipality = Municipality,
        RadiusKm = RadiusKm,
        EvaluatedAt = Timestamp.FromDateTimeOffset(EvaluatedAt),
        Leads = { Leads.Select(ToProto) },
    };

    static V1.Lead ToProto(Lead l)
    {
        var lead = new V1.Lead
        {
            Kind = l.Kind, Provider = l.Provider.Summary, DistanceKm = l.DistanceKm, Intake = l.Intake.ToProto(), Offerable = l.Offerable,
            ContractType = l.ContractType, Warning = l.Warning,
        };
        if (l.Candidate is { } c)
        {
            lead.FreePlaces = c.FreePlaces;
            lead.Unit = c.Unit;
            lead.CapacityPublishedAt = Timestamp.FromDateTimeOffset(c.CapacityPublishedAt);
        }
        if (l.Exclusion is { } e)
        {
            lead.Reason = e.Reason;
            lead.Detail = e.Detail;
            if (e.CapacityPublishedAt is { } at) lead.CapacityPublishedAt = Timestamp.FromDateTimeOffset(at);
            if (e.ClientStopUntil is { } until) lead.ClientStopUntil = until.ToDate();
            if (e.AvailableFrom is { } from) lead.AvailableFrom = from.ToDate();
        }
        return lead;
    }
}

/// <summary>
/// A desk's search ranked for a desk (DOMAIN rule 6): real leads first. From a search that did not
/// require a contract, each provider in reach that can give the care type becomes a lead:
/// contracted with room (offer it); contracted, serving the patient's area, but full, stopped or
/// stale (call to ask); not contracted but serving the area (a last resort, with the warning that
/// the patient may pay part; offerable when it has room); contracted, working nearby but not in
/// the patient's area (ask whether it can come). Providers not qualified for the care, or that do
/// not give it at all (a short-stay hotel for district nursing), are no lead. Pure.
/// </summary>
public static class Leads
{
    public static string UncontractedWarning(string insurerName) => $"Not contracted by {insurerName}: the patient may have to pay part of the care.";

    public static LeadList Rank(MatchResult result, MatchQuery query, RegistrySnapshot registry)
    {
        var year = query.StartDate.Year;
        var warning = UncontractedWarning(query.Insurer.Name);
        var leads = new List<Lead>(result.Candidates.Count + result.Exclusions.Count);
        foreach (var c in result.Candidates)
        {
            var intake = registry.Providers.GetValueOrDefault(c.Provider.Agb)?.Intake;
            leads.Add(c.ContractType == ContractType.Unspecified
                ? new Lead(LeadKind.Uncontracted, c.Provider, c.DistanceKm, intake, true, c, null, ContractType.Unspecified, warning)
                : new Lead(LeadKind.Candidate, c.Provider, c.DistanceKm, intake, true, c, null, c.ContractType, ""));
        }
        var required = MatchRules.RequiredQualification(query.CareType);
        foreach (var e in result.Exclusions)
        {
            // Judged on the facts, not on the first reason reported: a provider under a client stop
            // may also lack the qualification, or not serve the patient's area.
            if (!registry.Providers.TryGetValue(e.Provider.Agb, out var provider)
                || required is { } q && !provider.Qualifications.HasFlag(q)
                || !registry.Gives(provider, query.CareType, year)) continue;
            var contract = registry.ContractOf(provider.Agb, query.Insurer.Uzovi, year) is { } c && c.CareTypes.Contains(query.CareType) ? c : null;
            var kind = (provider.Serves(query.PatientArea.Pc4), contract) switch
            {
                (false, null) => (LeadKind?)null, // neither contracted nor working here: no lead
                (false, _) => LeadKind.Nearby,
                (true, null) => LeadKind.Uncontracted,
                _ => LeadKind.ToAsk,
            };
            if (kind is { } k)
                leads.Add(new Lead(k, e.Provider, e.DistanceKm, provider.Intake, false, null, e, contract?.Type ?? ContractType.Unspecified,
                    k == LeadKind.Uncontracted ? warning : ""));
        }
        leads.Sort((a, b) =>
            Rank(a) != Rank(b) ? Rank(a).CompareTo(Rank(b))
            : a.DistanceKm != b.DistanceKm ? a.DistanceKm.CompareTo(b.DistanceKm)
            : string.CompareOrdinal(a.Provider.Agb, b.Provider.Agb));
        return new LeadList(result.PatientPc4, result.Municipality, result.RadiusKm, leads, result.EvaluatedAt);
    }

    // Kinds in their order; among uncontracted leads, those with room come first.
    static int Rank(Lead l) => l.Kind switch
    {
        LeadKind.Candidate => 0,
        LeadKind.ToAsk => 1,
        LeadKind.Uncontracted => l.Offerable ? 2 : 3,
        _ => 4,
    };
}
