using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Redis;

/// <summary>
/// Redis replicates asynchronously: a master that acknowledged a write and dies before its replica
/// has it loses the write in the failover. For hard state whose loss breaks a rule — a granted hold
/// (lost, its place would be granted twice) and a saved referral step — the service asks the master
/// to <c>WAIT</c> until <see cref="RedisOptions.ReplicaAcks"/> replicas have it before it answers OK;
/// otherwise the step answers UNAVAILABLE ("unknown whether it took effect: retry it unchanged"),
/// and the retry finds its own hold or step. 0 (one Redis, no replicas) skips it.
/// <para>
/// WAIT blocks the connection it is sent on until the replicas answer (a replication round trip on a
/// healthy LAN; <see cref="RedisOptions.ReplicaAckTimeout"/> when a master has no replica), and it
/// counts that connection's writes. So these writes and their WAITs go over a multiplexer of their
/// own: searches, publications and every other command keep the main one, and are never queued
/// behind a WAIT.
/// </para>
/// </summary>
public sealed class ReplicaAcknowledgement(IConnectionMultiplexer redis, IOptions<RedisOptions> options) : IAsyncDisposable
{
    readonly Lazy<Task<ConnectionMultiplexer>> _durable = new(() => ConnectionMultiplexer.ConnectAsync(options.Value.Client("capacity-durable")));

    public bool Required => options.Value.ReplicaAcks > 0;

    /// <summary>Where to write what must reach a replica: the durable connection when acknowledgements are required, else the main one.</summary>
    public async ValueTask<IDatabase> DatabaseAsync() => Required ? (await _durable.Value).GetDatabase() : redis.GetDatabase();

    /// <summary>
    /// True once the write just made through <see cref="DatabaseAsync"/> to <paramref name="key"/>'s
    /// master is on enough replicas (always true when none are required); false when the master
    /// answered with fewer within the timeout.
    /// </summary>
    public async Task<bool> ConfirmAsync(RedisKey key)
    {
        var (wanted, timeout) = (options.Value.ReplicaAcks, options.Value.ReplicaAckTimeout);
        if (wanted == 0) return true;
        var durable = await _durable.Value;
        // WAIT counts this connection's earlier writes: it must reach the master that took the write,
        // over the same connection (a multiplexer keeps one interactive connection per node).
        var master = await durable.GetDatabase().IdentifyEndpointAsync(key);
        if (master is null) return false;
        return (long)await durable.GetServer(master).ExecuteAsync("WAIT", wanted, (long)timeout.TotalMilliseconds) >= wanted;
    }

    public async ValueTask DisposeAsync()
    {
        if (_durable.IsValueCreated) await (await _durable.Value).DisposeAsync();
    }
}

/// <summary>A write took place on the master but not (yet) on enough replicas: answered as UNAVAILABLE.</summary>
public sealed class NotReplicatedException(string message) : Exception(message);
