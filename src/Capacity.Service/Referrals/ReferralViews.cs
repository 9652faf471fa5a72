using System.Security.Cryptography;
using System.Text;
using Capacity.Service.Capacity;
using Capacity.Service.Registry;
using Capacity.V1;

namespace Capacity.Service.Referrals;

/// <summary>What each party is shown of a referral, and the ids derived from it.</summary>
public static class ReferralViews
{
    /// <summary>An offer as its provider sees it: the offer, what is asked, who asks (with the transfer desk), and once accepted the placement.</summary>
    public static OfferView? ViewOf(Referral r, string offerId) =>
        r.Offers.FirstOrDefault(o => o.Id == offerId) is { } offer
            ? new OfferView
            {
                ReferralId = r.Id, Offer = offer, RequesterOrg = r.RequesterOrg, PatientRef = r.PatientRef, Search = r.Search, CareSummary = r.CareSummary,
                Requester = r.Requester, Placement = r.Placement?.OfferId == offerId ? r.Placement : null,
            }
            : null;

    /// <summary>
    /// A referral as one provider may see it: its own offers only — not who else was asked or
    /// where the patient was placed — and nothing of the insurer's desk or the requester's waiting.
    /// </summary>
    public static Referral AsSeenBy(Referral referral, string agb)
    {
        var seen = referral.Clone();
        seen.Offers.Clear();
        seen.Offers.AddRange(referral.Offers.Where(o => o.Provider.Agb == agb));
        if (seen.PlacedWithAgb != agb)
        {
            seen.PlacedWithAgb = "";
            seen.Placement = null;
        }
        seen.Escalation = null;
        seen.Closure = null;
        seen.Waiting = null;
        return seen;
    }

    /// <summary>The requester as the registry knows it now; only the code when the organisation is not registered.</summary>
    public static RequesterSummary RequesterOf(RegistrySnapshot registry, string org) =>
        registry.Organisations.TryGetValue(org, out var o)
            ? new RequesterSummary { Org = org, Name = o.Name, TransferDesk = o.TransferDesk.ToProto() }
            : new RequesterSummary { Org = org };

    /// <summary>
    /// The n-th offer of a referral to a provider always has the same id, whichever request or
    /// instance makes it: two offers racing to the same provider meet in one offer and one hold.
    /// </summary>
    public static string OfferId(string referralId, string agb, int n) =>
        "of_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{referralId}|{agb}|{n}")))[..16];

    public static Hold HoldOf(Referral r, Offer offer) => new(
        $"{r.Id}:{offer.Id}", offer.Provider.Agb, int.Parse(offer.Pc4), offer.CareType, offer.Deadline.ToDateTimeOffset(), r.Id, offer.Id);
}
