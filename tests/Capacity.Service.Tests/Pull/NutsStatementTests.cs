using System.Net;
using System.Text;
using Capacity.Service.Capacity.Pull;
using Capacity.V1;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Tests.Pull;

/// <summary>The Nuts "Capaciteit" statement mapped to our figures, and the addresses a pull may reach.</summary>
public sealed class NutsStatementTests
{
    static PulledStatement Read(string json, params int[] served) =>
        NutsStatement.Read(Encoding.UTF8.GetBytes(json), pc4 => served.Length == 0 || served.Contains(pc4));

    [Theory]
    [InlineData("Wijkverpleging", CareType.DistrictNursing)]
    [InlineData("  thuiszorg ", CareType.DistrictNursing)]
    [InlineData("V&V", CareType.DistrictNursing)]
    [InlineData("Palliatief-terminale zorg", CareType.PalliativeTerminal)]
    [InlineData("PTZ", CareType.PalliativeTerminal)]
    [InlineData("Medische Kindzorg", CareType.MedicalChildCare)]
    [InlineData("Casemanagement dementie", CareType.DementiaCaseManagement)]
    [InlineData("Onplanbare nachtzorg", CareType.NightCare)]
    [InlineData("CARE_TYPE_NIGHT_CARE", CareType.NightCare)]
    [InlineData("district_nursing", CareType.DistrictNursing)]
    public void KnownTypeNamesMapToOurCareTypes(string type, CareType expected)
    {
        var statement = Read($$"""{ "capacity": { "extramural": [ { "neighbourhood": { "postalcodes": ["1183"] }, "available": [ { "type": "{{type}}", "count": 2 } ] } ] } }""");

        Assert.Equal([new PulledFigure(1183, expected, 2)], statement.Figures);
    }

    [Fact]
    public void PostcodesOfEveryLengthGiveTheirAreaAndAnAreaSharedByNeighbourhoodsGetsTheLargestFigure()
    {
        var statement = Read("""
            { "capacity": { "extramural": [
                { "neighbourhood": { "postalcodes": ["1183AB", "1183 AC", "1181A"] }, "available": [ { "type": "wijkverpleging", "count": 1 } ], "total": [ { "type": "wijkverpleging", "count": 40 } ] },
                { "neighbourhood": { "postalcodes": ["1183CD", "1182"] }, "available": [ { "type": "wijkverpleging", "count": 3 } ] }
              ] } }
            """);

        Assert.Equal(
            [new PulledFigure(1181, CareType.DistrictNursing, 1), new PulledFigure(1182, CareType.DistrictNursing, 3), new PulledFigure(1183, CareType.DistrictNursing, 3)],
            statement.Figures);
        Assert.Equal(0, statement.SkippedCount);
    }

    [Fact]
    public void IntramuralLocationsCountForShortTermStayBedsOnly()
    {
        var statement = Read("""
            { "capacity": { "intramural": [
                { "location": { "name": "Huis", "postalcode": "1183 AB", "number": "1" },
                  "available": [ { "type": "ELV", "count": 2 }, { "type": "wijkverpleging", "count": 5 } ] }
              ] } }
            """);

        Assert.Equal([new PulledFigure(1183, CareType.ShortTermStay, 2)], statement.Figures);
        Assert.Equal(("intramural[0].available", "INTRAMURAL_TYPE"), (statement.Skipped.Single().Path, statement.Skipped.Single().Reason));
    }

    [Fact]
    public void ANeighbourhoodWithoutPostcodesCannotBePlacedAndIsSkipped()
    {
        var statement = Read("""{ "capacity": { "extramural": [ { "neighbourhood": { "name": "Centrum" }, "available": [ { "type": "wijkverpleging", "count": 1 } ] } ] } }""");

        Assert.Empty(statement.Figures);
        Assert.Equal("extramural[0].neighbourhood.postalcodes", statement.Skipped.Single().Path);
    }

    [Fact]
    public void OnlyTheFirstSkippedEntriesAreListedButAllAreCounted()
    {
        var codes = string.Join(", ", Enumerable.Range(0, 50).Select(i => $"\"x{i}\""));
        var statement = Read($$"""{ "capacity": { "extramural": [ { "neighbourhood": { "postalcodes": [{{codes}}, "1183"] }, "available": [ { "type": "wijkverpleging", "count": 1 } ] } ] } }""");

        Assert.Equal((NutsStatement.MaxSkippedListed, 50), (statement.Skipped.Count, statement.SkippedCount));
        Assert.Single(statement.Figures);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{ "capacity": 3 }""")]
    [InlineData("""{ "capacity": { "extramural": {} } }""")]
    [InlineData("not json at all")]
    public void ADocumentNotInTheBoltsShapeIsRefusedWhole(string json) =>
        Assert.Throws<StatementException>(() => Read(json));

    [Theory]
    [InlineData("https://zorg.example.nl/capacity.json", false, true)]
    [InlineData("https://zorg.example.nl:8443/api/capacity.json?org=1", false, true)]
    [InlineData("http://zorg.example.nl/capacity.json", false, false)]
    [InlineData("https://127.0.0.1/capacity.json", false, false)]
    [InlineData("https://localhost/capacity.json", false, false)]
    [InlineData("https://[::1]/capacity.json", false, false)]
    [InlineData("https://192.168.1.10/capacity.json", false, false)]
    [InlineData("https://[fd00::1]/capacity.json", false, false)]
    [InlineData("https://100.64.0.1/capacity.json", false, false)]
    [InlineData("http://127.0.0.1:5000/capacity.json", true, true)]
    [InlineData("http://zorg.example.nl/capacity.json", true, false)]
    public void OnlyHttpsToPublicAddressesMayBeRegistered(string url, bool allowLoopback, bool allowed) =>
        Assert.Equal(allowed, EndpointAddress.Problem(url, allowLoopback) is null);

    [Fact]
    public async Task ANameThatResolvesToTheServicesOwnMachineIsRefusedWhenConnecting()
    {
        var options = new PullOptions { AllowLoopback = false, Timeout = TimeSpan.FromSeconds(2) };
        var fetcher = new PullFetcher(new OneClient(new HttpClient(PullFetcher.CreateHandler(options))), Options.Create(options));

        var refused = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync("https://localhost:9/capacity.json", null, null, TestContext.Current.CancellationToken));

        Assert.Equal(PullErrors.AddressRefused, refused.Code);
        Assert.False(EndpointAddress.IsAllowed(IPAddress.Parse("::ffff:10.0.0.1"), allowLoopback: true));
        Assert.True(EndpointAddress.IsAllowed(IPAddress.Parse("145.97.1.1"), allowLoopback: false));
    }

    sealed class OneClient(HttpClient client) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => client;
    }
}
