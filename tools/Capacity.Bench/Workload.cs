using System.Diagnostics;
using Capacity.Scenario;
using Capacity.V1;
using Google.Type;

namespace Capacity.Bench;

/// <summary>
/// The searches coordinators send, drawn from a scenario: patients live where people live (area
/// drawn by population), are insured in proportion to market shares, and mostly need plain
/// district nursing. A fixed, seeded pool, so two runs send the same requests.
/// </summary>
static class Workload
{
    // Mostly plain district nursing, as in the referrals a transfer desk handles.
    static readonly (CareType Type, int Weight)[] CareTypes =
    [
        (CareType.DistrictNursing, 60), (CareType.PalliativeTerminal, 10), (CareType.DementiaCaseManagement, 10),
        (CareType.NightCare, 8), (CareType.ShortTermStay, 7), (CareType.MedicalChildCare, 5),
    ];

    static readonly (double Km, int Weight)[] Radii = [(0, 80), (10, 10), (25, 10)];

    public static DateOnly Today()
    {
        var amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, amsterdam).DateTime);
    }

    public static FindProvidersRequest[] Build(Scenario.Scenario scenario, int seed, int size = 4096)
    {
        var random = new Random(seed);
        var areas = scenario.Areas.Where(a => a.Population > 0).ToArray();
        var cumulative = new long[areas.Length];
        long total = 0;
        for (var i = 0; i < areas.Length; i++) cumulative[i] = total += areas[i].Population;
        var insurers = scenario.Insurers.Select(i => (i.Insurer.Uzovi, i.MarketShare)).ToArray();
        var today = scenario.Options.Today;

        return [.. Enumerable.Range(0, size).Select(_ =>
        {
            var index = Array.BinarySearch(cumulative, random.NextInt64(total));
            var pc4 = areas[index < 0 ? ~index : index].Code;
            var careType = Pick(random, CareTypes);
            var request = new FindProvidersRequest
            {
                // Some callers send the full PC6; only the PC4 counts.
                PatientPostcode = random.Next(4) == 0 ? $"{pc4} {(char)('A' + random.Next(3))}{(char)('B' + random.Next(20))}" : pc4,
                InsurerUzovi = Pick(random, insurers),
                CareType = careType,
                // From tomorrow on, so a run that crosses midnight never sends a date in the past.
                StartDate = ToDate(today.AddDays(random.Next(1, 29))),
                RadiusKm = Pick(random, Radii),
            };
            // Urgent care starts within 24 hours: tomorrow at the latest.
            if (random.Next(20) == 0)
            {
                request.Urgent = true;
                request.StartDate = ToDate(today.AddDays(1));
            }
            if (careType == CareType.MedicalChildCare) request.PatientAge = random.Next(0, 18);
            else if (random.Next(2) == 0) request.PatientAge = random.Next(18, 100);
            return request;
        })];
    }

    /// <summary>A request the scenario always answers with providers: the base area of its first provider.</summary>
    public static FindProvidersRequest Sanity(Scenario.Scenario scenario) => new()
    {
        PatientPostcode = scenario.Providers[^1].Provider.BasePc4,
        InsurerUzovi = scenario.Insurers[0].Insurer.Uzovi,
        CareType = CareType.DistrictNursing,
        StartDate = ToDate(scenario.Options.Today.AddDays(1)),
    };

    public static string Describe(FindProvidersRequest r) =>
        $"{r.PatientPostcode}, insurer {r.InsurerUzovi}, {r.CareType}, start {r.StartDate.ToDateTime():yyyy-MM-dd}, radius {r.RadiusKm} km";

    static T Pick<T>(Random random, (T Value, int Weight)[] items)
    {
        var roll = random.Next(items.Sum(i => i.Weight));
        foreach (var (value, weight) in items)
            if ((roll -= weight) < 0) return value;
        throw new UnreachableException();
    }

    public static Date ToDate(DateOnly d) => new() { Year = d.Year, Month = d.Month, Day = d.Day };
}
