using Capacity.Service.Fhir;
using Capacity.Service.Geography;
using Capacity.Service.Hsds;
using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;

namespace Capacity.Service.Tests.Registry;

/// <summary>An inactive provider serves nowhere on every path (offers, figures, pushes) and says so in FHIR and HSDS.</summary>
public sealed class InactiveProviderTests
{
    static readonly ProviderInfo Active = new("75000001", "Zorg Amstel", 1183, [1181, 1183], QualificationFlags.None, CareTypes: CareTypeSet.Of([CareType.DistrictNursing]));
    static readonly ProviderInfo Inactive = Active with { Inactive = true };

    static RegistrySnapshot Registry(ProviderInfo p) => new(1, [new InsurerInfo("9101", "Zorgverzekeraar")], [p],
        [new ContractInfo(p.Agb, "9101", 2026, CareTypeSet.Of([CareType.DistrictNursing]), ContractType.Standaard)], []);

    [Fact]
    public void AnInactiveProviderServesNoAreaWhateverItLists()
    {
        Assert.True(Active.Serves(1183));
        Assert.False(Inactive.Serves(1183));
        Assert.Empty(Inactive.ServedPc4s);
        // Set active again, its areas are back: the flag hides them, it does not drop them.
        Assert.Equal([1181, 1183], (Inactive with { Inactive = false }).ServedPc4s);
    }

    [Fact]
    public void AnInactiveProviderIsOutsideTheAreaForOffersAndSearches()
    {
        var start = new DateOnly(2026, 6, 16);
        Assert.Null(MatchRules.RegistryReason(Active, "9101", CareType.DistrictNursing, 1183, start, false, Registry(Active), out _, out _));
        Assert.Equal(ExclusionReason.OutsideArea,
            MatchRules.RegistryReason(Inactive, "9101", CareType.DistrictNursing, 1183, start, false, Registry(Inactive), out _, out _));
    }

    [Fact]
    public void FhirAndHsdsShowAnInactiveProviderAsInactiveWithoutAreas()
    {
        var registry = Registry(Inactive);
        Assert.False(FhirDirectory.Organization(Inactive).Active);
        var service = FhirDirectory.Service(Inactive, registry, 2026);
        Assert.False(service.Active);
        Assert.Empty(service.CoverageArea);
        Assert.True(FhirDirectory.Organization(Active).Active);

        var postcodes = PostcodeDirectory.LoadEmbedded();
        var hsds = HsdsMapping.Service(Inactive, CareType.DistrictNursing, [], postcodes);
        Assert.Equal(("inactive", 0), (hsds.Status, hsds.ServiceAreas.Count));
        Assert.Equal("active", HsdsMapping.Service(Active, CareType.DistrictNursing, [], postcodes).Status);
    }
}
