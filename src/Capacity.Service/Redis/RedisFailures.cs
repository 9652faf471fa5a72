using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace Capacity.Service.Redis;

/// <summary>
/// What a caller hears when Redis is unreachable, slow or refusing writes: UNAVAILABLE (the status
/// gRPC retry policies retry on; HTTP 503 with Retry-After on the JSON API) within
/// <see cref="RedisOptions.OperationTimeout"/>, never UNKNOWN after a stack trace. A step that
/// may have been applied says so: retry it unchanged (see docs/RELIABILITY.md, "Retrying").
/// </summary>
public static class RedisFailures
{
    /// <summary>Seconds a client should wait before retrying (Retry-After, google.rpc.RetryInfo).</summary>
    public const int RetryAfterSeconds = 1;

    // Server replies that mean "not now" rather than "wrong": loading the append-only file after a
    // restart, a replica or a cluster in failover, a refused write because a save failed, memory full.
    static readonly string[] TransientReplies = ["LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "MISCONF", "OOM", "BUSY", "NOREPLICAS"];

    /// <summary>True when <paramref name="e"/> (or what it wraps) is Redis being unreachable or not answering in time.</summary>
    public static bool IsUnavailable(Exception? e)
    {
        for (var depth = 0; e is not null && depth < 8; depth++, e = e.InnerException)
        {
            switch (e)
            {
                case RedisConnectionException or RedisTimeoutException or NotReplicatedException:
                    return true;
                case RedisServerException server when TransientReplies.Any(r => server.Message.StartsWith(r, StringComparison.Ordinal)):
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsUnavailable):
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Reads (Get…, List…, Find…, Search…, Watch…, the health check) change nothing; every other
    /// method is a step whose outcome is unknown when Redis stopped answering half-way.
    /// </summary>
    public static bool IsRead(string method)
    {
        var name = method[(method.LastIndexOf('/') + 1)..];
        return name.StartsWith("Get", StringComparison.Ordinal) || name.StartsWith("List", StringComparison.Ordinal)
            || name.StartsWith("Find", StringComparison.Ordinal) || name.StartsWith("Search", StringComparison.Ordinal)
            || name.StartsWith("Watch", StringComparison.Ordinal) || name == "Check";
    }

    public const string ReadMessage = "The service's store did not answer in time; nothing was changed. Retry in a moment.";

    public const string StepMessage =
        "The service's store did not answer in time, so whether this step took effect is unknown. " +
        "Retry it unchanged (the same request_id, or the same version for capacity): the retry completes it or answers what happened. " +
        "(TakeReferral, CloseReferral and DeclareClientStop only with a request_id: see docs/RELIABILITY.md.)";

    public static RpcException ToRpcException(string method) => new Google.Rpc.Status
    {
        Code = (int)Code.Unavailable,
        Message = IsRead(method) ? ReadMessage : StepMessage,
        Details = { Any.Pack(Shared.Reasons.Info(Shared.Reasons.StoreUnavailable)), Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(RetryAfterSeconds)) }) },
    }.ToRpcException();

    /// <summary>
    /// One warning per 5 s at most, without a stack trace: an outage answers many calls. Counted in
    /// real time, not on the service's clock (tests move that one by hours).
    /// </summary>
    internal sealed class OutageLog(ILogger logger)
    {
        long _lastLogged = long.MinValue;
        int _since;

        public void Record(string where, Exception e)
        {
            Interlocked.Increment(ref _since);
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastLogged);
            if (last != long.MinValue && now - last < 5_000) return;
            if (Interlocked.CompareExchange(ref _lastLogged, now, last) != last) return;
            var calls = Interlocked.Exchange(ref _since, 0);
            logger.LogWarning("Redis unavailable ({Error}: {Message}) in {Where}; {Calls} call(s) answered UNAVAILABLE in the last 5 s",
                e.GetType().Name, Innermost(e).Message, where, calls);
        }

        static Exception Innermost(Exception e) => e is AggregateException { InnerException: { } inner } ? Innermost(inner) : e;
    }
}

/// <summary>Maps Redis failures of any gRPC call (and of the JSON API, which runs the same services) to UNAVAILABLE. Outermost interceptor.</summary>
public sealed class RedisFailureInterceptor(ILogger<RedisFailureInterceptor> logger) : Interceptor
{
    readonly RedisFailures.OutageLog _outages = new(logger);

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
        return call.IsCompletedSuccessfully ? call : Awaited(call, context);
    }

    async Task<TResponse> Awaited<TResponse>(Task<TResponse> call, ServerCallContext context)
    {
        try
        {
            return await call;
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
    }

    RpcException Unavailable(ServerCallContext context, Exception e)
    {
        _outages.Record(context.Method, e);
        // JSON API: 503 with Retry-After; gRPC clients read google.rpc.RetryInfo (and may read the header too).
        var response = context.GetHttpContext().Response;
        if (!response.HasStarted) response.Headers.RetryAfter = RedisFailures.RetryAfterSeconds.ToString();
        return RedisFailures.ToRpcException(context.Method);
    }
}

/// <summary>The hub's counterpart: a hub method that needs an unreachable Redis fails with a plain "try again" instead of a generic error.</summary>
public sealed class RedisFailureHubFilter(ILogger<RedisFailureHubFilter> logger) : IHubFilter
{
    readonly RedisFailures.OutageLog _outages = new(logger);

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocation);
        }
        catch (Exception e) when (RedisFailures.IsUnavailable(e))
        {
            _outages.Record(invocation.HubMethodName, e);
            throw Shared.Reasons.Hub(Shared.Reasons.StoreUnavailable, "unavailable: the service's store did not answer in time; try again in a moment.");
        }
    }
}
