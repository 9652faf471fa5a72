using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Insight.Placements;

/// <summary>The checks the placement analytics and the unmet-demand report share: the period, the page size, the care types.</summary>
public static class PlacementValidation
{
    public const int MaxMonths = 24, DefaultPageSize = 100, MaxPageSize = 500;

    /// <summary>A validated period: its days and the months ("2026-11") it touches, at most <see cref="MaxMonths"/>.</summary>
    public sealed record Period(DateOnly From, DateOnly To, IReadOnlyList<string> Months)
    {
        // The period's ends as instants, once: a query tests every fact it reads.
        readonly DateTimeOffset _start = DutchCalendar.StartOf(From), _end = DutchCalendar.StartOf(To.AddDays(1));

        public bool Contains(DateTimeOffset at) => at >= _start && at < _end;
    }

    public static Period? PeriodOf(DateRange? period, InputErrors errors)
    {
        if (period is null)
        {
            errors.Add("period", Reasons.Required, "is required: from and to (days, both included)");
            return null;
        }
        var from = Day(period.From, "period.from", errors);
        var to = Day(period.To, "period.to", errors);
        if (from is null || to is null) return null;
        if (to < from)
        {
            errors.Add("period.to", Reasons.DateBeforeStart, "must not be before period.from");
            return null;
        }
        var months = (to.Value.Year - from.Value.Year) * 12 + to.Value.Month - from.Value.Month + 1;
        if (months > MaxMonths)
        {
            errors.Add("period", Reasons.DateTooFar, $"may span at most {MaxMonths} calendar months (this one spans {months})");
            return null;
        }
        var first = new DateOnly(from.Value.Year, from.Value.Month, 1);
        return new Period(from.Value, to.Value, [.. Enumerable.Range(0, months).Select(i => PlacementFact.MonthOf(first.AddMonths(i)))]);
    }

    static DateOnly? Day(Google.Type.Date? date, string field, InputErrors errors)
    {
        if (date is null || (date.Year, date.Month, date.Day) == (0, 0, 0))
        {
            errors.Add(field, Reasons.Required, "is required");
            return null;
        }
        if (date.Year is < 2000 or > 9999 || date.Month is < 1 or > 12 || date.Day < 1 || date.Day > DateTime.DaysInMonth(date.Year, date.Month))
        {
            errors.Add(field, Reasons.DateInvalid, "is not a day of the calendar");
            return null;
        }
        return new DateOnly(date.Year, date.Month, date.Day);
    }

    public static int PageSize(int requested, InputErrors errors)
    {
        if (requested is < 0 or > MaxPageSize) errors.Add("page_size", Reasons.NumberRange, $"must be between 1 and {MaxPageSize} (0 for {DefaultPageSize})");
        return requested == 0 ? DefaultPageSize : Math.Clamp(requested, 1, MaxPageSize);
    }

    public static CareTypeSet CareTypes(IReadOnlyList<CareType> types, InputErrors errors)
    {
        for (var i = 0; i < types.Count; i++)
            if (!Shared.CareTypes.IsKnown(types[i])) errors.Add($"care_types[{i}]", Reasons.CareTypeUnknown, "is not a care type");
        return types.Count == 0 ? CareTypeSet.Every : CareTypeSet.Of(types);
    }
}
