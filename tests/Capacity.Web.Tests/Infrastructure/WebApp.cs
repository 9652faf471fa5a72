using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Capacity.Service.Extensions;
using Capacity.Service.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

[assembly: AssemblyFixture(typeof(Capacity.Web.Tests.Infrastructure.WebApp))]

namespace Capacity.Web.Tests.Infrastructure;

/// <summary>
/// The service as a user meets it: the real host on Kestrel (a real loopback port, as a browser
/// needs), a real Redis database of its own, the demo region loaded, sign-in required with the
/// demo's sign-in page; and Debian's chromium driven by Playwright. One for the whole run: the
/// journeys use different organisations, providers and insurers, so they run side by side.
/// </summary>
public sealed class WebApp : IAsyncLifetime
{
    /// <summary>Debian's chromium (apt-get install chromium); Playwright downloads no browser.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    static readonly string[] ChromiumArgs = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    WebApplication? _app;
    IPlaywright? _playwright;
    IBrowser? _browser;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The gRPC endpoint (HTTP/2 without TLS, a free loopback port), for the clients in other languages.</summary>
    public Uri GrpcAddress { get; private set; } = null!;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Not started");

    /// <summary>Where screenshots and journey timings go: E2E_ARTIFACTS, else artifacts/e2e under the repository.</summary>
    public static string ArtifactsDirectory { get; } = Directory.CreateDirectory(
        Environment.GetEnvironmentVariable("E2E_ARTIFACTS") is { Length: > 0 } dir ? dir : Path.Combine(RepositoryRoot(), "artifacts", "e2e")).FullName;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException($"The browser tests need Debian's chromium at {ChromiumPath}: apt-get install chromium (./test.sh installs it).");

        (_app, BaseAddress) = await StartServiceAsync(new()
        {
            ["Auth:Issuer"] = "capacity-e2e",
            ["Auth:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        // Kestrel bound port 0 for gRPC: the address it lists besides the web one.
        GrpcAddress = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .Select(address => new Uri(address)).Single(address => address.Port != BaseAddress.Port);

        // The service tests run beside these on the same two cores in ./test.sh: wait generously
        // for what must happen; how fast it happens is measured (journey-times.txt), not asserted.
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Args = ChromiumArgs,
            Headless = true,
        });
    }

