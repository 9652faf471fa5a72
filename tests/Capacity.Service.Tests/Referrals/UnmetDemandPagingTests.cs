using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using static Capacity.Service.Tests.Infrastructure.RpcAssertions;

namespace Capacity.Service.Tests.Referrals;

/// <summary>
/// Unmet demand grows with use — an insurer's counts with every municipality it has escalations
/// in, a municipality's areas with every postcode area — so those lists are paged like the others;
/// a client that sends no page size gets the first page and a token.
/// </summary>
public sealed class UnmetDemandPagingTests : IAsyncLifetime
{
    readonly CapacityApp _app = new(); // a database of its own: Amsterdam's areas are this test's only

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    Task<GetUnmetDemandResponse> InsurerAsync(string uzovi, int size = 0, string token = "") =>
        _app.Mediation().GetUnmetDemandAsync(new GetUnmetDemandRequest { InsurerUzovi = uzovi, PageSize = size, PageToken = token }).ResponseAsync;

    Task<GetUnmetDemandResponse> MunicipalityAsync(string municipality, int size = 0, string token = "") =>
        _app.Mediation().GetUnmetDemandAsync(new GetUnmetDemandRequest { Municipality = municipality, PageSize = size, PageToken = token }).ResponseAsync;

    [Fact]
    public async Task AnInsurersCountsAndAMunicipalitysAreasArePaged()
    {
        var uzovi = await _app.AddInsurerAsync(); // no provider contracted: every referral goes to the desk at once
        // Aalsmeer, Amstelveen, Amsterdam (four areas), Ouder-Amstel, Uithoorn.
        foreach (var pc4 in new[] { "1431", "1183", "1054", "1011", "1012", "1013", "1191", "1422" })
            Assert.Equal(ReferralState.Escalated, (await _app.CreateAsync(ReferralData.NewReferral(uzovi, pc4))).State);

        var page1 = await InsurerAsync(uzovi, size: 2);
        var page2 = await InsurerAsync(uzovi, size: 2, token: page1.NextPageToken);
        var page3 = await InsurerAsync(uzovi, size: 2, token: page2.NextPageToken);
        var whole = await InsurerAsync(uzovi); // an old client: the first 50
        Assert.Equal(["GM0358", "GM0362", "GM0363", "GM0437", "GM0451"],
            page1.Counts.Concat(page2.Counts).Concat(page3.Counts).Select(c => c.MunicipalityCode));
        Assert.Empty(page3.NextPageToken);
        Assert.Equal(4, page1.Counts.Concat(page2.Counts).Single(c => c.MunicipalityCode == "GM0363").Escalations);
        Assert.Equal(5, whole.Counts.Count);
        Assert.Empty(whole.NextPageToken);

        var areas1 = await MunicipalityAsync("GM0363", size: 3);
        var areas2 = await MunicipalityAsync("Amsterdam", size: 3, token: areas1.NextPageToken);
        Assert.Equal(["1011", "1012", "1013", "1054"], areas1.Areas.Concat(areas2.Areas).Select(a => a.Pc4));
        Assert.Empty(areas2.NextPageToken);
        // The totals (at most one per care type) come whole with every page.
        Assert.All([areas1, areas2], page => Assert.Equal(4, page.Counts.Single(c => c.CareType == CareType.DistrictNursing).Escalations));

        await AssertInvalidAsync(() => MunicipalityAsync("GM0362", token: areas1.NextPageToken), "page_token"); // another municipality's list
        await AssertInvalidAsync(() => InsurerAsync(uzovi, token: areas1.NextPageToken), "page_token");
        await AssertInvalidAsync(() => InsurerAsync(uzovi, size: 201), "page_size");
    }
}
