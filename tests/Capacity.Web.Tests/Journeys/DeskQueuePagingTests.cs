using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// "Meer laden" is not lost to a live reload: the desk asks for the next page of its queue; before
/// that page arrives the queue is read again (a referral was taken, and pushed); the reload reads
/// as many referrals as the desk asked for, so the next page is there.
/// </summary>
public sealed class DeskQueuePagingTests(WebApp web)
{
    const string Vgz = "7095"; // no other journey escalates VGZ patients: this desk's queue is this journey's

    [Fact]
    public async Task More_clicked_before_a_reload_still_shows_the_next_page()
    {
        var errors = new List<string>();
        // 26 escalated referrals (a page of the queue holds 25), from an organisation of their own.
        var org = $"e2e-queue-{Guid.NewGuid():N}"[..18];
        for (var i = 0; i < 26; i++) await web.CreateEscalatedReferralAsync(org, $"E2E-Q-{i:D2}", "1103", Vgz);

        var desk = await web.SignInAsync("insurer_desk", Vgz, page => WebApp.CollectConsoleErrors(page, errors));
        var cards = desk.Locator("#queue article.referral");
        await Expect(cards).ToHaveCountAsync(25);
        var more = desk.Locator("#queue-more");
        await Expect(more).ToBeVisibleAsync();

        // "Meer laden": its page is held on the way.
        var read = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        static bool NextPage(string url) => url.Contains("/queue?") && url.Contains("pageToken=");
        await desk.RouteAsync(NextPage, async route =>
        {
            var response = await route.FetchAsync();
            read.TrySetResult();
            await release.Task;
            await route.FulfillAsync(new() { Response = response });
        });
        await more.ClickAsync();
        await read.Task;

        // Meanwhile the desk takes the first referral: the queue is read again (by the action and by the push).
        var first = cards.First;
        var reloaded = desk.WaitForResponseAsync(r => r.Url.Contains("/queue?") && !r.Url.Contains("pageToken="));
        await first.GetByRole(AriaRole.Button, new() { Name = "Oppakken" }).ClickAsync();
        await reloaded;
        await Expect(cards.First).ToContainTextAsync("Opgepakt door");

        // The page asked for is shown (by the reload; the held answer is superseded by it).
        release.SetResult();
        await Expect(cards).ToHaveCountAsync(26);
        await Expect(more).ToBeHiddenAsync();
        await desk.UnrouteAsync(NextPage);
        Assert.Empty(errors);
    }
}
