using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// (j) The handover on both sides: the provider accepts with a first visit it chooses; the nurse,
/// watching her placed referrals, sees the referral arrive there by itself with that day and the
/// provider's intake to call; the provider's "Nieuwe cliënten" shows who referred (by name, with the
/// transfer desk to call), the care asked for and the day.
/// </summary>
public sealed class HandoverJourneyTests(WebApp web)
{
    const string JordaanThuiszorg = "75020001"; // serves 1016 for DSW patients; no other journey uses it

    [Fact]
    public async Task The_first_visit_and_both_desks_appear_on_both_sides_after_acceptance()
    {
        var errors = new List<string>(); // console errors of every page in the journey
        await web.SetFreePlacesAsync(JordaanThuiszorg, "1016", 2);
        var nurse = await web.SignInAsync("requester", "amstelland-ziekenhuis", page => WebApp.CollectConsoleErrors(page, errors));
        await nurse.FillAsync("#postcode", "1016");
        await nurse.FillAsync("#insurer", "DSW");
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync("DSW");
        await nurse.Locator($"#candidates tr[data-agb='{JordaanThuiszorg}'] input[type=checkbox]").CheckAsync();
        var patient = $"E2E-J-{Guid.NewGuid():N}"[..14];
        await nurse.FillAsync("#patient-ref", patient);
        await nurse.FillAsync("#care-summary", "Insuline toedienen, 2× per dag");
        await nurse.ClickAsync("#offer-button");
        var referral = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");
        // She keeps her placed referrals in view while the provider decides.
        await nurse.GetByRole(AriaRole.Radio, new() { Name = "Geplaatst", Exact = true }).CheckAsync();
        await Expect(referral).ToHaveCountAsync(0);

        // The provider accepts and chooses the first visit: the day after tomorrow.
        var provider = await web.SignInAsync("provider", JordaanThuiszorg, page => WebApp.CollectConsoleErrors(page, errors));
        var offer = provider.Locator("article.offer-card", new() { HasText = patient });
        await Expect(offer).ToContainTextAsync("Ziekenhuis Amstelland, transferbureau");
        var firstVisit = DutchDays.Today().AddDays(2);
        await offer.GetByLabel("Eerste bezoek").FillAsync(DutchDays.Iso(firstVisit));
        await offer.GetByRole(AriaRole.Button, new() { Name = "Accepteren" }).ClickAsync();
        await Expect(offer).ToHaveCountAsync(0);

        // The provider's new client, with whom to call about it.
        var client = provider.Locator("#placements article.client-card", new() { HasText = patient });
        await Expect(client).ToBeVisibleAsync();
        await Expect(client.Locator("[data-fact=first-visit]")).ToContainTextAsync(DutchDays.DayMonth(firstVisit));
        await Expect(client.Locator("[data-fact=requester]")).ToContainTextAsync("Ziekenhuis Amstelland, transferbureau");
        var desk = client.Locator("[data-fact=transfer-desk]");
        await Expect(desk.Locator("a.tel")).ToHaveTextAsync("020 555 0201");
        await Expect(desk.Locator("a.tel")).ToHaveAttributeAsync("href", "tel:0205550201");
        await Expect(desk.Locator("a.mail")).ToHaveAttributeAsync("href", "mailto:transferbureau@ziekenhuis-amstelland.example");
        await Expect(desk).ToContainTextAsync("dagelijks 8.00-20.00");
        await Expect(client).ToContainTextAsync("Insuline toedienen, 2× per dag");
        await Expect(client).ToContainTextAsync("Wijkverpleging in 1016");
        await WebApp.ScreenshotAsync(provider, "j-provider-new-client");

        // The nurse's placed list took the referral in by itself, with the day and the intake.
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("geplaatst");
        var handover = referral.Locator(".handover");
        await Expect(handover).ToContainTextAsync("Geplaatst bij Jordaan Thuiszorg");
        await Expect(handover.Locator("[data-fact=first-visit]")).ToContainTextAsync($"{DutchDays.Weekday(firstVisit)} {DutchDays.DayMonth(firstVisit)}");
        await Expect(handover.Locator("a.tel")).ToHaveTextAsync("020 555 0110");
        await Expect(handover.Locator("a.tel")).ToHaveAttributeAsync("href", "tel:0205550110");
        await Expect(handover.Locator("a.mail")).ToHaveAttributeAsync("href", "mailto:intake@jordaan-thuiszorg.example");
        await referral.ScrollIntoViewIfNeededAsync();
        await WebApp.ScreenshotAsync(nurse, "j-nurse-handover");
        Assert.Empty(errors);
    }
}
