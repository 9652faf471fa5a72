using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// The nurse's referral history: a page of open referrals and "Meer laden" for the rest (the
/// keyboard goes on at the first card it added); the fresh candidates of a waiting referral are
/// searched for the cards in view, not for all twenty at once; a double-clicked "Annuleren" cancels
/// once, and the cancelled referral leaves the open list by itself and is found under "Afgesloten",
/// also among the older ones.
/// </summary>
public sealed class ReferralHistoryTests(WebApp web)
{
    const string Practice = "huisartsen-kleine-veld"; // no other journey signs in as this practice

    [Fact]
    public async Task The_open_list_pages_with_more_and_a_cancelled_referral_moves_to_the_ended_list()
    {
        var errors = new List<string>(); // console errors of every page in the journey
        var searches = 0;
        var cancels = 0;
        // 21 referrals waiting for a choice (a page holds 20), in Aalsmeer for CZ patients: candidates exist, so none escalates.
        var prefix = $"E2E-K-{Guid.NewGuid():N}"[..10];
        for (var i = 0; i < 21; i++) await web.CreateReferralAsync(Practice, $"{prefix}-{i:D2}", "1433", "9664");

        var nurse = await web.SignInAsync("requester", Practice, page =>
        {
            page.Request += (_, request) =>
            {
                if (request.Method != "POST") return;
                if (request.Url.EndsWith("/api/v1/searches")) Interlocked.Increment(ref searches);
                if (request.Url.EndsWith("/cancel")) Interlocked.Increment(ref cancels);
            };
            return WebApp.CollectConsoleErrors(page, errors);
        });
        var cards = nurse.Locator("#referrals article.referral");
        await Expect(cards).ToHaveCountAsync(20);
        // The cards in view search their candidates; the others wait until they are scrolled to.
        await Expect(cards.First.Locator(".fresh label.pick").First).ToBeVisibleAsync();
        Assert.InRange(searches, 1, 8);
        var more = nurse.Locator("#referrals-more");
        await Expect(more).ToBeVisibleAsync();
        await Expect(nurse.Locator("label.older")).ToBeHiddenAsync(); // the open list is always complete

        // "Meer laden" by keyboard: the last page hides the button, and the focus goes on at the card it added.
        await more.FocusAsync();
        await nurse.Keyboard.PressAsync("Enter");
        await Expect(cards).ToHaveCountAsync(21);
        await Expect(more).ToBeHiddenAsync();
        var oldest = nurse.Locator($"article.referral[aria-label='Verwijzing {prefix}-00']");
        await Expect(oldest).ToBeFocusedAsync();
        await Expect(oldest.Locator(".fresh label.pick").First).ToBeVisibleAsync(); // in view now: searched

        // The oldest is on the second page; cancelling it (a double-click: one confirmation, one request) moves it to "Afgesloten".
        await Expect(oldest.Locator(".to-choose")).ToContainTextAsync("kies een aanbieder");
        await oldest.GetByRole(AriaRole.Button, new() { Name = "Annuleren" }).DblClickAsync();
        await nurse.GetByRole(AriaRole.Button, new() { Name = "Ja, annuleren" }).ClickAsync();
        await Expect(oldest).ToHaveCountAsync(0);
        await Expect(cards).ToHaveCountAsync(20);
        await Expect(nurse.Locator("#referrals-status")).ToContainTextAsync($"Verwijzing {prefix}-00 is geannuleerd en staat nu onder “Afgesloten”");
        Assert.Equal(1, cancels);

        await nurse.GetByRole(AriaRole.Radio, new() { Name = "Afgesloten", Exact = true }).CheckAsync();
        await Expect(oldest.GetByTestId("referral-state")).ToHaveTextAsync("geannuleerd");
        await Expect(nurse.Locator("label.older")).ToBeVisibleAsync();
        var olderRead = nurse.WaitForRequestAsync(r => r.Url.Contains("/referrals?") && r.Url.Contains("filter=REFERRAL_LIST_FILTER_ENDED") && r.Url.Contains("includeOlder=true"));
        await nurse.GetByLabel("ook ouder dan 14 dagen").CheckAsync();
        await olderRead; // the list is read again, older ones included
        await Expect(oldest).ToHaveCountAsync(1);

        // Keyboard: the filter is a radio group; arrows move between the lists.
        await nurse.GetByRole(AriaRole.Radio, new() { Name = "Afgesloten", Exact = true }).FocusAsync();
        await nurse.Keyboard.PressAsync("ArrowLeft");
        await Expect(nurse.GetByRole(AriaRole.Radio, new() { Name = "Geplaatst", Exact = true })).ToBeCheckedAsync();
        await Expect(nurse.Locator("#referrals")).ToContainTextAsync("Geen geplaatste verwijzingen");
        Assert.Empty(errors);
    }
}
