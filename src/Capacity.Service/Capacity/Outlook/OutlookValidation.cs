using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.Collections;

namespace Capacity.Service.Capacity.Outlook;

/// <summary>The rules of a figure's outlook (docs/INSIGHT-outlook.md), one place for the API, the grid and the import.</summary>
public static class OutlookValidation
{
    /// <summary>
    /// The outlook of a figure of <paramref name="version"/>, or null when it has none; bad days are
    /// reported as <c>outlook[i].date</c> / <c>outlook[i].free_places</c> and give null.
    /// </summary>
    public static Outlook? Validate(RepeatedField<DailyExpectation> outlook, long version, DateOnly today, InputErrors errors)
    {
        if (outlook.Count == 0) return null;
        var bad = errors.Count;
        if (outlook.Count > Outlook.WindowDays)
        {
            errors.Add("outlook", Reasons.ListTooLong, $"at most {Outlook.WindowDays} days");
            return null;
        }
        var days = new List<DayExpectation>(outlook.Count);
        var seen = new HashSet<DateOnly>();
        for (var i = 0; i < outlook.Count; i++)
        {
            var e = outlook[i];
            if (e.Date.TryToDateOnly() is not { } day) errors.Add($"outlook[{i}].date", Reasons.DateInvalid, "is not a valid date");
            else if (!Outlook.InWindow(today, day))
                errors.Add($"outlook[{i}].date", Reasons.OutlookDayRange, $"must be from {today.AddDays(1).Iso()} (tomorrow) to {today.AddDays(Outlook.WindowDays).Iso()}");
            else if (!seen.Add(day)) errors.Add($"outlook[{i}].date", Reasons.OutlookDayDuplicate, $"{day.Iso()} is in the outlook already");
            else if (e.FreePlaces is >= 0 and <= CapacityGrpcService.MaxFreePlaces) days.Add(new DayExpectation(day, e.FreePlaces));
            if (e.FreePlaces < 0) errors.Add($"outlook[{i}].free_places", Reasons.NumberRange, "must not be negative");
            else if (e.FreePlaces > CapacityGrpcService.MaxFreePlaces) errors.Add($"outlook[{i}].free_places", Reasons.NumberRange, $"at most {CapacityGrpcService.MaxFreePlaces}");
        }
        return errors.Count > bad ? null : new Outlook(version, [.. days.OrderBy(d => d.Day)]);
    }

    /// <summary>An outlook as the API shows it: its days still to come, by date.</summary>
    public static IEnumerable<DailyExpectation> ToProto(Outlook outlook, DateOnly today) =>
        outlook.Coming(today).Select(d => new DailyExpectation { Date = d.Day.ToDate(), FreePlaces = d.FreePlaces });
}
