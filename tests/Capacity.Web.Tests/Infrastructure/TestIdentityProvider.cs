using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Capacity.Web.Tests.Infrastructure;

/// <summary>
/// A small OpenID Connect provider on a loopback port, standing in for a hospital's own (no
/// Keycloak or Entra ID can run here). It does what the web page relies on, strictly: discovery,
/// signing keys, the authorization code flow for one public client with PKCE (S256 only; the
/// verifier checked, each code used once, the redirect URI matched) and refresh tokens (rotated,
/// each used once). The user who "signs in" at the authorize endpoint is <see cref="NextUser"/>.
/// Access tokens are RS256 JWTs for audience "capacity" carrying the service's claims.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "capacity-web";

    readonly WebApplication _app;
    readonly RsaSecurityKey _key = new(RSA.Create(2048)) { KeyId = "test-key-1" };
    readonly ConcurrentDictionary<string, Grant> _codes = new();
    readonly ConcurrentDictionary<string, Dictionary<string, object>> _refreshTokens = new();

    sealed record Grant(string RedirectUri, string Challenge, string? Nonce, Dictionary<string, object> User);

    TestIdentityProvider(WebApplication app, Uri authority)
    {
        _app = app;
        Authority = authority;
    }

    /// <summary>The issuer, without a trailing slash (as the service's Auth:Authority).</summary>
    public Uri Authority { get; }

    public string Issuer => Authority.GetLeftPart(UriPartial.Authority);

    /// <summary>The claims of whoever signs in next (role and organisation code, as the service reads them).</summary>
    public Dictionary<string, object> NextUser { get; set; } = new();

    /// <summary>The lifetime of access tokens; the page renews a token 60 s before it expires.</summary>
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The redirect URI registered for the page (its origin + "/").</summary>
    public string RedirectUri { get; set; } = "";

    /// <summary>When set, the next sign-in is refused: back to the client with this OAuth error and the provider's own (English) description.</summary>
    public (string Error, string Description)? RefuseNext { get; set; }

    public int CodesRedeemed;
    public int Refreshes;
    public readonly ConcurrentQueue<string> Refusals = new();

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var port = WebApp.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        // Not the service's appsettings.json beside the test binaries (its Kestrel endpoints): this port only.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = $"http://127.0.0.1:{port}" });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var provider = new TestIdentityProvider(app, new Uri($"http://127.0.0.1:{port}"));
        provider.Map(app);
        await app.StartAsync();
        return provider;
    }

    void Map(WebApplication app)
    {
        // The page calls discovery and the token endpoint from its own origin.
        app.Use(async (context, next) =>
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
            if (HttpMethods.IsOptions(context.Request.Method))
            {
                context.Response.Headers.AccessControlAllowMethods = "GET, POST";
                context.Response.Headers.AccessControlAllowHeaders = context.Request.Headers.AccessControlRequestHeaders;
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            await next();
        });

        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = $"{Issuer}/authorize",
            ["token_endpoint"] = $"{Issuer}/token",
            ["jwks_uri"] = $"{Issuer}/jwks",
            ["response_types_supported"] = new[] { "code" },
            ["grant_types_supported"] = new[] { "authorization_code", "refresh_token" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["scopes_supported"] = new[] { "openid", "profile", "offline_access" },
        }));

        app.MapGet("/jwks", () =>
        {
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(_key);
            return Results.Json(new { keys = new[] { new { kty = jwk.Kty, kid = jwk.Kid, use = "sig", alg = "RS256", n = jwk.N, e = jwk.E } } });
        });

        app.MapGet("/authorize", (HttpRequest request) =>
        {
            var q = request.Query;
            string? Refuse(string why)
            {
                Refusals.Enqueue(why);
                return why;
            }
            var problem =
                q["client_id"] != ClientId ? Refuse($"unknown client {q["client_id"]}")
                : q["redirect_uri"] != RedirectUri ? Refuse($"redirect_uri {q["redirect_uri"]} is not registered")
                : q["response_type"] != "code" ? Refuse("response_type must be code")
                : q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]) ? Refuse("PKCE with S256 is required")
                : !(q["scope"].ToString().Split(' ').Contains("openid")) ? Refuse("scope must include openid")
                : null;
            if (problem is not null) return Results.BadRequest(problem);
            if (RefuseNext is { } refusal)
            {
                RefuseNext = null;
                return Results.Redirect($"{RedirectUri}?error={Uri.EscapeDataString(refusal.Error)}&error_description={Uri.EscapeDataString(refusal.Description)}&state={Uri.EscapeDataString(q["state"].ToString())}");
            }
            var code = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
            _codes[code] = new Grant(RedirectUri, q["code_challenge"]!, q["nonce"], new Dictionary<string, object>(NextUser));
            return Results.Redirect($"{RedirectUri}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(q["state"].ToString())}");
        });

        app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            IResult Error(string error, string description)
            {
                Refusals.Enqueue($"{error}: {description}");
                return Results.Json(new { error, error_description = description }, statusCode: 400);
            }
            if (form["client_id"] != ClientId) return Error("invalid_client", "unknown client");
            switch (form["grant_type"].ToString())
            {
                case "authorization_code":
                    if (!_codes.TryRemove(form["code"].ToString(), out var grant)) return Error("invalid_grant", "unknown or used code");
                    if (form["redirect_uri"] != grant.RedirectUri) return Error("invalid_grant", "redirect_uri differs from the authorization request");
                    var verifier = form["code_verifier"].ToString();
                    if (verifier.Length < 43 || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
                        return Error("invalid_grant", "code_verifier does not match the code_challenge");
                    Interlocked.Increment(ref CodesRedeemed);
                    return Tokens(grant.User, grant.Nonce);
                case "refresh_token":
                    if (!_refreshTokens.TryRemove(form["refresh_token"].ToString(), out var user)) return Error("invalid_grant", "unknown or used refresh token");
                    Interlocked.Increment(ref Refreshes);
                    return Tokens(user, null);
                default:
                    return Error("unsupported_grant_type", form["grant_type"].ToString());
            }
        });
    }

    IResult Tokens(Dictionary<string, object> user, string? nonce)
    {
        var now = DateTime.UtcNow;
        var handler = new JsonWebTokenHandler();
        var credentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256);
        var access = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer, Audience = "capacity", IssuedAt = now, NotBefore = now, Expires = now + AccessTokenLifetime,
            Claims = user, SigningCredentials = credentials,
        });
        var idClaims = new Dictionary<string, object> { ["sub"] = user["sub"], ["name"] = user.GetValueOrDefault("name") ?? user["sub"] };
        if (nonce is not null) idClaims["nonce"] = nonce;
        var id = handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer, Audience = ClientId, IssuedAt = now, NotBefore = now, Expires = now + AccessTokenLifetime,
            Claims = idClaims, SigningCredentials = credentials,
        });
        var refresh = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        _refreshTokens[refresh] = user;
        return Results.Json(new
        {
            access_token = access, id_token = id, refresh_token = refresh, token_type = "Bearer",
            expires_in = (int)AccessTokenLifetime.TotalSeconds, scope = "openid profile offline_access",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
