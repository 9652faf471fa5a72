using Capacity.Service.Geography;
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

    /// <summary>The identities the demo's sign-in page offers: <c>GET /demo/identities</c>.</summary>
    public const string IdentitiesPath = "/demo/identities";

    /// <summary>A demo identity: a role, the code it acts for, and how the page names it.</summary>
    public sealed record DemoIdentity(string Role, string Code, string Name);

    /// <summary>The demo's requesting organisations, every demo provider, every insurer's desk, the demo's municipalities.</summary>
    public static IReadOnlyList<DemoIdentity> Identities(PostcodeDirectory postcodes)
    {
        var region = DemoSeeder.Load();
        return
        [
            .. region.Requesters.Select(r => new DemoIdentity("requester", r.Code, r.Name)),
            .. region.Providers.Select(p => new DemoIdentity("provider", p.Agb, p.Name)),
            .. region.Insurers.Select(i => new DemoIdentity("insurer_desk", i.Uzovi, $"Zorgbemiddeling {i.Name}")),
            .. region.Municipalities.Select(code => new DemoIdentity("municipality", code, $"Gemeente {postcodes.FindMunicipality(code)!.Name}")),
        ];
    }

    public static bool Enabled(IConfiguration config) =>
        config.GetValue<bool>("Demo:Seed") && config["Auth:Authority"] is not { Length: > 0 }
        && config["Auth:Issuer"] is { Length: > 0 } && config["Auth:SigningKey"] is { Length: > 0 };

    static readonly string[] Roles = ["provider", "requester", "insurer_desk", "insurer_import", "municipality", "registry_admin", "regulator"];

    /// <summary>Roles that act for nobody in particular: no code.</summary>
    static bool Untenanted(string role) => role is "registry_admin" or "regulator";

    public static WebApplication MapDemoSignIn(this WebApplication app)
    {
        if (!Enabled(app.Configuration)) return app;
        var identities = Identities(app.Services.GetRequiredService<PostcodeDirectory>());
        app.MapGet(IdentitiesPath, () => Results.Ok(identities));
        app.MapGet(Path, (string role, string? code, IOptions<AuthOptions> auth) =>
        {
            if (!Roles.Contains(role)) return Results.BadRequest(new { error = $"role must be one of {string.Join(", ", Roles)}" });
            if (Untenanted(role)) code = null;
            else if (code is not { Length: > 0 and <= 64 }) return Results.BadRequest(new { error = "code: the AGB, organisation, UZOVI or GM code the role acts for" });
            var lifetime = TimeSpan.FromHours(8);
            // The wall clock, as token validation uses it (not the domain clock, which tests move).
            var now = DateTime.UtcNow;
            // The name the page shows: the demo identity's own (Dutch, as on the sign-in list), else the code.
            var name = identities.FirstOrDefault(i => i.Role == role && i.Code == (code ?? ""))?.Name ?? $"Demo-account {code ?? "beheer"}";
            var token = DevTokens.Issue(new DevIdentity($"demo-{role}-{code ?? "admin"}", role, code, name),
                auth.Value.Issuer!, auth.Value.Audience, auth.Value.SigningKey!, lifetime, now);
            return Results.Ok(new { token, role, code, expiresAt = now + lifetime });
        });
        return app;
    }
}
