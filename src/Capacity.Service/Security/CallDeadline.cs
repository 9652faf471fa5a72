using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Security;

/// <summary>
/// A server-side ceiling on how long a unary call may take (<c>Limits:MaxCallDuration</c>), on top
/// of the client's own deadline, which gRPC already enforces: a call stuck behind a slow
/// dependency answers DEADLINE_EXCEEDED instead of holding its caller and a request slot. Streams
/// are exempt: watching offers is meant to last, and publications end when their items do.
/// </summary>
public sealed class CallDeadlineInterceptor(IOptions<LimitsOptions> limits) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        if (call.IsCompleted) return await call;
        var max = limits.Value.MaxCallDuration;
        try
        {
            // One timer per waiting call (WaitAsync); WhenAny with a cancellable Task.Delay made a
            // token source, a delay task and a WhenAny task (and registered and cancelled them) on every search.
            return await call.WaitAsync(max);
        }
        catch (TimeoutException) when (call.IsCompleted)
        {
            // The handler's own TimeoutException (a Redis timeout, UNAVAILABLE further out), or it
            // finished just as the wait ran out: its own outcome, never taken for this wait.
            return await call;
        }
        catch (TimeoutException)
        {
            // The handler may still finish (and its write still apply); the caller learns it took too long.
            _ = call.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            throw Shared.Reasons.Refuse(StatusCode.DeadlineExceeded, Shared.Reasons.CallTooSlow, $"The call took longer than the service allows ({max.TotalSeconds:0.###} s).");
        }
    }
}
