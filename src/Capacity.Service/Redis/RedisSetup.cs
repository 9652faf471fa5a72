using System.ComponentModel.DataAnnotations;
using StackExchange.Redis;

namespace Capacity.Service.Redis;

public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. "localhost:6379" or a list of cluster nodes.</summary>
    [Required]
    public string Configuration { get; set; } = "localhost:6379";
}

public static class RedisSetup
{
    /// <summary>One multiplexer for the whole process, as StackExchange.Redis intends.</summary>
    public static IServiceCollection AddRedis(this IServiceCollection services)
    {
        services.AddOptions<RedisOptions>().BindConfiguration("Redis").ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<RedisOptions>>().Value;
            var config = ConfigurationOptions.Parse(options.Configuration);
            // Keep retrying in the background instead of failing start-up when Redis is a moment late
            // (docker compose starts both at once); the registry load waits for it and logs why.
            config.AbortOnConnectFail = false;
            config.ClientName ??= "capacity-service";
            return ConnectionMultiplexer.Connect(config);
        });
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
