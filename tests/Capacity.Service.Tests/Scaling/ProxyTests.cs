using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Capacity.Service.Live;
using Capacity.Service.Matching;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Scaling;

/// <summary>
/// The scale-out topology as scripts/cluster.sh runs it — a Redis Cluster (three masters, three
/// replicas), two service instances from the built dll, the YARP proxy (tools/Capacity.Proxy) —
/// on free ports of its own, driven only through the proxy: gRPC calls on one HTTP/2 connection
/// are spread over both instances, and a SignalR connection negotiates and then opens its
/// WebSocket through the proxy (the affinity cookie must bring it to the instance that issued
/// the connection token: the proxy balances round robin, so without it the WebSocket would reach
/// the other instance and be refused) and receives a push for a change published through gRPC.
/// </summary>
public sealed class ProxyTests(ClusterScript cluster) : IClassFixture<ClusterScript>
{
    [Fact]
    public async Task GrpcCallsOnOneConnectionAreSpreadOverBothInstances()
    {
        using var channel = GrpcChannel.ForAddress(cluster.GrpcUrl);
        var health = new Health.HealthClient(channel);
        var matching = new MatchingService.MatchingServiceClient(channel);
        var nurse = await cluster.DemoTokenAsync("requester", "amstelland-ziekenhuis");
        var servedBy = new List<string>();
        var candidates = new HashSet<int>();

        for (var i = 0; i < 4; i++)
        {
            using var check = health.CheckAsync(new HealthCheckRequest());
            servedBy.Add(InstanceOf(await check.ResponseHeadersAsync));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await check).Status);

            using var search = matching.FindProvidersAsync(
                TestData.Search("1183 AB", "7095", CareType.DistrictNursing, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1)),
                new Metadata { { "authorization", $"Bearer {nurse}" } });
            servedBy.Add(InstanceOf(await search.ResponseHeadersAsync));
            candidates.Add((await search).Candidates.Count);
        }

        Assert.Equal(["instance1", "instance2"], servedBy.Distinct().Order());
        Assert.True(candidates.Single() > 0, "both instances find the demo's providers for a VGZ patient in 1183");
    }

    [Fact]
    public async Task SignalRNegotiatesThroughTheProxyAndReceivesAPush()
    {
        var nurse = await cluster.DemoTokenAsync("requester", "amstelland-ziekenhuis");
        var provider = await cluster.DemoTokenAsync("provider", "75010001");
        var tomorrow = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1);
        await using var hub = new HubConnectionBuilder()
            .WithUrl($"{cluster.WebUrl}/hubs/coordination", o =>
            {
                // Negotiate first (no SkipNegotiation), then the WebSocket: two requests the proxy must send to one instance.
                o.Transports = HttpTransportType.WebSockets;
                o.AccessTokenProvider = () => Task.FromResult<string?>(nurse);
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
        var pushes = new Pushes<SearchUpdate>(hub, nameof(ICoordinationClient.SearchUpdated));
        await hub.StartAsync(TestContext.Current.CancellationToken);
        await hub.InvokeAsync<SearchUpdate>(nameof(CoordinationHub.SubscribeToSearch),
            new SearchRequest("1183", "7095", CareType.DistrictNursing, tomorrow), TestContext.Current.CancellationToken);

        // Through the proxy's gRPC side, to whichever instance it picks: the push comes over Redis.
        var free = Random.Shared.Next(7, 40);
        using var channel = GrpcChannel.ForAddress(cluster.GrpcUrl);
        await new CapacityService.CapacityServiceClient(channel).SetCapacityAsync(
            new SetCapacityRequest { Agb = "75010001", Pc4 = "1183", CareType = CareType.DistrictNursing, FreePlaces = free, Version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() },
            new Metadata { { "authorization", $"Bearer {provider}" } });

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var update = await pushes.NextAsync(within: deadline - DateTime.UtcNow);
            if (update.Result.Candidates.Any(c => c.Provider.Agb == "75010001" && c.FreePlaces == free)) break;
        }
        Assert.Equal(HubConnectionState.Connected, hub.State);
    }

    static string InstanceOf(Metadata headers) =>
        headers.GetValue("capacity-instance") ?? throw new Xunit.Sdk.XunitException("The proxy's answer names no instance (capacity-instance header)");
}

