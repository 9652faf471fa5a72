using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Testcontainers.Redis;

namespace Capacity.Service.Tests.Infrastructure;

/// <summary>
/// The one real Redis the tests run against, found in this order: the connection string in
/// CAPACITY_TEST_REDIS; a redis-server (Debian package) started here on a free loopback port;
/// Testcontainers.Redis where a Docker engine runs. If none works the tests fail and say what to
/// install — they never skip and never fall back to a fake.
/// Each test host leases a logical database of its own, emptied before it is handed out, and
/// gives it back when it stops, so hosts of one test process running at the same time never see
/// each other's data. (Two test processes on one shared CAPACITY_TEST_REDIS each keep their own
/// pool: there, codes unique in the run keep tests apart, but not regional totals.)
/// </summary>
public static class TestRedis
{
    const int Databases = 64;
    static readonly SemaphoreSlim Gate = new(1, 1);
    static readonly Lock Pool = new();
    static string? _endpoint;
    static int _databases;
    static int[]? _hosts; // per database: the hosts using it now
    static Process? _server;
    static RedisContainer? _container;

    /// <summary>
    /// A database no running host uses, emptied first (database 0 is left to whoever else uses
    /// that server). Only when every one is in use — more hosts at once than a shared server with
    /// the default 16 databases has — do hosts share one; then it is not emptied, and tests that
    /// count regional totals may see another host's data. Give it back with <see cref="ReturnDatabase"/>.
    /// </summary>
    public static async Task<string> LeaseDatabaseAsync()
    {
        var endpoint = await EndpointAsync();
        int db;
        bool unused;
        lock (Pool)
        {
            _hosts ??= new int[_databases];
            db = Enumerable.Range(1, _databases - 1).MinBy(d => _hosts[d]);
            unused = _hosts[db]++ == 0;
        }
        var config = $"{endpoint},defaultDatabase={db}";
        if (unused)
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(config + ",allowAdmin=true");
            await redis.GetDatabase(db).ExecuteAsync("FLUSHDB");
        }
        return config;
    }

    /// <summary>Another host uses the database of <paramref name="config"/> as well (a second service instance); it returns it too.</summary>
    public static void ShareDatabase(string config)
    {
        lock (Pool) _hosts![DatabaseOf(config)]++;
    }

    static int DatabaseOf(string config) =>
        int.Parse(config[(config.LastIndexOf("defaultDatabase=", StringComparison.Ordinal) + "defaultDatabase=".Length)..]);

    /// <summary>The host that leased <paramref name="config"/> has stopped: the next lease may empty and reuse its database.</summary>
    public static void ReturnDatabase(string config)
    {
        lock (Pool) _hosts![DatabaseOf(config)]--;
    }

    static async Task<string> EndpointAsync()
    {
        if (_endpoint is not null) return _endpoint;
        await Gate.WaitAsync();
        try
        {
            return _endpoint ??= await FindAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    static async Task<string> FindAsync()
    {
        var failures = new List<string>();

        if (Environment.GetEnvironmentVariable("CAPACITY_TEST_REDIS") is { Length: > 0 } given)
        {
            _databases = await CountDatabasesAsync(given);
            return given;
        }

        if (FindOnPath("redis-server") is { } redisServer)
        {
            try
            {
                var endpoint = await StartRedisServerAsync(redisServer);
                _databases = Databases;
                return endpoint;
            }
            catch (Exception e)
            {
                failures.Add($"redis-server at {redisServer} did not start: {e.Message}");
            }
        }
        else failures.Add("no redis-server on PATH");

        try
        {
            _container = new RedisBuilder("redis:7.2").WithCommand("--databases", Databases.ToString()).Build();
            await _container.StartAsync();
            _databases = Databases;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _container.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return _container.GetConnectionString();
        }
        catch (Exception e)
        {
            failures.Add($"Testcontainers could not start Redis: {e.Message}");
        }

        throw new InvalidOperationException(
            "The tests need a real Redis and found none (" + string.Join("; ", failures) + "). " +
            "Install it with 'apt-get install redis-server' (Debian/Ubuntu), run a Docker engine for Testcontainers, " +
            "or point CAPACITY_TEST_REDIS at a Redis 7 server, e.g. CAPACITY_TEST_REDIS=localhost:6379.");
    }

    static async Task<string> StartRedisServerAsync(string path)
    {
        var port = FreePort();
        var info = new ProcessStartInfo(path,
            ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--databases", Databases.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _server = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
        _server.OutputDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { _server.Kill(); } catch (InvalidOperationException) { }
        };

        var endpoint = $"127.0.0.1:{port}";
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (_server.HasExited) throw new InvalidOperationException($"exited with code {_server.ExitCode}: {await _server.StandardError.ReadToEndAsync()}");
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync(endpoint + ",connectTimeout=200");
                await probe.GetDatabase().PingAsync();
                return endpoint;
            }
            catch (RedisConnectionException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException("no PING answer within 5 s");
    }

    static async Task<int> CountDatabasesAsync(string config)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(config + ",allowAdmin=true");
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var values = await server.ConfigGetAsync("databases");
        return values.Length > 0 ? int.Parse(values[0].Value) : 16;
    }

    static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
