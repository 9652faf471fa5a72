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

    /// <summary>How often each instance looks for expired holds and referrals left half-way by a stopped instance.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a step may be in flight before the sweeper assumes its instance died and finishes it.</summary>
    public TimeSpan StepGrace { get; set; } = TimeSpan.FromSeconds(10);
}
