using Capacity.Service.Security;
using Capacity.V1;
using Grpc.Core;

namespace Capacity.Service.Referrals;

/// <summary>
/// Who is looking at a referral. A referral is its requester's organisation's and, once
/// escalated, the patient's insurer's desk's. To anyone else it does not exist (NOT_FOUND, the
/// same answer as for an unknown id), so even its existence stays private. A provider reaches
/// referrals only through its own offers (see <see cref="ReferralViews.AsSeenBy"/>).
/// </summary>
public sealed record Viewer(Role? Role, string? Code)
{
    /// <summary>The service itself (automatic steps), or any caller when sign-in is off.</summary>
    public static readonly Viewer Service = new(null, null);

    public static Viewer Of(ServerCallContext context) => Of(context.CallerOrNull());

    /// <summary>The viewer a caller is; <see cref="Service"/> for none (sign-in off).</summary>
    public static Viewer Of(Caller? caller) => caller is { } c
        ? new(c.Role, c.Role switch { Security.Role.Requester => c.Org, Security.Role.InsurerDesk => c.Uzovi, Security.Role.Provider => c.Agb, _ => null })
        : Service;

    public bool CanSee(Referral r) => Role switch
    {
        null => true,
        Security.Role.Requester => r.RequesterOrg == Code,
        Security.Role.InsurerDesk => r.Search.InsurerUzovi == Code && r.Escalation is not null,
        _ => false,
    };

    public static RpcException NotFound(string referralId) => Shared.Reasons.Refuse(StatusCode.NotFound, Shared.Reasons.ReferralNotFound, $"Referral {referralId} does not exist.");
}

/// <summary>Visibility for callers outside the referral workflow (the audit trail).</summary>
public static class ReferralAccess
{
    /// <summary>
    /// NOT_FOUND for an unknown id as for another party's referral: answering an unknown id with
    /// an empty trail would tell a stranger which of two ids exists.
    /// </summary>
    public static async Task EnsureVisibleAsync(ReferralStore store, string referralId, ServerCallContext context)
    {
        if (await store.GetAsync(referralId) is not { } stored || !Viewer.Of(context).CanSee(stored.Referral)) throw Viewer.NotFound(referralId);
    }
}
