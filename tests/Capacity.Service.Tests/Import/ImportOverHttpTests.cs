using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Capacity.Service.Security;
using Capacity.Service.Tests.Infrastructure;

namespace Capacity.Service.Tests.Import;

/// <summary>The import as the browser uses it: the template as a file download and the upload as JSON, behind sign-in, a provider's own only.</summary>
public sealed class ImportOverHttpTests : IAsyncLifetime
{
    readonly CapacityApp _app = new CapacityApp().With("Demo:Seed", "true")
        .With("Auth:Required", "true").With("Auth:Issuer", "capacity-demo").With("Auth:SigningKey", DevTokens.NewSigningKey());

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    async Task<HttpClient> SignedInProvider(string agb)
    {
        var http = _app.CreateClient();
        var token = (await http.GetFromJsonAsync<JsonElement>($"/demo/token?role=provider&code={agb}", Ct)).GetProperty("token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task TemplateDownloadsAsAFileForTheOwnProviderOnly()
    {
        var provider = await SignedInProvider("75010001");

        var csv = await provider.GetAsync("/api/v1/providers/75010001/capacity/template?format=IMPORT_FORMAT_CSV", Ct);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        Assert.Equal("capaciteit-75010001.csv", csv.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.StartsWith("postcode_gebied;zorgsoort;vrije_plaatsen;vanaf;uren_per_week;versie", Encoding.UTF8.GetString(await csv.Content.ReadAsByteArrayAsync(Ct)).TrimStart('\uFEFF'));

        var xlsx = await provider.GetAsync("/api/v1/providers/75010001/capacity/template?format=IMPORT_FORMAT_XLSX", Ct);
        Assert.Equal("capaciteit-75010001.xlsx", xlsx.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("PK"u8.ToArray(), (await xlsx.Content.ReadAsByteArrayAsync(Ct))[..2]);

        Assert.Equal(HttpStatusCode.Forbidden, (await provider.GetAsync("/api/v1/providers/75010002/capacity/template", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient().GetAsync("/api/v1/providers/75010001/capacity/template", Ct)).StatusCode);
    }

    [Fact]
    public async Task UploadAsJsonPreviewsAndNamesBadRowsByNumberAndCode()
    {
        var provider = await SignedInProvider("75010001");
        var file = Encoding.UTF8.GetBytes("postcode_gebied;zorgsoort;vrije_plaatsen\n9999;Wijkverpleging;1\n");

        var response = await provider.PostAsJsonAsync("/api/v1/providers/75010001/capacity/import", new { file = Convert.ToBase64String(file), apply = false }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var row = Assert.Single(body.GetProperty("outcomes").EnumerateArray());
        Assert.Equal((2, "IMPORT_ROW_STATUS_REFUSED", "postcode_gebied", "AREA_NOT_SERVED"),
            (row.GetProperty("row").GetInt32(), row.GetProperty("status").GetString(),
             row.GetProperty("errors")[0].GetProperty("field").GetString(), row.GetProperty("errors")[0].GetProperty("reason").GetString()));

        var other = await provider.PostAsJsonAsync("/api/v1/providers/75010002/capacity/import", new { file = Convert.ToBase64String(file) }, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }
}
