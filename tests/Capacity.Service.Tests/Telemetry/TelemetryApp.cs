using System.Collections.Concurrent;
using System.Diagnostics;
using Capacity.Service.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Capacity.Service.Tests.Telemetry;

/// <summary>
/// The service with spans on, the Prometheus port set, and OpenTelemetry's in-memory exporters
/// beside the configured ones. The service's meter is process-wide, so measurements of other test
/// hosts running at the same time would arrive here too: the telemetry classes are therefore in
/// <see cref="TelemetryCollection"/>, which xunit runs alone, and assert exact deltas.
/// </summary>
public sealed class TelemetryApp : CapacityApp
{
    public const int ManagementPort = 9464;

    readonly List<MetricSnapshot> _metrics = [];
    public ConcurrentQueue<Activity> Activities { get; } = new();

    public TelemetryApp()
    {
        With("Telemetry:Tracing", "true");
        With("Telemetry:Prometheus:Port", ManagementPort.ToString());
        With("Pull:AllowLoopback", "true"); // the pull-failure metric's provider serves its file on loopback
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services =>
        {
            services.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(_metrics));
            services.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(new SimpleActivityExportProcessor(new QueueExporter(Activities))));
        });
    }

    /// <summary>The points of metric <paramref name="name"/> as of now (collected on the call).</summary>
    public IReadOnlyList<MetricPoint> Points(string name)
    {
        lock (_metrics)
        {
            _metrics.Clear();
            Services.GetRequiredService<MeterProvider>().ForceFlush();
            return _metrics.LastOrDefault(m => m.Name == name)?.MetricPoints ?? [];
        }
    }

    sealed class QueueExporter(ConcurrentQueue<Activity> queue) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var activity in batch) queue.Enqueue(activity);
            return ExportResult.Success;
        }
    }
}

/// <summary>Not in parallel with anything: xunit v3 runs such a collection alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;

static class MetricPointExtensions
{
    public static string? Tag(this MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key) return tag.Value as string;
        return null;
    }

    public static bool Has(this MetricPoint point, params (string Key, string Value)[] tags) => tags.All(t => point.Tag(t.Key) == t.Value);
}
