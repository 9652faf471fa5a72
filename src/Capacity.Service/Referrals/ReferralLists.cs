using Capacity.Service.Shared;
using Capacity.V1;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Referrals;

/// <summary>
/// What each party lists, a page at a time: an organisation's active, placed or ended referrals,
/// a provider's open offers and its placements, a desk's queue. A page of the owner's index
/// (<see cref="ReferralIndexes"/>), then the referrals it names; the referrals' own state decides
/// what is shown, since an index entry may lag behind a step whose follow-up is in flight.
/// </summary>
public sealed class ReferralLists(ReferralStore store, ReferralIndexes indexes, IOptionsMonitor<ReferralOptions> options, TimeProvider time)
{
    ReferralOptions Options => options.CurrentValue;

    public async Task<ListReferralsResponse> ListAsync(ListReferralsRequest request)
    {
        var errors = new InputErrors();
        ReferralValidation.Organisation(request.RequesterOrg, "requester_org", errors);
        if (!System.Enum.IsDefined(request.Filter)) errors.Add("filter", Reasons.ValueUnknown, "must be ACTIVE, PLACED or ENDED");
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        var since = request.IncludeOlder ? (DateTimeOffset?)null : time.GetUtcNow() - Options.RecentWindow;
        var page = await PageAsync(() => indexes.OrganisationPageAsync(request.RequesterOrg, request.Filter, size, request.PageToken, since));
        bool Fits(Referral r) => request.Filter switch
        {
            ReferralListFilter.Placed => r.State == ReferralState.Placed,
            ReferralListFilter.Ended => r.State is ReferralState.Cancelled or ReferralState.Closed,
            _ => ReferralSteps.IsActive(r.State),
        };
        // The referral's own state decides: an index entry may lag behind a step whose follow-up is in flight.
        return new ListReferralsResponse
        {
            Referrals = { (await store.GetManyAsync(page.Ids)).Where(r => r.RequesterOrg == request.RequesterOrg && Fits(r)) },
            NextPageToken = page.NextPageToken,
        };
    }

    public async Task<ListOffersResponse> ListOffersAsync(ListOffersRequest request)
    {
        var errors = new InputErrors();
        ReferralValidation.Agb(request.ProviderAgb, "provider_agb", errors);
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        var (keys, next) = await PageAsync(() => indexes.OffersPageAsync(request.ProviderAgb, size, request.PageToken));
        return new ListOffersResponse { Offers = { await OpenOfferViewsAsync(keys) }, NextPageToken = next };
    }

    /// <summary>Every open offer of a provider, for a watch's first answer; pages through its index.</summary>
    public async Task<IReadOnlyList<OfferView>> AllOpenOffersAsync(string agb)
    {
        var views = new List<OfferView>();
        var token = "";
        do
        {
            var (keys, next) = await indexes.OffersPageAsync(agb, Paging.MaxPageSize, token);
            views.AddRange(await OpenOfferViewsAsync(keys));
            token = next;
        } while (token.Length > 0);
        return views;
    }

    async Task<IEnumerable<OfferView>> OpenOfferViewsAsync(IReadOnlyList<(string ReferralId, string OfferId)> keys)
    {
        var referrals = (await store.GetManyAsync(keys.Select(k => k.ReferralId).Distinct())).ToDictionary(r => r.Id);
        return keys
            .Select(k => referrals.TryGetValue(k.ReferralId, out var r) ? ReferralViews.ViewOf(r, k.OfferId) : null)
            .OfType<OfferView>()
            .Where(v => v.Offer.State == OfferState.Pending);
    }

    public async Task<ListPlacementsResponse> ListPlacementsAsync(ListPlacementsRequest request)
    {
        var errors = new InputErrors();
        ReferralValidation.Agb(request.ProviderAgb, "provider_agb", errors);
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        var since = request.IncludeOlder ? (DateTimeOffset?)null : time.GetUtcNow() - Options.RecentWindow;
        var page = await PageAsync(() => indexes.PlacementsPageAsync(request.ProviderAgb, size, request.PageToken, since));
        return new ListPlacementsResponse
        {
            Placements =
            {
                (await store.GetManyAsync(page.Ids))
                    .Where(r => r.State == ReferralState.Placed && r.PlacedWithAgb == request.ProviderAgb)
                    .Select(r => ReferralViews.ViewOf(ReferralViews.AsSeenBy(r, request.ProviderAgb), r.Placement.OfferId)!),
            },
            NextPageToken = page.NextPageToken,
        };
    }

    public async Task<ListDeskQueueResponse> DeskQueueAsync(ListDeskQueueRequest request)
    {
        var errors = new InputErrors();
        ReferralValidation.Uzovi(request.InsurerUzovi, "insurer_uzovi", errors);
        var size = Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        var page = await PageAsync(() => indexes.DeskPageAsync(request.InsurerUzovi, size, request.PageToken));
        return new ListDeskQueueResponse
        {
            Referrals = { (await store.GetManyAsync(page.Ids)).Where(r => r.Search.InsurerUzovi == request.InsurerUzovi && ReferralSteps.IsActive(r.State)) },
            NextPageToken = page.NextPageToken,
        };
    }

    static async Task<T> PageAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (FormatException e)
        {
            throw InputErrors.Single("page_token", Reasons.PageTokenInvalid, e.Message);
        }
    }

}
