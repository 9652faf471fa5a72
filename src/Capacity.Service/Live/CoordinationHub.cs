using Capacity.Service.Matching;
using Capacity.Service.Regions;
using Microsoft.AspNetCore.SignalR;

namespace Capacity.Service.Live;

/// <summary>What the service pushes to a coordinator's browser.</summary>
public interface ICoordinationClient
{
    /// <summary>A followed search has a new result (capacity, a client stop or a contract changed).</summary>
    Task SearchUpdated(SearchUpdate update);

    /// <summary>A followed region has new aggregates.</summary>
    Task RegionUpdated(RegionUpdate update);
}

public sealed record SearchUpdate(string SubscriptionId, MatchResult Result);

public sealed record RegionUpdate(string SubscriptionId, RegionAvailability Availability);

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

    public override Task OnDisconnectedAsync(Exception? exception) => live.RemoveConnectionAsync(Context.ConnectionId);
}
