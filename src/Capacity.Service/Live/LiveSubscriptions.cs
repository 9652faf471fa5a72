using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Capacity.Service.Capacity;
using Capacity.Service.Matching;
using Capacity.Service.Regions;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Live;

/// <summary>
/// The live searches and region views of the coordinators connected to this instance, and the
/// loop that keeps them current. Each subscription is indexed by the areas whose capacity it
/// reads (a search: the patient's area; a region: its areas); this instance subscribes to the
/// sharded channel of exactly those areas, so a publish elsewhere in the country never reaches
/// it. Registry changes are matched against the providers and areas a subscription depends on.
/// Only affected subscriptions are recomputed, bursts are coalesced, and a result is pushed only
/// when what the coordinator sees has changed. Every instance does this for its own
/// connections, so no SignalR backplane is needed for these pushes.
/// </summary>
public sealed class LiveSubscriptions(
    MatchingEngine matching,
    CapacityStore capacity,
    RegionalAvailabilityService regions,
    RegistryCache registry,
    IConnectionMultiplexer redis,
    IHubContext<CoordinationHub, ICoordinationClient> hub,
    IOptions<LiveOptions> options,
    TimeProvider time,
    IMeterFactory meters,
    ILogger<LiveSubscriptions> logger) : BackgroundService
{
    /// <summary>
    /// One followed search or region. Results carry a ticket taken before they were computed, so
    /// a slower, older computation never replaces a newer one, and nothing is pushed before the
    /// subscriber has been handed its first result.
    /// </summary>
    abstract class Subscription(string id, string connectionId, IReadOnlyCollection<int> areas)
    {
        public string Id { get; } = id;
        public string ConnectionId { get; } = connectionId;
        public IReadOnlyCollection<int> Areas { get; } = areas;
        public long Ticket { get; set; }
        public int Fingerprint { get; set; }
        public bool Delivered { get; set; }
        public abstract DateTimeOffset? StaleAt { get; }
        public abstract bool AffectedBy(RegistryChange change);
    }

    sealed class SearchSubscription(string id, string connectionId, MatchQuery query)
        : Subscription(id, connectionId, [query.PatientArea.Pc4])
    {
        public MatchQuery Query { get; } = query;
        public MatchResult? Last { get; set; }
        public override DateTimeOffset? StaleAt => Last?.StaleAt;

        public override bool AffectedBy(RegistryChange change) =>
            change.All || Last is null
            || change.Agbs.Any(Last.Includes)
            || change.Pc4s.Any(Last.AreasInReach.Contains);
    }

    sealed class RegionSubscription(string id, string connectionId, RegionScope scope)
        : Subscription(id, connectionId, scope.Pc4s)
    {
        public RegionScope Scope { get; } = scope;
        public RegionAvailability? Last { get; set; }
        public override DateTimeOffset? StaleAt => Last?.StaleAt;

        // Providers and stops reach every view through their areas. A contract change names only
        // its provider: it matters to an insurer's view when that provider serves one of the areas.
        public override bool AffectedBy(RegistryChange change) =>
            change.All || change.Pc4s.Any(Scope.Pc4s.Contains)
            || (Scope.Insurer is not null && change.Agbs.Any(ServesScope));

        public Func<string, bool> ServesScope { get; init; } = _ => false;
    }

    abstract record Signal;
    sealed record AreaChanged(int Pc4) : Signal;
    sealed record RegistryChanged(RegistryChange Change) : Signal;
    sealed record Tick : Signal;
    sealed record Reconnected : Signal;

    readonly Lock _lock = new();
    readonly Dictionary<string, Subscription> _subscriptions = [];
    readonly Dictionary<int, HashSet<Subscription>> _byArea = [];
    readonly Dictionary<string, HashSet<string>> _byConnection = [];
    readonly HashSet<int> _channelsSubscribed = [];
    readonly SemaphoreSlim _channelLock = new(1, 1);
    long _tickets;
    readonly Channel<Signal> _signals = Channel.CreateUnbounded<Signal>(new() { SingleReader = true });
    readonly Counter<long> _recomputed = meters.Create("Capacity.Live").CreateCounter<long>("capacity.live.recomputations");
    readonly Counter<long> _pushed = meters.Create("Capacity.Live").CreateCounter<long>("capacity.live.pushes");

    public int Count
    {
        get { lock (_lock) return _subscriptions.Count; }
    }

    public async Task<SearchUpdate> SubscribeToSearchAsync(string connectionId, SearchRequest? request)
    {
        if (request is null) throw Reasons.Hub(Reasons.Required, "Invalid search: a search request is required");
        var errors = new InputErrors();
        var query = await matching.ValidateAsync(request, errors);
        if (errors.Any) throw new HubException("Invalid search: " + errors.Message);

        var subscription = new SearchSubscription(NewId("search"), connectionId, query!);
        await StartAsync(subscription);
        lock (_lock) return new SearchUpdate(subscription.Id, subscription.Last!);
    }

    public async Task<RegionUpdate> SubscribeToRegionAsync(string connectionId, RegionRequest? request)
    {
        if (request is null) throw Reasons.Hub(Reasons.Required, "Invalid region: a region request is required");
        var errors = new InputErrors();
        var scope = await regions.ResolveAsync(request, errors);
        if (errors.Any) throw new HubException("Invalid region: " + errors.Message);

        var subscription = new RegionSubscription(NewId("region"), connectionId, scope!)
        {
            ServesScope = agb => registry.Current.Providers.TryGetValue(agb, out var p) && p.ServedPc4s.Any(scope!.Pc4s.Contains),
        };
        await StartAsync(subscription);
        lock (_lock) return new RegionUpdate(subscription.Id, subscription.Last!);
    }

    public async Task UnsubscribeAsync(string connectionId, string subscriptionId)
    {
        Subscription? removed;
        lock (_lock)
        {
            if (!_subscriptions.TryGetValue(subscriptionId, out removed) || removed.ConnectionId != connectionId) return;
            Remove(removed);
        }
        await ReconcileChannelsAsync(removed.Areas);
    }

    public async Task RemoveConnectionAsync(string connectionId)
    {
        var areas = new List<int>();
        lock (_lock)
        {
            if (!_byConnection.TryGetValue(connectionId, out var ids)) return;
            foreach (var id in ids.ToArray())
            {
                var subscription = _subscriptions[id];
                areas.AddRange(subscription.Areas);
                Remove(subscription);
            }
        }
        await ReconcileChannelsAsync(areas);
    }

    /// <summary>Registers, listens, computes the first result; leaves nothing behind if any step fails.</summary>
    async Task StartAsync(Subscription subscription)
    {
        await AddAsync(subscription);
        try
        {
            await RefreshAsync(subscription, initial: true);
        }
        catch
        {
            await UnsubscribeAsync(subscription.ConnectionId, subscription.Id);
            throw;
        }
    }

    async Task AddAsync(Subscription subscription)
    {
        lock (_lock)
        {
            var ids = _byConnection.TryGetValue(subscription.ConnectionId, out var existing) ? existing : _byConnection[subscription.ConnectionId] = [];
            if (ids.Count >= options.Value.MaxSubscriptionsPerConnection)
                throw Reasons.Hub(Reasons.TooManySubscriptions, $"At most {options.Value.MaxSubscriptionsPerConnection} subscriptions per connection; unsubscribe first.");
            ids.Add(subscription.Id);
            _subscriptions[subscription.Id] = subscription;
            foreach (var area in subscription.Areas)
                (_byArea.TryGetValue(area, out var set) ? set : _byArea[area] = []).Add(subscription);
        }
        // Listen before computing the first result, so no change can fall between the two.
        try
        {
            await ReconcileChannelsAsync(subscription.Areas);
        }
        catch
        {
            await UnsubscribeAsync(subscription.ConnectionId, subscription.Id);
            throw;
        }
    }

    void Remove(Subscription subscription)
    {
        _subscriptions.Remove(subscription.Id);
        if (_byConnection.TryGetValue(subscription.ConnectionId, out var ids) && ids.Remove(subscription.Id) && ids.Count == 0)
            _byConnection.Remove(subscription.ConnectionId);
        foreach (var area in subscription.Areas)
            if (_byArea.TryGetValue(area, out var set) && set.Remove(subscription) && set.Count == 0)
                _byArea.Remove(area);
    }

    /// <summary>
    /// Brings the Redis channel subscriptions in line with the areas watched now. Serialised, and
    /// reading the current state each time, so racing subscribe/unsubscribe calls cannot leave a
    /// watched area unheard.
    /// </summary>
    async Task ReconcileChannelsAsync(IEnumerable<int> areas)
    {
        var subscriber = redis.GetSubscriber();
        await _channelLock.WaitAsync();
        try
        {
            foreach (var pc4 in areas.Distinct())
            {
                bool wanted;
                lock (_lock) wanted = _byArea.ContainsKey(pc4);
                // The set records only what Redis has confirmed, so a failed call is retried by the next reconcile.
                if (wanted && !_channelsSubscribed.Contains(pc4))
                {
                    await subscriber.SubscribeAsync(capacity.ChangedChannel(pc4), (_, _) => _signals.Writer.TryWrite(new AreaChanged(pc4)));
                    _channelsSubscribed.Add(pc4);
                }
                else if (!wanted && _channelsSubscribed.Contains(pc4))
                {
                    await subscriber.UnsubscribeAsync(capacity.ChangedChannel(pc4));
                    _channelsSubscribed.Remove(pc4);
                }
            }
        }
        finally
        {
            _channelLock.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        registry.Changed += OnRegistryChanged;
        // Capacity announcements sent while the connection was down are lost: recompute everything once.
        redis.ConnectionRestored += (_, _) => _signals.Writer.TryWrite(new Reconnected());
        var ticks = TickAsync(stoppingToken);
        try
        {
            while (await _signals.Reader.WaitToReadAsync(stoppingToken))
            {
                // Let a burst arrive, then handle it as one. (Wall-clock waits; `time` is the
                // domain clock that decides freshness.)
                await Task.Delay(options.Value.CoalesceWindow, stoppingToken);
                var areas = new HashSet<int>();
                var change = RegistryChange.Nothing;
                bool tick = false, reconnected = false;
                while (_signals.Reader.TryRead(out var signal))
                {
                    switch (signal)
                    {
                        case AreaChanged a: areas.Add(a.Pc4); break;
                        case RegistryChanged r: change = change.Merge(r.Change); break;
                        case Tick: tick = true; break;
                        case Reconnected: reconnected = true; break;
                    }
                }
                await RecomputeAsync(Affected(areas, change, tick, reconnected), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            registry.Changed -= OnRegistryChanged;
        }
        await ticks;
    }

    void OnRegistryChanged(RegistryNotice notice)
    {
        if (notice.Change.All || notice.Change.Agbs.Count > 0 || notice.Change.Pc4s.Count > 0)
            _signals.Writer.TryWrite(new RegistryChanged(notice.Change));
    }

    async Task TickAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.StaleCheckInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) _signals.Writer.TryWrite(new Tick());
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The subscriptions a batch of changes can affect, each with what affected it.</summary>
    Dictionary<Subscription, string> Affected(HashSet<int> areas, RegistryChange change, bool tick, bool reconnected)
    {
        var now = time.GetUtcNow();
        var affected = new Dictionary<Subscription, string>();
        lock (_lock)
        {
            foreach (var area in areas)
                if (_byArea.TryGetValue(area, out var set))
                    foreach (var subscription in set) affected.TryAdd(subscription, "capacity");
            foreach (var subscription in _subscriptions.Values)
            {
                if (reconnected) affected.TryAdd(subscription, "reconnect");
                else if (change != RegistryChange.Nothing && subscription.AffectedBy(change)) affected.TryAdd(subscription, "registry");
                else if (tick && subscription.StaleAt <= now) affected.TryAdd(subscription, "time");
            }
        }
        return affected;
    }

    async Task RecomputeAsync(Dictionary<Subscription, string> subscriptions, CancellationToken stoppingToken)
    {
        if (subscriptions.Count == 0) return;
        // Browsers following the same search (a ward's screens, a desk's colleagues) share one
        // computation per batch; each still gets its own push.
        var shared = new ConcurrentDictionary<MatchQuery, Lazy<Task<MatchResult>>>();
        Task<MatchResult> Shared(MatchQuery query) =>
            shared.GetOrAdd(query, q => new Lazy<Task<MatchResult>>(() => matching.FindAsync(q))).Value;
        await Parallel.ForEachAsync(subscriptions,
            new ParallelOptions { MaxDegreeOfParallelism = options.Value.RecomputeParallelism, CancellationToken = stoppingToken },
            async (entry, _) =>
            {
                var (subscription, cause) = (entry.Key, entry.Value);
                try
                {
                    _recomputed.Add(1, new KeyValuePair<string, object?>("cause", cause));
                    await RefreshAsync(subscription, compute: Shared);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // One subscription's failure must not stop the loop that serves all the others.
                    logger.LogWarning(e, "Could not refresh subscription {Subscription}", subscription.Id);
                }
            });
    }

    /// <summary>
    /// Computes a subscription's result and keeps it if it is the newest; pushes it when it
    /// differs from what the subscriber last saw. The initial computation is returned by the
    /// subscribe call instead of pushed.
    /// </summary>
    async Task RefreshAsync(Subscription subscription, bool initial = false, Func<MatchQuery, Task<MatchResult>>? compute = null)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var ticket = Interlocked.Increment(ref _tickets);
        var (result, fingerprint) = subscription switch
        {
            SearchSubscription s => await (compute ?? (q => matching.FindAsync(q)))(s.Query) is var m ? ((object)m, m.Fingerprint()) : default,
            RegionSubscription r => await regions.GetAsync(r.Scope) is var a ? ((object)a, a.Fingerprint()) : default,
            _ => throw new InvalidOperationException(),
        };

        bool push;
        lock (_lock)
        {
            if (ticket < subscription.Ticket)
            {
                // A newer result is already in place; the subscribe call returns that one.
                if (initial) subscription.Delivered = true;
                return;
            }
            var changed = subscription.Ticket == 0 || subscription.Fingerprint != fingerprint;
            subscription.Ticket = ticket;
            subscription.Fingerprint = fingerprint;
            switch (subscription)
            {
                case SearchSubscription s: s.Last = (MatchResult)result; break;
                case RegionSubscription r: r.Last = (RegionAvailability)result; break;
            }
            push = changed && subscription.Delivered && _subscriptions.ContainsKey(subscription.Id);
            if (initial) subscription.Delivered = true;
        }
        if (!push) return;

        _pushed.Add(1);
        var client = hub.Clients.Client(subscription.ConnectionId);
        await (result switch
        {
            MatchResult m => client.SearchUpdated(new SearchUpdate(subscription.Id, m)),
            RegionAvailability a => client.RegionUpdated(new RegionUpdate(subscription.Id, a)),
            _ => Task.CompletedTask,
        });
        Telemetry.CapacityMetrics.Pushed(result is MatchResult ? "search" : "region", started);
    }

    static string NewId(string kind) => $"{kind}_{Guid.CreateVersion7():N}";
}
