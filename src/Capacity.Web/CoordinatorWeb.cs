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

    /// <param name="identityProvider">The origin the page signs in at (discovery and token requests), if any.</param>
    static string ContentSecurityPolicy(string? identityProvider) =>
        $"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{(identityProvider is null ? "" : " " + identityProvider)}; " +
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public static IServiceCollection AddCoordinatorWeb(this IServiceCollection services) => services.AddSingleton<PostcodeMap>();

    /// <summary>Serves the front end from the files embedded in this assembly, with index.html at "/".</summary>
    /// <param name="identityProvider">The origin of the identity provider the page signs in at (OIDC), or null.</param>
    public static IApplicationBuilder UseCoordinatorWeb(this IApplicationBuilder app, string? identityProvider = null)
    {
        var policy = ContentSecurityPolicy(identityProvider);
        var files = new EmbeddedFileProvider(typeof(CoordinatorWeb).Assembly, "Capacity.Web.wwwroot");
        return app.UseFileServer(new FileServerOptions
        {
            FileProvider = files,
            EnableDefaultFiles = true,
            StaticFileOptions =
            {
                OnPrepareResponse = context =>
                {
                    var headers = context.Context.Response.Headers;
                    // Embedded files change only with a new build: let the browser revalidate each time
                    // (a 304 on localhost costs nothing), so a deployment never serves a stale script.
                    headers.CacheControl = "no-cache";
                    headers.XContentTypeOptions = "nosniff";
                    // The page holds a bearer token: only its own scripts may run, and it talks only to its own origin.
                    headers.ContentSecurityPolicy = policy;
                    headers["Referrer-Policy"] = "no-referrer";
                },
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
