using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Capacity.Service.Security;

/// <summary>
/// How callers prove who they are (configuration section "Auth"): JWT bearer tokens from an
/// OpenID Connect authority (<see cref="Authority"/> + <see cref="Audience"/>), or, for the demo
/// and tests, tokens signed with a shared key (<see cref="Issuer"/> + <see cref="SigningKey"/>;
/// tools/Capacity.Tokens issues them).
/// </summary>
public sealed class AuthOptions
{
    /// <summary>When false every call is let through as anonymous: only for the demo and tests until every client signs in.</summary>
    public bool Required { get; set; } = true;

    public string? Authority { get; set; }

    public string Audience { get; set; } = "capacity";

    /// <summary>Fetch the authority's discovery document and keys over HTTPS only (turn off only for a local test provider).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// The web page's client id at the authority (a public client: authorization code flow with
    /// PKCE, redirect URI the page's own origin + "/"). Unset: the page offers no such sign-in.
    /// </summary>
    public string? WebClientId { get; set; }

    /// <summary>Scopes the web page asks for; offline_access brings the refresh token it renews its access token with.</summary>
    public string WebScope { get; set; } = "openid profile offline_access";

    /// <summary>The origin of <see cref="Authority"/> when the web page signs in there (the page's CSP lets it talk to that origin), else null.</summary>
    public string? WebSignInOrigin =>
        WebClientId is { Length: > 0 } && Uri.TryCreate(Authority, UriKind.Absolute, out var authority) ? authority.GetLeftPart(UriPartial.Authority) : null;

    public string? Issuer { get; set; }

    /// <summary>Base64 HMAC-SHA256 key of at least 32 bytes; used when no <see cref="Authority"/> is set.</summary>
    public string? SigningKey { get; set; }

    public bool IsConfigured => Authority is { Length: > 0 } || (Issuer is { Length: > 0 } && SigningKey is { Length: > 0 });
}

public static class AuthenticationSetup
{
    /// <summary>
    /// The endpoint policy of every capacity.v1 service when sign-in is required: a valid token,
    /// checked before the request body is read. Roles and tenants are checked per call by
    /// <see cref="AuthorizationInterceptor"/> against <see cref="Permissions"/>.
    /// </summary>
    public const string SignedIn = "signed-in";

    public static IServiceCollection AddCallerAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().BindConfiguration("Auth")
            .Validate(o => !o.Required || o.IsConfigured,
                "Auth: set Auth:Authority (an OpenID Connect issuer) or Auth:Issuer and Auth:SigningKey; or Auth:Required=false for a demo without sign-in")
            .Validate(o => o.SigningKey is not { Length: > 0 } key || Decoded(key) is { Length: >= 32 }, "Auth:SigningKey must be base64 of at least 32 bytes")
            .Validate(o => o.WebClientId is not { Length: > 0 } || o.WebSignInOrigin is not null, "Auth:WebClientId needs Auth:Authority (an absolute URL): the web page signs in there")
            .ValidateOnStart();

        var auth = configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            // Claims keep their token names (sub, agb, org, uzovi, gm, capacity_role).
            o.MapInboundClaims = false;
            o.Audience = auth.Audience;
            if (auth.Authority is { Length: > 0 } authority)
            {
                o.Authority = authority;
                o.RequireHttpsMetadata = auth.RequireHttpsMetadata;
            }
            else if (auth.SigningKey is { Length: > 0 } key && Decoded(key) is { Length: >= 32 } bytes)
            {
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Issuer,
                    ValidAudience = auth.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(bytes),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                };
            }
            o.TokenValidationParameters.ClockSkew = TimeSpan.FromMinutes(1);
            // Every token is validated in full (signature, lifetime, issuer, audience) the first time
            // it is seen; after that its validation is remembered until its exp, at most 5 minutes
            // (ValidatedTokens; docs/SECURITY.md, "Validated tokens"). The real clock, as the validator's.
            o.TokenHandlers.Clear();
            o.TokenHandlers.Add(new ValidatedTokens(new JsonWebTokenHandler { MapInboundClaims = false }, TimeProvider.System));
            // Browsers cannot set headers on a WebSocket: the hub takes the token from the query string.
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = context =>
                {
                    // The path first: every gRPC call passes here, and none has a query string.
                    if (context.HttpContext.Request.Path.StartsWithSegments(Live.CoordinationHub.Path) && context.Request.Query["access_token"] is { Count: > 0 } token)
                        context.Token = token;
                    return Task.CompletedTask;
                },
                // Endpoint authorization refuses a call without a valid token before its body is
                // read; the refusal is spoken in the caller's protocol (see Refusals).
                OnChallenge = async context =>
                {
                    if (await Refusals.TryWriteUnauthenticatedAsync(context.HttpContext, Refusals.SignIn)) context.HandleResponse();
                },
            };
        });
        services.AddAuthorization(o => o.AddPolicy(SignedIn, p => p.RequireAuthenticatedUser()));
        // Authentication brings ASP.NET Core Data Protection along, but the service protects nothing
        // with it: bearer tokens only, no cookies, no antiforgery, no protected payloads. Its keys
        // are kept in memory, so no key ring is written to disk (and no "No XML encryptor
        // configured" warning is logged for one). A feature that protects data across restarts or
        // instances must persist the keys first (PersistKeysToStackExchangeRedis) and protect them.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        return services;
    }

    static byte[]? Decoded(string base64)
    {
        var buffer = new byte[base64.Length];
        return Convert.TryFromBase64String(base64, buffer, out var n) ? buffer[..n] : null;
    }
}
