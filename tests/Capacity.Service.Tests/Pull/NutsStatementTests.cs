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
        Assert.Equal(("intramural[0].available[1]", "INTRAMURAL_TYPE", "wijkverpleging"),
            (statement.Skipped.Single().Path, statement.Skipped.Single().Reason, statement.Skipped.Single().Value));
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

    [Theory]
    [InlineData("145.97.1.1", true)]
    [InlineData("2a00:1450:400e::1", true)]
    [InlineData("::ffff:10.0.0.1", false)]      // IPv4-mapped private
    [InlineData("64:ff9b::a00:1", false)]       // NAT64 of 10.0.0.1
    [InlineData("64:ff9b:1::a9fe:a9fe", false)] // local-use NAT64
    [InlineData("::a9fe:a9fe", false)]          // IPv4-compatible 169.254.169.254
    [InlineData("2002:a00:1::1", false)]        // 6to4 of 10.0.0.1
    [InlineData("2001:0:a00:1::1", false)]      // Teredo
    [InlineData("2001:db8::1", false)]          // documentation
    [InlineData("fe80::1", false)]
    [InlineData("203.0.113.7", false)]          // TEST-NET-3
    [InlineData("192.88.99.1", false)]          // 6to4 relay
    public void OnlyPublicUnicastAddressesMayBeReached(string address, bool allowed) =>
        Assert.Equal(allowed, EndpointAddress.IsAllowed(IPAddress.Parse(address), allowLoopback: true));

    [Fact]
    public async Task ANameThatResolvesToTheServicesOwnMachineIsNeverConnectedTo()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var options = new PullOptions { AllowLoopback = false, Timeout = TimeSpan.FromSeconds(2) };
        var fetcher = new PullFetcher(new OneClient(new HttpClient(PullFetcher.CreateHandler(options))), Options.Create(options),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PullFetcher>.Instance);

        var refused = await Assert.ThrowsAsync<FetchException>(() => fetcher.FetchAsync($"https://localhost:{port}/capacity.json", null, null, TestContext.Current.CancellationToken));

        Assert.Equal(PullErrors.Connect, refused.Code);
        Assert.DoesNotContain("127.0.0.1", refused.Message); // what a name resolves to is not told to the provider
        Assert.False(listener.Pending(), "no connection may reach a loopback address");
    }

    [Fact]
    public void ACountThatIsNotAWholeNumberIsSkippedAndAByteOrderMarkIsRead()
    {
        var json = """{ "capacity": { "extramural": [ { "neighbourhood": { "postalcodes": ["1183"] }, "available": [ { "type": "wijkverpleging", "count": "3" }, { "type": "nachtzorg", "count": 1.5 }, { "type": "ptz", "count": 2 } ] } ] } }""";
        var statement = NutsStatement.Read([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)], _ => true);

        Assert.Equal([new PulledFigure(1183, CareType.PalliativeTerminal, 2)], statement.Figures);
        Assert.Equal([("extramural[0].available[0].count", "NUMBER_RANGE", "\"3\""), ("extramural[0].available[1].count", "NUMBER_RANGE", "1.5")],
            statement.Skipped.Select(s => (s.Path, s.Reason, s.Value)));
    }

    sealed class OneClient(HttpClient client) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => client;
    }
}
