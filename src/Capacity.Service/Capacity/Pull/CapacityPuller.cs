using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Capacity.Pull;

/// <summary>
/// Fetches registered endpoints when due and publishes their figures: claim (any instance, one
/// at a time per endpoint) → fetch → read the statement → publish through the same validation and
/// versioned write as a provider's own publish → record the outcome and the next turn. A fetch
/// that fails publishes nothing: the provider's figures keep their age and turn stale in searches
/// after the freshness window, never wrong. A success — a new document or a 304 — publishes the
/// statement again with the fetch time as its version, because a live endpoint states what is
/// free now; so a provider that registers an endpoint makes it the source of its figures, and an
/// edit in the grid lasts until the next pull. Any failure — of the fetch, the document, or an
/// unexpected one — is recorded with its code and backs off; only Redis failing leaves no record
/// (the lease runs out and another try follows).
/// </summary>
public sealed class CapacityPuller(
    PullStore endpoints, PullFetcher fetcher, RegistryCache registry, CapacityStore capacity,
    TimeProvider time, IOptions<PullOptions> options, ILogger<CapacityPuller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        // Up to MaxParallel fetches at a time, each slot refilled at the next tick once free, so a
        // slow endpoint holds up only its own slot. The cadence is wall-clock; when an endpoint is
        // due is the domain clock's (tests move it).
        var running = new List<Task>();
        using var timer = new PeriodicTimer(options.Value.PollPeriod);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            running.RemoveAll(t => t.IsCompleted);
            var free = options.Value.MaxParallel - running.Count;
            if (free == 0) continue;
            try
            {
                foreach (var agb in await ClaimAsync(free)) running.Add(PullAsync(agb, stoppingToken));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Claiming due capacity endpoints failed; retrying in {Period}", options.Value.PollPeriod);
            }
        }
    }

    /// <summary>Claims the endpoints that are due (up to <see cref="PullOptions.MaxParallel"/>) and pulls them all; answers how many.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancel = default)
    {
        var due = await ClaimAsync(options.Value.MaxParallel);
        await Task.WhenAll(due.Select(agb => PullAsync(agb, cancel)));
        return due.Length;
    }

    Task<string[]> ClaimAsync(int max)
    {
        var now = time.GetUtcNow();
        // The lease outlasts a fetch that times out and its writes; past it, another instance may take over.
        return endpoints.ClaimDueAsync(now, now + 2 * options.Value.Timeout + TimeSpan.FromSeconds(30), max);
    }

    async Task PullAsync(string agb, CancellationToken cancel)
    {
        try
        {
            if (await endpoints.GetAsync(agb) is { } state) await PullAsync(state, cancel);
            else await endpoints.RemoveAsync(agb); // left in the schedule by a removal that failed half-way
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            // Redis failed, or a bug: nothing recorded; the lease runs out and the endpoint is tried again.
            logger.LogError(e, "Pulling {Agb} failed; it is tried again when its lease runs out", agb);
        }
    }

    async Task PullAsync(EndpointState state, CancellationToken cancel)
    {
        var agb = state.Agb;
        var now = time.GetUtcNow();
        try
        {
            var snapshot = await registry.KnowingAsync(agb: agb);
            var provider = snapshot.Providers.GetValueOrDefault(agb)
                ?? throw new FetchException(PullErrors.NothingUsable, $"provider {agb} is not registered");
            // A 304 publishes the statement kept from the last read, which was filtered by the
            // registry of that moment: after a registry change (or with nothing kept), ask for the whole document.
            var conditional = state.Statement.Count > 0 && state.RegistryVersion == snapshot.Version;
            var fetched = await fetcher.FetchAsync(state.Url, conditional ? state.ETag : null, conditional ? state.LastModified : null, cancel);
            var statement = fetched.NotModified
                ? new PulledStatement(state.Statement, state.Skipped, state.SkippedCount)
                : Read(fetched.Body!, provider);
            if (statement.Figures.Count == 0)
                throw new FetchException(PullErrors.NothingUsable, $"no figure could be used ({statement.SkippedCount} entries skipped)");

            var (published, outdated) = await PublishAsync(agb, snapshot, statement, state.Statement, now);
            await endpoints.RecordSuccessAsync(agb, state.Url, now,
                new PullSuccess(statement, published, outdated, fetched.ETag, fetched.LastModified, snapshot.Version), now + options.Value.Interval);
            logger.LogInformation("Pulled {Agb}: {Published} figures published, {Outdated} outdated, {Skipped} entries skipped{NotModified}",
                agb, published, outdated, statement.SkippedCount, fetched.NotModified ? " (not modified)" : "");
        }
        catch (Exception e) when (e is not OperationCanceledException and not StackExchange.Redis.RedisException)
        {
            var (code, message) = e is FetchException f ? (f.Code, f.Message) : (PullErrors.Failed, "the pull failed; the service log says why");
            if (e is not FetchException) logger.LogError(e, "Pulling {Agb} failed unexpectedly", agb);
            var failures = state.ConsecutiveFailures + 1;
            var wait = Backoff(failures);
            Telemetry.CapacityMetrics.PullFailed(code);
            await endpoints.RecordFailureAsync(agb, state.Url, now, failures, code, InputErrors.Cut(message, 300), now + wait);
            logger.LogWarning("Pulling {Agb} failed ({Code}: {Message}); {Failures} in a row, next try in {Wait}", agb, code, message, failures, wait);
        }
    }

    /// <summary>The wait after <paramref name="failures"/> failures in a row: the interval doubled as often, at most MaxBackoff.</summary>
    TimeSpan Backoff(int failures)
    {
        var wait = options.Value.Interval;
        for (var i = 0; i < failures && wait < options.Value.MaxBackoff; i++) wait *= 2;
        return wait < options.Value.MaxBackoff ? wait : options.Value.MaxBackoff;
    }

    static PulledStatement Read(byte[] body, ProviderInfo provider)
    {
        try
        {
            return NutsStatement.Read(body, provider.Serves);
        }
        catch (StatementException e)
        {
            throw new FetchException(PullErrors.BadDocument, e.Message);
        }
    }

    /// <summary>
    /// Publishes the statement as the provider's publish would, with the fetch time as version;
    /// a figure the last statement had and this one has not is set to 0 free places, so a
    /// neighbourhood or type taken out of the document does not stay up until it turns stale.
    /// Answers how many of the statement's figures were stored, and how many were not because a
    /// same-or-newer version was stored already (the provider's own publishes, counted higher).
    /// </summary>
    async Task<(int Published, int Outdated)> PublishAsync(string agb, RegistrySnapshot snapshot, PulledStatement statement,
        IReadOnlyList<PulledFigure> previous, DateTimeOffset now)
    {
        var version = now.ToUnixTimeMilliseconds();
        var listed = statement.Figures.Select(f => (f.Pc4, f.CareType)).ToHashSet();
        var writes = Writes(agb, snapshot, statement.Figures, version);
        if (writes.Count == 0) throw new FetchException(PullErrors.NothingUsable, "no figure passed validation");
        var retired = Writes(agb, snapshot, previous.Where(f => !listed.Contains((f.Pc4, f.CareType))).Select(f => f with { FreePlaces = 0 }), version);

        var outcomes = await capacity.WriteAsync(writes);
        if (retired.Count > 0) await capacity.WriteAsync(retired);
        var published = outcomes.Count(o => o.Applied);
        return (published, outcomes.Length - published);
    }

    List<CapacityWrite> Writes(string agb, RegistrySnapshot snapshot, IEnumerable<PulledFigure> figures, long version)
    {
        var writes = new List<CapacityWrite>();
        foreach (var figure in figures)
        {
            var request = new SetCapacityRequest { Agb = agb, Pc4 = Codes.Pc4(figure.Pc4), CareType = figure.CareType, FreePlaces = figure.FreePlaces, Version = version };
            CapacityGrpcService.Expand(request, snapshot, time, new InputErrors(), writes); // a figure that does not pass adds no write
        }
        return writes;
    }
}
