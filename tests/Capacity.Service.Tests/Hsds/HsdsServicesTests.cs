using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Capacity.Service.Hsds;
using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;

namespace Capacity.Service.Tests.Hsds;

/// <summary>
/// /hsds/services on a host that requires sign-in: services, their organization, service areas
/// and capacities valid against the vendored HSDS 3.x schemas, figures as published minus holds,
/// no patient data, paging bounded, and the permission table's rules. The data is set up through
/// a second host on the same Redis that lets anonymous calls through.
/// </summary>
public sealed class HsdsServicesTests(HsdsServicesTests.Hosts hosts) : IClassFixture<HsdsServicesTests.Hosts>
{
    const string Issuer = "capacity-test";
    static readonly string Key = DevTokens.NewSigningKey();

    /// <summary>The two hosts and the data, set up once for the class: the tests only read.</summary>
    public sealed class Hosts : IAsyncLifetime
    {
        readonly CapacityApp _setup = new CapacityApp().With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);
        public CapacityApp App { get; private set; } = null!;
        public string[] Agbs { get; private set; } = [];

        public async ValueTask InitializeAsync()
        {
            await _setup.InitializeAsync();
            (var uzovi, var agbs) = await _setup.ProvidersAsync("1183", 3, free: 4);
            Agbs = agbs;
            // A referral holds a place with the first provider: its service_capacity shows one place fewer, and nothing of the patient.
            var referral = await _setup.CreateAsync(ReferralData.NewReferral(uzovi, "1183"));
            await _setup.OfferAsync(referral.Id, Agbs[0]);
            App = await _setup.StartSecondInstanceAsync(("Auth:Required", "true"));
        }

        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            await _setup.DisposeAsync();
        }
    }

    string[] Agbs => hosts.Agbs;

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    HttpClient As(string? role, string? tenant = null)
    {
        var http = hosts.App.CreateClient();
        if (role is not null)
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", DevTokens.Issue(new DevIdentity("tester", role, tenant), Issuer, "capacity", Key));
        return http;
    }

    static async Task<JsonElement> GetAsync(HttpClient http, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await http.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(expected == response.StatusCode, $"{path}: {response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    static void AssertValidService(JsonElement service)
    {
        HsdsSchema.AssertValid("service", service);
        foreach (var capacity in service.GetProperty("capacities").EnumerateArray()) HsdsSchema.AssertValid("service_capacity", capacity);
    }

    [Fact]
    public async Task EveryServiceIsValidHsdsWithItsCapacityPerArea()
    {
        var nurse = As("requester", "ziekenhuis-amstel");

        var page = await GetAsync(nurse, "/hsds/services");
        var services = page.GetProperty("contents").EnumerateArray().Where(s => Agbs.Any(a => s.GetProperty("description").GetString()!.Contains(a))).ToList();
        var one = await GetAsync(nurse, $"/hsds/services/{HsdsMapping.ServiceId(Agbs[0], CareType.DistrictNursing)}");

        Assert.Equal(3, services.Count);
        services.ForEach(AssertValidService);
        AssertValidService(one);
        var capacity = Assert.Single(one.GetProperty("capacities").EnumerateArray());
        Assert.Equal((3, "places"), (capacity.GetProperty("available").GetInt32(), capacity.GetProperty("unit").GetProperty("identifier").GetString()));
        Assert.Equal("1183", Assert.Single(one.GetProperty("service_areas").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal("urn:oid:2.16.840.1.113883.2.4.6.1:" + Agbs[0], one.GetProperty("organization").GetProperty("uri").GetString());
        Assert.DoesNotContain("patient", one.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("pt-", one.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSchemasRefuseMissingRequiredFieldsAndUnknownStatusesThroughTheirRefs()
    {
        var capacity = JsonNode.Parse("""{"id":"6f1d5c2e-8a41-5b7e-9a53-2c0e4d7b9f10","unit":{"id":"6f1d5c2e-8a41-5b7e-9a53-2c0e4d7b9f11","name":"Bed"},"available":2}""")!;
        var service = JsonNode.Parse("""{"id":"6f1d5c2e-8a41-5b7e-9a53-2c0e4d7b9f12","name":"x","status":"open"}""")!;

        Assert.NotEmpty(HsdsSchema.Errors("service_capacity", JsonSerializer.SerializeToElement(capacity))); // no "updated"
        // Through service.json's $ref to organization.json: an organization needs a description.
        var organizationWithout = JsonNode.Parse("""{"id":"6f1d5c2e-8a41-5b7e-9a53-2c0e4d7b9f12","name":"x","status":"active","organization":{"id":"6f1d5c2e-8a41-5b7e-9a53-2c0e4d7b9f13","name":"y"}}""")!;

        Assert.NotEmpty(HsdsSchema.Errors("service", JsonSerializer.SerializeToElement(service)));
        Assert.NotEmpty(HsdsSchema.Errors("service", JsonSerializer.SerializeToElement(organizationWithout)));
    }

    [Fact]
    public async Task TheListIsPagedAndAPageIsCapped()
    {
        var nurse = As("requester", "ziekenhuis-amstel");

        var first = await GetAsync(nurse, "/hsds/services?per_page=2");
        var last = await GetAsync(nurse, $"/hsds/services?per_page=2&page={first.GetProperty("total_pages").GetInt32()}");
        await GetAsync(nurse, "/hsds/services?per_page=51", HttpStatusCode.BadRequest);
        await GetAsync(nurse, "/hsds/services?page=0", HttpStatusCode.BadRequest);

        Assert.Equal((2, true, false), (first.GetProperty("contents").GetArrayLength(), first.GetProperty("first_page").GetBoolean(), first.GetProperty("last_page").GetBoolean()));
        Assert.True(first.GetProperty("total_items").GetInt32() >= 3);
        Assert.True(last.GetProperty("last_page").GetBoolean());
    }

    [Fact]
    public async Task AnonymousAndMunicipalitiesAreRefusedAndAProviderReadsOnlyItsOwnServices()
    {
        var provider = As("provider", Agbs[1]);
        var ownOrganization = HsdsMapping.OrganizationId(Agbs[1]);

        await GetAsync(As(null), "/hsds/services", HttpStatusCode.Unauthorized);
        await GetAsync(As("municipality", "GM0362"), "/hsds/services", HttpStatusCode.Forbidden);
        await GetAsync(provider, "/hsds/services", HttpStatusCode.Forbidden);
        await GetAsync(provider, $"/hsds/services/{HsdsMapping.ServiceId(Agbs[0], CareType.DistrictNursing)}", HttpStatusCode.Forbidden);
        var own = await GetAsync(provider, $"/hsds/services?organization_id={ownOrganization}");
        await GetAsync(provider, $"/hsds/services/{HsdsMapping.ServiceId(Agbs[1], CareType.DistrictNursing)}");

        Assert.All(own.GetProperty("contents").EnumerateArray(), s => Assert.Equal(ownOrganization, s.GetProperty("organization_id").GetString()));
        Assert.Equal(1, own.GetProperty("total_items").GetInt32());
    }
}
