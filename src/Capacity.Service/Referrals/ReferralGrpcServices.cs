using System.Threading.Channels;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;
using StackExchange.Redis;

namespace Capacity.Service.Referrals;

/// <summary>
/// Whose a referral is: its requester's organisation, and once escalated the patient's insurer's
/// desk. To anyone else it does not exist (NOT_FOUND, the same answer as for an unknown id), so
/// even its existence stays private.
/// </summary>
public static class ReferralAccess
{
    public static async Task EnsureVisibleAsync(ReferralStore store, string referralId, ServerCallContext context)
    {
        if (context.CallerOrNull() is not { } caller || await store.GetAsync(referralId) is not { } stored) return; // the workflow answers unknown ids
        var r = stored.Referral;
        var visible = caller.Role switch
        {
            Security.Role.Requester => r.RequesterOrg == caller.Org,
            Security.Role.InsurerDesk => r.Search.InsurerUzovi == caller.Uzovi && r.Escalation is not null,
            _ => false,
        };
        if (!visible) throw new RpcException(new Status(StatusCode.NotFound, $"Referral {referralId} does not exist."));
    }

    /// <summary>Runs <paramref name="call"/> once the referral is known to be the caller's.</summary>
    public static async Task<T> WhenVisibleAsync<T>(this ReferralStore store, string referralId, ServerCallContext context, Func<Task<T>> call)
    {
        await EnsureVisibleAsync(store, referralId, context);
        return await call();
    }
}

/// <summary>The requester's side of referrals; the work is in <see cref="ReferralWorkflow"/>.</summary>
public sealed class ReferralGrpcService(ReferralWorkflow workflow, ReferralStore store) : ReferralService.ReferralServiceBase
{
    public override Task<Referral> CreateReferral(CreateReferralRequest request, ServerCallContext context) => workflow.CreateAsync(request);

    public override Task<OfferReferralResponse> OfferReferral(OfferReferralRequest request, ServerCallContext context) =>
        store.WhenVisibleAsync(request.ReferralId, context, () => workflow.OfferAsync(request));

    public override Task<Referral> CancelReferral(CancelReferralRequest request, ServerCallContext context) =>
        store.WhenVisibleAsync(request.ReferralId, context, () => workflow.CancelAsync(request));

    public override Task<Referral> EscalateReferral(EscalateReferralRequest request, ServerCallContext context) =>
        store.WhenVisibleAsync(request.ReferralId, context, () => workflow.EscalateAsync(request));

    public override Task<GetReferralResponse> GetReferral(GetReferralRequest request, ServerCallContext context) =>
        store.WhenVisibleAsync(request.ReferralId, context, () => workflow.GetAsync(request.ReferralId));

    public override async Task<ListReferralsResponse> ListReferrals(ListReferralsRequest request, ServerCallContext context) =>
        new() { Referrals = { await workflow.ListOpenAsync(request.RequesterOrg) } };
}

/// <summary>The provider's side: its offers and its answers.</summary>
public sealed class OfferGrpcService(ReferralWorkflow workflow, ReferralStore store, IConnectionMultiplexer redis) : OfferService.OfferServiceBase
{
    public override async Task<ListOffersResponse> ListOffers(ListOffersRequest request, ServerCallContext context) =>
        new() { Offers = { await workflow.OpenOffersAsync(request.ProviderAgb) } };

    public override async Task<AnswerOfferResponse> AnswerOffer(AnswerOfferRequest request, ServerCallContext context)
    {
        var answer = await workflow.AnswerAsync(request);
        return new AnswerOfferResponse { Referral = AsSeenBy(answer.Referral, request.ProviderAgb) };
    }

    /// <summary>
    /// A referral as one provider may see it: its own offers only — not who else was asked or
    /// where the patient was placed — and nothing of the insurer's desk.
    /// </summary>
    public static Referral AsSeenBy(Referral referral, string agb)
    {
        var seen = referral.Clone();
        seen.Offers.Clear();
        seen.Offers.AddRange(referral.Offers.Where(o => o.Provider.Agb == agb));
        if (seen.PlacedWithAgb != agb) seen.PlacedWithAgb = "";
        seen.Escalation = null;
        seen.Closure = null;
        return seen;
    }

