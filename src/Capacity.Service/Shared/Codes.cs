using System.Text.RegularExpressions;

namespace Capacity.Service.Shared;

/// <summary>Formats of the Dutch identifiers the API accepts, and the one reason and text each refusal gives.</summary>
public static partial class Codes
{
    public static readonly (string Reason, string Description) AgbRule = (Reasons.AgbFormat, "must be an AGB code of 8 digits");
    public static readonly (string Reason, string Description) UzoviRule = (Reasons.UzoviFormat, "must be a UZOVI code of 4 digits");
    public static readonly (string Reason, string Description) OrganisationRule = (Reasons.OrganisationCodeFormat, "must be 1 to 64 letters, digits, '.', '_' or '-'");

    /// <summary>AGB code (Vektis): 8 digits.</summary>
    public static bool IsAgb(string? s) => s is { Length: 8 } && s.All(char.IsAsciiDigit);

    /// <summary>A client's request id (retries of one request carry the same one): 1 to 64 visible ASCII characters.</summary>
    public static bool IsRequestId(string? s) => s is { Length: >= 1 and <= 64 } && s.All(c => c is >= '!' and <= '~');

    public static readonly (string Reason, string Description) RequestIdRule = (Reasons.RequestIdFormat, "must be 1 to 64 visible ASCII characters, unique per request");

    /// <summary>UZOVI code (Vektis): 4 digits.</summary>
    public static bool IsUzovi(string? s) => s is { Length: 4 } && s.All(char.IsAsciiDigit);

    /// <summary>Municipality code (CBS): GM and 4 digits.</summary>
    public static bool IsMunicipality(string? s) => s is { Length: 6 } && s.StartsWith("GM", StringComparison.Ordinal) && s[2..].All(char.IsAsciiDigit);

    /// <summary>A requesting organisation's own code (the requester's "org" claim): 1-64 letters, digits, '.', '_' or '-'.</summary>
    public static bool IsOrganisation(string? s) => s is not null && OrganisationPattern().IsMatch(s);

    public static string Pc4(int pc4) => pc4.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex OrganisationPattern();
}
