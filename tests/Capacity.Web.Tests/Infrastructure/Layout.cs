using System.Text.Json;
using Microsoft.Playwright;

namespace Capacity.Web.Tests.Infrastructure;

/// <summary>
/// Screen sizes and what a layout must give on each: no sideways scrolling, the key actions in
/// view across, touch targets a finger can hit. The breakpoints are those of site.css.
/// </summary>
public static class Layout
{
    /// <summary>A phone (iPhone 12–15 size, CSS pixels).</summary>
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    /// <summary>A tablet upright (iPad).</summary>
    public static readonly ViewportSize Tablet = new() { Width = 768, Height = 1024 };

    /// <summary>The office laptop every other browser test uses.</summary>
    public static readonly ViewportSize Laptop = new() { Width = 1366, Height = 768 };

    /// <summary>site.css lays out for the desktop from this width; below it fingers, not a mouse.</summary>
    public const int DesktopFrom = 1024;

    /// <summary>The smallest touch target (WCAG 2.5.5, Apple's and Android's guidance).</summary>
    public const double MinTarget = 44;

    public static ViewportSize Size(string device) => device switch
    {
        "phone" => Phone,
        "tablet" => Tablet,
        "desktop" => Laptop,
        _ => throw new ArgumentOutOfRangeException(nameof(device), device, "phone, tablet or desktop"),
    };

    /// <summary>The document's scroll width and the viewport's width without its scrollbar.</summary>
    public static async Task<(double ScrollWidth, double ViewportWidth)> DocumentWidthAsync(IPage page)
    {
        var w = await page.EvaluateAsync<double[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        return (w[0], w[1]);
    }

    /// <summary>Fails, naming the elements that stick out, when the document scrolls sideways.</summary>
    public static async Task AssertNoHorizontalOverflowAsync(IPage page)
    {
        var (scroll, viewport) = await DocumentWidthAsync(page);
        if (scroll <= viewport) return;
        // What to fix: the outermost elements past the right edge, and the boxes whose content spills out.
        var culprits = await page.EvaluateAsync<string[]>(@"() => {
            const edge = document.documentElement.clientWidth;
            const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + [...el.classList].map(c => '.' + c).join('');
            const past = el => el.getBoundingClientRect().right > edge + 0.5;
            const all = [...document.body.querySelectorAll('*')];
            const outermost = all.filter(el => past(el) && !(el.parentElement !== document.body && past(el.parentElement)))
              .map(el => `${name(el)} reaches ${Math.round(el.getBoundingClientRect().right)}`);
            const spilling = all.filter(el => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && getComputedStyle(el).overflowX === 'visible')
              .map(el => `${name(el)} holds ${el.scrollWidth} px in ${el.clientWidth}`);
            return [...outermost.slice(0, 6), ...spilling.slice(-4)];
        }");
        Assert.Fail($"{await page.TitleAsync()}: the page is {scroll} px wide in a {viewport} px viewport: {string.Join("; ", culprits)}");
    }

    /// <summary>The element is shown and lies within the viewport across: reachable without scrolling sideways.</summary>
    public static async Task AssertInViewAcrossAsync(ILocator element, string what)
    {
        await Assertions.Expect(element).ToBeVisibleAsync();
        var box = await element.BoundingBoxAsync() ?? throw new InvalidOperationException($"{what}: no box");
        var width = await element.Page.EvaluateAsync<double>("() => document.documentElement.clientWidth");
        Assert.True(box.X >= -0.5 && box.X + box.Width <= width + 0.5,
            $"{what} lies at x {box.X:F0}–{box.X + box.Width:F0}, outside the viewport's 0–{width:F0}");
    }

    /// <summary>The element is at least <see cref="MinTarget"/> px tall (and as wide): a finger hits it.</summary>
    public static async Task AssertTouchTargetAsync(ILocator element, string what)
    {
        var box = await element.BoundingBoxAsync() ?? throw new InvalidOperationException($"{what}: no box");
        Assert.True(box.Height >= MinTarget - 0.5 && box.Width >= MinTarget - 0.5,
            $"{what} is {box.Width:F0}×{box.Height:F0} px; a touch target needs {MinTarget}×{MinTarget}");
    }

    /// <summary>The first rows of a table laid out as cards: each holds all its cells, and the next card starts below it.</summary>
    public static async Task AssertCardsAsync(ILocator rows, string what)
    {
        var problem = await rows.First.EvaluateAsync<string?>(@"first => {
            const rows = [...first.parentElement.children].slice(0, 4);
            for (const [i, row] of rows.entries()) {
                const r = row.getBoundingClientRect();
                for (const cell of row.children) {
                    const c = cell.getBoundingClientRect();
                    if (c.top < r.top - 0.5 || c.bottom > r.bottom + 0.5) return `row ${i} (${Math.round(r.top)}–${Math.round(r.bottom)}) does not hold its cell at ${Math.round(c.top)}–${Math.round(c.bottom)}`;
                }
                const next = rows[i + 1]?.getBoundingClientRect();
                if (next && next.top < r.bottom - 0.5) return `row ${i + 1} starts at ${Math.round(next.top)}, inside row ${i} (bottom ${Math.round(r.bottom)})`;
            }
            return null;
        }");
        Assert.True(problem is null, $"{what}: {problem}");
    }

    /// <summary>What the page shows before a table cell (site.css's card layout: its column's name), or null when nothing.</summary>
    public static async Task<string?> CellLabelAsync(ILocator cell)
    {
        var content = await cell.EvaluateAsync<string>("td => getComputedStyle(td, '::before').content");
        return content is "none" or "normal" or "" ? null : JsonSerializer.Deserialize<string>(content);
    }

    /// <summary>The header: who is signed in and "Afmelden" in view, on a touch screen a target a finger can hit.</summary>
    public static async Task AssertHeaderAsync(IPage page, bool touch)
    {
        var signOut = page.GetByRole(AriaRole.Button, new() { Name = "Afmelden" });
        await AssertInViewAcrossAsync(signOut, "Afmelden");
        await AssertInViewAcrossAsync(page.Locator("#who-name"), "who is signed in");
        await AssertInViewAcrossAsync(page.Locator("header.bar .brand"), "the title");
        if (touch) await AssertTouchTargetAsync(signOut, "Afmelden");
    }

    /// <summary>Nothing lies on top of the element's centre: its text can be read.</summary>
    public static async Task AssertReadableAsync(ILocator element, string what)
    {
        await Assertions.Expect(element).ToBeVisibleAsync();
        var onTop = await element.EvaluateAsync<bool>(@"el => {
            const r = el.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return !!hit && (el === hit || el.contains(hit));
        }");
        Assert.True(onTop, $"{what} is covered by something else");
    }
}
