using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>Signing in with a demo identity, by keyboard alone, and signing out again.</summary>
public sealed class SignInTests(WebApp web)
{
    [Fact]
    public async Task A_demo_identity_signs_in_by_keyboard_and_lands_on_its_screen()
    {
        var page = await web.NewPageAsync();
        var errors = new List<string>(); // a script or style the content security policy blocks shows up here
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        await page.GotoAsync("/");
        await Expect(page.Locator("button.identity")).Not.ToHaveCountAsync(0);
        WebApp.RecordTime("page load, first of the run (service may still be warming up)", await LoadTime(page));
        // What a user meets: a browser that never saw the page (empty cache) and a running service.
        var fresh = await web.NewPageAsync();
        await fresh.GotoAsync("/");
        await Expect(fresh.Locator("button.identity")).Not.ToHaveCountAsync(0);
        WebApp.RecordTime("page load, new browser context (empty cache)", await LoadTime(fresh));
        foreach (var role in new[] { "Transferverpleegkundige", "Zorgaanbieder", "Zorgbemiddeling", "Gemeente" })
            await Expect(page.Locator("fieldset.role legend", new() { HasText = role })).ToBeVisibleAsync();
        await WebApp.ScreenshotAsync(page, "0-sign-in");

        // Tab past the skip link to the first identity (a transfer desk), Enter signs in.
        var first = page.Locator("button.identity").First;
        for (var i = 0; i < 10 && !await first.EvaluateAsync<bool>("el => el === document.activeElement"); i++)
            await page.Keyboard.PressAsync("Tab");
        await Expect(first).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#postcode")).ToBeFocusedAsync();
        await Expect(page.Locator("#who-name")).ToContainTextAsync("Transferverpleegkundige");
        await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");

        await page.GetByRole(AriaRole.Button, new() { Name = "Afmelden" }).ClickAsync();
        await Expect(page.Locator("button.identity").First).ToBeVisibleAsync();
        Assert.Empty(errors);
    }

    static async Task<TimeSpan> LoadTime(IPage page) =>
        TimeSpan.FromMilliseconds(await page.EvaluateAsync<double>("performance.getEntriesByType('navigation')[0].loadEventEnd"));
}
