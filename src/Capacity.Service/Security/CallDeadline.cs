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
        var max = limits.Value.MaxCallDuration;
        var call = continuation(request, context);
        if (call.IsCompleted) return await call;
        // WhenAny, not WaitAsync: a TimeoutException the handler throws (a Redis timeout, UNAVAILABLE
        // further out) must never be taken for this wait running out.
        using var timer = new CancellationTokenSource();
        var finished = await Task.WhenAny(call, Task.Delay(max, timer.Token));
        timer.Cancel();
        if (finished == call) return await call;
        // The handler may still finish (and its write still apply); the caller learns it took too long.
        _ = call.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        throw Shared.Reasons.Refuse(StatusCode.DeadlineExceeded, Shared.Reasons.CallTooSlow, $"The call took longer than the service allows ({max.TotalSeconds:0.###} s).");
    }
}
