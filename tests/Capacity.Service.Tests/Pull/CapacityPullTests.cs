using Capacity.Service.Capacity.Pull;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Pull;

/// <summary>
/// Pulling a provider's capacity.json from a server the test runs: a fresh statement is
/// published, a changed one replaces it, a 304 publishes the kept statement again, and every
/// failure (500, bad JSON, timeout) publishes nothing — the figures age into "stale", never into
/// something the provider did not say. The background loop is off; the test runs due pulls itself
/// on the host's clock.
/// </summary>
public sealed class CapacityPullTests : IAsyncLifetime
{
    readonly CapacityApp _app = new CapacityApp() // the host's own puller is off (CapacityApp)
        .With("Pull:AllowLoopback", "true")
        .With("Pull:Timeout", "00:00:05"); // generous: a loaded CI machine once took over 2 s for a first fetch

    StatementServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        await _app.InitializeAsync();
        _server = await StatementServer.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _app.DisposeAsync();
    }

    CapacityEndpointService.CapacityEndpointServiceClient Endpoints => new(_app.CreateChannel());

    Task<int> RunDueAsync() => _app.Services.GetRequiredService<CapacityPuller>().RunDueAsync(TestContext.Current.CancellationToken);

    static string Statement(string postcodes, string available) =>
        $$"""{ "capacity": { "extramural": [ { "neighbourhood": { "name": "Wijk", "postalcodes": [{{postcodes}}] }, "available": [{{available}}] } ] } }""";

    async Task<Dictionary<string, CapacityFigure>> FiguresAsync(string agb) =>
        (await _app.Capacity.GetProviderCapacityAsync(new GetProviderCapacityRequest { Agb = agb })).Figures.ToDictionary(f => $"{f.Pc4}/{f.CareType}");

    async Task<string> ProviderWithEndpointAsync()
    {
        var agb = await _app.AddProviderAsync("1183", ["1181", "1182", "1183"]);
        await Endpoints.SetCapacityEndpointAsync(new SetCapacityEndpointRequest { Agb = agb, Url = _server.Url });
        return agb;
    }

    [Fact]
    public async Task AFreshStatementIsPublishedAndAChangedOneReplacesIt()
    {
        _server.Body = Statement("\"1181AB\", \"1183\"", """{ "type": "Wijkverpleging", "count": 3 }, { "type": "PTZ", "count": 0 }""");
        var agb = await ProviderWithEndpointAsync();

        Assert.Equal(1, await RunDueAsync());
        var status = await Endpoints.GetCapacityEndpointAsync(new GetCapacityEndpointRequest { Agb = agb });
        Assert.Equal((4, 0, ""), (status.FiguresPublished, status.ConsecutiveFailures, status.LastError));
        var figures = await FiguresAsync(agb);
        Assert.Equal(3, figures["1181/DistrictNursing"].FreePlaces);
        Assert.Equal(3, figures["1183/DistrictNursing"].FreePlaces);
        Assert.Equal(0, figures["1183/PalliativeTerminal"].FreePlaces); // "no capacity" is an explicit 0, published as such
        Assert.DoesNotContain("1182/DistrictNursing", figures.Keys); // not in the neighbourhood
        Assert.Equal(CapacityApp.Epoch + TimeSpan.FromMinutes(5), status.NextPullAt.ToDateTimeOffset());

        Assert.Equal(0, await RunDueAsync()); // not due again until the interval has passed
        _server.Body = Statement("\"1183\"", """{ "type": "wijkverpleging", "count": 1 }""");
        _app.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await RunDueAsync());
        var changed = await FiguresAsync(agb);
        Assert.Equal(1, changed["1183/DistrictNursing"].FreePlaces);
        // What the document no longer lists does not stay up until it turns stale: it is set to 0 with the new version.
        Assert.Equal(0, changed["1181/DistrictNursing"].FreePlaces);
        Assert.True(changed["1181/DistrictNursing"].Version > figures["1181/DistrictNursing"].Version);
    }

    [Fact]
    public async Task AFigureTheProviderPublishedWithAHigherVersionIsNotOverwrittenAndIsCountedAsOutdated()
    {
        _server.Body = Statement("\"1181\", \"1183\"", """{ "type": "wijkverpleging", "count": 2 }""");
        var agb = await ProviderWithEndpointAsync();
        await _app.PublishAsync(agb, "1183", CareType.DistrictNursing, 9, version: 4_000_000_000_000_000); // far above a fetch time in ms

        await RunDueAsync();

        var status = await Endpoints.GetCapacityEndpointAsync(new GetCapacityEndpointRequest { Agb = agb });
        Assert.Equal((1, 1), (status.FiguresPublished, status.FiguresOutdated));
        var figures = await FiguresAsync(agb);
        Assert.Equal((2, 9), (figures["1181/DistrictNursing"].FreePlaces, figures["1183/DistrictNursing"].FreePlaces));
    }

    [Fact]
    public async Task AfterARegistryChangeTheWholeDocumentIsReadAgainNotTheKeptStatement()
    {
        _server.Body = Statement("\"1183\", \"1184\"", """{ "type": "wijkverpleging", "count": 2 }""");
        _server.ETag = "\"v1\"";
        var agb = await ProviderWithEndpointAsync();
        await RunDueAsync();
        Assert.DoesNotContain("1184/DistrictNursing", (await FiguresAsync(agb)).Keys); // not served yet

        await _app.Registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider { Agb = agb, Name = $"Provider {agb}", BasePc4 = "1183", ServedPc4S = { "1181", "1182", "1183", "1184" }, Qualifications = new Qualifications() },
        });
        _app.Time.Advance(TimeSpan.FromMinutes(5));
        await RunDueAsync();

        Assert.Equal(["", ""], _server.Requests.ToArray()); // no If-None-Match: a 304 would have published the old filter's figures
        Assert.Equal(2, (await FiguresAsync(agb))["1184/DistrictNursing"].FreePlaces);
    }

    [Fact]
    public async Task PullNowDoesNotStartASecondFetchWhileOneIsUnderWay()
    {
        _server.Body = Statement("\"1183\"", """{ "type": "wijkverpleging", "count": 2 }""");
        _server.Delay = TimeSpan.FromMilliseconds(500);
        await using var second = await _app.StartSecondInstanceAsync();
        var agb = await ProviderWithEndpointAsync();

        var first = RunDueAsync(); // claims and fetches, slowly
        while (_server.Requests.IsEmpty) await Task.Delay(10, TestContext.Current.CancellationToken);
        await Endpoints.PullCapacityNowAsync(new PullCapacityNowRequest { Agb = agb });
        var ranOnSecond = await second.Services.GetRequiredService<CapacityPuller>().RunDueAsync(TestContext.Current.CancellationToken);

        Assert.Equal((1, 0), (await first, ranOnSecond));
        Assert.Single(_server.Requests);
    }

    [Fact]
    public async Task ANotModifiedAnswerPublishesTheKeptStatementAgain()
    {
        _server.Body = Statement("\"1183\"", """{ "type": "wijkverpleging", "count": 2 }""");
        _server.ETag = "\"v1\"";
        var agb = await ProviderWithEndpointAsync();
        await RunDueAsync();
        var first = (await FiguresAsync(agb))["1183/DistrictNursing"];

        _app.Time.Advance(TimeSpan.FromMinutes(5));
        await RunDueAsync();

        Assert.Equal(["", "\"v1\""], _server.Requests.ToArray()); // the second fetch was conditional
        var second = (await FiguresAsync(agb))["1183/DistrictNursing"];
        Assert.Equal(2, second.FreePlaces);
        Assert.True(second.Version > first.Version, "a statement that still holds is published again, so it does not turn stale");
        Assert.Equal(CapacityApp.Epoch + TimeSpan.FromMinutes(5), second.PublishedAt.ToDateTimeOffset());
    }

    [Theory]
    [InlineData(500, "", 0, PullErrors.HttpStatus)]
    [InlineData(302, "", 0, PullErrors.Redirect)]
    [InlineData(204, "", 0, PullErrors.HttpStatus)]
    [InlineData(200, "{ not json", 0, PullErrors.BadDocument)]
    [InlineData(200, """{ "capaciteit": [] }""", 0, PullErrors.BadDocument)]
    [InlineData(200, "", 6, PullErrors.Timeout)]
    public async Task AFailedPullPublishesNothingSoTheFiguresTurnStaleNotWrong(int status, string body, int delaySeconds, string code)
    {
        _server.Body = Statement("\"1183\"", """{ "type": "wijkverpleging", "count": 2 }""");
        var agb = await ProviderWithEndpointAsync();
        var uzovi = await _app.AddInsurerAsync();
        await _app.ContractAsync(agb, uzovi, CareType.DistrictNursing);
        await RunDueAsync();
        Assert.Equal("", (await Endpoints.GetCapacityEndpointAsync(new GetCapacityEndpointRequest { Agb = agb })).LastError); // the first pull went well
        var before = (await FiguresAsync(agb))["1183/DistrictNursing"];

        (_server.Status, _server.Body, _server.Delay) = (status, body, TimeSpan.FromSeconds(delaySeconds));
        _app.Time.Advance(TimeSpan.FromMinutes(5));
        await RunDueAsync();

        var endpoint = await Endpoints.GetCapacityEndpointAsync(new GetCapacityEndpointRequest { Agb = agb });
        Assert.Equal((code, 1), (endpoint.LastErrorCode, endpoint.ConsecutiveFailures));
        Assert.Equal(CapacityApp.Epoch + TimeSpan.FromMinutes(5), endpoint.LastErrorAt.ToDateTimeOffset());
        Assert.Equal(CapacityApp.Epoch, endpoint.LastSuccessAt.ToDateTimeOffset());
        // The wait doubles: 10 minutes after the first failure.
        Assert.Equal(CapacityApp.Epoch + TimeSpan.FromMinutes(15), endpoint.NextPullAt.ToDateTimeOffset());
        var after = (await FiguresAsync(agb))["1183/DistrictNursing"];
        Assert.Equal((before.FreePlaces, before.Version, before.PublishedAt), (after.FreePlaces, after.Version, after.PublishedAt));

        Assert.Equal("Candidate", (await _app.FindAsync(TestData.Search("1183", uzovi, CareType.DistrictNursing))).VerdictFor(agb));
        _app.Time.Advance(TimeSpan.FromHours(24));
        Assert.Equal("StaleCapacity", (await _app.FindAsync(TestData.Search("1183", uzovi, CareType.DistrictNursing))).VerdictFor(agb));
    }

    [Fact]
    public async Task EntriesThatCannotBeUsedAreListedAndTheRestIsPublished()
    {
        _server.Body = """
            { "capacity": { "extramural": [
                { "neighbourhood": { "name": "Noord", "postalcodes": ["1183", "9999", "12"] },
                  "available": [ { "type": "Wijkverpleging", "count": 4 }, { "type": "Corona", "count": 9 }, { "type": "nachtzorg", "count": -1 } ] }
              ] } }
            """;
        var agb = await ProviderWithEndpointAsync();
        await RunDueAsync();

        var status = await Endpoints.GetCapacityEndpointAsync(new GetCapacityEndpointRequest { Agb = agb });
        Assert.Equal(1, status.FiguresPublished);
        Assert.Equal(4, status.SkippedCount);
        Assert.Equal(
            [
                ("extramural[0].neighbourhood.postalcodes[1]", "AREA_NOT_SERVED", "9999"),
                ("extramural[0].neighbourhood.postalcodes[2]", "POSTCODE_FORMAT", "12"),
                ("extramural[0].available[1]", "CARE_TYPE_UNKNOWN", "Corona"),
                ("extramural[0].available[2].count", "NUMBER_RANGE", "-1"),
            ],
            status.Skipped.Select(s => (s.Path, s.Reason, s.Value)).ToArray());
        Assert.Equal(4, (await FiguresAsync(agb))["1183/DistrictNursing"].FreePlaces);
    }

    [Fact]
    public async Task TwoInstancesNeverFetchTheSameEndpointAtOnce()
    {
        _server.Body = Statement("\"1183\"", """{ "type": "wijkverpleging", "count": 2 }""");
        _server.Delay = TimeSpan.FromMilliseconds(300);
        await using var second = await _app.StartSecondInstanceAsync();
        var agb = await ProviderWithEndpointAsync();

        var ran = await Task.WhenAll(RunDueAsync(), second.Services.GetRequiredService<CapacityPuller>().RunDueAsync(TestContext.Current.CancellationToken));

        Assert.Equal(1, ran.Sum());
        Assert.Single(_server.Requests);
        Assert.Equal(2, (await FiguresAsync(agb))["1183/DistrictNursing"].FreePlaces);
    }

    [Fact]
    public async Task PullNowMakesTheEndpointDueAndRemovingItStopsThePulls()
    {
        _server.Body = Statement("\"1183\"", """{ "type": "wijkverpleging", "count": 2 }""");
        var agb = await ProviderWithEndpointAsync();
        await RunDueAsync();

        await Endpoints.PullCapacityNowAsync(new PullCapacityNowRequest { Agb = agb });
        // Not before 30 seconds after the last fetch, however often it is asked for.
        var asked = await Endpoints.GetCapacityEndpointAsync(new GetCapacityEndpointRequest { Agb = agb });
        Assert.Equal(CapacityApp.Epoch + CapacityEndpointGrpcService.CoolDown, asked.NextPullAt.ToDateTimeOffset());
        Assert.Equal(0, await RunDueAsync());
        _app.Time.Advance(CapacityEndpointGrpcService.CoolDown);
        Assert.Equal(1, await RunDueAsync());

        Assert.True((await Endpoints.RemoveCapacityEndpointAsync(new RemoveCapacityEndpointRequest { Agb = agb })).Removed);
        _app.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await RunDueAsync());
        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal("", (await Endpoints.GetCapacityEndpointAsync(new GetCapacityEndpointRequest { Agb = agb })).Url);
        var gone = await Assert.ThrowsAsync<RpcException>(() => Endpoints.PullCapacityNowAsync(new PullCapacityNowRequest { Agb = agb }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal(2, (await FiguresAsync(agb))["1183/DistrictNursing"].FreePlaces); // published figures stay until they age
    }

    [Fact]
    public async Task TheAdminListsEveryEndpointAPageAtATime()
    {
        var agbs = new List<string>();
        for (var i = 0; i < 3; i++) agbs.Add(await ProviderWithEndpointAsync());

        var first = await Endpoints.ListCapacityEndpointsAsync(new ListCapacityEndpointsRequest { PageSize = 2 });
        var rest = await Endpoints.ListCapacityEndpointsAsync(new ListCapacityEndpointsRequest { PageSize = 2, PageToken = first.NextPageToken });

        Assert.Equal(agbs.Order(StringComparer.Ordinal), first.Endpoints.Concat(rest.Endpoints).Select(e => e.Agb));
        Assert.Equal("", rest.NextPageToken);
        Assert.All(first.Endpoints, e => Assert.Equal(_server.Url, e.Url));
    }

    [Theory]
    [InlineData("http://zorg.example.nl/capacity.json")]
    [InlineData("ftp://zorg.example.nl/capacity.json")]
    [InlineData("https://user:secret@zorg.example.nl/capacity.json")]
    [InlineData("https://10.1.2.3/capacity.json")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("capacity.json")]
    public async Task AnAddressTheServiceMayNotFetchIsRefusedAndNothingIsStored(string url)
    {
        var agb = await _app.AddProviderAsync("1183", ["1183"]);

        await RpcAssertions.AssertInvalidAsync(() => Endpoints.SetCapacityEndpointAsync(new SetCapacityEndpointRequest { Agb = agb, Url = url }).ResponseAsync, "url");

        Assert.Equal("", (await Endpoints.GetCapacityEndpointAsync(new GetCapacityEndpointRequest { Agb = agb })).Url); // nothing stored
    }
}
