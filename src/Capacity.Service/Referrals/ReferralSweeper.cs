using Capacity.Service.Capacity;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Referrals;

/// <summary>
/// Runs on every instance: ends holds whose deadline passed (expiring their offers and moving the
/// referral on), reminds requesters of referrals waiting for their choice and hands them to the
/// desk after the second window, finishes steps an instance left half-way when it stopped, and (on
/// replicated Redis) asserts finished steps' follow-ups once more. Nothing here
/// depends on the instance that made a hold still running; running it on several instances at
/// once is safe because every action it takes is idempotent or a conditioned write.
/// </summary>
public sealed class ReferralSweeper(
    HoldStore holds,
    ReferralStore store,
    ReferralIndexes indexes,
    ReferralAutomation automation,
    ReferralCommitter committer,
    IOptions<ReferralOptions> options,
    TimeProvider time,
    ILogger<ReferralSweeper> logger) : BackgroundService
{
    const int Batch = 100;

    // An entry that fails is looked at again later, so that one that keeps failing (a shard down)
    // cannot hold up the others behind it.
    static readonly TimeSpan Later = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await SweepAsync();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass; public so tests can drive it without waiting for the timer.</summary>
    public async Task SweepAsync()
    {
        var now = time.GetUtcNow();
        try
        {
            foreach (var due in await holds.DueAsync(now, Batch))
            {
                try
                {
                    await automation.ExpireAsync(due);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not end hold {Hold} of referral {Referral}; trying again in a minute", due.HoldId, due.ReferralId);
                    await holds.PostponeAsync(due, now + Later);
                }
            }
            foreach (var referralId in await indexes.WaitingDueAsync(now, Batch))
            {
                try
                {
                    await automation.WaitedAsync(referralId);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not remind or escalate waiting referral {Referral}; trying again in a minute", referralId);
                    await indexes.WaitAgainAsync(referralId, now + Later);
                }
            }
            foreach (var member in await store.PendingDueAsync(now, Batch))
            {
                var referralId = ReferralStore.ParsePending(member).ReferralId;
                try
                {
                    // A finished step's follow-up asserted once more (replicated Redis: see ClearPending);
                    // the call is over, so nothing is fenced, let go of or moved on.
                    if (ReferralStore.IsReplay(member)) await committer.ReplayAsync(referralId);
                    // An offer step's entry is looked at once more after the call could have run to its end.
                    else if (await automation.RecoverAsync(member))
                    {
                        await store.PostponePendingAsync(member, now + Later);
                        continue;
                    }
                    await store.ClearPendingAsync(member);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not finish a step of referral {Referral}; trying again in a minute", referralId);
                    await store.PostponePendingAsync(member, now + Later);
                }
            }
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            logger.LogWarning("Referral sweep failed: {Message}", e.Message);
        }
    }
}
