using System.Text.Json.Serialization;
using Capacity.Service.Audit;
using Capacity.Service.Capacity;
using Capacity.Service.Capacity.Pull;
using Capacity.Service.ClientStops;
using Capacity.Service.Demo;
using Capacity.Service.Fhir;
using Capacity.Service.Geography;
using Capacity.Service.Hsds;
using Capacity.Service.Insight;
using Capacity.Service.Live;
using Capacity.Service.Matching;
using Capacity.Service.Mcsd;
using Capacity.Service.Redis;
using Capacity.Service.Referrals;
using Capacity.Service.Regions;
using Capacity.Service.Registry;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Capacity.Service.Telemetry;
using Capacity.Web;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Capacity.Service.Extensions;

public static class CapacityServices
{
    public static WebApplicationBuilder AddCapacityServices(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddRedis();
        services.AddSingleton(_ => PostcodeDirectory.LoadEmbedded());
        services.AddCoordinatorWeb();
        builder.AddCapacityTelemetry(); // metrics, traces, the Prometheus port: docs/OBSERVABILITY.md

        services.AddOptions<RegistryOptions>().BindConfiguration("Registry").ValidateOnStart();
        services.AddOptions<MatchingOptions>().BindConfiguration("Matching")
            .Validate(o => o.FreshnessWindow > TimeSpan.Zero && o.DefaultRadiusKm > 0 && o.MaxRadiusKm >= o.DefaultRadiusKm,
                "Matching: FreshnessWindow must be positive and 0 < DefaultRadiusKm <= MaxRadiusKm")
            .ValidateOnStart();
        services.AddOptions<LiveOptions>().BindConfiguration("Live").ValidateOnStart();
        services.AddOptions<DemoOptions>().BindConfiguration("Demo");
        services.AddOptions<ReferralOptions>().BindConfiguration("Referrals")
            .Validate(o => o.IsValid,
                "Referrals: deadlines, windows and intervals must be positive, 1 <= DefaultParallelOffers <= MaxParallelOffers, and each waiting escalation after its reminder")
            .ValidateOnStart();

        services.AddSingleton<RegistryStore>();
        services.AddSingleton<CapacityStore>();
        services.AddSingleton<Capacity.Outlook.OutlookStore>();
        services.AddSingleton<Capacity.Import.CapacityImporter>();
        services.AddSingleton<HoldStore>();
        services.AddSingleton<MatchingEngine>();
        services.AddSingleton<RegionalAvailabilityService>();
        services.AddSingleton<RegistryCache>();
        services.AddSingleton<LiveSubscriptions>();
        services.AddSingleton<ReferralStore>();
        services.AddSingleton<ReferralIndexes>();
        services.AddSingleton<UnmetDemandStore>();
        services.AddSingleton<ReferralNotifier>();
        services.AddSingleton<ReferralSearch>();
        services.AddSingleton<ReferralCommitter>();
        services.AddSingleton<Offering>();
        services.AddSingleton<ReferralAutomation>();
        services.AddSingleton<ReferralWorkflow>();
        services.AddSingleton<ReferralLists>();
        services.AddInsight(builder.Configuration);
        services.AddSingleton<ReferralSweeper>();
        services.AddOptions<AuditOptions>().BindConfiguration("Audit")
            .Validate(o => o.Retention >= TimeSpan.FromDays(1), "Audit:Retention must be at least a day").ValidateOnStart();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<CapacityFigures>(); // the figures FHIR MeasureReport and HSDS service_capacity show
        // Start order matters: the registry is loaded before the demo is seeded and before
        // live subscriptions listen for its changes.
        services.AddHostedService(sp => sp.GetRequiredService<RegistryCache>());
        services.AddHostedService<DemoSeeder>();
        services.AddMcsdDirectory(); // after the registry cache: the sync reads its snapshot
        services.AddHostedService(sp => sp.GetRequiredService<LiveSubscriptions>());
        services.AddHostedService(sp => sp.GetRequiredService<ReferralSweeper>());
        services.AddHostedService(sp => sp.GetRequiredService<AuditLog>());
        services.AddHostedService<StartupBanner>();
        services.AddCapacityPull();

        services.AddOptions<LimitsOptions>().BindConfiguration("Limits")
            .Validate(o => o.MaxReceiveMessageBytes >= 16 * 1024 && o.MaxStreamItems >= 1 && o.RateLimit.PermitsPerSecond >= 1 && o.RateLimit.Burst >= 1
                    && o.MaxCallDuration > TimeSpan.Zero,
                "Limits: MaxReceiveMessageBytes >= 16 KB, MaxStreamItems >= 1, RateLimit.PermitsPerSecond and Burst >= 1, MaxCallDuration > 0")
            .ValidateOnStart();
        services.AddCallerAuthentication(builder.Configuration);
        // Singletons, so their outage log counts across calls (added by type alone, grpc-dotnet and
        // SignalR would make one per call).
        services.AddSingleton<RedisFailureInterceptor>();
        services.AddSingleton<RedisFailureHubFilter>();
        services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = builder.Environment.IsDevelopment();
            o.Interceptors.Add<RedisFailureInterceptor>(); // outermost: the audit's own writes need Redis too
            o.Interceptors.Add<AuditInterceptor>(); // it records the authorization's refusals too
            o.Interceptors.Add<AuthorizationInterceptor>();
            o.Interceptors.Add<CallDeadlineInterceptor>();
        })
        // The web front end's API: /api/v1/… (routes in the protos) — the same services, checks and audit as gRPC.
        // Error details are packed in Any, so JSON needs to know their types.
        .AddJsonTranscoding(o => o.TypeRegistry = Google.Protobuf.Reflection.TypeRegistry.FromMessages(
            Google.Rpc.BadRequest.Descriptor, Google.Rpc.RetryInfo.Descriptor, Google.Rpc.ResourceInfo.Descriptor));
        services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<LimitsOptions>>((o, limits) => o.MaxReceiveMessageSize = limits.Value.MaxReceiveMessageBytes);
        // The JSON API's bodies: a message of the largest size may take a few times its bytes as
        // JSON; beyond that Kestrel refuses the body before anyone parses it (its default is 30 MB).
        // gRPC client streams lift this limit for themselves and are bounded per message and item count.
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<LimitsOptions>>((o, limits) => o.Limits.MaxRequestBodySize = 4L * limits.Value.MaxReceiveMessageBytes);
        services.AddCallerRateLimits();
        services.AddKnownProxies(); // behind the scale-out proxy: the caller's address for the rate limit
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<RedisHealthCheck>("redis");
        // Health/Check runs the check on each call; Health/Watch hears the published result: publish every second.
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(1);
            o.Period = TimeSpan.FromSeconds(1);
            o.Timeout = RedisHealthCheck.Timeout;
        });
        // The Redis backplane carries group messages (a referral step on one instance, its parties
        // connected to another) between instances. It gets a connection of its own, because its
        // channel prefix (which keeps deployments on different databases apart) is set per connection.
        services.AddSignalR(o =>
            {
                o.AddFilter<HubAuthorizationFilter>();
                o.AddFilter<RedisFailureHubFilter>();
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .AddStackExchangeRedis();
        services.AddOptions<Microsoft.AspNetCore.SignalR.StackExchangeRedis.RedisOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<RedisOptions>>((o, redis) =>
            {
                o.Configuration = redis.Value.Client("capacity-signalr");
                var db = o.Configuration.DefaultDatabase ?? 0;
                o.Configuration.ChannelPrefix = RedisChannel.Literal(db == 0 ? "capacity:" : $"capacity@db{db}:");
            });
        return builder;
    }

    /// <summary>gRPC server reflection: <c>Grpc:Reflection</c>, by default on in Development only.</summary>
    public static bool ReflectionOn(WebApplication app) => app.Configuration.GetValue<bool?>("Grpc:Reflection") ?? app.Environment.IsDevelopment();

    public static WebApplication MapCapacityEndpoints(this WebApplication app)
    {
        app.UseCapacityTelemetry(); // the management port's scrape, before anything else
        app.UseKnownProxies(); // first: everything after it sees the client's address, not the proxy's
        app.UseCoordinatorWeb(app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.WebSignInOrigin);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter(); // after authentication: the limit is per signed-in caller
        app.UseUndecodableRequestCheck(); // after authorization: an anonymous caller's body is never read
        // With sign-in required, every capacity.v1 method needs a valid token at the endpoint,
        // before its body is read; the permission table then checks role and tenant per call.
        var signInRequired = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Required;
        foreach (var service in new IEndpointConventionBuilder[]
                 {
                     app.MapGrpcService<RegistryGrpcService>(), app.MapGrpcService<CapacityGrpcService>(), app.MapGrpcService<CapacityEndpointGrpcService>(), app.MapGrpcService<ClientStopGrpcService>(),
                     app.MapGrpcService<MatchingGrpcService>(), app.MapGrpcService<RegionGrpcService>(), app.MapGrpcService<ReferralGrpcService>(),
                     app.MapGrpcService<OfferGrpcService>(), app.MapGrpcService<MediationGrpcService>(), app.MapGrpcService<AuditGrpcService>(), app.MapGrpcService<Insight.InsightGrpcService>(),
                 })
            if (signInRequired) service.RequireAuthorization(AuthenticationSetup.SignedIn);
        app.MapGrpcHealthChecksService();
        // Reflection lets tools like grpcurl list the API: open, so only in development and the demo.
        if (ReflectionOn(app)) app.MapGrpcReflectionService();
        app.MapHealthChecks("/healthz");
        // A connection ends when its token expires; the page renews the token and reconnects.
        app.MapHub<CoordinationHub>(CoordinationHub.Path, o => o.CloseOnAuthenticationExpiration = true);
        app.MapCoordinatorWeb();
        app.MapDemoSignIn();
        app.MapFhir(); // FHIR R4 out, read-only: /fhir/r4 (docs/FHIR-HSDS.md)
        app.MapHsds(); // Open Referral HSDS 3.x out, read-only: /hsds/services
        app.MapWebSignIn();
        return app;
    }
}

