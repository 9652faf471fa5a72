using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;

namespace Capacity.Service.Tests.Security;

/// <summary>
/// The browser's API (/api/v1, JSON transcoding of the gRPC services) is the same door as gRPC:
/// the same sign-in, permission table and validation, with errors a page can show.
/// </summary>
public sealed class BrowserApiTests : IAsyncLifetime
{
    readonly CapacityApp _app = new CapacityApp().With("Demo:Seed", "true")
        .With("Auth:Required", "true").With("Auth:Issuer", "capacity-demo").With("Auth:SigningKey", DevTokens.NewSigningKey());

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<HttpClient> SignedIn(string role, string code)
    {
        var http = _app.CreateClient();
        var token = (await http.GetFromJsonAsync<JsonElement>($"/demo/token?role={role}&code={code}", Ct)).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task Anonymous_callers_are_refused_with_a_json_status()
    {
        var response = await _app.CreateClient().GetAsync("/api/v1/insurers", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(16, body.GetProperty("code").GetInt32()); // UNAUTHENTICATED
    }

    [Fact]
    public async Task A_provider_reads_its_own_figures_and_not_another_providers()
    {
        var provider = await SignedIn("provider", "75010001");

        var own = await provider.GetFromJsonAsync<JsonElement>("/api/v1/providers/75010001/capacity", Ct);
        Assert.NotEmpty(own.GetProperty("figures").EnumerateArray());
        Assert.All(own.GetProperty("figures").EnumerateArray(), f => Assert.Equal("CARE_TYPE_", f.GetProperty("careType").GetString()![..10]));

        var other = await provider.GetAsync("/api/v1/providers/75010002/capacity", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Contains("not yours", (await other.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_bad_figure_is_refused_naming_the_field_and_nothing_is_stored()
    {
        var provider = await SignedIn("provider", "75010001");
        var before = await provider.GetStringAsync("/api/v1/providers/75010001/capacity", Ct);

        var response = await provider.PostAsJsonAsync("/api/v1/providers/75010001/capacity",
            new { agb = "75010001", pc4 = "1183", careType = "CARE_TYPE_DISTRICT_NURSING", freePlaces = -3, version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var violations = body.GetProperty("details").EnumerateArray().SelectMany(d => d.GetProperty("fieldViolations").EnumerateArray()).ToList();
        Assert.Contains(violations, v => v.GetProperty("field").GetString() == "free_places" && v.GetProperty("reason").GetString() == "NUMBER_RANGE");
        Assert.Equal(before, await provider.GetStringAsync("/api/v1/providers/75010001/capacity", Ct));
    }

    [Fact]
    public async Task A_requester_searches_and_creates_a_referral_for_its_own_organisation_only()
    {
        var nurse = await SignedIn("requester", "amstelland-ziekenhuis");
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(1));
        var search = new
        {
            patientPostcode = "1183 AB", insurerUzovi = "3311", careType = "CARE_TYPE_DISTRICT_NURSING",
            startDate = new { year = today.Year, month = today.Month, day = today.Day },
        };

        var result = await (await nurse.PostAsJsonAsync("/api/v1/searches", search, Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("1183", result.GetProperty("patientPc4").GetString());

        var mine = await nurse.PostAsJsonAsync("/api/v1/referrals", new { requestId = "r1", requesterOrg = "amstelland-ziekenhuis", patientRef = "P-1", search }, Ct);
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var theirs = await nurse.PostAsJsonAsync("/api/v1/referrals", new { requestId = "r2", requesterOrg = "another-hospital", patientRef = "P-2", search }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, theirs.StatusCode);

        var listed = await nurse.GetFromJsonAsync<JsonElement>("/api/v1/organisations/amstelland-ziekenhuis/referrals", Ct);
        Assert.Single(listed.GetProperty("referrals").EnumerateArray(), r => r.GetProperty("patientRef").GetString() == "P-1");
    }

    [Fact]
    public async Task A_second_referral_for_the_same_patient_is_a_409_naming_the_existing_one_and_lists_take_a_filter_and_page_token()
    {
        var nurse = await SignedIn("requester", "stadsziekenhuis-west");
        var day = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(1));
        var search = new
        {
            patientPostcode = "1093", insurerUzovi = "3311", careType = "CARE_TYPE_DISTRICT_NURSING",
            startDate = new { year = day.Year, month = day.Month, day = day.Day },
        };
        var first = await (await nurse.PostAsJsonAsync("/api/v1/referrals", new { requestId = "d1", requesterOrg = "stadsziekenhuis-west", patientRef = "P-9", search }, Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct);

        var again = await nurse.PostAsJsonAsync("/api/v1/referrals", new { requestId = "d2", requesterOrg = "stadsziekenhuis-west", patientRef = "P-9", search }, Ct);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var body = await again.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(6, body.GetProperty("code").GetInt32()); // ALREADY_EXISTS
        var details = body.GetProperty("details").EnumerateArray().ToList();
        var resource = Assert.Single(details, d => d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.ResourceInfo");
        var reason = Assert.Single(details, d => d.GetProperty("@type").GetString() == "type.googleapis.com/google.rpc.ErrorInfo");
        Assert.Equal(("PATIENT_HAS_REFERRAL", "capacity.v1"), (reason.GetProperty("reason").GetString(), reason.GetProperty("domain").GetString()));
        Assert.Equal(first.GetProperty("id").GetString(), resource.GetProperty("resourceName").GetString());
        Assert.Equal("Ziekenhuis Amstelland, transferbureau", (await nurse.GetFromJsonAsync<JsonElement>("/api/v1/organisations/amstelland-ziekenhuis", Ct)).GetProperty("name").GetString());
        var ended = await nurse.GetFromJsonAsync<JsonElement>("/api/v1/organisations/stadsziekenhuis-west/referrals?filter=REFERRAL_LIST_FILTER_ENDED&pageSize=5&includeOlder=true", Ct);
        Assert.Empty(ended.GetProperty("referrals").EnumerateArray());
        var badToken = await nurse.GetAsync("/api/v1/organisations/stadsziekenhuis-west/referrals?pageToken=xyz", Ct);
        Assert.Equal(HttpStatusCode.BadRequest, badToken.StatusCode);
    }
}
