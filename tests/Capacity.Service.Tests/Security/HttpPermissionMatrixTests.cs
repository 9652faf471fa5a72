using Capacity.Service.Security;

namespace Capacity.Service.Tests.Security;

/// <summary>
/// Every role × every HTTP standards resource (FHIR, HSDS) against this test's own matrix, not
/// read from the service: a resource added to the table without an entry here fails, and so does
/// one missing from the table (fail closed). Then the tenant checks for figures.
/// </summary>
public sealed class HttpPermissionMatrixTests
{
    static readonly string[] All = AuthorizationMatrixTests.Roles;

    /// <summary>Who may read each resource (for their own provider where the resource is about one); null: anonymous too.</summary>
    static readonly Dictionary<string, string[]?> Expected = new()
    {
        ["fhir:metadata"] = null,
        ["fhir:Organization"] = All,
        ["fhir:HealthcareService"] = All,
        ["fhir:Location"] = All,
        ["fhir:MeasureReport"] = ["provider", "requester", "insurer_desk"],
        ["fhir:ServiceRequest"] = ["provider", "requester", "insurer_desk"],
        ["fhir:Task"] = ["provider", "requester", "insurer_desk"],
        ["hsds:services"] = ["provider", "requester", "insurer_desk"],
    };

    static Caller As(string role) => Caller.From(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
        [new(Caller.RoleClaim, role), new("sub", "t"), new("agb", "75000001"), new("org", "ziekenhuis-a"), new("uzovi", "9101"), new("gm", "GM0362")], "test")))!;

    [Fact]
    public void TheTableHoldsExactlyTheResourcesOfTheMatrix() =>
        Assert.Equal(Expected.Keys.Order(), HttpPermissions.ByResource.Keys.Order());

    [Fact]
    public void EveryRoleIsAllowedOrRefusedEachResourceAsTheMatrixSays()
    {
        foreach (var (resource, roles) in Expected)
        foreach (var role in All)
        {
            var denied = HttpPermissions.Check(resource, As(role), "75000001");
            var allowed = roles is null || roles.Contains(role);
            Assert.True(allowed == (denied is null), $"{role} on {resource}: expected {(allowed ? "allowed" : "refused")}, got {denied ?? "allowed"}");
        }
        Assert.True(HttpPermissions.ByResource["fhir:metadata"].Anonymous);
        Assert.All(Expected.Where(e => e.Value is not null), e => Assert.False(HttpPermissions.ByResource[e.Key].Anonymous));
    }

    [Fact]
    public void AResourceMissingFromTheTableIsRefusedToEveryone() =>
        Assert.All(All, role => Assert.Contains("not open to any role", HttpPermissions.Check("fhir:Patient", As(role), null)));

    [Theory]
    [InlineData("fhir:MeasureReport")]
    [InlineData("hsds:services")]
    public void AProviderReadsOnlyItsOwnFiguresWhileRequestersReadAnyones(string resource)
    {
        Assert.Null(HttpPermissions.Check(resource, As("provider"), "75000001"));
        Assert.Contains("not yours", HttpPermissions.Check(resource, As("provider"), "75000002"));
        Assert.Contains("its own", HttpPermissions.Check(resource, As("provider"), null));
        Assert.Null(HttpPermissions.Check(resource, As("requester"), "75000002"));
        Assert.Null(HttpPermissions.Check(resource, As("insurer_desk"), null));
    }
}
