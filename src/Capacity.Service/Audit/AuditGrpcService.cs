using Capacity.Service.Referrals;
using Capacity.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Capacity.Service.Audit;

public sealed class AuditGrpcService(AuditLog audit, ReferralStore store) : AuditService.AuditServiceBase
{
    public override async Task<GetAuditTrailResponse> GetAuditTrail(GetAuditTrailRequest request, ServerCallContext context)
    {
        if (!ReferralValidation.IsReferralId(request.ReferralId)) throw Shared.InputErrors.Single("referral_id", Shared.Reasons.IdFormat, "is not a referral id");
        await ReferralAccess.EnsureVisibleAsync(store, request.ReferralId, context);
        var errors = new Shared.InputErrors();
        var size = Shared.Paging.PageSize(request.PageSize, errors);
        errors.ThrowIfAny();
        IReadOnlyList<StoredAuditRecord> records;
        string next;
        try
        {
            (records, next) = await audit.ForReferralAsync(request.ReferralId, size, request.PageToken);
        }
        catch (FormatException e)
        {
            throw Shared.InputErrors.Single("page_token", Shared.Reasons.PageTokenInvalid, e.Message);
        }
        var response = new GetAuditTrailResponse { NextPageToken = next };
        foreach (var s in records)
        {
            // A list read names other referrals too: only this one's patient reference is shown, and how many there were.
            response.Entries.Add(new AuditEntry
            {
                Id = s.Id, At = Timestamp.FromDateTimeOffset(s.Record.At), Subject = s.Record.Subject, Role = s.Record.Role,
                Organisation = s.Record.Organisation ?? "", OnBehalfOf = s.Record.OnBehalfOf ?? "", Action = s.Record.Action,
                PatientRef = s.Record.PatientRefOf(request.ReferralId) ?? "", Outcome = s.Record.Outcome, Hash = s.Hash,
                ReferralsShown = s.Record.ReferralCount,
            });
        }
        return response;
    }
}
