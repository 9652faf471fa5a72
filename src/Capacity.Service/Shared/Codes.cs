namespace Capacity.Service.Shared;

/// <summary>Formats of the Dutch identifiers the API accepts.</summary>
public static class Codes
{
    /// <summary>AGB code (Vektis): 8 digits.</summary>
    public static bool IsAgb(string? s) => s is { Length: 8 } && s.All(char.IsAsciiDigit);

    /// <summary>UZOVI code (Vektis): 4 digits.</summary>
    public static bool IsUzovi(string? s) => s is { Length: 4 } && s.All(char.IsAsciiDigit);

    /// <summary>Municipality code (CBS): GM and 4 digits.</summary>
    public static bool IsMunicipality(string? s) => s is { Length: 6 } && s.StartsWith("GM", StringComparison.Ordinal) && s[2..].All(char.IsAsciiDigit);

    public static string Pc4(int pc4) => pc4.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
}
