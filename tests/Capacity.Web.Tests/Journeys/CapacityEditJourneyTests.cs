using System.Diagnostics;
using Capacity.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// (b) A provider's capacity edit appears on the municipality's map and in a transfer nurse's open
/// search, both without a reload. How long that takes is recorded (journey-times.txt), not asserted.
/// </summary>
public sealed class CapacityEditJourneyTests(WebApp web)
{
    const string WijkzorgAmstelveen = "75010001", OuderAmstelZorg = "75010006";

    [Fact]
    public async Task A_capacity_edit_reaches_the_municipality_map_and_an_open_search_live()
    {
        // An open search in Amstelveen for a CZ patient, and Amstelveen's map.
        var nurse = await web.SignInAsync("requester", "amstelland-ziekenhuis");
        await nurse.FillAsync("#postcode", "1183");
        await nurse.FillAsync("#insurer", "CZ");
        await nurse.ClickAsync("#search-button");
        var row = nurse.Locator($"#candidates tr[data-agb='{WijkzorgAmstelveen}'], #exclusions li[data-agb='{WijkzorgAmstelveen}']");
        await Expect(row).ToHaveCountAsync(1);

        var municipality = await web.SignInAsync("municipality", "GM0362");
        var area = municipality.Locator("#map path[data-pc4='1183']");
        await Expect(area).ToHaveAttributeAsync("data-free", new System.Text.RegularExpressions.Regex(@"^\d+$"));
        var areaBefore = int.Parse((await area.GetAttributeAsync("data-free"))!);

        // The provider changes one figure in its grid and saves.
        var provider = await web.SignInAsync("provider", WijkzorgAmstelveen);
        var cell = provider.Locator("input.cell[data-pc4='1183'][data-care-type='DistrictNursing']");
        var before = int.Parse(await cell.InputValueAsync());
        var after = before + 7;
        await cell.FillAsync(after.ToString());
        await Expect(cell).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("changed"));
        // The nurse is just ticking another provider when the push arrives.
        var otherBox = nurse.Locator($"#candidates tr[data-agb='{OuderAmstelZorg}'] input[type=checkbox]");
        await otherBox.CheckAsync();
        await Expect(otherBox).ToBeFocusedAsync();
        var clock = Stopwatch.StartNew();
        await provider.ClickAsync("#save-capacity");

        // Both other screens follow by themselves.
        await Expect(nurse.Locator($"#candidates tr[data-agb='{WijkzorgAmstelveen}']")).ToHaveAttributeAsync("data-free", after.ToString());
        WebApp.RecordTime("capacity save to open search", clock.Elapsed);
        await Expect(otherBox).ToBeFocusedAsync(); // the update did not take her focus or her tick
        await Expect(otherBox).ToBeCheckedAsync();
        await Expect(area).ToHaveAttributeAsync("data-free", (areaBefore + after - before).ToString());
        WebApp.RecordTime("capacity save to municipality map", clock.Elapsed);
        await Expect(municipality.Locator($"#areas tr[data-pc4='1183']")).ToHaveAttributeAsync("data-free", (areaBefore + after - before).ToString());

        await Expect(provider.Locator("#save-status")).ToContainTextAsync("1 cijfer opgeslagen");
        await Expect(cell).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("changed"));
        await WebApp.ScreenshotAsync(provider, "b-provider-grid");

        // A figure that cannot be (negative) is held back by the form itself, and nothing of that save is stored.
        var other = provider.Locator("input.cell[data-care-type='DistrictNursing']").Last;
        await cell.FillAsync((after + 1).ToString());
        await other.FillAsync("-1");
        await provider.ClickAsync("#save-capacity");
        Assert.True(await other.EvaluateAsync<bool>("el => el.matches(':invalid')"));
        await provider.ReloadAsync();
        await Expect(provider.Locator("input.cell[data-pc4='1183'][data-care-type='DistrictNursing']")).ToHaveValueAsync(after.ToString());
        await WebApp.ScreenshotAsync(municipality, "b-municipality-map");
        await WebApp.ScreenshotAsync(nurse, "b-nurse-search");
    }
}
