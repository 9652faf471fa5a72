using Capacity.Web.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// Every role's main screen and the sign-in on a phone (390×844), a tablet (768×1024) and the
/// office laptop (1366×768): nothing scrolls sideways, the key actions lie in view across, a
/// finger can hit them on a phone or tablet, the nurse's form comes before her results on a phone,
/// and tables turn into labelled cards there. With CAPACITY_SCREENSHOTS set (a folder, relative to
/// the repository), the phone and laptop runs write {screen}-{phone|desktop}.png there
/// (scripts/screenshots.sh).
/// </summary>
public sealed class ResponsiveLayoutTests(WebApp web)
{
    const string HospicezorgThuis = "75020009"; // palliative care around 1058; no other journey uses it
    const string ZilverenKruis = "3311"; // no other journey escalates to this desk
    const string Cz = "9664";

    public static TheoryData<string> Devices => ["phone", "tablet", "desktop"];

    [Theory, MemberData(nameof(Devices))]
    public async Task SignInFitsTheScreen(string device)
    {
        var page = await web.NewPageAsync(Layout.Size(device));
        await page.GotoAsync("/");
        var first = page.Locator("button.identity").First;
        await Expect(first).ToBeVisibleAsync();

        await Layout.AssertNoHorizontalOverflowAsync(page);
        await Layout.AssertInViewAcrossAsync(first, "the first demo identity");
        await Layout.AssertInViewAcrossAsync(page.Locator("button.identity").Last, "the last demo identity");
        await Layout.AssertInViewAcrossAsync(page.Locator(".signin summary"), "sign-in with a token");
        if (device != "desktop")
        {
            await Layout.AssertTouchTargetAsync(first, "a demo identity");
            await Layout.AssertTouchTargetAsync(page.Locator(".signin summary"), "sign-in with a token");
        }
        await ScreenshotAsync(page, "sign-in", device);
    }

    [Theory, MemberData(nameof(Devices))]
    public async Task NurseScreenFitsTheScreen(string device)
    {
        var nurse = await web.SignInAsync("requester", "stadsziekenhuis-west", viewport: Layout.Size(device));
        await nurse.FillAsync("#postcode", "1183");
        await nurse.FillAsync("#insurer", "Zilveren Kruis");
        await nurse.ClickAsync("#search-button");
        await Expect(nurse.Locator("#result-summary")).ToContainTextAsync("Zilveren Kruis");
        var row = nurse.Locator("#candidates tr[data-agb]").First;
        await Expect(row).ToBeVisibleAsync();

        await Layout.AssertHeaderAsync(nurse, touch: device != "desktop");
        await Layout.AssertNoHorizontalOverflowAsync(nurse);
        await Layout.AssertInViewAcrossAsync(nurse.Locator("#search-button"), "Zoeken");
        await Layout.AssertInViewAcrossAsync(nurse.Locator("#postcode"), "the postcode");
        await Layout.AssertInViewAcrossAsync(nurse.Locator("section.results"), "the results");
        await Layout.AssertInViewAcrossAsync(row, "a result");
        await Layout.AssertInViewAcrossAsync(row.Locator("input[type=checkbox]"), "a result's checkbox");
        await Layout.AssertInViewAcrossAsync(nurse.Locator("#offer-button"), "Aanbieden");
        await Layout.AssertInViewAcrossAsync(nurse.Locator("#desk-button"), "Naar zorgbemiddeling");
        await Layout.AssertInViewAcrossAsync(nurse.Locator("#exclusions"), "the providers left out");
        await Layout.AssertInViewAcrossAsync(nurse.Locator("section.referrals, #referrals").First, "the referrals");

        var form = (await nurse.Locator("#search-form").BoundingBoxAsync())!;
        var results = (await nurse.Locator("section.results").BoundingBoxAsync())!;
        if (device == "desktop")
            Assert.True(results.X >= form.X + form.Width, "on a laptop the results stand beside the form");
        else
            Assert.True(form.Y + form.Height <= results.Y, $"the form (bottom {form.Y + form.Height:F0}) comes before the results (top {results.Y:F0})");

        var distance = row.Locator("td").Nth(2);
        if (device == "phone")
        {
            Assert.Equal("Afstand", await Layout.CellLabelAsync(distance));
            await Layout.AssertCardsAsync(nurse.Locator("#candidates tr"), "the results");
            await Expect(nurse.Locator("table.candidates thead")).Not.ToBeVisibleAsync();
        }
        else
        {
            Assert.Null(await Layout.CellLabelAsync(distance));
            await Expect(nurse.Locator("table.candidates thead th", new() { HasText = "Afstand" })).ToBeVisibleAsync();
        }
        if (device != "desktop")
        {
            await Layout.AssertTouchTargetAsync(nurse.Locator("#search-button"), "Zoeken");
            await Layout.AssertTouchTargetAsync(nurse.Locator("#postcode"), "the postcode field");
            await Layout.AssertTouchTargetAsync(nurse.Locator("#offer-button"), "Aanbieden");
            await Layout.AssertTouchTargetAsync(row.Locator("td.pick label"), "a result's checkbox");
        }
        await ScreenshotAsync(nurse, "nurse", device);
    }

