using System.Text.RegularExpressions;
using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// Every validation error a user can cause is said in Dutch, next to the field it concerns (marked
/// aria-invalid and described by the sentence): the page's own checks and the service's refusals,
/// mapped by their reason codes. Each step scans the visible text and fails on English, on a
/// reason code or on a provider's AGB code shown instead of its name.
/// </summary>
public sealed partial class DutchErrorsJourneyTests(WebApp web)
{
    const string NachtzorgAmstel = "75020008"; // only this journey uses it; nothing it tries is stored

    [Fact]
    public async Task The_search_form_says_each_problem_in_Dutch_next_to_its_field()
    {
        var nurse = await web.SignInWithTokenAsync("requester", "dutch-errors-search");
        var today = DutchDays.Today();

        // Nothing filled in: the page's own check, not the browser's bubble.
        await nurse.FillAsync("#postcode", "");
        await nurse.ClickAsync("#search-button");
        await ExpectFieldErrorAsync(nurse, "#postcode", "Vul dit in.");
        await ExpectFieldErrorAsync(nurse, "#insurer", "Vul dit in.");
        await Expect(nurse.Locator("#postcode-hint")).ToHaveTextAsync("Formaat: 1234 AB of 1234");
        await AssertDutchAsync(nurse, "empty search form");

        // A postcode that is no postcode, and an insurer nobody knows.
        await nurse.FillAsync("#postcode", "12");
        await nurse.FillAsync("#insurer", "Onbekend Fonds");
        await nurse.ClickAsync("#search-button");
        await ExpectFieldErrorAsync(nurse, "#postcode", "Vul een postcode in als 1234 AB of 1234.");
        await ExpectFieldErrorAsync(nurse, "#insurer", "Onbekende zorgverzekeraar");
        await AssertDutchAsync(nurse, "bad postcode format");

        // The service's refusals: an area that does not exist (the issue's "postcode area 1000 does not exist").
        await nurse.FillAsync("#postcode", "1000");
        await nurse.FillAsync("#insurer", "CZ");
        await nurse.ClickAsync("#search-button");
        await ExpectFieldErrorAsync(nurse, "#postcode", "Dit postcodegebied bestaat niet");
        await ExpectValidAsync(nurse, "#insurer");
        await AssertDutchAsync(nurse, "unknown postcode area");

        // Medical child care for an adult, and without an age.
        await nurse.FillAsync("#postcode", "1183");
        await nurse.SelectOptionAsync("#care-type", "MedicalChildCare");
        await nurse.FillAsync("#age", "30");
        await nurse.ClickAsync("#search-button");
        await ExpectFieldErrorAsync(nurse, "#age", "Medische kindzorg is voor patiënten onder 18");
        await ExpectValidAsync(nurse, "#postcode");
        await AssertDutchAsync(nurse, "child care for an adult");
        await nurse.FillAsync("#age", "");
        await nurse.ClickAsync("#search-button");
        await ExpectFieldErrorAsync(nurse, "#age", "Vul de leeftijd in");
        await nurse.FillAsync("#age", "200");
        await nurse.ClickAsync("#search-button");
        await ExpectFieldErrorAsync(nurse, "#age", "Vul een leeftijd in van 0 tot en met 130 jaar.");
        await AssertDutchAsync(nurse, "age out of range");

        // Urgent care that starts in three days; a start in the past.
        await nurse.FillAsync("#age", "");
        await nurse.SelectOptionAsync("#care-type", "DistrictNursing");
        await nurse.FillAsync("#start-date", DutchDays.Iso(today.AddDays(3)));
        await nurse.CheckAsync("#urgent");
        await nurse.ClickAsync("#search-button");
        await ExpectFieldErrorAsync(nurse, "#start-date", "Bij spoed begint de zorg binnen 24 uur");
        await AssertDutchAsync(nurse, "urgent start too late");
        await nurse.UncheckAsync("#urgent");
        await nurse.FillAsync("#start-date", DutchDays.Iso(today.AddDays(-1)));
        await nurse.ClickAsync("#search-button");
        await ExpectFieldErrorAsync(nurse, "#start-date", "Deze datum ligt in het verleden");
        await AssertDutchAsync(nurse, "start in the past");

        // All well: every mark is gone, the results are there, and the summary says the start.
        await nurse.FillAsync("#start-date", DutchDays.Iso(today.AddDays(2)));
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync($"start {DutchDays.DayMonth(today.AddDays(2))}");
        await Expect(nurse.Locator("[aria-invalid='true']")).ToHaveCountAsync(0);
        await Expect(nurse.Locator(".field-error:visible")).ToHaveCountAsync(0);
        await AssertDutchAsync(nurse, "search results");
        await WebApp.ScreenshotAsync(nurse, "dutch-errors-search");
    }

