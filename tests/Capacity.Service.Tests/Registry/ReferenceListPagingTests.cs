using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Tests.Registry;

/// <summary>Insurers, contracts and municipalities are paged like every other list: 50 by default, at most 200, tokens bound to their list.</summary>
public sealed class ReferenceListPagingTests(CapacityApp app) : IClassFixture<CapacityApp>
{
    [Fact]
    public async Task MunicipalitiesComeInPagesThatTogetherHoldAllOfThem()
    {
        var regions = app.Regions;
        var first = await regions.ListMunicipalitiesAsync(new ListMunicipalitiesRequest());
        Assert.Equal(50, first.Municipalities.Count);
        Assert.NotEmpty(first.NextPageToken);

        var all = new List<V1.Municipality>();
        var token = "";
        do
        {
            var page = await regions.ListMunicipalitiesAsync(new ListMunicipalitiesRequest { PageSize = 200, PageToken = token });
            all.AddRange(page.Municipalities);
            token = page.NextPageToken;
        } while (token.Length > 0);

        Assert.Equal(342, all.Select(m => m.Code).Distinct().Count());
        Assert.Equal(all.Select(m => m.Name).OrderBy(n => n.ToUpperInvariant(), StringComparer.Ordinal), all.Select(m => m.Name)); // by name, case aside
    }

    [Fact]
    public async Task AProvidersContractsArePagedAndATokenOfAnotherListIsRefused()
    {
        var agb = await app.AddProviderAsync("1071", ["1071"]);
        var insurers = new[] { await app.AddInsurerAsync(), await app.AddInsurerAsync(), await app.AddInsurerAsync() };
        foreach (var uzovi in insurers) await app.ContractAsync(agb, uzovi, CareType.DistrictNursing);

        var first = await app.Registry.ListContractsAsync(new ListContractsRequest { ProviderAgb = agb, PageSize = 2 });
        var second = await app.Registry.ListContractsAsync(new ListContractsRequest { ProviderAgb = agb, PageSize = 2, PageToken = first.NextPageToken });

        Assert.Equal(insurers, first.Contracts.Concat(second.Contracts).Select(c => c.InsurerUzovi).Order(StringComparer.Ordinal));
        Assert.Empty(second.NextPageToken);
        var foreign = await Assert.ThrowsAsync<RpcException>(() =>
            app.Registry.ListContractsAsync(new ListContractsRequest { InsurerUzovi = insurers[0], PageToken = first.NextPageToken }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, foreign.StatusCode);
        var tooMany = await Assert.ThrowsAsync<RpcException>(() => app.Registry.ListInsurersAsync(new ListInsurersRequest { PageSize = 201 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, tooMany.StatusCode);
    }
}
