using System.Text.RegularExpressions;
using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// The municipality picks whose view its map shows. Uithoorn, whose map no other journey opens:
/// the demo's Thuiszorg Aan de Amstel (based in 1422) has a client stop for VGZ in all its areas,
/// and a CZ contract without a stop, so in 1422 its room counts for CZ's insured, not for VGZ's.
/// </summary>
public sealed partial class InsurerMapTests(WebApp web)
{
    const string ThuiszorgAanDeAmstel = "75010002";

    [Fact]
    public async Task The_insurer_view_leaves_out_a_provider_with_a_stop_for_that_insurer_and_every_column_is_explained()
    {
        await web.SetFreePlacesAsync(ThuiszorgAanDeAmstel, "1422", 3);
        var page = await web.SignInWithTokenAsync("municipality", "GM0451");
        var area = page.Locator("#map path[data-pc4='1422']");
        var row = page.Locator("#areas tr[data-pc4='1422']");
        var legend = page.Locator("#legend-view");

        // All providers: its room counts, and the area is marked as room a stop closes for some insurers.
        await Expect(legend).ToContainTextAsync("alle aanbieders");
        await Expect(row).ToHaveAttributeAsync("data-closed", "1");
        await Expect(area).ToHaveClassAsync(Stopped());
        var allFree = int.Parse((await row.GetAttributeAsync("data-free"))!);
        Assert.True(allFree >= 3);

        // Every column has its explanation, read out with its heading.
        var headings = page.Locator("table.areas thead th");
        Assert.Equal(8, await headings.CountAsync());
        foreach (var heading in await headings.AllAsync())
        {
            var help = page.Locator("#" + await heading.GetAttributeAsync("aria-describedby"));
            await Expect(help).Not.ToBeEmptyAsync();
            await Expect(page.Locator("#areas-help dt", new() { HasText = await heading.InnerTextAsync() })).ToHaveCountAsync(1);
        }
        await Expect(page.Locator("#areas-help")).ToContainTextAsync("“2 / 10” is 2 met ruimte");

        // VGZ's insured: the provider with a stop for VGZ no longer counts; the legend names VGZ.
        await page.SelectOptionAsync("#map-view", new SelectOptionValue { Label = "Verzekerden van VGZ" });
        await Expect(legend).ToContainTextAsync("voor verzekerden van VGZ");
        await Expect(page.Locator("#map-legend")).ToContainTextAsync("cliëntenstop voor VGZ");
        await Expect(row.Locator("td.closed")).ToHaveTextAsync("1 (3 plaatsen)");
        await Expect(area).ToHaveClassAsync(Stopped());
        var vgzFree = int.Parse((await row.GetAttributeAsync("data-free"))!);
        Assert.True(vgzFree <= allFree - 3, $"VGZ view {vgzFree} free, all providers {allFree}");
        await Expect(page.Locator("#help-closed")).ToContainTextAsync("cliëntenstop voor VGZ");
        await Expect(page.Locator("#totals")).ToContainTextAsync("Elke aanbieder telt één keer");
        await WebApp.ScreenshotAsync(page, "map-insurer-view-vgz");

        // CZ's insured: no stop for CZ, so nothing in 1422 is closed and no stop is drawn there.
        await page.SelectOptionAsync("#map-view", new SelectOptionValue { Label = "Verzekerden van CZ" });
        await Expect(legend).ToContainTextAsync("voor verzekerden van CZ");
        await Expect(row).ToHaveAttributeAsync("data-closed", "0");
        await Expect(area).Not.ToHaveClassAsync(Stopped());
        await Expect(page.Locator("#map-legend")).ToContainTextAsync("alle verzekeraars samen"); // the unmet-demand markers
    }

    [Fact]
    public async Task The_area_pointed_at_is_said_again_with_the_figures_that_arrive_live()
    {
        await web.SetFreePlacesAsync(ThuiszorgAanDeAmstel, "1421", 2);
        var page = await web.SignInWithTokenAsync("municipality", "GM0451");
        var row = page.Locator("#areas tr[data-pc4='1421']");
        var tooltip = page.Locator("#map-tooltip");
        await Expect(row).ToBeAttachedAsync();
        await page.Locator("#map path[data-pc4='1421']").DispatchEventAsync("mouseenter");
        var before = int.Parse((await row.GetAttributeAsync("data-free"))!);
        await Expect(tooltip).ToContainTextAsync($"1421 Uithoorn: {before} vrij");

        // A provider writes: the pointer has not moved, the sentence follows the new figures.
        await web.SetFreePlacesAsync(ThuiszorgAanDeAmstel, "1421", 7);
        await Expect(row).ToHaveAttributeAsync("data-free", (before + 5).ToString());
        await Expect(tooltip).ToContainTextAsync($"1421 Uithoorn: {before + 5} vrij");
    }

    [GeneratedRegex(@"\bstopped\b")]
    private static partial Regex Stopped();
}