    [Fact]
    public async Task The_referral_fields_say_the_services_refusals_in_Dutch()
    {
        var nurse = await web.SignInWithTokenAsync("requester", "dutch-errors-verwijzing");
        await nurse.FillAsync("#postcode", "1183");
        await nurse.FillAsync("#insurer", "CZ");
        await nurse.ClickAsync("#search-button");
        var box = nurse.Locator("#candidates tr[data-agb] input[type=checkbox]").First;
        await box.CheckAsync();

        // No patient reference (the issue's "patient_ref: must be 1 to 64 characters…").
        await nurse.ClickAsync("#offer-button");
        await ExpectFieldErrorAsync(nurse, "#patient-ref", "Vul uw eigen kenmerk voor de patiënt in");
        await AssertDutchAsync(nurse, "no patient reference");

        // A BSN as reference and an amount in the care summary: both said, each at its field.
        await nurse.FillAsync("#patient-ref", "111222333");
        await nurse.FillAsync("#care-summary", "wondzorg, tarief € 75,40");
        await nurse.ClickAsync("#offer-button");
        await ExpectFieldErrorAsync(nurse, "#patient-ref", "Dit lijkt op een BSN");
        await ExpectFieldErrorAsync(nurse, "#care-summary", "Noem hier geen bedragen");
        await AssertDutchAsync(nurse, "BSN and amount");
        await Expect(nurse.Locator("#referrals article.referral")).ToHaveCountAsync(0); // nothing was created
    }

    [Fact]
    public async Task The_capacity_grid_and_the_client_stop_form_say_the_services_refusals_in_Dutch()
    {
        var provider = await web.SignInAsync("provider", NachtzorgAmstel);

        // The grid: not a number (the page's check), and more places than the service takes.
        var cell = provider.Locator("input.cell").First;
        await Expect(cell).ToBeVisibleAsync();
        var id = await cell.GetAttributeAsync("id");
        await cell.FillAsync("-1");
        await provider.ClickAsync("#save-capacity");
        await ExpectFieldErrorAsync(provider, $"#{id}", "Vul een heel getal van 0 tot en met 10000 in.");
        await Expect(provider.Locator("#save-status")).ToContainTextAsync("Niets opgeslagen");
        await cell.FillAsync("20000");
        await provider.ClickAsync("#save-capacity");
        await ExpectFieldErrorAsync(provider, $"#{id}", "Dit getal is te groot of te klein.");
        await AssertDutchAsync(provider, "capacity grid");
        await provider.ReloadAsync();
        await Expect(provider.Locator($"#{id}")).Not.ToHaveValueAsync("20000"); // nothing stored

        // The client stop: "andere reden" without a word, then with an amount.
        await provider.Locator("#stop-insurers input[value='*']").CheckAsync();
        await provider.Locator("#stop-care input[value='*']").CheckAsync();
        await provider.Locator("#stop-areas input[value='*']").CheckAsync();
        await provider.Locator("#stop-open-ended").CheckAsync();
        await provider.SelectOptionAsync("#stop-reason", "Other");
        await provider.ClickAsync("#declare-stop");
        await provider.Locator("dialog.confirm").GetByRole(AriaRole.Button, new() { Name = "Ja, stop instellen" }).ClickAsync();
        await ExpectFieldErrorAsync(provider, "#stop-text", "Geef een toelichting bij ‘anders’.");
        await AssertDutchAsync(provider, "client stop without explanation");
        await provider.FillAsync("#stop-text", "budget van 5000 euro op");
        await provider.ClickAsync("#declare-stop");
        await provider.Locator("dialog.confirm").GetByRole(AriaRole.Button, new() { Name = "Ja, stop instellen" }).ClickAsync();
        await ExpectFieldErrorAsync(provider, "#stop-text", "Noem hier geen bedragen");
        await AssertDutchAsync(provider, "client stop with an amount");
        await Expect(provider.Locator("#stops li[data-id]")).ToHaveCountAsync(0);
        await WebApp.ScreenshotAsync(provider, "dutch-errors-client-stop");
    }

