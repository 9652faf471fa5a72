using Capacity.Web.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>The quickest update: one number for a whole care type, then one save.</summary>
public sealed class ColumnFillTests(WebApp web)
{
    const string ZorghotelDePoel = "75010008"; // short-term stay beds only

    [Fact]
    public async Task A_provider_sets_one_care_type_in_every_area_with_one_number_and_one_save()
    {
        var provider = await web.SignInAsync("provider", ZorghotelDePoel);
        var cells = provider.Locator("input.cell[data-care-type='ShortTermStay']");
        await Expect(cells.First).ToBeVisibleAsync();
        var before = new List<string>();
        for (var i = 0; i < await cells.CountAsync(); i++) before.Add(await cells.Nth(i).InputValueAsync());
        Assert.True(before.Count > 1);

        // A number it cannot take is refused in Dutch (not in the browser's language), and changes nothing.
        var fill = provider.Locator("input.fill-value[data-fill='ShortTermStay']");
        await fill.FillAsync("-1");
        await fill.PressAsync("Enter");
        Assert.Equal("Vul een heel getal van 0 tot en met 10000 in.", await fill.EvaluateAsync<string>("input => input.validationMessage"));
        await Expect(provider.Locator("input.cell.changed")).ToHaveCountAsync(0);

        await provider.FillAsync("input.fill-value[data-fill='ShortTermStay']", "3");
        await provider.Keyboard.PressAsync("Enter"); // fills the column; saving is still one click away
        await Expect(provider.Locator("input.cell.changed")).ToHaveCountAsync(before.Count(v => v != "3"));
        await provider.ClickAsync("#save-capacity");
        await Expect(provider.Locator("#save-status")).ToContainTextAsync($"{before.Count(v => v != "3")} cijfers opgeslagen");

        await provider.ReloadAsync();
        await Expect(cells.First).ToBeVisibleAsync();
        for (var i = 0; i < before.Count; i++) await Expect(cells.Nth(i)).ToHaveValueAsync("3");
    }
}
