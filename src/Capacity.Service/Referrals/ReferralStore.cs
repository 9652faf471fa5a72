using Capacity.Service.Redis;
using Capacity.V1;
using Google.Protobuf;
using StackExchange.Redis;

namespace Capacity.Service.Referrals;

/// <summary>A referral as read, with the version a write must find unchanged.</summary>
public sealed record StoredReferral(Referral Referral, long Version);

/// <summary>A referral read for a step, with the answer an earlier request with the same key was given (a retry), if any.</summary>
public sealed record LoadedReferral(StoredReferral? Stored, byte[]? EarlierAnswer);

/// <summary>
/// What a conditioned write found: saved; or the answer an earlier call with the same request id
/// was given (a duplicate in flight); or the referral as another step left it.
/// </summary>
/// <param name="Replicated">False when the step was saved on the master but not confirmed on the replicas Redis:ReplicaAcks asks for.</param>
public readonly record struct SaveResult(bool Saved, StoredReferral? Current, byte[]? EarlierAnswer = null, bool Fenced = false, bool Replicated = true);

/// <summary>A step's entry in <c>refs:{pending}</c>: the member, and the token that names the call (the owner of its holds).</summary>
public sealed record PendingStep(string Member, string Token)
{
    /// <summary>Set once the step is saved: from then on its follow-up is owed, whatever happens to this call.</summary>
    public bool Written { get; set; }
}

/// <summary>What claiming a create request found (see <see cref="ReferralStore.ClaimCreateAsync"/>).</summary>
public enum CreateClaim
{
    /// <summary>A new referral: the request id and the patient are now this referral's.</summary>
    New,
    /// <summary>The request id was used before: the referral it created.</summary>
    Retry,
    /// <summary>The patient already has an active referral in this organisation.</summary>
    PatientActive,
}

/// <summary>
/// Referrals in Redis. Everything about one referral shares its id as hash tag, so a step — the
/// new document, its events and the answer to the request that caused it — is one script on one
/// slot, conditioned on the version read: two steps racing on one referral (two accepts) cannot
/// both succeed, and the loser gets the referral as the winner left it in the same round trip.
/// The state machine itself is C# (<see cref="ReferralSteps"/>); Redis only guarantees the
/// compare-and-set. What other parties read (lists, queues, indexes) is in <see cref="ReferralIndexes"/>.
/// </summary>
public sealed class ReferralStore(IConnectionMultiplexer redis, ReplicaAcknowledgement replicas)
{
    public static class Keys
    {
        public static RedisKey Referral(string id) => $"ref:{{{id}}}";
        public static RedisKey Events(string id) => $"ref:{{{id}}}:events";
        public static RedisKey Requests(string id) => $"ref:{{{id}}}:requests";
        /// <summary>Tokens of calls whose pending entry the sweeper has finished: such a call may no longer write a step.</summary>
        public static RedisKey Fenced(string id) => $"ref:{{{id}}}:fenced";
        public static RedisKey OrgRequests(string org) => $"org:{{{org}}}:requests";
        public static RedisKey OrgPatients(string org) => $"org:{{{org}}}:patients";
        public static readonly RedisKey Pending = "refs:{pending}";
    }

    // Writes a step if the referral is at the expected version (0: it must not exist yet), the
    // request was not answered meanwhile (a duplicate in flight), and the call was not given up by
    // the sweeper (fenced); else answers the earlier answer, or the referral as it is, so the caller
    // decides anew without reading again.
    const string SaveScript = """
        -- KEYS: 1 ref, 2 events, 3 requests, 4 fenced; ARGV: 1 expected version, 2 doc, 3 new version, 4 request key, 5 answer, 6 call token, 7.. events
        if ARGV[6] ~= '' and redis.call('SISMEMBER', KEYS[4], ARGV[6]) == 1 then return {3} end
        if ARGV[4] ~= '' then
          local earlier = redis.call('HGET', KEYS[3], ARGV[4])
          if earlier then return {2, earlier} end
        end
        local v = redis.call('HGET', KEYS[1], 'v')
        if (ARGV[1] == '0' and v) or (ARGV[1] ~= '0' and v ~= ARGV[1]) then
          return {0, redis.call('HGET', KEYS[1], 'doc') or false, v or false}
        end
        redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'v', ARGV[3])
        for i = 7, #ARGV do redis.call('XADD', KEYS[2], '*', 'e', ARGV[i]) end
        if ARGV[4] ~= '' then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
        return {1}
        """;

