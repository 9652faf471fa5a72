using Capacity.V1;

namespace Capacity.Service.Mcsd;

/// <summary>One row of the HealthcareService.type → care type table: a coding (system and code) and our care type.</summary>
public sealed class CareTypeCode
{
    public string System { get; set; } = "";
    public string Code { get; set; } = "";
    public CareType CareType { get; set; }
}

/// <summary>
/// <c>Directory:Mcsd</c>: where the mCSD care services directory is and how often to sync from it.
/// Off (nothing runs) while <see cref="BaseUrl"/> is empty. docs/MCSD.md describes every setting.
/// </summary>
public sealed class McsdOptions
{
    /// <summary>Our own code system for the care types, always in the table (docs/MCSD.md).</summary>
    public const string CareTypeSystem = "urn:capacity:care-type";

    /// <summary>The directory's FHIR R4 base, e.g. https://directory.example.nl/fhir. https only; http only to a loopback address (tests).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Time between the end of one sync and the start of the next.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Per HTTP request (one page of a bundle), connect to last byte.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one instance holds the sync lock; a crashed instance's lock expires after this.</summary>
    public TimeSpan LockTime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Asked page size (_count).</summary>
    public int PageSize { get; set; } = 200;

    /// <summary>Pages followed per resource type in one sync, so a server whose next links loop cannot hold the sync forever.</summary>
    public int MaxPages { get; set; } = 1000;

    /// <summary>Codings added to the built-in table (the care type codes of <see cref="CareTypeSystem"/>).</summary>
    public List<CareTypeCode> CareTypeCodes { get; set; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(BaseUrl);

    public bool IsValid => !Enabled
        || IsAllowedBase(BaseUrl) && Interval >= TimeSpan.FromSeconds(1) && RequestTimeout > TimeSpan.Zero
           && LockTime > RequestTimeout && PageSize is >= 1 and <= 1000 && MaxPages >= 1
           && CareTypeCodes.All(c => c.System.Length > 0 && c.Code.Length > 0 && Shared.CareTypes.IsKnown(c.CareType));

    /// <summary>https, or http to a loopback address (a test's own server).</summary>
    public static bool IsAllowedBase(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Query.Length == 0
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback);

    /// <summary>
    /// Our own codes: the care type's name in the proto, lower case, without the prefix (e.g.
    /// district_nursing), and the codes our FHIR output uses (Fhir/FhirCodes: district-nursing), so
    /// a directory that republishes this service's HealthcareServices maps back.
    /// </summary>
    static readonly CareTypeCode[] BuiltIn = Enum.GetValues<CareType>().Where(Shared.CareTypes.IsKnown)
        .Select(t => new CareTypeCode { System = CareTypeSystem, Code = ProtoName(t), CareType = t })
        .Concat(Fhir.FhirCodes.CareTypes.Select(c => new CareTypeCode { System = Fhir.FhirCodes.CareTypeSystem, Code = c.Value.Code, CareType = c.Key }))
        .ToArray();

    public static string ProtoName(CareType t) =>
        string.Concat(t.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? $"_{char.ToLowerInvariant(c)}" : $"{char.ToLowerInvariant(c)}"));

    /// <summary>The table: "system|code" → care type.</summary>
    public IReadOnlyDictionary<string, CareType> CareTypeTable() =>
        BuiltIn.Concat(CareTypeCodes).GroupBy(c => $"{c.System}|{c.Code}").ToDictionary(g => g.Key, g => g.Last().CareType);
}
