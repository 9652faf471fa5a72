using System.Diagnostics;
using System.Text.RegularExpressions;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace Capacity.Service.Tests.Telemetry;

/// <summary>
/// The Prometheus endpoint answers on the management port only, and nothing else does there; a
/// gRPC search is one trace: the server span, the search's own span, and the Redis command it made.
/// </summary>
[Collection(nameof(TelemetryCollection))]
public sealed class ScrapeAndTraceTests(TelemetryApp app) : IClassFixture<TelemetryApp>
{
    async Task<HttpContext> GetAsync(string path, int localPort) =>
        await app.Server.SendAsync(context =>
        {
            context.Request.Method = HttpMethods.Get;
            context.Request.Path = path;
            context.Connection.LocalPort = localPort;
        });

    /// <summary>A series of <paramref name="name"/> for dementia case management with a value of exactly 1.</summary>
    static Regex Series(string name) =>
        new($"^{name}\\{{[^}}]*capacity_care_type=\"dementia_case_management\"[^}}]*\\}} 1( \\d+)?$", RegexOptions.Multiline);

    static string Body(HttpContext context) => new StreamReader(context.Response.Body).ReadToEnd();

    [Fact]
    public async Task TheManagementPortServesTheServiceMetricsInPrometheusTextFormat()
    {
        // The only search for this care type in the telemetry classes, which run alone: its series
        // exists, with a count of one, only because of this call.
        var (uzovi, _) = await app.ProvidersAsync("9721", 1, careType: CareType.DementiaCaseManagement);
        await app.FindAsync(TestData.Search("9721", uzovi, CareType.DementiaCaseManagement));

        var scrape = await GetAsync("/metrics", TelemetryApp.ManagementPort);

        Assert.Equal(StatusCodes.Status200OK, scrape.Response.StatusCode);
        var text = Body(scrape);
        Assert.Contains("# TYPE capacity_search_duration_seconds histogram", text);
        Assert.Contains("capacity_search_duration_seconds_bucket{", text);
        Assert.Matches(Series("capacity_search_duration_seconds_count"), text);
        Assert.Matches(Series("capacity_capacity_writes_total"), text);
    }

    [Fact]
    public async Task TheWebPortHasNoMetricsAndTheManagementPortNothingElse()
    {
        var onWeb = await GetAsync("/metrics", 5080);
        var apiOnManagement = await GetAsync("/api/v1/registry/providers", TelemetryApp.ManagementPort);
        var healthOnManagement = await GetAsync("/healthz", TelemetryApp.ManagementPort);

        Assert.DoesNotContain("capacity_", Body(onWeb));
        Assert.NotEqual(StatusCodes.Status200OK, onWeb.Response.StatusCode);
        Assert.Equal(StatusCodes.Status404NotFound, apiOnManagement.Response.StatusCode);
        Assert.Equal(StatusCodes.Status404NotFound, healthOnManagement.Response.StatusCode);
    }

    [Fact]
    public async Task AGrpcSearchIsOneTraceFromTheServerSpanThroughTheSearchToItsRedisRead()
    {
        var (uzovi, _) = await app.ProvidersAsync("9722", 1);

        await app.FindAsync(TestData.Search("9722", uzovi, CareType.DistrictNursing));

        var server = await ReferralData.EventuallyAsync(() => Task.FromResult(app.Activities.FirstOrDefault(a =>
            a.Kind == ActivityKind.Server && a.DisplayName.Contains("FindProviders"))), a => a is not null);
        var search = Assert.Single(app.Activities, a => a.ParentSpanId == server!.SpanId && a.OperationName == "capacity.search");
        var redis = await ReferralData.EventuallyAsync(() => Task.FromResult(app.Activities.FirstOrDefault(a =>
            a.ParentSpanId == search.SpanId && a.Kind == ActivityKind.Client && a.Source.Name.Contains("Redis"))), a => a is not null, TimeSpan.FromSeconds(15));
        Assert.Equal(server!.TraceId, redis!.TraceId);
        Assert.Contains("HMGET", redis.DisplayName);
        Assert.DoesNotContain(redis.TagObjects, t => t.Value?.ToString()?.Contains("9722") == true); // no keys: they name areas and ids
    }
}