    // One active referral per patient per organisation, and one referral per create request id,
    // decided together on the organisation's slot. A patient entry is "referralId|claimedAtMs".
    const string ClaimScript = """
        -- KEYS: 1 org requests, 2 org patients; ARGV: 1 request id, 2 new referral id, 3 patient ref, 4 now (ms)
        local prior = redis.call('HGET', KEYS[1], ARGV[1])
        if prior then return {1, prior} end
        local active = redis.call('HGET', KEYS[2], ARGV[3])
        if active then return {2, active} end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('HSET', KEYS[2], ARGV[3], ARGV[2] .. '|' .. ARGV[4])
        return {0, ARGV[2]}
        """;

    // A create written late, or retried after its referral was never written, claims the patient
    // again: only if nobody else has claimed the patient since (their referral stands). The claim
    // is written anew (a new moment), so a create that judged the old claim stale cannot give it up.
    const string ReclaimScript = """
        -- KEYS: 1 org patients; ARGV: 1 patient ref, 2 referral id, 3 now (ms)
        local entry = redis.call('HGET', KEYS[1], ARGV[1])
        if entry and string.sub(entry, 1, #ARGV[2] + 1) ~= ARGV[2] .. '|' then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
        return 1
        """;

    // Gives up a claim judged stale, only if it is still exactly the claim that was judged.
    const string GiveUpScript = """
        if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
        return 0
        """;

    // The sweeper gives a call up: from now on that call's token cannot write a step of this referral.
    const string FenceScript = """
        local added = redis.call('SADD', KEYS[1], ARGV[1])
        redis.call('EXPIRE', KEYS[1], ARGV[2])
        return added
        """;

    // Frees a patient for a new referral, only if the entry is still this referral's.
    const string ReleasePatientScript = """
        local entry = redis.call('HGET', KEYS[1], ARGV[1])
        if entry and string.sub(entry, 1, #ARGV[2] + 1) == ARGV[2] .. '|' then return redis.call('HDEL', KEYS[1], ARGV[1]) end
        return 0
        """;

    IDatabase Db => redis.GetDatabase();

    public async Task<StoredReferral?> GetAsync(string id) => Parse(await Db.HashGetAsync(Keys.Referral(id), ["doc", "v"]));

    /// <summary>The referral and, in the same round trip, the answer an earlier request with <paramref name="requestKey"/> was given.</summary>
    public async Task<LoadedReferral> LoadAsync(string id, string? requestKey)
    {
        var db = Db;
        // The answer first, then the document, in one pipeline (Redis runs them in this order): a
        // step written between the two is then seen in the document, so a retry that finds its
        // earlier answer never reads the referral from before that answer's step.
        var answer = requestKey is null ? null : db.HashGetAsync(Keys.Requests(id), requestKey);
        var doc = db.HashGetAsync(Keys.Referral(id), ["doc", "v"]);
        return new LoadedReferral(Parse(await doc), answer is null ? null : (byte[]?)await answer);
    }