    [Fact]
    public async Task Each_offer_says_its_own_problem_under_its_own_field()
    {
        // Two offers in one provider's inbox (Dementiezorg Amsterdam: no other journey uses it;
        // nothing here answers them).
        const string dementiezorg = "75020007", cz = "9664", dementia = "CARE_TYPE_DEMENTIA_CASE_MANAGEMENT";
        var org = $"e2e-fouten-{Guid.NewGuid():N}"[..20];
        await web.SetFreePlacesAsync(dementiezorg, "1077", 2, dementia);
        var first = await web.CreateReferralAsync(org, $"E2E-E1-{Guid.NewGuid():N}"[..14], "1077", cz, dementia);
        var second = await web.CreateReferralAsync(org, $"E2E-E2-{Guid.NewGuid():N}"[..14], "1077", cz, dementia);
        await web.OfferReferralAsync(org, first, dementiezorg);
        await web.OfferReferralAsync(org, second, dementiezorg);
        var provider = await web.SignInWithTokenAsync("provider", dementiezorg);
        var cards = new[] { first, second }.Select(id => provider.Locator($"article.offer-card[data-referral='{id}']")).ToArray();

        // "Andere reden" without a word, declined on one card and then on the other: each card
        // says it under its own explanation field, and neither message lands in the other card.
        foreach (var card in cards)
        {
            await card.Locator("select.decline-reason").SelectOptionAsync("Other");
            await card.GetByRole(AriaRole.Button, new() { Name = "Afwijzen" }).ClickAsync();
        }
        foreach (var card in cards)
        {
            var why = card.Locator("input.decline-text");
            await Expect(why).ToHaveAttributeAsync("aria-invalid", "true");
            var described = (await why.GetAttributeAsync("aria-describedby"))!.Split(' ').Single(x => x.EndsWith("-error", StringComparison.Ordinal));
            await Expect(card.Locator($"[id='{described}']")).ToHaveTextAsync("Geef bij “andere reden” een toelichting.");
        }
        await AssertDutchAsync(provider, "two offers declined without an explanation");
    }

    [Fact]
    public async Task The_desk_says_a_closure_without_explanation_in_Dutch()
    {
        var patient = $"E2E-NL-{Guid.NewGuid():N}"[..14];
        await web.CreateEscalatedReferralAsync("dutch-errors-desk", patient, "1183", "3343"); // DSW
        var desk = await web.SignInAsync("insurer_desk", "3343");
        var card = desk.Locator("article").Filter(new() { HasText = patient });
        await Expect(card).ToHaveCountAsync(1);

        await card.Locator("select[id^='close-outcome-']").SelectOptionAsync("Other");
        await card.GetByRole(AriaRole.Button, new() { Name = "Afsluiten" }).ClickAsync();
        await Expect(card.Locator("input.close-text")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(card).ToContainTextAsync("Geef een toelichting bij ‘anders’.");
        await AssertDutchAsync(desk, "desk closure without explanation", agbCodes: false);
    }

    [Fact]
    public async Task Sign_in_problems_are_said_in_Dutch()
    {
        var page = await web.NewPageAsync();
        await page.GotoAsync("/");
        await page.GetByText("Aanmelden met een token van uw organisatie").ClickAsync();
        await page.FillAsync("#token", "not-a-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Aanmelden", Exact = true }).ClickAsync();
        await Expect(page.Locator(".signin .error")).ToHaveTextAsync("Dit is geen geldig toegangstoken.");
        await AssertDutchAsync(page, "bad token");

        // Back from an identity provider with its own (English) description: never shown.
        await page.GotoAsync("/?state=abc&error=access_denied&error_description=The+user+denied+access");
        await Expect(page.Locator(".signin .error")).ToContainTextAsync("Aanmelden bij uw organisatie is niet gelukt.");
        await AssertDutchAsync(page, "identity provider refusal");
    }

