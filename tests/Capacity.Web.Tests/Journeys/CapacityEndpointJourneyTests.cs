using Capacity.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// A provider registers its capacity.json on its screen: a bad address is named in Dutch next to
/// the field; a good one is pulled within seconds, its figures appear in the grid, and what the
/// file held that could not be used is listed in Dutch.
/// </summary>
public sealed class CapacityEndpointJourneyTests(WebApp web)
{
    const string KinderthuiszorgAmstel = "75010005"; // no other test reads its figures

    [Fact]
    public async Task A_registered_capacity_json_is_pulled_into_the_grid_and_its_unusable_lines_are_listed()
    {
        await using var file = await ServeAsync("""
            { "capacity": { "extramural": [ { "neighbourhood": { "name": "Oost", "postalcodes": ["1083AB"] },
              "available": [ { "type": "Medische kindzorg", "count": 7 }, { "type": "Corona", "count": 1 } ] } ] } }
            """);
        var page = await web.SignInAsync("provider", KinderthuiszorgAmstel);
        var section = page.Locator("#capacity-endpoint");
        await Expect(section).ToContainTextAsync("Er is geen adres ingesteld.");

        await page.FillAsync("#endpoint-url", "http://intern.voorbeeld.nl/capacity.json");
        await page.ClickAsync("#endpoint-save");
        await Expect(page.Locator("#endpoint-url-error")).ToContainTextAsync("Vul een volledig https-adres in");
        await Expect(page.Locator("#endpoint-url")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.FillAsync("#endpoint-url", file.Url);
        await page.ClickAsync("#endpoint-save");
        await Expect(page.Locator("#endpoint-status")).ToContainTextAsync("Adres opgeslagen");
        await Expect(page.Locator("#endpoint-skipped")).ToContainTextAsync("extramural[0].available[1] “Corona” — onbekende zorgsoort");
        await Expect(section).ToContainTextAsync("is 1 cijfer (postcodegebied × zorgsoort) gepubliceerd");
        await Expect(page.Locator("input.cell[data-pc4='1083'][data-care-type='MedicalChildCare']")).ToHaveValueAsync("7");
        await WebApp.ScreenshotAsync(page, "provider-capacity-endpoint");

        // Removing asks first, then the pulls stop (and a next run of this test starts without an address).
        await page.ClickAsync("#endpoint-remove");
        await page.Locator("dialog.confirm").GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Ja, verwijderen" }).ClickAsync();
        await Expect(page.Locator("#endpoint-status")).ToContainTextAsync("Adres verwijderd");
        await Expect(section).ToContainTextAsync("Er is geen adres ingesteld.");
    }

    sealed class StatementFile(WebApplication app) : IAsyncDisposable
    {
        public string Url => $"{app.Urls.First()}/capacity.json";

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }

    static async Task<StatementFile> ServeAsync(string json)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/capacity.json", () => Results.Text(json, "application/json"));
        await app.StartAsync();
        return new StatementFile(app);
    }
}
