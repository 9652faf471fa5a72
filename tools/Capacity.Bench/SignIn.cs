using System.Collections.Concurrent;
using Capacity.Service.Security;
using Capacity.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Capacity.Bench;

/// <summary>
/// Signs the load generator in as the parties themselves would: every call carries the bearer
/// token of the role the permission table (Security/Permissions.cs) expects for it, with the tenant
/// the request names — a provider for its own figures, stops and offers, an insurer's contract
/// administration for its contracts, the registry admin for insurers and providers, a hospital's
/// transfer nurse (requester) for searches and referrals. Tokens are signed with the run's key
/// (bench.sh makes one per run and gives the service the same), as Security/DevTokens.cs does for
/// the demo. Without a key (<see cref="From"/> returns null) calls stay anonymous, for a service
/// run with Auth:Required=false.
/// </summary>
sealed class SignIn(string signingKey, string issuer, string audience)
{
    /// <summary>The transfer nurse of the hospital the searches come from.</summary>
    public const string Hospital = "bench-hospital";

    readonly ConcurrentDictionary<(string Role, string? Tenant), string> _tokens = new();

    /// <summary>--signing-key-file and --issuer (default capacity-bench), --audience (default capacity); null without a key file.</summary>
    public static SignIn? From(Args args)
    {
        var keyFile = args.Text("signing-key-file");
        var issuer = args.Text("issuer", "capacity-bench");
        var audience = args.Text("audience", "capacity");
        return keyFile is null ? null : new SignIn(File.ReadAllText(keyFile).Trim(), issuer, audience);
    }

    /// <summary>One token per identity, valid for the run (8 hours).</summary>
    public string Token(string role, string? tenant) =>
        _tokens.GetOrAdd((role, tenant), k => DevTokens.Issue(new DevIdentity($"bench-{k.Role}-{k.Tenant ?? "all"}", k.Role, k.Tenant), issuer, audience, signingKey));

    public string Bearer(string role, string? tenant) => $"Bearer {Token(role, tenant)}";

    public Metadata Headers(string role, string? tenant) => new() { { "authorization", Bearer(role, tenant) } };

    /// <summary>Calls on <paramref name="channel"/>, each signed in as who would make it; requests that name no organisation act for <paramref name="requesterOrg"/>.</summary>
    public static CallInvoker Invoker(SignIn? signIn, ChannelBase channel, string requesterOrg = Hospital) =>
        signIn is null ? channel.CreateCallInvoker() : channel.Intercept(new As(signIn, requesterOrg));

    /// <summary>Headers for a call without a request to read (client streams): as <paramref name="role"/> of <paramref name="tenant"/>; null when anonymous.</summary>
    public static Metadata? HeadersOrNull(SignIn? signIn, string role, string? tenant) => signIn?.Headers(role, tenant);

    /// <summary>Who makes a unary or server-streaming call: by its method, and the tenant the request names.</summary>
    static (string Role, string? Tenant) Identity(string service, object request, string requesterOrg) => (service, request) switch
    {
        (_, SetCapacityRequest r) => ("provider", r.Agb),
        (_, UpdateCapacityRequest r) => ("provider", r.Agb),
        (_, GetProviderCapacityRequest r) => ("provider", r.Agb),
        (_, DeclareClientStopRequest r) => ("provider", r.Stop?.ProviderAgb),
        (_, AnswerOfferRequest r) => ("provider", r.ProviderAgb),
        (_, ListOffersRequest r) => ("provider", r.ProviderAgb),
        (_, ListPlacementsRequest r) => ("provider", r.ProviderAgb),
        (_, UpsertContractRequest r) => ("insurer_import", r.Contract?.InsurerUzovi),
        (_, RemoveContractRequest r) => ("insurer_import", r.InsurerUzovi),
        (_, UpsertInsurerRequest or UpsertProviderRequest or UpsertRequestingOrganisationRequest) => ("registry_admin", null),
        (_, CreateReferralRequest r) => ("requester", r.RequesterOrg),
        ("capacity.v1.MediationService", _) => throw new NotSupportedException("the benchmark does not act as an insurer's desk"),
        // Searches, referral steps, registry reads: the hospital's transfer nurse.
        _ => ("requester", requesterOrg),
    };

    sealed class As(SignIn signIn, string requesterOrg) : Interceptor
    {
        ClientInterceptorContext<TRequest, TResponse> Signed<TRequest, TResponse>(ClientInterceptorContext<TRequest, TResponse> context, TRequest request)
            where TRequest : class where TResponse : class
        {
            if (context.Options.Headers?.Get("authorization") is not null) return context;
            var (role, tenant) = Identity(context.Method.ServiceName, request, requesterOrg);
            var headers = context.Options.Headers ?? [];
            headers.Add("authorization", signIn.Bearer(role, tenant));
            return new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers));
        }

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, Signed(context, request));

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation) =>
            continuation(request, Signed(context, request));

        // Streams carry items of one party: the caller passes that party's headers (HeadersOrNull).
        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
            ClientInterceptorContext<TRequest, TResponse> context, AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation) =>
            context.Options.Headers?.Get("authorization") is not null ? continuation(context)
                : throw new InvalidOperationException($"{context.Method.FullName}: a client stream needs its party's headers");

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
            ClientInterceptorContext<TRequest, TResponse> context, AsyncDuplexStreamingCallContinuation<TRequest, TResponse> continuation) =>
            context.Options.Headers?.Get("authorization") is not null ? continuation(context)
                : throw new InvalidOperationException($"{context.Method.FullName}: a stream needs its party's headers");
    }
}
