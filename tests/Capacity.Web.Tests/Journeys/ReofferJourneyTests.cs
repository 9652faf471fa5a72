using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// (h) A provider declines: the referral comes back to the nurse, without a reload, saying who
/// declined and why, with the providers that can take the patient now (not the one that said no);
/// she offers it to another, which accepts; the referral leaves her open list and shows, under
/// "Geplaatst", the handover: the first visit and the provider's intake to call.
/// </summary>
public sealed class ReofferJourneyTests(WebApp web)
{
    // Both serve Aalsmeer (1431) for Zilveren Kruis patients; no other journey uses them.
    const string ZorgteamAalsmeer = "75010003", ThuiszorgAanDeAmstel = "75010002";

    [Fact]
    public async Task A_declined_referral_comes_back_with_fresh_candidates_and_is_placed_after_offering_it_again()
    {
        var errors = new List<string>(); // console errors of every page in the journey
        foreach (var agb in new[] { ZorgteamAalsmeer, ThuiszorgAanDeAmstel })
            await web.SetFreePlacesAsync(agb, "1431", 2);

        var nurse = await web.SignInAsync("requester", "amstelland-ziekenhuis", page => WebApp.CollectConsoleErrors(page, errors));
        await nurse.FillAsync("#postcode", "1431");
        await nurse.FillAsync("#insurer", "Zilveren Kruis");
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync("Zilveren Kruis");
        await nurse.Locator($"#candidates tr[data-agb='{ZorgteamAalsmeer}'] input[type=checkbox]").CheckAsync();
        var patient = $"E2E-H-{Guid.NewGuid():N}"[..14];
        await nurse.FillAsync("#patient-ref", patient);
        await nurse.FillAsync("#care-summary", "Stomazorg en medicatie, 1× per dag");
        await nurse.ClickAsync("#offer-button");
        var referral = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");

        // The first provider, in its own browser, sees who asks (by name, with the transfer desk) and declines.
        var first = await web.SignInAsync("provider", ZorgteamAalsmeer, page => WebApp.CollectConsoleErrors(page, errors));
        var offer = first.Locator("article.offer-card", new() { HasText = patient });
        await Expect(offer).ToContainTextAsync("Ziekenhuis Amstelland, transferbureau");
        await Expect(offer.Locator("a.tel")).ToHaveAttributeAsync("href", "tel:0205550201");
        await offer.GetByLabel("Reden van afwijzen").SelectOptionAsync("CareTooComplex");
        await offer.GetByRole(AriaRole.Button, new() { Name = "Afwijzen", Exact = true }).ClickAsync();
        await Expect(offer).ToHaveCountAsync(0);

        // The nurse's card (no reload) says who declined and why, and offers the others.
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("open");
        await Expect(referral.Locator(".returned")).ToHaveTextAsync("Afgewezen door Zorgteam Aalsmeer (zorg te complex) — kies een andere aanbieder");
        await referral.ScrollIntoViewIfNeededAsync(); // the candidates are searched for the card in view
        var other = referral.Locator($".fresh label[data-agb='{ThuiszorgAanDeAmstel}']");
        await Expect(other).ToBeVisibleAsync();
        await Expect(referral.Locator($".fresh label[data-agb='{ZorgteamAalsmeer}']")).ToHaveCountAsync(0);
        await referral.ScrollIntoViewIfNeededAsync();
        await WebApp.ScreenshotAsync(nurse, "h-nurse-declined");
        await other.Locator("input").CheckAsync();
        await referral.GetByRole(AriaRole.Button, new() { Name = "Opnieuw aanbieden" }).ClickAsync();
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");
        await Expect(referral.Locator($"li[data-agb='{ThuiszorgAanDeAmstel}']")).ToHaveAttributeAsync("data-state", "Pending");

        // The other provider accepts with the start asked for (today).
        var second = await web.SignInAsync("provider", ThuiszorgAanDeAmstel, page => WebApp.CollectConsoleErrors(page, errors));
        var secondOffer = second.Locator("article.offer-card", new() { HasText = patient });
        await Expect(secondOffer.Locator("input.first-visit")).ToHaveValueAsync(DutchDays.Iso(DutchDays.Today()));
        await secondOffer.GetByRole(AriaRole.Button, new() { Name = "Accepteren" }).ClickAsync();

        // The referral leaves the nurse's open list by itself, and is under "Geplaatst" with the handover.
        await Expect(referral).ToHaveCountAsync(0);
        await nurse.GetByRole(AriaRole.Radio, new() { Name = "Geplaatst", Exact = true }).CheckAsync();
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("geplaatst");
        var handover = referral.Locator(".handover");
        await Expect(handover).ToContainTextAsync("Geplaatst bij Thuiszorg Aan de Amstel");
        await Expect(handover.Locator("[data-fact=first-visit]")).ToContainTextAsync($"{DutchDays.Weekday(DutchDays.Today())} {DutchDays.DayMonth(DutchDays.Today())}");
        await Expect(handover.Locator("a.tel")).ToHaveAttributeAsync("href", "tel:0205550102");
        await Expect(handover.Locator("a.tel")).ToHaveTextAsync("020 555 0102");
        await Expect(handover.Locator("a.mail")).ToHaveAttributeAsync("href", "mailto:intake@thuiszorg-aandeamstel.example");
        await Expect(handover).ToContainTextAsync("ma-vr 8.00-17.00, weekend 10.00-14.00");
        await Expect(referral.Locator($"li[data-agb='{ZorgteamAalsmeer}']")).ToContainTextAsync("afgewezen (zorg te complex)");
        await referral.ScrollIntoViewIfNeededAsync();
        await WebApp.ScreenshotAsync(nurse, "h-nurse-placed-handover");
        Assert.Empty(errors);
    }
}
