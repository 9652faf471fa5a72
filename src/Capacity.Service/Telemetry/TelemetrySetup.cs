using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Capacity.Service.Telemetry;

/// <summary>
/// OpenTelemetry for the service (docs/OBSERVABILITY.md). Metrics (the service's own instruments,
/// ASP.NET Core/Kestrel/SignalR connections and the runtime) are collected whenever they can leave
/// the process: over OTLP when an endpoint is configured, on the Prometheus port when one is.
/// Spans cost more (an activity and its tags per call, a profiling session per Redis command), so
/// they are made only when asked for or when there is an OTLP endpoint to send them to.
/// </summary>
public static class TelemetrySetup
{
    /// <summary>ASP.NET Core's SignalR hub-method spans (.NET 9 and later).</summary>
    const string SignalRSource = "Microsoft.AspNetCore.SignalR.Server";

    public static WebApplicationBuilder AddCapacityTelemetry(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindConfiguration("Telemetry")
            .Validate(o => o.IsValid, "Telemetry: StaleSampleInterval > 0, Prometheus:Port 1-65535 (or unset), Prometheus:Address an IP address, Prometheus:Path from '/', OtlpEndpoint an absolute URI")
            .Validate<IConfiguration>((o, config) => o.Prometheus.Port is not { } port || !KestrelPorts(config).Contains(port),
                "Telemetry:Prometheus:Port is also the port of a Kestrel:Endpoints:*:Url; the management port must be a port of its own (on it every request but the scrape is answered 404)")
            .ValidateOnStart();
        services.AddSingleton<StaleProviders>();

        // Read once here: which providers and exporters exist is decided at start-up.
        var options = builder.Configuration.GetSection("Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();
        // A malformed endpoint is left to the options' validation, which names it at start-up. One
        // from OTEL_EXPORTER_OTLP_ENDPOINT is left to the SDK, which reads its variables itself
        // (and appends /v1/traces, /v1/metrics for http/protobuf); setting Endpoint in code would
        // turn that off, so a configured one gets its signal path here.
        var configured = options.OtlpEndpoint.Length > 0 && Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var endpoint) ? endpoint : null;
        var otlp = configured is not null || Uri.TryCreate(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"), UriKind.Absolute, out _);
        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService(options.ServiceName));
        // Without an exporter nobody could read the figures: then nothing listens, and every
        // instrument stays a disabled no-op.
        if (otlp || options.Prometheus.Port is not null)
        {
            // The stale-providers sampler reads Redis every interval only for the gauge.
            services.AddHostedService(sp => sp.GetRequiredService<StaleProviders>());
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(CapacityMetrics.Name, "Capacity.Live").AddAspNetCoreInstrumentation().AddRuntimeInstrumentation();
                if (otlp) metrics.AddOtlpExporter(o => ConfigureOtlp(o, configured, "v1/metrics"));
                if (options.Prometheus.Port is not null) metrics.AddPrometheusExporter();
            });
        }
        if (options.Tracing ?? otlp)
            telemetry.WithTracing(tracing =>
            {
                tracing.AddSource(CapacityMetrics.Name, SignalRSource)
                    // Probes every second would drown the calls that matter.
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/healthz")
                        && !context.Request.Path.StartsWithSegments("/grpc.health.v1.Health"))
                    // The service's one multiplexer, resolved from DI (RedisSetup); the SignalR
                    // backplane's own connection is not traced.
                    .AddRedisInstrumentation();
                if (otlp) tracing.AddOtlpExporter(o => ConfigureOtlp(o, configured, "v1/traces"));
            });

        if (options.Prometheus.Port is { } port)
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(options.Prometheus.Address), port, l => l.Protocols = HttpProtocols.Http1));
        return builder;
    }

    /// <summary>The ports of the configured Kestrel endpoints (Kestrel:Endpoints:*:Url, also <c>http://*:5080</c> forms).</summary>
    static IEnumerable<int> KestrelPorts(IConfiguration config) =>
        config.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>()
            .Select(url => { try { return BindingAddress.Parse(url).Port; } catch (FormatException) { return 0; } });

    /// <summary>
    /// Points <paramref name="exporter"/> at the configured Telemetry:OtlpEndpoint, if any: as it is
    /// for gRPC, with the signal's path (<c>v1/traces</c>, <c>v1/metrics</c>) appended for
    /// http/protobuf, as the SDK does for OTEL_EXPORTER_OTLP_ENDPOINT. Without one, the SDK's own
    /// reading of the OTEL_EXPORTER_OTLP_* variables stands.
    /// </summary>
    public static void ConfigureOtlp(OtlpExporterOptions exporter, Uri? configured, string signalPath)
    {
        if (configured is null) return;
        exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(configured.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + signalPath)
            : configured;
    }

    /// <summary>
    /// First in the pipeline: a request that arrived on the management port is answered there — the
    /// scrape at its path, 404 for anything else — and never reaches sign-in, rate limits, audit or
    /// the API. On the web and gRPC ports the scrape path does not exist.
    /// </summary>
    public static WebApplication UseCapacityTelemetry(this WebApplication app)
    {
        var prometheus = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value.Prometheus;
        if (prometheus.Port is not { } port) return app;
        app.MapWhen(context => context.Connection.LocalPort == port, management =>
        {
            management.UseOpenTelemetryPrometheusScrapingEndpoint(prometheus.Path);
            management.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        return app;
    }
}
