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
    /// <summary>This hold id already holds a place (a retry, or a twin of the same offer): nothing changed.</summary>
    AlreadyHeld,
    /// <summary>No free place left: every published place is taken or held.</summary>
    NoPlace,
    /// <summary>The provider has published no figure for this area and care type.</summary>
    NoCapacity,
    /// <summary>The figure is older than the freshness window, or its places are free only later: a search would not offer it.</summary>
    NotOffered,
    /// <summary>This hold id held a place for an offer that has ended since: the caller's view of the referral is out of date.</summary>
    Ended,
}

/// <summary>What a hold attempt found: the outcome, and the figure (with its held count before this hold) when there is one.</summary>
public readonly record struct HoldResult(HoldOutcome Outcome, CapacityCell? Cell);

/// <summary>A hold whose deadline has passed, as listed by the due index.</summary>
public sealed record DueHold(int Pc4, string HoldId, string ReferralId, string OfferId, string Member);

/// <summary>
/// Holding the last place atomically. A hold lives in the area's slot next to the figure it takes
/// from: the held count in <c>cap:{1183}</c> (field <c>agb:careType:h</c>) and the hold itself in
/// <c>hold:{1183}</c>. Checking the figure, counting the hold and recording it is one script on
/// that slot, so two coordinators racing for the last place get exactly one hold and the free
/// count never goes below zero. Searches read figure and held count in the same HMGET.
/// <para>
/// A hold attempt is that one script and nothing else, so a thousand coordinators racing for one
/// place cost Redis one short script each. Making the hold findable is the caller's part: the
/// offer step names its offers in the referral's pending entry before it holds (so an interrupted
/// step's holds are found and given back), and once an offer is recorded its hold enters the due
/// index, <c>holds:{due}</c> (a sorted set by deadline, one slot), from which any instance ends
/// holds whose deadline passed, whichever instance made them and whether or not it still runs.
/// </para>
/// </summary>
public sealed class HoldStore(IConnectionMultiplexer redis, CapacityStore capacity)
{
    public static class Keys
    {
        public static RedisKey Holds(int pc4) => $"hold:{{{Codes.Pc4(pc4)}}}";

        /// <summary>Marks the hold of a recorded offer as ended (expires after <see cref="EndedMemory"/>), so a late twin cannot hold again.</summary>
        public static RedisKey Ended(int pc4, string holdId) => $"hold:{{{Codes.Pc4(pc4)}}}:ended:{holdId}";

        public static readonly RedisKey Due = "holds:{due}";
    }

    /// <summary>How long an ended hold id is remembered; far longer than any offer deadline.</summary>
    public static readonly TimeSpan EndedMemory = TimeSpan.FromDays(7);

    // The loser's path first: one HMGET finds the place gone, and only then is it worth asking
    // whether the place is gone because this very hold has it (a retry). A winner checks that its
    // id has not held and ended before (its offer was recorded and has ended: the caller read an
    // old referral), and that a search would offer the figure: fresh, and free by the start day.
    const string HoldScript = """
        -- KEYS: 1 cap:{pc4}, 2 hold:{pc4}, 3 ended marker
        -- ARGV: 1 field, 2 hold id, 3 record, 4 channel, 5 oldest trusted publication (ms), 6 start day number
        local v = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[1] .. ':h')
        local cell, held = v[1], tonumber(v[2] or '0')
        if not cell then return {-1} end
        local published, free, from = string.match(cell, '^[^|]*|([^|]*)|([^|]*)|([^|]*)')
        if tonumber(free) - held <= 0 then
          if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return {2, cell, held} end
          return {0, cell, held}
        end
        if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return {2, cell, held} end
        if redis.call('EXISTS', KEYS[3]) == 1 then return {3, cell, held} end
        if tonumber(published) < tonumber(ARGV[5]) or tonumber(from) > tonumber(ARGV[6]) then return {4, cell, held} end
        redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':h', 1)
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
        redis.call('SPUBLISH', ARGV[4], ARGV[1])
        return {1, cell, held}
        """;

