using Capacity.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// (c) A client stop a provider declares for one insurer removes it from that insurer's patients'
/// searches only: a VGZ patient's open search loses it (with the reason in Dutch), a Zilveren
/// Kruis patient's open search keeps it.
/// </summary>
public sealed class ClientStopJourneyTests(WebApp web)
{
    const string DeVriesZzp = "75010009"; // contracted by Zilveren Kruis and VGZ

    [Fact]
    public async Task A_client_stop_for_VGZ_removes_the_provider_for_VGZ_patients_only()
    {
        // Given: the provider has room in 1181 (as its planning system reports).
        await web.SetFreePlacesAsync(DeVriesZzp, "1181", 3);

        var vgz = await web.SignInAsync("requester", "amstelland-ziekenhuis");
        await Search(vgz, "VGZ");
        var zk = await web.SignInAsync("requester", "amstelland-ziekenhuis");
        await Search(zk, "Zilveren Kruis");
        await Expect(vgz.Locator($"#candidates tr[data-agb='{DeVriesZzp}']")).ToBeVisibleAsync();
        await Expect(zk.Locator($"#candidates tr[data-agb='{DeVriesZzp}']")).ToBeVisibleAsync();

        // The provider declares a client stop for VGZ only.
        var provider = await web.SignInAsync("provider", DeVriesZzp);
        await Expect(provider.Locator("#stops")).ToContainTextAsync("Geen cliëntenstops");
        await provider.Locator("#stop-insurers input[value='7095']").CheckAsync();
        await provider.Locator("#stop-care input[value='DistrictNursing']").CheckAsync();
        await provider.Locator("#stop-areas input[value='*']").CheckAsync(); // heel het werkgebied
        await provider.Locator("#stop-open-ended").CheckAsync();
        await provider.SelectOptionAsync("#stop-reason", "CostCeiling");
        await provider.FillAsync("#stop-text", "Zorgkostenplafond VGZ bereikt.");
        await provider.ClickAsync("#declare-stop");
        await Expect(provider.Locator("dialog.confirm")).ToContainTextAsync("U verdwijnt voor alle VGZ-patiënten in heel uw werkgebied uit de zoekresultaten voor wijkverpleging, vanaf vandaag tot nader order.");
        await provider.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Ja, stop instellen" }).ClickAsync();
        await Expect(provider.Locator("#stops li[data-id]")).ToContainTextAsync("VGZ");

        // The VGZ search loses the provider, with the reason; the Zilveren Kruis search keeps it.
        await Expect(vgz.Locator($"#candidates tr[data-agb='{DeVriesZzp}']")).ToHaveCountAsync(0);
        var excluded = vgz.Locator($"#exclusions li[data-agb='{DeVriesZzp}']");
        await Expect(excluded).ToHaveAttributeAsync("data-reason", "ClientStop");
        await Expect(excluded).ToContainTextAsync("cliëntenstop voor VGZ");
        await Expect(zk.Locator($"#candidates tr[data-agb='{DeVriesZzp}']")).ToBeVisibleAsync();
        await Expect(zk.Locator($"#exclusions li[data-agb='{DeVriesZzp}']")).ToHaveCountAsync(0);
        await WebApp.ScreenshotAsync(vgz, "c-vgz-search-after-stop");
        await WebApp.ScreenshotAsync(provider, "c-provider-client-stop");

        // Lifting it brings the provider back for VGZ patients.
        await provider.Locator($"#stops li[data-id]").GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Opheffen" }).ClickAsync();
        await provider.GetByRole(Microsoft.Playwright.AriaRole.Button, new() { Name = "Ja, opheffen" }).ClickAsync();
        await Expect(provider.Locator("#stops-status")).ToHaveTextAsync("Cliëntenstop opgeheven.");
        await Expect(vgz.Locator($"#candidates tr[data-agb='{DeVriesZzp}']")).ToBeVisibleAsync();
    }

    static async Task Search(Microsoft.Playwright.IPage page, string insurer)
    {
        await page.FillAsync("#postcode", "1181");
        await page.FillAsync("#insurer", insurer);
        await page.ClickAsync("#search-button");
        await Expect(page.Locator("#result-summary")).ToContainTextAsync(insurer);
    }
}
