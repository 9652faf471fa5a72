using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Capacity.Service.Capacity;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Referrals;

/// <summary>
/// Carries referrals through their lifecycle: validates, takes each step as a conditioned write
/// (<see cref="ReferralStore"/>), and then applies what the step means elsewhere — holds
/// consumed or released, indexes updated, parties told. Every step is safe to retry (request ids,
/// deterministic offer ids, idempotent hold scripts), and every follow-up that must happen even
/// if this instance stops (expiry, cascade, escalation) is also found by the sweeper
/// (<see cref="ReferralSweeper"/>) on any instance.
/// </summary>
public sealed partial class ReferralWorkflow(
    ReferralStore store,
    HoldStore holds,
    MatchingEngine matching,
    RegistryCache registry,
    ReferralNotifier notifier,
    IOptionsMonitor<ReferralOptions> options,
    TimeProvider time,
    ILogger<ReferralWorkflow> logger)
{
    public const int MaxSummaryLength = 1000, MaxDeclineTextLength = 500;
    const int Attempts = 8;

    ReferralOptions Options => options.CurrentValue;

    // ---- requester ----

    public async Task<Referral> CreateAsync(CreateReferralRequest request)
    {
        var errors = new InputErrors();
        ValidateRequestId(request.RequestId, errors);
        ValidateOrganisation(request.RequesterOrg, "requester_org", errors);
        if (request.PatientRef.Length is 0 or > 64) errors.Add("patient_ref", "must be 1 to 64 characters: your own pseudonymous reference");
        else if (PatientData.ContainsBsn(request.PatientRef)) errors.Add("patient_ref", "looks like a citizen service number (BSN); use a pseudonymous reference of your own");
        ValidateFreeText(request.CareSummary, "care_summary", MaxSummaryLength, errors);
        if (request.MaxParallelOffers < 0 || request.MaxParallelOffers > Options.MaxParallelOffers)
            errors.Add("max_parallel_offers", $"must be between 1 and {Options.MaxParallelOffers} (0 for {Options.DefaultParallelOffers})");
        MatchQuery? query = null;
        if (request.Search is null) errors.Add("search", "is required");
        else
        {
            var inner = new InputErrors();
            query = await matching.ValidateAsync(request.Search.ToSearch(inner), inner);
            errors.AddNested("search", inner);
        }
        errors.ThrowIfAny();

        var id = await store.ClaimCreateAsync(request.RequesterOrg, request.RequestId, "ref_" + Guid.CreateVersion7().ToString("N"));
        if (await store.GetAsync(id) is { } existing) return existing.Referral; // a retry

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
        };
        var now = time.GetUtcNow();
        var step = ReferralSteps.Create(draft, now);
        var pending = await store.MarkPendingAsync(id, now + Options.StepGrace); // so the first offers or the escalation happen even if we stop now
        if (await store.SaveAsync(step.Referral, 0, step.Events))
        {
            await AfterAsync(null, step);
            await AdvanceAsync(id);
        }
        await store.ClearPendingAsync(pending);
        return (await store.GetAsync(id))!.Referral;
    }

    public Task<OfferReferralResponse> OfferAsync(OfferReferralRequest request) =>
        OfferAsync(request.RequestId, request.ReferralId, request.ProviderAgbs, ReferralSteps.Requester);

    public async Task<Referral> CancelAsync(CancelReferralRequest request)
    {
        var errors = new InputErrors();
        ValidateRequestId(request.RequestId, errors);
        ValidateReferralId(request.ReferralId, errors);
        errors.ThrowIfAny();
        var key = ReferralStore.RequestKey("cancel", ReferralSteps.Requester, request.RequestId);
        if (await store.GetResponseAsync(request.ReferralId, key, Referral.Parser) is { } earlier) return earlier;
        return await StepAsync(request.ReferralId, r => ReferralSteps.Cancel(r, time.GetUtcNow()), key, s => s.Referral);
    }

    public async Task<Referral> EscalateAsync(EscalateReferralRequest request)
    {
        var errors = new InputErrors();
        ValidateRequestId(request.RequestId, errors);
        ValidateReferralId(request.ReferralId, errors);
        errors.ThrowIfAny();
        var key = ReferralStore.RequestKey("escalate", ReferralSteps.Requester, request.RequestId);
        if (await store.GetResponseAsync(request.ReferralId, key, Referral.Parser) is { } earlier) return earlier;
        var explanation = (await SearchAsync((await LoadAsync(request.ReferralId)).Referral)).ToProto();
        return await StepAsync(request.ReferralId, r => ReferralSteps.Escalate(r, "asked by the requester", explanation, time.GetUtcNow()), key, s => s.Referral);
    }

    public async Task<GetReferralResponse> GetAsync(string referralId)
    {
        var errors = new InputErrors();
        ValidateReferralId(referralId, errors);
        errors.ThrowIfAny();
        var referral = await LoadAsync(referralId);
        return new GetReferralResponse { Referral = referral.Referral, History = { await store.HistoryAsync(referralId) } };
    }

    public async Task<IReadOnlyList<Referral>> ListOpenAsync(string org)
    {
        var errors = new InputErrors();
        ValidateOrganisation(org, "requester_org", errors);
        errors.ThrowIfAny();
        return (await store.GetManyAsync(await store.OpenReferralIdsAsync(org))).Where(r => !ReferralSteps.IsFinal(r.State)).ToArray();
    }

    // ---- provider ----

    public async Task<AnswerOfferResponse> AnswerAsync(AnswerOfferRequest request)
    {
        var errors = new InputErrors();
        ValidateRequestId(request.RequestId, errors);
        ValidateReferralId(request.ReferralId, errors);
        if (request.OfferId.Length is 0 or > 64) errors.Add("offer_id", "is required");
        if (!Codes.IsAgb(request.ProviderAgb)) errors.Add("provider_agb", "must be an AGB code of 8 digits");
        if (!request.Accept)
        {
            if (request.DeclineReason == DeclineReason.Unspecified || !System.Enum.IsDefined(request.DeclineReason))
                errors.Add("decline_reason", "must be NO_STAFF, OUTSIDE_AREA, CARE_TOO_COMPLEX or OTHER");
            else if (request.DeclineReason == DeclineReason.Other && string.IsNullOrWhiteSpace(request.DeclineText))
                errors.Add("decline_text", "is required when the reason is OTHER");
            ValidateFreeText(request.DeclineText, "decline_text", MaxDeclineTextLength, errors);
        }
        errors.ThrowIfAny();
        var key = ReferralStore.RequestKey("answer", request.ProviderAgb, request.RequestId);
        if (await store.GetResponseAsync(request.ReferralId, key, AnswerOfferResponse.Parser) is { } earlier) return earlier;

        var response = await StepAsync(request.ReferralId, r =>
        {
            var offer = r.Offers.FirstOrDefault(o => o.Id == request.OfferId)
                ?? throw new RpcException(new Status(StatusCode.NotFound, $"Offer {request.OfferId} is not part of referral {r.Id}."));
            if (offer.Provider.Agb != request.ProviderAgb)
                throw new RpcException(new Status(StatusCode.PermissionDenied, "This offer was made to another provider."));
            return request.Accept
                ? ReferralSteps.Accept(r, request.OfferId, time.GetUtcNow())
                : ReferralSteps.EndOffer(r, request.OfferId, OfferState.Declined, time.GetUtcNow(), request.DeclineReason, request.DeclineText);
        }, key, s => new AnswerOfferResponse { Referral = s.Referral });

        if (!request.Accept) await AdvanceAsync(request.ReferralId);
        return response;
    }

    public async Task<IReadOnlyList<OfferView>> OpenOffersAsync(string agb)
    {
        if (!Codes.IsAgb(agb)) throw InputErrors.Single("provider_agb", "must be an AGB code of 8 digits");
        var keys = await store.OpenOffersAsync(agb);
        var referrals = (await store.GetManyAsync(keys.Select(k => k.ReferralId).Distinct())).ToDictionary(r => r.Id);
        return keys
            .Select(k => referrals.TryGetValue(k.ReferralId, out var r) ? ViewOf(r, k.OfferId) : null)
            .OfType<OfferView>()
            .Where(v => v.Offer.State == OfferState.Pending)
            .OrderBy(v => v.Offer.Deadline.ToDateTimeOffset())
            .ToArray();
    }

    public static OfferView? ViewOf(Referral r, string offerId) =>
        r.Offers.FirstOrDefault(o => o.Id == offerId) is { } offer
            ? new OfferView { ReferralId = r.Id, Offer = offer, RequesterOrg = r.RequesterOrg, PatientRef = r.PatientRef, Search = r.Search, CareSummary = r.CareSummary }
            : null;

    // ---- mediation desk ----

    public async Task<IReadOnlyList<Referral>> DeskQueueAsync(string uzovi)
    {
        if (!Codes.IsUzovi(uzovi)) throw InputErrors.Single("insurer_uzovi", "must be a UZOVI code of 4 digits");
        return (await store.GetManyAsync(await store.DeskQueueAsync(uzovi))).Where(r => !ReferralSteps.IsFinal(r.State)).ToArray();
    }

    public async Task<Referral> TakeAsync(TakeReferralRequest request)
    {
        var errors = new InputErrors();
        ValidateReferralId(request.ReferralId, errors);
        if (!Codes.IsUzovi(request.InsurerUzovi)) errors.Add("insurer_uzovi", "must be a UZOVI code of 4 digits");
        if (request.TakenBy.Length is 0 or > 64) errors.Add("taken_by", "must be 1 to 64 characters");
        else ValidateFreeText(request.TakenBy, "taken_by", 64, errors);
        errors.ThrowIfAny();
        return await StepAsync(request.ReferralId, r =>
        {
            RequireDesk(r, request.InsurerUzovi);
            return ReferralSteps.Take(r, request.TakenBy, time.GetUtcNow());
        }, null, s => s.Referral);
    }

    public async Task<FindProvidersResponse> SearchForDeskAsync(SearchForReferralRequest request)
    {
        var errors = new InputErrors();
        ValidateReferralId(request.ReferralId, errors);
        if (!Codes.IsUzovi(request.InsurerUzovi)) errors.Add("insurer_uzovi", "must be a UZOVI code of 4 digits");
        errors.ThrowIfAny();
        var referral = (await LoadAsync(request.ReferralId)).Referral;
        RequireDesk(referral, request.InsurerUzovi);
        return (await SearchAsync(referral, request.RadiusKm)).ToProto();
    }

    public Task<OfferReferralResponse> OfferFromDeskAsync(OfferFromDeskRequest request) =>
        OfferAsync(request.RequestId, request.ReferralId, request.ProviderAgbs, ReferralSteps.Desk, request.AllowUncontracted, request.RadiusKm);

    public async Task<Referral> CloseAsync(CloseReferralRequest request)
    {
        var errors = new InputErrors();
        ValidateReferralId(request.ReferralId, errors);
        if (!Codes.IsUzovi(request.InsurerUzovi)) errors.Add("insurer_uzovi", "must be a UZOVI code of 4 digits");
        if (request.Outcome == ClosureOutcome.Unspecified || !System.Enum.IsDefined(request.Outcome)) errors.Add("outcome", "is required");
        else if (request.Outcome == ClosureOutcome.Other && string.IsNullOrWhiteSpace(request.Text)) errors.Add("text", "is required when the outcome is OTHER");
        ValidateFreeText(request.Text, "text", MaxSummaryLength, errors);
        errors.ThrowIfAny();
        return await StepAsync(request.ReferralId, r =>
        {
            RequireDesk(r, request.InsurerUzovi);
            return ReferralSteps.Close(r, request.Outcome, request.Text, time.GetUtcNow());
        }, null, s => s.Referral);
    }

    // ---- automatic steps: cascade, escalation, expiry ----

    /// <summary>
    /// Moves a referral on after a step that may have left it waiting: with auto-cascade, tops the
    /// open offers up to the allowed number from the next untried candidates; when no offer is
    /// open and nobody (more) can be asked, escalates to the insurer's desk — also when, without
    /// auto-cascade, every offer made was declined or expired (DOMAIN rule 6). Does nothing for a
    /// referral the desk works on or that is final. Safe to run twice at once: both compute the
    /// same offer ids from the same version, and the conditioned write lets one through.
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
            result = await SearchAsync(r);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            if (open == 0) await TryStepAsync(referralId, current => ReferralSteps.Escalate(current, e.Status.Detail, new FindProvidersResponse(), time.GetUtcNow()));
            return;
        }
        var tried = r.Offers.Select(o => o.Provider.Agb).ToHashSet();
        var untried = result.Candidates.Where(c => !tried.Contains(c.Provider.Agb)).Select(c => c.Provider.Agb).ToArray();

        if (r.AutoCascade && untried.Length > 0)
        {
            OfferReferralResponse offered;
            try
            {
                offered = await OfferCoreAsync(referralId, untried.Take(r.MaxParallelOffers - open).ToArray(), ReferralSteps.Requester,
                    ReferralStore.RequestKey("cascade", "service", $"v{r.Version}"));
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.Aborted)
            {
                logger.LogInformation("Cascade of {Referral} not needed any more: {Reason}", referralId, e.Status.Detail);
                return;
            }
            // Every candidate's last place went to someone else in the meantime: nobody is left to ask.
            if (offered.Referral.State == ReferralState.Open)
                await TryStepAsync(referralId, current => ReferralSteps.Escalate(current, "no candidate had a free place left", result.ToProto(), time.GetUtcNow()));
            return;
        }
        if (open > 0) return;
        if (r.Offers.Count > 0)
            await TryStepAsync(referralId, current => ReferralSteps.Escalate(current, "every offer was declined or expired", result.ToProto(), time.GetUtcNow()));
        else if (untried.Length == 0)
            await TryStepAsync(referralId, current => ReferralSteps.Escalate(current, "no provider can take the patient", result.ToProto(), time.GetUtcNow()));
        // else: a new referral with candidates and no auto-cascade waits for the coordinator's offers.
    }

    /// <summary>
    /// Ends a hold whose deadline passed. The offer decides: if it was accepted (possibly a moment
    /// ago, by a racing accept), the place is consumed; if it is still open, it expires and the
    /// place is released; if it ended otherwise, or was never recorded, the place is released.
    /// The offer is read again after the expiry step, so a racing accept is never mistaken for
    /// an expiry. If the offer's fate cannot be settled now, the hold stays due for the next sweep.
    /// </summary>
    public async Task ExpireAsync(DueHold due)
    {
        Offer? OfferIn(StoredReferral? s) => s?.Referral.Offers.FirstOrDefault(o => o.Id == due.OfferId);
        var offer = OfferIn(await store.GetAsync(due.ReferralId));
        var expired = false;
        if (offer?.State == OfferState.Pending)
        {
            var pending = await store.MarkPendingAsync(due.ReferralId, time.GetUtcNow() + Options.StepGrace);
            expired = await TryStepAsync(due.ReferralId, r => ReferralSteps.EndOffer(r, due.OfferId, OfferState.Expired, time.GetUtcNow())) is not null;
            offer = OfferIn(await store.GetAsync(due.ReferralId));
            if (expired) await AdvanceAsync(due.ReferralId);
            await store.ClearPendingAsync(pending);
        }
        switch (offer?.State)
        {
            case OfferState.Pending:
                return; // not settled: try again at the next sweep
            case OfferState.Accepted:
                await holds.ConsumeAsync(due.Pc4, due.HoldId);
                break;
            default:
                await holds.ReleaseAsync(due.Pc4, due.HoldId);
                break;
        }
        await holds.ForgetAsync(due);
    }

    /// <summary>
    /// Finishes a step left half-way by an instance that stopped: re-applies everything a step's
    /// follow-up guarantees (idempotently, from the referral as it is now), then moves it on.
    /// </summary>
    public async Task RecoverAsync(string referralId)
    {
        if (await store.GetAsync(referralId) is not { } stored) return;
        await AfterAsync(null, new Step(stored.Referral, []), replay: true);
        await AdvanceAsync(referralId);
    }

    // ---- the machinery ----

    async Task<OfferReferralResponse> OfferAsync(string requestId, string referralId, IReadOnlyCollection<string> agbs, string by,
        bool allowUncontracted = false, double radiusKm = 0)
    {
        var errors = new InputErrors();
        ValidateRequestId(requestId, errors);
        ValidateReferralId(referralId, errors);
        ValidateProviders(agbs, errors);
        errors.ThrowIfAny();
        var key = ReferralStore.RequestKey("offer", by, requestId);
        return await store.GetResponseAsync(referralId, key, OfferReferralResponse.Parser)
            ?? await OfferCoreAsync(referralId, agbs.Distinct().ToArray(), by, key, allowUncontracted, radiusKm);
    }

    async Task<OfferReferralResponse> OfferCoreAsync(string referralId, IReadOnlyList<string> agbs, string by, string requestKey,
        bool allowUncontracted = false, double radiusKm = 0)
    {
        // Holds this call made itself (not ones it found held by a retry or a racing twin).
        var madeHolds = new List<Hold>();
        try
        {
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var stored = await LoadAsync(referralId);
                var r = stored.Referral;
                ReferralSteps.AddOffers(r, [], by, time.GetUtcNow()); // refuses early (before any hold) in a state that takes no offers

                var open = ReferralSteps.Pending(r).ToArray();
                var fresh = agbs.Where(agb => !r.Offers.Any(o => o.Id == OfferId(r.Id, requestKey, agb))).ToArray();
                if (open.Length + fresh.Length > r.MaxParallelOffers)
                    throw new RpcException(new Status(StatusCode.FailedPrecondition,
                        $"At most {r.MaxParallelOffers} offers may be open at once; {open.Length} are open."));

                var result = await SearchAsync(r, radiusKm, requireContract: !allowUncontracted);
                var insurer = registry.Current.Insurers.GetValueOrDefault(r.Search.InsurerUzovi)?.Name ?? r.Search.InsurerUzovi;
                var now = time.GetUtcNow();
                var deadline = now + (r.Search.Urgent ? Options.UrgentOfferDeadline : Options.OfferDeadline);
                var rejected = new List<RejectedOffer>();
                var offers = new List<Offer>();
                foreach (var agb in fresh)
                {
                    if (open.Any(o => o.Provider.Agb == agb))
                    {
                        rejected.Add(new RejectedOffer { ProviderAgb = agb, Reason = "an offer to this provider is open already" });
                        continue;
                    }
                    var candidate = result.Candidates.FirstOrDefault(c => c.Provider.Agb == agb);
                    if (candidate is null)
                    {
                        var why = result.Exclusions.FirstOrDefault(e => e.Provider.Agb == agb) is { } ex ? $"not a candidate: {ex.Detail}" : "not a provider in reach of the patient";
                        rejected.Add(new RejectedOffer { ProviderAgb = agb, Reason = why });
                        continue;
                    }
                    var offer = new Offer
                    {
                        Id = OfferId(r.Id, requestKey, agb),
                        Provider = new ProviderSummary { Agb = agb, Name = candidate.Provider.Name, BasePc4 = candidate.Provider.BasePc4 },
                        Pc4 = r.Search.PatientPostcode,
                        CareType = r.Search.CareType,
                        State = OfferState.Pending,
                        OfferedAt = Timestamp.FromDateTimeOffset(now),
                        Deadline = Timestamp.FromDateTimeOffset(deadline),
                        OfferedBy = by,
                        Uncontracted = candidate.ContractType == ContractType.Unspecified,
                    };
                    if (offer.Uncontracted) offer.Warning = $"Not contracted by {insurer}: the patient may have to pay part of the care.";
                    var hold = HoldOf(r, offer);
                    switch (await holds.HoldAsync(hold))
                    {
                        case HoldOutcome.Held:
                            madeHolds.Add(hold);
                            offers.Add(offer);
                            break;
                        case HoldOutcome.AlreadyHeld:
                            offers.Add(offer);
                            break;
                        default:
                            rejected.Add(new RejectedOffer { ProviderAgb = agb, Reason = "no free place left: taken or held for another referral" });
                            break;
                    }
                }

                if (offers.Count == 0)
                {
                    var unchanged = new OfferReferralResponse { Referral = r, Rejected = { rejected } };
                    await store.SaveResponseAsync(r.Id, requestKey, unchanged);
                    return (await store.GetResponseAsync(r.Id, requestKey, OfferReferralResponse.Parser))!; // the first answer, if a twin was faster
                }
                var step = ReferralSteps.AddOffers(r, offers, by, now);
                var response = new OfferReferralResponse { Referral = step.Referral, Rejected = { rejected } };
                var pending = await store.MarkPendingAsync(r.Id, now + Options.StepGrace);
                if (await store.SaveAsync(step.Referral, stored.Version, step.Events, requestKey, response))
                {
                    // Holds of the offers just recorded are theirs now; the cleanup below need not read the referral again for them.
                    madeHolds.RemoveAll(h => step.Referral.Offers.Any(o => o.Id == h.OfferId));
                    await AfterAsync(r, step);
                    await store.ClearPendingAsync(pending);
                    return response;
                }
                await store.ClearPendingAsync(pending);
            }
            throw new RpcException(new Status(StatusCode.Aborted, "The referral kept changing while offering; try again."));
        }
        finally
        {
            // Holds this call made for offers that are not recorded (another attempt or a twin
            // recorded different ones, or the referral moved on): give their places back now
            // rather than at their deadline. Holds of recorded offers are left alone.
            if (madeHolds.Count > 0)
            {
                var recorded = (await store.GetAsync(referralId))?.Referral.Offers.Select(o => o.Id).ToHashSet() ?? [];
                foreach (var hold in madeHolds.Where(h => !recorded.Contains(h.OfferId)))
                {
                    await holds.ReleaseAsync(hold.Pc4, hold.HoldId);
                    await holds.ForgetAsync(hold);
                }
            }
        }
    }

    /// <summary>Takes one step with retries on a concurrent change; the step function decides anew on each attempt.</summary>
    async Task<T> StepAsync<T>(string referralId, Func<Referral, Step> take, string? requestKey, Func<Step, T> respond) where T : Google.Protobuf.IMessage
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var stored = await LoadAsync(referralId);
            var step = take(stored.Referral);
            var response = respond(step);
            // Should this instance stop between the step and its follow-up, the sweeper finishes it.
            var pending = await store.MarkPendingAsync(referralId, time.GetUtcNow() + Options.StepGrace);
            var saved = await store.SaveAsync(step.Referral, stored.Version, step.Events, requestKey, requestKey is null ? null : response);
            if (saved) await AfterAsync(stored.Referral, step);
            await store.ClearPendingAsync(pending);
            if (saved) return response;
        }
        throw new RpcException(new Status(StatusCode.Aborted, "The referral kept changing; try again."));
    }

    /// <summary>For automatic steps: the referral after the step, or null when it moved on and the step no longer applies.</summary>
    async Task<Referral?> TryStepAsync(string referralId, Func<Referral, Step> take)
    {
        try
        {
            return await StepAsync(referralId, take, null, s => s.Referral);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound or StatusCode.Aborted)
        {
            logger.LogInformation("Automatic step on {Referral} skipped: {Reason}", referralId, e.Status.Detail);
            return null;
        }
    }

    /// <summary>
    /// What a step means outside the referral's own keys: holds of ended offers consumed or
    /// released, the provider and desk indexes, the organisation's open list, unmet-demand
    /// counts, notifications. Every action is idempotent. Normally it handles the offers the step
    /// changed; in <paramref name="replay"/> (finishing a step whose instance stopped) it asserts
    /// everything for the referral as it is now, and tells nobody.
    /// </summary>
    async Task AfterAsync(Referral? before, Step step, bool replay = false)
    {
        var r = step.Referral;
        foreach (var offer in r.Offers)
        {
            if (!replay && before?.Offers.FirstOrDefault(o => o.Id == offer.Id)?.State == offer.State) continue;
            if (offer.State == OfferState.Pending)
            {
                await store.IndexOfferAsync(offer.Provider.Agb, r.Id, offer.Id, offer.Deadline.ToDateTimeOffset());
                continue;
            }
            var hold = HoldOf(r, offer);
            if (offer.State == OfferState.Accepted) await holds.ConsumeAsync(hold.Pc4, hold.HoldId);
            else await holds.ReleaseAsync(hold.Pc4, hold.HoldId);
            await holds.ForgetAsync(hold);
            await store.UnindexOfferAsync(offer.Provider.Agb, r.Id, offer.Id);
        }
        var unmetDemandCounted = false;
        if (ReferralSteps.IsFinal(r.State))
        {
            await store.UnindexOpenAsync(r);
            if (r.Escalation is not null) await store.DequeueFromDeskAsync(r);
        }
        else
        {
            if (before is null) await store.IndexOpenAsync(r);
            if (r.Escalation is not null && (replay || before?.Escalation is null))
            {
                await store.EnqueueForDeskAsync(r);
                await store.CountUnmetAsync(r);
                unmetDemandCounted = true;
            }
        }
        if (!replay) await notifier.PublishAsync(step, unmetDemandCounted);
        else if (unmetDemandCounted) await notifier.UnmetDemandChangedAsync(r.MunicipalityCode); // carries no referral data: safe to repeat
    }

    async Task<MatchResult> SearchAsync(Referral r, double radiusKm = 0, bool requireContract = true)
    {
        var today = time.Today();
        var start = r.Search.StartDate.ToDateOnly();
        var request = new SearchRequest(r.Search.PatientPostcode, r.Search.InsurerUzovi, r.Search.CareType,
            start < today ? today : start, r.Search.Urgent && start <= today.AddDays(1),
            r.Search.HasPatientAge ? r.Search.PatientAge : null, radiusKm > 0 ? radiusKm : r.Search.RadiusKm);
        var errors = new InputErrors();
        var query = await matching.ValidateAsync(request, errors);
        if (errors.Any) throw new RpcException(new Status(StatusCode.FailedPrecondition, "The referral's search is no longer valid: " + errors.Message));
        return await matching.FindAsync(query!, requireContract);
    }

    async Task<StoredReferral> LoadAsync(string referralId) =>
        await store.GetAsync(referralId) ?? throw new RpcException(new Status(StatusCode.NotFound, $"Referral {referralId} does not exist."));

    static Hold HoldOf(Referral r, Offer offer) => new(
        $"{r.Id}:{offer.Id}", offer.Provider.Agb, int.Parse(offer.Pc4), offer.CareType, offer.Deadline.ToDateTimeOffset(), r.Id, offer.Id);

    /// <summary>The same request offering to the same provider always makes the same offer: retries and racing cascades meet.</summary>
    static string OfferId(string referralId, string requestKey, string agb) =>
        "of_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{referralId}|{requestKey}|{agb}")))[..16];

    static void RequireDesk(Referral r, string uzovi)
    {
        if (r.Search.InsurerUzovi != uzovi)
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This referral belongs to another insurer's desk."));
    }

    static void ValidateRequestId(string id, InputErrors errors)
    {
        if (!RequestIdPattern().IsMatch(id)) errors.Add("request_id", "must be 1 to 64 visible ASCII characters, unique per request");
    }

    static void ValidateReferralId(string id, InputErrors errors)
    {
        if (!ReferralIdPattern().IsMatch(id)) errors.Add("referral_id", "is not a referral id");
    }

    static void ValidateOrganisation(string org, string field, InputErrors errors)
    {
        if (!OrganisationPattern().IsMatch(org)) errors.Add(field, "must be 1 to 64 letters, digits, '.', '_' or '-'");
    }

    /// <summary>Free text is for care, not for identifiers or prices: length-limited, without BSN-like numbers or money amounts.</summary>
    static void ValidateFreeText(string text, string field, int maxLength, InputErrors errors)
    {
        if (text.Length > maxLength) errors.Add(field, $"at most {maxLength} characters");
        else if (PatientData.ContainsBsn(text)) errors.Add(field, "contains what looks like a citizen service number (BSN); leave identifiers out");
        else if (Security.InformationBoundary.ContainsMoneyAmount(text)) errors.Add(field, Security.InformationBoundary.Refusal);
    }

    static void ValidateProviders(IReadOnlyCollection<string> agbs, InputErrors errors)
    {
        if (agbs.Count == 0) errors.Add("provider_agbs", "name at least one provider");
        else if (agbs.Any(a => !Codes.IsAgb(a))) errors.Add("provider_agbs", "must be AGB codes of 8 digits");
    }

    [GeneratedRegex(@"^[\x21-\x7E]{1,64}$")]
    private static partial Regex RequestIdPattern();

    [GeneratedRegex(@"^ref_[0-9a-f]{32}$")]
    private static partial Regex ReferralIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex OrganisationPattern();
}
