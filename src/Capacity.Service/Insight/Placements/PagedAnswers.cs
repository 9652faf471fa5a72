using Microsoft.Extensions.Caching.Memory;

namespace Capacity.Service.Insight.Placements;

/// <summary>
/// The whole answer of a paged query, kept for a minute by its list name (scope, period, filters):
/// a first page (no page token) is always counted afresh from the facts and kept; the next pages
/// of the same list are cut from what was kept, so that paging through a national answer of
/// thousands of cells reads and counts the facts once, not once per page — and its pages are of
/// one moment. Bounded by the items kept (<see cref="MaxItems"/>), per instance: a page asked of
/// another instance is counted there. Holds aggregates and counts only, no referral.
/// </summary>
public sealed class PagedAnswers : IDisposable
{
    public const int MaxItems = 1_000_000;
    static readonly TimeSpan Keep = TimeSpan.FromMinutes(1);

    readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = MaxItems });

    public async Task<T> GetAsync<T>(string list, string pageToken, Func<Task<T>> compute, Func<T, int> items) where T : class
    {
        if (pageToken.Length > 0 && _cache.TryGetValue(list, out T? kept) && kept is not null) return kept;
        var answer = await compute();
        _cache.Set(list, answer, new MemoryCacheEntryOptions { Size = Math.Max(1, items(answer)), AbsoluteExpirationRelativeToNow = Keep });
        return answer;
    }

    public void Dispose() => _cache.Dispose();
}
