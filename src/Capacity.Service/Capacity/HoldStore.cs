using Capacity.Service.Shared;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Capacity;

/// <summary>A place held for an offer until the provider answers or the deadline passes.</summary>
public sealed record Hold(string HoldId, string Agb, int Pc4, CareType CareType, DateTimeOffset Deadline, string ReferralId, string OfferId);

public enum HoldOutcome
{
    /// <summary>The place is held now.</summary>
    Held,
    /// <summary>This hold id already holds a place (a retry): nothing changed.</summary>
    AlreadyHeld,
    /// <summary>No free place left: every published place is taken or held.</summary>
    NoPlace,
    /// <summary>The provider has published no figure for this area and care type.</summary>
    NoCapacity,
    /// <summary>This hold id held a place before and that hold has ended: a hold id holds at most once.</summary>
    Ended,
}

/// <summary>A hold whose deadline has passed, as listed by the due index.</summary>
public sealed record DueHold(int Pc4, string HoldId, string ReferralId, string OfferId, string Member);

/// <summary>
/// Holding the last place atomically. A hold lives in the area's slot next to the figure it takes
/// from: the held count in <c>cap:{1183}</c> (field <c>agb:careType:h</c>) and the hold itself in
/// <c>hold:{1183}</c>. Checking free minus held, counting the hold and recording it is one script
/// on that slot, so two coordinators racing for the last place get exactly one hold and the
/// free count never goes below zero. Searches read figure and held count in the same HMGET.
/// A due index, <c>holds:{due}</c> (a sorted set by deadline, one slot), lets any instance release
/// holds whose deadline passed, whichever instance made them and whether or not it still runs.
/// </summary>
public sealed class HoldStore(IConnectionMultiplexer redis, CapacityStore capacity)
{
    public static class Keys
    {
        public static RedisKey Holds(int pc4) => $"hold:{{{Codes.Pc4(pc4)}}}";

        /// <summary>Marks a hold id as ended (expires after <see cref="EndedMemory"/>), so a late retry cannot hold again.</summary>
        public static RedisKey Ended(int pc4, string holdId) => $"hold:{{{Codes.Pc4(pc4)}}}:ended:{holdId}";

        public static readonly RedisKey Due = "holds:{due}";
    }

    /// <summary>How long an ended hold id is remembered; far longer than any offer deadline.</summary>
    public static readonly TimeSpan EndedMemory = TimeSpan.FromDays(7);

    const string HoldScript = """
        -- KEYS: 1 cap:{pc4}, 2 hold:{pc4}, 3 ended marker; ARGV: 1 field, 2 hold id, 3 record, 4 channel
        if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 2 end
        if redis.call('EXISTS', KEYS[3]) == 1 then return 3 end
        local cell = redis.call('HGET', KEYS[1], ARGV[1])
        if not cell then return -1 end
        local free = tonumber(string.match(cell, '^[^|]*|[^|]*|([^|]*)'))
        local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1] .. ':h') or '0')
        if free - held <= 0 then return 0 end
        redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':h', 1)
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
        redis.call('SPUBLISH', ARGV[4], ARGV[1])
        return 1
        """;

