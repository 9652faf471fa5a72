using Capacity.Service.Mcsd;
using Capacity.Service.Registry;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static Capacity.Service.Tests.Mcsd.FakeDirectory;

namespace Capacity.Service.Tests.Mcsd;

/// <summary>The registry fed from an mCSD directory the test serves itself (docs/MCSD.md).</summary>
public sealed class McsdSyncTests : IAsyncLifetime
{
    const string Nursing = McsdOptions.CareTypeSystem + "|district_nursing", Palliative = McsdOptions.CareTypeSystem + "|palliative_terminal";
    FakeDirectory _directory = null!;
    CapacityApp? _app;

    public async ValueTask InitializeAsync() => _directory = await StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        await _directory.DisposeAsync();
    }

    async Task<CapacityApp> StartAppAsync(params (string Key, string Value)[] settings)
    {
        var app = new CapacityApp().With("Directory:Mcsd:BaseUrl", _directory.BaseUrl).With("Directory:Mcsd:PageSize", "2");
        foreach (var (key, value) in settings) app.With(key, value);
        await app.InitializeAsync();
        return _app = app;
    }

    Task<McsdRunResult> SyncAsync() => _app!.Services.GetRequiredService<McsdSync>().RunOnceAsync(TestContext.Current.CancellationToken);

    Task<DirectorySyncStatus> StatusAsync() => _app!.Registry.GetDirectorySyncStatusAsync(new()).ResponseAsync;

    Provider Registered(string agb) => _app!.Services.GetRequiredService<RegistryCache>().Current.Providers[agb].ToProto();

    /// <summary>Thuiszorg Noord: AGB 71000001, one service (nursing, palliative) from a site in 1183, covering 1181 and 1182.</summary>
    void FillOneProvider()
    {
        _directory.Put(Location("site", "1183 AB"));
        _directory.Put(Location("pc1181", "1181"));
        _directory.Put(Location("pc1182", "1182AB"));
        _directory.Put(Organization("org1", "71000001", "Thuiszorg Noord", ura: "90000001"));
        _directory.Put(CareService("svc1", "org1", [Nursing, Palliative], "site", ["pc1181", "pc1182"]));
    }

    [Fact]
    public async Task InitialSyncCreatesProvidersWithServedAreasAndCareTypes()
    {
        FillOneProvider();
        await StartAppAsync();

        Assert.Equal(McsdRunResult.Applied, await SyncAsync());

        var provider = await _app!.Registry.GetProviderAsync(new() { Agb = "71000001" });
        Assert.Equal("Thuiszorg Noord", provider.Name);
        Assert.Equal("1183", provider.BasePc4);
        Assert.Equal(["1181", "1182"], provider.ServedPc4S);
        Assert.Equal([CareType.DistrictNursing, CareType.PalliativeTerminal], provider.CareTypes);
        Assert.False(provider.Inactive);
        var snapshot = _app.Services.GetRequiredService<RegistryCache>().Current;
        Assert.Contains(snapshot.ProvidersServing(1181), p => p.Agb == "71000001");
        var status = await StatusAsync();
        Assert.True(status.Configured);
        Assert.NotNull(status.LastSuccess);
        Assert.Equal(1, status.ProvidersTotal);
        Assert.Equal(new DateTimeOffset(2026, 6, 15, 8, 0, 5, TimeSpan.Zero), status.Watermark.ToDateTimeOffset());
    }

    [Fact]
    public async Task HistoryUpdateAddsCoverageAreaAndRenames()
    {
        FillOneProvider();
        await StartAppAsync();
        await SyncAsync();

        _directory.Put(Location("pc1185", "1185"));
        _directory.Put(CareService("svc1", "org1", [Nursing, Palliative], "site", ["pc1181", "pc1182", "pc1185"]));
        _directory.Put(Organization("org1", "71000001", "Thuiszorg Noord-Holland"));
        Assert.Equal(McsdRunResult.Applied, await SyncAsync());

        var provider = Registered("71000001");
        Assert.Equal("Thuiszorg Noord-Holland", provider.Name);
        Assert.Equal(["1181", "1182", "1185"], provider.ServedPc4S);
        var status = await StatusAsync();
        Assert.Equal("incremental", status.LastKind);
        Assert.Contains(_directory.Requests, r => r.StartsWith("/fhir/Location/_history?_since=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InactiveOrganizationMakesProviderInactiveButKeepsIt()
    {
        FillOneProvider();
        await StartAppAsync();
        await SyncAsync();

        _directory.Put(Organization("org1", "71000001", "Thuiszorg Noord", active: false));
        await SyncAsync();

        var provider = await _app!.Registry.GetProviderAsync(new() { Agb = "71000001" });
        Assert.True(provider.Inactive);
        Assert.Empty(provider.ServedPc4S);
        Assert.Equal("Thuiszorg Noord", provider.Name);
        Assert.True(_app.Services.GetRequiredService<RegistryCache>().Current.ProvidersServing(1181).Count == 0);
        Assert.Equal(1, (await StatusAsync()).ProvidersInactive);
    }

    [Fact]
    public async Task DeletedOrganizationAndCoverageLocationLeaveProviderInactiveNotDeleted()
    {
        FillOneProvider();
        _directory.Put(Organization("org2", "71000002", "Wijkzorg Zuid"));
        _directory.Put(Location("pc1186", "1186"));
        _directory.Put(CareService("svc2", "org2", [Nursing], "site", ["pc1185x", "pc1186", "pc1181"]));
        await StartAppAsync();
        await SyncAsync();
        Assert.Equal(["1181", "1186"], Registered("71000002").ServedPc4S);

        _directory.Delete("Location", "pc1186");
        _directory.Delete("Organization", "org1");
        await SyncAsync();

        Assert.Equal(["1181"], Registered("71000002").ServedPc4S);
        var gone = Registered("71000001");
        Assert.True(gone.Inactive);
        Assert.Equal("Thuiszorg Noord", gone.Name);
    }

    [Fact]
    public async Task OrganizationWithoutAgbAndUnknownServiceTypeAreReportedAndSkipped()
    {
        FillOneProvider();
        _directory.Put(Organization("org-ura", null, "Huisartsen Oost", ura: "90000009"));
        _directory.Put(CareService("svc-gp", "org-ura", [Nursing], "site", ["pc1181"]));
        _directory.Put(Organization("org3", "71000003", "Fysio West"));
        _directory.Put(Organization("org4", "71000004", new string('W', 201)));
        _directory.Put(CareService("svc4", "org4", [Nursing], "site", ["pc1181"]));
        _directory.Put(CareService("svc3", "org3", ["http://snomed.info/sct|722138006"], "site", ["pc1181"]));
        await StartAppAsync();

        Assert.Equal(McsdRunResult.Applied, await SyncAsync());

        Assert.Equal(["1181", "1182"], Registered("71000001").ServedPc4S);
        Assert.False(_app!.Services.GetRequiredService<RegistryCache>().Current.Providers.ContainsKey("71000003")); // no care of ours
        var status = await StatusAsync();
        Assert.Contains(status.Skipped, s => s.StartsWith("Organization/org3", StringComparison.Ordinal) && s.Contains("not registered"));
        Assert.Contains(status.Skipped, s => s.StartsWith("Organization/org-ura", StringComparison.Ordinal) && s.Contains("no AGB") && s.Contains("90000009"));
        Assert.Contains(status.Skipped, s => s.StartsWith("HealthcareService/svc3", StringComparison.Ordinal) && s.Contains("722138006"));
        Assert.Contains(status.Skipped, s => s.StartsWith("provider 71000004", StringComparison.Ordinal) && s.Contains("refused by the registry") && s.Contains("200"));
        Assert.Empty(status.LastError);
    }

    [Fact]
    public async Task ConfiguredCodingMapsToItsCareType()
    {
        _directory.Put(Location("pc1186", "1186"));
        _directory.Put(Organization("org5", "71000005", "Nachtzorg Amstelland"));
        _directory.Put(CareService("svc5", "org5", ["http://example.org/verrichting|NZ"], null, ["pc1186"]));
        await StartAppAsync(("Directory:Mcsd:CareTypeCodes:0:System", "http://example.org/verrichting"),
            ("Directory:Mcsd:CareTypeCodes:0:Code", "NZ"), ("Directory:Mcsd:CareTypeCodes:0:CareType", "NightCare"));

        await SyncAsync();

        Assert.Equal([CareType.NightCare], Registered("71000005").CareTypes);
    }

    [Fact]
    public async Task PlainHttpDirectoryElsewhereRefusesToStart()
    {
        var app = new CapacityApp().With("Directory:Mcsd:BaseUrl", "http://directory.example.nl/fhir");
        var refused = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(async () => await app.InitializeAsync());
        Assert.Contains("Directory:Mcsd", refused.Message);
        await app.DisposeAsync();
    }

    [Fact]
    public async Task PagingFollowsNextLinks()
    {
        for (var i = 1; i <= 5; i++)
        {
            _directory.Put(Location($"pc{i}", "1183"));
            _directory.Put(Organization($"org{i}", $"7100001{i}", $"Zorg {i}"));
            _directory.Put(CareService($"svc{i}", $"org{i}", [Nursing], null, [$"pc{i}"]));
        }
        await StartAppAsync();

        await SyncAsync();

        for (var i = 1; i <= 5; i++) Assert.Equal(["1183"], Registered($"7100001{i}").ServedPc4S);
        Assert.Equal("1183", Registered("71000011").BasePc4); // no site, no address: its first area
        Assert.Contains(_directory.Requests, r => r.StartsWith("/fhir/Organization?", StringComparison.Ordinal) && r.Contains("_page=2"));
    }

    [Fact]
    public async Task FailingDirectoryLeavesRegistryAsItWasAndRecordsTheError()
    {
        FillOneProvider();
        await StartAppAsync();
        await SyncAsync();
        var before = await StatusAsync();

        _directory.Put(Organization("org1", "71000001", "Andere Naam"));
        _directory.FailWith = 500;
        Assert.Equal(McsdRunResult.Failed, await SyncAsync());

        Assert.Equal("Thuiszorg Noord", Registered("71000001").Name);
        var failed = await StatusAsync();
        Assert.Contains("HTTP 500", failed.LastError);
        Assert.NotNull(failed.LastErrorAt);
        Assert.Equal(before.Watermark, failed.Watermark);
        Assert.Equal(before.LastSuccess, failed.LastSuccess);

        _directory.FailWith = null; // restartable: the next run reads from the same watermark
        Assert.Equal(McsdRunResult.Applied, await SyncAsync());
        Assert.Equal("Andere Naam", Registered("71000001").Name);
        Assert.Empty((await StatusAsync()).LastError);
    }

    [Fact]
    public async Task AnAgbThatChangesInTheDirectoryLeavesTheOldProviderInactiveWithoutAreas()
    {
        FillOneProvider();
        await StartAppAsync();
        await SyncAsync();

        _directory.Put(Organization("org1", "71000009", "Thuiszorg Noord", ura: "90000001"));
        Assert.Equal(McsdRunResult.Applied, await SyncAsync());

        var old = Registered("71000001");
        Assert.True(old.Inactive);
        Assert.Empty(old.ServedPc4S);
        Assert.Equal(["1181", "1182"], Registered("71000009").ServedPc4S);
        Assert.DoesNotContain(_app!.Services.GetRequiredService<RegistryCache>().Current.ProvidersServing(1181), p => p.Agb == "71000001");
    }

    [Fact]
    public async Task AHandRegisteredProviderIsNotMadeInactiveByAnOrganizationWithoutOurServices()
    {
        _directory.Put(Organization("org1", "71000001", "Huisartsenpraktijk"));
        await StartAppAsync();
        await _app!.Registry.UpsertProviderAsync(new() { Provider = new() { Agb = "71000001", Name = "Zorg met de hand", BasePc4 = "1183", ServedPc4S = { "1183" } } });

        Assert.Equal(McsdRunResult.Applied, await SyncAsync());

        var provider = Registered("71000001");
        Assert.False(provider.Inactive);
        Assert.Equal("Zorg met de hand", provider.Name);
        Assert.Equal(["1183"], provider.ServedPc4S);
    }

    [Fact]
    public async Task RedirectToAnotherHostIsNotFollowedButRecordedAsError()
    {
        await using var elsewhere = await StartAsync();
        var (a, b) = (_directory, elsewhere);
        _directory = elsewhere; // fill the other directory: followed, the redirect would register its provider
        FillOneProvider();
        _directory = a;
        a.RedirectTo = b.BaseUrl;
        await StartAppAsync();

        Assert.Equal(McsdRunResult.Failed, await SyncAsync());

        Assert.False(_app!.Services.GetRequiredService<RegistryCache>().Current.Providers.ContainsKey("71000001"));
        Assert.Contains("HTTP 302", (await StatusAsync()).LastError);
        Assert.Empty(b.Requests);
    }

    [Fact]
    public async Task DirectoryThatDoesNotAnswerIsRecordedAsError()
    {
        FillOneProvider();
        _directory.Hang = true;
        await StartAppAsync(("Directory:Mcsd:RequestTimeout", "00:00:00.300"), ("Directory:Mcsd:LockTime", "00:01:00"));

        Assert.Equal(McsdRunResult.Failed, await SyncAsync());

        Assert.False(_app!.Services.GetRequiredService<RegistryCache>().Current.Providers.ContainsKey("71000001"));
        var status = await StatusAsync();
        Assert.Contains("no answer", status.LastError);
        Assert.Null(status.LastSuccess);
    }

    [Fact]
    public async Task AnotherInstanceHoldingTheLockMeansThisOneSkips()
    {
        FillOneProvider();
        await StartAppAsync();
        await SyncAsync(); // the start-up run, if it comes, is over once this returns
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_app!.Redis);
        await redis.GetDatabase().StringSetAsync("mcsd:{mcsd}:lock", "other-instance", TimeSpan.FromMinutes(1));

        Assert.Equal(McsdRunResult.Busy, await SyncAsync());
        Assert.Equal("other-instance", (string?)await redis.GetDatabase().StringGetAsync("mcsd:{mcsd}:lock"));
    }
}
