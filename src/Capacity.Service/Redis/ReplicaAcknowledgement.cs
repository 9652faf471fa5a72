using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Redis;

/// <summary>
/// Redis replicates asynchronously: a master that acknowledged a write and dies before its replica
/// has it loses the write in the failover. For hard state whose loss breaks a rule — a granted hold
/// (lost, its place would be granted twice) and a referral step — the service asks the master to
/// <c>WAIT</c> until <see cref="RedisOptions.ReplicaAcks"/> replicas have it before it answers OK;
/// otherwise the step answers UNAVAILABLE ("unknown whether it took effect: retry it unchanged"),
/// and the retry finds its own hold or step. 0 (one Redis, no replicas) skips it.
/// WAIT holds up the master's connection until the replicas answer (a replication round trip, well
/// under a millisecond on a LAN), so it is used only after these writes, never on reads or capacity.
/// </summary>
public sealed class ReplicaAcknowledgement(IConnectionMultiplexer redis, IOptions<RedisOptions> options)
{
    public bool Required => options.Value.ReplicaAcks > 0;

    /// <summary>Waits until the write just made to <paramref name="key"/>'s master is on enough replicas.</summary>
    public async Task ConfirmAsync(RedisKey key)
    {
        var (wanted, timeout) = (options.Value.ReplicaAcks, options.Value.ReplicaAckTimeout);
        if (wanted == 0) return;
        // WAIT counts this connection's earlier writes: it must go to the master that took the write,
        // over the same connection (the multiplexer keeps one interactive connection per node).
        var master = await redis.GetDatabase().IdentifyEndpointAsync(key)
            ?? throw new NotReplicatedException($"no master known for {key}");
        var acknowledged = (long)await redis.GetServer(master).ExecuteAsync("WAIT", wanted, (long)timeout.TotalMilliseconds);
        if (acknowledged < wanted)
            throw new NotReplicatedException($"{acknowledged} of {wanted} replicas acknowledged the write to {key} within {timeout.TotalMilliseconds} ms");
    }
}

/// <summary>A write took place on the master but not (yet) on enough replicas: answered as UNAVAILABLE.</summary>
public sealed class NotReplicatedException(string message) : Exception(message);