    /// <summary>
    /// The real service host on Kestrel (a free loopback port for the page and the hub), a Redis
    /// database of its own, the demo region loaded, sign-in required as <paramref name="auth"/> says.
    /// </summary>
    public static async Task<(WebApplication App, Uri Address)> StartServiceAsync(Dictionary<string, string?> auth)
    {
        var port = FreePort();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Redis:Configuration"] = await TestRedis.LeaseDatabaseAsync(),
            ["Demo:Seed"] = "true",
            ["Auth:Required"] = "true",
            ["Kestrel:Endpoints:Web:Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel:Endpoints:Web:Protocols"] = "Http1",
            ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:0",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Logging:LogLevel:Default"] = "Warning",
            // As in the service tests: dozens of browser pages and a host share two cores, and the
            // SignalR backplane's UNSUBSCRIBE at shutdown waited past the production 1 s once in CI
            // (a cleanup failure of the whole assembly).
            ["Redis:OperationTimeout"] = "00:00:05",
            // The capacity.json pull tests serve the file on loopback; a registered endpoint is fetched within a second.
            ["Pull:AllowLoopback"] = "true",
            ["Pull:PollPeriod"] = "00:00:00.250",
        }.Concat(auth));
        builder.Logging.ClearProviders().AddConsole();
        builder.AddCapacityServices();
        var app = builder.Build();
        app.MapCapacityEndpoints();
        await app.StartAsync();
        return (app, new Uri($"http://127.0.0.1:{port}/"));
    }

    /// <summary>Stops a host from <see cref="StartServiceAsync"/> and gives its Redis database back.</summary>
    public static async Task StopServiceAsync(WebApplication app)
    {
        var redis = app.Configuration["Redis:Configuration"]!;
        await app.StopAsync();
        await app.DisposeAsync();
        TestRedis.ReturnDatabase(redis);
    }

    /// <summary>A fresh browser context (its own session storage: one person at one device), Dutch, at 1366×768 unless <paramref name="viewport"/> says otherwise (see <see cref="Layout"/>).</summary>
    public async Task<IPage> NewPageAsync(ViewportSize? viewport = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseAddress.ToString(),
            ViewportSize = viewport ?? Layout.Laptop,
            Locale = "nl-NL",
            TimezoneId = "Europe/Amsterdam",
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => TestContext.Current.SendDiagnosticMessage($"page error: {error}");
        return page;
    }

    /// <summary>Collects the page's console errors into <paramref name="errors"/> (a script or style the CSP blocks shows up there); for <see cref="SignInAsync"/>'s beforeOpen.</summary>
    public static Task CollectConsoleErrors(IPage page, List<string> errors)
    {
        page.Console += (_, message) => { if (message.Type == "error") lock (errors) errors.Add(message.Text); };
        return Task.CompletedTask;
    }

    /// <summary>Opens the page and signs in by clicking the demo identity, as a user does.</summary>
    /// <param name="beforeOpen">Runs on the new page before it loads (e.g. to route its WebSocket).</param>
    /// <param name="viewport">The screen's size; 1366×768 unless given.</param>
    public async Task<IPage> SignInAsync(string role, string code, Func<IPage, Task>? beforeOpen = null, ViewportSize? viewport = null)
    {
        var page = await NewPageAsync(viewport);
        if (beforeOpen is not null) await beforeOpen(page);
        await page.GotoAsync("/");
        await page.Locator($"button.identity[data-role='{role}'][data-code='{code}']").ClickAsync();
        await Assertions.Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
        return page;
    }

    /// <summary>
    /// Opens the page and signs in by pasting a token, as a user of an organisation without a demo
    /// button does: any <paramref name="code"/>, so a journey can have an organisation of its own
    /// whose lists no other journey fills.
    /// </summary>
    public async Task<IPage> SignInWithTokenAsync(string role, string code, Func<IPage, Task>? beforeOpen = null)
    {
        var page = await NewPageAsync();
        if (beforeOpen is not null) await beforeOpen(page);
        await page.GotoAsync("/");
        await page.GetByText("Aanmelden met een token van uw organisatie").ClickAsync();
        await page.FillAsync("#token", await TokenAsync(role, code));
        await page.GetByRole(AriaRole.Button, new() { Name = "Aanmelden", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("#live")).ToHaveAttributeAsync("data-state", "live");
        return page;
    }

    /// <summary>A provider's system reports free places in one area, district nursing unless <paramref name="careType"/> says otherwise (test set-up through the JSON API).</summary>
    public Task SetFreePlacesAsync(string agb, string pc4, int freePlaces, string careType = "CARE_TYPE_DISTRICT_NURSING") => PostAsync("provider", agb, $"providers/{agb}/capacity",
        new { agb, pc4, careType, freePlaces, version = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });

    /// <summary>A provider's system declares a one-day client stop for all insurers (test set-up through the JSON API); answers its id.</summary>
    public async Task<string> DeclareClientStopAsync(string agb, DateOnly day)
    {
        var date = new { year = day.Year, month = day.Month, day = day.Day };
        var stop = await PostAsync("provider", agb, "client-stops",
            new { providerAgb = agb, from = date, until = date, reason = "CLIENT_STOP_REASON_STAFF_SHORTAGE", reasonText = "Vakantieperiode" });
        return stop.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// A requesting organisation's own system creates a referral for district nursing (no offer yet:
    /// it waits for the nurse's choice), as test set-up through the JSON API.
    /// </summary>
    /// <returns>The referral's id.</returns>
    public async Task<string> CreateReferralAsync(string org, string patientRef, string pc4, string insurerUzovi, string careType = "CARE_TYPE_DISTRICT_NURSING")
    {
        var today = DutchDays.Today();
        var referral = await PostAsync("requester", org, "referrals", new
        {
            requestId = Guid.NewGuid().ToString("N"), requesterOrg = org, patientRef, careSummary = "Wijkverpleging na ontslag",
            search = new { patientPostcode = pc4, insurerUzovi, careType, startDate = new { year = today.Year, month = today.Month, day = today.Day } },
            autoCascade = false, maxParallelOffers = 3,
        });
        return referral.GetProperty("id").GetString()!;
    }

    /// <summary>A requesting organisation's system creates a referral and hands it to the insurer's mediation desk (test set-up).</summary>
    public async Task CreateEscalatedReferralAsync(string org, string patientRef, string pc4, string insurerUzovi)
    {
        var id = await CreateReferralAsync(org, patientRef, pc4, insurerUzovi);
        // With nobody to ask, the service escalated it by itself already.
        if (await GetStateAsync("requester", org, id) is not "REFERRAL_STATE_ESCALATED")
            await PostAsync("requester", org, $"referrals/{id}/escalate", new { requestId = Guid.NewGuid().ToString("N") });
    }

    /// <summary>The requesting organisation's system offers a referral to one provider (test set-up; the provider holds a place for it).</summary>
    public Task OfferReferralAsync(string org, string referralId, string agb) =>
        PostAsync("requester", org, $"referrals/{referralId}/offers", new { requestId = Guid.NewGuid().ToString("N"), providerAgbs = new[] { agb } });

    async Task<string?> GetStateAsync(string role, string code, string referralId)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/referrals/{referralId}");
        request.Headers.Authorization = new("Bearer", await TokenAsync(role, code));
        using var response = await http.SendAsync(request);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return json.GetProperty("referral").GetProperty("state").GetString();
    }

    async Task<string> TokenAsync(string role, string code)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress };
        return (await http.GetFromJsonAsync<TokenResponse>($"demo/token?role={role}&code={code}"))!.Token;
    }

    /// <summary>Sets up test data through the JSON API with a demo token, as a provider's own system would; answers the response.</summary>
    async Task<JsonElement> PostAsync(string role, string code, string path, object body)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/v1/{path}") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", await TokenAsync(role, code));
        using var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    sealed record TokenResponse(string Token);

    /// <summary>Appends a measured duration to journey-times.txt in the artifacts (reported, never asserted).</summary>
    public static void RecordTime(string what, TimeSpan elapsed)
    {
        lock (ArtifactsDirectory)
            File.AppendAllText(Path.Combine(ArtifactsDirectory, "journey-times.txt"), $"{DateTimeOffset.UtcNow:O}\t{what}\t{elapsed.TotalMilliseconds:F0} ms\n");
        TestContext.Current.SendDiagnosticMessage($"{what}: {elapsed.TotalMilliseconds:F0} ms");
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var png = await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ArtifactsDirectory, $"{name}.png") });
        TestContext.Current.AddAttachment(name, png, "image/png");
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_app is not null) await StopServiceAsync(_app);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Capacity.slnx"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }
}