/// <summary>
/// Healthy when Redis answers a PING within <see cref="Timeout"/>: the probe answers in under a
/// second always, NOT_SERVING as soon as the connection is known lost (no wait at all) or a PING
/// goes unanswered.
/// </summary>
sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(700);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!redis.IsConnected) return HealthCheckResult.Unhealthy("Redis is not connected");
        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(Timeout, cancellationToken);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Redis did not answer a PING within {Timeout.TotalMilliseconds:0} ms ({e.GetType().Name})");
        }
    }
}

/// <summary>Says where to open the service once it listens.</summary>
sealed class StartupBanner(Microsoft.AspNetCore.Hosting.Server.IServer server, IHostApplicationLifetime lifetime, IConfiguration config, IHostEnvironment environment, ILogger<StartupBanner> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            if (addresses.Count == 0) return; // in-memory test server
            var web = config["Kestrel:Endpoints:Web:Url"] ?? addresses.First();
            var grpc = config["Kestrel:Endpoints:Grpc:Url"] ?? addresses.First();
            var display = (string url) => url.Replace("://0.0.0.0", "://localhost").Replace("://[::]", "://localhost").Replace("://+", "://localhost");
            var reflection = config.GetValue<bool?>("Grpc:Reflection") ?? environment.IsDevelopment();
            logger.LogInformation(
                "Capacity is ready.\n  Web page:     {Web}/\n  SignalR hub:  {Web}{Hub}\n  gRPC (h2c):   {Grpc}  ({Open})",
                display(web).TrimEnd('/'), display(web).TrimEnd('/'), CoordinationHub.Path, display(grpc),
                reflection ? "server reflection and grpc.health.v1 are on" : "grpc.health.v1 is on");
        });
        return Task.CompletedTask;
    }
}
