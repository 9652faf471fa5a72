using Capacity.V1;
using Google.Api;
using Grpc.Core;

namespace Capacity.Service.Capacity;

// The spreadsheet import's two methods (Import/CapacityImporter.cs does the work).
public sealed partial class CapacityGrpcService
{
    public override Task<ImportCapacityResponse> ImportCapacity(ImportCapacityRequest request, ServerCallContext context) =>
        importer.ImportAsync(request, context.CancellationToken);

    public override async Task<HttpBody> GetCapacityTemplate(GetCapacityTemplateRequest request, ServerCallContext context)
    {
        var body = await importer.TemplateAsync(request);
        // Over JSON transcoding the answer is the file: name it for the browser's download.
        if (context.GetHttpContext() is { } http && http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
            http.Response.Headers.ContentDisposition =
                $"attachment; filename=\"capaciteit-{request.Agb}.{(request.Format == ImportFormat.Xlsx ? "xlsx" : "csv")}\"";
        return body;
    }
}
