using System.Globalization;
using System.Text.Json;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Capacity.Pull;

/// <summary>A registered endpoint with the outcome of its pulls, and what a conditional fetch needs (ETag, Last-Modified, the last statement).</summary>
public sealed record EndpointState(
    string Agb, string Url, DateTimeOffset RegisteredAt,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastErrorAt,
    string LastErrorCode, string LastError, int ConsecutiveFailures,
    int FiguresPublished, IReadOnlyList<Skipped> Skipped, int SkippedCount,
    string? ETag, string? LastModified, IReadOnlyList<PulledFigure> Statement);

/// <summary>
/// Registered endpoints in Redis. Each endpoint is a hash <c>pull:{AGB}</c> (its own slot); the
/// schedule is one sorted set <c>pull:due</c> (AGB by the time its next fetch is due, a few
/// thousand members at national size) and the admin's list a sorted set <c>pull:endpoints</c>
/// (AGB at score 0, paged by value). Any instance claims due endpoints with one script that moves
/// them a lease ahead, so two instances never fetch the same endpoint at once, and an instance
/// that dies mid-fetch only delays that endpoint by the lease.
/// </summary>
public sealed class PullStore(IConnectionMultiplexer redis)
{
    public static class Keys
    {
        public static RedisKey Endpoint(string agb) => $"pull:{{{agb}}}";
        public static readonly RedisKey Due = "pull:due";
        public static readonly RedisKey All = "pull:endpoints";
    }

    IDatabase Db => redis.GetDatabase();

