using Capacity.Service.Redis;
using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Referrals;

/// <summary>
/// Offering a referral to providers: each offer holds one of the provider's places, then the
/// offers are recorded in one step. In round trips: the referral, an earlier answer to the request
/// and the step's pending entry (naming the providers) are read and written together; the
/// providers are judged against the registry in memory (rules 1–3, the served area); one hold
/// script per provider goes out at once — the script checks the figure itself (free, fresh, free
/// by the start day) and answers it, so no search is read first; then the conditioned write; then
/// the follow-up. A provider's n-th offer of a referral has one id and one hold whichever call
/// makes it, so two offers racing to the same provider hold one place.
/// </summary>
public sealed class Offering(
    ReferralStore store,
    ReferralCommitter committer,
    HoldStore holds,
    ReferralSearch search,
    RegistryCache registry,
    PostcodeDirectory postcodes,
    IOptionsMonitor<ReferralOptions> options,
    IOptionsMonitor<MatchingOptions> matching,
    TimeProvider time)
{
    const int Attempts = 8;
    public const string NoPlaceLeft = "no free place left: taken or held for another referral";

    /// <summary>
    /// Offers the referral to <paramref name="agbs"/> and answers the request <paramref name="requestKey"/>
    /// (a retry gets the earlier answer's rejections with the referral as it is now: what the
    /// offers became since is not contradicted by a kept copy). An answer that offered nobody is stored as
    /// well, so a retry gets it again; an attempt cut off by a failure stores nothing, and a retry
    /// finishes it. Holds this call made or found for offers it did not get recorded are given up
    /// on its way out (the place goes back once no other call holds it).
    /// </summary>
    public async Task<OfferReferralResponse> OfferAsync(string referralId, Viewer viewer, IReadOnlyList<string> agbs, string by, string requestKey,
        bool allowUncontracted = false)
    {
        var mark = store.MarkPendingAsync(referralId, time.GetUtcNow() + options.CurrentValue.StepGrace, agbs);
        var loaded = await store.LoadAsync(referralId, requestKey);
        return await committer.PendingAsync(mark, async pending =>
        {
            var current = loaded.Stored is { } s && viewer.CanSee(s.Referral) ? s : throw Viewer.NotFound(referralId);
            if (loaded.EarlierAnswer is { } earlier) return Replayed(earlier, current.Referral);
            var mine = new List<Hold>(); // holds this call made or found: it is one of their holders until it lets go
            var recorded = new HashSet<string>();
            Task LetGo() => Task.WhenAll(mine.Where(h => !recorded.Contains(h.OfferId)).Select(h => holds.AbandonAsync(h.Pc4, h.HoldId, pending.Token)));
            OfferReferralResponse response;
            try
            {
                response = await OfferAsync(current, agbs, by, requestKey, allowUncontracted, pending, mine, recorded);
            }
            catch (RpcException)
            {
                await LetGo(); // refused: let go at once
                throw;
            }
            // Not in a finally: after a failure (Redis unreachable) the pending entry stays, and the sweeper lets go for this call.
            await LetGo();
            return response;
        });
    }

    async Task<OfferReferralResponse> OfferAsync(StoredReferral current, IReadOnlyList<string> agbs, string by, string requestKey, bool allowUncontracted,
        PendingStep pending, List<Hold> mine, HashSet<string> recorded)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var r = current.Referral;
            ReferralSteps.EnsureOffersAllowed(r, by); // refuses early, before any hold, in a state that takes no offers
            var open = ReferralSteps.Pending(r).ToArray();
            var rejected = new List<RejectedOffer>();
            var fresh = new List<string>();
            foreach (var agb in agbs)
            {
                if (open.Any(o => o.Provider.Agb == agb)) rejected.Add(new RejectedOffer { ProviderAgb = agb, Reason = "an offer to this provider is open already" });
                else fresh.Add(agb);
            }
            if (open.Length + fresh.Count > r.MaxParallelOffers)
                throw Reasons.Refuse(StatusCode.FailedPrecondition, Reasons.TooManyOpenOffers,
                    $"At most {r.MaxParallelOffers} offers may be open at once; {open.Length} are open.");

            var query = await search.QueryAsync(r);
            var now = time.GetUtcNow();
            var planned = Plan(r, query, fresh, by, allowUncontracted, now, rejected);
            if (planned.Count == 0) return await NothingOfferedAsync(r, requestKey, rejected);

            // A start day in the coming week holds against the provider's expectation for it, when it has one (as the search counted).
            var expectedDay = Capacity.Outlook.Outlook.InWindow(DutchCalendar.DateOf(now), query.StartDate) ? query.StartDate : (DateOnly?)null;
            var results = await Task.WhenAll(planned.Select(p => holds.HoldAsync(p.Hold, pending.Token, now - matching.CurrentValue.FreshnessWindow, query.StartDate, expectedDay)));
            for (var i = 0; i < planned.Count; i++)
                if (results[i].Outcome is HoldOutcome.Held or HoldOutcome.AlreadyHeld && !mine.Contains(planned[i].Hold)) mine.Add(planned[i].Hold);
            // A place held on the master but not confirmed on its replica (Redis:ReplicaAcks) is not
            // offered: UNAVAILABLE, and this call lets go of its holds on the way out.
            if (results.Any(h => !h.Replicated)) throw RedisFailures.ToRpcException(nameof(ReferralService.ReferralServiceBase.OfferReferral));
            if (results.Any(h => h.Outcome == HoldOutcome.Ended))
            {
                // An offer with this id was recorded and has ended since this referral was read: read it again.
                current = await store.GetAsync(r.Id) ?? throw Viewer.NotFound(r.Id);
                continue;
            }

            var offers = new List<Offer>();
            for (var i = 0; i < planned.Count; i++)
            {
                var (offer, _, provider) = planned[i];
                switch (results[i].Outcome)
                {
                    case HoldOutcome.Held or HoldOutcome.AlreadyHeld:
                        offers.Add(offer);
                        break;
                    case HoldOutcome.NoPlace:
                        rejected.Add(new RejectedOffer { ProviderAgb = offer.Provider.Agb, Reason = NoPlaceLeft });
                        break;
                    default:
                        var why = MatchRules.ExcludeByCapacity(query, provider, 0, results[i].Cell, now, matching.CurrentValue.FreshnessWindow);
                        rejected.Add(new RejectedOffer { ProviderAgb = offer.Provider.Agb, Reason = $"not a candidate: {why?.Detail ?? "no capacity"}", Exclusion = why?.Reason ?? ExclusionReason.NoCapacity });
                        break;
                }
            }
            if (offers.Count == 0) return await NothingOfferedAsync(r, requestKey, rejected);

            var step = ReferralSteps.AddOffers(r, offers, by, now);
            var response = new OfferReferralResponse { Referral = step.Referral, Rejected = { rejected } };
            // Recorded as soon as written: whatever happens in the follow-up, this call never gives these holds up.
            var saved = await committer.CommitAsync(current, step, pending, requestKey, response, () => recorded.UnionWith(offers.Select(o => o.Id)));
            if (saved.Saved) return response;
            if (saved.EarlierAnswer is { } answered) // a duplicate of this request got there first
                return Replayed(answered, (await store.GetAsync(r.Id))?.Referral ?? r);
            current = saved.Current ?? throw Viewer.NotFound(r.Id);
        }
        throw Reasons.Refuse(StatusCode.Aborted, Reasons.ChangedMeanwhile, "The referral kept changing while offering; try again.");
    }

    static OfferReferralResponse Replayed(byte[] earlier, Referral now)
    {
        var answer = OfferReferralResponse.Parser.ParseFrom(earlier);
        answer.Referral = now;
        return answer;
    }

    /// <summary>The offers to try: each provider judged on the registry (no figure needed yet), the rest rejected with why.</summary>
    List<(Offer Offer, Hold Hold, ProviderInfo Provider)> Plan(Referral r, MatchQuery query, List<string> agbs, string by, bool allowUncontracted,
        DateTimeOffset now, List<RejectedOffer> rejected)
    {
        var snapshot = registry.Current;
        var deadline = now + (r.Search.Urgent ? options.CurrentValue.UrgentOfferDeadline : options.CurrentValue.OfferDeadline);
        var planned = new List<(Offer, Hold, ProviderInfo)>();
        foreach (var agb in agbs)
        {
            if (!snapshot.Providers.TryGetValue(agb, out var provider))
            {
                rejected.Add(new RejectedOffer { ProviderAgb = agb, Reason = "not a registered provider" });
                continue;
            }
            var distance = Math.Round(PostcodeDirectory.DistanceKm(postcodes.Find(provider.BasePc4)!, query.PatientArea), 2);
            if (MatchRules.ExcludeByRegistry(query, provider, distance, snapshot, out var contract, requireContract: !allowUncontracted) is { } excluded)
            {
                rejected.Add(new RejectedOffer { ProviderAgb = agb, Reason = $"not a candidate: {excluded.Detail}", Exclusion = excluded.Reason });
                continue;
            }
            var offer = new Offer
            {
                Id = ReferralViews.OfferId(r.Id, agb, ReferralSteps.OffersMadeTo(r, agb)),
                Provider = provider.ToSummary(),
                Pc4 = r.Search.PatientPostcode,
                CareType = r.Search.CareType,
                State = OfferState.Pending,
                OfferedAt = Timestamp.FromDateTimeOffset(now),
                Deadline = Timestamp.FromDateTimeOffset(deadline),
                OfferedBy = by,
                Uncontracted = contract is null,
            };
            if (offer.Uncontracted) offer.Warning = Leads.UncontractedWarning(query.Insurer.Name);
            planned.Add((offer, ReferralViews.HoldOf(r, offer), provider));
        }
        return planned;
    }

    async Task<OfferReferralResponse> NothingOfferedAsync(Referral r, string requestKey, List<RejectedOffer> rejected) =>
        await store.SaveResponseAsync(r.Id, requestKey, new OfferReferralResponse { Referral = r, Rejected = { rejected } }, OfferReferralResponse.Parser);

    /// <summary>
    /// Lets go of the places a step that stopped half-way may hold for the providers it named (its
    /// pending entry): for each, the holds of every offer number the referral has reached, as
    /// holder <paramref name="token"/>. A hold whose offer was recorded, or that another call
    /// still holds, stays.
    /// </summary>
    public Task LetGoAsync(Referral r, string token, IEnumerable<string> agbs)
    {
        var pc4 = int.Parse(r.Search.PatientPostcode);
        return Task.WhenAll(agbs.SelectMany(agb => Enumerable.Range(0, ReferralSteps.OffersMadeTo(r, agb) + 1)
            .Select(n => holds.AbandonAsync(pc4, $"{r.Id}:{ReferralViews.OfferId(r.Id, agb, n)}", token))));
    }
}
