using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// Actions that are hard to undo ask first and say what they did: a client stop needs a deliberate
/// choice of insurers, care types, areas and end, and a confirmation that says its effect in words
/// (nothing is sent before "Ja", nor after "Nee" or Escape); lifting a stop asks which stop and
/// reports it lifted; a nurse's "Annuleren" asks and reports.
/// </summary>
public sealed class SafeActionTests(WebApp web)
{
    const string Noorderzorg = "75020003"; // base 1031; already under the demo's stop for all insurers, so a VGZ stop changes no search

    [Fact]
    public async Task A_client_stop_is_sent_only_after_a_confirmation_that_says_its_effect()
    {
        var errors = new List<string>();
        var declares = 0;
        var lifts = 0;
        var provider = await web.SignInAsync("provider", Noorderzorg, page =>
        {
            page.Request += (_, request) =>
            {
                if (request.Method != "POST" || !request.Url.Contains("/api/v1/client-stops")) return;
                if (request.Url.Contains("/lift")) Interlocked.Increment(ref lifts);
                else Interlocked.Increment(ref declares);
            };
            return WebApp.CollectConsoleErrors(page, errors);
        });
        var dialog = provider.Locator("dialog.confirm");
        var mine = provider.Locator("#stops li[data-id]").Filter(new() { HasText = "VGZ" }).Filter(new() { HasText = "1031" });
        await Expect(provider.Locator("#stop-areas input[value='1031']")).ToBeVisibleAsync(); // the provider's own areas

        // Nothing ticked is no choice: the page asks for one, next to the group, and sends nothing.
        await provider.ClickAsync("#declare-stop");
        await Expect(provider.Locator("#stop-insurers")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(provider.Locator("#stop-insurers-error")).ToContainTextAsync("alle verzekeraars");
        await provider.Locator("#stop-insurers input[value='7095']").CheckAsync();
        await provider.ClickAsync("#declare-stop");
        await Expect(provider.Locator("#stop-care-error")).ToContainTextAsync("alle zorgsoorten");
        await provider.Locator("#stop-care input[value='DistrictNursing']").CheckAsync();
        await provider.ClickAsync("#declare-stop");
        await Expect(provider.Locator("#stop-areas-error")).ToContainTextAsync("heel het werkgebied");
        await provider.Locator("#stop-areas input[value='1031']").CheckAsync();
        await provider.ClickAsync("#declare-stop");
        await Expect(provider.Locator("#stop-until-error")).ToContainTextAsync("tot nader order");
        await provider.Locator("#stop-open-ended").CheckAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        // No start date: said next to the start date, which is described by it.
        var from = await provider.InputValueAsync("#stop-from");
        await provider.FillAsync("#stop-from", "");
        await provider.ClickAsync("#declare-stop");
        await Expect(provider.Locator("#stop-from")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(provider.Locator("#stop-from")).ToHaveAttributeAsync("aria-describedby", "stop-from-error");
        await Expect(provider.Locator("#stop-from-error")).ToHaveTextAsync("Kies een begindatum.");
        await provider.FillAsync("#stop-from", from);

        // The confirmation says the effect in words; "Nee" sends nothing.
        await provider.ClickAsync("#declare-stop");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("U verdwijnt voor alle VGZ-patiënten in 1031 uit de zoekresultaten voor wijkverpleging, vanaf vandaag tot nader order.");
        await Expect(dialog.GetByRole(AriaRole.Button, new() { Name = "Nee, niet instellen" })).ToBeFocusedAsync();
        await WebApp.ScreenshotAsync(provider, "client-stop-confirmation");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Nee, niet instellen" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(provider.Locator("#declare-stop")).ToBeFocusedAsync();
        // Escape cancels as well.
        await provider.ClickAsync("#declare-stop");
        await Expect(dialog).ToBeVisibleAsync();
        await provider.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToHaveCountAsync(0);
        Assert.Equal(0, declares);
        await Expect(mine).ToHaveCountAsync(0);

        // "Ja, stop instellen": sent once, shown in the list, said, and the form is empty again.
        await provider.ClickAsync("#declare-stop");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Ja, stop instellen" }).ClickAsync();
        await Expect(mine).ToHaveCountAsync(1);
        await Expect(mine).ToContainTextAsync("Wijkverpleging");
        await Expect(provider.Locator("#stop-status")).ToHaveTextAsync("Cliëntenstop ingesteld.");
        await Expect(provider.Locator("#stop-insurers input[value='7095']")).Not.ToBeCheckedAsync();
        await Expect(provider.Locator("#stop-open-ended")).Not.ToBeCheckedAsync();
        Assert.Equal(1, declares);

        // Lifting asks which stop; "Nee, laten staan" keeps it; "Ja, opheffen" lifts it and says so.
        await mine.GetByRole(AriaRole.Button, new() { Name = "Opheffen" }).ClickAsync();
        await Expect(dialog).ToContainTextAsync("Cliëntenstop opheffen?");
        await Expect(dialog).ToContainTextAsync("voor VGZ · Wijkverpleging · 1031");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Nee, laten staan" }).ClickAsync();
        await Expect(mine).ToHaveCountAsync(1);
        Assert.Equal(0, lifts);
        await mine.GetByRole(AriaRole.Button, new() { Name = "Opheffen" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Ja, opheffen" }).ClickAsync();
        await Expect(mine).ToHaveCountAsync(0);
        await Expect(provider.Locator("#stops-status")).ToHaveTextAsync("Cliëntenstop opgeheven.");
        await Expect(provider.Locator("#stop-status")).ToBeEmptyAsync(); // "ingesteld" is no longer the news
        Assert.Equal(1, lifts);
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_stop_for_palliative_care_alone_is_said_to_have_no_effect()
    {
        // Hospicezorg Thuis gives palliative-terminal care only; nothing is declared here ("Nee").
        var provider = await web.SignInAsync("provider", "75020009");
        await provider.Locator("#stop-insurers input[value='7095']").CheckAsync();
        await provider.Locator("#stop-care input[value='PalliativeTerminal']").CheckAsync();
        await provider.Locator("#stop-areas input[value='1058']").CheckAsync();
        await provider.Locator("#stop-open-ended").CheckAsync();
        await provider.ClickAsync("#declare-stop");

        // Palliative-terminal care passes every stop: the confirmation does not promise a vanishing.
        var dialog = provider.Locator("dialog.confirm");
        await Expect(dialog).ToContainTextAsync("heeft geen effect");
        await Expect(dialog).Not.ToContainTextAsync("U verdwijnt");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Nee, niet instellen" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Cancelling_a_referral_asks_first_and_says_it_is_cancelled()
    {
        var errors = new List<string>();
        var cancels = 0;
        var org = $"e2e-safe-cancel-{Guid.NewGuid():N}"[..24]; // an organisation of its own
        var patient = $"E2E-S-{Guid.NewGuid():N}"[..14];
        await web.CreateReferralAsync(org, patient, "1433", "9664");
        var nurse = await web.SignInWithTokenAsync("requester", org, page =>
        {
            page.Request += (_, request) => { if (request.Method == "POST" && request.Url.EndsWith("/cancel")) Interlocked.Increment(ref cancels); };
            return WebApp.CollectConsoleErrors(page, errors);
        });
        var card = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        var dialog = nurse.Locator("dialog.confirm");

        await card.GetByRole(AriaRole.Button, new() { Name = "Annuleren" }).ClickAsync();
        await Expect(dialog).ToContainTextAsync($"Verwijzing {patient} annuleren?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Nee, niet annuleren" }).ClickAsync();
        await Expect(dialog).ToHaveCountAsync(0);
        await Expect(card).ToBeVisibleAsync();
        Assert.Equal(0, cancels);

        // A double-click opens one confirmation; "Ja" cancels once and says so.
        await card.GetByRole(AriaRole.Button, new() { Name = "Annuleren" }).DblClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Ja, annuleren" }).ClickAsync();
        await Expect(card).ToHaveCountAsync(0);
        await Expect(nurse.Locator("#referrals-status")).ToHaveTextAsync($"Verwijzing {patient} is geannuleerd en staat nu onder “Afgesloten”.");
        Assert.Equal(1, cancels);
        Assert.Empty(errors);
    }
}