    /// <summary>
    /// Writes a step if the referral is still at <paramref name="expectedVersion"/> (0: does not
    /// exist yet). When another step came first, answers the referral as that step left it.
    /// <paramref name="requestKey"/> names the request the step answers (see <see cref="RequestKey"/>).
    /// </summary>
    public async Task<SaveResult> SaveAsync(Referral referral, long expectedVersion, IReadOnlyList<ReferralEvent> events, string? requestKey = null, IMessage? response = null,
        string? token = null)
    {
        var id = referral.Id;
        var args = new RedisValue[6 + events.Count];
        args[0] = expectedVersion;
        args[1] = referral.ToByteArray();
        args[2] = referral.Version;
        args[3] = requestKey is not null && response is not null ? requestKey : "";
        args[4] = requestKey is not null && response is not null ? response.ToByteArray() : RedisValue.EmptyString;
        args[5] = token ?? "";
        for (var i = 0; i < events.Count; i++) args[6 + i] = events[i].ToByteArray();
        var db = await replicas.DatabaseAsync(); // the durable connection, when the step must reach a replica
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(SaveScript, [Keys.Referral(id), Keys.Events(id), Keys.Requests(id), Keys.Fenced(id)], args))!;
        return (int)result[0] switch
        {
            1 => new SaveResult(true, null, Replicated: await replicas.ConfirmAsync(Keys.Referral(id))),
            2 => new SaveResult(false, null, (byte[])result[1]!),
            3 => new SaveResult(false, null, Fenced: true),
            _ => new SaveResult(false, Parse([(RedisValue)result[1], (RedisValue)result[2]])),
        };
    }

    /// <summary>
    /// Request ids are the caller's own: the stored answer is keyed by method and caller as well,
    /// so a provider's "1" and a requester's "1" on one referral are different requests.
    /// </summary>
    public static string RequestKey(string method, string caller, string requestId) => $"{method}:{caller}:{requestId}";

    /// <summary>
    /// Remembers the answer to a request that changed nothing; a first answer is never
    /// overwritten. Returns the answer that stands: this one, or the first one if a twin was faster.
    /// </summary>
    public async Task<T> SaveResponseAsync<T>(string referralId, string requestKey, T response, MessageParser<T> parser) where T : class, IMessage<T>
    {
        if (await Db.HashSetAsync(Keys.Requests(referralId), requestKey, response.ToByteArray(), When.NotExists)) return response;
        return parser.ParseFrom((byte[])(await Db.HashGetAsync(Keys.Requests(referralId), requestKey))!);
    }

    public async Task<IReadOnlyList<ReferralEvent>> HistoryAsync(string id)
    {
        var entries = await Db.StreamRangeAsync(Keys.Events(id));
        return entries.Select(entry =>
        {
            var e = ReferralEvent.Parser.ParseFrom((byte[])entry["e"]!);
            e.Id = entry.Id!;
            return e;
        }).ToArray();
    }

    /// <summary>
    /// Claims a create request id and the patient for a new referral, on the organisation's slot.
    /// Answers the referral id the request was first given (<see cref="CreateClaim.Retry"/>), or
    /// the patient's active referral with the moment it was claimed (<see cref="CreateClaim.PatientActive"/>).
    /// </summary>
    public async Task<(CreateClaim Claim, string ReferralId, DateTimeOffset ClaimedAt)> ClaimCreateAsync(string org, string requestId, string newId, string patientRef, DateTimeOffset now)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(ClaimScript, [Keys.OrgRequests(org), Keys.OrgPatients(org)],
            [requestId, newId, patientRef, now.ToUnixTimeMilliseconds()]))!;
        var claim = (CreateClaim)(int)result[0];
        var value = (string)result[1]!;
        if (claim != CreateClaim.PatientActive) return (claim, value, now);
        var bar = value.IndexOf('|');
        return (claim, value[..bar], DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(value[(bar + 1)..], System.Globalization.CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// Claims the patient for <paramref name="referralId"/> if nobody else has it: for a create
    /// whose referral is written late (its first attempt stopped, or stalled past the grace period,
    /// when another create may have given its claim up). False: another referral has the patient.
    /// </summary>
    public async Task<bool> ReclaimPatientAsync(string org, string patientRef, string referralId, DateTimeOffset now) =>
        (int)await Db.ScriptEvaluateAsync(ReclaimScript, [Keys.OrgPatients(org)], [patientRef, referralId, now.ToUnixTimeMilliseconds()]) == 1;

    /// <summary>Gives up a claim judged stale (its referral never written in time), only if it is still exactly that claim.</summary>
    public async Task<bool> GiveUpClaimAsync(string org, string patientRef, string referralId, DateTimeOffset claimedAt) =>
        (int)await Db.ScriptEvaluateAsync(GiveUpScript, [Keys.OrgPatients(org)], [patientRef, $"{referralId}|{claimedAt.ToUnixTimeMilliseconds()}"]) == 1;

    /// <summary>
    /// Gives up the call holding pending entry <paramref name="token"/>: it can no longer write a
    /// step of the referral (the save script refuses it), so what the sweeper finishes for it stays
    /// finished. True when the call was not fenced before.
    /// </summary>
    public async Task<bool> FenceAsync(string referralId, string token) =>
        (int)await Db.ScriptEvaluateAsync(FenceScript, [Keys.Fenced(referralId)], [token, (long)TimeSpan.FromDays(1).TotalSeconds]) == 1;

    /// <summary>Frees the patient for a new referral once this one is placed, cancelled or closed (a no-op if a newer referral has the patient).</summary>
    public Task ReleasePatientAsync(string org, string patientRef, string referralId) =>
        Db.ScriptEvaluateAsync(ReleasePatientScript, [Keys.OrgPatients(org)], [patientRef, referralId]);

    public async Task<IReadOnlyList<Referral>> GetManyAsync(IEnumerable<string> ids)
    {
        var reads = ids.Select(GetAsync).ToArray();
        var found = new List<Referral>(reads.Length);
        foreach (var read in reads)
            if (await read is { } stored) found.Add(stored.Referral);
        return found;
    }

    /// <summary>
    /// Notes, before a step, that what the step does must be finished even if this instance stops
    /// now. Each step has its own entry (<c>referralId|token</c>, and for an offer step
    /// <c>|agb,agb</c>: the providers whose places it may hold, with the token as their holder), so
    /// finishing one step never clears another's. The sweeper finishes entries older than the
    /// grace period; the instance that finishes the step removes its entry.
    /// </summary>
    public async Task<PendingStep> MarkPendingAsync(string referralId, DateTimeOffset due, IEnumerable<string>? agbs = null)
    {
        var token = Guid.NewGuid().ToString("N");
        var member = agbs is null ? $"{referralId}|{token}" : $"{referralId}|{token}|{string.Join(',', agbs)}";
        await Db.SortedSetAddAsync(Keys.Pending, member, due.ToUnixTimeMilliseconds());
        return new PendingStep(member, token);
    }

    /// <summary>The referral, the token and the providers a pending entry names.</summary>
    public static (string ReferralId, string Token, IReadOnlyList<string> Agbs) ParsePending(string member)
    {
        var parts = (IsReplay(member) ? member[ReplayPrefix.Length..] : member).Split('|');
        return (parts[0], parts.Length > 1 ? parts[1] : "", parts.Length > 2 && parts[2].Length > 0 ? parts[2].Split(',') : []);
    }

    /// <summary>
    /// Removes a pending entry once its step is done. Not awaited: an entry left behind only makes
    /// the sweeper re-assert a finished step. When replicas must confirm steps (Redis:ReplicaAcks),
    /// a step that wrote trades its entry for a replay entry instead (<see cref="IsReplay"/>): its
    /// follow-up's writes (indexes, the hold's due entry, counts) went to other masters without
    /// waiting for their replicas, and a failover in between may have lost them, so the sweeper
    /// asserts the follow-up once more after <paramref name="replayAt"/> — and does nothing else.
    /// </summary>
    public void ClearPending(PendingStep step, DateTimeOffset replayAt)
    {
        if (!(replicas.Required && step.Written))
        {
            Db.SortedSetRemove(Keys.Pending, step.Member, CommandFlags.FireAndForget);
            return;
        }
        // One slot, one transaction: should it be lost, the step's own entry is left, and the sweeper
        // finishes it as a stopped step's (which asserts the follow-up too).
        var swap = Db.CreateTransaction();
        _ = swap.SortedSetRemoveAsync(Keys.Pending, step.Member);
        _ = swap.SortedSetAddAsync(Keys.Pending, ReplayMember(ParsePending(step.Member).ReferralId, step.Token), replayAt.ToUnixTimeMilliseconds());
        _ = swap.ExecuteAsync(CommandFlags.FireAndForget);
    }

    const string ReplayPrefix = "replay|";

    static string ReplayMember(string referralId, string token) => $"{ReplayPrefix}{referralId}|{token}";

    /// <summary>Whether a pending entry only asks for a finished step's follow-up to be asserted again (see <see cref="ClearPending"/>).</summary>
    public static bool IsReplay(string member) => member.StartsWith(ReplayPrefix, StringComparison.Ordinal);

    public Task ClearPendingAsync(string member) => Db.SortedSetRemoveAsync(Keys.Pending, member);

    /// <summary>Puts a pending entry back for later, e.g. after its follow-up failed.</summary>
    public Task PostponePendingAsync(string member, DateTimeOffset due) => Db.SortedSetAddAsync(Keys.Pending, member, due.ToUnixTimeMilliseconds());

    public async Task<IReadOnlyList<string>> PendingDueAsync(DateTimeOffset now, int limit) =>
        (await Db.SortedSetRangeByScoreAsync(Keys.Pending, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit)).Select(v => (string)v!).ToArray();

    static StoredReferral? Parse(RedisValue[] values) =>
        values[0].IsNull ? null : new StoredReferral(global::Capacity.V1.Referral.Parser.ParseFrom((byte[])values[0]!), (long)values[1]);
}
