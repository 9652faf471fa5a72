using Capacity.Service.Redis;
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
    /// <summary>This hold id held a place for an offer that was recorded and has ended since: the caller's view of the referral is out of date.</summary>
    Ended,
}

/// <summary>What a hold attempt found: the outcome, and the figure (with its held count before this hold) when there is one.</summary>
/// <param name="Replicated">False when the place was held on the master but not confirmed on the replicas Redis:ReplicaAcks asks for: its outcome is to be treated as unknown (retry with the same hold id, or give it up).</param>
public readonly record struct HoldResult(HoldOutcome Outcome, CapacityCell? Cell, bool Replicated = true);

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
/// place cost Redis one short script each. Until its offer is recorded a hold belongs to the
/// calls that made or found it (their tokens in <c>hold:{1183}:owners:&lt;hold id&gt;</c>): a call
/// that does not get its offer recorded gives up its own share, and the place goes back only when
/// no call is left holding it — so one call can never give back a place another call's recorded
/// offer stands on. Recording the offer marks the hold (owner <c>!</c>); from then on only the
/// offer's end (consume or release) ends it. The offer step names its providers in the referral's
/// pending entry, with its token, before it holds, so the holds of a step whose instance stopped
/// are found and given up; once an offer is recorded its hold enters the due index,
/// <c>holds:{due}</c> (a sorted set by deadline, one slot), from which any instance ends holds
/// whose deadline passed, whichever instance made them and whether or not it still runs.
/// </para>
/// </summary>
public sealed class HoldStore(IConnectionMultiplexer redis, CapacityStore capacity, ReplicaAcknowledgement replicas)
{
    public static class Keys
    {
        public static RedisKey Holds(int pc4) => $"hold:{{{Codes.Pc4(pc4)}}}";

        /// <summary>Marks the hold of a recorded offer as ended (expires after <see cref="EndedMemory"/>), so a late twin cannot hold again.</summary>
        public static RedisKey Ended(int pc4, string holdId) => $"hold:{{{Codes.Pc4(pc4)}}}:ended:{holdId}";

        /// <summary>Who holds a place whose offer is not recorded yet: the tokens of the calls that made or found it; <c>!</c> once recorded.</summary>
        public static RedisKey Owners(int pc4, string holdId) => $"hold:{{{Codes.Pc4(pc4)}}}:owners:{holdId}";

        public static readonly RedisKey Due = "holds:{due}";
    }

    /// <summary>How long an ended hold id is remembered; far longer than any offer deadline.</summary>
    public static readonly TimeSpan EndedMemory = TimeSpan.FromDays(7);

    // The loser's path first: one HMGET finds the place gone, and only then is it worth asking
    // whether the place is gone because this very hold has it (a retry). A winner checks that its
    // id has not held and ended before (its offer was recorded and has ended: the caller read an
    // old referral), and that a search would offer the figure: fresh, and free by the start day.
    const string HoldScript = """
        -- KEYS: 1 cap:{pc4}, 2 hold:{pc4}, 3 ended marker, 4 owners, 5 cap:{pc4}:o (outlooks)
        -- ARGV: 1 field, 2 hold id, 3 record, 4 channel, 5 oldest trusted publication (ms), 6 start day number, 7 owner token,
        --       8 the start day number if it is in the outlook window, else '0'
        local v = redis.call('HMGET', KEYS[1], ARGV[1], ARGV[1] .. ':h')
        local cell, held = v[1], tonumber(v[2] or '0')
        if not cell then return {-1} end
        local version, published, free, from = string.match(cell, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)')
        if ARGV[8] ~= '0' then
          -- A coming day with an expectation of this figure's version: the expected places are the room (every hold counts against them).
          local o = redis.call('HGET', KEYS[5], ARGV[1])
          if o and string.match(o, '^(%d+)') == version then
            local e = string.match(',' .. string.match(o, '|(.*)$') .. ',', ',' .. ARGV[8] .. ':(%d+),')
            if e then free = e; from = '0' end
          end
        end
        if tonumber(free) - held <= 0 and redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then return {0, cell, held} end
        if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then
          if redis.call('SISMEMBER', KEYS[4], '!') == 0 then redis.call('SADD', KEYS[4], ARGV[7]) end
          return {2, cell, held}
        end
        if redis.call('EXISTS', KEYS[3]) == 1 then return {3, cell, held} end
        if tonumber(published) < tonumber(ARGV[5]) or tonumber(from) > tonumber(ARGV[6]) then return {4, cell, held} end
        redis.call('HINCRBY', KEYS[1], ARGV[1] .. ':h', 1)
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
        redis.call('SADD', KEYS[4], ARGV[7])
        redis.call('SPUBLISH', ARGV[4], ARGV[1])
        return {1, cell, held}
        """;

