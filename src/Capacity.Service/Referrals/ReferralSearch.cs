using Capacity.Service.Matching;
using Capacity.Service.Registry;
using Capacity.Service.Shared;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Referrals;

/// <summary>
/// A referral's search as it stands today: the stored search with a start day that has passed
/// moved to today (and an urgent flag dropped once the start is more than a day away), validated
/// against the registry now. A search that no longer holds (an insurer removed) is FAILED_PRECONDITION.
/// </summary>
public sealed class ReferralSearch(MatchingEngine matching, TimeProvider time)
{
    public async Task<MatchQuery> QueryAsync(Referral r, double radiusKm = 0)
    {
        var today = time.Today();
        var start = r.Search.StartDate.ToDateOnly();
        var request = new SearchRequest(r.Search.PatientPostcode, r.Search.InsurerUzovi, r.Search.CareType,
            start < today ? today : start, r.Search.Urgent && start <= today.AddDays(1),
            r.Search.HasPatientAge ? r.Search.PatientAge : null, radiusKm > 0 ? radiusKm : r.Search.RadiusKm);
        var errors = new InputErrors();
        var query = await matching.ValidateAsync(request, errors);
        if (errors.Any) throw Reasons.Refuse(StatusCode.FailedPrecondition, Reasons.SearchNoLongerValid, "The referral's search is no longer valid: " + errors.Message);
        return query!;
    }

    public async Task<MatchResult> FindAsync(Referral r, double radiusKm = 0, bool requireContract = true) =>
        await matching.FindAsync(await QueryAsync(r, radiusKm), requireContract);
}
