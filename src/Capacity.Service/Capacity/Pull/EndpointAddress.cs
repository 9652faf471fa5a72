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

    /// <summary>
    /// Whether a connection to <paramref name="address"/> is allowed: public unicast only (loopback
    /// too when allowed, for tests). IPv6 is allowed in global unicast 2000::/3 only, less the
    /// ranges that carry or reach IPv4 or are not routed (6to4, Teredo, documentation); NAT64
    /// (64:ff9b::/96, 64:ff9b:1::/48), IPv4-compatible and -translated forms lie outside 2000::/3.
    /// </summary>
    public static bool IsAllowed(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address)) return allowLoopback;
        var b = address.GetAddressBytes();
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return !(b[0] == 0 || b[0] == 10 || b[0] >= 224 // this network, private, multicast and reserved
                || (b[0] == 100 && b[1] is >= 64 and < 128) // shared address space (CGNAT)
                || (b[0] == 169 && b[1] == 254) // link-local (cloud metadata services live here)
                || (b[0] == 172 && b[1] is >= 16 and < 32)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) // IETF protocol assignments, TEST-NET-1
                || (b[0] == 192 && b[1] == 88 && b[2] == 99) // 6to4 relay anycast
                || (b[0] == 198 && b[1] is 18 or 19) // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100) // TEST-NET-2
                || (b[0] == 203 && b[1] == 0 && b[2] == 113)); // TEST-NET-3
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return (b[0] & 0xe0) == 0x20 // global unicast 2000::/3
                && !(b[0] == 0x20 && b[1] == 0x02) // 6to4 2002::/16: an IPv4 address inside
                && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) // Teredo 2001::/32
                && !(b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8); // documentation 2001:db8::/32
        return false;
    }
}
