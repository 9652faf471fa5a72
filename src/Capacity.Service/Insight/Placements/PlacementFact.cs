using System.Globalization;
using System.Text;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Insight.Placements;

/// <summary>
/// What analytics keep of one referral: no patient reference, no free text, no requester — the
/// times, the place (municipality, PC4), the care type and what became of it and of its offers.
/// Derived whole from the referral as it is now, so writing it again (a replayed follow-up) changes
/// nothing, and a newer step's fact replaces an older one. For a provider's own analytics the same
/// fact is taken over the offers made to that provider only (<see cref="Of"/> with an AGB).
/// Kept as one '|'-separated line of about 60–90 bytes.
/// </summary>
public sealed record PlacementFact(
    long Version,
    DateTimeOffset Created,
    string MunicipalityCode,
    string Pc4,
    CareType CareType,
    string Uzovi,
    ReferralState State,
    DateTimeOffset? FirstOffer,
    DateTimeOffset? Accepted,
    DateOnly? CareStart,
    DateTimeOffset? Escalated,
    ClosureOutcome Outcome,
    DateTimeOffset? Closed,
    int Offers,
    int AcceptedOffers,
    IReadOnlyDictionary<DeclineReason, int> Declined,
    int Expired,
    int Withdrawn,
    int PendingOffers,
    IReadOnlyList<TimeSpan> Answers)
{
    /// <summary>The referral's fact; with <paramref name="agb"/>, over that provider's offers only (placed: placed with it).</summary>
    public static PlacementFact Of(Referral r, string? agb = null)
    {
        var offers = agb is null ? r.Offers.ToList() : r.Offers.Where(o => o.Provider?.Agb == agb).ToList();
        var placedHere = r.State == ReferralState.Placed && (agb is null || r.PlacedWithAgb == agb);
        var declined = offers.Where(o => o.State == OfferState.Declined).GroupBy(o => o.DeclineReason).ToDictionary(g => g.Key, g => g.Count());
        var answers = offers.Where(o => o.State is OfferState.Accepted or OfferState.Declined && o.OfferedAt is not null && o.EndedAt is not null)
            .Select(o => o.EndedAt.ToDateTimeOffset() - o.OfferedAt.ToDateTimeOffset()).ToArray();
        return new PlacementFact(
            r.Version,
            r.CreatedAt.ToDateTimeOffset(),
            r.MunicipalityCode,
            r.Search?.PatientPostcode ?? "",
            r.Search?.CareType ?? CareType.Unspecified,
            r.Search?.InsurerUzovi ?? "",
            r.State,
            offers.Where(o => o.OfferedAt is not null).Select(o => (DateTimeOffset?)o.OfferedAt.ToDateTimeOffset()).Min(),
            placedHere ? r.Placement?.PlacedAt?.ToDateTimeOffset() : null,
            placedHere && r.Placement?.StartDate is { Year: > 0 } d ? new DateOnly(d.Year, d.Month, d.Day) : null,
            r.Escalation?.EscalatedAt?.ToDateTimeOffset(),
            r.State == ReferralState.Closed ? r.Closure?.Outcome ?? ClosureOutcome.Unspecified : ClosureOutcome.Unspecified,
            r.State == ReferralState.Closed ? r.Closure?.ClosedAt?.ToDateTimeOffset() : null,
            offers.Count,
            offers.Count(o => o.State == OfferState.Accepted),
            declined,
            offers.Count(o => o.State == OfferState.Expired),
            offers.Count(o => o.State == OfferState.Withdrawn),
            offers.Count(o => o.State == OfferState.Pending),
            answers);
    }

    public bool IsFinal => State is ReferralState.Placed or ReferralState.Closed or ReferralState.Cancelled;

    /// <summary>The month a referral counts in: its creation (Europe/Amsterdam), "2026-11".</summary>
    public string Month { get; } = MonthOf(Created);

    public static string MonthOf(DateTimeOffset at) => MonthOf(DutchCalendar.DateOf(at));

    public static string MonthOf(DateOnly day) => day.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>When the desk ended an escalated referral: placed (its acceptance) or closed; null while open or when cancelled.</summary>
    public DateTimeOffset? DeskEnded => State == ReferralState.Placed ? Accepted : State == ReferralState.Closed ? Closed : null;

    /// <summary>Whole days from the day of creation to the agreed first day of care (Europe/Amsterdam).</summary>
    public TimeSpan? ToCareStart => CareStart is { } start ? TimeSpan.FromDays(Math.Max(0, start.DayNumber - DutchCalendar.DateOf(Created).DayNumber)) : null;

    // Version first: the store's script compares it without parsing the rest.
    public string Format()
    {
        var s = new StringBuilder(96);
        s.Append(Version).Append('|').Append(Created.ToUnixTimeSeconds()).Append('|').Append(MunicipalityCode).Append('|').Append(Pc4).Append('|')
            .Append((int)CareType).Append('|').Append(Uzovi).Append('|').Append((int)State).Append('|')
            .Append(Seconds(FirstOffer)).Append('|').Append(Seconds(Accepted)).Append('|')
            .Append(CareStart?.DayNumber.ToString(CultureInfo.InvariantCulture)).Append('|')
            .Append(Seconds(Escalated)).Append('|').Append((int)Outcome).Append('|').Append(Seconds(Closed)).Append('|')
            .Append(Offers).Append('|').Append(AcceptedOffers).Append('|')
            .AppendJoin(',', Declined.OrderBy(d => d.Key).Select(d => $"{(int)d.Key}:{d.Value}")).Append('|')
            .Append(Expired).Append('|').Append(Withdrawn).Append('|').Append(PendingOffers).Append('|')
            .AppendJoin(',', Answers.Select(a => (long)a.TotalSeconds));
        return s.ToString();
    }

    static readonly Dictionary<DeclineReason, int> NoDeclines = [];

    /// <summary>The fact a line holds; null for a line this version cannot read (left out of the figures rather than failing the answer).</summary>
    public static PlacementFact? Parse(string line)
    {
        // Read field by field from the line (a query parses every fact it reads: no split array, no number substrings).
        var rest = line.AsSpan();
        var f = new Range[20];
        var fields = 0;
        for (var start = 0; fields < 20; fields++)
        {
            var cut = rest[start..].IndexOf('|');
            f[fields] = cut < 0 ? new Range(start, rest.Length) : new Range(start, start + cut);
            if (cut < 0) { fields++; break; }
            start += cut + 1;
        }
        if (fields < 20) return null;
        try
        {
            long Long(int i) => long.Parse(line.AsSpan()[f[i]], CultureInfo.InvariantCulture);
            int Int(int i) => int.Parse(line.AsSpan()[f[i]], CultureInfo.InvariantCulture);
            DateTimeOffset? Time(int i) => f[i].GetOffsetAndLength(line.Length).Length == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(Long(i));
            var declines = rest[f[15]].IsEmpty ? NoDeclines : line[f[15]].Split(',').Select(p => p.Split(':'))
                .ToDictionary(p => (DeclineReason)int.Parse(p[0], CultureInfo.InvariantCulture), p => int.Parse(p[1], CultureInfo.InvariantCulture));
            TimeSpan[] answers = rest[f[19]].IsEmpty ? [] : [.. line[f[19]].Split(',').Select(a => TimeSpan.FromSeconds(long.Parse(a, CultureInfo.InvariantCulture)))];
            return new PlacementFact(
                Long(0), DateTimeOffset.FromUnixTimeSeconds(Long(1)), line[f[2]], line[f[3]], (CareType)Int(4), line[f[5]], (ReferralState)Int(6),
                Time(7), Time(8), rest[f[9]].IsEmpty ? null : DateOnly.FromDayNumber(Int(9)),
                Time(10), (ClosureOutcome)Int(11), Time(12), Int(13), Int(14), declines, Int(16), Int(17), Int(18), answers);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    static string Seconds(DateTimeOffset? at) => at?.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) ?? "";

}
