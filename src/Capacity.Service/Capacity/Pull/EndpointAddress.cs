using System.Net;
using System.Net.Sockets;
using Capacity.Service.Shared;

namespace Capacity.Service.Capacity.Pull;

/// <summary>
/// Which addresses the service may fetch from: https to a public address. A registered URL is
/// checked when it is registered (scheme, form, a literal address) and the address it resolves to
/// on every connection (<see cref="PullFetcher.CreateHandler"/>), so neither a literal nor a name
/// can point the service at loopback, private, link-local or shared (CGNAT) networks.
/// </summary>
public static class EndpointAddress
{
    public const int MaxUrlLength = 2_000;

    /// <summary>The problem with <paramref name="url"/> as an endpoint (reason code, description), or null when it may be registered.</summary>
    public static (string Reason, string Description)? Problem(string url, bool allowLoopback)
    {
        if (url.Length == 0) return (Reasons.Required, "the address of the capacity.json");
        if (url.Length > MaxUrlLength) return (Reasons.TextTooLong, $"at most {MaxUrlLength} characters");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0) return (Reasons.UrlFormat, "must be an absolute https address");
        if (uri.UserInfo.Length > 0) return (Reasons.UrlFormat, "must not hold a user name or password");
        if (uri.Fragment.Length > 0) return (Reasons.UrlFormat, "must not hold a #fragment");
        var loopback = uri.IsLoopback;
        if (uri.Scheme != Uri.UriSchemeHttps && !(allowLoopback && loopback && uri.Scheme == Uri.UriSchemeHttp))
            return (Reasons.UrlFormat, "must be https");
        if (IPAddress.TryParse(uri.DnsSafeHost, out var literal) && !IsAllowed(literal, allowLoopback))
            return (Reasons.UrlFormat, "must be a public address");
        if (loopback && !allowLoopback) return (Reasons.UrlFormat, "must be a public address");
        return null;
    }

    /// <summary>Whether a connection to <paramref name="address"/> is allowed: public unicast only (loopback too when allowed, for tests).</summary>
    public static bool IsAllowed(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return allowLoopback;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 0 || b[0] == 10 || b[0] >= 224 // this network, private, multicast and reserved
                || (b[0] == 100 && b[1] is >= 64 and < 128) // shared address space (CGNAT)
                || (b[0] == 169 && b[1] == 254) // link-local (cloud metadata services live here)
                || (b[0] == 172 && b[1] is >= 16 and < 32)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF protocol assignments, TEST-NET-1
                || (b[0] == 198 && b[1] is 18 or 19)); // benchmarking
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return !(address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xfe) == 0xfc // unique local fc00::/7
                || address.IsIPv6Teredo);
        }
        return false;
    }
}
