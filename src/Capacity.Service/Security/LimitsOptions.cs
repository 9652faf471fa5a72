namespace Capacity.Service.Security;

/// <summary>
/// Bounds on what one caller can make the service do (configuration section "Limits"). See
/// docs/SECURITY.md, "Abuse limits".
/// </summary>
public sealed class LimitsOptions
{
    /// <summary>Largest gRPC message the service accepts. A national provider (4,067 served areas) is about 30 KB.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Most items one client stream (PublishCapacity, ImportRegistry) may carry; the whole country's figures of one provider are ~25,000.</summary>
    public int MaxStreamItems { get; set; } = 100_000;

    /// <summary>Longest a unary call may take on the server, whatever the client's deadline.</summary>
    public TimeSpan MaxCallDuration { get; set; } = TimeSpan.FromSeconds(30);

    public RateLimitOptions RateLimit { get; set; } = new();
}

/// <summary>A token bucket per caller: <see cref="PermitsPerSecond"/> calls a second on average, bursts up to <see cref="Burst"/>.</summary>
public sealed class RateLimitOptions
{
    public bool Enabled { get; set; } = true;

    public int PermitsPerSecond { get; set; } = 200;

    public int Burst { get; set; } = 400;
}
