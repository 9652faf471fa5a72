using Capacity.Service.Telemetry;
using OpenTelemetry.Exporter;

namespace Capacity.Service.Tests.Telemetry;

/// <summary>
/// A configured Telemetry:OtlpEndpoint reaches the collector at the path its protocol expects:
/// as given for gRPC, with /v1/traces or /v1/metrics for http/protobuf (setting the endpoint in
/// code turns off the SDK's own appending). Without one, the SDK's endpoint is left alone.
/// </summary>
public sealed class OtlpEndpointTests
{
    static Uri Resolved(string? configured, OtlpExportProtocol protocol, string signal)
    {
        var exporter = new OtlpExporterOptions { Protocol = protocol };
        TelemetrySetup.ConfigureOtlp(exporter, configured is null ? null : new Uri(configured), signal);
        return exporter.Endpoint;
    }

    [Theory]
    [InlineData("http://collector:4318", "v1/traces", "http://collector:4318/v1/traces")]
    [InlineData("http://collector:4318/", "v1/metrics", "http://collector:4318/v1/metrics")]
    [InlineData("https://otel.example.nl/ingest", "v1/traces", "https://otel.example.nl/ingest/v1/traces")]
    public void HttpProtobufGetsTheSignalPathAppended(string configured, string signal, string expected) =>
        Assert.Equal(new Uri(expected), Resolved(configured, OtlpExportProtocol.HttpProtobuf, signal));

    [Fact]
    public void GrpcUsesTheConfiguredEndpointAsItIs() =>
        Assert.Equal(new Uri("http://collector:4317"), Resolved("http://collector:4317", OtlpExportProtocol.Grpc, "v1/traces"));

    [Fact]
    public void WithoutAConfiguredEndpointTheSdksOwnIsLeftAlone() =>
        Assert.Equal(new OtlpExporterOptions { Protocol = OtlpExportProtocol.HttpProtobuf }.Endpoint,
            Resolved(null, OtlpExportProtocol.HttpProtobuf, "v1/traces"));
}
