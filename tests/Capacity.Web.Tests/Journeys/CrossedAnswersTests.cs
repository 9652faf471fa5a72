using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// Answers and pushes cross on a slow line: a list read, or the answer to an offer, that left the
/// service before the provider accepted arrives after the push that said so. The nurse's screen
/// keeps the newest version it saw: the placed referral does not come back to her open list as
/// "aangeboden". (The slow line is a route that holds the response until the push is in.)
/// </summary>
public sealed class CrossedAnswersTests(WebApp web)
{
    const string ZuidoostZorgt = "75020006"; // serves 1103 for DSW patients; no other journey uses it
    const string Dsw = "3343";

    [Fact]
    public async Task A_list_read_before_the_placement_does_not_bring_the_referral_back_to_the_open_list()
    {
        var errors = new List<string>();
        var org = $"e2e-crossed-list-{Guid.NewGuid():N}"[..24]; // an organisation of its own: its open list holds this referral only
        var patient = $"E2E-X-{Guid.NewGuid():N}"[..14];
        await web.SetFreePlacesAsync(ZuidoostZorgt, "1103", 3);
        var id = await web.CreateReferralAsync(org, patient, "1103", Dsw);

        var nurse = await web.SignInWithTokenAsync("requester", org, page => WebApp.CollectConsoleErrors(page, errors));
        var referral = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await referral.ScrollIntoViewIfNeededAsync(); // its candidates are searched once it is in view
        await referral.Locator($".fresh label[data-agb='{ZuidoostZorgt}'] input").CheckAsync();
        await referral.GetByRole(AriaRole.Button, new() { Name = "Aanbieden", Exact = true }).ClickAsync();
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden");
        await nurse.GetByRole(AriaRole.Radio, new() { Name = "Geplaatst", Exact = true }).CheckAsync();
        await Expect(nurse.Locator("#referrals")).ToContainTextAsync("Geen geplaatste verwijzingen");

        // Back to the open list, whose answer (the referral still "aangeboden") is held on the way.
        var read = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await nurse.RouteAsync("**/api/v1/organisations/**", async route =>
        {
            var response = await route.FetchAsync();
            read.TrySetResult();
            await release.Task;
            await route.FulfillAsync(new() { Response = response });
        });
        await nurse.GetByRole(AriaRole.Radio, new() { Name = "Open", Exact = true }).CheckAsync();
        await read.Task;

        // Meanwhile the provider accepts; the push reaches the nurse's page, which reads the referral.
        var provider = await web.SignInAsync("provider", ZuidoostZorgt, page => WebApp.CollectConsoleErrors(page, errors));
        var offer = provider.Locator("article.offer-card", new() { HasText = patient });
        var pushed = nurse.WaitForResponseAsync(r => r.Url.EndsWith($"/api/v1/referrals/{id}") && r.Request.Method == "GET");
        await offer.GetByRole(AriaRole.Button, new() { Name = "Accepteren" }).ClickAsync();
        await Expect(offer).ToHaveCountAsync(0);
        await pushed;

        // Then the older list answer arrives: the placed referral stays out of the open list.
        release.SetResult();
        await Expect(nurse.Locator("#referrals")).Not.ToHaveAttributeAsync("aria-busy", "true"); // the list answer has landed
        await Expect(nurse.Locator("#referrals")).ToContainTextAsync("Geen open verwijzingen");
        await Expect(referral).ToHaveCountAsync(0);
        await nurse.UnrouteAsync("**/api/v1/organisations/**");

        await nurse.GetByRole(AriaRole.Radio, new() { Name = "Geplaatst", Exact = true }).CheckAsync();
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("geplaatst");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task An_offer_answer_that_arrives_after_the_placement_does_not_bring_the_card_back()
    {
        var errors = new List<string>();
        var org = $"e2e-crossed-offer-{Guid.NewGuid():N}"[..24];
        var patient = $"E2E-Y-{Guid.NewGuid():N}"[..14];
        await web.SetFreePlacesAsync(ZuidoostZorgt, "1103", 3);
        await web.CreateReferralAsync(org, patient, "1103", Dsw);

        var nurse = await web.SignInWithTokenAsync("requester", org, page => WebApp.CollectConsoleErrors(page, errors));
        var referral = nurse.Locator($"article.referral[aria-label='Verwijzing {patient}']");
        await referral.ScrollIntoViewIfNeededAsync();
        var box = referral.Locator($".fresh label[data-agb='{ZuidoostZorgt}'] input");

        // The answer to her offer is held on the way.
        var sent = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        await nurse.RouteAsync("**/api/v1/referrals/*/offers", async route =>
        {
            var response = await route.FetchAsync();
            sent.TrySetResult();
            await release.Task;
            await route.FulfillAsync(new() { Response = response });
        });
        await box.CheckAsync();
        await referral.GetByRole(AriaRole.Button, new() { Name = "Aanbieden", Exact = true }).ClickAsync();
        await sent.Task;
        await Expect(referral.GetByTestId("referral-state")).ToHaveTextAsync("aangeboden"); // by the push

        // The provider accepts: the push takes the referral out of the open list.
        var provider = await web.SignInAsync("provider", ZuidoostZorgt, page => WebApp.CollectConsoleErrors(page, errors));
        var offer = provider.Locator("article.offer-card", new() { HasText = patient });
        await offer.GetByRole(AriaRole.Button, new() { Name = "Accepteren" }).ClickAsync();
        await Expect(offer).ToHaveCountAsync(0);
        await Expect(referral).ToHaveCountAsync(0);
        await Expect(nurse.Locator("#referrals-status")).ToContainTextAsync($"Verwijzing {patient} staat nu onder “Geplaatst”");

        // Then the answer to the offer arrives (the referral "aangeboden"): said, but the card does not come back.
        release.SetResult();
        await Expect(nurse.Locator("#referrals-status")).ToContainTextAsync($"{patient}: Aangeboden aan Zuidoost Zorgt.");
        await Expect(referral).ToHaveCountAsync(0);
        await Expect(nurse.Locator("#referrals")).ToContainTextAsync("Geen open verwijzingen");
        Assert.Empty(errors);
    }
}
