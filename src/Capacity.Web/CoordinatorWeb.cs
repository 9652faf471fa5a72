using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Capacity.Web;

/// <summary>
/// The coordinators' web front end: static files (plain ES modules, no build step) embedded in
/// this assembly, and the map outlines they draw. Everything else the page needs it reads and
/// writes through the service's own API (/api/v1, JSON transcoding of the gRPC services) and the
/// SignalR hub.
/// </summary>
public static class CoordinatorWeb
{
    public const string MapPath = "/geo/municipalities/{code}/pc4.geojson";

    public static IServiceCollection AddCoordinatorWeb(this IServiceCollection services) => services.AddSingleton<PostcodeMap>();

    /// <summary>Serves the front end from the files embedded in this assembly, with index.html at "/".</summary>
    public static IApplicationBuilder UseCoordinatorWeb(this IApplicationBuilder app)
    {
        var files = new EmbeddedFileProvider(typeof(CoordinatorWeb).Assembly, "Capacity.Web.wwwroot");
        return app.UseFileServer(new FileServerOptions
        {
            FileProvider = files,
            EnableDefaultFiles = true,
            StaticFileOptions =
            {
                // Embedded files change only with a new build: let the browser revalidate each time
                // (a 304 on localhost costs nothing), so a deployment never serves a stale script.
                OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
            },
        });
    }

    /// <summary>The map outlines: public CBS data, so no sign-in is needed.</summary>
    public static IEndpointRouteBuilder MapCoordinatorWeb(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(MapPath, (string code, PostcodeMap map, HttpContext context) =>
        {
            if (map.Municipality(code) is not { } geojson) return Results.NotFound(new { error = $"no municipality with CBS code {code}" });
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Bytes(geojson, "application/geo+json");
        });
        return endpoints;
    }
}
