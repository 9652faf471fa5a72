using Capacity.Web.Tests.Infrastructure;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// A hospital laptop loses the network for a moment: the page says so, reconnects by itself and
/// resyncs what it shows — a change made while it was offline (no push could reach it) appears
/// without a reload.
/// </summary>
public sealed class ReconnectTests(WebApp web)
{
    const string ThuiszorgWest = "75020012";

    [Fact]
    public async Task After_a_network_outage_the_page_reconnects_and_shows_what_changed_meanwhile()
    {
        await SetFree(2);
        // The hub's WebSocket runs through a route the test can cut, as a dropped network would.
        IWebSocketRoute? socket = null;
        var nurse = await web.SignInAsync("requester", "stadsziekenhuis-west", page => page.RouteWebSocketAsync(new Regex("/hubs/coordination"), ws =>
        {
            socket = ws;
            ws.ConnectToServer();
        }));
        await nurse.FillAsync("#postcode", "1055");
        await nurse.FillAsync("#insurer", "CZ");
        await nurse.ClickAsync("#search-button");
        var row = nurse.Locator($"#candidates tr[data-agb='{ThuiszorgWest}']");
        await Expect(row).ToHaveAttributeAsync("data-free", "2");

        await nurse.Context.SetOfflineAsync(true); // reconnect attempts fail from now on
        await socket!.CloseAsync();
        await Expect(nurse.Locator("#live")).Not.ToHaveAttributeAsync("data-state", "live");
        await SetFree(5); // while the page cannot hear it
        await Expect(row).ToHaveAttributeAsync("data-free", "2");
        await WebApp.ScreenshotAsync(nurse, "e-nurse-offline");

        await nurse.Context.SetOfflineAsync(false);
        await Expect(nurse.Locator("#live")).ToHaveAttributeAsync("data-state", "live", new() { Timeout = 30_000 });
        await Expect(row).ToHaveAttributeAsync("data-free", "5");
    }

    Task SetFree(int free) => web.SetFreePlacesAsync(ThuiszorgWest, "1055", free);
}
