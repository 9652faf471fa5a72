using Capacity.Service.Capacity;
using Capacity.Service.Geography;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Referrals;

/// <summary>
/// Offering a referral to providers: each offer holds one of the provider's places, then the
/// offers are recorded in one step. In round trips: the referral was read by the caller; the
/// providers are judged against the registry in memory (rules 1–3, the served area); then the
/// pending entry naming the offers and one hold script per provider go out together — the hold
/// script checks the figure itself (free, fresh, free by the start day) and answers it, so no
/// search is read first; then the conditioned write; then the follow-up. A provider's n-th offer
/// of a referral has one id and one hold whichever request makes it, so two offers racing to the
/// same provider hold one place.
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
    TimeProvider time,
    ILogger<Offering> logger)
{
    const int Attempts = 8;
    public const string NoPlaceLeft = "no free place left: taken or held for another referral";

    /// <summary>
    /// Offers <paramref name="stored"/> to <paramref name="agbs"/> and answers the request
    /// <paramref name="requestKey"/>. An answer that offered nobody is stored as well, so a retry
    /// gets it again; an attempt cut off by a failure stores nothing, and a retry finishes it.
    /// </summary>
    public async Task<OfferReferralResponse> OfferAsync(StoredReferral stored, IReadOnlyList<string> agbs, string by, string requestKey, bool allowUncontracted = false)
    {
        var made = new List<Hold>(); // holds this call made itself (not ones it found held by a twin)
        var pending = new List<string>();
        var failed = false;
        try
        {
            var current = stored;
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
                    throw new RpcException(new Status(StatusCode.FailedPrecondition,
                        $"At most {r.MaxParallelOffers} offers may be open at once; {open.Length} are open."));

                var query = await search.QueryAsync(r);
                var planned = Plan(r, query, fresh, by, allowUncontracted, rejected);
                if (planned.Count == 0) return await NothingOfferedAsync(r, requestKey, rejected);

                var now = time.GetUtcNow();
                var results = await HoldAsync(r, planned, query, now, made, pending);

                if (results.Any(h => h.Outcome == HoldOutcome.Ended))
                {
                    // An offer with this id was recorded and has ended since this referral was read: read it again.
                    current = await store.GetAsync(r.Id) ?? throw Viewer.NotFound(r.Id);
                    continue;
                }
                var offers = new List<Offer>();
                var found = new List<Hold>();
                for (var i = 0; i < planned.Count; i++)
                {
                    var (offer, hold, provider) = planned[i];
                    switch (results[i].Outcome)
                    {
                        case HoldOutcome.Held:
                            offers.Add(offer);
                            break;
                        case HoldOutcome.AlreadyHeld:
                            offers.Add(offer);
                            found.Add(hold);
                            break;
                        case HoldOutcome.NoPlace:
                            rejected.Add(new RejectedOffer { ProviderAgb = offer.Provider.Agb, Reason = NoPlaceLeft });
                            break;
                        default:
                            var why = MatchRules.ExcludeByCapacity(query, provider, 0, results[i].Cell, now, matching.CurrentValue.FreshnessWindow);
                            rejected.Add(new RejectedOffer { ProviderAgb = offer.Provider.Agb, Reason = $"not a candidate: {why?.Detail ?? "no capacity"}" });
                            break;
                    }
                }
                if (offers.Count == 0) return await NothingOfferedAsync(r, requestKey, rejected);

                var step = ReferralSteps.AddOffers(r, offers, by, now);
                var response = new OfferReferralResponse { Referral = step.Referral, Rejected = { rejected } };
                SaveResult saved;
                try
                {
                    saved = await committer.CommitAsync(current, step, requestKey, response);
                }
                catch (Exception e) when (e is not RpcException)
                {
                    failed = true; // the step may or may not be written: the pending entry lets the sweeper settle its holds
                    throw;
                }
                if (!saved.Saved)
                {
                    current = saved.Current ?? throw Viewer.NotFound(r.Id);
                    continue;
                }
                made.RemoveAll(h => step.Referral.Offers.Any(o => o.Id == h.OfferId));
                // A hold found made by a twin may have been given back by that twin just before this
                // record: take it again (a no-op while it holds).
                if (found.Count > 0) await Task.WhenAll(found.Select(h => holds.HoldAsync(h)));
                return response;
            }
            throw new RpcException(new Status(StatusCode.Aborted, "The referral kept changing while offering; try again."));
        }
        catch (Exception e) when (e is not RpcException)
        {
            failed = true;
            throw;
        }
        finally
        {
            // After a failure the pending entries stay: the sweeper gives back what was held for offers never recorded.
            if (!failed && (made.Count == 0 || await AbandonAsync(stored.Referral.Id, made)))
                foreach (var member in pending) store.ClearPending(member);
        }
    }

    /// <summary>
    /// The pending entry naming the offers, and a hold per offer, sent together (one round trip).
    /// Holds that were made are added to <paramref name="made"/> even when something else failed,
    /// and without a pending entry they are given back here, since nothing else would find them.
    /// </summary>
    async Task<HoldResult[]> HoldAsync(Referral r, List<(Offer Offer, Hold Hold, ProviderInfo Provider)> planned, MatchQuery query, DateTimeOffset now,
        List<Hold> made, List<string> pending)
    {
        var mark = store.MarkPendingAsync(r.Id, now + options.CurrentValue.StepGrace, planned.Select(p => p.Offer.Id));
        var tries = planned.Select(p => holds.HoldAsync(p.Hold, now - matching.CurrentValue.FreshnessWindow, query.StartDate)).ToArray();
        try
        {
            await Task.WhenAll(tries.Append<Task>(mark));
        }
        finally
        {
            for (var i = 0; i < tries.Length; i++)
                if (tries[i].IsCompletedSuccessfully && tries[i].Result.Outcome == HoldOutcome.Held) made.Add(planned[i].Hold);
            if (mark.IsCompletedSuccessfully) pending.Add(mark.Result);
            else if (made.Count > 0) await AbandonAsync(r.Id, made);
        }
        return tries.Select(t => t.Result).ToArray();
    }

    /// <summary>The offers to try: each provider judged on the registry (no figure needed yet), the rest rejected with why.</summary>
    List<(Offer Offer, Hold Hold, ProviderInfo Provider)> Plan(Referral r, MatchQuery query, List<string> agbs, string by, bool allowUncontracted, List<RejectedOffer> rejected)
    {
        var snapshot = registry.Current;
        var now = time.GetUtcNow();
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
                rejected.Add(new RejectedOffer { ProviderAgb = agb, Reason = $"not a candidate: {excluded.Detail}" });
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
    /// Gives back holds this call made for offers that did not get recorded (another attempt or a
    /// twin recorded different ones, or the referral moved on) now rather than at their deadline.
    /// A twin may have recorded one of them after finding it held: read the referral after giving
    /// the places back, and hold again what it recorded.
    /// </summary>
    /// <returns>False when Redis failed meanwhile: the pending entries must stay for the sweeper.</returns>
    async Task<bool> AbandonAsync(string referralId, List<Hold> made)
    {
        try
        {
            var recorded = await RecordedAsync(referralId);
            var loose = made.Where(h => !recorded.Contains(h.OfferId)).ToArray();
            if (loose.Length == 0) return true;
            await Task.WhenAll(loose.Select(h => holds.AbandonAsync(h.Pc4, h.HoldId)));
            recorded = await RecordedAsync(referralId);
            await Task.WhenAll(loose.Where(h => recorded.Contains(h.OfferId)).Select(h => holds.HoldAsync(h)));
            return true;
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogWarning("Could not give back {Count} holds of referral {Referral} now; the sweeper will: {Message}", made.Count, referralId, e.Message);
            return false;
        }
    }

    async Task<HashSet<string>> RecordedAsync(string referralId) =>
        (await store.GetAsync(referralId))?.Referral.Offers.Where(o => o.State == OfferState.Pending).Select(o => o.Id).ToHashSet() ?? [];
}
