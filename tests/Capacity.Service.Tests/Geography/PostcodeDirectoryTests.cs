using Capacity.Service.Geography;

namespace Capacity.Service.Tests.Geography;

/// <summary>The embedded CBS postcode data and the distance and radius maths on it.</summary>
public sealed class PostcodeDirectoryTests
{
    static readonly PostcodeDirectory Postcodes = PostcodeDirectory.LoadEmbedded();

    [Fact]
    public void EveryPc4AreaInUseAndEveryMunicipalityIsLoaded()
    {
        Assert.Equal(4067, Postcodes.Areas.Count);
        Assert.Equal(342, Postcodes.Municipalities.Count);
        Assert.All(Postcodes.Municipalities, m => Assert.NotEmpty(m.Pc4s));
        var nuenen = Postcodes.Find(5671)!; // its municipality's name holds a comma, quoted in the CSV
        Assert.Equal("Nuenen, Gerwen en Nederwetten", nuenen.Municipality);
    }

    [Theory]
    [InlineData("1183", 1183)]
    [InlineData("1183AB", 1183)]
    [InlineData(" 1183 ab ", 1183)]
    [InlineData("9999", 9999)]
    public void Pc4AndPc6PostcodesParseToTheirArea(string text, int expected)
    {
        Assert.True(Postcodes.TryParsePostcode(text, out var pc4, out _));
        Assert.Equal(expected, pc4);
    }

    [Theory]
    [InlineData("", "must be a Dutch postcode")]
    [InlineData("0183", "must be a Dutch postcode")]
    [InlineData("11834", "must be a Dutch postcode")]
    [InlineData("1183 A", "must be a Dutch postcode")]
    [InlineData("1000", "does not exist")]
    public void MalformedOrUnusedPostcodesAreRefusedWithAReason(string text, string reason)
    {
        Assert.False(Postcodes.TryParsePostcode(text, out _, out var error));
        Assert.Contains(reason, error.Description);
    }

    [Fact]
    public void DistanceIsGreatCircleBetweenCentroids()
    {
        var amsterdamCentre = Postcodes.Find(1012)!;
        var maastricht = Postcodes.Find(6211)!;
        var amstelveen = Postcodes.Find(1183)!;

        // Amsterdam (1012) to Maastricht (6211) is about 178 km as the crow flies; Amstelveen is next door.
        Assert.InRange(PostcodeDirectory.DistanceKm(amsterdamCentre, maastricht), 176, 181);
        Assert.InRange(PostcodeDirectory.DistanceKm(amsterdamCentre, amstelveen), 6, 11);
        Assert.Equal(0, PostcodeDirectory.DistanceKm(amstelveen, amstelveen));
    }

    [Theory]
    [InlineData(1183, 5)]
    [InlineData(9711, 15)]
    [InlineData(6211, 30)] // Maastricht: the south, where the planar grid is most stretched
    public void RadiusQueryFindsExactlyTheAreasWithinTheRadiusNearestFirst(int centrePc4, double radiusKm)
    {
        var centre = Postcodes.Find(centrePc4)!;

        var found = Postcodes.Within(centre, radiusKm);

        var expected = Postcodes.Areas.Where(a => PostcodeDirectory.DistanceKm(centre, a) <= radiusKm).Select(a => a.Pc4).Order();
        Assert.Equal(expected, found.Select(f => f.Area.Pc4).Order());
        Assert.Equal(centrePc4, found[0].Area.Pc4);
        Assert.Equal(found.Select(f => f.DistanceKm).Order(), found.Select(f => f.DistanceKm));
    }

    [Fact]
    public void MunicipalitiesAreFoundByCodeOrName()
    {
        Assert.Equal("Amstelveen", Postcodes.FindMunicipality("GM0362")!.Name);
        Assert.Equal("GM0363", Postcodes.FindMunicipality("amsterdam")!.Code);
        Assert.Null(Postcodes.FindMunicipality("Atlantis"));
    }
}
