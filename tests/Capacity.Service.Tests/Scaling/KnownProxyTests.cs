using System.Net;
using Capacity.Service.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Capacity.Service.Tests.Scaling;

/// <summary>
/// Behind the scale-out proxy every connection comes from the proxy: the rate limit's bucket for
/// anonymous callers (their address) must be the client's, taken from X-Forwarded-For — but only
/// when the connection comes from a configured proxy (ForwardedHeaders:KnownProxies), never by
/// default, not even from loopback (ASP.NET Core's own default trusts it).
/// </summary>
public sealed class KnownProxyTests
{
    static readonly IPAddress Proxy = IPAddress.Parse("10.77.0.10");

    [Fact]
    public async Task ClientsBehindAKnownProxyEachHaveTheirOwnBucket()
    {
        await using var app = await StartAsync(("ForwardedHeaders:KnownProxies:0", Proxy.ToString()));

        var statuses = await CallAsync(app, from: Proxy, clients: 5);

        Assert.DoesNotContain(StatusCodes.Status429TooManyRequests, statuses);
    }

    [Fact]
    public async Task XForwardedForFromAnyoneElseIsIgnored()
    {
        await using var app = await StartAsync(("ForwardedHeaders:KnownProxies:0", Proxy.ToString()));

        var statuses = await CallAsync(app, from: IPAddress.Parse("10.77.0.99"), clients: 5);

        Assert.Contains(StatusCodes.Status429TooManyRequests, statuses); // one bucket: the sender's
    }

    [Fact]
    public async Task ByDefaultNoProxyIsBelievedNotEvenOnLoopback()
    {
        await using var app = await StartAsync();

        var statuses = await CallAsync(app, from: IPAddress.Loopback, clients: 5);

        Assert.Contains(StatusCodes.Status429TooManyRequests, statuses);
    }

    static async Task<CapacityApp> StartAsync(params (string Key, string Value)[] settings)
    {
        // One call a second, no burst: a second anonymous call from the same address at once is refused.
        var app = new CapacityApp()
            .With("Limits:RateLimit:Enabled", "true").With("Limits:RateLimit:PermitsPerSecond", "1").With("Limits:RateLimit:Burst", "1");
        foreach (var (key, value) in settings) app.With(key, value);
        await app.InitializeAsync();
        return app;
    }

    /// <summary>One anonymous request per client address (192.0.2.x), each as forwarded by <paramref name="from"/>; their statuses.</summary>
    static async Task<List<int>> CallAsync(CapacityApp app, IPAddress from, int clients)
    {
        var statuses = new List<int>();
        for (var i = 1; i <= clients; i++)
        {
            var client = $"192.0.2.{i}";
            var context = await app.Server.SendAsync(c =>
            {
                c.Request.Method = "GET";
                c.Request.Path = "/no-such-page";
                c.Connection.RemoteIpAddress = from;
                c.Request.Headers["X-Forwarded-For"] = client;
            }, TestContext.Current.CancellationToken);
            statuses.Add(context.Response.StatusCode);
        }
        return statuses;
    }
}
