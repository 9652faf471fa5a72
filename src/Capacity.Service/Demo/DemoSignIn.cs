using Capacity.Service.Security;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Demo;

/// <summary>
/// Sign-in for the demo's web page: <c>GET /demo/token?role=…&amp;code=…</c> answers a token for a
/// demo identity (a role and its organisation code), signed with the demo's own key. Mapped only
/// when the demo region is loaded and tokens are validated with a shared key — never next to a
/// real OpenID Connect authority, where the identity provider signs people in.
/// </summary>
public static class DemoSignIn
{
    public const string Path = "/demo/token";

    public static bool Enabled(IConfiguration config) =>
        config.GetValue<bool>("Demo:Seed") && config["Auth:Authority"] is not { Length: > 0 }
        && config["Auth:Issuer"] is { Length: > 0 } && config["Auth:SigningKey"] is { Length: > 0 };

    static readonly string[] Roles = ["provider", "requester", "insurer_desk", "insurer_import", "municipality", "registry_admin"];

    public static WebApplication MapDemoSignIn(this WebApplication app)
    {
        if (!Enabled(app.Configuration)) return app;
        app.MapGet(Path, (string role, string? code, IOptions<AuthOptions> auth) =>
        {
            if (!Roles.Contains(role)) return Results.BadRequest(new { error = $"role must be one of {string.Join(", ", Roles)}" });
            if (role != "registry_admin" && code is not { Length: > 0 and <= 64 }) return Results.BadRequest(new { error = "code: the AGB, organisation, UZOVI or GM code the role acts for" });
            var lifetime = TimeSpan.FromHours(8);
            // The wall clock, as token validation uses it (not the domain clock, which tests move).
            var now = DateTime.UtcNow;
            var token = DevTokens.Issue(new DevIdentity($"demo-{role}-{code ?? "admin"}", role, code, $"Demo {role}"),
                auth.Value.Issuer!, auth.Value.Audience, auth.Value.SigningKey!, lifetime, now);
            return Results.Ok(new { token, role, code, expiresAt = now + lifetime });
        });
        return app;
    }
}
