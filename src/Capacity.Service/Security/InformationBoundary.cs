using System.Text.RegularExpressions;

namespace Capacity.Service.Security;

/// <summary>
/// The competition authority allows competitors to share capacity and contract existence, never
/// prices or costs (DOMAIN.md). The API has no field for them, and free texts are checked for
/// money amounts so none slips in as prose ("tarief € 75,40", "EUR 1.200", "1200 euro").
/// </summary>
public static partial class InformationBoundary
{
    public const string Refusal = "mentions a money amount; tariffs, cost ceilings and budgets may not be shared here";

    public static bool ContainsMoneyAmount(string text) => MoneyAmount().IsMatch(text);

    // A currency sign or word right before or after a number.
    [GeneratedRegex(@"(€|\beur\b|\beuro'?s?\b)\s*-?\s*\d|\d[\d.,]*\s*(€|\beur\b|\beuro'?s?\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MoneyAmount();
}
