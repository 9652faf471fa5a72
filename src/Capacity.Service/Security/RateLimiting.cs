using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Security;

/// <summary>
/// Per-caller rate limit on every gRPC call and hub request. A caller is its authenticated
/// subject once sign-in exists, until then its address. Health checks are never limited, so
/// an orchestrator can always see the service. A refused gRPC call gets RESOURCE_EXHAUSTED (a
/// trailers-only response), as gRPC clients expect; anything else HTTP 429.
/// </summary>
public static class RateLimiting
{
    public static IServiceCollection AddCallerRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>>((o, limits) =>
        {
            var rate = limits.Value.RateLimit;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                !rate.Enabled || IsExempt(context.Request.Path)
                    ? RateLimitPartition.GetNoLimiter("exempt")
                    : RateLimitPartition.GetTokenBucketLimiter(CallerOf(context), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = rate.Burst,
                        TokensPerPeriod = rate.PermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            o.OnRejected = (context, _) =>
            {
                var response = context.HttpContext.Response;
                var message = $"Rate limit: at most {rate.PermitsPerSecond} calls a second (bursts of {rate.Burst}) per caller; slow down.";
                if (context.HttpContext.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
                {
                    response.StatusCode = StatusCodes.Status200OK;
                    response.ContentType = "application/grpc";
                    response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    response.Headers["grpc-message"] = Uri.EscapeDataString(message);
                }
                else
                {
                    response.StatusCode = StatusCodes.Status429TooManyRequests;
                }
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return ValueTask.CompletedTask;
            };
        });
        return services;
    }

    static bool IsExempt(PathString path) =>
        path.StartsWithSegments("/grpc.health.v1.Health") || path.StartsWithSegments("/healthz");

    // "sub" first, as Caller.From reads it: claims keep their token names (MapInboundClaims off), so
    // the NameIdentifier lookup is a second walk over the claims that finds nothing on every call.
    static string CallerOf(HttpContext context) =>
        context.User.FindFirstValue("sub") ?? context.User.FindFirstValue(ClaimTypes.NameIdentifier)
        ?? $"ip:{context.Connection.RemoteIpAddress}";
}