    [Theory, MemberData(nameof(Devices))]
    public async Task ProviderScreenFitsTheScreen(string device)
    {
        // An offer waiting in the inbox, so that accepting and declining are on the screen.
        var org = $"e2e-layout-{Guid.NewGuid():N}"[..20];
        await web.SetFreePlacesAsync(HospicezorgThuis, "1058", 4, "CARE_TYPE_PALLIATIVE_TERMINAL");
        var referral = await web.CreateReferralAsync(org, $"E2E-L-{Guid.NewGuid():N}"[..14], "1058", Cz, "CARE_TYPE_PALLIATIVE_TERMINAL");
        await web.OfferReferralAsync(org, referral, HospicezorgThuis);

        var provider = await web.SignInAsync("provider", HospicezorgThuis, viewport: Layout.Size(device));
        var offer = provider.Locator($"article.offer-card[data-referral='{referral}']");
        await Expect(offer).ToBeVisibleAsync();
        await Expect(provider.Locator("#capacity-grid input.cell").First).ToBeVisibleAsync();

        await Layout.AssertHeaderAsync(provider, touch: device != "desktop");
        await Layout.AssertNoHorizontalOverflowAsync(provider);
        var accept = offer.GetByRole(AriaRole.Button, new() { Name = "Accepteren" });
        var decline = offer.GetByRole(AriaRole.Button, new() { Name = "Afwijzen" });
        var save = provider.Locator("#save-capacity");
        var stop = provider.Locator("#declare-stop");
        await Layout.AssertInViewAcrossAsync(accept, "Accepteren");
        await Layout.AssertInViewAcrossAsync(decline, "Afwijzen");
        await Layout.AssertInViewAcrossAsync(offer.Locator("input.first-visit"), "the first visit");
        await Layout.AssertInViewAcrossAsync(provider.Locator("#capacity-grid input.cell").First, "a capacity cell");
        await Layout.AssertInViewAcrossAsync(save, "Alles opslaan");
        await Layout.AssertInViewAcrossAsync(stop, "Cliëntenstop instellen");

        var headers = provider.Locator("#capacity-grid table.grid thead tr").First.Locator("th");
        var firstCell = provider.Locator("#capacity-grid tbody tr").First.Locator("td").First;
        if (device == "phone")
        {
            // Cards: each area its own card, each figure named by its care type.
            Assert.Equal(await headers.Nth(1).InnerTextAsync(), await Layout.CellLabelAsync(firstCell));
            await Layout.AssertCardsAsync(provider.Locator("#capacity-grid tbody tr"), "the grid");
        }
        else
        {
            Assert.Null(await Layout.CellLabelAsync(firstCell));
            // In view first: how far down the grid starts depends on how many offers the inbox holds (the
            // other devices' runs add theirs to the same provider, in whatever order the cases run).
            await headers.Nth(0).ScrollIntoViewIfNeededAsync();
            await Layout.AssertReadableAsync(headers.Nth(0), "the grid's header Postcode");
            await Layout.AssertReadableAsync(headers.Nth(1), "the grid's care-type header");
            await Layout.AssertReadableAsync(provider.Locator("#capacity-grid tr.fill-row th").First, "the grid's row Hele kolom");
        }
        if (device == "desktop")
        {
            // The grid uses the page: no box of its own that scrolls, and its header stays on top as the page scrolls.
            var wrap = provider.Locator("#capacity-grid");
            Assert.True(await wrap.EvaluateAsync<bool>("el => el.scrollHeight <= el.clientHeight + 1"), "the grid scrolls in a box of its own");
            await provider.Locator("#capacity-grid tbody tr").Last.ScrollIntoViewIfNeededAsync();
            await provider.EvaluateAsync("() => window.scrollBy(0, 200)");
            await Layout.AssertReadableAsync(headers.Nth(1), "the grid's care-type header after scrolling");
            await Layout.AssertReadableAsync(provider.Locator("#capacity-grid tr.fill-row th").First, "the row Hele kolom after scrolling");
            await provider.EvaluateAsync("() => window.scrollTo(0, 0)");
        }
        if (device != "desktop")
            foreach (var (button, what) in new[] { (accept, "Accepteren"), (decline, "Afwijzen"), (save, "Alles opslaan"), (stop, "Cliëntenstop instellen") })
                await Layout.AssertTouchTargetAsync(button, what);
        await ScreenshotAsync(provider, "provider", device);
    }