    /// <summary>Open offers first, then each change as announced on the provider's channel, until the client hangs up.</summary>
    public override async Task WatchOffers(WatchOffersRequest request, IServerStreamWriter<OfferUpdate> responseStream, ServerCallContext context)
    {
        if (!Codes.IsAgb(request.ProviderAgb)) throw InputErrors.Single("provider_agb", "must be an AGB code of 8 digits");
        var changes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var channel = store.OffersChannel(request.ProviderAgb);
        Action<RedisChannel, RedisValue> handler = (_, message) => changes.Writer.TryWrite((string)message!);
        var subscriber = redis.GetSubscriber();
        // Listen first, then send what is open: a change in between is sent twice rather than never.
        await subscriber.SubscribeAsync(channel, handler);
        try
        {
            // Headers now: the watcher knows it is connected even while nothing is open.
            await context.WriteResponseHeadersAsync([]);
            foreach (var view in await workflow.OpenOffersAsync(request.ProviderAgb))
                await responseStream.WriteAsync(new OfferUpdate { Offer = view });
            await foreach (var key in changes.Reader.ReadAllAsync(context.CancellationToken))
            {
                var parts = key.Split('|');
                if (parts.Length == 2 && await store.GetAsync(parts[0]) is { } stored && ReferralWorkflow.ViewOf(stored.Referral, parts[1]) is { } view)
                    await responseStream.WriteAsync(new OfferUpdate { Offer = view });
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, handler);
        }
    }
}

/// <summary>The mediation desk's side: the queue of escalated referrals and the unmet demand they signal.</summary>
public sealed class MediationGrpcService(ReferralWorkflow workflow, ReferralStore store, Geography.PostcodeDirectory postcodes) : MediationService.MediationServiceBase
{
    public override async Task<ListDeskQueueResponse> ListDeskQueue(ListDeskQueueRequest request, ServerCallContext context) =>
        new() { Referrals = { await workflow.DeskQueueAsync(request.InsurerUzovi) } };

    public override Task<Referral> TakeReferral(TakeReferralRequest request, ServerCallContext context) =>
        store.WhenVisibleAsync(request.ReferralId, context, () => workflow.TakeAsync(request));

    public override Task<FindProvidersResponse> SearchForReferral(SearchForReferralRequest request, ServerCallContext context) =>
        store.WhenVisibleAsync(request.ReferralId, context, () => workflow.SearchForDeskAsync(request));

    public override Task<OfferReferralResponse> OfferFromDesk(OfferFromDeskRequest request, ServerCallContext context) =>
        store.WhenVisibleAsync(request.ReferralId, context, () => workflow.OfferFromDeskAsync(request));

    public override Task<Referral> CloseReferral(CloseReferralRequest request, ServerCallContext context) =>
        store.WhenVisibleAsync(request.ReferralId, context, () => workflow.CloseAsync(request));

    public override async Task<GetUnmetDemandResponse> GetUnmetDemand(GetUnmetDemandRequest request, ServerCallContext context)
    {
        var response = new GetUnmetDemandResponse();
        switch (request.ScopeCase)
        {
            case GetUnmetDemandRequest.ScopeOneofCase.InsurerUzovi when Codes.IsUzovi(request.InsurerUzovi):
                response.Counts.AddRange((await store.UnmetByInsurerAsync(request.InsurerUzovi))
                    .OrderBy(c => c.Place, StringComparer.Ordinal).ThenBy(c => c.CareType)
                    .Select(c => new UnmetDemandCount { InsurerUzovi = request.InsurerUzovi, MunicipalityCode = c.Place, CareType = c.CareType, Escalations = c.Count }));
                break;
            case GetUnmetDemandRequest.ScopeOneofCase.InsurerUzovi:
                throw InputErrors.Single("insurer_uzovi", "must be a UZOVI code of 4 digits");
            case GetUnmetDemandRequest.ScopeOneofCase.Municipality:
                var municipality = postcodes.FindMunicipality(request.Municipality)
                    ?? throw InputErrors.Single("municipality", $"'{request.Municipality}' is not a municipality (CBS code like GM0362 or name)");
                var totals = store.UnmetByMunicipalityAsync(municipality.Code);
                var areas = store.UnmetByAreaAsync(municipality.Code);
                response.Counts.AddRange((await totals).OrderBy(c => c.CareType)
                    .Select(c => new UnmetDemandCount { MunicipalityCode = municipality.Code, CareType = c.CareType, Escalations = c.Count }));
                response.Areas.AddRange((await areas).OrderBy(c => c.Place, StringComparer.Ordinal).ThenBy(c => c.CareType)
                    .Select(c => new UnmetDemandCount { MunicipalityCode = municipality.Code, Pc4 = c.Place, CareType = c.CareType, Escalations = c.Count }));
                break;
            default:
                throw InputErrors.Single("scope", "set insurer_uzovi or municipality");
        }
        return response;
    }
}
