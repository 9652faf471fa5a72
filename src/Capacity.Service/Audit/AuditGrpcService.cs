using Capacity.Service.Referrals;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Capacity.Service.Audit;

public sealed class AuditGrpcService(AuditLog audit, ReferralStore store) : AuditService.AuditServiceBase
{
    public override async Task<GetAuditTrailResponse> GetAuditTrail(GetAuditTrailRequest request, ServerCallContext context)
    {
        if (!ReferralValidation.IsReferralId(request.ReferralId)) throw Shared.InputErrors.Single("referral_id", "is not a referral id");
        await ReferralAccess.EnsureVisibleAsync(store, request.ReferralId, context);
        var response = new GetAuditTrailResponse();
        foreach (var s in await audit.ForReferralAsync(request.ReferralId))
        {
            response.Entries.Add(new AuditEntry
            {
                Id = s.Id, At = Timestamp.FromDateTimeOffset(s.Record.At), Subject = s.Record.Subject, Role = s.Record.Role,
                Organisation = s.Record.Organisation ?? "", OnBehalfOf = s.Record.OnBehalfOf ?? "", Action = s.Record.Action,
                PatientRef = s.Record.PatientRef ?? "", Outcome = s.Record.Outcome, Hash = s.Hash,
            });
        }
        return response;
    }
}
