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
        public static RedisKey UnmetByInsurer(string uzovi, string cell) => $"unmet:{{{uzovi}}}:{cell}";
        public static RedisKey UnmetByInsurerIndex(string uzovi) => $"unmet:{{{uzovi}}}:cells";
        public static RedisKey UnmetByMunicipality(string code, CareType careType) => $"unmet-gm:{{{code}}}:{(int)careType}";
        public static RedisKey UnmetByMunicipalityIndex(string code) => $"unmet-gm:{{{code}}}:cells";
        public static RedisKey UnmetByArea(string code, string cell) => $"unmet-gm:{{{code}}}:pc4:{cell}";
        public static RedisKey UnmetByAreaIndex(string code) => $"unmet-gm:{{{code}}}:areas";
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
    /// <paramref name="requestKey"/> names the request the step answers (see <see cref="RequestKey"/>).
    /// </summary>
    public async Task<bool> SaveAsync(Referral referral, long expectedVersion, IReadOnlyList<ReferralEvent> events, string? requestKey = null, IMessage? response = null)
    {
        var id = referral.Id;
        var tx = Db.CreateTransaction();
        tx.AddCondition(expectedVersion == 0 ? Condition.KeyNotExists(Keys.Referral(id)) : Condition.HashEqual(Keys.Referral(id), "v", expectedVersion));
        _ = tx.HashSetAsync(Keys.Referral(id), [new HashEntry("doc", referral.ToByteArray()), new HashEntry("v", referral.Version)]);
        foreach (var e in events) _ = tx.StreamAddAsync(Keys.Events(id), "e", e.ToByteArray());
        if (requestKey is not null && response is not null) _ = tx.HashSetAsync(Keys.Requests(id), requestKey, response.ToByteArray());
        return await tx.ExecuteAsync();
    }

    /// <summary>
    /// Request ids are the caller's own: the stored answer is keyed by method and caller as well,
    /// so a provider's "1" and a requester's "1" on one referral are different requests.
    /// </summary>
    public static string RequestKey(string method, string caller, string requestId) => $"{method}:{caller}:{requestId}";

    /// <summary>The answer given to an earlier request with this key, if any.</summary>
    public async Task<T?> GetResponseAsync<T>(string referralId, string requestKey, MessageParser<T> parser) where T : class, IMessage<T>
    {
        var value = await Db.HashGetAsync(Keys.Requests(referralId), requestKey);
        return value.IsNull ? null : parser.ParseFrom((byte[])value!);
    }

    /// <summary>Remembers the answer to a request that changed nothing; a first answer is never overwritten.</summary>
    public Task SaveResponseAsync(string referralId, string requestKey, IMessage response) =>
        Db.HashSetAsync(Keys.Requests(referralId), requestKey, response.ToByteArray(), When.NotExists);

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

    /// <summary>
    /// One escalation = one unmet-demand signal, per insurer × municipality × care type, per
    /// municipality × care type and per patient's area × care type (for the municipality's map).
    /// Counted as the set of escalated referral ids, so counting the same escalation again (a
    /// replayed follow-up) changes nothing.
    /// </summary>
    public Task CountUnmetAsync(Referral r)
    {
        var cell = $"{r.MunicipalityCode}:{(int)r.Search.CareType}";
        var area = $"{r.Search.PatientPostcode}:{(int)r.Search.CareType}"; // the PC4: referrals keep no more of the postcode
        var byInsurer = Db.CreateTransaction();
        _ = byInsurer.SetAddAsync(Keys.UnmetByInsurer(r.Search.InsurerUzovi, cell), r.Id);
        _ = byInsurer.SetAddAsync(Keys.UnmetByInsurerIndex(r.Search.InsurerUzovi), cell);
        var byMunicipality = Db.CreateTransaction();
        _ = byMunicipality.SetAddAsync(Keys.UnmetByMunicipality(r.MunicipalityCode, r.Search.CareType), r.Id);
        _ = byMunicipality.SetAddAsync(Keys.UnmetByMunicipalityIndex(r.MunicipalityCode), (int)r.Search.CareType);
        _ = byMunicipality.SetAddAsync(Keys.UnmetByArea(r.MunicipalityCode, area), r.Id);
        _ = byMunicipality.SetAddAsync(Keys.UnmetByAreaIndex(r.MunicipalityCode), area);
        return Task.WhenAll(byInsurer.ExecuteAsync(), byMunicipality.ExecuteAsync());
    }

    public Task<IReadOnlyList<(string Place, CareType CareType, long Count)>> UnmetByInsurerAsync(string uzovi) =>
        CountCellsAsync(Keys.UnmetByInsurerIndex(uzovi), cell => Keys.UnmetByInsurer(uzovi, cell));

    public Task<IReadOnlyList<(string Place, CareType CareType, long Count)>> UnmetByAreaAsync(string code) =>
        CountCellsAsync(Keys.UnmetByAreaIndex(code), cell => Keys.UnmetByArea(code, cell));

    /// <summary>The size of each "place:careType" cell set listed in an index (place: a GM code or a PC4).</summary>
    async Task<IReadOnlyList<(string Place, CareType CareType, long Count)>> CountCellsAsync(RedisKey index, Func<string, RedisKey> cellKey)
    {
        var cells = (await Db.SetMembersAsync(index)).Select(c => (string)c!).ToArray();
        var counts = cells.Select(c => Db.SetLengthAsync(cellKey(c))).ToArray();
        var result = new List<(string, CareType, long)>(cells.Length);
        for (var i = 0; i < cells.Length; i++)
        {
            var parts = cells[i].Split(':');
            result.Add((parts[0], (CareType)int.Parse(parts[1]), await counts[i]));
        }
        return result;
    }

    public async Task<IReadOnlyList<(CareType CareType, long Count)>> UnmetByMunicipalityAsync(string code)
    {
        var types = (await Db.SetMembersAsync(Keys.UnmetByMunicipalityIndex(code))).Select(t => (CareType)(int)t).ToArray();
        var counts = types.Select(t => Db.SetLengthAsync(Keys.UnmetByMunicipality(code, t))).ToArray();
        var result = new List<(CareType, long)>(types.Length);
        for (var i = 0; i < types.Length; i++) result.Add((types[i], await counts[i]));
        return result;
    }

    /// <summary>
    /// Notes, before a step, that its follow-up must happen even if this instance stops now.
    /// Each step has its own entry (<c>referralId|token</c>), so finishing one step never clears
    /// another's. The sweeper finishes entries older than the grace period; the instance that
    /// finishes the step removes its entry.
    /// </summary>
    public async Task<string> MarkPendingAsync(string referralId, DateTimeOffset due)
    {
        var member = $"{referralId}|{Guid.NewGuid():N}";
        await Db.SortedSetAddAsync(Keys.Pending, member, due.ToUnixTimeMilliseconds());
        return member;
    }

    public Task ClearPendingAsync(string member) => Db.SortedSetRemoveAsync(Keys.Pending, member);

    /// <summary>Puts a pending entry back for later, e.g. after its follow-up failed.</summary>
    public Task PostponePendingAsync(string member, DateTimeOffset due) => Db.SortedSetAddAsync(Keys.Pending, member, due.ToUnixTimeMilliseconds());

    public async Task<IReadOnlyList<string>> PendingDueAsync(DateTimeOffset now, int limit) =>
        (await Db.SortedSetRangeByScoreAsync(Keys.Pending, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit)).Select(v => (string)v!).ToArray();
}
