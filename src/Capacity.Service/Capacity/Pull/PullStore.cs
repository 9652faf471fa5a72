using System.Globalization;
using System.Text.Json;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Capacity.Pull;

/// <summary>A registered endpoint with the outcome of its pulls, and what a conditional fetch needs (ETag, Last-Modified, the last statement and the registry version it was read against).</summary>
public sealed record EndpointState(
    string Agb, string Url, DateTimeOffset RegisteredAt,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastErrorAt,
    string LastErrorCode, string LastError, int ConsecutiveFailures,
    int FiguresPublished, int FiguresOutdated, IReadOnlyList<Skipped> Skipped, int SkippedCount,
    string? ETag, string? LastModified, IReadOnlyList<PulledFigure> Statement, long RegistryVersion);

/// <summary>The outcome of a successful pull, as the status keeps it.</summary>
public sealed record PullSuccess(PulledStatement Statement, int Published, int Outdated, string? ETag, string? LastModified, long RegistryVersion);

/// <summary>
/// Registered endpoints in Redis. Each endpoint is a hash <c>pull:{AGB}</c> (its own slot); the
/// schedule is two sorted sets under one tag, <c>pull:{schedule}:due</c> (AGB by the time its next
/// fetch is due, a few thousand members at national size) and <c>pull:{schedule}:leased</c> (AGB
/// by the end of the lease of a fetch under way); the admin's list is <c>pull:endpoints</c> (AGB
/// at score 0, paged by value). Any instance claims due endpoints with one script that leases
/// them, so two instances never fetch the same endpoint at once — "pull now" does not move an
/// endpoint that is leased — and an instance that dies mid-fetch only delays that endpoint by the
/// lease.
/// </summary>
public sealed class PullStore(IConnectionMultiplexer redis)
{
    public static class Keys
    {
        public static RedisKey Endpoint(string agb) => $"pull:{{{agb}}}";
        public static readonly RedisKey Due = "pull:{schedule}:due";
        public static readonly RedisKey Leased = "pull:{schedule}:leased";
        public static readonly RedisKey All = "pull:endpoints";
    }

    IDatabase Db => redis.GetDatabase();
    static readonly RedisKey[] Schedule = [Keys.Due, Keys.Leased];

    // Due members (score <= now), at most ARGV[3], each leased until ARGV[2]; leases that ran out are dropped first.
    const string ClaimScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        for _, agb in ipairs(due) do
          redis.call('ZADD', KEYS[1], 'XX', ARGV[2], agb)
          redis.call('ZADD', KEYS[2], ARGV[2], agb)
        end
        return due
        """;

    // The end of a fetch: the lease goes, the next turn is set (only while registered).
    const string FinishScript = """
        redis.call('ZREM', KEYS[2], ARGV[1])
        redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
        return 1
        """;

    // Pull now: 1 when moved to ARGV[2], 0 when a fetch is under way (leased past ARGV[3], now), -1 when not registered.
    const string ScheduleScript = """
        local lease = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if lease and tonumber(lease) > tonumber(ARGV[3]) then return 0 end
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return -1 end
        redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
        return 1
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
        // A new address starts a clean history, in one step.
        var replace = db.CreateTransaction();
        _ = replace.KeyDeleteAsync(Keys.Endpoint(agb));
        _ = replace.HashSetAsync(Keys.Endpoint(agb), [new("url", url), new("registered", Ms(now)), new("failures", 0)]);
        await replace.ExecuteAsync();
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

    /// <summary>"Pull now": the next fetch at <paramref name="at"/>, unless a fetch is under way (false).</summary>
    public async Task<bool> ScheduleAsync(string agb, DateTimeOffset at, DateTimeOffset now) =>
        (long)await Db.ScriptEvaluateAsync(ScheduleScript, Schedule, [agb, at.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds()]) == 1;

    public async Task<DateTimeOffset?> NextPullAsync(string agb) =>
        await Db.SortedSetScoreAsync(Keys.Due, agb) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : null;

    /// <summary>Up to <paramref name="max"/> endpoints whose fetch is due, each now leased to this instance until <paramref name="leaseUntil"/>.</summary>
    public async Task<string[]> ClaimDueAsync(DateTimeOffset now, DateTimeOffset leaseUntil, int max)
    {
        var result = await Db.ScriptEvaluateAsync(ClaimScript, Schedule, [now.ToUnixTimeMilliseconds(), leaseUntil.ToUnixTimeMilliseconds(), max]);
        return ((RedisValue[])result!).Select(v => (string)v!).ToArray();
    }

