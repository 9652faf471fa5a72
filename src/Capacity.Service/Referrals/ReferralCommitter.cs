using Capacity.Service.Redis;
using Capacity.Service.Capacity;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Referrals;

/// <summary>
/// The one way a step is taken: read the referral (with the answer to an earlier request with the
/// same id, and the step's pending entry, in the same round trip) → decide in pure C#
/// (<see cref="ReferralSteps"/>) → the conditioned write (<see cref="ReferralStore.SaveAsync"/>)
/// → what the step means elsewhere (<see cref="FollowUpAsync"/>). The pending entry is written
/// before the write, so that if this instance stops before the follow-up is done, the sweeper
/// finishes it on any instance; it is removed once the follow-up is done.
/// </summary>
public sealed class ReferralCommitter(
    ReferralStore store, ReferralIndexes indexes, UnmetDemandStore unmet, HoldStore holds, ReferralNotifier notifier,
    Insight.Placements.PlacementStore placements, Insight.Alerts.ReferralAlerts alerts,
    IOptionsMonitor<ReferralOptions> options, TimeProvider time)
{
    const int Attempts = 8;

    /// <summary>
    /// Takes one step on a referral the <paramref name="viewer"/> may see, retrying on a
    /// concurrent change (<paramref name="take"/> decides anew on each attempt, and may refuse by
    /// throwing). With a <paramref name="requestKey"/>, a retry of a request already answered
    /// changes nothing and answers with the referral as it is now (<paramref name="respond"/> on
    /// it): the step it took is in the referral, and an answer kept from then could contradict
    /// what happened since. <paramref name="then"/> runs after a written step
    /// (moving the referral on), still covered by the step's pending entry.
    /// </summary>
    public async Task<T> StepAsync<T>(string referralId, Viewer viewer, string? requestKey, MessageParser<T> parser,
        Func<Referral, Step> take, Func<Step, T> respond, Func<Step, Task>? then = null)
        where T : class, IMessage<T>
    {
        var mark = store.MarkPendingAsync(referralId, time.GetUtcNow() + options.CurrentValue.StepGrace);
        var loaded = await store.LoadAsync(referralId, requestKey);
        return await PendingAsync(mark, async pending =>
        {
            var stored = loaded.Stored is { } s && viewer.CanSee(s.Referral) ? s : throw Viewer.NotFound(referralId);
            if (loaded.EarlierAnswer is not null) return respond(new Step(stored.Referral, []));
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                Step step;
                try
                {
                    step = take(stored.Referral);
                }
                catch (RpcException) when (requestKey is not null)
                {
                    // A duplicate of this request in flight may have saved its step between this call's
                    // read of the answers and of the document (which then says "cancelled already"):
                    // if the request is answered now, this one answers as the referral is now.
                    var again = await store.LoadAsync(referralId, requestKey);
                    if (again.EarlierAnswer is null) throw;
                    return respond(new Step(again.Stored?.Referral ?? stored.Referral, []));
                }
                var response = respond(step);
                var saved = await CommitAsync(stored, step, pending, requestKey, response);
                if (saved.Saved)
                {
                    if (then is not null) await then(step);
                    return response;
                }
                if (saved.EarlierAnswer is not null) // a duplicate of this request got there first: as it is now
                    return respond(new Step((await store.GetAsync(referralId))?.Referral ?? throw Viewer.NotFound(referralId), []));
                stored = saved.Current ?? throw Viewer.NotFound(referralId);
            }
            throw Reasons.Refuse(StatusCode.Aborted, Reasons.ChangedMeanwhile, "The referral kept changing; try again.");
        });
    }

    /// <summary>
    /// Runs a step's work under its pending entry (<paramref name="mark"/>, started before the
    /// step's first read): the entry is in place before anything is written, and removed once the
    /// work is done or refused. When the work fails otherwise (Redis unreachable mid-way) the entry
    /// stays, and the sweeper finishes or undoes what was half done.
    /// </summary>
    public async Task<T> PendingAsync<T>(Task<PendingStep> mark, Func<PendingStep, Task<T>> work)
    {
        var pending = await mark;
        T result;
        try
        {
            result = await work(pending);
        }
        catch (RpcException)
        {
            store.ClearPending(pending, time.GetUtcNow() + options.CurrentValue.StepGrace);
            throw;
        }
        store.ClearPending(pending, time.GetUtcNow() + options.CurrentValue.StepGrace);
        return result;
    }

    /// <summary>
    /// Writes the step if the referral is still as <paramref name="before"/> (null: new) and the
    /// request not yet answered, then follows it up. <paramref name="onSaved"/> runs between the
    /// two. A call the sweeper has given up (its pending entry finished as if it had stopped: it
    /// ran longer than the grace period) may not write any more: ABORTED, try again.
    /// </summary>
    public async Task<SaveResult> CommitAsync(StoredReferral? before, Step step, PendingStep pending, string? requestKey = null, IMessage? response = null,
        Action? onSaved = null)
    {
        var saved = await store.SaveAsync(step.Referral, before?.Version ?? 0, step.Events, requestKey, response, pending.Token);
        if (saved.Fenced)
            throw Reasons.Refuse(StatusCode.Aborted, Reasons.ChangedMeanwhile, "This call took too long and was finished as if it had stopped; try again.");
        if (saved.Saved)
        {
            pending.Written = true;
            Telemetry.CapacityMetrics.StepSaved(step.Events);
            onSaved?.Invoke();
            await FollowUpAsync(before?.Referral, step);
            // Saved and followed up, but not yet on the replicas Redis:ReplicaAcks asks for: the caller
            // hears UNAVAILABLE (unknown outcome) and its retry gets this step's answer; the pending
            // entry stays, so the sweeper finishes what comes after the step.
            if (!saved.Replicated) throw new NotReplicatedException($"referral {step.Referral.Id}: step saved, not yet on enough replicas");
        }
        return saved;
    }

    /// <summary>
    /// What a step means outside the referral's own keys, derived from what changed: holds of
    /// ended offers consumed or released and recorded ones made due, the provider's open offers
    /// and placements, the organisation's lists, the patient's claim, the desk queue, unmet-demand
    /// counts, the waiting index — all at once — and then the parties told (after the indexes, so
    /// a party that reads on a push reads the new lists). Every action is idempotent. In
    /// <paramref name="replay"/> (finishing a step whose instance stopped) it asserts everything
    /// for the referral as it is now, and tells nobody; see <see cref="ReplayAsync"/>.
    /// </summary>
    public async Task FollowUpAsync(V1.Referral? before, Step step, bool replay = false)
    {
        var r = step.Referral;
        var work = new List<Task>();
        foreach (var offer in r.Offers)
        {
            if (!replay && before?.Offers.FirstOrDefault(o => o.Id == offer.Id)?.State == offer.State) continue;
            var hold = ReferralViews.HoldOf(r, offer);
            if (offer.State == V1.OfferState.Pending)
            {
                work.Add(indexes.AddOfferAsync(offer, r.Id));
                work.Add(holds.RecordAsync(hold));
                continue;
            }
            work.Add(EndHoldAsync(hold, accepted: offer.State == V1.OfferState.Accepted));
            work.Add(indexes.RemoveOfferAsync(offer, r.Id));
            if (offer.State == V1.OfferState.Accepted) work.Add(indexes.AddPlacementAsync(r));
        }

        var final = ReferralSteps.IsFinal(r.State);
        if (final && (replay || before is null || !ReferralSteps.IsFinal(before.State)))
        {
            work.Add(indexes.EndAsync(r));
            work.Add(store.ReleasePatientAsync(r.RequesterOrg, r.PatientRef, r.Id));
            if (r.Escalation is not null) work.Add(indexes.DequeueFromDeskAsync(r));
        }
        if (!final && (replay || before is null)) work.Add(indexes.AddActiveAsync(r));
        var unmetDemandCounted = !final && r.Escalation is not null && (replay || before?.Escalation is null);
        if (unmetDemandCounted)
        {
            work.Add(indexes.EnqueueForDeskAsync(r));
            work.Add(unmet.CountAsync(r));
        }
        work.Add(placements.ProjectAsync(r)); // the referral as it is now, for analytics: idempotent, a newer version wins
        if (r.Waiting is not null) work.Add(indexes.WaitAsync(r));
        else if (replay || before?.Waiting is not null) work.Add(indexes.StopWaitingAsync(r.Id));
        work.Add(alerts.FollowUpAsync(before, r, replay));
        await Task.WhenAll(work);

        if (!replay) await notifier.PublishAsync(step, unmetDemandCounted);
        else if (unmetDemandCounted) await notifier.UnmetDemandChangedAsync(r.MunicipalityCode); // carries no referral data: safe to repeat
    }

    /// <summary>
    /// Re-asserts every follow-up of a referral as it is now (a step whose instance stopped).
    /// Should another step change the referral meanwhile, its own follow-up may have undone what
    /// this one asserted from the older state (an offer index removed, then re-added here): assert
    /// again from the newer state, until the referral stands still.
    /// </summary>
    public async Task<V1.Referral?> ReplayAsync(string referralId)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            if (await store.GetAsync(referralId) is not { } stored) return null;
            await FollowUpAsync(null, new Step(stored.Referral, []), replay: true);
            if ((await store.GetAsync(referralId))?.Version == stored.Version) return stored.Referral;
        }
        throw Reasons.Refuse(StatusCode.Aborted, Reasons.ChangedMeanwhile, $"Referral {referralId} kept changing while its follow-up was finished.");
    }

    // The hold leaves the due index only once it has ended, so a failure in between leaves it for the sweeper.
    async Task EndHoldAsync(Hold hold, bool accepted)
    {
        if (accepted) await holds.ConsumeAsync(hold.Pc4, hold.HoldId);
        else await holds.ReleaseAsync(hold.Pc4, hold.HoldId);
        await holds.ForgetAsync(hold);
    }
}
