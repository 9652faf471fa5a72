using Capacity.Service.Redis;
using Capacity.V1;
using StackExchange.Redis;

namespace Capacity.Service.Referrals;

/// <summary>
/// What each party lists, kept beside the referrals: an organisation's active, placed and ended
/// referrals; a provider's open offers and its placements; a desk's queue; the referrals waiting
/// for their requester. Each list lives in its owner's slot (<c>{org}</c>, <c>{AGB}</c>,
/// <c>{UZOVI}</c>) as a <see cref="TimeIndex"/>, so a page is one ZRANGE BYLEX and what one step
/// changes in one list is one command. They are written after the step that changes them (the
/// follow-up; re-asserted by the sweeper when an instance stopped half-way) and read with the
/// referrals they name, whose own state is the truth.
/// </summary>
public sealed class ReferralIndexes(IConnectionMultiplexer redis)
{
    public static class Keys
    {
        public static TimeIndex OrgActive(string org) => new($"org:{{{org}}}:active");
        public static TimeIndex OrgPlaced(string org) => new($"org:{{{org}}}:placed");
        public static TimeIndex OrgEnded(string org) => new($"org:{{{org}}}:ended");
        /// <summary>Members <c>deadlineMs|referralId|offerId</c>: the provider's open offers, earliest deadline first.</summary>
        public static TimeIndex ProviderOffers(string agb) => new($"offers:{{{agb}}}:open");
        public static TimeIndex ProviderPlacements(string agb) => new($"offers:{{{agb}}}:placed");
        public static TimeIndex DeskQueue(string uzovi) => new($"desk:{{{uzovi}}}:queue");
        /// <summary>Referrals waiting for their requester, scored by when the next reminder or escalation is due.</summary>
        public static readonly RedisKey Waiting = "refs:{waiting}";
    }

    IDatabase Db => redis.GetDatabase();

    /// <summary>Where a provider's offer changes are announced (its own slot), for WatchOffers.</summary>
    public RedisChannel OffersChannel(string agb) => RedisChannels.Sharded(redis, $"offers:{{{agb}}}:changed");

    public Task AnnounceOfferAsync(string agb, string referralId, string offerId) =>
        redis.GetSubscriber().PublishAsync(OffersChannel(agb), $"{referralId}|{offerId}");

    // ---- organisation ----

    public Task AddActiveAsync(Referral r) => Keys.OrgActive(r.RequesterOrg).AddAsync(Db, r.CreatedAt.ToDateTimeOffset(), r.Id);

    /// <summary>A final referral leaves the active list for the placed or ended one, at the moment it ended.</summary>
    public Task EndAsync(Referral r)
    {
        var db = Db;
        var ended = r.State == ReferralState.Placed ? Keys.OrgPlaced(r.RequesterOrg) : Keys.OrgEnded(r.RequesterOrg);
        return Task.WhenAll(
            Keys.OrgActive(r.RequesterOrg).RemoveAsync(db, r.CreatedAt.ToDateTimeOffset(), r.Id),
            ended.AddAsync(db, EndedAt(r), r.Id));
    }

    public static DateTimeOffset EndedAt(Referral r) => r.Placement?.PlacedAt?.ToDateTimeOffset() ?? r.UpdatedAt.ToDateTimeOffset();

    public Task<IndexPage> OrganisationPageAsync(string org, ReferralListFilter filter, int size, string token, DateTimeOffset? since) => filter switch
    {
        ReferralListFilter.Placed => Keys.OrgPlaced(org).PageAsync(Db, newestFirst: true, size, token, since),
        ReferralListFilter.Ended => Keys.OrgEnded(org).PageAsync(Db, newestFirst: true, size, token, since),
        _ => Keys.OrgActive(org).PageAsync(Db, newestFirst: true, size, token),
    };

    // ---- provider ----

    public Task AddOfferAsync(Offer o, string referralId) =>
        Keys.ProviderOffers(o.Provider.Agb).AddAsync(Db, o.Deadline.ToDateTimeOffset(), $"{referralId}|{o.Id}");

    public Task RemoveOfferAsync(Offer o, string referralId) =>
        Keys.ProviderOffers(o.Provider.Agb).RemoveAsync(Db, o.Deadline.ToDateTimeOffset(), $"{referralId}|{o.Id}");

    /// <summary>A page of the provider's open offers as (referral id, offer id), earliest deadline first.</summary>
    public async Task<(IReadOnlyList<(string ReferralId, string OfferId)> Offers, string NextPageToken)> OffersPageAsync(string agb, int size, string token)
    {
        var page = await Keys.ProviderOffers(agb).PageAsync(Db, newestFirst: false, size, token);
        return (page.Ids.Select(k => k.Split('|')).Where(p => p.Length == 2).Select(p => (p[0], p[1])).ToArray(), page.NextPageToken);
    }

    public Task AddPlacementAsync(Referral r) => Keys.ProviderPlacements(r.PlacedWithAgb).AddAsync(Db, EndedAt(r), r.Id);

    public Task<IndexPage> PlacementsPageAsync(string agb, int size, string token, DateTimeOffset? since) =>
        Keys.ProviderPlacements(agb).PageAsync(Db, newestFirst: true, size, token, since);

    // ---- desk ----

    public Task EnqueueForDeskAsync(Referral r) => Keys.DeskQueue(r.Search.InsurerUzovi).AddAsync(Db, r.Escalation.EscalatedAt.ToDateTimeOffset(), r.Id);

    public Task DequeueFromDeskAsync(Referral r) => Keys.DeskQueue(r.Search.InsurerUzovi).RemoveAsync(Db, r.Escalation.EscalatedAt.ToDateTimeOffset(), r.Id);

    public Task<IndexPage> DeskPageAsync(string uzovi, int size, string token) => Keys.DeskQueue(uzovi).PageAsync(Db, newestFirst: false, size, token);

    // ---- waiting for the requester ----

    /// <summary>Enters (or moves) a waiting referral at the moment its next reminder or escalation is due.</summary>
    public Task WaitAsync(Referral r) =>
        Db.SortedSetAddAsync(Keys.Waiting, r.Id, (r.Waiting.Alerted ? r.Waiting.EscalateAt : r.Waiting.AlertAt).ToDateTimeOffset().ToUnixTimeMilliseconds());

    public Task StopWaitingAsync(string referralId) => Db.SortedSetRemoveAsync(Keys.Waiting, referralId);

    /// <summary>Looks at a waiting referral again at <paramref name="at"/> (its reminder or escalation failed now).</summary>
    public Task WaitAgainAsync(string referralId, DateTimeOffset at) => Db.SortedSetAddAsync(Keys.Waiting, referralId, at.ToUnixTimeMilliseconds());

    public async Task<IReadOnlyList<string>> WaitingDueAsync(DateTimeOffset now, int limit) =>
        (await Db.SortedSetRangeByScoreAsync(Keys.Waiting, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: limit)).Select(v => (string)v!).ToArray();
}
