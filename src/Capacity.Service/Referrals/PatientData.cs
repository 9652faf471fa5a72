using System.Text.RegularExpressions;

namespace Capacity.Service.Referrals;

/// <summary>
/// The service stores no name, citizen service number (BSN) or date of birth. A BSN is 9 digits
/// that pass the 11-test (9·d1 + 8·d2 + … + 2·d8 − 1·d9 divisible by 11); anything that looks like
/// one is refused before it is stored.
/// </summary>
public static partial class PatientData
{
    public static bool IsBsn(ReadOnlySpan<char> digits)
    {
        if (digits.Length != 9) return false;
        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            if (!char.IsAsciiDigit(digits[i])) return false;
            sum += (9 - i) * (digits[i] - '0');
        }
        if (!char.IsAsciiDigit(digits[8])) return false;
        sum -= digits[8] - '0';
        return sum % 11 == 0 && sum != 0;
    }

    /// <summary>Whether the text holds a run of exactly 9 digits (dots, spaces, dashes or slashes between them allowed) that passes the 11-test.</summary>
    public static bool ContainsBsn(string text)
    {
        foreach (Match m in DigitRun().Matches(text))
        {
            var digits = new string(m.Value.Where(char.IsAsciiDigit).ToArray());
            if (IsBsn(digits)) return true;
        }
        return false;
    }

    [GeneratedRegex(@"(?<![0-9])[0-9](?:[ ./\-]?[0-9]){8}(?![0-9])")]
    private static partial Regex DigitRun();
}
