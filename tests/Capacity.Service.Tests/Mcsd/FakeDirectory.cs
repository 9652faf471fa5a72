using Capacity.Service.Mcsd;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Capacity.Service.Tests.Mcsd;

/// <summary>
/// A small mCSD directory on a real Kestrel (127.0.0.1, a free port) that the test fills:
/// searchsets per resource type with absolute next links, and _history?_since= bundles, newest
/// version first, with DELETE entries. Its clock moves one second per change, and every bundle
/// carries it as meta.lastUpdated. It can fail (an HTTP status) or hang (a timeout).
/// </summary>
public sealed class FakeDirectory : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly Lock _lock = new();
    readonly Dictionary<(string Type, string Id), Resource> _current = [];
    readonly List<(DateTimeOffset At, string Type, string Id, Resource? Resource)> _history = [];
    DateTimeOffset _now = new(2026, 6, 15, 8, 0, 0, TimeSpan.Zero);

    FakeDirectory(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Answer every request with this HTTP status instead.</summary>
    public int? FailWith { get; set; }

    /// <summary>Answer every request with a 302 to the same path and query under this base URL instead.</summary>
    public string? RedirectTo { get; set; }

    /// <summary>Never answer (until the client gives up).</summary>
    public bool Hang { get; set; }

    /// <summary>Every path and query asked, in order.</summary>
    /// <summary>The requests so far (path and query), a copy: the sync may still be adding to the list while a test reads it.</summary>
    public IReadOnlyList<string> Requests { get { lock (_lock) return [.. _requests]; } }

    readonly List<string> _requests = [];

    public static async Task<FakeDirectory> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear(); // not the service's appsettings (its Kestrel endpoints) from the test's folder
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var directory = new FakeDirectory(app);
        app.MapGet("/fhir/{type}", (string type, HttpContext http) => directory.AnswerAsync(http, type, history: false));
        app.MapGet("/fhir/{type}/_history", (string type, HttpContext http) => directory.AnswerAsync(http, type, history: true));
        await app.StartAsync(TestContext.Current.CancellationToken);
        directory.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/fhir";
        return directory;
    }

    /// <summary>Creates or replaces a resource (its Type and Id set), as one change at the next second.</summary>
    public void Put(Resource resource)
    {
        lock (_lock)
        {
            _now = _now.AddSeconds(1);
            resource.Meta = new Meta { LastUpdated = _now };
            _current[(resource.TypeName, resource.Id!)] = resource;
            _history.Add((_now, resource.TypeName, resource.Id!, resource.DeepCopy() as Resource));
        }
    }

    public void Delete(string type, string id)
    {
        lock (_lock)
        {
            _now = _now.AddSeconds(1);
            _current.Remove((type, id));
            _history.Add((_now, type, id, null));
        }
    }

    async Task AnswerAsync(HttpContext http, string type, bool history)
    {
        lock (_lock) _requests.Add(http.Request.Path + http.Request.QueryString);
        if (Hang) await System.Threading.Tasks.Task.Delay(Timeout.Infinite, http.RequestAborted);
        if (RedirectTo is { } target)
        {
            http.Response.Redirect(target + http.Request.Path.Value!["/fhir".Length..] + http.Request.QueryString);
            return;
        }
        if (FailWith is { } status)
        {
            http.Response.StatusCode = status;
            return;
        }
        var count = int.Parse(http.Request.Query["_count"].FirstOrDefault() ?? "100");
        var page = int.Parse(http.Request.Query["_page"].FirstOrDefault() ?? "0");
        Bundle bundle;
        lock (_lock)
        {
            List<Bundle.EntryComponent> all;
            if (history)
            {
                var since = DateTimeOffset.Parse(http.Request.Query["_since"]!, System.Globalization.CultureInfo.InvariantCulture);
                all = _history.Where(h => h.Type == type && h.At >= since).OrderByDescending(h => h.At).Select(h => h.Resource is null
                    ? new Bundle.EntryComponent { Request = new() { Method = Bundle.HTTPVerb.DELETE, Url = $"{h.Type}/{h.Id}" } }
                    : new Bundle.EntryComponent { FullUrl = $"{BaseUrl}/{h.Type}/{h.Id}", Resource = h.Resource, Request = new() { Method = Bundle.HTTPVerb.PUT, Url = $"{h.Type}/{h.Id}" } }).ToList();
            }
            else
            {
                all = _current.Where(c => c.Key.Type == type).OrderBy(c => c.Key.Id, StringComparer.Ordinal)
                    .Select(c => new Bundle.EntryComponent { FullUrl = $"{BaseUrl}/{type}/{c.Key.Id}", Resource = c.Value, Search = new() { Mode = Bundle.SearchEntryMode.Match } }).ToList();
            }
            bundle = new Bundle
            {
                Type = history ? Bundle.BundleType.History : Bundle.BundleType.Searchset,
                Meta = new Meta { LastUpdated = _now },
                Total = all.Count,
                Entry = all.Skip(page * count).Take(count).ToList(),
            };
            if ((page + 1) * count < all.Count)
            {
                var query = string.Join('&', http.Request.Query.Where(q => q.Key != "_page").Select(q => $"{q.Key}={Uri.EscapeDataString(q.Value!)}"));
                bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = $"{BaseUrl}{http.Request.Path.Value!["/fhir".Length..]}?{query}&_page={page + 1}" });
            }
        }
        http.Response.ContentType = "application/fhir+json";
        await http.Response.WriteAsync(bundle.ToJson(), http.RequestAborted);
    }

    // Resources as the Dutch care services directory shapes them.

    public static Organization Organization(string id, string? agb, string name, bool active = true, string? ura = null)
    {
        var o = new Organization { Id = id, Name = name, Active = active };
        if (agb is not null) o.Identifier.Add(new Identifier(McsdDirectory.AgbSystem, agb));
        if (ura is not null) o.Identifier.Add(new Identifier(McsdDirectory.UraSystem, ura));
        return o;
    }

    /// <summary>A HealthcareService of <paramref name="organization"/> with type codings (system|code), a site and coverage areas.</summary>
    public static HealthcareService CareService(string id, string organization, string[] types, string? site, string[] coverage, bool active = true) => new()
    {
        Id = id,
        Active = active,
        ProvidedBy = new ResourceReference($"Organization/{organization}"),
        Type = [.. types.Select(t => new CodeableConcept(t.Split('|')[0], t.Split('|')[1]))],
        Location = site is null ? [] : [new ResourceReference($"Location/{site}")],
        CoverageArea = [.. coverage.Select(c => new ResourceReference($"Location/{c}"))],
    };

    public static Location Location(string id, string postalCode, Location.LocationStatus status = Hl7.Fhir.Model.Location.LocationStatus.Active) => new()
    {
        Id = id,
        Status = status,
        Address = new Address { PostalCode = postalCode, Country = "NL" },
    };

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