    public async Task<EndpointState?> GetAsync(string agb)
    {
        var fields = (await Db.HashGetAllAsync(Keys.Endpoint(agb))).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
        return fields.TryGetValue("url", out var url) ? Parse(agb, url, fields) : null;
    }

    /// <summary>A page of registered endpoints by AGB code with their next turn, and the last AGB on it when more follow.</summary>
    public async Task<(IReadOnlyList<(EndpointState State, DateTimeOffset? Next)> Endpoints, string? Last)> PageAsync(string? after, int size)
    {
        var agbs = await Db.SortedSetRangeByValueAsync(Keys.All, after ?? RedisValue.Null, RedisValue.Null,
            after is null ? Exclude.None : Exclude.Start, Order.Ascending, 0, size + 1);
        var page = agbs.Take(size).Select(a => (string)a!).ToArray();
        var states = page.Select(GetAsync).ToArray();
        var next = page.Select(NextPullAsync).ToArray(); // all in flight at once: one round trip's wait
        var endpoints = new List<(EndpointState, DateTimeOffset?)>(page.Length);
        for (var i = 0; i < page.Length; i++)
            if (await states[i] is { } state) endpoints.Add((state, await next[i]));
        return (endpoints, agbs.Length > size ? page[^1] : null);
    }

    /// <summary>A fetch whose statement was published (or still holds, on 304).</summary>
    public Task RecordSuccessAsync(string agb, string url, DateTimeOffset now, PullSuccess success, DateTimeOffset next) =>
        RecordAsync(agb, url, next,
            ("attempt", Ms(now)), ("success", Ms(now)), ("failures", "0"),
            ("published", Num(success.Published)), ("outdated", Num(success.Outdated)),
            ("skipped", JsonSerializer.Serialize(success.Statement.Skipped)), ("skipped_count", Num(success.Statement.SkippedCount)),
            ("etag", success.ETag ?? ""), ("last_modified", success.LastModified ?? ""), ("statement", Encode(success.Statement.Figures)),
            ("registry", success.RegistryVersion.ToString(CultureInfo.InvariantCulture)));

    public Task RecordFailureAsync(string agb, string url, DateTimeOffset now, int failures, string code, string message, DateTimeOffset next) =>
        RecordAsync(agb, url, next,
            ("attempt", Ms(now)), ("error_at", Ms(now)), ("error_code", code), ("error", message), ("failures", Num(failures)));

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
            await Db.ScriptEvaluateAsync(FinishScript, Schedule, [agb, next.ToUnixTimeMilliseconds()]);
    }

    static string Num(int n) => n.ToString(CultureInfo.InvariantCulture);

    static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    static DateTimeOffset? At(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    static int Int(Dictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;

    static EndpointState Parse(string agb, string url, Dictionary<string, string> f) => new(
        agb, url, At(f, "registered") ?? DateTimeOffset.UnixEpoch, At(f, "attempt"), At(f, "success"), At(f, "error_at"),
        f.GetValueOrDefault("error_code", ""), f.GetValueOrDefault("error", ""), Int(f, "failures"),
        Int(f, "published"), Int(f, "outdated"), f.TryGetValue("skipped", out var s) ? JsonSerializer.Deserialize<Skipped[]>(s) ?? [] : [], Int(f, "skipped_count"),
        f.GetValueOrDefault("etag"), f.GetValueOrDefault("last_modified"), f.TryGetValue("statement", out var st) ? Decode(st) : [],
        f.TryGetValue("registry", out var r) && long.TryParse(r, CultureInfo.InvariantCulture, out var version) ? version : -1);

    /// <summary>The last statement's figures, "pc4,careType,free;…": republished on a 304 without the document.</summary>
    static string Encode(IReadOnlyList<PulledFigure> figures) =>
        string.Join(';', figures.Select(x => string.Create(CultureInfo.InvariantCulture, $"{x.Pc4},{(int)x.CareType},{x.FreePlaces}")));

    static PulledFigure[] Decode(string text) => text.Length == 0 ? [] : text.Split(';').Select(part => part.Split(','))
        .Where(p => p.Length == 3)
        .Select(p => new PulledFigure(int.Parse(p[0], CultureInfo.InvariantCulture), (CareType)int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture)))
        .ToArray();
}
