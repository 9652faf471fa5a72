using Capacity.Web.Tests.Infrastructure;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// A referral the nurse sends straight to the insurer's mediation desk appears in that desk's
/// queue without a reload, with its search explanation; the desk takes it, widens the search and
/// offers it; the nurse sees the offer live; the municipality's open map counts the escalation as
/// unmet demand in the patient's area, also without a reload.
/// </summary>
public sealed class MediationJourneyTests(WebApp web)
{
    const string AmstellandThuisverpleging = "75010004"; // contracted by Menzis, no free place in 1187 in the demo

    [Fact]
    public async Task An_escalated_referral_reaches_the_desk_live_and_the_desk_offers_it_after_a_wider_search()
    {
        var desk = await web.SignInAsync("insurer_desk", "3332"); // Menzis
        await Expect(desk.Locator("#queue")).ToContainTextAsync("Geen verwijzingen");
        // Amstelveen has its map open; other journeys may have counted unmet demand in 1187 before.
        var municipality = await web.SignInAsync("municipality", "GM0362");
        var area = municipality.Locator("#map path[data-pc4='1187']");
        await Expect(area).ToHaveAttributeAsync("data-unmet", new Regex("^[0-9]+$"));
        var unmetBefore = await area.GetAttributeAsync("data-unmet");

        var nurse = await web.SignInAsync("requester", "stadsziekenhuis-west");
        await nurse.FillAsync("#postcode", "1187");
        await nurse.FillAsync("#insurer", "Menzis");
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync("Menzis");
        var patient = $"E2E-D-{Guid.NewGuid():N}"[..14];
        await nurse.FillAsync("#patient-ref", patient);
        await nurse.ClickAsync("#desk-button");
        var referral = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("geëscaleerd");
        await Expect(nurse.Locator("#offer-status")).ToContainTextAsync("ligt bij de zorgbemiddeling van Menzis");

        // The desk's queue fills by itself, with the search as it was at escalation.
        var item = desk.Locator("article.referral", new() { HasText = patient });
        await Expect(item).ToBeVisibleAsync();
        await Expect(item.Locator("details summary")).ToContainTextAsync("Zoekresultaat bij escalatie");
        await item.GetByRole(AriaRole.Button, new() { Name = "Oppakken" }).ClickAsync();
        await Expect(item).ToContainTextAsync("Opgepakt door Zorgbemiddeling Menzis");

        // Meanwhile a contracted provider reports a free place there; the desk's wider search finds it.
        await web.SetFreePlacesAsync(AmstellandThuisverpleging, "1187", 1);
        await item.GetByLabel("Zoekstraal").SelectOptionAsync("40");
        await item.GetByRole(AriaRole.Button, new() { Name = "Zoek breder" }).ClickAsync();
        await Expect(item.Locator(".found .leads-summary")).ToHaveTextAsync(new Regex("^1 beschikbaar binnen 40 km:$"));
        // The leads in their groups, each group named by its heading; the one to offer first, with its intake's phone.
        var candidates = item.GetByRole(AriaRole.Region, new() { Name = "Kan de patiënt nu opnemen" });
        await Expect(candidates).ToHaveAttributeAsync("data-kind", "Candidate");
        var found = candidates.Locator($"label.check[data-agb='{AmstellandThuisverpleging}']");
        await Expect(found).ToBeVisibleAsync();
        await Expect(found.Locator("a.tel")).ToHaveAttributeAsync("href", "tel:0205550104");
        // Providers working nearby, to call: each with its intake's phone.
        var nearby = item.GetByRole(AriaRole.Region, new() { Name = "In de buurt, werkt niet in dit postcodegebied" });
        await Expect(nearby.Locator("div.lead").First.Locator("a.tel")).ToHaveAttributeAsync("href", new Regex(@"^tel:02055501\d\d$"));
        await found.Locator("input").CheckAsync();
        // A double-click offers once.
        var offers = 0;
        desk.Request += (_, r) => { if (r.Method == "POST" && r.Url.Contains("/api/v1/desk-offers/")) Interlocked.Increment(ref offers); };
        await item.GetByRole(AriaRole.Button, new() { Name = "Aanbieden", Exact = true }).DblClickAsync();
        await Expect(desk.Locator("#desk-status")).ToContainTextAsync($"{patient}: aangeboden.");
        Assert.Equal(1, offers);
        await Expect(desk.Locator("article.referral", new() { HasText = patient })).ToContainTextAsync("wacht op antwoord");
        await Expect(desk.Locator("#unmet")).ToContainTextAsync("Amstelveen");
        await WebApp.ScreenshotAsync(desk, "d-desk-queue");

        // The nurse follows the referral without a reload.
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");
        await Expect(referral.Locator("li[data-state=Pending]")).ToHaveCountAsync(1);

        // Amstelveen's open map counted the escalation in the patient's area, pushed (no names: a count).
        await Expect(area).ToHaveAttributeAsync("data-unmet", new Regex("^[1-9]"));
        await Expect(area).Not.ToHaveAttributeAsync("data-unmet", unmetBefore!);
        await Expect(municipality.Locator("#areas tr[data-pc4='1187'] td.unmet")).Not.ToHaveTextAsync("0");
        await Expect(municipality.Locator("#unmet-municipality")).ToContainTextAsync("Wijkverpleging");
        await Expect(municipality.Locator("#unmet-municipality")).Not.ToContainTextAsync(patient);
        await WebApp.ScreenshotAsync(municipality, "d-municipality-unmet");
    }
}