    // Marks the hold of a recorded offer: no call's give-up can end it now, only the offer's end.
    const string RecordScript = """
        -- KEYS: 1 hold:{pc4}, 2 owners; ARGV: 1 hold id
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('DEL', KEYS[2])
        redis.call('SADD', KEYS[2], '!')
        return 1
        """;

    // A call gives up its share of a hold whose offer it did not get recorded. The place goes back
    // (without the ended marker: a retry may hold again) only when no call holds it any more and
    // no offer was recorded for it.
    const string AbandonScript = """
        -- KEYS: 1 cap:{pc4}, 2 hold:{pc4}, 3 owners; ARGV: 1 hold id, 2 owner token, 3 channel
        local record = redis.call('HGET', KEYS[2], ARGV[1])
        if not record then return 0 end
        redis.call('SREM', KEYS[3], ARGV[2])
        if redis.call('SCARD', KEYS[3]) > 0 then return 0 end
        local field = string.match(record, '^([^|]+)')
        redis.call('HINCRBY', KEYS[1], field .. ':h', -1)
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('SPUBLISH', ARGV[3], field)
        return 1
        """;

    // Ends the hold of a recorded offer: its place is released, or consumed (the provider
    // accepted: one place fewer in the published figure). Acts only if the hold still exists, so
    // each hold ends exactly once; the ended marker is set either way, so no late twin of the
    // offer can hold for it again.
    const string EndScript = """
        -- KEYS: 1 cap:{pc4}, 2 hold:{pc4}, 3 ended marker, 4 owners, 5 cap:{pc4}:o (outlooks); ARGV: 1 hold id, 2 '0' release / '1' consume, 3 channel, 4 marker ttl (s)
        redis.call('SET', KEYS[3], '1', 'EX', ARGV[4])
        redis.call('DEL', KEYS[4])
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
            -- The accepted client takes a place on every expected day too (it stays in care): else
            -- the same last expected place could be offered again.
            local o = redis.call('HGET', KEYS[5], field)
            if o and string.match(o, '^(%d+)') == version then
              local days = {}
              for day, n in string.gmatch(string.match(o, '|(.*)$'), '(%d+):(%d+)') do
                local m = tonumber(n) - 1
                if m < 0 then m = 0 end
                days[#days + 1] = day .. ':' .. m
              end
              redis.call('HSET', KEYS[5], field, version .. '|' .. table.concat(days, ','))
            end
          end
        end
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('SPUBLISH', ARGV[3], field)
        return 1
        """;

    IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Holds one place for <paramref name="owner"/> (a call's token) if the provider has one free
    /// that a search would offer: a figure published at or after <paramref name="trustedSince"/>
    /// whose places are free on <paramref name="startDay"/>. Without them (tests, the benchmark's
    /// bare race) any figure with a free place will do. Finding the hold already made (a retry, a
    /// twin) makes the owner one of its holders.
    /// </summary>
    /// <param name="expectedDay">The start day when it is a coming day of the outlook window (tomorrow to today + 7): an expectation of the figure's version for it is then the room (docs/INSIGHT-outlook.md).</param>
    public async Task<HoldResult> HoldAsync(Hold hold, string owner, DateTimeOffset? trustedSince = null, DateOnly? startDay = null, DateOnly? expectedDay = null)
    {
        var field = CapacityStore.Keys.Field(hold.Agb, hold.CareType);
        var db = await replicas.DatabaseAsync(); // the durable connection, when the hold must reach a replica
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(HoldScript,
            [CapacityStore.Keys.Area(hold.Pc4), Keys.Holds(hold.Pc4), Keys.Ended(hold.Pc4, hold.HoldId), Keys.Owners(hold.Pc4, hold.HoldId), Outlook.OutlookStore.Keys.Area(hold.Pc4)],
            [field, hold.HoldId, $"{field}|{hold.Deadline.ToUnixTimeMilliseconds()}|{hold.ReferralId}|{hold.OfferId}", capacity.ChangedChannel(hold.Pc4).ToString(),
             trustedSince?.ToUnixTimeMilliseconds() ?? 0, (startDay ?? DateOnly.MaxValue).DayNumber, owner, expectedDay?.DayNumber ?? 0]))!;
        var outcome = (int)result[0] switch
        {
            1 => HoldOutcome.Held,
            2 => HoldOutcome.AlreadyHeld,
            3 => HoldOutcome.Ended,
            4 => HoldOutcome.NotOffered,
            0 => HoldOutcome.NoPlace,
            _ => HoldOutcome.NoCapacity,
        };
        // A granted place counts only once a replica has it (when configured): lost in a failover, it
        // would be granted again. A retry with the same hold id finds it AlreadyHeld.
        var replicated = outcome is not (HoldOutcome.Held or HoldOutcome.AlreadyHeld) || await replicas.ConfirmAsync(Keys.Holds(hold.Pc4));
        var cell = result.Length == 3 && CapacityCell.Decode((RedisValue)result[1]) is { } c ? c with { Held = (int)result[2] } : (CapacityCell?)null;
        Telemetry.CapacityMetrics.Held(outcome, hold.CareType);
        return new HoldResult(outcome, cell, replicated);
    }

