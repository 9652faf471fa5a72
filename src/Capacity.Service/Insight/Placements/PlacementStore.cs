using System.Globalization;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Insight.Placements;

/// <summary>
/// The referral events projected for analytics (docs/INSIGHT-placements.md): one fact per referral
/// (<see cref="PlacementFact"/>) in a hash per owner and month, on the owner's slot — the insurer's
/// (month of creation), the patient's municipality's (month of creation), each provider offered to
/// (month of creation, its own offers only) and, once escalated, the insurer's unmet-demand hash
/// (month of escalation). Every write is "this referral is now so": replaying a follow-up writes the
/// same line, and a slower follow-up of an older step cannot overwrite a newer step's line (the
/// script keeps the higher version). Each hash expires <see cref="RetentionMonths"/> months after
/// its month ends.
/// </summary>
public sealed class PlacementStore(IConnectionMultiplexer redis)
{
    public const int RetentionMonths = 25;

    public static class Keys
    {
        public static RedisKey Insurer(string uzovi, string month) => $"placements:ins:{{{uzovi}}}:{month}";
        public static RedisKey Municipality(string code, string month) => $"placements:gm:{{{code}}}:{month}";
        public static RedisKey Provider(string agb, string month) => $"placements:agb:{{{agb}}}:{month}";
        public static RedisKey Unmet(string uzovi, string month) => $"placements:unmet:{{{uzovi}}}:{month}";
        /// <summary>Every insurer with facts: the national query's list of hashes (a handful of members, added to idempotently).</summary>
        public static readonly RedisKey Insurers = "placements:insurers";
    }

    // Writes the fact unless a newer version of it is there; the hash lives until its month is past retention.
    const string WriteScript = """
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current then
          local version = tonumber(string.match(current, '^(%d+)|'))
          if version and version > tonumber(ARGV[2]) then return 0 end
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        redis.call('EXPIREAT', KEYS[1], ARGV[4])
        return 1
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>Asserts the referral's facts as it is now: every hash in one pipelined round, one script per hash.</summary>
    public Task ProjectAsync(Referral r)
    {
        if (r.CreatedAt is null || r.Search is null) return Task.CompletedTask;
        var db = Db;
        var fact = PlacementFact.Of(r);
        var line = fact.Format();
        var month = fact.Month;
        var expires = ExpiresAt(month);
        var writes = new List<Task>
        {
            WriteAsync(db, Keys.Insurer(fact.Uzovi, month), r.Id, fact.Version, line, expires),
            db.SetAddAsync(Keys.Insurers, fact.Uzovi),
        };
        if (fact.MunicipalityCode.Length > 0) writes.Add(WriteAsync(db, Keys.Municipality(fact.MunicipalityCode, month), r.Id, fact.Version, line, expires));
        if (fact.Escalated is { } escalated)
        {
            var escalationMonth = PlacementFact.MonthOf(escalated);
            writes.Add(WriteAsync(db, Keys.Unmet(fact.Uzovi, escalationMonth), r.Id, fact.Version, line, ExpiresAt(escalationMonth)));
        }
        foreach (var agb in r.Offers.Select(o => o.Provider?.Agb).Where(a => !string.IsNullOrEmpty(a)).Distinct())
            writes.Add(WriteAsync(db, Keys.Provider(agb!, month), r.Id, fact.Version, PlacementFact.Of(r, agb).Format(), expires));
        return Task.WhenAll(writes);
    }

    static Task WriteAsync(IDatabase db, RedisKey key, string id, long version, string line, long expires) =>
        db.ScriptEvaluateAsync(WriteScript, [key], [id, version, line, expires]);

    /// <summary>The first instant after retention: <see cref="RetentionMonths"/> months after the month's end (UTC; a day's margin for the time zone).</summary>
    static long ExpiresAt(string month)
    {
        var first = DateTime.ParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        return new DateTimeOffset(first.AddMonths(RetentionMonths + 1).AddDays(1), TimeSpan.Zero).ToUnixTimeSeconds();
    }

    /// <summary>The insurers that have facts.</summary>
    public async Task<string[]> InsurersAsync() => [.. (await Db.SetMembersAsync(Keys.Insurers)).Select(m => (string)m!).Order(StringComparer.Ordinal)];

    /// <summary>
    /// Every fact in <paramref name="keys"/>, in one pipelined round (the hashes may lie on as many
    /// slots as there are owners). Lines this version cannot read are left out.
    /// </summary>
    public async Task<List<PlacementFact>> ReadAsync(IReadOnlyList<RedisKey> keys)
    {
        var db = Db;
        var reads = keys.Select(k => db.HashValuesAsync(k)).ToArray();
        var facts = new List<PlacementFact>();
        foreach (var read in reads)
            foreach (var line in await read)
                if (PlacementFact.Parse(line!) is { } fact) facts.Add(fact);
        return facts;
    }
}
