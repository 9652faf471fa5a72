using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Capacity.Service.Tests.Infrastructure;

/// <summary>
/// A redis-server of a fault test's own, on a free loopback port with its own data directory,
/// that the test may kill (SIGKILL, as a crash would) and start again on the same port and files.
/// Needs Debian's redis-server on PATH (the fault tests say so and fail otherwise; they never skip).
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    readonly string _path;
    readonly string[] _extra;
    Process? _server;

    RedisProcess(string path, int port, string directory, string[] extra)
    {
        _path = path;
        Port = port;
        Directory = directory;
        _extra = extra;
    }

    public int Port { get; }

    /// <summary>Where the server keeps its append-only file and snapshots.</summary>
    public string Directory { get; }

    /// <summary>A StackExchange.Redis configuration for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public bool Running => _server is { HasExited: false };

    /// <summary>Starts a server; <paramref name="arguments"/> are extra redis-server options, e.g. "--appendonly", "yes".</summary>
    public static async Task<RedisProcess> StartAsync(params string[] arguments)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "redis-server")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Fault tests start their own Redis: install it with 'apt-get install redis-server'.");
        var directory = Path.Combine(Path.GetTempPath(), $"capacity-redis-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        var redis = new RedisProcess(path, FreePort(), directory, arguments);
        await redis.RestartAsync();
        return redis;
    }

    /// <summary>Starts the server again on the same port and data directory (after <see cref="Kill"/>), and waits until it answers.</summary>
    public async Task RestartAsync()
    {
        if (Running) throw new InvalidOperationException("Redis is still running");
        var info = new ProcessStartInfo(_path, ["--port", Port.ToString(), "--bind", "127.0.0.1", "--dir", Directory, "--save", "", .. _extra])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var server = Process.Start(info) ?? throw new InvalidOperationException("Process.Start returned null");
        server.OutputDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        _server = server;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill();
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (server.HasExited) throw new InvalidOperationException($"redis-server exited with code {server.ExitCode}: {await server.StandardError.ReadToEndAsync()}");
            try
            {
                await using var probe = await ConnectionMultiplexer.ConnectAsync(Configuration + ",connectTimeout=200,abortConnect=true");
                await probe.GetDatabase().PingAsync(); // LOADING until the append-only file is read back
                return;
            }
            catch (Exception e) when (e is RedisConnectionException or RedisServerException or RedisTimeoutException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException("redis-server did not answer PING within 20 s");
    }

    /// <summary>SIGKILL: no shutdown, no final fsync or snapshot — what a crash of the Redis process leaves.</summary>
    public void Kill()
    {
        try
        {
            if (_server is { HasExited: false } server)
            {
                server.Kill();
                server.WaitForExit();
            }
        }
        catch (InvalidOperationException) { } // already gone
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
