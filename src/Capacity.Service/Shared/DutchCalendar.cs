namespace Capacity.Service.Shared;

/// <summary>
/// Dates in this domain are Dutch calendar days: a contract year, a start date, a client stop's
/// last day. "Today" is therefore today in Europe/Amsterdam, whatever the server's time zone.
/// </summary>
public static class DutchCalendar
{
    static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");

    public static DateOnly Today(this TimeProvider time) => DateOf(time.GetUtcNow());

    public static DateOnly DateOf(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Amsterdam).DateTime);

    /// <summary>Midnight at the start of <paramref name="day"/> in Amsterdam.</summary>
    public static DateTimeOffset StartOf(DateOnly day)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(midnight, Amsterdam.GetUtcOffset(midnight));
    }

    /// <summary>The next midnight in Amsterdam, when "today" changes.</summary>
    public static DateTimeOffset NextMidnight(this TimeProvider time)
    {
        var tomorrow = time.Today().AddDays(1).ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(tomorrow, Amsterdam.GetUtcOffset(tomorrow));
    }

    public static string Iso(this DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
