using System.Globalization;
using Capacity.Service.Shared;

namespace Capacity.Service.Capacity.Outlook;

/// <summary>Free places a provider expects on one coming day.</summary>
public readonly record struct DayExpectation(DateOnly Day, int FreePlaces);

/// <summary>
/// A provider's 7-day outlook for one area and care type, as stored: the version of the figure it
/// was published with, and its days. Stored as "version|dayNumber:free,dayNumber:free" in the
/// area's outlook hash (<see cref="OutlookStore"/>). It counts only next to the figure of the same
/// version, and only its days from tomorrow to today + 7: a day that has come is the published
/// figure's business, and a past day expires without anyone deleting it.
/// </summary>
public sealed record Outlook(long Version, IReadOnlyList<DayExpectation> Days)
{
    /// <summary>How far ahead an expectation may be: today + 7 (tomorrow is the first day).</summary>
    public const int WindowDays = 7;

    /// <summary>Whether <paramref name="day"/> is a day an expectation can be for, seen on <paramref name="today"/>: tomorrow to today + 7.</summary>
    public static bool InWindow(DateOnly today, DateOnly day) => day > today && day <= today.AddDays(WindowDays);

    /// <summary>The days still to come (tomorrow to today + 7), by date.</summary>
    public IEnumerable<DayExpectation> Coming(DateOnly today) => Days.Where(d => InWindow(today, d.Day)).OrderBy(d => d.Day);

    /// <summary>The places expected on <paramref name="day"/> if this outlook goes with the figure of <paramref name="figureVersion"/> and names the day, seen on <paramref name="today"/>.</summary>
    public int? ExpectedOn(DateOnly day, long figureVersion, DateOnly today)
    {
        if (figureVersion != Version || !InWindow(today, day)) return null;
        foreach (var d in Days) if (d.Day == day) return d.FreePlaces;
        return null;
    }

    /// <summary>The stored value; an empty outlook is not stored (the field is removed).</summary>
    public string Encode() => string.Create(CultureInfo.InvariantCulture,
        $"{Version}|{string.Join(',', Days.Select(d => $"{d.Day.DayNumber}:{d.FreePlaces}"))}");

    /// <summary>Reads a stored outlook; null when absent or not in the encoding.</summary>
    public static Outlook? Decode(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 512) return null;
        var bar = value.IndexOf('|');
        if (bar <= 0 || !long.TryParse(value.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var version)) return null;
        var days = new List<DayExpectation>(WindowDays);
        foreach (var part in value[(bar + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':');
            if (colon <= 0
                || !int.TryParse(part.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var day)
                || !int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var free)
                || day > DateOnly.MaxValue.DayNumber) return null;
            days.Add(new DayExpectation(DateOnly.FromDayNumber(day), free));
        }
        return new Outlook(version, days);
    }
}
