using System.Text.Json;
using System.Text.RegularExpressions;
using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// (i) One referral per patient: a nurse who offers a patient whose referral still runs is warned,
/// nothing is created, and the warning's button brings her to the referral that runs — the open
/// list, scrolled to it, its card focused and highlighted.
/// </summary>
public sealed class DuplicateReferralJourneyTests(WebApp web)
{
    const string NieuwWestVerpleging = "75020005"; // serves 1064 for DSW patients; no other journey uses it

    [Fact]
    public async Task Offering_a_patient_again_warns_creates_nothing_and_opens_the_running_referral()
    {
        var errors = new List<string>(); // console errors of every page in the journey
        await web.SetFreePlacesAsync(NieuwWestVerpleging, "1064", 3);
        var nurse = await web.SignInAsync("requester", "stadsziekenhuis-west", page => WebApp.CollectConsoleErrors(page, errors));
        var patient = $"E2E-I-{Guid.NewGuid():N}"[..14];
        await Offer(nurse, patient, radius: "15");
        var referral = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");

        // She looks at the placed referrals meanwhile; then searches again for the same patient and offers.
        await nurse.GetByRole(AriaRole.Radio, new() { Name = "Geplaatst", Exact = true }).CheckAsync();
        await Expect(referral).ToHaveCountAsync(0);
        await Offer(nurse, patient, radius: "25");

        var warning = nurse.Locator("#duplicate");
        await Expect(warning).ToBeVisibleAsync();
        await Expect(warning).ToContainTextAsync($"Voor patiënt {patient} loopt al een verwijzing");
        await Expect(nurse.Locator("#offer-status")).Not.ToContainTextAsync("aangeboden");
        await WebApp.ScreenshotAsync(nurse, "i-nurse-duplicate-warning");

        // Nothing new was offered: the provider has the one offer for this patient.
        var provider = await web.SignInAsync("provider", NieuwWestVerpleging, page => WebApp.CollectConsoleErrors(page, errors));
        await Expect(provider.Locator("article.offer-card", new() { HasText = patient })).ToHaveCountAsync(1);

        // The button opens the referral that runs.
        await warning.GetByRole(AriaRole.Button, new() { Name = "Open de bestaande verwijzing" }).ClickAsync();
        await Expect(nurse.GetByRole(AriaRole.Radio, new() { Name = "Open", Exact = true })).ToBeCheckedAsync();
        await Expect(referral).ToHaveCountAsync(1);
        await Expect(referral).ToBeFocusedAsync();
        await Expect(referral).ToBeInViewportAsync();
        await Expect(referral).ToHaveClassAsync(new Regex(@"\bhighlight\b"));
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");
        await Expect(referral.Locator("li[data-state=Pending]")).ToHaveCountAsync(1);
        await WebApp.ScreenshotAsync(nurse, "i-nurse-existing-referral");
        // The refused create is logged by the browser as a failed request (409); nothing else went wrong.
        Assert.All(errors, e => Assert.Contains("409", e));
    }

    [Fact]
    public async Task A_duplicate_refused_without_naming_the_running_referral_is_still_said_in_Dutch_and_the_retry_is_a_new_request()
    {
        var errors = new List<string>();
        await web.SetFreePlacesAsync(NieuwWestVerpleging, "1064", 3);
        var nurse = await web.SignInAsync("requester", "stadsziekenhuis-west", page => WebApp.CollectConsoleErrors(page, errors));
        var creates = new List<string>(); // the request id of each create
        nurse.Request += (_, r) =>
        {
            if (r.Method == "POST" && Create(r.Url))
                lock (creates) creates.Add(JsonDocument.Parse(r.PostData!).RootElement.GetProperty("requestId").GetString()!);
        };
        // The service refuses the create as it does when another create claimed the patient at the same
        // moment: ALREADY_EXISTS without a ResourceInfo naming the referral.
        var patient = $"E2E-I2-{Guid.NewGuid():N}"[..15];
        await nurse.RouteAsync(Create, route => route.Request.Method != "POST" ? route.ContinueAsync() : route.FulfillAsync(new()
        {
            Status = 409,
            ContentType = "application/json",
            Body = JsonSerializer.Serialize(new { code = 6, message = $"Patient {patient} has an active referral created meanwhile; list the organisation's active referrals.", details = Array.Empty<object>() }),
        }));
        await Offer(nurse, patient, radius: "15");

        var warning = nurse.Locator("#duplicate");
        await Expect(warning).ToBeVisibleAsync();
        await Expect(warning).ToContainTextAsync($"Voor patiënt {patient} loopt al een verwijzing");
        await Expect(warning.Locator("#open-existing")).ToHaveCountAsync(0); // there is none to open
        await Expect(nurse.Locator("#offer-status")).Not.ToContainTextAsync("Dit bestaat al");

        // The next try is a new request: nothing was created under the first.
        await nurse.UnrouteAsync(Create);
        await nurse.ClickAsync("#offer-button");
        var referral = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");
        lock (creates)
        {
            Assert.Equal(2, creates.Count);
            Assert.NotEqual(creates[0], creates[1]);
        }
        Assert.All(errors, e => Assert.Contains("409", e));
    }

    static bool Create(string url) => new Uri(url).AbsolutePath == "/api/v1/referrals";

    static async Task Offer(IPage nurse, string patient, string radius)
    {
        await nurse.FillAsync("#postcode", "1064");
        await nurse.FillAsync("#insurer", "DSW");
        await nurse.SelectOptionAsync("#radius", radius);
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync($"binnen {radius} km van 1064");
        await nurse.Locator($"#candidates tr[data-agb='{NieuwWestVerpleging}'] input[type=checkbox]").CheckAsync();
        await nurse.FillAsync("#patient-ref", patient);
        await nurse.FillAsync("#care-summary", "Wondzorg onderbeen, om de dag");
        await nurse.ClickAsync("#offer-button");
    }
}
