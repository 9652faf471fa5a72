using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Capacity.Service.Security;

/// <summary>
/// The reverse proxies whose <c>X-Forwarded-For</c> the service believes (configuration section
/// "ForwardedHeaders"). Behind a proxy every connection comes from the proxy's address, so the
/// rate limit's partition for anonymous callers (<see cref="RateLimiting"/>) would be one bucket
/// for everybody; from a known proxy the client's address is taken from the header instead. From
/// anyone else the header is ignored: a caller cannot pick its own partition. Default: no proxy
/// known, the header is never read. See docs/SECURITY.md, "Behind a reverse proxy".
/// </summary>
public sealed class ForwardedHeadersSettings
{
    /// <summary>Addresses of the proxies, e.g. <c>127.0.0.1</c> or <c>10.77.0.10</c>.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks the proxies are in, in CIDR notation, e.g. <c>10.77.0.0/24</c>.</summary>
    public string[] KnownNetworks { get; set; } = [];

    public bool Any => KnownProxies.Length > 0 || KnownNetworks.Length > 0;

    public bool IsValid =>
        KnownProxies.All(p => IPAddress.TryParse(p, out _)) && KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _));
}

public static class KnownProxies
{
    public static IServiceCollection AddKnownProxies(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration("ForwardedHeaders")
            .Validate(o => o.IsValid, "ForwardedHeaders: KnownProxies must be IP addresses and KnownNetworks CIDR networks (e.g. 10.77.0.0/24)")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<Microsoft.Extensions.Options.IOptions<ForwardedHeadersSettings>>((o, settings) =>
        {
            // Only X-Forwarded-For: the address is all the service uses. ASP.NET Core trusts
            // loopback by default; here only what is configured is trusted.
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in settings.Value.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in settings.Value.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            // The proxy appends the address it saw; earlier entries came from the client and are not believed.
            o.ForwardLimit = 1;
        });
        return services;
    }

    /// <summary>First in the pipeline, so the rate limiter (and anything else) sees the client's address.</summary>
    public static IApplicationBuilder UseKnownProxies(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ForwardedHeadersSettings>>().Value;
        return settings.Any ? app.UseForwardedHeaders() : app;
    }
}
