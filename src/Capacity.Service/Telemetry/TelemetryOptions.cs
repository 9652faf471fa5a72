namespace Capacity.Service.Telemetry;

/// <summary>Configuration section <c>Telemetry</c>; see docs/OBSERVABILITY.md.</summary>
public sealed class TelemetryOptions
{
    /// <summary>The service name on every span and metric (resource attribute <c>service.name</c>).</summary>
    public string ServiceName { get; set; } = "capacity";

    /// <summary>
    /// Where traces and metrics go over OTLP: the collector's base address, e.g. <c>http://collector:4317</c>
    /// for gRPC or <c>http://collector:4318</c> for http/protobuf (then /v1/traces and /v1/metrics
    /// are appended). Empty: the standard <c>OTEL_EXPORTER_OTLP_*</c> variables, read by the SDK,
    /// when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no OTLP export.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>
    /// Spans on or off. Null (the default): on when an OTLP endpoint is configured, since spans kept
    /// nowhere would only cost time on every call.
    /// </summary>
    public bool? Tracing { get; set; }

    /// <summary>The Prometheus scrape endpoint; off unless <see cref="PrometheusOptions.Port"/> is set.</summary>
    public PrometheusOptions Prometheus { get; set; } = new();

    /// <summary>How often the <c>capacity.providers.stale</c> gauge is sampled (one Redis read per instance).</summary>
    public TimeSpan StaleSampleInterval { get; set; } = TimeSpan.FromMinutes(1);

    public bool IsValid => StaleSampleInterval > TimeSpan.Zero && Prometheus.Port is null or (> 0 and <= 65535)
        && Prometheus.Path.StartsWith('/') && System.Net.IPAddress.TryParse(Prometheus.Address, out _)
        && (OtlpEndpoint.Length == 0 || Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out _));
}

public sealed class PrometheusOptions
{
    /// <summary>The management port that serves only the scrape endpoint; null: no Prometheus endpoint.</summary>
    public int? Port { get; set; }

    /// <summary>The address it listens on: loopback by default, so only the host itself (or a sidecar) can scrape.</summary>
    public string Address { get; set; } = "127.0.0.1";

    public string Path { get; set; } = "/metrics";
}
