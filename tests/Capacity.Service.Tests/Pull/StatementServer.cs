using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Capacity.Service.Tests.Pull;

/// <summary>
/// A provider's web server, started by the test on a loopback port: serves /capacity.json as the
/// test sets it (body, ETag, status, delay), answers 304 to a matching If-None-Match as a real
/// server does, and records the conditional headers of every request it gets.
/// </summary>
public sealed class StatementServer : IAsyncDisposable
{
    readonly WebApplication _app;

    public string Body { get; set; } = "{}";
    public string? ETag { get; set; }
    public int Status { get; set; } = 200;
    public TimeSpan Delay { get; set; }

    /// <summary>The If-None-Match of each request, "" when it had none.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    StatementServer(WebApplication app) => _app = app;

    public string Url => $"{_app.Urls.First()}/capacity.json";

    public static async Task<StatementServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Not the service's settings (the test's folder holds its appsettings.json, with HTTP/2-only endpoints).
        builder.Configuration.Sources.Clear();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new StatementServer(app);
        app.MapGet("/capacity.json", async (HttpContext context) =>
        {
            var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
            server.Requests.Enqueue(ifNoneMatch);
            if (server.Delay > TimeSpan.Zero) await Task.Delay(server.Delay, context.RequestAborted);
            if (server.ETag is { } tag) context.Response.Headers.ETag = tag;
            if (server.Status == 200 && server.ETag is not null && ifNoneMatch == server.ETag)
            {
                context.Response.StatusCode = 304;
                return;
            }
            context.Response.StatusCode = server.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(server.Body, context.RequestAborted);
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