    // Due members (score <= now), at most ARGV[3], each moved to now + lease.
    const string ClaimScript = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        for _, agb in ipairs(due) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], agb) end
        return due
        """;

    // The outcome of a fetch is written only while the endpoint is still the one fetched: a
    // removal or a new address meanwhile must not be undone by a late answer.
    const string RecordScript = """
        if redis.call('HGET', KEYS[1], 'url') ~= ARGV[1] then return 0 end
        for i = 2, #ARGV, 2 do
          if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
        end
        return 1
        """;

    public async Task RegisterAsync(string agb, string url, DateTimeOffset now)
    {
        var db = Db;
        // A new address starts a clean history.
        await db.KeyDeleteAsync(Keys.Endpoint(agb));
        await db.HashSetAsync(Keys.Endpoint(agb), [new("url", url), new("registered", Ms(now)), new("failures", 0)]);
        await db.SortedSetAddAsync(Keys.All, agb, 0);
        await db.SortedSetAddAsync(Keys.Due, agb, now.ToUnixTimeMilliseconds());
    }

    public async Task<bool> RemoveAsync(string agb)
    {
        var db = Db;
        await db.SortedSetRemoveAsync(Keys.Due, agb);
        await db.SortedSetRemoveAsync(Keys.All, agb);
        return await db.KeyDeleteAsync(Keys.Endpoint(agb));
    }

    /// <summary>Moves the next fetch to <paramref name="at"/>; false when no endpoint is registered.</summary>
    public async Task<bool> ScheduleAsync(string agb, DateTimeOffset at) =>
        await Db.SortedSetUpdateAsync(Keys.Due, agb, at.ToUnixTimeMilliseconds(), SortedSetWhen.Exists) || await Db.SortedSetScoreAsync(Keys.Due, agb) is not null;

    public async Task<DateTimeOffset?> NextPullAsync(string agb) =>
        await Db.SortedSetScoreAsync(Keys.Due, agb) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : null;

    /// <summary>Up to <paramref name="max"/> endpoints whose fetch is due, each now leased to this instance until <paramref name="leaseUntil"/>.</summary>
    public async Task<string[]> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max)
    {
        var result = await Db.ScriptEvaluateAsync(ClaimScript, [Keys.Due], [now.ToUnixTimeMilliseconds(), leaseUntil.ToUnixTimeMilliseconds(), max]);
        return ((RedisValue[])result!).Select(v => (string)v!).ToArray();
    }

    public async Task<EndpointState?> GetAsync(string agb)
    {
        var fields = (await Db.HashGetAllAsync(Keys.Endpoint(agb))).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        return fields.TryGetValue("url", out var url) ? Parse(agb, url, fields) : null;
    }

    /// <summary>A page of registered endpoints by AGB code, and the last AGB on it when more follow.</summary>
    public async Task<(IReadOnlyList<EndpointState> Endpoints, string? Last)> PageAsync(string? after, int size)
    {
        var agbs = await Db.SortedSetRangeByValueAsync(Keys.All, after ?? RedisValue.Null, RedisValue.Null,
            after is null ? Exclude.None : Exclude.Start, Order.Ascending, 0, size + 1);
        var page = agbs.Take(size).Select(a => (string)a!).ToArray();
        var states = await Task.WhenAll(page.Select(GetAsync));
        return (states.OfType<EndpointState>().ToArray(), agbs.Length > size ? page[^1] : null);
    }

    /// <summary>A fetch whose statement was published (or still holds, on 304).</summary>
    public Task RecordSuccessAsync(string agb, string url, DateTimeOffset now, PulledStatement statement, string? etag, string? lastModified, DateTimeOffset next) =>
        RecordAsync(agb, url, next,
            ("attempt", Ms(now)), ("success", Ms(now)), ("failures", "0"),
            ("published", statement.Figures.Count.ToString(CultureInfo.InvariantCulture)),
            ("skipped", JsonSerializer.Serialize(statement.Skipped)), ("skipped_count", statement.SkippedCount.ToString(CultureInfo.InvariantCulture)),
            ("etag", etag ?? ""), ("last_modified", lastModified ?? ""), ("statement", Encode(statement.Figures)));

    public Task RecordFailureAsync(string agb, string url, DateTimeOffset now, int failures, string code, string message, DateTimeOffset next) =>
        RecordAsync(agb, url, next,
            ("attempt", Ms(now)), ("error_at", Ms(now)), ("error_code", code), ("error", message),
            ("failures", failures.ToString(CultureInfo.InvariantCulture)));

    async Task RecordAsync(string agb, string url, DateTimeOffset next, params (string Field, string Value)[] fields)
    {
        var args = new RedisValue[1 + 2 * fields.Length];
        args[0] = url;
        for (var i = 0; i < fields.Length; i++)
        {
            args[1 + 2 * i] = fields[i].Field;
            args[2 + 2 * i] = fields[i].Value;
        }
        if ((long)await Db.ScriptEvaluateAsync(RecordScript, [Keys.Endpoint(agb)], args) == 1)
            await Db.SortedSetUpdateAsync(Keys.Due, agb, next.ToUnixTimeMilliseconds(), SortedSetWhen.Exists);
    }

    static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    static DateTimeOffset? At(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    static int Int(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;

    static EndpointState Parse(string agb, string url, Dictionary<string, string> f) => new(
        agb, url, At(f, "registered") ?? DateTimeOffset.UnixEpoch, At(f, "attempt"), At(f, "success"), At(f, "error_at"),
        f.GetValueOrDefault("error_code", ""), f.GetValueOrDefault("error", ""), Int(f, "failures"),
        Int(f, "published"), f.TryGetValue("skipped", out var s) ? JsonSerializer.Deserialize<Skipped[]>(s) ?? [] : [], Int(f, "skipped_count"),
        f.GetValueOrDefault("etag"), f.GetValueOrDefault("last_modified"), f.TryGetValue("statement", out var st) ? Decode(st) : []);

    /// <summary>The last statement's figures, "pc4,careType,free;…": republished on a 304 without the document.</summary>
    static string Encode(IReadOnlyList<PulledFigure> figures) =>
        string.Join(';', figures.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Pc4},{(int)x.CareType},{x.FreePlaces}")));

    static PulledFigure[] Decode(string text) => text.Length == 0 ? [] : text.Split(';').Select(part => part.Split(','))
        .Where(p => p.Length == 3)
        .Select(p => new PulledFigure(int.Parse(p[0], CultureInfo.InvariantCulture), (CareType)int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture)))
        .ToArray();
}
