using System.Threading.Channels;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;
using StackExchange.Redis;

namespace Capacity.Service.Referrals;

/// <summary>The provider's side: its offers, its answers and its placements.</summary>
public sealed class OfferGrpcService(ReferralWorkflow workflow, ReferralLists lists, ReferralStore store, ReferralIndexes indexes, IConnectionMultiplexer redis) : OfferService.OfferServiceBase
{
    public override Task<ListOffersResponse> ListOffers(ListOffersRequest request, ServerCallContext context) => lists.ListOffersAsync(request);

    public override Task<AnswerOfferResponse> AnswerOffer(AnswerOfferRequest request, ServerCallContext context) => workflow.AnswerAsync(request);

    public override Task<ListPlacementsResponse> ListPlacements(ListPlacementsRequest request, ServerCallContext context) => lists.ListPlacementsAsync(request);

    /// <summary>
    /// Open offers first, then each change as announced on the provider's channel, until the client
    /// hangs up or its token expires (then UNAUTHENTICATED: a revoked or expired session stops reading).
    /// </summary>
    public override async Task WatchOffers(WatchOffersRequest request, IServerStreamWriter<OfferUpdate> responseStream, ServerCallContext context)
    {
        if (!Codes.IsAgb(request.ProviderAgb)) throw InputErrors.Single("provider_agb", Codes.AgbRule);
        var changes = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var channel = indexes.OffersChannel(request.ProviderAgb);
        Action<RedisChannel, RedisValue> handler = (_, message) => changes.Writer.TryWrite((string)message!);
        using var session = Session.UntilExpiry(context.GetHttpContext().User, context.CancellationToken, out var expired);
        var subscriber = redis.GetSubscriber();
        // Listen first, then send what is open: a change in between is sent twice rather than never.
        await subscriber.SubscribeAsync(channel, handler);
        try
        {
            if (expired()) throw Reasons.Refuse(StatusCode.Unauthenticated, Reasons.SessionExpired, Session.Expired); // nothing sent on an expired token
            // Headers now: the watcher knows it is connected even while nothing is open.
            await context.WriteResponseHeadersAsync([]);
            foreach (var view in await lists.AllOpenOffersAsync(request.ProviderAgb))
                await responseStream.WriteAsync(new OfferUpdate { Offer = view });
            await foreach (var key in changes.Reader.ReadAllAsync(session.Token))
            {
                var parts = key.Split('|');
                if (parts.Length == 2 && await store.GetAsync(parts[0]) is { } stored
                    && ReferralViews.ViewOf(ReferralViews.AsSeenBy(stored.Referral, request.ProviderAgb), parts[1]) is { } view)
                    await responseStream.WriteAsync(new OfferUpdate { Offer = view });
            }
        }
        catch (OperationCanceledException) when (expired())
        {
            throw Reasons.Refuse(StatusCode.Unauthenticated, Reasons.SessionExpired, Session.Expired);
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
