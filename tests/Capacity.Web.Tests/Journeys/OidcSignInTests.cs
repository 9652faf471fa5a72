using Capacity.Web.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Capacity.Web.Tests.Journeys;

/// <summary>
/// Outside the demo a transfer nurse signs in at her hospital's identity provider: the page runs
/// the OpenID Connect authorization code flow with PKCE, the service accepts the provider's token
/// on the API and the hub, and the page renews the token with the refresh token before it expires.
/// A service of its own (configured with the provider as its authority) beside the shared one.
/// </summary>
public sealed class OidcSignInTests(WebApp web) : IAsyncLifetime
{
    TestIdentityProvider _provider = null!;
    WebApplication _service = null!;
    Uri _address = null!;

    public async ValueTask InitializeAsync()
    {
        _provider = await TestIdentityProvider.StartAsync();
        (_service, _address) = await WebApp.StartServiceAsync(new()
        {
            ["Auth:Authority"] = _provider.Issuer,
            ["Auth:RequireHttpsMetadata"] = "false", // the test provider is plain HTTP on loopback
            ["Auth:WebClientId"] = TestIdentityProvider.ClientId,
        });
        _provider.RedirectUri = _address.ToString(); // origin + "/"
    }

    public async ValueTask DisposeAsync()
    {
        await WebApp.StopServiceAsync(_service);
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_nurse_signs_in_at_her_organisations_provider_and_the_page_renews_the_token()
    {
        // Short-lived tokens: the page renews 60 s before expiry, so within seconds here.
        _provider.AccessTokenLifetime = TimeSpan.FromSeconds(63);
        _provider.NextUser = new()
        {
            ["sub"] = "anna.devries@amstelland-ziekenhuis.example",
            ["name"] = "Anna de Vries",
            ["capacity_role"] = "requester",
            ["org"] = "amstelland-ziekenhuis",
        };
        var page = await web.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        await page.GotoAsync(_address.ToString());

        // No demo identities next to a real provider; one button to the organisation's sign-in.
        var signIn = page.Locator("#sign-in-oidc");
        await Expect(signIn).ToHaveTextAsync("Aanmelden via uw organisatie");
        await Expect(page.Locator("button.identity")).ToHaveCountAsync(0);
        await WebApp.ScreenshotAsync(page, "g-sign-in-organisation");
        await signIn.ClickAsync();

        // Back from the provider: signed in as the nurse, the code gone from the address bar, live.
        await Expect(page.Locator("#who-name")).ToContainTextAsync("Anna de Vries");
        await Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
        Assert.Equal(_address.ToString(), page.Url);
        Assert.Equal(1, _provider.CodesRedeemed);
        var first = await page.EvaluateAsync<string>("sessionStorage.getItem('capacity.token')");

        // The hub takes the provider's token: a search (a hub subscription) answers.
        await page.FillAsync("#postcode", "1181");
        await page.FillAsync("#insurer", "Zilveren Kruis");
        await page.ClickAsync("#search-button");
        await Expect(page.Locator("#result-summary")).ToContainTextAsync("Zilveren Kruis");

        // Before the token expires the page has renewed it with the refresh token; the API takes the new one.
        // (It renews every few seconds here: wait for a token other than the first, whenever that came.)
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var renewed = first;
        while (renewed == first && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(250);
            renewed = await page.EvaluateAsync<string>("sessionStorage.getItem('capacity.token')");
        }
        TestContext.Current.SendDiagnosticMessage($"renewed token after {waited.Elapsed.TotalSeconds:F1} s of waiting");
        Assert.True(renewed != first && _provider.Refreshes > 0, "no renewal within 30 s: " + string.Join("; ", _provider.Refusals));
        await Expect(page.Locator("#who-name")).ToContainTextAsync("Anna de Vries");
        Assert.Equal(200, await page.EvaluateAsync<int>(
            "async () => (await fetch('/api/v1/insurers', { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('capacity.token') } })).status"));
        Assert.Empty(_provider.Refusals);
        Assert.Empty(errors);
        Assert.Equal(401, await page.EvaluateAsync<int>("async () => (await fetch('/api/v1/insurers')).status")); // and without one, nothing

        // Signing out forgets the tokens; the provider offers no end-session endpoint, so back to sign-in here.
        await page.GetByRole(AriaRole.Button, new() { Name = "Afmelden" }).ClickAsync();
        await Expect(page.Locator("#sign-in-oidc")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("sessionStorage.getItem('capacity.token')"));
        Assert.Equal(0, await page.EvaluateAsync<int>("Object.keys(sessionStorage).filter(k => k.startsWith('oidc.user:')).length")); // the refresh token too
    }

    [Fact]
    public async Task A_refusal_at_the_provider_is_said_in_Dutch_not_in_the_providers_words()
    {
        _provider.RefuseNext = ("access_denied", "The end-user denied the request");
        var page = await web.NewPageAsync();
        await page.GotoAsync(_address.ToString());

        await page.Locator("#sign-in-oidc").ClickAsync();

        var error = page.Locator(".signin .error");
        await Expect(error).ToHaveTextAsync("Aanmelden bij uw organisatie is niet gelukt. U heeft de aanmelding geweigerd of uw organisatie staat haar niet toe.");
        await Expect(page.Locator("body")).Not.ToContainTextAsync("denied");
        Assert.Equal(_address.ToString(), page.Url); // the error is gone from the address bar too
    }
}
