using Capacity.Service.Security;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Tests.Security;

/// <summary>The server's own ceiling on a unary call: a handler that hangs is answered DEADLINE_EXCEEDED.</summary>
public sealed class CallDeadlineTests
{
    static readonly CallDeadlineInterceptor Interceptor = new(Options.Create(new LimitsOptions { MaxCallDuration = TimeSpan.FromMilliseconds(100) }));

    [Fact]
    public async Task AHandlerThatDoesNotFinishInTimeIsAnsweredDeadlineExceeded()
    {
        var never = new TaskCompletionSource<string>();

        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<RpcException>(() => Interceptor.UnaryServerHandler<string, string>("request", new TestCallContext(), (_, _) => never.Task));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(90), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AHandlerThatFinishesInTimeAnswersAsUsual()
    {
        var answer = await Interceptor.UnaryServerHandler<string, string>("request", new TestCallContext(), async (request, _) =>
        {
            await Task.Delay(10);
            return request + " answered";
        });
        Assert.Equal("request answered", answer);
    }

    sealed class TestCallContext : ServerCallContext
    {
        protected override string MethodCore => "/test/Method";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "test";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = [];
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore => new(null, []);
        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();
        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
