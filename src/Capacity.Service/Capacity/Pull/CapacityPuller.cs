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
/// edit in the grid lasts until the next pull.
/// </summary>
public sealed class CapacityPuller(
    PullStore endpoints, PullFetcher fetcher, RegistryCache registry, CapacityStore capacity,
    TimeProvider time, IOptions<PullOptions> options, ILogger<CapacityPuller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        // The cadence is wall-clock; when an endpoint is due is the domain clock's (tests move it).
        using var timer = new PeriodicTimer(options.Value.PollPeriod);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                while (await RunDueAsync(stoppingToken) == options.Value.MaxParallel) { } // a full batch: more may be due
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Pulling capacity endpoints failed; retrying in {Period}", options.Value.PollPeriod);
            }
        }
    }

    /// <summary>Claims the endpoints that are due (up to <see cref="PullOptions.MaxParallel"/>) and pulls them; answers how many.</summary>
    public async Task<int> RunDueAsync(CancellationToken cancel = default)
    {
        var now = time.GetUtcNow();
        // The lease outlasts a fetch that times out and its writes; past it, another instance may take over.
        var due = await endpoints.ClaimDueAsync(now, now + 2 * options.Value.Timeout + TimeSpan.FromSeconds(30), options.Value.MaxParallel);
        await Task.WhenAll(due.Select(agb => PullAsync(agb, cancel)));
        return due.Length;
    }

    async Task PullAsync(string agb, CancellationToken cancel)
    {
        if (await endpoints.GetAsync(agb) is not { } state) return; // removed since it was claimed
        var now = time.GetUtcNow();
        try
        {
            var provider = (await registry.KnowingAsync(agb: agb)).Providers.GetValueOrDefault(agb)
                ?? throw new FetchException(PullErrors.NothingUsable, $"provider {agb} is not registered");
            // Without a statement kept from an earlier fetch, a 304 would leave nothing to publish: ask for the whole document.
            var conditional = state.Statement.Count > 0;
            var fetched = await fetcher.FetchAsync(state.Url, conditional ? state.ETag : null, conditional ? state.LastModified : null, cancel);
            var statement = fetched.NotModified
                ? new PulledStatement(state.Statement.Where(f => provider.Serves(f.Pc4)).ToArray(), state.Skipped, state.SkippedCount)
                : Read(fetched.Body!, provider);
            if (statement.Figures.Count == 0)
                throw new FetchException(PullErrors.NothingUsable, $"no figure could be used ({statement.SkippedCount} entries skipped)");

            var published = await PublishAsync(agb, statement, now);
            await endpoints.RecordSuccessAsync(agb, state.Url, now, statement with { Figures = published }, fetched.ETag, fetched.LastModified, now + options.Value.Interval);
            logger.LogInformation("Pulled {Agb}: {Figures} figures published, {Skipped} entries skipped{NotModified}",
                agb, published.Count, statement.SkippedCount, fetched.NotModified ? " (not modified)" : "");
        }
        catch (FetchException e)
        {
            var failures = state.ConsecutiveFailures + 1;
            var wait = TimeSpan.FromTicks(Math.Min(options.Value.MaxBackoff.Ticks, options.Value.Interval.Ticks << Math.Min(failures, 20)));
            await endpoints.RecordFailureAsync(agb, state.Url, now, failures, e.Code, InputErrors.Cut(e.Message, 300), now + wait);
            logger.LogWarning("Pulling {Agb} failed ({Code}: {Message}); {Failures} in a row, next try in {Wait}", agb, e.Code, e.Message, failures, wait);
        }
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

    /// <summary>Publishes the figures as the provider's publish would; answers those that passed validation.</summary>
    async Task<IReadOnlyList<PulledFigure>> PublishAsync(string agb, PulledStatement statement, DateTimeOffset now)
    {
        var snapshot = await registry.KnowingAsync(agb: agb);
        var version = now.ToUnixTimeMilliseconds();
        var writes = new List<CapacityWrite>(statement.Figures.Count);
        var published = new List<PulledFigure>(statement.Figures.Count);
        foreach (var figure in statement.Figures)
        {
            var errors = new InputErrors();
            var request = new SetCapacityRequest { Agb = agb, Pc4 = Codes.Pc4(figure.Pc4), CareType = figure.CareType, FreePlaces = figure.FreePlaces, Version = version };
            CapacityGrpcService.Expand(request, snapshot, time, errors, writes);
            if (!errors.Any) published.Add(figure);
        }
        if (writes.Count == 0) throw new FetchException(PullErrors.NothingUsable, "no figure passed validation");
        await capacity.WriteAsync(writes);
        return published;
    }
}
