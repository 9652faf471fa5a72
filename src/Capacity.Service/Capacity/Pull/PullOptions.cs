namespace Capacity.Service.Capacity.Pull;

/// <summary>Pulling providers' capacity.json (<c>Pull</c> in configuration; docs/PULL.md).</summary>
public sealed class PullOptions
{
    /// <summary>Off: endpoints can be registered, but no instance fetches them.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often each endpoint is fetched after a success (LPZ pulls every 5 minutes).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one fetch may take, connection and body included.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait after failures (the wait doubles from <see cref="Interval"/> with each one).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often an instance looks for due endpoints.</summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Fetches at once per instance.</summary>
    public int MaxParallel { get; set; } = 4;

    /// <summary>A document larger than this is refused (PULL_TOO_LARGE).</summary>
    public int MaxDocumentBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Tests only: http to loopback addresses. Otherwise only https, and never to loopback,
    /// private, link-local or other non-public addresses (a registered address must not make the
    /// service reach into its own network).
    /// </summary>
    public bool AllowLoopback { get; set; }

    public bool IsValid => Interval > TimeSpan.Zero && Interval <= TimeSpan.FromDays(1) && Timeout > TimeSpan.Zero && Timeout <= TimeSpan.FromMinutes(5)
        && MaxBackoff >= Interval && MaxBackoff <= TimeSpan.FromDays(7) && PollPeriod > TimeSpan.Zero
        && MaxParallel is >= 1 and <= 64 && MaxDocumentBytes is >= 1024 and <= 64 * 1024 * 1024;
}
