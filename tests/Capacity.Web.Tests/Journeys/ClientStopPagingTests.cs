using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// A provider's client stops are paged: the first 25, "Meer laden" for the rest; lifting one reads
/// again only as many stops as are shown, and what "Meer laden" added stays.
/// </summary>
public sealed class ClientStopPagingTests(WebApp web)
{
    const string Provider = "75010007"; // no other journey uses this provider

    [Fact]
    public async Task A_long_list_of_client_stops_shows_a_page_and_loads_more()
    {
        var errors = new List<string>();
        // 27 one-day stops far ahead (no search of another journey starts then), one a day.
        var start = DutchDays.Today().AddDays(300);
        var ids = new List<string>();
        for (var i = 0; i < 27; i++) ids.Add(await web.DeclareClientStopAsync(Provider, start.AddDays(i)));

        var provider = await web.SignInAsync("provider", Provider, page => WebApp.CollectConsoleErrors(page, errors));
        var stops = provider.Locator("#stops li[data-id]");
        await Expect(stops).ToHaveCountAsync(25);
        var more = provider.Locator("#stops-more");
        await Expect(more).ToBeVisibleAsync();
        Assert.Equal(ids.Take(25), await stops.EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.id)"));

        // "Meer laden": the last two; the button goes, the focus goes on at the first stop it added.
        await more.FocusAsync();
        await provider.Keyboard.PressAsync("Enter");
        await Expect(stops).ToHaveCountAsync(27);
        await Expect(more).ToBeHiddenAsync();
        await Expect(provider.Locator($"#stops li[data-id='{ids[25]}']")).ToBeFocusedAsync();

        // Lifting the first: the list is read again as far as it is shown (not one page), so the last stops stay.
        var reads = new List<string>();
        provider.Request += (_, request) => { if (request.Url.Contains("/api/v1/client-stops?")) reads.Add(request.Url); };
        await provider.Locator($"#stops li[data-id='{ids[0]}']").GetByRole(AriaRole.Button, new() { Name = "Opheffen" }).ClickAsync();
        await provider.GetByRole(AriaRole.Button, new() { Name = "Ja, opheffen" }).ClickAsync();
        await Expect(stops).ToHaveCountAsync(26);
        await Expect(provider.Locator($"#stops li[data-id='{ids[26]}']")).ToBeVisibleAsync();
        await Expect(more).ToBeHiddenAsync();
        Assert.All(reads, url => Assert.Contains($"providerAgb={Provider}", url));
        await WebApp.ScreenshotAsync(provider, "client-stops-paged");
        Assert.Empty(errors);
    }
}