    [Fact]
    public async Task A_reload_keeps_the_search_and_runs_it_again()
    {
        var nurse = await web.SignInWithTokenAsync("requester", "dutch-errors-reload");
        var start = DutchDays.Today().AddDays(1);
        await nurse.FillAsync("#postcode", "1183 AB");
        await nurse.FillAsync("#insurer", "CZ");
        await nurse.FillAsync("#start-date", DutchDays.Iso(start));
        await nurse.FillAsync("#age", "80");
        await nurse.SelectOptionAsync("#radius", "25");
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync("binnen 25 km van 1183");
        // The address holds the area, never the full postcode, and no age district nursing does not need.
        Assert.Contains("postcode=1183&", nurse.Url);
        Assert.DoesNotContain("AB", nurse.Url);
        Assert.DoesNotContain("leeftijd", nurse.Url);

        var throughTheApi = 0;
        nurse.Request += (_, request) => { if (request.Method == "POST" && request.Url.Contains("/api/v1/searches")) throughTheApi++; };
        await nurse.ReloadAsync(new() { WaitUntil = WaitUntilState.DOMContentLoaded }); // the assertions below wait for what matters

        await Expect(nurse.Locator("#postcode")).ToHaveValueAsync("1183");
        await Expect(nurse.Locator("#insurer")).ToHaveValueAsync("CZ");
        await Expect(nurse.Locator("#start-date")).ToHaveValueAsync(DutchDays.Iso(start));
        await Expect(nurse.Locator("#radius")).ToHaveValueAsync("25");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync($"binnen 25 km van 1183 (Amstelveen) · Wijkverpleging · start {DutchDays.DayMonth(start)}");
        await Expect(nurse.Locator("#candidates tr[data-agb]").First).ToBeVisibleAsync();
        // Run once, live, when the connection is there: not first through the API ("niet live").
        await Expect(nurse.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
        Assert.Equal(0, throughTheApi);

        // Signing out leaves nothing of the search in the address for the next person.
        await nurse.GetByRole(AriaRole.Button, new() { Name = "Afmelden" }).ClickAsync();
        await Expect(nurse.GetByText("Aanmelden met een token van uw organisatie")).ToBeVisibleAsync();
        Assert.DoesNotContain("postcode", nurse.Url);
    }

    /// <summary>The field is marked invalid and described by an element that says <paramref name="dutch"/>.</summary>
    static async Task ExpectFieldErrorAsync(IPage page, string selector, string dutch)
    {
        var field = page.Locator(selector);
        await Expect(field).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(field).ToHaveAttributeAsync("aria-describedby", new Regex(@"\S-error\b"));
        var described = (await field.GetAttributeAsync("aria-describedby"))!.Split(' ').Single(x => x.EndsWith("-error", StringComparison.Ordinal));
        await Expect(page.Locator($"[id='{described}']")).ToContainTextAsync(dutch);
    }

    static async Task ExpectValidAsync(IPage page, string selector) =>
        await Expect(page.Locator(selector)).Not.ToHaveAttributeAsync("aria-invalid", "true");

    /// <summary>Fails on English, a reason code, a server sentence or (optionally) an AGB code anywhere in the visible text.</summary>
    static async Task AssertDutchAsync(IPage page, string when, bool agbCodes = true)
    {
        var text = await page.Locator("body").InnerTextAsync();
        var found = English().Matches(text).Select(m => m.Value)
            .Concat(ReasonCode().Matches(text).Select(m => m.Value))
            .Concat(agbCodes ? AgbCode().Matches(text).Select(m => m.Value) : [])
            .Distinct().ToArray();
        Assert.True(found.Length == 0, $"{when}: not Dutch on the screen: {string.Join(", ", found)}\n---\n{text}");
    }

    // Words and sentences of the service's English messages (and of browsers' and libraries' errors).
    [GeneratedRegex(@"\b(must|invalid|required|characters|does not exist|not a candidate|not contracted|contract with|postcode area|patients under|medical child care|is not|not allowed|sign in|try again|the patient|please|error|failed|unexpected|exception|denied|provider|insurer|referral|unavailable)\b", RegexOptions.IgnoreCase)]
    private static partial Regex English();

    [GeneratedRegex(@"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")]
    private static partial Regex ReasonCode();

    [GeneratedRegex(@"\b750[12]\d{4}\b")]
    private static partial Regex AgbCode();
}
