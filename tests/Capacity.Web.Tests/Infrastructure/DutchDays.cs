namespace Capacity.Web.Tests.Infrastructure;

/// <summary>Days as the page counts and writes them: in the Netherlands, "25 november".</summary>
public static class DutchDays
{
    static readonly string[] Months =
        ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"];

    /// <summary>Today in Europe/Amsterdam, as the service and the page count days.</summary>
    public static DateOnly Today() =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam")).DateTime);

    static readonly string[] Weekdays = ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"];

    /// <summary>"dinsdag".</summary>
    public static string Weekday(DateOnly day) => Weekdays[(int)day.DayOfWeek];

    /// <summary>"25 november" (the page adds the year only for another year, after it).</summary>
    public static string DayMonth(DateOnly day) => $"{day.Day} {Months[day.Month - 1]}";

    /// <summary>The value of a date input: "2026-11-25".</summary>
    public static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
