using System.Buffers.Text;
using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Capacity.Service.Redis;

/// <summary>A page of an index: its entries' ids and the token for the next page (empty at the end).</summary>
public sealed record IndexPage(IReadOnlyList<string> Ids, string NextPageToken);

/// <summary>
/// A list kept in time order for paging: a sorted set whose members are <c>timeMs|id</c> (the
/// time zero-padded to 13 digits) at score 0, read with ZRANGE … BYLEX. The member order is the
/// time order, ties are broken by the id, and a page token is simply the last member sent: the
/// next page starts strictly after it, so entries added or removed meanwhile never shift a page
/// and paging never scans. Removing an entry needs its time, which its owner always knows (a
/// referral's creation, placement or end).
/// </summary>
public sealed class TimeIndex(RedisKey key)
{
    public RedisKey Key { get; } = key;

    // A token names its list (the key), so a token of another list — another owner's too — is refused rather than misread.
    readonly string _name = key.ToString();

    public static RedisValue Member(DateTimeOffset at, string id) => $"{at.ToUnixTimeMilliseconds():D13}|{id}";

    public Task AddAsync(IDatabaseAsync db, DateTimeOffset at, string id) => db.SortedSetAddAsync(Key, Member(at, id), 0);

    public Task RemoveAsync(IDatabaseAsync db, DateTimeOffset at, string id) => db.SortedSetRemoveAsync(Key, Member(at, id));

    /// <summary>
    /// One page: oldest first, or with <paramref name="newestFirst"/> newest first; only entries
    /// at or after <paramref name="since"/> when given. <paramref name="pageToken"/> must come from
    /// this same list (else <see cref="FormatException"/>).
    /// </summary>
    public async Task<IndexPage> PageAsync(IDatabaseAsync db, bool newestFirst, int size, string pageToken, DateTimeOffset? since = null)
    {
        RedisValue after = pageToken.Length == 0 ? RedisValue.Null : DecodeToken(pageToken);
        RedisValue floor = since is { } s ? $"{s.ToUnixTimeMilliseconds():D13}|" : RedisValue.Null;
        var afterFloor = !after.IsNull && (floor.IsNull || string.CompareOrdinal(after, floor) >= 0);
        RedisValue[] members;
        if (newestFirst)
        {
            // Down from the last member sent (exclusive) to the floor. When that member has aged
            // below the floor meanwhile, nothing is left (and the range must not be asked: with
            // min above max StackExchange.Redis would swap them and answer rows already sent).
            if (!after.IsNull && !afterFloor) return new IndexPage([], "");
            members = await db.SortedSetRangeByValueAsync(Key, floor, after, after.IsNull ? Exclude.None : Exclude.Stop, Order.Descending, 0, size + 1);
        }
        else
        {
            // Up from the last member sent (exclusive), or from the floor when that is later.
            members = await db.SortedSetRangeByValueAsync(Key, afterFloor ? after : floor, RedisValue.Null, afterFloor ? Exclude.Start : Exclude.None,
                Order.Ascending, 0, size + 1);
        }
        var ids = new List<string>(Math.Min(size, members.Length));
        for (var i = 0; i < members.Length && i < size; i++) ids.Add(IdOf(members[i]));
        return new IndexPage(ids, members.Length > size ? EncodeToken(members[size - 1]) : "");
    }

    static string IdOf(RedisValue member)
    {
        var text = (string)member!;
        return text[(text.IndexOf('|') + 1)..];
    }

    string EncodeToken(RedisValue member) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{_name}\n{member}"));

    RedisValue DecodeToken(string token)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw new FormatException("not a page token");
        }
        var parts = text.Split('\n');
        if (parts.Length != 2 || parts[0] != _name || parts[1].Length < 15 || parts[1][13] != '|'
            || !long.TryParse(parts[1].AsSpan(0, 13), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            throw new FormatException("not a page token of this list");
        return parts[1];
    }
}
