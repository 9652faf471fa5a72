using Capacity.Service.Redis;
using Capacity.V1;
using Google.Protobuf;
using StackExchange.Redis;

namespace Capacity.Service.Referrals;

/// <summary>A referral as read, with the version a write must find unchanged.</summary>
public sealed record StoredReferral(Referral Referral, long Version);

/// <summary>
/// Referrals in Redis. Everything about one referral shares its id as hash tag, so a step —
/// the new document, its events and the answer to the request that caused it — is one
/// MULTI/EXEC on one slot, conditioned on the version read: two steps racing on one referral
/// (two accepts) cannot both succeed. The state machine itself is C# (<see cref="ReferralSteps"/>),
/// testable and readable; Redis only guarantees the compare-and-set.
/// Indexes that other parties read live in their own slots and are updated after the step:
/// an organisation's open referrals, a provider's open offers, a desk's queue.
/// </summary>
public sealed class ReferralStore(IConnectionMultiplexer redis)
{
    public static class Keys
    {
        public static RedisKey Referral(string id) => $"ref:{{{id}}}";
        public static RedisKey Events(string id) => $"ref:{{{id}}}:events";
        public static RedisKey Requests(string id) => $"ref:{{{id}}}:requests";
        public static RedisKey OrgReferrals(string org) => $"org:{{{org}}}:referrals";
        public static RedisKey OrgRequests(string org) => $"org:{{{org}}}:requests";
        public static RedisKey ProviderOffers(string agb) => $"offers:{{{agb}}}";
        public static RedisKey DeskQueue(string uzovi) => $"desk:{{{uzovi}}}";
        public static RedisKey UnmetByInsurer(string uzovi) => $"unmet:{{{uzovi}}}";
        public static RedisKey UnmetByMunicipality(string code) => $"unmet-gm:{{{code}}}";
        public static readonly RedisKey Pending = "refs:{pending}";
    }

    IDatabase Db => redis.GetDatabase();

    /// <summary>Where a provider's offer changes are announced (its own slot), for WatchOffers.</summary>
    public RedisChannel OffersChannel(string agb) => RedisChannels.Sharded(redis, $"offers:{{{agb}}}:changed");

    public async Task<StoredReferral?> GetAsync(string id)
    {
        var values = await Db.HashGetAsync(Keys.Referral(id), ["doc", "v"]);
        return values[0].IsNull ? null : new StoredReferral(global::Capacity.V1.Referral.Parser.ParseFrom((byte[])values[0]!), (long)values[1]);
    }

    /// <summary>
    /// Writes a step if the referral is still at <paramref name="expectedVersion"/> (0: does not
    /// exist yet). False when another step came first; the caller reads again and decides anew.
    /// </summary>
    public async Task<bool> SaveAsync(Referral referral, long expectedVersion, IReadOnlyList<ReferralEvent> events, string? requestId = null, IMessage? response = null)
    {
        var id = referral.Id;
        var tx = Db.CreateTransaction();
        tx.AddCondition(expectedVersion == 0 ? Condition.KeyNotExists(Keys.Referral(id)) : Condition.HashEqual(Keys.Referral(id), "v", expectedVersion));
        _ = tx.HashSetAsync(Keys.Referral(id), [new HashEntry("doc", referral.ToByteArray()), new HashEntry("v", referral.Version)]);
        foreach (var e in events) _ = tx.StreamAddAsync(Keys.Events(id), "e", e.ToByteArray());
        if (requestId is not null && response is not null) _ = tx.HashSetAsync(Keys.Requests(id), requestId, response.ToByteArray());
        return await tx.ExecuteAsync();
    }

    /// <summary>The answer given to an earlier request with this id, if any.</summary>
    public async Task<T?> GetResponseAsync<T>(string referralId, string requestId, MessageParser<T> parser) where T : class, IMessage<T>
    {
        var value = await Db.HashGetAsync(Keys.Requests(referralId), requestId);
        return value.IsNull ? null : parser.ParseFrom((byte[])value!);
    }

    /// <summary>Remembers the answer to a request that changed nothing, so its retry gets the same answer.</summary>
    public Task SaveResponseAsync(string referralId, string requestId, IMessage response) =>
        Db.HashSetAsync(Keys.Requests(referralId), requestId, response.ToByteArray());

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
    /// Claims a create request id for an organisation: returns the referral id the request was
    /// first given (this one if it is new).
    /// </summary>
    public async Task<string> ClaimCreateAsync(string org, string requestId, string newId)
    {
        if (await Db.HashSetAsync(Keys.OrgRequests(org), requestId, newId, When.NotExists)) return newId;
        return (string)(await Db.HashGetAsync(Keys.OrgRequests(org), requestId))!;
    }

