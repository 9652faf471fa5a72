using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Security;

/// <summary>
/// Applies <see cref="Permissions"/> to every gRPC call: UNAUTHENTICATED without a valid token,
/// PERMISSION_DENIED for a role the method is not open to or a request for someone else's data.
/// With Auth:Required=false (demo, tests) calls pass as anonymous.
/// </summary>
public sealed class AuthorizationInterceptor(IOptions<AuthOptions> auth, IServiceProvider services, ILogger<AuthorizationInterceptor> logger) : Interceptor
{
    // Not async: the check is synchronous, and every search passes through here.
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request as IMessage);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, request as IMessage);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, null);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context, null);
        return continuation(requestStream, responseStream, context);
    }

    void Authorize(ServerCallContext context, IMessage? request)
    {
        if (!auth.Value.Required) return;
        if (Permissions.ByMethod.TryGetValue(context.Method, out var rule) && rule.Anonymous) return;
        var caller = Caller.From(context.GetHttpContext().User)
                     ?? throw Shared.Reasons.Refuse(StatusCode.Unauthenticated, Shared.Reasons.SignInRequired, Refusals.SignIn);
        if (Permissions.Check(context.Method, caller, request, services) is { } denied)
        {
            logger.LogInformation("Denied {Method} to {Subject} ({Role}): {Reason}", context.Method, caller.Subject, caller.Role, denied); // a client error: the audit trail keeps it
            throw Shared.Reasons.Refuse(StatusCode.PermissionDenied, Shared.Reasons.NotAllowed, $"Not allowed: {denied}.");
        }
    }
}

/// <summary>The caller of a gRPC call, for the checks a service makes itself (per stream item, per referral).</summary>
public static class CallerContext
{
    /// <summary>Null when sign-in is not required (Auth:Required=false).</summary>
    public static Caller? CallerOrNull(this ServerCallContext context) => Caller.From(context.GetHttpContext().User);
}
