using System.Text.Json.Serialization;
using Capacity.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Capacity.Service.Tests.Infrastructure;

/// <summary>
/// The real service host (Program) on an in-memory server, against a real Redis database of its
/// own, with a controllable clock. Talks to it as clients do: gRPC and SignalR.
/// </summary>
public class CapacityApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>Tests run on a fixed day so dates in them never drift into the past.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 6, 15, 10, 0, 0, TimeSpan.Zero);
    public static readonly DateOnly Today = new(2026, 6, 15);

    readonly Dictionary<string, string?> _settings = new();
    string? _redis;
    bool _leased; // this host holds a lease on its database (a second instance shares the first's, and holds one too)
    GrpcChannel? _channel;

    public CapacityApp() : this(null) { }

    CapacityApp(string? redis) => _redis = redis;

    /// <summary>A host on a Redis of the test's own (a <see cref="RedisProcess"/> or a <see cref="RedisCluster"/>), not a leased database of the shared one.</summary>
    public static CapacityApp On(string redisConfiguration) => new(redisConfiguration);

    public FakeTimeProvider Time { get; private set; } = new(Epoch);

    /// <summary>Everything this host logged at information level or above.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>The Redis configuration this host uses (its own logical database).</summary>
    public string Redis => _redis ?? throw new InvalidOperationException("Not initialised");

    /// <summary>
    /// Another service instance on the same Redis database and clock, with the same settings
    /// unless overridden, as in a scaled-out deployment.
    /// </summary>
    public async Task<CapacityApp> StartSecondInstanceAsync(params (string Key, string Value)[] overrides)
    {
        if (_leased) TestRedis.ShareDatabase(Redis);
        var other = new CapacityApp(Redis) { Time = Time, _leased = _leased }; // it gives a leased database back too
        foreach (var (key, value) in _settings.Concat(overrides.Select(o => KeyValuePair.Create(o.Key, (string?)o.Value))))
            other._settings[key] = value;
        await other.InitializeAsync();
        return other;
    }

    /// <summary>Overrides a configuration value before the host starts.</summary>
    public CapacityApp With(string key, string value)
    {
        _settings[key] = value;
        return this;
    }

    public virtual async ValueTask InitializeAsync()
    {
        if (_redis is null)
        {
            _redis = await TestRedis.LeaseDatabaseAsync();
            _leased = true;
        }
        _ = Server; // builds and starts the host: registry loaded, hosted services running
        _channel = CreateChannel();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Redis:Configuration", Redis);
        builder.UseSetting("Demo:Seed", "false");
        // No instance fetches registered capacity.json endpoints on its own (tests that register
        // one, e.g. the permission matrix, must not reach the internet); the pull tests run due pulls themselves.
        builder.UseSetting("Pull:Enabled", "false");
        builder.UseSetting("Registry:VersionPollInterval", "00:00:01");
        builder.UseSetting("Live:CoalesceWindow", "00:00:00.020");
        builder.UseSetting("Referrals:SweepInterval", "00:00:00.100");
        // Dozens of hosts share two cores while the suite runs: an operation can wait over a second
        // for a thread. The fault tests put the production timeout (1 s) back and measure it.
        builder.UseSetting("Redis:OperationTimeout", "00:00:05");
        // Tests fire hundreds of calls from one address on purpose; the limiter has its own tests.
        builder.UseSetting("Limits:RateLimit:Enabled", "false");
        // Functional tests call as anonymous; the authorization tests switch sign-in on with their own key.
        builder.UseSetting("Auth:Required", "false");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Time));
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    GrpcChannel Channel => _channel ?? throw new InvalidOperationException("Not initialised");

    public RegistryService.RegistryServiceClient Registry => new(Channel);
    public CapacityService.CapacityServiceClient Capacity => new(Channel);
    public ClientStopService.ClientStopServiceClient Stops => new(Channel);
    public MatchingService.MatchingServiceClient Matching => new(Channel);
    public RegionService.RegionServiceClient Regions => new(Channel);

    public GrpcChannel CreateChannel() => GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions { HttpHandler = Server.CreateHandler() });

    /// <summary>A channel whose every call carries <paramref name="bearerToken"/> (none: anonymous).</summary>
    public GrpcChannel CreateChannel(string? bearerToken) => bearerToken is null ? CreateChannel() : GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions
    {
        HttpHandler = Server.CreateHandler(),
        Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("Authorization", $"Bearer {bearerToken}");
            return Task.CompletedTask;
        })),
        UnsafeUseInsecureChannelCallCredentials = true,
    });

    /// <summary>A SignalR connection to the coordination hub over WebSockets, started.</summary>
    /// <param name="accessToken">Sent as a bearer header, or, with <paramref name="tokenInQuery"/>, as browsers do: ?access_token=.</param>
    public async Task<HubConnection> ConnectHubAsync(string? accessToken = null, bool tokenInQuery = false)
    {
        var server = Server;
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, tokenInQuery ? $"hubs/coordination?access_token={Uri.EscapeDataString(accessToken!)}" : "hubs/coordination"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.WebSocketFactory = async (context, token) =>
                {
                    var client = server.CreateWebSocketClient();
                    if (accessToken is not null && !tokenInQuery) client.ConfigureRequest = r => r.Headers.Authorization = $"Bearer {accessToken}";
                    return await client.ConnectAsync(context.Uri, token);
                };
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
        await connection.StartAsync(TestContext.Current.CancellationToken);
        return connection;
    }

    public override async ValueTask DisposeAsync()
    {
        _channel?.Dispose();
        await base.DisposeAsync();
        if (_leased) TestRedis.ReturnDatabase(Redis);
        _leased = false;
        GC.SuppressFinalize(this);
    }
}
