using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Referrals;

/// <summary>The requester's side of referrals; the work is in <see cref="ReferralWorkflow"/>.</summary>
public sealed class ReferralGrpcService(ReferralWorkflow workflow, ReferralLists lists) : ReferralService.ReferralServiceBase
{
    public override Task<Referral> CreateReferral(CreateReferralRequest request, ServerCallContext context) => workflow.CreateAsync(request);

    public override Task<OfferReferralResponse> OfferReferral(OfferReferralRequest request, ServerCallContext context) =>
        workflow.OfferAsync(request, Viewer.Of(context));

    public override Task<Referral> CancelReferral(CancelReferralRequest request, ServerCallContext context) =>
        workflow.CancelAsync(request, Viewer.Of(context));

    public override Task<Referral> EscalateReferral(EscalateReferralRequest request, ServerCallContext context) =>
        workflow.EscalateAsync(request, Viewer.Of(context));

    public override Task<GetReferralResponse> GetReferral(GetReferralRequest request, ServerCallContext context) =>
        workflow.GetAsync(request.ReferralId, Viewer.Of(context));

    public override Task<ListReferralsResponse> ListReferrals(ListReferralsRequest request, ServerCallContext context) => lists.ListAsync(request);
}
