using Capacity.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// A provider whose figures are going stale is nudged; saving the grid — even unchanged —
/// confirms them, the nudge goes, and a nurse's open search shows the provider again instead of
/// "geen actuele capaciteit".
/// </summary>
public sealed class StaleFiguresTests(WebApp web)
{
    const string WeesperWijkzorg = "75020010"; // its demo figures are 50 hours old

    [Fact]
    public async Task Stale_figures_are_nudged_and_one_save_confirms_them()
    {
        var provider = await web.SignInAsync("provider", WeesperWijkzorg);
        await Expect(provider.Locator("#stale-nudge")).ToBeVisibleAsync();
        await Expect(provider.Locator("#stale-nudge")).ToContainTextAsync("telt niet meer mee");
        await WebApp.ScreenshotAsync(provider, "f-provider-stale-nudge");
        // An area where it has free places (a full one would be left out as "no capacity" anyway).
        var cells = provider.Locator("input.cell[data-care-type='DistrictNursing']");
        await Expect(cells.First).ToBeVisibleAsync();
        string? pc4 = null;
        for (var i = 0; i < await cells.CountAsync() && pc4 is null; i++)
            if (int.Parse(await cells.Nth(i).InputValueAsync()) > 0) pc4 = await cells.Nth(i).GetAttributeAsync("data-pc4");
        Assert.NotNull(pc4);

        var nurse = await web.SignInAsync("requester", "amstelland-ziekenhuis");
        await nurse.FillAsync("#postcode", pc4);
        await nurse.FillAsync("#insurer", "Zilveren Kruis");
        await nurse.ClickAsync("#search-button");
        var excluded = nurse.Locator($"#exclusions li[data-agb='{WeesperWijkzorg}']");
        await Expect(excluded).ToHaveAttributeAsync("data-reason", "StaleCapacity");
        await Expect(excluded).ToContainTextAsync("geen actuele capaciteit");

        await provider.ClickAsync("#save-capacity"); // nothing changed: confirms every figure
        await Expect(provider.Locator("#save-status")).ToContainTextAsync("opgeslagen");
        await Expect(provider.Locator("#stale-nudge")).ToBeHiddenAsync();
        await Expect(nurse.Locator($"#candidates tr[data-agb='{WeesperWijkzorg}']")).ToBeVisibleAsync();
        await Expect(excluded).ToHaveCountAsync(0);
    }
}