    /// <summary>Releases the hold of a recorded offer that ended unaccepted; false if the hold had already ended.</summary>
    public Task<bool> ReleaseAsync(int pc4, string holdId) => EndAsync(pc4, holdId, "0");

    /// <summary>Consumes a hold's place (the offer was accepted); false if the hold had already ended.</summary>
    public Task<bool> ConsumeAsync(int pc4, string holdId) => EndAsync(pc4, holdId, "1");

    /// <summary>
    /// <paramref name="owner"/> gives up its share of a hold whose offer it did not get recorded;
    /// true when that gave the place back (nobody else holds it, no offer was recorded for it).
    /// </summary>
    public async Task<bool> AbandonAsync(int pc4, string holdId, string owner) =>
        (int)await Db.ScriptEvaluateAsync(AbandonScript, [CapacityStore.Keys.Area(pc4), Keys.Holds(pc4), Keys.Owners(pc4, holdId)],
            [holdId, owner, capacity.ChangedChannel(pc4).ToString()]) == 1;

    /// <summary>
    /// The offer this hold was made for is recorded: marks the hold as the offer's (no call gives it
    /// up any more) and enters it in the due index, so any instance ends it at its deadline.
    /// </summary>
    public Task RecordAsync(Hold hold) => Task.WhenAll(
        Db.ScriptEvaluateAsync(RecordScript, [Keys.Holds(hold.Pc4), Keys.Owners(hold.Pc4, hold.HoldId)], [hold.HoldId]),
        Db.SortedSetAddAsync(Keys.Due, DueMember(hold), hold.Deadline.ToUnixTimeMilliseconds()));

    /// <summary>Removes a hold from the due index once its end has been dealt with.</summary>
    public Task ForgetAsync(Hold hold) => Db.SortedSetRemoveAsync(Keys.Due, DueMember(hold));

    public Task ForgetAsync(DueHold due) => Db.SortedSetRemoveAsync(Keys.Due, due.Member);

    /// <summary>Looks at a due hold again at <paramref name="at"/> (its end failed now).</summary>
    public Task PostponeAsync(DueHold due, DateTimeOffset at) => Db.SortedSetAddAsync(Keys.Due, due.Member, at.ToUnixTimeMilliseconds());

    /// <summary>Holds whose deadline has passed, oldest first.</summary>
    public async Task<IReadOnlyList<DueHold>> DueAsync(DateTimeOffset now, int limit)
    {
        var members = await Db.SortedSetRangeByScoreAsync(Keys.Due, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit);
        return members.Select(m => (Member: (string)m!, Parts: ((string)m!).Split('|')))
            .Where(m => m.Parts.Length == 4)
            .Select(m => new DueHold(int.Parse(m.Parts[0]), m.Parts[1], m.Parts[2], m.Parts[3], m.Member)).ToArray();
    }

    async Task<bool> EndAsync(int pc4, string holdId, string how) =>
        (int)await Db.ScriptEvaluateAsync(EndScript, [CapacityStore.Keys.Area(pc4), Keys.Holds(pc4), Keys.Ended(pc4, holdId), Keys.Owners(pc4, holdId), Outlook.OutlookStore.Keys.Area(pc4)],
            [holdId, how, capacity.ChangedChannel(pc4).ToString(), (long)EndedMemory.TotalSeconds]) == 1;

    static string DueMember(Hold hold) => $"{Codes.Pc4(hold.Pc4)}|{hold.HoldId}|{hold.ReferralId}|{hold.OfferId}";
}
