using System.Globalization;
using Capacity.Service.Capacity;
using Capacity.Service.Redis;
using Capacity.Service.Geography;
using Capacity.Service.Registry;
using Capacity.Service.Security;

namespace Capacity.Service.Hsds;

/// <summary>
/// HSDS 3.x out, read-only: <c>GET /hsds/services</c> (paged: <c>page</c> from 1, <c>per_page</c>
/// up to <see cref="MaxPerPage"/>, optional <c>organization_id</c>) and <c>GET /hsds/services/{id}</c>.
/// Permissions from <see cref="HttpPermissions"/> (<c>hsds:services</c>); errors as RFC 9457 problem details.
/// A page reads the figures of its own services only: one pipelined read per provider on it.
/// </summary>
public static class HsdsEndpoints
{
    public const int DefaultPerPage = 20, MaxPerPage = 50;

    public static WebApplication MapHsds(this WebApplication app)
    {
        var hsds = app.MapGroup("/hsds").AnswerStoreOutages(() => Results.Problem(RedisFailures.ReadMessage, statusCode: StatusCodes.Status503ServiceUnavailable));
        hsds.MapGet("/services", ListAsync);
        hsds.MapGet("/services/{id}", async (HttpContext http, string id, RegistryCache registry, CapacityFigures figures, PostcodeDirectory postcodes, TimeProvider time) =>
        {
            var directory = HsdsDirectory.Of(registry.Current, time.GetUtcNow().Year);
            var entry = directory.ById.GetValueOrDefault(id);
            if (Refused(http, entry?.Provider.Agb) is { } refused) return refused;
            if (entry is null) return Results.Problem($"service {id} is not known here", statusCode: StatusCodes.Status404NotFound);
            var services = await ServicesAsync([entry], figures, postcodes);
            return Results.Json(services[0], HsdsJson.Options);
        });
        return app;
    }

    static async Task<IResult> ListAsync(HttpContext http, RegistryCache registry, CapacityFigures figures, PostcodeDirectory postcodes, TimeProvider time)
    {
        var directory = HsdsDirectory.Of(registry.Current, time.GetUtcNow().Year);
        var organization = http.Request.Query["organization_id"].ToString();
        var agb = organization.Length == 0 ? null : directory.AgbByOrganization.GetValueOrDefault(organization);
        if (Refused(http, agb) is { } refused) return refused;
        if (!Number(http, "page", 1, int.MaxValue, out var page) || !Number(http, "per_page", DefaultPerPage, MaxPerPage, out var perPage))
            return Results.Problem($"page must be a whole number from 1; per_page from 1 to {MaxPerPage}", statusCode: StatusCodes.Status400BadRequest);

        IReadOnlyList<HsdsDirectory.Entry> all = organization.Length == 0 ? directory.Services : [.. directory.Services.Where(e => e.Provider.Agb == agb)];
        var totalPages = (all.Count + perPage - 1) / perPage;
        var slice = all.Skip((int)Math.Min((long)(page - 1) * perPage, all.Count)).Take(perPage).ToList();
        var contents = await ServicesAsync(slice, figures, postcodes);
        return Results.Json(new HsdsPage(all.Count, totalPages, page, perPage, page == 1, page >= totalPages, contents.Count == 0, contents), HsdsJson.Options);
    }

    /// <summary>The services with their figures: each provider's areas read once, all providers' reads pipelined.</summary>
    static async Task<List<HsdsService>> ServicesAsync(IReadOnlyList<HsdsDirectory.Entry> entries, CapacityFigures figures, PostcodeDirectory postcodes)
    {
        var reads = entries.Select(e => e.Provider).DistinctBy(p => p.Agb).Select(p => (p.Agb, Read: figures.OfProviderAsync(p))).ToList();
        var byAgb = new Dictionary<string, IReadOnlyList<Figure>>();
        foreach (var (agb, read) in reads) byAgb[agb] = await read;
        return [.. entries.Select(e => HsdsMapping.Service(e.Provider, e.CareType, byAgb[e.Provider.Agb], postcodes))];
    }

    static IResult? Refused(HttpContext http, string? owner) =>
        HttpPermissions.Refusal(http, HttpPermissions.HsdsServices, owner) is { } r ? Results.Problem(r.Reason, statusCode: r.Status) : null;

    static bool Number(HttpContext http, string name, int fallback, int max, out int value)
    {
        var text = http.Request.Query[name].ToString();
        value = fallback;
        return text.Length == 0 || int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max;
    }
}
