namespace Capacity.Service.Redis;

/// <summary>
/// For plain HTTP endpoints (FHIR, HSDS): Redis unreachable or too slow answers 503 with
/// Retry-After, as the gRPC API answers UNAVAILABLE (<see cref="RedisFailures"/>), instead of a
/// 500: the read can simply be tried again.
/// </summary>
public static class StoreOutages
{
    public static RouteGroupBuilder AnswerStoreOutages(this RouteGroupBuilder group, Func<IResult> answer)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (Exception e) when (RedisFailures.IsUnavailable(e))
            {
                context.HttpContext.Response.Headers.RetryAfter = RedisFailures.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return answer();
            }
        });
        return group;
    }
}