/// <summary>
/// <c>scripts/cluster.sh up</c> on free ports in a folder of its own, <c>down</c> at the end. In a
/// Release build the test project has just built the service and the proxy (it references the
/// proxy for that), so the script uses that build; otherwise it builds Release itself.
/// </summary>
public sealed class ClusterScript : IAsyncLifetime
{
    static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(180);
    readonly string _root = RepositoryRoot();
    readonly string _directory = Path.Combine(Path.GetTempPath(), $"capacity-cluster-{Guid.NewGuid():N}");
    readonly Dictionary<string, string> _environment = [];
    int _webPort;

    public string WebUrl => $"http://127.0.0.1:{_webPort}";
    public string GrpcUrl => $"http://127.0.0.1:{_webPort + 1}";

    public async ValueTask InitializeAsync()
    {
        // The proxy's two ports and the instances' four in one run; the six Redis nodes in another,
        // below Linux's ephemeral range together with their cluster bus ports (+10000).
        _webPort = FreeRun(23000, 29000, 6, bus: false);
        var redisPort = FreeRun(20000, 22000, 6, bus: true);
        _environment["CAPACITY_CLUSTER_DIR"] = _directory;
        _environment["CAPACITY_CLUSTER_WEB_PORT"] = _webPort.ToString();
        _environment["CAPACITY_CLUSTER_GRPC_PORT"] = (_webPort + 1).ToString();
        _environment["CAPACITY_CLUSTER_INSTANCE_PORT"] = (_webPort + 2).ToString();
        _environment["CAPACITY_CLUSTER_REDIS_PORT"] = redisPort.ToString();
        _environment["CAPACITY_CLUSTER_REDIS"] = "cluster";
        _environment["CAPACITY_DEMO_SIGNING_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
#if !DEBUG
        _environment["CAPACITY_CLUSTER_NO_BUILD"] = "1";
#endif
        try
        {
            await RunAsync("up", UpTimeout);
        }
        catch
        {
            await RunAsync("down", TimeSpan.FromSeconds(60)); // what a failed up started must not outlive the test (its Redis nodes daemonize)
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("down", TimeSpan.FromSeconds(60));
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    /// <summary>A token for a demo identity, from the demo sign-in, through the proxy.</summary>
    public async Task<string> DemoTokenAsync(string role, string code)
    {
        using var http = new HttpClient();
        var answer = await http.GetFromJsonAsync<DemoToken>($"{WebUrl}/demo/token?role={role}&code={code}", TestContext.Current.CancellationToken);
        return answer!.Token;
    }

    sealed record DemoToken(string Token);

    async Task RunAsync(string command, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(_root, "scripts", "cluster.sh"), command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _root,
        };
        foreach (var (name, value) in _environment) info.Environment[name] = value;
        using var script = Process.Start(info)!;
        var output = script.StandardOutput.ReadToEndAsync();
        var errors = script.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await script.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            script.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"scripts/cluster.sh {command} took longer than {timeout.TotalSeconds} s:\n{await output}\n{await errors}");
        }
        if (script.ExitCode != 0)
            throw new InvalidOperationException($"scripts/cluster.sh {command} failed ({script.ExitCode}):\n{await output}\n{await errors}");
    }

    static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capacity.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Capacity.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The first of <paramref name="count"/> consecutive free ports from a random start in [from, to).</summary>
    static int FreeRun(int from, int to, int count, bool bus)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var start = Random.Shared.Next(from, to);
            if (Enumerable.Range(start, count).All(p => Free(p) && (!bus || Free(p + 10000)))) return start;
        }
        throw new InvalidOperationException($"No {count} consecutive free ports between {from} and {to}");
    }

    static bool Free(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
