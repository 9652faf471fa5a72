using Capacity.Service.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Tests.Telemetry;

/// <summary>
/// The management port answers only the scrape: sharing it with a Kestrel endpoint would answer
/// every API call there with 404, so such a configuration stops the start with a clear message.
/// </summary>
[Collection(nameof(TelemetryCollection))]
public sealed class PrometheusPortTests
{
    [Fact]
    public async Task APrometheusPortThatIsAlsoAKestrelEndpointsPortRefusesToStart()
    {
        var app = new CapacityApp().With("Kestrel:Endpoints:Web:Url", "http://*:5090").With("Telemetry:Prometheus:Port", "5090");
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(async () => await app.InitializeAsync());
        Assert.Contains("Telemetry:Prometheus:Port is also the port of a Kestrel", refused.Message);
        await app.DisposeAsync();
    }
}
