using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Capacity.Service.Security;

/// <summary>A demo or test identity: one role and the code of what it acts for.</summary>
/// <param name="Role">provider, requester, insurer_desk, insurer_import, municipality, registry_admin or regulator.</param>
/// <param name="Tenant">The AGB (provider), organisation (requester), UZOVI (insurer roles) or GM code (municipality); none for registry_admin and regulator.</param>
public sealed record DevIdentity(string Subject, string Role, string? Tenant = null, string? Name = null);

/// <summary>
/// Signs tokens the way the service validates them with Auth:Issuer and Auth:SigningKey
/// (HMAC-SHA256): for the demo (its web page and scripts/demo-token.sh) and tests only; in
/// production an OpenID Connect provider issues the tokens.
/// </summary>
public static class DevTokens
{
    public static string NewSigningKey() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static string Issue(DevIdentity identity, string issuer, string audience, string signingKey, TimeSpan? lifetime = null, DateTime? now = null)
    {
        var claims = new Dictionary<string, object>
        {
            ["sub"] = identity.Subject,
            ["capacity_role"] = identity.Role,
        };
        if (identity.Name is { } name) claims["name"] = name;
        var tenantClaim = identity.Role switch
        {
            "provider" => "agb",
            "requester" => "org",
            "insurer_desk" or "insurer_import" => "uzovi",
            "municipality" => "gm",
            _ => null,
        };
        if (tenantClaim is not null && identity.Tenant is { } tenant) claims[tenantClaim] = tenant;

        var issuedAt = now ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + (lifetime ?? TimeSpan.FromHours(8)),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
