using Capacity.V1;

namespace Capacity.Service.Insight.Placements;

/// <summary>A whole placement answer: every cell in answer order, and the totals per care type.</summary>
public sealed record CountedCells(List<PlacementCell> Cells, List<PlacementCell> Totals);

/// <summary>
/// Facts → cells, in pure C#: one cell per month × region × care type, and totals per care type.
/// <paramref name="provider"/>: a provider's own analytics (its offers; placed = placed with it;
/// open = an offer to it still waiting; no escalations, closures or cancellations of referrals
/// beyond its offers; times from offer to answer). <paramref name="aggregate"/>: a municipality's
/// or the regulator's answer, small counts and the times and shares over them hidden.
/// </summary>
public sealed class PlacementCells(bool provider, bool aggregate, RegionGrouping grouping, Func<string, string> municipalityName)
{
    sealed class Tally
    {
        public long Referrals, Placed, Escalated, Cancelled, Open, Offers, Accepted, Expired, Withdrawn;
        public readonly SortedDictionary<ClosureOutcome, long> Closed = [];
        public readonly SortedDictionary<DeclineReason, long> Declined = [];
        public readonly List<TimeSpan> ToFirstOffer = [], ToAcceptance = [], ToCareStart = [], ToAnswer = [];

        public void Add(PlacementFact f, bool provider)
        {
            Referrals++;
            if (f.Accepted is not null) Placed++;
            if (provider ? f.PendingOffers > 0 : !f.IsFinal) Open++;
            if (!provider)
            {
                if (f.Escalated is not null) Escalated++;
                if (f.State == ReferralState.Cancelled) Cancelled++;
                if (f.State == ReferralState.Closed) Closed[f.Outcome] = Closed.GetValueOrDefault(f.Outcome) + 1;
            }
            Offers += f.Offers;
            Accepted += f.AcceptedOffers;
            Expired += f.Expired;
            Withdrawn += f.Withdrawn;
            foreach (var (reason, n) in f.Declined) Declined[reason] = Declined.GetValueOrDefault(reason) + n;
            if (f.FirstOffer is { } first) ToFirstOffer.Add(first - f.Created);
            if (f.Accepted is { } accepted) ToAcceptance.Add(accepted - f.Created);
            if (f.ToCareStart is { } start) ToCareStart.Add(start);
            if (provider) ToAnswer.AddRange(f.Answers);
        }
    }

    /// <summary>The cells in answer order (month, region, care type) and the totals per care type.</summary>
    public CountedCells Of(IEnumerable<PlacementFact> facts)
    {
        // Hashed while counting (a sorted map compared strings by culture on every fact), ordered once at the end.
        var cells = new Dictionary<(string Month, string Region, CareType CareType), Tally>();
        var totals = new Dictionary<CareType, Tally>();
        foreach (var f in facts)
        {
            var region = grouping switch
            {
                RegionGrouping.Pc4 => $"{f.MunicipalityCode}:{f.Pc4}", // an area lies in one municipality: both named
                RegionGrouping.None => "",
                _ => f.MunicipalityCode,
            };
            Get(cells, (f.Month, region, f.CareType)).Add(f, provider);
            Get(totals, f.CareType).Add(f, provider);
        }
        return new CountedCells([.. cells.OrderBy(c => c.Key.Month, StringComparer.Ordinal).ThenBy(c => c.Key.Region, StringComparer.Ordinal).ThenBy(c => c.Key.CareType)
                .Select(c => Cell(c.Value, c.Key.Month, c.Key.Region, c.Key.CareType))],
            [.. totals.OrderBy(t => t.Key).Select(t => Cell(t.Value, "", null, t.Key))]);
    }

    static Tally Get<TKey>(IDictionary<TKey, Tally> tallies, TKey key)
    {
        if (!tallies.TryGetValue(key, out var tally)) tallies[key] = tally = new Tally();
        return tally;
    }

    PlacementCell Cell(Tally t, string month, string? region, CareType careType)
    {
        var cell = new PlacementCell
        {
            Month = month,
            CareType = careType,
            Referrals = CellCounts.Of(t.Referrals, aggregate),
            Placed = CellCounts.Of(t.Placed, aggregate),
            Escalated = CellCounts.Of(t.Escalated, aggregate),
            Cancelled = CellCounts.Of(t.Cancelled, aggregate),
            Open = CellCounts.Of(t.Open, aggregate),
            Offers = CellCounts.Of(t.Offers, aggregate),
            Accepted = CellCounts.Of(t.Accepted, aggregate),
            Expired = CellCounts.Of(t.Expired, aggregate),
            Withdrawn = CellCounts.Of(t.Withdrawn, aggregate),
            ToFirstOffer = CellCounts.Durations(t.ToFirstOffer, aggregate),
            ToAcceptance = CellCounts.Durations(t.ToAcceptance, aggregate),
            ToCareStart = CellCounts.Durations(t.ToCareStart, aggregate),
        };
        if (provider) cell.ToAnswer = CellCounts.Durations(t.ToAnswer, aggregate);
        cell.Closed.AddRange(t.Closed.Select(c => new OutcomeCount { Outcome = c.Key, Count = CellCounts.Of(c.Value, aggregate) }));
        cell.Declined.AddRange(t.Declined.Select(d => new DeclineCount { Reason = d.Key, Count = CellCounts.Of(d.Value, aggregate) }));
        var answered = t.Accepted + t.Declined.Values.Sum();
        cell.AcceptanceKnown = answered > 0 && !(aggregate && answered < CellCounts.MinimumCellSize);
        if (cell.AcceptanceKnown) cell.AcceptanceRate = (double)t.Accepted / answered;
        if (region is { Length: > 0 })
        {
            var parts = region.Split(':');
            cell.MunicipalityCode = parts[0];
            cell.Municipality = municipalityName(parts[0]);
            if (parts.Length > 1) cell.Pc4 = parts[1];
        }
        return cell;
    }
}
