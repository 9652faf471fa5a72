using FhirCodes = Capacity.Service.Fhir.FhirCodes;
using Capacity.Service.Mcsd;
using Capacity.V1;

namespace Capacity.Service.Tests.Mcsd;

public sealed class McsdRulesTests
{
    [Theory]
    [InlineData("https://directory.example.nl/fhir", true)]
    [InlineData("http://127.0.0.1:5000/fhir", true)]
    [InlineData("http://directory.example.nl/fhir", false)]
    [InlineData("https://directory.example.nl/fhir?x=1", false)]
    [InlineData("directory.example.nl", false)]
    public void BaseUrlIsHttpsOrLoopback(string url, bool allowed) => Assert.Equal(allowed, McsdOptions.IsAllowedBase(url));

    [Theory]
    [InlineData("1183", 1183)]
    [InlineData("1183 AB", 1183)]
    [InlineData("1183ab", 1183)]
    [InlineData("0183", null)]
    [InlineData("118", null)]
    [InlineData("1183 ABC", null)]
    [InlineData("B-1000", null)]
    public void PostalCodeGivesItsPc4(string postalCode, int? pc4) => Assert.Equal(pc4, McsdMapping.Pc4(postalCode));

    [Fact]
    public void BuiltInTableHoldsEveryCareTypeUnderOurSystem()
    {
        var table = new McsdOptions { CareTypeCodes = [new() { System = "http://example.org/cs", Code = "WV", CareType = CareType.DistrictNursing }] }.CareTypeTable();
        Assert.Equal(CareType.DistrictNursing, table[$"{McsdOptions.CareTypeSystem}|district_nursing"]);
        Assert.Equal(CareType.ShortTermStay, table[$"{McsdOptions.CareTypeSystem}|short_term_stay"]);
        Assert.Equal(CareType.DistrictNursing, table["http://example.org/cs|WV"]);
        // Our FHIR output's codes map back, for every care type it writes.
        foreach (var careType in FhirCodes.CareTypes.Keys)
            Assert.Equal(careType, table[$"{FhirCodes.CareTypeSystem}|{FhirCodes.Concept(careType).Coding[0].Code}"]);
        Assert.Equal(13, table.Count);
    }
}
