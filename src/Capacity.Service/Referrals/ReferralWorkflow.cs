using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Status = Grpc.Core.Status;

namespace Capacity.Service.Referrals;

/// <summary>
/// What each party can do with a referral (what each lists is in <see cref="ReferralLists"/>). Every operation is the same shape: validate
/// (<see cref="ReferralValidation"/>) → read the referral as the caller may see it → decide the
/// step (<see cref="ReferralSteps"/>) → commit it (<see cref="ReferralCommitter"/>, or
/// <see cref="Offering"/> for offers, which hold places first) → move it on where a step may have
/// left it waiting (<see cref="ReferralAutomation"/>). Every step is safe to retry: request ids
/// return the first answer, and an attempt cut off half-way is finished by a retry or the sweeper.
/// </summary>
public sealed class ReferralWorkflow(
    ReferralStore store,
    ReferralCommitter committer,
    Offering offering,
    ReferralAutomation automation,
    ReferralSearch search,
    MatchingEngine matching,
    RegistryCache registry,
    IOptionsMonitor<ReferralOptions> options,
    IOptionsMonitor<MatchingOptions> matchingOptions,
    TimeProvider time)
{
    ReferralOptions Options => options.CurrentValue;

    // ---- requester ----

    public async Task<Referral> CreateAsync(CreateReferralRequest request)
    {
        var errors = new InputErrors();
        ReferralValidation.RequestId(request.RequestId, errors);
        ReferralValidation.Organisation(request.RequesterOrg, "requester_org", errors);
        ReferralValidation.PatientRef(request.PatientRef, errors);
        ReferralValidation.FreeText(request.CareSummary, "care_summary", ReferralValidation.MaxSummaryLength, multiLine: true, errors);
        if (request.MaxParallelOffers < 0 || request.MaxParallelOffers > Options.MaxParallelOffers)
            errors.Add("max_parallel_offers", Reasons.NumberRange, $"must be between 1 and {Options.MaxParallelOffers} (0 for {Options.DefaultParallelOffers})");
        MatchQuery? query = null;
        if (request.Search is null) errors.Add("search", Reasons.Required, "is required");
        else
        {
            var inner = new InputErrors();
            query = await matching.ValidateAsync(request.Search.ToSearch(inner), inner);
            errors.AddNested("search", inner);
        }
        errors.ThrowIfAny();

        var (id, retry) = await ClaimAsync(request);
        if (retry && await store.GetAsync(id) is { } existing)
        {
            // A retry: the first call may have stopped before its first offers or escalation.
            await automation.AdvanceAsync(id);
            return (await store.GetAsync(id))?.Referral ?? existing.Referral;
        }

        var search = request.Search!.Clone();
        search.PatientPostcode = query!.PatientArea.Code; // keep the PC4 only: a PC6 says more about a patient than matching needs
        search.RadiusKm = query.RadiusKm;
        var draft = new Referral
        {
            Id = id,
            RequesterOrg = request.RequesterOrg,
            PatientRef = request.PatientRef,
            Search = search,
            CareSummary = request.CareSummary,
            AutoCascade = request.AutoCascade,
            MaxParallelOffers = request.MaxParallelOffers == 0 ? Options.DefaultParallelOffers : request.MaxParallelOffers,
            MunicipalityCode = query.PatientArea.MunicipalityCode,
            Requester = ReferralViews.RequesterOf(registry.Current, request.RequesterOrg),
        };
        var now = time.GetUtcNow();
        var step = ReferralSteps.Create(draft, now, Options.Waiting);
        // Pending first, so that the first offers or the escalation happen even if this instance stops now.
        return await committer.PendingAsync(store.MarkPendingAsync(id, now + Options.StepGrace), async pending =>
        {
            if ((await committer.CommitAsync(null, step, pending)).Saved)
            {
                // Written late (this call stalled past the grace period), the patient may have been
                // claimed by another create meanwhile: that referral stands, this one is cancelled.
                if (!await store.ReclaimPatientAsync(request.RequesterOrg, request.PatientRef, id, time.GetUtcNow()))
                {
                    await committer.StepAsync(id, Viewer.Service, null, Referral.Parser, r => ReferralSteps.Cancel(r, time.GetUtcNow()), s => s.Referral);
                    throw AlreadyExists(request, null);
                }
                await automation.AdvanceAsync(id);
            }
            return (await store.GetAsync(id))!.Referral;
        });
    }

    /// <summary>
    /// Claims the request id and the patient. A patient with an active referral in the same
    /// organisation gets ALREADY_EXISTS naming it; a claim whose referral is over (placed,
    /// cancelled, closed, its follow-up not yet done) or was never written (its instance stopped)
    /// is given up and claimed anew. A retried request whose referral was never written claims the
    /// patient again, unless another referral has it by now.
    /// </summary>
    async Task<(string ReferralId, bool Retry)> ClaimAsync(CreateReferralRequest request)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow();
            var (claim, id, claimedAt) = await store.ClaimCreateAsync(request.RequesterOrg, request.RequestId, "ref_" + Guid.CreateVersion7().ToString("N"), request.PatientRef, now);
            if (claim == CreateClaim.Retry && await store.GetAsync(id) is null
                && !await store.ReclaimPatientAsync(request.RequesterOrg, request.PatientRef, id, now))
                throw AlreadyExists(request, null);
            if (claim != CreateClaim.PatientActive) return (id, claim == CreateClaim.Retry);
            var existing = (await store.GetAsync(id))?.Referral;
            var over = existing is null ? now - claimedAt > Options.StepGrace : ReferralSteps.IsFinal(existing.State);
            if (!over || attempt > 0) throw AlreadyExists(request, id);
            if (existing is null) await store.GiveUpClaimAsync(request.RequesterOrg, request.PatientRef, id, claimedAt); // exactly the claim judged stale
            else await store.ReleasePatientAsync(request.RequesterOrg, request.PatientRef, id);
        }
    }

    static RpcException AlreadyExists(CreateReferralRequest request, string? existingId) => existingId is null
        ? Reasons.Refuse(StatusCode.AlreadyExists, Reasons.PatientHasReferral, $"Patient {request.PatientRef} has an active referral created meanwhile; list the organisation's active referrals.")
        : new Google.Rpc.Status
    {
        Code = (int)Code.AlreadyExists,
        Message = $"Patient {request.PatientRef} already has an active referral, {existingId}: continue with that one, or cancel it first.",
        Details =
        {
            Any.Pack(Reasons.Info(Reasons.PatientHasReferral)),
            Any.Pack(new ResourceInfo
            {
                ResourceType = "capacity.v1.Referral", ResourceName = existingId, Owner = request.RequesterOrg,
                Description = "the active referral for this patient_ref",
            }),
        },
    }.ToRpcException();

    public async Task<OfferReferralResponse> OfferAsync(OfferReferralRequest request, Viewer viewer) =>
        await OfferAsync(request.RequestId, request.ReferralId, request.ProviderAgbs, ReferralSteps.Requester, viewer);

    public async Task<Referral> CancelAsync(CancelReferralRequest request, Viewer viewer)
    {
        ValidateStep(request.RequestId, request.ReferralId);
        return await committer.StepAsync(request.ReferralId, viewer, ReferralStore.RequestKey("cancel", ReferralSteps.Requester, request.RequestId),
            Referral.Parser, r => ReferralSteps.Cancel(r, time.GetUtcNow()), s => s.Referral);
    }

    public async Task<Referral> EscalateAsync(EscalateReferralRequest request, Viewer viewer)
    {
        ValidateStep(request.RequestId, request.ReferralId);
        var key = ReferralStore.RequestKey("escalate", ReferralSteps.Requester, request.RequestId);
        var loaded = await LoadAsync(request.ReferralId, viewer, key);
        if (loaded.EarlierAnswer is not null) return loaded.Stored!.Referral; // escalated then; as it is now
        FindProvidersResponse explanation;
        try
        {
            explanation = (await search.FindAsync(loaded.Stored!.Referral)).ToProto();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            explanation = new FindProvidersResponse(); // the requester can always hand it over, also when its search no longer holds
        }
        return await committer.StepAsync(request.ReferralId, viewer, key, Referral.Parser,
            r => ReferralSteps.Escalate(r, ReferralAutomation.AskedByRequester, explanation, time.GetUtcNow()), s => s.Referral);
    }

    public async Task<GetReferralResponse> GetAsync(string referralId, Viewer viewer)
    {
        var errors = new InputErrors();
        ReferralValidation.ReferralId(referralId, errors);
        errors.ThrowIfAny();
        var referral = (await LoadAsync(referralId, viewer)).Stored!.Referral;
        return new GetReferralResponse { Referral = referral, History = { await store.HistoryAsync(referralId) } };
    }

    // ---- provider ----

    public async Task<AnswerOfferResponse> AnswerAsync(AnswerOfferRequest request)
    {
        var errors = new InputErrors();
        ReferralValidation.RequestId(request.RequestId, errors);
        ReferralValidation.ReferralId(request.ReferralId, errors);
        if (request.OfferId.Length is 0 or > 64) errors.Add("offer_id", Reasons.Required, "is required");
        else if (FreeText.Problem(request.OfferId, multiLine: false) is { } chars) errors.Add("offer_id", chars); // echoed in answers
        ReferralValidation.Agb(request.ProviderAgb, "provider_agb", errors);
        if (!request.Accept) ReferralValidation.DeclineReason(request.DeclineReason, request.DeclineText, errors);
        errors.ThrowIfAny();

        var key = ReferralStore.RequestKey("answer", request.ProviderAgb, request.RequestId);
        var answer = await committer.StepAsync(request.ReferralId, Viewer.Service, key, AnswerOfferResponse.Parser, r =>
        {
            // Another provider's offer is answered as one that does not exist: offer ids can be worked
            // out, and "made to another provider" would tell who else was asked.
            var offer = r.Offers.FirstOrDefault(o => o.Id == request.OfferId && o.Provider.Agb == request.ProviderAgb)
                ?? throw Reasons.Refuse(StatusCode.NotFound, Reasons.OfferNotFound, $"Offer {request.OfferId} of referral {r.Id} was not made to you.");
            var now = time.GetUtcNow();
            if (!request.Accept)
                return ReferralSteps.EndOffer(r, request.OfferId, OfferState.Declined, now, Options.Waiting, request.DeclineReason, request.DeclineText);
            var snapshot = registry.Current;
            return ReferralSteps.Accept(r, request.OfferId, now, StartOf(r, request.StartDate),
                ReferralViews.RequesterOf(snapshot, r.RequesterOrg), snapshot.Providers.GetValueOrDefault(offer.Provider.Agb)?.Intake.ToProto());
        }, s => new AnswerOfferResponse { Referral = ReferralViews.AsSeenBy(s.Referral, request.ProviderAgb) },
        then: _ => request.Accept ? Task.CompletedTask : automation.AdvanceAsync(request.ReferralId));
        return answer;
    }

    /// <summary>The first visit: as the provider states it (checked again for urgent care), or the day asked for, or today if that has passed.</summary>
    DateOnly StartOf(Referral r, Google.Type.Date? stated)
    {
        var today = time.Today();
        var errors = new InputErrors();
        if (ReferralValidation.StartDate(stated, r.Search.Urgent, today, errors) is { } day) return day;
        errors.ThrowIfAny();
        var asked = r.Search.StartDate.ToDateOnly();
        return asked < today ? today : asked;
    }

    // ---- mediation desk ----

    public async Task<Referral> TakeAsync(TakeReferralRequest request, Viewer viewer)
    {
        var errors = new InputErrors();
        ReferralValidation.ReferralId(request.ReferralId, errors);
        ReferralValidation.Uzovi(request.InsurerUzovi, "insurer_uzovi", errors);
        if (request.TakenBy.Length > 64 || FreeText.IsBlank(request.TakenBy)) errors.Add("taken_by", request.TakenBy.Length > 64 ? Reasons.TextTooLong : Reasons.Required, "must be 1 to 64 characters");
        else ReferralValidation.FreeText(request.TakenBy, "taken_by", 64, multiLine: false, errors);
        if (request.RequestId.Length > 0) ReferralValidation.RequestId(request.RequestId, errors);
        errors.ThrowIfAny();
        return await committer.StepAsync(request.ReferralId, viewer, DeskRequestKey("take", request.InsurerUzovi, request.RequestId), Referral.Parser, r =>
        {
            RequireDesk(r, request.InsurerUzovi);
            return ReferralSteps.Take(r, request.TakenBy, time.GetUtcNow());
        }, s => s.Referral);
    }

    public async Task<FindProvidersResponse> SearchForDeskAsync(SearchForReferralRequest request, Viewer viewer)
    {
        var referral = await DeskReferralAsync(request.ReferralId, request.InsurerUzovi, request.RadiusKm, viewer);
        return (await search.FindAsync(referral, request.RadiusKm)).ToProto();
    }

    public async Task<FindLeadsResponse> FindLeadsAsync(FindLeadsRequest request, Viewer viewer)
    {
        var referral = await DeskReferralAsync(request.ReferralId, request.InsurerUzovi, request.RadiusKm, viewer);
        var query = await search.QueryAsync(referral, request.RadiusKm);
        var result = await matching.FindAsync(query, requireContract: false);
        return Leads.Rank(result, query, registry.Current).ToProto();
    }

    async Task<Referral> DeskReferralAsync(string referralId, string uzovi, double radiusKm, Viewer viewer)
    {
        var errors = new InputErrors();
        ReferralValidation.ReferralId(referralId, errors);
        ReferralValidation.Uzovi(uzovi, "insurer_uzovi", errors);
        ReferralValidation.RadiusKm(radiusKm, matchingOptions.CurrentValue.MaxRadiusKm, errors);
        errors.ThrowIfAny();
        var referral = (await LoadAsync(referralId, viewer)).Stored!.Referral;
        RequireDesk(referral, uzovi);
        return referral;
    }

    public async Task<OfferReferralResponse> OfferFromDeskAsync(OfferFromDeskRequest request, Viewer viewer) =>
        await OfferAsync(request.RequestId, request.ReferralId, request.ProviderAgbs, ReferralSteps.Desk, viewer, request.AllowUncontracted);

    public async Task<Referral> CloseAsync(CloseReferralRequest request, Viewer viewer)
    {
        var errors = new InputErrors();
        ReferralValidation.ReferralId(request.ReferralId, errors);
        ReferralValidation.Uzovi(request.InsurerUzovi, "insurer_uzovi", errors);
        if (request.Outcome == ClosureOutcome.Unspecified || !System.Enum.IsDefined(request.Outcome)) errors.Add("outcome", Reasons.Required, "is required");
        else if (request.Outcome == ClosureOutcome.Other && FreeText.IsBlank(request.Text)) errors.Add("text", Reasons.ExplanationRequired, "is required when the outcome is OTHER");
        ReferralValidation.FreeText(request.Text, "text", ReferralValidation.MaxSummaryLength, multiLine: true, errors);
        if (request.RequestId.Length > 0) ReferralValidation.RequestId(request.RequestId, errors);
        errors.ThrowIfAny();
        return await committer.StepAsync(request.ReferralId, viewer, DeskRequestKey("close", request.InsurerUzovi, request.RequestId), Referral.Parser, r =>
        {
            RequireDesk(r, request.InsurerUzovi);
            return ReferralSteps.Close(r, request.Outcome, request.Text, time.GetUtcNow());
        }, s => s.Referral);
    }

    // ---- shared ----

    async Task<OfferReferralResponse> OfferAsync(string requestId, string referralId, IReadOnlyCollection<string> agbs, string by, Viewer viewer, bool allowUncontracted = false)
    {
        var errors = new InputErrors();
        ReferralValidation.RequestId(requestId, errors);
        ReferralValidation.ReferralId(referralId, errors);
        ReferralValidation.Providers(agbs, errors, Options.MaxParallelOffers);
        errors.ThrowIfAny();
        return await offering.OfferAsync(referralId, viewer, agbs.Distinct().ToArray(), by, ReferralStore.RequestKey("offer", by, requestId), allowUncontracted);
    }

    /// <summary>The referral if <paramref name="viewer"/> may see it (else NOT_FOUND, as for an unknown id), with an earlier answer to the request.</summary>
    async Task<LoadedReferral> LoadAsync(string referralId, Viewer viewer, string? requestKey = null)
    {
        var loaded = await store.LoadAsync(referralId, requestKey);
        return loaded.Stored is { } s && viewer.CanSee(s.Referral) ? loaded : throw Viewer.NotFound(referralId);
    }

    static void ValidateStep(string requestId, string referralId)
    {
        var errors = new InputErrors();
        ReferralValidation.RequestId(requestId, errors);
        ReferralValidation.ReferralId(referralId, errors);
        errors.ThrowIfAny();
    }

    /// <summary>Taking and closing predate request ids: without one a retry is refused as a step already taken (FAILED_PRECONDITION).</summary>
    static string? DeskRequestKey(string step, string uzovi, string requestId) =>
        requestId.Length > 0 ? ReferralStore.RequestKey(step, uzovi, requestId) : null;

    static void RequireDesk(Referral r, string uzovi)
    {
        if (r.Search.InsurerUzovi != uzovi)
            throw Reasons.Refuse(StatusCode.PermissionDenied, Reasons.OtherDesk, "This referral belongs to another insurer's desk.");
    }
}
