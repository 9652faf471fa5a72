using System.Diagnostics;
using System.Text.RegularExpressions;
using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// (a) A transfer nurse searches, offers the referral to two providers; one provider accepts in
/// its own browser; without a reload the referral leaves the nurse's open list, and arrives, placed,
/// in the placed list a colleague has open in another window; the other offer is withdrawn.
/// </summary>
public sealed class PlacementJourneyTests(WebApp web)
{
    const string OostThuisverpleging = "75020004", ZorgInDePijp = "75020002";

    [Fact]
    public async Task Nurse_offers_to_two_providers_and_sees_the_placement_live_when_one_accepts()
    {
        // Given: two providers serving 1093 report a free place, as their planning systems would.
        foreach (var agb in new[] { OostThuisverpleging, ZorgInDePijp })
            await web.SetFreePlacesAsync(agb, "1093", 2);

        var nurse = await web.SignInAsync("requester", "stadsziekenhuis-west");
        var clock = Stopwatch.StartNew();

        await nurse.FillAsync("#postcode", "1093 AB");
        await nurse.FillAsync("#insurer", "Zilveren");           // type-ahead: the start of the name is enough
        await nurse.SelectOptionAsync("#care-type", "DistrictNursing");
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync("Zilveren Kruis");
        var (first, second) = (OostThuisverpleging, ZorgInDePijp);
        await nurse.Locator($"#candidates tr[data-agb='{first}'] input[type=checkbox]").CheckAsync();
        await nurse.Locator($"#candidates tr[data-agb='{second}'] input[type=checkbox]").CheckAsync();
        await Expect(nurse.Locator("#offer-button")).ToHaveTextAsync("Aanbieden aan 2 aanbieders");
        var patient = $"E2E-A-{Guid.NewGuid():N}"[..14];
        await nurse.FillAsync("#patient-ref", patient);
        await nurse.FillAsync("#care-summary", "Wondzorg na heupoperatie, 2× per dag");
        await nurse.ClickAsync("#offer-button");

        var referral = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");
        await Expect(referral.Locator("li[data-state=Pending]")).ToHaveCountAsync(2);

        // A colleague of the nurse keeps the placed referrals open in her own window.
        var colleague = await web.SignInAsync("requester", "stadsziekenhuis-west");
        await colleague.GetByRole(AriaRole.Radio, new() { Name = "Geplaatst", Exact = true }).CheckAsync();
        var placed = colleague.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await Expect(colleague.Locator("#referrals")).Not.ToContainTextAsync("Laden");
        await Expect(placed).ToHaveCountAsync(0);

        // The first provider, in its own browser, sees the offer in its inbox and accepts it.
        var provider = await web.SignInAsync("provider", first);
        var offer = provider.Locator("article.offer-card", new() { HasText = patient });
        await Expect(offer).ToBeVisibleAsync();
        await Expect(offer).ToContainTextAsync("Wondzorg na heupoperatie");
        await WebApp.ScreenshotAsync(provider, "a-provider-inbox");
        var accepted = Stopwatch.StartNew();
        await offer.GetByRole(AriaRole.Button, new() { Name = "Accepteren" }).ClickAsync();

        // Neither page was reloaded, nor a list chosen again: the push takes the referral out of the
        // nurse's open list and into her colleague's placed list.
        await Expect(referral).ToHaveCountAsync(0);
        WebApp.RecordTime("accept click to the referral leaving the nurse's open list", accepted.Elapsed);
        WebApp.RecordTime("search to placed (scripted, incl. provider sign-in)", clock.Elapsed);
        await Expect(nurse.Locator("#referrals-status")).ToContainTextAsync($"Verwijzing {patient} staat nu onder “Geplaatst”");
        await Expect(placed.GetByTestId("referral-state")).ToHaveTextAsync("geplaatst");
        await Expect(offer).ToHaveCountAsync(0);
        await Expect(placed.Locator($"li[data-agb='{first}']")).ToContainTextAsync("geaccepteerd");
        await Expect(placed.Locator($"li[data-agb='{second}']")).ToContainTextAsync("ingetrokken");
        await Expect(placed.Locator(".placed")).ToContainTextAsync("Geplaatst bij Oost Thuisverpleging");
        await WebApp.ScreenshotAsync(colleague, "a-nurse-placed");

        // The second provider's inbox no longer holds the withdrawn offer.
        var other = await web.SignInAsync("provider", second);
        await Expect(other.Locator("#inbox")).Not.ToHaveTextAsync(new Regex("Laden"));
        await Expect(other.Locator("#inbox")).Not.ToContainTextAsync(patient);
    }
}
