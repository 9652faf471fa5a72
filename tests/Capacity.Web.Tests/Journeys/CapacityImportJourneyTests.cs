using System.Text;
using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// The provider's spreadsheet import: the template downloads, an upload shows what changes and
/// which rows are refused (by row number, in Dutch), applying changes the grid; on a phone too.
/// </summary>
public sealed class CapacityImportJourneyTests(WebApp web)
{
    const string ZorghotelAmsterdamZuid = "75020011"; // short-term stay beds only; only this journey uses it

    static FilePayload Csv(string text) => new() { Name = "capaciteit.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(text) };

    [Fact]
    public async Task AnUploadPreviewsChangesAndDutchRowErrorsThenApplyChangesTheGrid()
    {
        var provider = await web.SignInAsync("provider", ZorghotelAmsterdamZuid);
        var cell = provider.Locator("input.cell[data-pc4='1082'][data-care-type='ShortTermStay']");
        await Expect(cell).ToBeVisibleAsync();
        var before = int.Parse(await cell.InputValueAsync());

        // The template, pre-filled with the provider's own areas.
        var download = await provider.RunAndWaitForDownloadAsync(() => provider.ClickAsync("#template-csv"));
        Assert.Equal($"capaciteit-{ZorghotelAmsterdamZuid}.csv", download.SuggestedFilename);
        var template = await File.ReadAllTextAsync((await download.PathAsync())!, TestContext.Current.CancellationToken);
        Assert.StartsWith("postcode_gebied;zorgsoort;vrije_plaatsen;vanaf;uren_per_week;versie", template.TrimStart('\uFEFF'));
        Assert.Contains($"1082;Eerstelijnsverblijf (ELV);{before};", template);

        await provider.SetInputFilesAsync("#import-file", Csv(
            "postcode_gebied;zorgsoort;vrije_plaatsen;uren_per_week\n" +
            $"1082;Eerstelijnsverblijf (ELV);{before + 3};12,5\n" +
            "9999;ELV;1;\n" +
            "1083;ELV;veel;\n"));

        var preview = provider.Locator("#import-preview");
        await Expect(preview.Locator("tr[data-row='2'][data-status='change']")).ToContainTextAsync("wordt gewijzigd");
        await Expect(preview.Locator("tr[data-row='2']")).ToContainTextAsync("12,5 uur/week"); // the Dutch decimal comma
        await Expect(preview.Locator("tr[data-row='3'][data-status='refused']")).ToContainTextAsync("postcodegebied: In dit postcodegebied werkt u niet.");
        await Expect(preview.Locator("tr[data-row='4'][data-status='refused']")).ToContainTextAsync("vrije plaatsen: Vul hier een getal in.");
        await Expect(provider.Locator("#import-status")).ToContainTextAsync("3 rijen gelezen: 1 wijziging, 0 ongewijzigd, 0 overgeslagen (leeg), 2 afgekeurd.");
        await Expect(cell).ToHaveValueAsync(before.ToString()); // a preview stores nothing
        await WebApp.ScreenshotAsync(provider, "import-preview");

        await provider.ClickAsync("#import-apply");

        await Expect(provider.Locator("#import-status")).ToContainTextAsync("1 rij opgeslagen om");
        await Expect(preview.Locator("tr[data-row='2'][data-status='applied']")).ToContainTextAsync("opgeslagen");
        await Expect(cell).ToHaveValueAsync((before + 3).ToString());
        await Expect(provider.Locator("#import-apply")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task OnAPhoneTheImportFitsAndItsControlsAreTouchTargets()
    {
        var provider = await web.SignInAsync("provider", ZorghotelAmsterdamZuid, viewport: Layout.Phone);
        await Expect(provider.Locator("#template-xlsx")).ToBeVisibleAsync();

        // A file without the template's columns is refused whole, in Dutch.
        await provider.SetInputFilesAsync("#import-file", Csv("gebied;plaatsen\n1082;1\n"));
        await Expect(provider.Locator("#import-status")).ToHaveTextAsync("De eerste rij moet de kolomnamen van het sjabloon bevatten; download het sjabloon opnieuw.");

        await provider.SetInputFilesAsync("#import-file", Csv("postcode_gebied;zorgsoort;vrije_plaatsen\n1082;ELV;1\n9999;ELV;1\n"));
        await Expect(provider.Locator("#import-preview tr[data-row='3']")).ToContainTextAsync("In dit postcodegebied werkt u niet.");
        await Layout.AssertNoHorizontalOverflowAsync(provider);
        foreach (var (selector, what) in new[] { ("#template-xlsx", "Sjabloon downloaden (.xlsx)"), ("#template-csv", "Sjabloon downloaden (.csv)"), ("#import-upload", "Bestand uploaden"), ("#import-apply", "Wijzigingen toepassen") })
        {
            await Layout.AssertInViewAcrossAsync(provider.Locator(selector), what);
            await Layout.AssertTouchTargetAsync(provider.Locator(selector), what);
        }
        await WebApp.ScreenshotAsync(provider, "import-phone");
    }
}
