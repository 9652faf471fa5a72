using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace Capacity.Service.Tests.Infrastructure;

/// <summary>Collects what a hub pushes, to await the next push with a deadline.</summary>
public sealed class Pushes<T>
{
    readonly Channel<T> _received = Channel.CreateUnbounded<T>();

    public Pushes(HubConnection connection, string method) => connection.On<T>(method, item => _received.Writer.TryWrite(item));

    /// <summary>The next push, or a failure saying none came within <paramref name="within"/>.</summary>
    public async Task<T> NextAsync(TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(within);
        try
        {
            return await _received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"No push within {within.TotalMilliseconds} ms");
        }
    }

    /// <summary>Asserts that nothing is pushed for <paramref name="during"/>.</summary>
    public async Task NoneAsync(TimeSpan during)
    {
        await Task.Delay(during, TestContext.Current.CancellationToken);
        Assert.False(_received.Reader.TryRead(out var unexpected), $"Unexpected push: {unexpected}");
    }
}
