using System.Globalization;
using Capacity.Service.Referrals;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Insight.Alerts;

/// <summary>
/// REFERRAL_UNANSWERED. The referral follow-up (<see cref="ReferralCommitter.FollowUpAsync"/>)
/// notes when each wait for an answer becomes due — an open offer at offered_at +
/// UnansweredAfter, a referral without an open offer at waiting.since + UnansweredAfter (urgent
/// care: UrgentUnansweredAfter) — in one small global sorted set, and takes the entry and the
/// alert away when the wait ends (the offer answered, expired or withdrawn; an offer made, the
/// referral escalated or ended). The checker reads only the entries due, so it never scans the
/// referrals. The set holds one entry per open offer and waiting referral, each for at most as
/// long as its wait.
/// </summary>
public sealed class ReferralAlerts(IConnectionMultiplexer redis, AlertStore alerts, ReferralStore referrals, IOptionsMonitor<AlertsOptions> options,
    TimeProvider time)
{
    /// <summary>Members <c>o|referralId|offerId</c> and <c>w|referralId</c>, scored by when the wait becomes an alert (Unix ms).</summary>
    public static readonly RedisKey Due = "alerts:{due}";

    const int Batch = 200, MaxBatches = 10;

    // Removes a due entry only if it is still the one read: a new wait of the same referral moved it meanwhile.
    const string RemoveIfScript = """
        local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
        return 0
        """;

    public static string OfferAlertId(string offerId) => $"unanswered-offer:{offerId}";
    public static string WaitAlertId(string referralId) => $"unanswered:{referralId}";

    static AlertParty[] PartiesOf(Referral r, Offer? offer) => offer is null
        ? [AlertParty.Organisation(r.RequesterOrg), AlertParty.Desk(r.Search.InsurerUzovi)]
        : [AlertParty.Organisation(r.RequesterOrg), AlertParty.Desk(r.Search.InsurerUzovi), AlertParty.Provider(offer.Provider.Agb)];

    TimeSpan AfterFor(Referral r) => options.CurrentValue.UnansweredAfterFor(r.Search?.Urgent == true);

    /// <summary>
    /// What a referral step means for its alerts, from what changed (in <paramref name="replay"/>:
    /// asserted for the referral as it is now). Idempotent, like every follow-up.
    /// </summary>
    public Task FollowUpAsync(Referral? before, Referral r, bool replay)
    {
        if (!options.CurrentValue.Enabled) return Task.CompletedTask;
        var db = redis.GetDatabase();
        var work = new List<Task>();
        foreach (var offer in r.Offers)
        {
            if (!replay && before?.Offers.FirstOrDefault(o => o.Id == offer.Id)?.State == offer.State) continue;
            var member = $"o|{r.Id}|{offer.Id}";
            if (offer.State == OfferState.Pending)
            {
                work.Add(db.SortedSetAddAsync(Due, member, (offer.OfferedAt.ToDateTimeOffset() + AfterFor(r)).ToUnixTimeMilliseconds()));
                continue;
            }
            work.Add(db.SortedSetRemoveAsync(Due, member));
            work.Add(alerts.ClearAsync(AlertKind.ReferralUnanswered, OfferAlertId(offer.Id), PartiesOf(r, offer)));
        }
        if (r.Waiting is { } waiting)
        {
            if (replay || !Equals(before?.Waiting?.Since, waiting.Since)) // a new wait (a reminder keeps its since)
                work.Add(db.SortedSetAddAsync(Due, $"w|{r.Id}", (waiting.Since.ToDateTimeOffset() + AfterFor(r)).ToUnixTimeMilliseconds()));
        }
        else if (replay || before?.Waiting is not null)
        {
            work.Add(db.SortedSetRemoveAsync(Due, $"w|{r.Id}"));
            work.Add(alerts.ClearAsync(AlertKind.ReferralUnanswered, WaitAlertId(r.Id), PartiesOf(r, null)));
        }
        return Task.WhenAll(work);
    }

    /// <summary>
    /// Raises the waits that became due. Each due entry is checked against its referral as it is
    /// (the follow-up may not have run yet), raised, and taken off the due set; the referrals raised
    /// for are read once more afterwards, so a wait that ended while it was being raised — its
    /// follow-up found no alert to clear yet — is cleared here.
    /// </summary>
    public async Task CheckAsync()
    {
        var db = redis.GetDatabase();
        for (var batch = 0; batch < MaxBatches; batch++)
        {
            var now = time.GetUtcNow();
            var due = await db.SortedSetRangeByScoreWithScoresAsync(Due, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: Batch);
            if (due.Length == 0) return;
            var entries = due.Select(e => (Member: (string)e.Element!, e.Score, Parts: ((string)e.Element!).Split('|'))).ToArray();
            var read = (await referrals.GetManyAsync(entries.Select(e => e.Parts[1]).Distinct())).ToDictionary(r => r.Id);
            var raised = new List<(Referral Referral, string? OfferId)>();
            foreach (var (member, score, parts) in entries)
            {
                var r = read.GetValueOrDefault(parts[1]);
                if (r is not null && Unanswered(r, parts.Length == 3 ? parts[2] : null, now) is { } alert)
                {
                    await alerts.RaiseAsync(alert.Alert, alert.Parties);
                    raised.Add((r, alert.Alert.OfferId.Length > 0 ? alert.Alert.OfferId : null));
                }
                await db.ScriptEvaluateAsync(RemoveIfScript, [Due], [member, score.ToString("R", CultureInfo.InvariantCulture)]);
            }
            var again = (await referrals.GetManyAsync(raised.Select(x => x.Referral.Id).Distinct())).ToDictionary(r => r.Id);
            foreach (var (r, offerId) in raised)
            {
                var current = again.GetValueOrDefault(r.Id);
                if (current?.Version == r.Version) continue;
                if (current is not null && Unanswered(current, offerId, now) is not null) continue;
                var offer = offerId is null ? null : r.Offers.First(o => o.Id == offerId);
                await alerts.ClearAsync(AlertKind.ReferralUnanswered, offerId is null ? WaitAlertId(r.Id) : OfferAlertId(offerId), PartiesOf(r, offer));
            }
            if (due.Length < Batch) return;
        }
    }

    /// <summary>The alert a wait is at <paramref name="now"/>; null when it has ended or is not due yet.</summary>
    (Alert Alert, AlertParty[] Parties)? Unanswered(Referral r, string? offerId, DateTimeOffset now)
    {
        var after = AfterFor(r);
        var alert = new Alert
        {
            Kind = AlertKind.ReferralUnanswered,
            ReferralId = r.Id,
            PatientRef = r.PatientRef,
            Pc4 = r.Search.PatientPostcode,
            MunicipalityCode = r.MunicipalityCode,
            CareType = r.Search.CareType,
        };
        if (offerId is null)
        {
            if (r.Waiting is not { } waiting || waiting.Since.ToDateTimeOffset() + after > now) return null;
            alert.Id = WaitAlertId(r.Id);
            alert.Since = waiting.Since;
            return (alert, PartiesOf(r, null));
        }
        if (r.Offers.FirstOrDefault(o => o.Id == offerId) is not { State: OfferState.Pending } offer || offer.OfferedAt.ToDateTimeOffset() + after > now) return null;
        alert.Id = OfferAlertId(offer.Id);
        alert.OfferId = offer.Id;
        alert.ProviderAgb = offer.Provider.Agb;
        alert.Since = offer.OfferedAt;
        return (alert, PartiesOf(r, offer));
    }
}
