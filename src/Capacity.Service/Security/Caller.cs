using System.Security.Claims;

namespace Capacity.Service.Security;

/// <summary>The parties the service knows (docs/SECURITY.md, "Roles and claims").</summary>
public enum Role
{
    /// <summary>A care provider (claim <c>agb</c>): its own capacity, client stops and offers.</summary>
    Provider,
    /// <summary>A hospital or GP organisation (claim <c>org</c>): searches, its own referrals.</summary>
    Requester,
    /// <summary>An insurer's mediation desk (claim <c>uzovi</c>): its insured's escalated referrals, unmet demand.</summary>
    InsurerDesk,
    /// <summary>An insurer's contract administration (claim <c>uzovi</c>): its own contracts.</summary>
    InsurerImport,
    /// <summary>A municipality (claim <c>gm</c>): aggregates of its own area only.</summary>
    Municipality,
    /// <summary>Keeps insurers and providers in the registry; no contracts, no patient data.</summary>
    RegistryAdmin,
    /// <summary>The regulator (NZa): aggregates of every insurer, with small counts hidden; nothing else.</summary>
    Regulator,
}

/// <summary>Who is calling: from a validated token, one role and the tenant it acts for.</summary>
public sealed record Caller(string Subject, Role Role, string? Agb, string? Org, string? Uzovi, string? Gm, string? Name)
{
    public const string RoleClaim = "capacity_role";

    static readonly Dictionary<string, Role> Roles = new(StringComparer.Ordinal)
    {
        ["provider"] = Role.Provider, ["requester"] = Role.Requester, ["insurer_desk"] = Role.InsurerDesk,
        ["insurer_import"] = Role.InsurerImport, ["municipality"] = Role.Municipality, ["registry_admin"] = Role.RegistryAdmin,
        ["regulator"] = Role.Regulator,
    };

    public static string ClaimValue(Role role) => Roles.First(r => r.Value == role).Key;

    /// <summary>The caller a principal stands for; null when unauthenticated, or when its role lacks the tenant claim it needs.</summary>
    public static Caller? From(ClaimsPrincipal? user)
    {
        if (user?.Identity?.IsAuthenticated != true) return null;
        // One pass over the claims, keeping the first of each type as FindFirst would (types compared
        // exactly, as the token handler's CaseSensitiveClaimsIdentity does): this runs on every call,
        // and seven FindFirst calls were seven walks over the claims and seven closures.
        Claim? sub = null, nameId = null, roleClaim = null, agb = null, org = null, uzovi = null, gm = null, name = null;
        foreach (var claim in user.Claims)
        {
            var type = claim.Type;
            if (Is(type, "sub")) sub ??= claim;
            else if (Is(type, RoleClaim)) roleClaim ??= claim;
            else if (Is(type, "agb")) agb ??= claim;
            else if (Is(type, "org")) org ??= claim;
            else if (Is(type, "uzovi")) uzovi ??= claim;
            else if (Is(type, "gm")) gm ??= claim;
            else if (Is(type, "name")) name ??= claim;
            else if (Is(type, ClaimTypes.NameIdentifier)) nameId ??= claim;
        }
        var subject = Value(sub) ?? Value(nameId);
        if (subject is null || Value(roleClaim) is not { } roleName || !Roles.TryGetValue(roleName, out var role)) return null;
        var caller = new Caller(subject, role, Value(agb), Value(org), Value(uzovi), Value(gm), Value(name));
        var tenant = role switch
        {
            Role.Provider => caller.Agb is not null && Shared.Codes.IsAgb(caller.Agb),
            Role.Requester => caller.Org is not null,
            Role.InsurerDesk or Role.InsurerImport => caller.Uzovi is not null && Shared.Codes.IsUzovi(caller.Uzovi),
            Role.Municipality => caller.Gm is not null,
            _ => true,
        };
        return tenant ? caller : null;

        static bool Is(string type, string wanted) => string.Equals(type, wanted, StringComparison.Ordinal);
        static string? Value(Claim? claim) => claim?.Value is { Length: > 0 } v ? v : null;
    }
}

/// <summary>When a signed-in session ends: its token's <c>exp</c>, on the real clock that validated the token.</summary>
public static class Session
{
    public static DateTimeOffset? ExpiresAt(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true && long.TryParse(user.FindFirst("exp")?.Value, out var exp)
            && exp is > 0 and < 253_402_300_800 ? DateTimeOffset.FromUnixTimeSeconds(exp) : null; // up to year 9999

    /// <summary>
    /// A token that is cancelled when the <paramref name="call"/> ends or its caller's token
    /// expires, whichever comes first; <paramref name="expired"/> says which.
    /// </summary>
    public static CancellationTokenSource UntilExpiry(ClaimsPrincipal user, CancellationToken call, out Func<bool> expired)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(call);
        // A timer takes at most ~24 days; a token that lives longer has no session end worth a timer.
        if (ExpiresAt(user) is { } at && at - TimeProvider.System.GetUtcNow() is var left && left < TimeSpan.FromDays(20))
        {
            if (left > TimeSpan.Zero) source.CancelAfter(left);
            else source.Cancel(); // past exp, still within the validator's clock skew
        }
        expired = () => source.IsCancellationRequested && !call.IsCancellationRequested;
        return source;
    }

    public const string Expired = "The session has expired: sign in again (renew the token) and start watching anew.";
}
