using System.Text.Json;
using Grpc.Core;

namespace Capacity.Service.Security;

/// <summary>
/// Refusals written before a gRPC service runs (endpoint authorization), in the shape each client
/// expects: a gRPC trailers-only answer with UNAUTHENTICATED, or, on the JSON API, HTTP 401 with
/// the same google.rpc.Status body the transcoded services answer with.
/// </summary>
public static class Refusals
{
    public const string SignIn = "Sign in: send a bearer token with a role and its organisation code.";

    /// <summary>Writes the refusal for a gRPC or JSON API request; false for anything else (the default challenge answers).</summary>
    public static async Task<bool> TryWriteUnauthenticatedAsync(HttpContext context, string message)
    {
        var response = context.Response;
        if (response.HasStarted) return false;
        response.Headers.WWWAuthenticate = "Bearer";
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "application/grpc";
            response.Headers["grpc-status"] = ((int)StatusCode.Unauthenticated).ToString();
            response.Headers["grpc-message"] = Uri.EscapeDataString(message);
            return true;
        }
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.ContentType = "application/json";
            var reason = new Dictionary<string, string> { ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo", ["reason"] = Shared.Reasons.SignInRequired, ["domain"] = Shared.Reasons.Domain };
            var body = JsonSerializer.SerializeToUtf8Bytes(new { code = (int)StatusCode.Unauthenticated, message, details = new[] { reason } });
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted);
            return true;
        }
        return false;
    }
}
