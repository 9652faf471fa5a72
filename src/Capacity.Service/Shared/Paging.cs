using System.Buffers.Text;
using System.Text;

namespace Capacity.Service.Shared;

/// <summary>A page of a list: its items and the token for the next page (empty at the end).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string NextPageToken);

/// <summary>
/// Paging, one rule for every list that grows with use: page_size 0 means <see cref="DefaultPageSize"/>
/// (so a client that sends none gets the first page and a next_page_token), at most
/// <see cref="MaxPageSize"/>; page_token is opaque and names the list it belongs to, so a token of
/// another list — another owner's or another filter's — is refused rather than misread. For lists
/// held in memory or read whole from a small index, <see cref="Of{T}"/> pages by key: the next page
/// starts strictly after the last key sent, so items added or removed meanwhile never shift a page.
/// (Lists in Redis sorted sets page the same way with <see cref="Redis.TimeIndex"/>.)
/// </summary>
public static class Paging
{
    public const int DefaultPageSize = 50, MaxPageSize = 200;

    public static int PageSize(int requested, InputErrors errors)
    {
        if (requested is < 0 or > MaxPageSize) errors.Add("page_size", Reasons.NumberRange, $"must be between 1 and {MaxPageSize} (0 for {DefaultPageSize})");
        return requested == 0 ? DefaultPageSize : Math.Clamp(requested, 1, MaxPageSize);
    }

    /// <summary>
    /// One page of <paramref name="items"/> in the ordinal order of <paramref name="keyOf"/> (keys
    /// unique within the list). <paramref name="list"/> names the list (its owner and filter);
    /// a token of another list is refused with INVALID_ARGUMENT naming page_token.
    /// </summary>
    public static Page<T> Of<T>(IEnumerable<T> items, Func<T, string> keyOf, string list, int size, string pageToken)
    {
        var after = pageToken.Length == 0 ? null : Decode(list, pageToken) ?? throw InputErrors.Single("page_token", Reasons.PageTokenInvalid, "not a page token of this list");
        var sorted = items.Select(i => (Key: keyOf(i), Item: i))
            .Where(x => after is null || string.CompareOrdinal(x.Key, after) > 0)
            .OrderBy(x => x.Key, StringComparer.Ordinal)
            .Take(size + 1)
            .ToArray();
        var page = sorted.Take(size).Select(x => x.Item).ToArray();
        return new Page<T>(page, sorted.Length > size ? Encode(list, sorted[size - 1].Key) : "");
    }

    public static string Encode(string list, string last) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{list}\n{last}"));

    /// <summary>The last key a token of <paramref name="list"/> names; null when it is not such a token.</summary>
    public static string? Decode(string list, string token)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            return null;
        }
        var cut = text.IndexOf('\n');
        return cut > 0 && text.AsSpan(0, cut).SequenceEqual(list) && cut + 1 < text.Length ? text[(cut + 1)..] : null;
    }
}
