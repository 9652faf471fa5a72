namespace Capacity.Service.Insight.Alerts;

/// <summary>Configuration section <c>Insight:Alerts</c>; see docs/INSIGHT-alerts.md.</summary>
public sealed class AlertsOptions
{
    public const string Section = "Insight:Alerts";

    /// <summary>
    /// Off: no alerts are raised or pushed, the checker does not run, and ListAlerts answers what
    /// was stored before (nothing, on a fresh store).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A referral waiting this long for an answer is an alert: an offer its provider has not
    /// answered (from when it was made), or a referral without an open offer (from when its wait
    /// began, as <c>Referral.waiting.since</c>). Equal to Referrals:WaitingAlertAfter by default, so
    /// the requester's reminder and the desk's alert come together. An offer alerts only where
    /// Referrals:OfferDeadline is longer than this (by default an offer expires after 60 minutes).
    /// </summary>
    public TimeSpan UnansweredAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>The same for urgent care (spoedzorg starts within 24 hours), as Referrals:UrgentWaitingAlertAfter.</summary>
    public TimeSpan UrgentUnansweredAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A provider is warned this long before its newest figure stops being trusted (its
    /// publication plus Matching:FreshnessWindow): two hours leaves a working morning to publish.
    /// </summary>
    public TimeSpan StaleWarningBefore { get; set; } = TimeSpan.FromHours(2);

    /// <summary>An area whose free places for a care type have been zero this long is an alert: a whole day.</summary>
    public TimeSpan ZeroCapacityAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often one instance (a short Redis lease) looks for situations that became or stopped being alerts.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    public bool IsValid => UnansweredAfter > TimeSpan.Zero && UrgentUnansweredAfter > TimeSpan.Zero && StaleWarningBefore >= TimeSpan.Zero
        && ZeroCapacityAfter > TimeSpan.Zero && CheckInterval > TimeSpan.Zero;

    public TimeSpan UnansweredAfterFor(bool urgent) => urgent ? UrgentUnansweredAfter : UnansweredAfter;
}
