using Capacity.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// The 7-day outlook (docs/INSIGHT-outlook.md): a provider full today enters the places it expects
/// in three days in its grid's outlook row; a nurse searching for that day sees it as a candidate,
/// marked as an expectation, and a search for today still excludes it; the municipality's map shows that day.
/// </summary>
public sealed class OutlookJourneyTests(WebApp web)
{
    const string JordaanThuiszorg = "75020001"; // base 1015; no other journey uses it

    [Fact]
    public async Task A_provider_enters_an_outlook_and_a_nurse_sees_the_expected_candidate()
    {
        var day = DutchDays.Today().AddDays(3);
        var provider = await web.SignInAsync("provider", JordaanThuiszorg);
        var cell = provider.Locator("input.cell[data-pc4='1015'][data-care-type='DistrictNursing']");
        await cell.FillAsync("0");
        var toggle = provider.Locator("button.outlook-toggle[data-pc4='1015']");
        await toggle.ClickAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        var expect = provider.Locator($"input.expect[data-pc4='1015'][data-care-type='DistrictNursing'][data-day='{DutchDays.Iso(day)}']");
        await Expect(expect).ToBeVisibleAsync();
        await expect.FillAsync("4");
        await provider.ClickAsync("#save-capacity");
        await Expect(provider.Locator("#save-status")).ToContainTextAsync("opgeslagen");
        await provider.ReloadAsync(); // what was stored comes back into the outlook row
        await Expect(provider.Locator($"input.expect[data-pc4='1015'][data-care-type='DistrictNursing'][data-day='{DutchDays.Iso(day)}']")).ToHaveValueAsync("4");
        await provider.Locator("button.outlook-toggle[data-pc4='1015']").ClickAsync();
        await WebApp.ScreenshotAsync(provider, "outlook-provider-grid");

        var nurse = await web.SignInAsync("requester", "stadsziekenhuis-west");
        await nurse.FillAsync("#postcode", "1015");
        await nurse.FillAsync("#insurer", "CZ");
        await nurse.FillAsync("#start-date", DutchDays.Iso(day));
        await nurse.ClickAsync("#search-button");
        var row = nurse.Locator($"#candidates tr[data-agb='{JordaanThuiszorg}']");
        await Expect(row).ToHaveAttributeAsync("data-expected", DutchDays.Iso(day));
        await Expect(row.Locator(".expected")).ToHaveTextAsync($"Verwachting voor {DutchDays.Weekday(day)} {DutchDays.DayMonth(day)}");
        await Expect(row).ToHaveAttributeAsync("data-free", "4");
        await WebApp.ScreenshotAsync(nurse, "outlook-nurse-search");

        await nurse.FillAsync("#start-date", DutchDays.Iso(DutchDays.Today()));
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator($"#exclusions li[data-agb='{JordaanThuiszorg}']")).ToHaveAttributeAsync("data-reason", "NoCapacity");

        // Amsterdam's map on that day: every other figure in 1015 was published free from today
        // and has no outlook, so the day shows today's free places plus Jordaan's 4 (0 today).
        var municipality = await web.SignInAsync("municipality", "GM0363");
        var area = municipality.Locator("#areas tr[data-pc4='1015']");
        await Expect(area).ToHaveAttributeAsync("data-free", new System.Text.RegularExpressions.Regex(@"^\d+$"));
        var today = int.Parse((await area.GetAttributeAsync("data-free"))!);
        await municipality.Locator("#map-day").SelectOptionAsync(DutchDays.Iso(day));
        await Expect(area).ToHaveAttributeAsync("data-free", (today + 4).ToString());
        await Expect(municipality.Locator("#map-updated")).ToContainTextAsync($"verwachting voor {DutchDays.Weekday(day)} {DutchDays.DayMonth(day)}");
        await WebApp.ScreenshotAsync(municipality, "outlook-municipality-map");
    }
}
