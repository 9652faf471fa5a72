using System.Diagnostics;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster of the test's own: <c>redis-server --cluster-enabled yes</c> processes on
/// loopback (Debian's redis-server; <c>redis-cli --cluster create</c> from redis-tools joins them),
/// with optional replicas per master, which a test may kill as a crash would. A cluster has only
/// database 0, so tests on one cluster are kept apart by running one at a time and emptying it
/// (<see cref="FlushAsync"/>) between them.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    readonly List<RedisProcess> _nodes;

    RedisCluster(List<RedisProcess> nodes) => _nodes = nodes;

    /// <summary>The seed nodes, as the service's <c>Redis:Configuration</c> takes them.</summary>
    public string Configuration => string.Join(',', _nodes.Select(n => n.Configuration));

    public IReadOnlyList<RedisProcess> Nodes => _nodes;

    /// <summary>Starts <paramref name="masters"/> masters with <paramref name="replicas"/> replicas each and waits until every slot is served.</summary>
    /// <param name="nodeTimeout">How long a master may be unreachable before its replica takes over (cluster-node-timeout).</param>
    public static async Task<RedisCluster> StartAsync(int masters = 3, int replicas = 0, TimeSpan? nodeTimeout = null)
    {
        var cli = FindOnPath("redis-cli") ?? throw new InvalidOperationException(
            "Cluster tests join their redis-server processes with redis-cli: install it with 'apt-get install redis-tools'.");
        var nodes = new List<RedisProcess>();
        try
        {
            var timeout = ((int)(nodeTimeout ?? TimeSpan.FromSeconds(2)).TotalMilliseconds).ToString();
            for (var i = 0; i < masters * (1 + replicas); i++)
                nodes.Add(await RedisProcess.StartAsync("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", timeout,
                    "--cluster-require-full-coverage", "no", // as deployed (scripts/cluster.sh): the other shards answer while one fails over
                    "--appendonly", "no"));
            // redis-cli assigns the first `masters` nodes as masters and the rest as their replicas.
            var (code, output) = await RunAsync(cli, ["--cluster", "create", .. nodes.Select(n => n.Configuration),
                "--cluster-replicas", replicas.ToString(), "--cluster-yes"]);
            if (code != 0) throw new InvalidOperationException($"redis-cli --cluster create failed ({code}): {output}");
            var cluster = new RedisCluster(nodes);
            await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            foreach (var node in nodes) await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until every running node says <c>cluster_state:ok</c>, all 16384 slots are assigned to
    /// reachable masters, and every master has its replicas connected.
    /// </summary>
    public async Task WaitUntilHealthyAsync(TimeSpan within)
    {
        var started = Stopwatch.StartNew();
        string last = "";
        while (started.Elapsed < within)
        {
            try
            {
                await using var redis = await ConnectAsync();
                var ok = true;
                foreach (var node in _nodes.Where(n => n.Running))
                {
                    var server = redis.GetServer("127.0.0.1", node.Port);
                    var info = (string)(await server.ExecuteAsync("CLUSTER", "INFO"))!;
                    if (!info.Contains("cluster_state:ok")) { ok = false; last = $"{node.Port}: {info.Split('\n')[0]}"; break; }
                    // A replica counts once it has the master's data: its link is up.
                    var replication = (await server.InfoAsync("replication")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
                    if (replication.GetValueOrDefault("role") == "slave" && replication.GetValueOrDefault("master_link_status") != "up")
                    {
                        ok = false;
                        last = $"{node.Port}: replica link {replication.GetValueOrDefault("master_link_status")}";
                        break;
                    }
                }
                if (ok && redis.GetEndPoints().Length > 0) return;
            }
            catch (Exception e) when (e is RedisException or InvalidOperationException)
            {
                last = e.Message;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the cluster did not become healthy within {within}: {last}");
    }

    /// <summary>An administrative connection (for tests' own reads and for flushing).</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() =>
        ConnectionMultiplexer.ConnectAsync(Configuration + ",allowAdmin=true,connectTimeout=1000,abortConnect=false");

    /// <summary>Empties every master (replicas follow), before the next test's hosts start.</summary>
    public async Task FlushAsync()
    {
        await using var redis = await ConnectAsync();
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (server.IsConnected && !server.IsReplica) await server.FlushAllDatabasesAsync();
        }
    }

    /// <summary>The node (process) that is master for <paramref name="key"/>'s slot now.</summary>
    public async Task<RedisProcess> MasterOfAsync(RedisKey key)
    {
        await using var redis = await ConnectAsync();
        var endpoint = (System.Net.IPEndPoint)(await redis.GetDatabase().IdentifyEndpointAsync(key))!;
        return _nodes.Single(n => n.Port == endpoint.Port);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
    }

    static async Task<(int Code, string Output)> RunAsync(string path, string[] arguments)
    {
        var info = new ProcessStartInfo(path, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {path}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
