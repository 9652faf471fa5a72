using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.FileProviders;

namespace Capacity.Web;

public static class CoordinatorWeb
{
    /// <summary>Serves the front end from the files embedded in this assembly, with index.html at "/".</summary>
    public static IApplicationBuilder UseCoordinatorWeb(this IApplicationBuilder app)
    {
        var files = new EmbeddedFileProvider(typeof(CoordinatorWeb).Assembly, "Capacity.Web.wwwroot");
        return app.UseFileServer(new FileServerOptions { FileProvider = files, EnableDefaultFiles = true });
    }
}
