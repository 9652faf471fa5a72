using System.Net;
using Capacity.Service.Tests.Infrastructure;
using Hl7.Fhir.Model;

namespace Capacity.Service.Tests.Fhir;

/// <summary>
/// With Redis down, the FHIR and HSDS reads that need it answer 503 with Retry-After (as gRPC
/// answers UNAVAILABLE), never a 500; the directory, read from the in-process registry snapshot,
/// still answers.
/// </summary>
public sealed class StoreOutageTests : IAsyncLifetime
{
    RedisProcess _redis = null!;
    CapacityApp _app = null!;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisProcess.StartAsync();
        _app = CapacityApp.On(_redis.Configuration).With("Redis:OperationTimeout", "00:00:01"); // as in production
        await _app.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async System.Threading.Tasks.Task ReadsThatNeedRedisAnswer503AndTheDirectoryStillAnswers()
    {
        var (_, agbs) = await _app.ProvidersAsync("3511", 1);
        var http = _app.CreateClient();

        _redis.Kill();
        var figures = await http.GetAsync("/fhir/r4/MeasureReport?subject=Location/pc4-3511", Ct);
        var hsds = await http.GetAsync("/hsds/services", Ct);
        var directory = await http.GetAsync($"/fhir/r4/HealthcareService/hs-{agbs[0]}", Ct);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK), (figures.StatusCode, hsds.StatusCode, directory.StatusCode));
        Assert.Equal(TimeSpan.FromSeconds(1), figures.Headers.RetryAfter?.Delta);
        var outcome = FhirSpec.ParseAndValidate<OperationOutcome>(await figures.Content.ReadAsStringAsync(Ct));
        Assert.Equal(OperationOutcome.IssueType.Transient, outcome.Issue.Single().Code);
        Assert.Equal("application/problem+json", hsds.Content.Headers.ContentType?.MediaType);
    }
}
