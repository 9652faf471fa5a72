namespace Capacity.Service.Referrals;

public sealed class ReferralOptions
{
    /// <summary>How long a provider has to answer an offer; its place is held meanwhile.</summary>
    public TimeSpan OfferDeadline { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>The same for urgent referrals (spoedzorg starts within 24 hours).</summary>
    public TimeSpan UrgentOfferDeadline { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Offers open at once when the requester does not say.</summary>
    public int DefaultParallelOffers { get; set; } = 3;

    /// <summary>Upper bound on offers open at once.</summary>
    public int MaxParallelOffers { get; set; } = 10;

    /// <summary>How often each instance looks for expired holds, waiting referrals and referrals left half-way by a stopped instance.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a step may be in flight before the sweeper assumes its instance died and finishes it.</summary>
    public TimeSpan StepGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A referral with no offer out (new, or returned after a decline) reminds its requester after
    /// this long: half a transfer desk's shift, while the patient's discharge is still being planned.
    /// </summary>
    public TimeSpan WaitingAlertAfter { get; set; } = TimeSpan.FromHours(4);

    /// <summary>… and goes to the insurer's mediation desk by itself after this long (from the same moment): by the end of the shift, so no patient waits overnight unseen.</summary>
    public TimeSpan WaitingEscalateAfter { get; set; } = TimeSpan.FromHours(8);

    /// <summary>The same for urgent care, which must start within 24 hours.</summary>
    public TimeSpan UrgentWaitingAlertAfter { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan UrgentWaitingEscalateAfter { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Placed and ended referrals (and a provider's placements) listed by default: two weeks covers a discharge and the first week of care.</summary>
    public TimeSpan RecentWindow { get; set; } = TimeSpan.FromDays(14);

    public WaitingPolicy Waiting => new(WaitingAlertAfter, WaitingEscalateAfter, UrgentWaitingAlertAfter, UrgentWaitingEscalateAfter);

    public bool IsValid =>
        OfferDeadline > TimeSpan.Zero && UrgentOfferDeadline > TimeSpan.Zero && DefaultParallelOffers >= 1 && MaxParallelOffers >= DefaultParallelOffers
        && SweepInterval > TimeSpan.Zero && StepGrace > TimeSpan.Zero && RecentWindow > TimeSpan.Zero
        && WaitingAlertAfter > TimeSpan.Zero && WaitingEscalateAfter > WaitingAlertAfter
        && UrgentWaitingAlertAfter > TimeSpan.Zero && UrgentWaitingEscalateAfter > UrgentWaitingAlertAfter;
}
