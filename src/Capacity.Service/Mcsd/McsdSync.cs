using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Mcsd;

/// <summary>What one sync run did.</summary>
public enum McsdRunResult { Applied, Failed, Busy }

/// <summary>
/// Feeds the registry from the mCSD directory (docs/MCSD.md): a full sync (search of every
/// Organization, HealthcareService and Location) while there is no watermark, then incremental
/// syncs (<c>_history?_since=</c> per resource type). Every run maps the whole directory as read to
/// providers and writes those that differ from the registry through <see cref="ProviderWrites"/>,
/// the path UpsertProvider takes. One instance at a time (a Redis lock); the watermark moves only
/// after the registry holds the changes, so a run that fails is repeated whole by the next.
/// </summary>
public sealed class McsdSync(
    McsdClient client, McsdStore store, ProviderWrites writes, RegistryCache cache, PostcodeDirectory postcodes,
    IOptions<McsdOptions> options, TimeProvider time, ILogger<McsdSync> logger) : BackgroundService
{
    const int WriteBatch = 256, MaxSkippedShown = 100;
    static readonly string[] Types = ["Organization", "HealthcareService", "Location"];
    readonly SemaphoreSlim _oneAtATime = new(1, 1);
    readonly string _token = Guid.NewGuid().ToString("N");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        await Task.Yield(); // let the host finish starting
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
                await Task.Delay(options.Value.Interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Redis gone for a moment: try again next interval, the watermark has not moved.
                logger.LogError(e, "mCSD directory sync could not run");
                await Task.Delay(options.Value.Interval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One sync, unless another instance holds the lock (Busy). A directory failure is recorded in the status, not thrown.</summary>
    public async Task<McsdRunResult> RunOnceAsync(CancellationToken ct)
    {
        await _oneAtATime.WaitAsync(ct);
        try
        {
            if (!await store.TryLockAsync(_token))
            {
                logger.LogInformation("mCSD directory sync skipped: another instance holds the lock");
                return McsdRunResult.Busy;
            }
            try
            {
                return await SyncAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever else broke (Redis, a resource the SDK could not take): said in the status if
                // Redis still answers, and the watermark has not moved, so the next run repeats this one.
                logger.LogError(e, "mCSD directory sync failed");
                try { await store.SaveErrorAsync($"{e.GetType().Name}: {e.Message}", time.GetUtcNow()); }
                catch (Exception) { /* Redis itself is gone: the log says it */ }
                return McsdRunResult.Failed;
            }
            finally
            {
                await store.UnlockAsync(_token);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>A long sync keeps its lock page by page; one that lost it (this instance stalled past LockTime) stops before writing.</summary>
    async Task KeepLockAsync()
    {
        if (!await store.ExtendLockAsync(_token)) throw new McsdException("the sync lock expired and another instance may hold it; stopped, nothing applied");
    }

    async Task<McsdRunResult> SyncAsync(CancellationToken ct)
    {
        var since = await store.GetWatermarkAsync();
        var o = options.Value;
        McsdDirectory directory;
        var reads = new List<McsdRead>();
        try
        {
            directory = since is null ? new McsdDirectory() : await store.LoadAsync();
            var query = since is null
                ? $"?_count={o.PageSize}"
                : $"/_history?_since={Uri.EscapeDataString(since.Value.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture))}&_count={o.PageSize}";
            foreach (var type in Types) reads.Add(await client.ReadAllAsync(type + query, KeepLockAsync, ct));
        }
        catch (McsdException e)
        {
            logger.LogWarning("mCSD directory sync failed, registry unchanged: {Error}", e.Message);
            await store.SaveErrorAsync(e.Message, time.GetUtcNow());
            return McsdRunResult.Failed;
        }

        await KeepLockAsync();
        var skipped = new List<string>();
        foreach (var entry in reads.SelectMany(r => r.Entries))
        {
            if (entry.Resource is null) directory.Delete(entry.Type, entry.Id);
            else if (!directory.Apply(entry.Resource)) skipped.Add($"{entry.Type}/{entry.Id}: not a resource type the sync reads; left out");
        }

        var snapshot = await cache.CatchUpAsync();
        var mapped = McsdMapping.Providers(directory, o.CareTypeTable(), postcodes, agb => snapshot.Providers.GetValueOrDefault(agb), await store.GetFedAsync(), skipped);
        var changed = new List<Provider>();
        // Fed from now on: every AGB written that an Organization still carries (active or not); an AGB gone from the directory leaves the set once made inactive.
        var carried = directory.Organizations.Values.Select(org => org.Agb).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var fed = new List<string>();
        foreach (var provider in mapped)
        {
            if (writes.Check(provider, $"provider {provider.Agb}") is { Any: true } errors)
            {
                skipped.Add($"provider {provider.Agb} '{provider.Name}': refused by the registry: {errors.Message}");
                continue;
            }
            if (carried.Contains(provider.Agb)) fed.Add(provider.Agb);
            if (snapshot.Providers.GetValueOrDefault(provider.Agb) is { } stored
                && ProviderWrites.Normalize(stored.ToProto()).Equals(ProviderWrites.Normalize(provider))) continue;
            changed.Add(provider);
        }
        foreach (var batch in changed.Chunk(WriteBatch)) await writes.WriteAsync(batch);

        // The earliest of the three reads' server times: a change made while the run read is read again next time.
        var watermark = reads.Min(r => r.ServerTime);
        await store.SaveAsync(directory, watermark, fed);
        var status = new DirectorySyncStatus
        {
            LastSuccess = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            Watermark = Timestamp.FromDateTimeOffset(watermark),
            LastKind = since is null ? "full" : "incremental",
            ResourcesRead = reads.Sum(r => r.Entries.Count),
            ProvidersWritten = changed.Count,
            ProvidersTotal = mapped.Count,
            ProvidersInactive = mapped.Count(p => p.Inactive),
            Skipped = { skipped.Take(MaxSkippedShown) },
        };
        await store.SaveSuccessAsync(status);
        logger.LogInformation("mCSD directory sync ({Kind}): {Read} resources read, {Written} providers written, {Skipped} skipped",
            status.LastKind, status.ResourcesRead, status.ProvidersWritten, skipped.Count);
        return McsdRunResult.Applied;
    }
}
