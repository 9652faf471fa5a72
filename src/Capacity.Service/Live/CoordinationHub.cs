using Capacity.Service.Matching;
using Capacity.Service.Referrals;
using Capacity.Service.Regions;
using Capacity.Service.Shared;
using Microsoft.AspNetCore.SignalR;

namespace Capacity.Service.Live;

/// <summary>What the service pushes to a coordinator's browser.</summary>
public interface ICoordinationClient
{
    /// <summary>A followed search has a new result (capacity, a client stop or a contract changed).</summary>
    Task SearchUpdated(SearchUpdate update);

    /// <summary>A followed region has new aggregates.</summary>
    Task RegionUpdated(RegionUpdate update);

    /// <summary>A referral of the followed organisation (or, once escalated, of the followed desk) took a step.</summary>
    Task ReferralChanged(ReferralNotice notice);

    /// <summary>One of the followed provider's offers was made, withdrawn, expired, accepted or declined.</summary>
    Task OfferChanged(OfferNotice notice);

    /// <summary>
    /// The followed municipality's unmet demand changed (a referral of one of its residents went to
    /// an insurer's mediation desk). Carries no counts: read them with MediationService/GetUnmetDemand.
    /// </summary>
    Task UnmetDemandChanged(UnmetDemandNotice notice);

    /// <summary>
    /// A new alert for the followed party (organisation, provider, desk or municipality): a referral
    /// waiting too long for an answer, figures going stale, an area without capacity. Sent once per
    /// alert, to that party's group only; list them with InsightService/ListAlerts.
    /// </summary>
    Task AlertRaised(Insight.Alerts.AlertNotice notice);
}

public sealed record SearchUpdate(string SubscriptionId, MatchResult Result);

public sealed record RegionUpdate(string SubscriptionId, RegionAvailability Availability);

public sealed record UnmetDemandNotice(string MunicipalityCode);

/// <summary>
/// The coordinators' live channel (<c>/hubs/coordination</c>). Kept thin: subscriptions and
/// pushes live in <see cref="LiveSubscriptions"/>. Each subscribe call returns the current
/// result at once; later results arrive as <see cref="ICoordinationClient"/> calls.
/// </summary>
public sealed class CoordinationHub(LiveSubscriptions live) : Hub<ICoordinationClient>
{
    public const string Path = "/hubs/coordination";

    /// <summary>Follows a search: returns its result now and pushes a new one whenever it changes.</summary>
    public Task<SearchUpdate> SubscribeToSearch(SearchRequest request) => live.SubscribeToSearchAsync(Context.ConnectionId, request);

    /// <summary>Follows a region's availability: returns it now and pushes changes as they are published.</summary>
    public Task<RegionUpdate> SubscribeToRegion(RegionRequest request) => live.SubscribeToRegionAsync(Context.ConnectionId, request);

    /// <summary>Stops a search or region subscription of this connection.</summary>
    public Task Unsubscribe(string subscriptionId) => live.UnsubscribeAsync(Context.ConnectionId, subscriptionId);

    /// <summary>Receive the steps of this organisation's referrals. (Who may follow what is checked once sign-in exists.)</summary>
    public Task FollowOrganisation(string org) =>
        Groups.AddToGroupAsync(Context.ConnectionId, ReferralNotifier.OrganisationGroup(Valid(org, o => o is { Length: > 0 and <= 64 }, "organisation")));

    /// <summary>Receive changes to this provider's offers.</summary>
    public Task FollowProvider(string agb) =>
        Groups.AddToGroupAsync(Context.ConnectionId, ReferralNotifier.ProviderGroup(Valid(agb, Codes.IsAgb, "AGB code")));

    /// <summary>Receive the steps of referrals escalated to this insurer's mediation desk.</summary>
    public Task FollowDesk(string uzovi) =>
        Groups.AddToGroupAsync(Context.ConnectionId, ReferralNotifier.DeskGroup(Valid(uzovi, Codes.IsUzovi, "UZOVI code")));

    /// <summary>Hear when this municipality's unmet demand changes (aggregates only; no referral data is pushed).</summary>
    public Task FollowMunicipality(string code) =>
        Groups.AddToGroupAsync(Context.ConnectionId, ReferralNotifier.MunicipalityGroup(Valid(code, Codes.IsMunicipality, "municipality code (GM and 4 digits)")));

    public override Task OnDisconnectedAsync(Exception? exception) => live.RemoveConnectionAsync(Context.ConnectionId);

    static string Valid(string? value, Func<string?, bool> isValid, string what) =>
        isValid(value) ? value! : throw Reasons.Hub(Reasons.IdFormat, $"Not a valid {what}.");
}
