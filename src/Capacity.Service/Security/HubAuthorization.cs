using System.Collections.Frozen;
using Capacity.Service.Geography;
using Capacity.Service.Regions;
using Capacity.Service.Shared;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Security;

/// <summary>
/// The hub's counterpart of <see cref="Permissions"/>: a connection needs a valid token (browsers
/// pass it as <c>access_token</c>), and each hub method is open to the roles listed here, for
/// their own organisation's groups only. A method missing here is refused to everyone.
/// </summary>
public sealed class HubAuthorizationFilter(IOptions<AuthOptions> auth, PostcodeDirectory postcodes) : IHubFilter
{
    public static readonly FrozenDictionary<string, IReadOnlyDictionary<Role, Func<IReadOnlyList<object?>, Caller, PostcodeDirectory, string?>?>> ByMethod =
        new Dictionary<string, IReadOnlyDictionary<Role, Func<IReadOnlyList<object?>, Caller, PostcodeDirectory, string?>?>>
        {
            ["SubscribeToSearch"] = Roles(R(Role.Requester), R(Role.InsurerDesk)),
            ["SubscribeToRegion"] = Roles(R(Role.Requester), R(Role.InsurerDesk), R(Role.Municipality, OwnRegion)),
            ["Unsubscribe"] = Roles([.. Enum.GetValues<Role>().Select(r => R(r))]),
            ["FollowOrganisation"] = Roles(R(Role.Requester, (a, c, _) => a[0] as string == c.Org ? null : "that organisation is not yours")),
            ["FollowProvider"] = Roles(R(Role.Provider, (a, c, _) => a[0] as string == c.Agb ? null : "that provider is not you")),
            ["FollowDesk"] = Roles(R(Role.InsurerDesk, (a, c, _) => a[0] as string == c.Uzovi ? null : "that insurer's desk is not yours")),
            ["FollowMunicipality"] = Roles(R(Role.Municipality, (a, c, _) => a[0] as string == c.Gm ? null : "a municipality sees its own area only")),
        }.ToFrozenDictionary();

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        if (auth.Value.Required && Caller.From(context.Context.User) is null)
            throw Reasons.Hub(Reasons.SignInRequired, "Sign in: connect with an access token that carries a role and its organisation code.");
        return next(context);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocation, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (auth.Value.Required)
        {
            var caller = Caller.From(invocation.Context.User) ?? throw Reasons.Hub(Reasons.SignInRequired, "Sign in first.");
            if (Check(invocation.HubMethodName, caller, invocation.HubMethodArguments, postcodes) is { } denied)
                throw Reasons.Hub(Reasons.NotAllowed, $"Not allowed: {denied}.");
        }
        return await next(invocation);
    }

    public static string? Check(string method, Caller caller, IReadOnlyList<object?> args, PostcodeDirectory postcodes) =>
        !ByMethod.TryGetValue(method, out var roles) ? $"{method} is not open to any role"
        : !roles.TryGetValue(caller.Role, out var tenant) ? $"the role {Caller.ClaimValue(caller.Role)} may not call {method}"
        : tenant?.Invoke(args, caller, postcodes);

    static (Role Role, Func<IReadOnlyList<object?>, Caller, PostcodeDirectory, string?>? Tenant) R(
        Role role, Func<IReadOnlyList<object?>, Caller, PostcodeDirectory, string?>? tenant = null) => (role, tenant);

    static IReadOnlyDictionary<Role, Func<IReadOnlyList<object?>, Caller, PostcodeDirectory, string?>?> Roles(
        params (Role Role, Func<IReadOnlyList<object?>, Caller, PostcodeDirectory, string?>? Tenant)[] roles) =>
        roles.ToDictionary(r => r.Role, r => r.Tenant);

    static string? OwnRegion(IReadOnlyList<object?> args, Caller caller, PostcodeDirectory postcodes) => args[0] switch
    {
        RegionRequest { Municipality: { Length: > 0 } m } when postcodes.FindMunicipality(m)?.Code == caller.Gm => null,
        RegionRequest { Municipality: null or "", Pc4s: { Count: > 0 } pc4s }
            when pc4s.All(p => int.TryParse(p, out var pc4) && postcodes.Find(pc4)?.MunicipalityCode == caller.Gm) => null,
        _ => "a municipality sees its own area only",
    };
}
