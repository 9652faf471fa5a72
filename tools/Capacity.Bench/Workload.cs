using System.Diagnostics;
using Capacity.V1;
using Google.Type;

namespace Capacity.Bench;

/// <summary>The request mix: a fixed, seeded pool of FindProviders requests over the demo region.</summary>
static class Workload
{
    // The postcode areas the demo seeds (Amstelland and Amsterdam); elsewhere nothing is contracted.
    static readonly string[] Pc4s = string.Join(' ',
        "1114 1115 1191 1181 1182 1183 1184 1185 1186 1187 1188 1189 1421 1422 1423 1424 1431 1432 1433",
        "1011 1012 1013 1014 1015 1016 1017 1018 1019 1021 1022 1023 1024 1025 1026 1027 1028 1031 1032 1033",
        "1034 1035 1036 1037 1041 1042 1043 1044 1045 1046 1047 1051 1052 1053 1054 1055 1056 1057 1058 1059",
        "1060 1061 1062 1063 1064 1065 1066 1067 1068 1069 1071 1072 1073 1074 1075 1076 1077 1078 1079 1081",
        "1082 1083 1086 1087 1091 1092 1093 1094 1095 1096 1097 1098 1101 1102 1103 1104 1105 1106 1107 1108",
        "1109 1381 1382 1383 1384").Split(' ');

    // Roughly the insurers' market shares.
    static readonly (string Uzovi, int Weight)[] Insurers = [("3311", 30), ("7095", 25), ("9664", 22), ("3332", 12), ("3343", 11)];

    // Mostly plain district nursing, as in the referrals a coordination desk handles.
    static readonly (CareType Type, int Weight)[] CareTypes =
    [
        (CareType.DistrictNursing, 60), (CareType.PalliativeTerminal, 10), (CareType.DementiaCaseManagement, 10),
        (CareType.NightCare, 8), (CareType.ShortTermStay, 7), (CareType.MedicalChildCare, 5),
    ];

    static readonly (double Km, int Weight)[] Radii = [(0, 80), (10, 10), (25, 10)];

    public static FindProvidersRequest[] Build(int seed, DateOnly today, int size = 4096)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, size).Select(_ => Next(random, today))];
    }

    /// <summary>A request the demo data always answers with providers: one of them is based in 1183.</summary>
    public static FindProvidersRequest Sanity(DateOnly today) => new()
    {
        PatientPostcode = "1183",
        InsurerUzovi = "3311",
        CareType = CareType.DistrictNursing,
        StartDate = ToDate(today.AddDays(1)),
    };

    public static string Describe(FindProvidersRequest r) =>
        $"{r.PatientPostcode}, insurer {r.InsurerUzovi}, {r.CareType}, start {r.StartDate.ToDateTime():yyyy-MM-dd}";

    static FindProvidersRequest Next(Random random, DateOnly today)
    {
        var pc4 = Pc4s[random.Next(Pc4s.Length)];
        var careType = Pick(random, CareTypes);
        var request = new FindProvidersRequest
        {
            // Some callers send the full PC6; only the PC4 counts.
            PatientPostcode = random.Next(4) == 0 ? $"{pc4} {(char)('A' + random.Next(3))}{(char)('B' + random.Next(20))}" : pc4,
            InsurerUzovi = Pick(random, Insurers),
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
    }

    static T Pick<T>(Random random, (T Value, int Weight)[] items)
    {
        var roll = random.Next(items.Sum(i => i.Weight));
        foreach (var (value, weight) in items)
            if ((roll -= weight) < 0) return value;
        throw new UnreachableException();
    }

    static Date ToDate(DateOnly d) => new() { Year = d.Year, Month = d.Month, Day = d.Day };
}