    // Ends a hold: its place is released, or consumed (the provider accepted: one place fewer in
    // the published figure). Acts only if the hold still exists, so each hold ends exactly once;
    // the ended marker keeps the same id from holding again.
    const string EndScript = """
        -- KEYS: 1 cap:{pc4}, 2 hold:{pc4}, 3 ended marker; ARGV: 1 hold id, 2 '1' to consume, 3 channel, 4 marker ttl (s)
        local record = redis.call('HGET', KEYS[2], ARGV[1])
        if not record then return 0 end
        local field = string.match(record, '^([^|]+)')
        redis.call('HINCRBY', KEYS[1], field .. ':h', -1)
        if ARGV[2] == '1' then
          local cell = redis.call('HGET', KEYS[1], field)
          if cell then
            local version, published, free, rest = string.match(cell, '^([^|]*)|([^|]*)|([^|]*)|(.*)$')
            local left = tonumber(free) - 1
            if left < 0 then left = 0 end
            redis.call('HSET', KEYS[1], field, version .. '|' .. published .. '|' .. left .. '|' .. rest)
          end
        end
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('SET', KEYS[3], '1', 'EX', ARGV[4])
        redis.call('SPUBLISH', ARGV[3], field)
        return 1
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Holds one place. The hold is entered in the due index first: should this instance die
    /// right after the hold, another one still finds it and releases it at its deadline.
    /// </summary>
    public async Task<HoldOutcome> HoldAsync(Hold hold)
    {
        var member = DueMember(hold);
        var db = Db;
        // The due entry and the hold go out together (one round trip, not two); the connection
        // keeps their order, so the entry is written before the hold. Should the entry fail, the
        // hold is released again: no hold may exist that no sweeper would find.
        var due = db.SortedSetAddAsync(Keys.Due, member, hold.Deadline.ToUnixTimeMilliseconds());
        var field = CapacityStore.Keys.Field(hold.Agb, hold.CareType);
        var script = db.ScriptEvaluateAsync(HoldScript, [CapacityStore.Keys.Area(hold.Pc4), Keys.Holds(hold.Pc4), Keys.Ended(hold.Pc4, hold.HoldId)],
            [field, hold.HoldId, $"{field}|{hold.Deadline.ToUnixTimeMilliseconds()}|{hold.ReferralId}|{hold.OfferId}", capacity.ChangedChannel(hold.Pc4).ToString()]);
        try
        {
            await due;
        }
        catch
        {
            if ((int)await script == 1) await ReleaseAsync(hold.Pc4, hold.HoldId);
            throw;
        }
        var result = (int)await script;
        var outcome = result switch
        {
            1 => HoldOutcome.Held,
            2 => HoldOutcome.AlreadyHeld,
            3 => HoldOutcome.Ended,
            0 => HoldOutcome.NoPlace,
            _ => HoldOutcome.NoCapacity,
        };
        // A due entry without a hold is harmless (the sweeper finds nothing to end), so the
        // losers of a race need not wait for its removal.
        if (outcome is HoldOutcome.NoPlace or HoldOutcome.NoCapacity or HoldOutcome.Ended)
            db.SortedSetRemove(Keys.Due, member, CommandFlags.FireAndForget);
        return outcome;
    }

    /// <summary>Releases a hold's place; false if the hold had already ended.</summary>
    public Task<bool> ReleaseAsync(int pc4, string holdId) => EndAsync(pc4, holdId, consume: false);

    /// <summary>Consumes a hold's place (the offer was accepted); false if the hold had already ended.</summary>
    public Task<bool> ConsumeAsync(int pc4, string holdId) => EndAsync(pc4, holdId, consume: true);

    /// <summary>Removes a hold from the due index once its end has been dealt with.</summary>
    public Task ForgetAsync(Hold hold) => Db.SortedSetRemoveAsync(Keys.Due, DueMember(hold));

    public Task ForgetAsync(DueHold due) => Db.SortedSetRemoveAsync(Keys.Due, due.Member);

    /// <summary>Holds whose deadline has passed, oldest first.</summary>
    public async Task<IReadOnlyList<DueHold>> DueAsync(DateTimeOffset now, int limit)
    {
        var members = await Db.SortedSetRangeByScoreAsync(Keys.Due, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit);
        return members.Select(m => (Member: (string)m!, Parts: ((string)m!).Split('|')))
            .Where(m => m.Parts.Length == 4)
            .Select(m => new DueHold(int.Parse(m.Parts[0]), m.Parts[1], m.Parts[2], m.Parts[3], m.Member)).ToArray();
    }

    async Task<bool> EndAsync(int pc4, string holdId, bool consume) =>
        (int)await Db.ScriptEvaluateAsync(EndScript, [CapacityStore.Keys.Area(pc4), Keys.Holds(pc4), Keys.Ended(pc4, holdId)],
            [holdId, consume ? "1" : "0", capacity.ChangedChannel(pc4).ToString(), (long)EndedMemory.TotalSeconds]) == 1;

    static string DueMember(Hold hold) => $"{Codes.Pc4(hold.Pc4)}|{hold.HoldId}|{hold.ReferralId}|{hold.OfferId}";
}
