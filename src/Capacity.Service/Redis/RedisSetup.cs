using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace Capacity.Service.Redis;

public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. "localhost:6379" or a list of cluster nodes.</summary>
    [Required]
    public string Configuration { get; set; } = "localhost:6379";

    /// <summary>
    /// How long one Redis operation may take before the call that needs it gives up and answers
    /// UNAVAILABLE (StackExchange.Redis waits 5 s by default): well under a call's deadline, and
    /// far above a healthy operation (sub-millisecond; a national capacity publish ~100 ms).
    /// Commands issued while the connection is down wait in its backlog for at most this long.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one attempt to (re)connect may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// On a Redis with replicas (a cluster), how many replicas must have a granted hold or a referral
    /// step before the service acknowledges it (see <see cref="ReplicaAcknowledgement"/>); 0: none.
    /// </summary>
    public int ReplicaAcks { get; set; }

    /// <summary>How long the master may wait for those replicas before the step answers UNAVAILABLE.</summary>
    public TimeSpan ReplicaAckTimeout { get; set; } = TimeSpan.FromMilliseconds(200);

    public bool IsValid => OperationTimeout > TimeSpan.Zero && ConnectTimeout > TimeSpan.Zero && ReplicaAcks >= 0
        && ReplicaAckTimeout > TimeSpan.Zero && ReplicaAckTimeout < OperationTimeout;

    /// <summary>The client configuration for <paramref name="clientName"/>, with this service's timeouts.</summary>
    public ConfigurationOptions Client(string clientName)
    {
        var config = ConfigurationOptions.Parse(Configuration);
        // Keep retrying in the background instead of failing start-up when Redis is a moment late
        // (docker compose starts both at once); the registry load waits for it and logs why.
        config.AbortOnConnectFail = false;
        config.ClientName ??= clientName;
        if (!Configuration.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase)) config.AsyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        if (!Configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase)) config.SyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        if (!Configuration.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase)) config.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        // Timeouts are noticed on the heartbeat (1 s by default): a quarter of the timeout keeps
        // "gave up" within ~1.25 × OperationTimeout instead of up to 2 ×.
        config.HeartbeatInterval = TimeSpan.FromMilliseconds(Math.Clamp(OperationTimeout.TotalMilliseconds / 4, 100, 1000));
        // Reconnect at once and then every second or two (the default backs off to ~10 s), so the
        // service is back within seconds of Redis.
        config.ReconnectRetryPolicy = new LinearRetry(1000);
        return config;
    }
}

public static class RedisSetup
{
    /// <summary>One multiplexer for the whole process, as StackExchange.Redis intends.</summary>
    public static IServiceCollection AddRedis(this IServiceCollection services)
    {
        services.AddOptions<RedisOptions>().BindConfiguration("Redis").ValidateDataAnnotations()
            .Validate(o => o.IsValid, "Redis: OperationTimeout, ConnectTimeout and ReplicaAckTimeout must be positive, ReplicaAckTimeout below OperationTimeout, ReplicaAcks 0 or more").ValidateOnStart();
        services.AddSingleton<IConnectionMultiplexer>(sp =>
            ConnectionMultiplexer.Connect(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisOptions>>().Value.Client("capacity-service")));
        services.AddSingleton<ReplicaAcknowledgement>();
        return services;
    }
}

/// <summary>
/// Pub/sub channels are server-wide, keys belong to a logical database. Where a deployment uses
/// a database other than 0 (Redis Cluster only has 0), its channels carry the database number,
/// so deployments sharing one server on different databases never hear each other's changes.
/// </summary>
public static class RedisChannels
{
    public static RedisChannel Sharded(IConnectionMultiplexer redis, string name) =>
        redis.GetDatabase().Database is var db and not 0 ? RedisChannel.Sharded($"{name}@db{db}") : RedisChannel.Sharded(name);
}
