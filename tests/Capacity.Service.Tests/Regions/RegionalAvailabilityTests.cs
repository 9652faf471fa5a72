using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Regions;

/// <summary>
/// Aggregates for municipalities. Uses Ouder-Amstel (1114, 1115, 1191), which no other test class
/// writes to, so the totals are exactly this class's data.
/// </summary>
public sealed class RegionalAvailabilityTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Fact]
    public async Task MunicipalityGetsFreshFreePlacesProvidersWithRoomStopsAndStaleCountsPerArea()
    {
        var a = await app.AddProviderAsync("1191", ["1191", "1115"]);
        var b = await app.AddProviderAsync("1191", ["1191"]);
        var c = await app.AddProviderAsync("1115", ["1115"]);
        await app.PublishAsync(a, "1191", CareType.DistrictNursing, 3);
        await app.PublishAsync(a, "1115", CareType.DistrictNursing, 0);
        await app.PublishAsync(b, "1191", CareType.DistrictNursing, 2);
        await app.PublishAsync(c, "1115", CareType.DistrictNursing, 5, availableFrom: CapacityApp.Today.AddDays(10)); // not free today
        await app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = b, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling, CareTypes = { CareType.DistrictNursing } },
        });

        var byName = await app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest
        {
            Municipality = "ouder-amstel", CareTypes = { CareType.DistrictNursing },
        });
        var byCode = await app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest
        {
            Municipality = "GM0437", CareTypes = { CareType.DistrictNursing },
        });

        Assert.Equal(("GM0437", "Ouder-Amstel"), (byName.MunicipalityCode, byName.Municipality));
        Assert.Equal(["1114", "1115", "1191"], byName.Areas.Select(x => x.Pc4));
        var ouderkerk = byName.Areas.Single(x => x.Pc4 == "1191").CareTypes.Single();
        Assert.Equal((5, 2, 2, 1, 0), (ouderkerk.FreePlaces, ouderkerk.ProvidersWithRoom, ouderkerk.ProvidersServing, ouderkerk.ProvidersWithClientStop, ouderkerk.ProvidersStale));
        var duivendrecht = byName.Areas.Single(x => x.Pc4 == "1115").CareTypes.Single();
        Assert.Equal((0, 0, 2), (duivendrecht.FreePlaces, duivendrecht.ProvidersWithRoom, duivendrecht.ProvidersServing));
        Assert.Equal(5, byName.Totals.Single().FreePlaces);
        Assert.Equal(byName.Areas, byCode.Areas);

        app.Time.Advance(TimeSpan.FromHours(25)); // this class's only clock move, at its very end
        var later = await app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest { Pc4S = new Pc4List { Pc4S = { "1191" } } });
        var stale = later.Areas.Single().CareTypes.Single(t => t.CareType == CareType.DistrictNursing);
        Assert.Equal((0, 0, 2), (stale.FreePlaces, stale.ProvidersWithRoom, stale.ProvidersStale));
        Assert.Equal(6, later.Areas.Single().CareTypes.Count); // every care type when none is asked
    }

    [Fact]
    public async Task UnknownRegionIsRejected()
    {
        await AssertInvalidAsync(() => app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest { Municipality = "Atlantis" }).ResponseAsync, "municipality");
        await AssertInvalidAsync(() => app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest { Pc4S = new Pc4List { Pc4S = { "1191", "1000" } } }).ResponseAsync, "pc4s.pc4s");
        await AssertInvalidAsync(() => app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest()).ResponseAsync, "region");
    }

    [Fact]
    public async Task MunicipalitiesAreListedWithTheirAreas()
    {
        var first = await app.Regions.ListMunicipalitiesAsync(new ListMunicipalitiesRequest { PageSize = 200 });
        var rest = await app.Regions.ListMunicipalitiesAsync(new ListMunicipalitiesRequest { PageSize = 200, PageToken = first.NextPageToken });
        var all = first.Municipalities.Concat(rest.Municipalities).ToArray();

        Assert.Equal(342, all.Length);
        Assert.Equal(["1181", "1182", "1183", "1184", "1185", "1186", "1187", "1188", "1189"], all.Single(m => m.Code == "GM0362").Pc4S);
    }
}
