using Capacity.Web.Tests.Infrastructure;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// The honest offline state: when the live connection drops, or a call cannot reach the service,
/// one Dutch banner says since when the page has not been updated, what may be stale is greyed and
/// its actions are locked (a click does nothing); once the page has read everything again, the
/// banner and the errors of the outage are gone — no "niet bereikbaar" beside fresh results.
/// </summary>
public sealed class OfflineStateTests(WebApp web)
{
    static readonly Regex BannerText = new(@"^Geen verbinding met de dienst sinds \d\d:\d\d\. Wat u ziet kan verouderd zijn; acties zijn uitgeschakeld tot de verbinding terug is\.$");

    [Fact]
    public async Task A_cut_live_connection_shows_one_banner_locks_the_actions_and_clears_after_the_reconnect()
    {
        var (nurse, cards) = await NurseWithTwoWaitingReferralsAsync("e2e-offline-hub");
        var socket = cards.Socket();
        var candidate = cards.Waiting.Locator(".fresh label.pick input").First;
        await Expect(candidate).ToBeEnabledAsync();
        var banner = nurse.Locator("#offline-banner");
        var main = nurse.Locator("main");
        await Expect(banner).ToBeHiddenAsync();

        // The network goes and the hub's WebSocket with it.
        await nurse.Context.SetOfflineAsync(true);
        await socket.CloseAsync();

        // One banner, with the time of the last update; the screen greyed, its actions locked.
        await Expect(banner).ToBeVisibleAsync();
        await Expect(banner).ToHaveAttributeAsync("role", "alert");
        await Expect(banner).ToHaveTextAsync(BannerText);
        await Expect(nurse.GetByRole(AriaRole.Alert).Filter(new() { HasText = "Geen verbinding" })).ToHaveCountAsync(1);
        await Expect(main).ToHaveAttributeAsync("data-offline", "");
        await Expect(candidate).ToBeDisabledAsync();
        await Expect(cards.Waiting.GetByRole(AriaRole.Button, new() { Name = "Annuleren" })).ToBeDisabledAsync();
        await Expect(nurse.Locator("#search-button")).ToBeDisabledAsync();
        await candidate.ClickAsync(new() { Force = true }); // a click gets through to nothing
        await Expect(candidate).Not.ToBeCheckedAsync();
        await Expect(nurse.Locator("#referrals")).ToBeVisibleAsync(); // still there to read
        await WebApp.ScreenshotAsync(nurse, "offline-banner");

        // The network is back: the page reconnects, reads again, and the banner goes.
        await nurse.Context.SetOfflineAsync(false);
        await Expect(nurse.Locator("#live")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Expect(banner).ToBeHiddenAsync();
        await Expect(main).Not.ToHaveAttributeAsync("data-offline", "");
        await Expect(candidate).ToBeEnabledAsync();
        await candidate.CheckAsync();
        await Expect(candidate).ToBeCheckedAsync();
    }

    [Fact]
    public async Task A_call_that_cannot_reach_the_service_shows_the_banner_and_its_error_goes_once_the_service_is_back()
    {
        var (nurse, cards) = await NurseWithTwoWaitingReferralsAsync("e2e-offline-call");
        var banner = nurse.Locator("#offline-banner");
        var main = nurse.Locator("main");

        // The network goes; a search for fresh candidates fails (the live connection has not noticed yet).
        await nurse.Context.SetOfflineAsync(true);
        await cards.Failing.GetByRole(AriaRole.Button, new() { Name = "Vernieuwen" }).ClickAsync();
        await Expect(cards.Failing.Locator(".fresh .error")).ToContainTextAsync("niet bereikbaar");
        await Expect(banner).ToHaveTextAsync(BannerText);
        await Expect(main).ToHaveAttributeAsync("data-offline", "");
        await Expect(cards.Waiting.Locator(".fresh label.pick input").First).ToBeDisabledAsync();

        // Back: the page reads again by itself; the error of the outage is gone, the candidates are back.
        await nurse.Context.SetOfflineAsync(false);
        await Expect(banner).ToBeHiddenAsync(new() { Timeout = 30_000 });
        await Expect(cards.Failing.Locator(".fresh label.pick").First).ToBeVisibleAsync();
        await Expect(main).Not.ToContainTextAsync("niet bereikbaar");
        await Expect(main).Not.ToHaveAttributeAsync("data-offline", "");
        await Expect(nurse.Locator("#live")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
    }

    sealed record Cards(ILocator Failing, ILocator Waiting, Func<IWebSocketRoute> Socket);

    /// <summary>
    /// A nurse of an organisation of its own, with two referrals waiting for a choice in Aalsmeer
    /// for CZ patients (both show candidates to tick), the hub's WebSocket routed so the test can cut it.
    /// </summary>
    async Task<(IPage, Cards)> NurseWithTwoWaitingReferralsAsync(string orgPrefix)
    {
        var org = $"{orgPrefix}-{Guid.NewGuid():N}"[..24];
        var failing = $"E2E-O1-{Guid.NewGuid():N}"[..14];
        var waiting = $"E2E-O2-{Guid.NewGuid():N}"[..14];
        await web.CreateReferralAsync(org, failing, "1433", "9664");
        await web.CreateReferralAsync(org, waiting, "1433", "9664");
        IWebSocketRoute? socket = null;
        var nurse = await web.SignInWithTokenAsync("requester", org, page => page.RouteWebSocketAsync(new Regex("/hubs/coordination"), ws =>
        {
            socket = ws;
            ws.ConnectToServer();
        }));
        var cards = new Cards(
            nurse.Locator($"article.referral[aria-label='Verwijzing {failing}']"),
            nurse.Locator($"article.referral[aria-label='Verwijzing {waiting}']"),
            () => socket!);
        foreach (var card in new[] { cards.Failing, cards.Waiting })
        {
            await card.ScrollIntoViewIfNeededAsync(); // a card's candidates are searched once it is in view
            await Expect(card.Locator(".fresh label.pick").First).ToBeVisibleAsync();
        }
        return (nurse, cards);
    }
}
