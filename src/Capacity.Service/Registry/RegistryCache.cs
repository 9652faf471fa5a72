using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Registry;

public sealed class RegistryOptions
{
    /// <summary>
    /// How often each instance compares its snapshot version with Redis. Pub/sub delivers at most
    /// once (a reconnect can drop a message); this poll bounds how long a missed change can go
    /// unnoticed.
    /// </summary>
    public TimeSpan VersionPollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Keeps an in-process <see cref="RegistrySnapshot"/> coherent with Redis across instances.
/// Every registry write bumps a version and announces itself on a sharded pub/sub channel; on
/// an announcement newer than the snapshot this instance reloads the registry (bursts coalesce
/// into one reload), then passes the announcement on to live subscriptions. A periodic version
/// poll catches announcements lost in a reconnect. A writer calls <see cref="EnsureVersionAsync"/>
/// before answering, so a caller always reads its own writes on the instance it wrote through.
/// </summary>
public sealed class RegistryCache(
    RegistryStore store,
    IConnectionMultiplexer redis,
    IOptions<RegistryOptions> options,
    ILogger<RegistryCache> logger) : BackgroundService
{
    readonly SemaphoreSlim _reloadLock = new(1, 1);
    readonly SemaphoreSlim _pollNow = new(0);
    readonly Channel<RegistryNotice> _notices = Channel.CreateUnbounded<RegistryNotice>(new() { SingleReader = true });
    volatile RegistrySnapshot _current = RegistrySnapshot.Empty;

    public RegistrySnapshot Current => _current;

    /// <summary>Raised after the snapshot has caught up with a change, once per announcement.</summary>
    public event Action<RegistryNotice>? Changed;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Searches need the registry; start serving only once it is loaded. Subscribe before the
        // first load, so no change can slip between the two.
        var subscribed = false;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (!subscribed)
                {
                    await redis.GetSubscriber().SubscribeAsync(store.ChangedChannel,
                        (_, message) => _notices.Writer.TryWrite(RegistryStore.ParseNotice(message)));
                    subscribed = true;
                }
                await ReloadAsync(force: true);
                break;
            }
            catch (Exception e) when (e is RedisException or TimeoutException && attempt < 30 && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Registry not loaded yet, Redis unavailable ({Message}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        logger.LogInformation("Registry loaded at version {Version}: {Providers} providers, {Insurers} insurers, {Contracts} contracts, {Stops} client stops",
            _current.Version, _current.Providers.Count, _current.Insurers.Count, _current.Contracts.Count, _current.Stops.Count);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// The snapshot, caught up with Redis first. For the rare path where a request names a
    /// provider or insurer this instance does not know yet: it may have been registered through
    /// another instance a moment ago, with the announcement still on its way.
    /// </summary>
    public async Task<RegistrySnapshot> CatchUpAsync()
    {
        await EnsureVersionAsync(await store.GetVersionAsync());
        return _current;
    }

    /// <summary>The current snapshot if it knows these codes, else the snapshot caught up with Redis.</summary>
    public async Task<RegistrySnapshot> KnowingAsync(string? agb = null, string? uzovi = null, string? organisation = null)
    {
        var snapshot = _current;
        return (agb is null || snapshot.Providers.ContainsKey(agb)) && (uzovi is null || snapshot.Insurers.ContainsKey(uzovi))
            && (organisation is null || snapshot.Organisations.ContainsKey(organisation))
            ? snapshot
            : await CatchUpAsync();
    }

    /// <summary>Returns once the snapshot includes registry version <paramref name="version"/>.</summary>
    public async Task EnsureVersionAsync(long version)
    {
        if (_current.Version < version) await ReloadAsync(atLeast: version);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Messages published while the connection was down are lost: look at once, not at the next poll.
        redis.ConnectionRestored += (_, _) => _pollNow.Release();
        var poll = PollAsync(stoppingToken);
        try
        {
            await foreach (var notice in _notices.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await EnsureVersionAsync(notice.Version);
                    Changed?.Invoke(notice);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    logger.LogWarning(e, "Could not apply registry change {Version}; the version poll will retry", notice.Version);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await poll;
    }

    async Task PollAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await _pollNow.WaitAsync(options.Value.VersionPollInterval, stoppingToken);
                try
                {
                    var version = await store.GetVersionAsync();
                    if (version != _current.Version)
                    {
                        // A missed announcement has an unknown scope: treat it as "everything changed".
                        // A version lower than ours means the registry was flushed or replaced.
                        logger.LogInformation("Registry version {Remote} differs from snapshot {Local}; reloading", version, _current.Version);
                        await ReloadAsync(force: true);
                        Changed?.Invoke(new RegistryNotice(_current.Version, RegistryChange.Everything));
                    }
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    logger.LogWarning("Registry version poll failed: {Message}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    async Task ReloadAsync(long atLeast = 0, bool force = false)
    {
        await _reloadLock.WaitAsync();
        try
        {
            // Another caller may have reloaded while this one waited for the lock.
            if (!force && _current.Version >= atLeast) return;
            _current = await store.LoadAsync();
        }
        finally
        {
            _reloadLock.Release();
        }
    }
}
