namespace Capacity.Service.Shared;

/// <summary>
/// Dutch phone numbers as a desk writes them down: the layout is free (spaces, dashes, dots,
/// brackets, slashes), the digits must make a number that can be dialled in the Netherlands.
/// The number is stored as sent; only its digits are checked.
/// </summary>
public static class DutchPhone
{
    public const string Rule = "must be a Dutch phone number, e.g. 020 123 4567, 06-12345678, +31 20 123 4567 or 0800-1234";

    // Room for any layout ("+31 (0)20 - 123 45 67" is 21), but no essay in a phone field.
    const int MaxLength = 32;

    // Free (0800) and paid (0900, 0906, 0909) information numbers.
    static readonly string[] ServicePrefixes = ["0800", "0900", "0906", "0909"];

    public static bool IsValid(string? text)
    {
        if (Digits(text) is not { } number) return false;

        // From abroad: +31 or 0031, then the national number without its leading 0.
        if (number.StartsWith("+31", StringComparison.Ordinal)) return IsDialledFromAbroad(number[3..]);
        if (number.StartsWith("0031", StringComparison.Ordinal)) return IsDialledFromAbroad(number[4..]);
        if (number.StartsWith('+')) return false; // another country

        // A service number is its prefix and 4 or 7 digits. Checked before the ordinary rule,
        // which 0900 and 6 digits would otherwise pass.
        if (IsService(number)) return number.Length is 8 or 11;

        // A municipality's 14 number: 14 and the municipality's area code of 3 or 4 digits ("14 020").
        if (number.StartsWith("14", StringComparison.Ordinal)) return number.Length is 5 or 6;

        return IsOrdinary(number);
    }

    /// <summary>Fixed and mobile numbers: 0 and 9 digits, area code included ("020", "06"); 00 would be an international prefix.</summary>
    static bool IsOrdinary(string number) => number.Length == 10 && number[0] == '0' && number[1] != '0';

    static bool IsService(string number) => ServicePrefixes.Any(p => number.StartsWith(p, StringComparison.Ordinal));

    // Only ordinary numbers: 14 numbers and service numbers are generally not reachable from abroad.
    static bool IsDialledFromAbroad(string rest) => IsOrdinary("0" + rest) && !IsService("0" + rest);

    /// <summary>The digits, with a leading '+' kept and the "(0)" that may follow +31 dropped; null if anything else is in the text.</summary>
    static string? Digits(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxLength) return null;
        var s = text.Trim();
        if (s.StartsWith("+31", StringComparison.Ordinal))
        {
            // "+31 (0)20 …" shows readers in the country their trunk 0; it is not dialled.
            var rest = s[3..].TrimStart();
            if (rest.StartsWith("(0)", StringComparison.Ordinal)) s = "+31" + rest[3..];
        }

        var digits = new System.Text.StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsAsciiDigit(c) || (c == '+' && i == 0)) digits.Append(c);
            else if (c is not (' ' or '-' or '.' or '(' or ')' or '/')) return null;
        }
        return digits.Length > 0 ? digits.ToString() : null;
    }
}