    public async Task<IReadOnlyList<Referral>> GetManyAsync(IEnumerable<string> ids)
    {
        var reads = ids.Select(GetAsync).ToArray();
        var found = new List<Referral>(reads.Length);
        foreach (var read in reads)
            if (await read is { } stored) found.Add(stored.Referral);
        return found;
    }

    // Indexes: each in its own slot, written after the step that changes them. A step that is
    // interrupted before its index update is finished by the sweeper (see MarkPending).

    public Task IndexOpenAsync(Referral r) => Db.SortedSetAddAsync(Keys.OrgReferrals(r.RequesterOrg), r.Id, r.CreatedAt.ToDateTimeOffset().ToUnixTimeMilliseconds());

    public Task UnindexOpenAsync(Referral r) => Db.SortedSetRemoveAsync(Keys.OrgReferrals(r.RequesterOrg), r.Id);

    public async Task<IReadOnlyList<string>> OpenReferralIdsAsync(string org) =>
        (await Db.SortedSetRangeByRankAsync(Keys.OrgReferrals(org), order: Order.Descending)).Select(v => (string)v!).ToArray();

    public Task IndexOfferAsync(string agb, string referralId, string offerId, DateTimeOffset deadline) =>
        Db.HashSetAsync(Keys.ProviderOffers(agb), $"{referralId}|{offerId}", deadline.ToUnixTimeMilliseconds());

    public Task UnindexOfferAsync(string agb, string referralId, string offerId) =>
        Db.HashDeleteAsync(Keys.ProviderOffers(agb), $"{referralId}|{offerId}");

    public async Task<IReadOnlyList<(string ReferralId, string OfferId)>> OpenOffersAsync(string agb) =>
        (await Db.HashKeysAsync(Keys.ProviderOffers(agb))).Select(k => ((string)k!).Split('|')).Where(p => p.Length == 2).Select(p => (p[0], p[1])).ToArray();

    public Task AnnounceOfferAsync(string agb, string referralId, string offerId) =>
        redis.GetSubscriber().PublishAsync(OffersChannel(agb), $"{referralId}|{offerId}");

    public Task EnqueueForDeskAsync(Referral r) =>
        Db.SortedSetAddAsync(Keys.DeskQueue(r.Search.InsurerUzovi), r.Id, r.Escalation.EscalatedAt.ToDateTimeOffset().ToUnixTimeMilliseconds());

    public Task DequeueFromDeskAsync(Referral r) => Db.SortedSetRemoveAsync(Keys.DeskQueue(r.Search.InsurerUzovi), r.Id);

    public async Task<IReadOnlyList<string>> DeskQueueAsync(string uzovi) =>
        (await Db.SortedSetRangeByRankAsync(Keys.DeskQueue(uzovi))).Select(v => (string)v!).ToArray();

    /// <summary>One escalation = one unmet-demand signal, per insurer × municipality × care type and per municipality.</summary>
    public Task CountUnmetAsync(Referral r) => Task.WhenAll(
        Db.HashIncrementAsync(Keys.UnmetByInsurer(r.Search.InsurerUzovi), $"{r.MunicipalityCode}:{(int)r.Search.CareType}"),
        Db.HashIncrementAsync(Keys.UnmetByMunicipality(r.MunicipalityCode), ((int)r.Search.CareType).ToString()));

    public async Task<IReadOnlyList<(string MunicipalityCode, CareType CareType, long Count)>> UnmetByInsurerAsync(string uzovi) =>
        (await Db.HashGetAllAsync(Keys.UnmetByInsurer(uzovi)))
            .Select(e => (Key: ((string)e.Name!).Split(':'), Count: (long)e.Value))
            .Select(x => (x.Key[0], (CareType)int.Parse(x.Key[1]), x.Count)).ToArray();

    public async Task<IReadOnlyList<(CareType CareType, long Count)>> UnmetByMunicipalityAsync(string code) =>
        (await Db.HashGetAllAsync(Keys.UnmetByMunicipality(code))).Select(e => ((CareType)int.Parse((string)e.Name!), (long)e.Value)).ToArray();

    /// <summary>
    /// Notes that a referral has a step in flight whose follow-up (offering to the next candidates,
    /// escalating) must happen even if this instance stops now. The sweeper finishes entries left
    /// longer than the grace period; the instance that finishes removes its entry.
    /// </summary>
    public Task MarkPendingAsync(string referralId, DateTimeOffset due) => Db.SortedSetAddAsync(Keys.Pending, referralId, due.ToUnixTimeMilliseconds());

    public Task ClearPendingAsync(string referralId) => Db.SortedSetRemoveAsync(Keys.Pending, referralId);

    public async Task<IReadOnlyList<string>> PendingDueAsync(DateTimeOffset now, int limit) =>
        (await Db.SortedSetRangeByScoreAsync(Keys.Pending, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit)).Select(v => (string)v!).ToArray();
}
