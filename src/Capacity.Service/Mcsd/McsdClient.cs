using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Mcsd;

/// <summary>Why a sync could not read the directory: an HTTP error, a timeout, an unreadable bundle, a foreign next link.</summary>
public sealed class McsdException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>One resource change read from the directory: a resource, or (Resource null) a deletion.</summary>
public sealed record McsdEntry(string Type, string Id, Resource? Resource);

/// <summary>Everything one search or _history read returned, and the server's time at its first page.</summary>
public sealed record McsdRead(IReadOnlyList<McsdEntry> Entries, DateTimeOffset ServerTime);

/// <summary>
/// Reads bundles from the directory with the Firely SDK, following <c>next</c> links (same origin
/// as the base only), one HTTP request per page with <see cref="McsdOptions.RequestTimeout"/>.
/// </summary>
public sealed class McsdClient(IHttpClientFactory http, IOptions<McsdOptions> options)
{
    public const string HttpClientName = "mcsd";

    /// <summary>The largest page read (32 MiB); a larger answer fails the sync instead of filling memory.</summary>
    public const int MaxPageBytes = 32 * 1024 * 1024;

    // Tolerates what a newer server may add (unknown elements, codes) instead of refusing the whole page.
    static readonly FhirJsonDeserializer Json = new(new DeserializerSettings().UsingMode(DeserializationMode.BackwardsCompatible));

    /// <summary>Reads every page of <paramref name="relative"/> (e.g. "Organization?_count=200"); in a _history bundle the newest version of each resource wins.</summary>
    /// <param name="betweenPages">Called before each page (the sync renews its lock there).</param>
    public async Task<McsdRead> ReadAllAsync(string relative, Func<Task> betweenPages, CancellationToken ct)
    {
        var o = options.Value;
        var baseUri = new Uri(o.BaseUrl!.TrimEnd('/') + "/");
        var url = new Uri(baseUri, relative);
        var client = http.CreateClient(HttpClientName);
        var entries = new List<McsdEntry>();
        var seen = new HashSet<(string, string)>();
        DateTimeOffset? serverTime = null;
        for (var page = 0; ; page++)
        {
            if (page == o.MaxPages) throw new McsdException($"more than {o.MaxPages} pages from {relative}; stopped");
            await betweenPages();
            var (bundle, date) = await GetBundleAsync(client, url, ct);
            serverTime ??= bundle.Meta?.LastUpdated ?? date
                ?? throw new McsdException($"{url}: neither Bundle.meta.lastUpdated nor a Date header; the directory's time is unknown");
            foreach (var entry in bundle.Entry)
            {
                // History lists the newest version first; a search lists each resource once.
                if (EntryOf(entry) is { } e && seen.Add((e.Type, e.Id))) entries.Add(e);
            }
            if (bundle.Link.FirstOrDefault(l => l.Relation == "next")?.Url is not { Length: > 0 } next) break;
            url = new Uri(url, next);
            if (Uri.Compare(url, baseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
                throw new McsdException($"next link {url.GetLeftPart(UriPartial.Path)} leaves the directory's origin; not followed");
        }
        return new McsdRead(entries, serverTime.Value);
    }

    static McsdEntry? EntryOf(Bundle.EntryComponent entry)
    {
        if (entry.Request?.Method == Bundle.HTTPVerb.DELETE || entry.Resource is null)
        {
            var parts = (entry.Request?.Url ?? entry.FullUrl ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
            var at = Array.FindLastIndex(parts, p => p is "Organization" or "HealthcareService" or "Location");
            return at >= 0 && at + 1 < parts.Length ? new McsdEntry(parts[at], parts[at + 1], null) : null;
        }
        if (entry.Search?.Mode == Bundle.SearchEntryMode.Outcome || entry.Resource.Id is null) return null;
        return new McsdEntry(entry.Resource.TypeName, entry.Resource.Id, entry.Resource);
    }

    static async Task<(Bundle, DateTimeOffset?)> GetBundleAsync(HttpClient client, Uri url, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        string body;
        DateTimeOffset? date;
        try
        {
            using var response = await client.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
                throw new McsdException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {url.GetLeftPart(UriPartial.Path)}");
            date = response.Headers.Date;
            body = await response.Content.ReadAsStringAsync(ct);
        }
        catch (HttpRequestException e)
        {
            throw new McsdException($"{url.GetLeftPart(UriPartial.Path)}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new McsdException($"{url.GetLeftPart(UriPartial.Path)}: no answer within {client.Timeout.TotalSeconds:0.#} s", e);
        }
        try
        {
            return (Json.Deserialize<Bundle>(body), date);
        }
        catch (Exception e) when (e is DeserializationFailedException or FormatException or System.Text.Json.JsonException)
        {
            throw new McsdException($"{url.GetLeftPart(UriPartial.Path)}: not a FHIR R4 Bundle ({e.Message.Split('\n')[0]})", e);
        }
    }
}