    [Theory, MemberData(nameof(Devices))]
    public async Task DeskScreenFitsTheScreen(string device)
    {
        var patient = $"E2E-L-{Guid.NewGuid():N}"[..14];
        await web.CreateEscalatedReferralAsync($"e2e-layout-{Guid.NewGuid():N}"[..20], patient, "1058", ZilverenKruis);

        var desk = await web.SignInAsync("insurer_desk", ZilverenKruis, viewport: Layout.Size(device));
        var item = desk.Locator("article.referral", new() { HasText = patient });
        await Expect(item).ToBeVisibleAsync();
        var unmet = desk.Locator("#unmet tr").First.Locator("td").First;
        await Expect(desk.Locator("#unmet")).ToContainTextAsync("Amsterdam");

        await Layout.AssertHeaderAsync(desk, touch: device != "desktop");
        await Layout.AssertNoHorizontalOverflowAsync(desk);
        var take = item.GetByRole(AriaRole.Button, new() { Name = "Oppakken" });
        await Layout.AssertInViewAcrossAsync(desk.Locator("#queue"), "the queue");
        await Layout.AssertInViewAcrossAsync(item, "an escalated referral");
        await Layout.AssertInViewAcrossAsync(take, "Oppakken");
        await Layout.AssertInViewAcrossAsync(item.GetByRole(AriaRole.Button, new() { Name = "Zoek breder" }), "Zoek breder");
        await Layout.AssertInViewAcrossAsync(desk.Locator("#unmet"), "the unmet demand");

        var header = await desk.Locator("#unmet").Locator("xpath=..").Locator("thead th").First.InnerTextAsync();
        if (device == "phone")
        {
            Assert.Equal(header, await Layout.CellLabelAsync(unmet));
            await Layout.AssertCardsAsync(desk.Locator("#unmet tr"), "the unmet demand");
        }
        else Assert.Null(await Layout.CellLabelAsync(unmet));
        if (device != "desktop")
        {
            await Layout.AssertTouchTargetAsync(take, "Oppakken");
            await Layout.AssertTouchTargetAsync(item.GetByRole(AriaRole.Button, new() { Name = "Zoek breder" }), "Zoek breder");
        }
        await ScreenshotAsync(desk, "desk", device);
    }

    [Theory, MemberData(nameof(Devices))]
    public async Task MunicipalityScreenFitsTheScreen(string device)
    {
        var municipality = await web.SignInAsync("municipality", "GM0362", viewport: Layout.Size(device));
        var row = municipality.Locator("#areas tr").First;
        await Expect(row.Locator("td").First).ToBeVisibleAsync();

        await Layout.AssertHeaderAsync(municipality, touch: device != "desktop");
        await Layout.AssertNoHorizontalOverflowAsync(municipality);
        await Layout.AssertInViewAcrossAsync(municipality.Locator("#map"), "the map");
        await Layout.AssertInViewAcrossAsync(municipality.Locator("#map-care-type"), "the care type");
        await Layout.AssertInViewAcrossAsync(municipality.Locator("#areas"), "the table of areas");
        await Layout.AssertInViewAcrossAsync(row, "an area's row");
        Assert.True((await municipality.Locator("#map").BoundingBoxAsync())!.Height >= 200, "the map is tall enough to read");

        var cell = row.Locator("td").First;
        var header = await municipality.Locator("#areas").Locator("xpath=..").Locator("thead th").Nth(1).InnerTextAsync();
        if (device == "phone")
        {
            Assert.Equal(header, await Layout.CellLabelAsync(cell));
            await Layout.AssertCardsAsync(municipality.Locator("#areas tr"), "the areas");
        }
        else Assert.Null(await Layout.CellLabelAsync(cell));
        if (device != "desktop")
            await Layout.AssertTouchTargetAsync(municipality.Locator("#map-care-type"), "the care type");
        await ScreenshotAsync(municipality, "municipality", device);
    }

    static async Task ScreenshotAsync(IPage page, string screen, string device)
    {
        if (Environment.GetEnvironmentVariable("CAPACITY_SCREENSHOTS") is not { Length: > 0 } folder || device == "tablet") return;
        var dir = Directory.CreateDirectory(Path.Combine(WebApp.RepositoryRoot(), folder)).FullName;
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.Locator("body").EvaluateAsync("b => document.activeElement?.blur()");
        // The laptop as it opens; the phone two screens high (or less, for a shorter page), to show what follows the first.
        var viewport = page.ViewportSize!;
        var height = Math.Min(viewport.Height * 2, await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight"));
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(dir, $"{screen}-{device}.png"),
            FullPage = device == "phone",
            Clip = device == "phone" ? new Clip { X = 0, Y = 0, Width = viewport.Width, Height = height } : null,
        });
    }
}
