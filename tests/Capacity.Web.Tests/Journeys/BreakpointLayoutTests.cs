using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// The edges of the layouts in site.css: each screen at the narrowest width of the phone, tablet
/// and desktop layout, and the provider's grid header where its names wrap (ResponsiveLayoutTests
/// covers each screen at a common phone, tablet and laptop size).
/// </summary>
public sealed class BreakpointLayoutTests(WebApp web)
{
    const string AmstellandThuisverpleging = "75010004"; // four care types; only read here
    const string ZilverenKruis = "3311"; // its desk; only read here

    /// <summary>
    /// At the narrowest width of each layout — the smallest phone in use (360 px), the smallest
    /// tablet (600 px), the smallest desktop (1024 px) — every role's screen and header fit,
    /// "Afmelden" included.
    /// </summary>
    [Theory]
    [InlineData(360)]
    [InlineData(600)]
    [InlineData(1024)]
    public async Task EveryScreenFitsAtTheNarrowestWidthOfEachLayout(int width)
    {
        var size = new ViewportSize { Width = width, Height = 800 };
        foreach (var (role, code, ready) in new[]
        {
            ("requester", "stadsziekenhuis-west", "#search-button"),
            ("provider", AmstellandThuisverpleging, "#capacity-grid input.cell"),
            ("insurer_desk", ZilverenKruis, "#queue"),
            ("municipality", "GM0362", "#map"),
        })
        {
            var page = await web.SignInAsync(role, code, viewport: size);
            await Expect(page.Locator(ready).First).ToBeVisibleAsync();
            await Layout.AssertHeaderAsync(page, touch: width < Layout.DesktopFrom);
            await Layout.AssertNoHorizontalOverflowAsync(page);
            await page.Context.CloseAsync();
        }
    }

    /// <summary>
    /// A provider with four care types on the smallest desktop: the long care-type names take two
    /// lines, and the grid's header (names and "Hele kolom") still stands whole above the figures,
    /// also with the page scrolled down.
    /// </summary>
    [Fact]
    public async Task GridHeaderStaysReadableWhenItsNamesTakeTwoLines()
    {
        var provider = await web.SignInAsync("provider", AmstellandThuisverpleging, viewport: new ViewportSize { Width = 1024, Height = 700 });
        var head = provider.Locator("#capacity-grid table.grid thead");
        await Expect(head.Locator("tr").First.Locator("th")).ToHaveCountAsync(5); // Postcode and four care types
        var names = head.Locator("tr").First.Locator("th");
        var fill = head.Locator("tr.fill-row th");
        Assert.True((await names.Nth(4).BoundingBoxAsync())!.Height > 40, "a care-type name takes two lines here");

        for (var i = 0; i < 5; i++) await Layout.AssertReadableAsync(names.Nth(i), $"header {i}");
        await Layout.AssertReadableAsync(fill.First, "Hele kolom");
        await provider.Locator("#capacity-grid tbody tr").Nth(6).ScrollIntoViewIfNeededAsync();
        await provider.EvaluateAsync("() => window.scrollBy(0, 300)");
        for (var i = 0; i < 5; i++) await Layout.AssertReadableAsync(names.Nth(i), $"header {i} after scrolling");
        await Layout.AssertReadableAsync(fill.First, "Hele kolom after scrolling");
        Assert.True((await names.First.BoundingBoxAsync())!.Y >= -0.5, "the header stays in the window");
    }
}
