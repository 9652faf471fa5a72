using System.Net;
using System.Text.Json;
using Capacity.Service.Live;
using Capacity.Service.Regions;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Regions;

/// <summary>
/// A region as one insurer's insured see it: only providers a search for that insurer would offer
/// count as having room, and room a stop for that insurer takes away is counted apart. Each test
/// has a municipality of its own in this class's database (Aalsmeer, Uithoorn, Ouder-Amstel), so
/// every count is exactly its own scripted contracts, stops and figures.
/// </summary>
public sealed class InsurerViewTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    static readonly TimeSpan Seconds = TimeSpan.FromSeconds(5);
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    Task DeclareStopAsync(string agb, params string[] uzovis) =>
        app.Stops.DeclareClientStopAsync(new DeclareClientStopRequest
        {
            Stop = new ClientStop { ProviderAgb = agb, InsurerUzovis = { uzovis }, From = CapacityApp.Today.ToDate(), Reason = ClientStopReason.CostCeiling },
        }).ResponseAsync;

    static GetRegionalAvailabilityRequest Aalsmeer(string? uzovi) => new()
    {
        Pc4S = new Pc4List { Pc4S = { "1431" } }, CareTypes = { CareType.DistrictNursing }, InsurerUzovi = uzovi ?? "",
    };

    [Fact]
    public async Task OnlyContractedProvidersWithoutAStopForTheInsurerCountAsHavingRoom()
    {
        var insurer = await app.AddInsurerAsync("Verzekeraar Kaart");
        var other = await app.AddInsurerAsync();
        var contracted = await app.AddProviderAsync("1431", ["1431"]);
        var notContracted = await app.AddProviderAsync("1431", ["1431"]);
        var otherCareType = await app.AddProviderAsync("1431", ["1431"]);
        var stoppedForInsurer = await app.AddProviderAsync("1431", ["1431"]);
        var stoppedForOther = await app.AddProviderAsync("1431", ["1431"]);
        await app.ContractAsync(contracted, insurer, CareType.DistrictNursing);
        await app.ContractAsync(notContracted, other, CareType.DistrictNursing);
        await app.ContractAsync(otherCareType, insurer, CareType.NightCare);
        await app.ContractAsync(stoppedForInsurer, insurer, CareType.DistrictNursing);
        await app.ContractAsync(stoppedForOther, insurer, CareType.DistrictNursing);
        await app.PublishAsync(contracted, "1431", CareType.DistrictNursing, 3);
        await app.PublishAsync(notContracted, "1431", CareType.DistrictNursing, 4);
        await app.PublishAsync(otherCareType, "1431", CareType.DistrictNursing, 1);
        await app.PublishAsync(stoppedForInsurer, "1431", CareType.DistrictNursing, 2);
        await app.PublishAsync(stoppedForOther, "1431", CareType.DistrictNursing, 5);
        await DeclareStopAsync(stoppedForInsurer, insurer);
        await DeclareStopAsync(stoppedForOther, other);

        var view = await app.Regions.GetRegionalAvailabilityAsync(Aalsmeer(insurer), cancellationToken: Ct);
        var all = await app.Regions.GetRegionalAvailabilityAsync(Aalsmeer(null), cancellationToken: Ct);
        var search = await app.FindAsync(TestData.Search("1431", insurer, CareType.DistrictNursing));

        Assert.Equal((insurer, "Verzekeraar Kaart"), (view.InsurerUzovi, view.InsurerName));
        var mine = view.Areas.Single().CareTypes.Single();
        Assert.Equal((3 + 5, 2, 5, 2), (mine.FreePlaces, mine.ProvidersWithRoom, mine.ProvidersServing, mine.ProvidersWithClientStop));
        Assert.Equal((1, 2), (mine.ProvidersWithRoomClosedByClientStop, mine.FreePlacesClosedByClientStop));
        Assert.Equal(3, mine.ProvidersInView); // contracted for this care type, stop or not
        // The same providers a search for this insurer offers: one copy of the rules.
        Assert.Equal([contracted, stoppedForOther], search.Candidates.Select(c => c.Provider.Agb).Order());

        Assert.Equal(("", ""), (all.InsurerUzovi, all.InsurerName));
        var everyone = all.Areas.Single().CareTypes.Single();
        Assert.Equal((3 + 4 + 1 + 2 + 5, 5, 5), (everyone.FreePlaces, everyone.ProvidersWithRoom, everyone.ProvidersInView));
        // Without an insurer both stopped providers keep their room, closed to some insurers' patients.
        Assert.Equal((2, 2 + 5), (everyone.ProvidersWithRoomClosedByClientStop, everyone.FreePlacesClosedByClientStop));
    }

    [Fact]
    public async Task WithoutAnInsurerAnAreaServedOnlyByProvidersOfOtherCareIsNotFull()
    {
        // 1432 (Aalsmeer) is this test's alone: one provider serves it, with night care only.
        var insurer = await app.AddInsurerAsync();
        var nightOnly = await app.AddProviderAsync("1432", ["1432"]);
        await app.ContractAsync(nightOnly, insurer, CareType.NightCare);
        var request = new GetRegionalAvailabilityRequest { Pc4S = new Pc4List { Pc4S = { "1432" } }, CareTypes = { CareType.DistrictNursing, CareType.NightCare } };

        var area = (await app.Regions.GetRegionalAvailabilityAsync(request, cancellationToken: Ct)).Areas.Single();

        // Nobody in view for district nursing (the map's "no provider", not "vol"); for night care it is.
        var nursing = area.CareTypes.Single(c => c.CareType == CareType.DistrictNursing);
        var night = area.CareTypes.Single(c => c.CareType == CareType.NightCare);
        Assert.Equal((1, 0), (nursing.ProvidersServing, nursing.ProvidersInView));
        Assert.Equal((1, 1), (night.ProvidersServing, night.ProvidersInView));
    }

    [Fact]
    public async Task TotalsCountEachProviderOnceBesideTheSumOverAreas()
    {
        var insurer = await app.AddInsurerAsync();
        var everywhere = await app.AddProviderAsync("1422", ["1421", "1422", "1423", "1424"]);
        var local = await app.AddProviderAsync("1421", ["1421"]);
        foreach (var agb in new[] { everywhere, local }) await app.ContractAsync(agb, insurer, CareType.DistrictNursing);
        foreach (var pc4 in new[] { "1421", "1422", "1423", "1424" }) await app.PublishAsync(everywhere, pc4, CareType.DistrictNursing, 1);
        await app.PublishAsync(local, "1421", CareType.DistrictNursing, 2);

        foreach (var uzovi in new[] { insurer, "" })
        {
            var uithoorn = await app.Regions.GetRegionalAvailabilityAsync(new GetRegionalAvailabilityRequest
            {
                Municipality = "Uithoorn", CareTypes = { CareType.DistrictNursing }, InsurerUzovi = uzovi,
            }, cancellationToken: Ct);

            var total = uithoorn.Totals.Single();
            Assert.Equal((6, 5, 2), (total.FreePlaces, total.ProvidersWithRoom, total.DistinctProvidersWithRoom));
            Assert.Equal((5, 2), (total.ProvidersServing, total.DistinctProvidersServing));
            var area = uithoorn.Areas.Single(a => a.Pc4 == "1421").CareTypes.Single();
            Assert.Equal((2, 2), (area.ProvidersWithRoom, area.DistinctProvidersWithRoom));
        }
    }

    [Fact]
    public async Task UnknownOrMalformedInsurerIsRefusedNamingTheField()
    {
        await AssertInvalidAsync(() => app.Regions.GetRegionalAvailabilityAsync(Aalsmeer("70X5"), cancellationToken: Ct).ResponseAsync, "insurer_uzovi");
        await AssertInvalidAsync(() => app.Regions.GetRegionalAvailabilityAsync(Aalsmeer("9998"), cancellationToken: Ct).ResponseAsync, "insurer_uzovi");

        // The JSON route takes it as ?insurerUzovi= and refuses it the same way.
        using var http = app.CreateClient();
        var refused = await http.GetAsync("/api/v1/regions/GM0358?insurerUzovi=9998", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("insurer_uzovi", await refused.Content.ReadAsStringAsync(Ct));
        var insurer = await app.AddInsurerAsync("Via JSON");
        var answered = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/regions/GM0358?insurerUzovi={insurer}&careTypes=CARE_TYPE_DISTRICT_NURSING", Ct));
        Assert.Equal("Via JSON", answered.RootElement.GetProperty("insurerName").GetString());

        await using var hub = await app.ConnectHubAsync();
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<RegionUpdate>(nameof(CoordinationHub.SubscribeToRegion),
            new RegionRequest(Municipality: "Aalsmeer", InsurerUzovi: "9998"), Ct));
        Assert.Contains("insurer_uzovi", error.Message);
    }

    [Fact]
    public async Task FollowedInsurerViewIsPushedAgainWhenAStopOrAContractChangesIt()
    {
        var insurer = await app.AddInsurerAsync();
        var provider = await app.AddProviderAsync("1191", ["1191"]);
        var later = await app.AddProviderAsync("1115", ["1115"]);
        await app.ContractAsync(provider, insurer, CareType.DistrictNursing);
        await app.PublishAsync(provider, "1191", CareType.DistrictNursing, 3);
        await app.PublishAsync(later, "1115", CareType.DistrictNursing, 4);
        await using var hub = await app.ConnectHubAsync();
        var pushes = new Pushes<RegionUpdate>(hub, nameof(ICoordinationClient.RegionUpdated));
        var initial = await hub.InvokeAsync<RegionUpdate>(nameof(CoordinationHub.SubscribeToRegion),
            new RegionRequest(Municipality: "Ouder-Amstel", CareTypes: [CareType.DistrictNursing], InsurerUzovi: insurer), Ct);

        await DeclareStopAsync(provider, insurer);
        var stopped = await pushes.NextAsync(within: Seconds);
        // A contract names only its provider, no area: the view still hears of it.
        await app.ContractAsync(later, insurer, CareType.DistrictNursing);
        var contracted = await pushes.NextAsync(within: Seconds);

        Assert.Equal(insurer, initial.Availability.Insurer?.Uzovi);
        Assert.Equal((3, 1), (initial.Availability.Totals.Single().FreePlaces, initial.Availability.Totals.Single().ProvidersWithRoom));
        var afterStop = stopped.Availability.Totals.Single();
        Assert.Equal((0, 0, 1, 3), (afterStop.FreePlaces, afterStop.ProvidersWithRoom, afterStop.ProvidersWithRoomClosedByClientStop, afterStop.FreePlacesClosedByClientStop));
        Assert.Equal((4, 1), (contracted.Availability.Totals.Single().FreePlaces, contracted.Availability.Totals.Single().ProvidersWithRoom));
    }
}
