using Microsoft.Extensions.Options;

namespace Capacity.Service.Security;

/// <summary>
/// What the web page needs to sign in at the organisation's identity provider (OpenID Connect
/// authorization code flow with PKCE, run by the page itself): the authority, the page's public
/// client id and its scopes. Nothing secret: a public client has no secret.
/// </summary>
public static class WebSignIn
{
    public const string Path = "/web/sign-in";

    public static WebApplication MapWebSignIn(this WebApplication app)
    {
        // Always 200 (a 404 would be a console error on every sign-in page); nulls: no provider set.
        app.MapGet(Path, (IOptions<AuthOptions> options) => options.Value is { WebSignInOrigin: not null } auth
            ? Results.Ok(new { authority = auth.Authority, clientId = auth.WebClientId, scope = auth.WebScope })
            : Results.Ok(new { authority = (string?)null, clientId = (string?)null, scope = (string?)null }));
        return app;
    }
}