    // Ends a hold: its place is released, or consumed (the provider accepted: one place fewer in
    // the published figure). Acts only if the hold still exists, so each hold ends exactly once.
    // ARGV[2] '2' abandons a hold whose offer was never recorded: released without the ended
    // marker, so a retry of the interrupted offer may hold again.
    const string EndScript = """
        -- KEYS: 1 cap:{pc4}, 2 hold:{pc4}, 3 ended marker; ARGV: 1 hold id, 2 '0' release / '1' consume / '2' abandon, 3 channel, 4 marker ttl (s)
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
        if ARGV[2] ~= '2' then redis.call('SET', KEYS[3], '1', 'EX', ARGV[4]) end
        redis.call('SPUBLISH', ARGV[3], field)
        return 1
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Holds one place if the provider has one free that a search would offer: a figure published
    /// at or after <paramref name="trustedSince"/> whose places are free on <paramref name="startDay"/>.
    /// Without them (tests, the benchmark's bare race) any figure with a free place will do.
    /// </summary>
    public async Task<HoldResult> HoldAsync(Hold hold, DateTimeOffset? trustedSince = null, DateOnly? startDay = null)
    {
        var field = CapacityStore.Keys.Field(hold.Agb, hold.CareType);
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(HoldScript,
            [CapacityStore.Keys.Area(hold.Pc4), Keys.Holds(hold.Pc4), Keys.Ended(hold.Pc4, hold.HoldId)],
            [field, hold.HoldId, $"{field}|{hold.Deadline.ToUnixTimeMilliseconds()}|{hold.ReferralId}|{hold.OfferId}", capacity.ChangedChannel(hold.Pc4).ToString(),
             trustedSince?.ToUnixTimeMilliseconds() ?? 0, (startDay ?? DateOnly.MaxValue).DayNumber]))!;
        var outcome = (int)result[0] switch
        {
            1 => HoldOutcome.Held,
            2 => HoldOutcome.AlreadyHeld,
            3 => HoldOutcome.Ended,
            4 => HoldOutcome.NotOffered,
            0 => HoldOutcome.NoPlace,
            _ => HoldOutcome.NoCapacity,
        };
        var cell = result.Length == 3 && CapacityCell.Decode((RedisValue)result[1]) is { } c ? c with { Held = (int)result[2] } : (CapacityCell?)null;
        return new HoldResult(outcome, cell);
    }

    /// <summary>Releases the hold of a recorded offer that ended unaccepted; false if the hold had already ended.</summary>
    public Task<bool> ReleaseAsync(int pc4, string holdId) => EndAsync(pc4, holdId, "0");

    /// <summary>Consumes a hold's place (the offer was accepted); false if the hold had already ended.</summary>
    public Task<bool> ConsumeAsync(int pc4, string holdId) => EndAsync(pc4, holdId, "1");

    /// <summary>Gives back a hold whose offer was never recorded (the step that made it did not get through); a retry may hold again.</summary>
    public Task<bool> AbandonAsync(int pc4, string holdId) => EndAsync(pc4, holdId, "2");

    /// <summary>Enters a recorded offer's hold in the due index, so any instance ends it at its deadline.</summary>
    public Task EnsureDueAsync(Hold hold) => Db.SortedSetAddAsync(Keys.Due, DueMember(hold), hold.Deadline.ToUnixTimeMilliseconds());

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

    async Task<bool> EndAsync(int pc4, string holdId, string how) =>
        (int)await Db.ScriptEvaluateAsync(EndScript, [CapacityStore.Keys.Area(pc4), Keys.Holds(pc4), Keys.Ended(pc4, holdId)],
            [holdId, how, capacity.ChangedChannel(pc4).ToString(), (long)EndedMemory.TotalSeconds]) == 1;

    static string DueMember(Hold hold) => $"{Codes.Pc4(hold.Pc4)}|{hold.HoldId}|{hold.ReferralId}|{hold.OfferId}";
}
