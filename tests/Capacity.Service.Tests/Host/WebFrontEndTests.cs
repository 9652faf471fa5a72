using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;

namespace Capacity.Service.Tests.Host;

/// <summary>What the web page loads besides the API: its files, the map outlines and (in the demo) the sign-in choices.</summary>
public sealed class WebFrontEndTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_page_and_its_modules_are_served_from_the_service()
    {
        await using var app = new CapacityApp();
        await app.InitializeAsync();
        var http = app.CreateClient();

        var response = await http.GetAsync("/", Ct);
        Assert.Contains("js/app.js", await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        var module = await http.GetAsync("/js/nurse.js", Ct);
        Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/vendor/signalr.min.js", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/vendor/README.md", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_map_of_a_municipality_holds_its_own_postcode_areas_only()
    {
        await using var app = new CapacityApp();
        await app.InitializeAsync();
        var http = app.CreateClient();

        var map = await http.GetFromJsonAsync<JsonElement>("/geo/municipalities/GM0362/pc4.geojson", Ct);
        var areas = map.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties")).ToList();
        Assert.Equal(9, areas.Count); // Amstelveen: 1181-1189
        Assert.All(areas, a => Assert.Equal("GM0362", a.GetProperty("municipality_code").GetString()));
        Assert.Contains(areas, a => a.GetProperty("pc4").GetString() == "1183");
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/geo/municipalities/GM9999/pc4.geojson", Ct)).StatusCode);
    }

    [Fact]
    public async Task The_demo_offers_an_identity_for_every_screen()
    {
        await using var app = new CapacityApp().With("Demo:Seed", "true")
            .With("Auth:Required", "true").With("Auth:Issuer", "capacity-demo").With("Auth:SigningKey", DevTokens.NewSigningKey());
        await app.InitializeAsync();

        var identities = await app.CreateClient().GetFromJsonAsync<JsonElement>("/demo/identities", Ct);
        var roles = identities.EnumerateArray().Select(i => i.GetProperty("role").GetString()).Distinct().Order();
        Assert.Equal(["insurer_desk", "municipality", "provider", "requester"], roles);
        Assert.Contains(identities.EnumerateArray(), i => i.GetProperty("code").GetString() == "75010001" && i.GetProperty("name").GetString() == "Wijkzorg Amstelveen");
        Assert.Contains(identities.EnumerateArray(), i => i.GetProperty("code").GetString() == "GM0362" && i.GetProperty("name").GetString() == "Gemeente Amstelveen");
    }

    [Fact]
    public async Task Where_an_identity_provider_is_set_the_page_signs_in_there_and_may_talk_to_it()
    {
        const string authority = "https://login.ziekenhuis.example/realms/zorg";
        await using var app = new CapacityApp().With("Demo:Seed", "true").With("Auth:Required", "true")
            .With("Auth:Authority", authority).With("Auth:WebClientId", "capacity-web");
        await app.InitializeAsync();
        var http = app.CreateClient();

        var settings = await http.GetFromJsonAsync<JsonElement>("/web/sign-in", Ct);
        Assert.Equal((authority, "capacity-web"), (settings.GetProperty("authority").GetString(), settings.GetProperty("clientId").GetString()));
        Assert.Contains("offline_access", settings.GetProperty("scope").GetString()); // the refresh token that renews the page's access token
        var policy = (await http.GetAsync("/", Ct)).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("connect-src 'self' https://login.ziekenhuis.example;", policy);
        Assert.Contains("script-src 'self';", policy);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/demo/identities", Ct)).StatusCode); // no demo identities next to a real provider
    }

    [Fact]
    public async Task Without_an_identity_provider_the_page_is_told_so_and_talks_to_its_own_origin_only()
    {
        await using var app = new CapacityApp();
        await app.InitializeAsync();
        var http = app.CreateClient();

        var settings = await http.GetFromJsonAsync<JsonElement>("/web/sign-in", Ct);
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("authority").ValueKind);
        Assert.Contains("connect-src 'self';", (await http.GetAsync("/", Ct)).Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task A_web_client_id_without_an_authority_stops_the_service_at_start()
    {
        await using var app = new CapacityApp().With("Auth:Required", "true").With("Auth:Issuer", "capacity-prod")
            .With("Auth:SigningKey", DevTokens.NewSigningKey()).With("Auth:WebClientId", "capacity-web");
        var e = await Assert.ThrowsAnyAsync<Exception>(async () => await app.InitializeAsync());
        Assert.Contains("Auth:WebClientId needs Auth:Authority", e.ToString());
    }
}
