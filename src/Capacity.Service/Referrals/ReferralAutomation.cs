using Capacity.Service.Capacity;
using Capacity.Service.Matching;
using Capacity.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Referrals;

/// <summary>
/// The steps nobody clicks: moving a referral on after an answer (cascade to the next candidate,
/// or escalation when nobody is left), ending offers at their deadline, reminding a requester who
/// has not chosen and handing the referral to the desk after the second window, and finishing
/// steps an instance left half-way. Run by the workflow after a step and by the sweeper on every
/// instance; each is a conditioned step, so running one twice at once lets one through.
/// </summary>
public sealed class ReferralAutomation(
    ReferralStore store,
    ReferralIndexes indexes,
    ReferralCommitter committer,
    Offering offering,
    ReferralSearch search,
    HoldStore holds,
    IOptionsMonitor<ReferralOptions> options,
    TimeProvider time,
    ILogger<ReferralAutomation> logger)
{
    public const string NoCandidates = "no provider can take the patient", NoneUntried = "no untried candidate left",
        PlacesGone = "no candidate had a free place left", NotChosen = "no provider chosen in time", AskedByRequester = "asked by the requester",
        SearchInvalid = "the referral's search no longer holds";

    /// <summary>
    /// Moves a referral on after a step that may have left it waiting. With auto-cascade: tops the
    /// open offers up to the allowed number from the next untried candidates. Then, with no offer
    /// open and no untried candidate left, it goes to the insurer's desk (DOMAIN rule 6: when
    /// nobody qualifies — one "no" is not nobody). Otherwise a referral without auto-cascade waits
    /// for its requester's next choice. Does nothing for a referral the desk works on or that is final.
    /// </summary>
    public async Task AdvanceAsync(string referralId)
    {
        if (await store.GetAsync(referralId) is not { } stored) return;
        var r = stored.Referral;
        if (r.Escalation is not null || r.State is not (ReferralState.Open or ReferralState.Offered)) return;
        var open = ReferralSteps.Pending(r).Count();
        if (open > 0 && (!r.AutoCascade || open >= r.MaxParallelOffers)) return; // waiting for answers

        MatchResult result;
        try
        {
            result = await search.FindAsync(r);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            logger.LogInformation("Search of {Referral} no longer holds: {Reason}", referralId, e.Status.Detail);
            if (open == 0) await EscalateAsync(referralId, SearchInvalid, new FindProvidersResponse());
            return;
        }
        var tried = r.Offers.Select(o => o.Provider.Agb).ToHashSet();
        var untried = result.Candidates.Where(c => !tried.Contains(c.Provider.Agb)).Select(c => c.Provider.Agb).ToArray();

        if (r.AutoCascade && untried.Length > 0)
        {
            // Batch after batch while the places of a batch went to others meanwhile; twins cascading
            // the same version make the same batches with the same request keys, and meet.
            for (var (batch, next) = (0, 0); next < untried.Length; batch++)
            {
                var agbs = untried.Skip(next).Take(r.MaxParallelOffers - open).ToArray();
                next += agbs.Length;
                OfferReferralResponse offered;
                try
                {
                    offered = await offering.OfferAsync(referralId, Viewer.Service, agbs, ReferralSteps.Requester,
                        ReferralStore.RequestKey("cascade", "service", $"v{r.Version}:{batch}"));
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.Aborted)
                {
                    logger.LogInformation("Cascade of {Referral} not needed any more: {Reason}", referralId, e.Status.Detail);
                    return;
                }
                if (offered.Referral.State != ReferralState.Open) return;
            }
            // Every untried candidate's last place went to someone else in the meantime: nobody is left to ask.
            await EscalateAsync(referralId, PlacesGone, result.ToProto());
            return;
        }
        if (open == 0 && untried.Length == 0) await EscalateAsync(referralId, r.Offers.Count > 0 ? NoneUntried : NoCandidates, result.ToProto());
    }

    /// <summary>
    /// A referral waiting for its requester whose reminder or escalation is due: reminds the
    /// requester first; after the second window hands it to the desk. Drops the index entry of a
    /// referral that no longer waits.
    /// </summary>
    public async Task WaitedAsync(string referralId)
    {
        var r = (await store.GetAsync(referralId))?.Referral;
        if (r?.Waiting is not { } waiting || r.State != ReferralState.Open || r.Escalation is not null)
        {
            await indexes.StopWaitingAsync(referralId);
            return;
        }
        var now = time.GetUtcNow();
        if (now >= waiting.EscalateAt.ToDateTimeOffset())
        {
            FindProvidersResponse explanation;
            try
            {
                explanation = (await search.FindAsync(r)).ToProto();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                explanation = new FindProvidersResponse();
            }
            await EscalateAsync(referralId, NotChosen, explanation);
        }
        else if (now >= waiting.AlertAt.ToDateTimeOffset() && !waiting.Alerted)
        {
            await TryStepAsync(referralId, current => ReferralSteps.Remind(current, time.GetUtcNow()));
        }
        else
        {
            await indexes.WaitAsync(r); // not due yet (the clock of another instance ran ahead): put it back at its time
        }
    }

    /// <summary>
    /// Ends a hold whose deadline passed. The offer decides: if it was accepted (possibly a moment
    /// ago, by a racing accept), the place is consumed; if it is still open, it expires and the
    /// place is released; if it ended otherwise the place is released; if it was never recorded,
    /// the place is given back. The offer is read again after the expiry step, so a racing accept
    /// is never mistaken for an expiry. If the offer's fate cannot be settled now, the hold stays
    /// due for the next sweep.
    /// </summary>
    public async Task ExpireAsync(DueHold due)
    {
        Offer? OfferIn(StoredReferral? s) => s?.Referral.Offers.FirstOrDefault(o => o.Id == due.OfferId);
        var offer = OfferIn(await store.GetAsync(due.ReferralId));
        if (offer?.State == OfferState.Pending)
        {
            // Moving the referral on is part of the expiry step, under its pending entry.
            await TryStepAsync(due.ReferralId, r => ReferralSteps.EndOffer(r, due.OfferId, OfferState.Expired, time.GetUtcNow(), options.CurrentValue.Waiting),
                _ => AdvanceAsync(due.ReferralId));
            offer = OfferIn(await store.GetAsync(due.ReferralId));
        }
        switch (offer?.State)
        {
            case OfferState.Pending:
                return; // not settled: try again at the next sweep
            case OfferState.Accepted:
                await holds.ConsumeAsync(due.Pc4, due.HoldId);
                break;
            default: // ended otherwise (the expiry's own follow-up released it already), or no such offer any more
                await holds.ReleaseAsync(due.Pc4, due.HoldId);
                break;
        }
        await holds.ForgetAsync(due);
    }

    /// <summary>
    /// Finishes a step left half-way by a call that stopped (or ran longer than the grace period):
    /// first fences the call, so it can no longer write a step of the referral; then re-applies
    /// everything a step's follow-up guarantees (idempotently, from the referral as it is now),
    /// lets go of the places an offer step held for offers it never recorded, and moves the
    /// referral on. True when the entry should be looked at once more later: an offer step only
    /// slow, not stopped, may still hold a place after this (its write would be refused, but if it
    /// then failed it could not let go itself).
    /// </summary>
    public async Task<bool> RecoverAsync(string pendingMember)
    {
        var (referralId, token, agbs) = ReferralStore.ParsePending(pendingMember);
        var firstTime = await store.FenceAsync(referralId, token);
        if (await committer.ReplayAsync(referralId) is not { } r) return false;
        if (agbs.Count > 0) await offering.LetGoAsync(r, token, agbs);
        await AdvanceAsync(referralId);
        return firstTime && agbs.Count > 0;
    }

    public Task EscalateAsync(string referralId, string reason, FindProvidersResponse explanation) =>
        TryStepAsync(referralId, current => ReferralSteps.Escalate(current, reason, explanation, time.GetUtcNow()));

    /// <summary>For automatic steps: the referral after the step, or null when it moved on and the step no longer applies.</summary>
    async Task<Referral?> TryStepAsync(string referralId, Func<Referral, Step> take, Func<Step, Task>? then = null)
    {
        try
        {
            return await committer.StepAsync(referralId, Viewer.Service, null, Referral.Parser, take, s => s.Referral, then);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound or StatusCode.Aborted)
        {
            logger.LogInformation("Automatic step on {Referral} skipped: {Reason}", referralId, e.Status.Detail);
            return null;
        }
    }
}
