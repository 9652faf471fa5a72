using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Capacity.Service.Security;
using Capacity.Service.Shared;
using Capacity.Service.Tests.Infrastructure;
using Capacity.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Capacity.Service.Tests.Reliability;

/// <summary>
/// What a caller can make the service read, answer and log: refused before the body is read
/// without a token, INVALID_ARGUMENT (logged once at information level) for bytes that are no
/// message, and answers of a few KB whatever the request held.
/// </summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    const string Issuer = "capacity-test";
    const int FewKilobytes = 8 * 1024;
    static readonly string Key = DevTokens.NewSigningKey();
    readonly CapacityApp _app = new CapacityApp().With("Auth:Required", "true").With("Auth:Issuer", Issuer).With("Auth:SigningKey", Key);

    public ValueTask InitializeAsync() => _app.InitializeAsync();

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    static CancellationToken Ct => TestContext.Current.CancellationToken;

    static string Token(string role, string? tenant) => DevTokens.Issue(new DevIdentity($"{role}-user", role, tenant), Issuer, "capacity", Key);

    /// <summary>A raw gRPC call: one frame whose header declares <paramref name="declaredLength"/> bytes, then <paramref name="body"/>.</summary>
    async Task<(StatusCode Status, string Message)> RawCallAsync(string method, byte[] body, string? token, int? declaredLength = null)
    {
        var frame = new byte[5 + body.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)(declaredLength ?? body.Length));
        body.CopyTo(frame, 5);
        using var http = new HttpClient(_app.Server.CreateHandler()) { BaseAddress = _app.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, method) { Version = HttpVersion.Version20, Content = new ByteArrayContent(frame) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, Ct);
        await response.Content.ReadAsByteArrayAsync(Ct); // trailers arrive after the body
        string? Header(string name) =>
            response.Headers.TryGetValues(name, out var v) ? v.First() : response.TrailingHeaders.TryGetValues(name, out var t) ? t.First() : null;
        return ((StatusCode)int.Parse(Header("grpc-status") ?? "-1"), Uri.UnescapeDataString(Header("grpc-message") ?? ""));
    }

    static byte[] Garbage(int length) => Enumerable.Range(0, length).Select(i => (byte)(0xFF - i % 7)).ToArray();

    [Fact]
    public async Task AnAnonymousCallIsRefusedBeforeItsBodyIsRead()
    {
        // Declared larger than the 1 MB the service accepts: had the body been read, the answer would be RESOURCE_EXHAUSTED.
        var (status, message) = await RawCallAsync("/capacity.v1.MatchingService/FindProviders", Garbage(64 * 1024), token: null, declaredLength: 2 * 1024 * 1024);
        Assert.Equal(StatusCode.Unauthenticated, status);
        Assert.Equal(Refusals.SignIn, message);

        using var json = await _app.CreateClient().PostAsync("/api/v1/searches", new StringContent("{ not json", null, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, json.StatusCode);
        var body = JsonDocument.Parse(await json.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal((int)StatusCode.Unauthenticated, body.GetProperty("code").GetInt32());
        Assert.DoesNotContain(_app.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task BytesThatAreNoMessageAreInvalidArgumentLoggedOnceWithoutAStackTrace()
    {
        var (status, message) = await RawCallAsync("/capacity.v1.MatchingService/FindProviders", Garbage(300), Token("requester", "ziekenhuis-a"));

        Assert.Equal(StatusCode.InvalidArgument, status);
        Assert.StartsWith("The request is not a valid capacity.v1.FindProvidersRequest message", message);
        var logged = _app.Logs.Entries.Where(e => e.Message.Contains("undecodable", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.Equal(LogLevel.Information, Assert.Single(logged).Level);
        Assert.Null(logged[0].Exception);
        Assert.DoesNotContain(_app.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("{\"patientPostcode\": 1183}")]
    [InlineData("{\"careType\": \"NO_SUCH_CARE\"}")]
    public async Task MalformedJsonIsABadRequestLoggedWithoutAStackTrace(string body)
    {
        using var http = _app.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token("requester", "ziekenhuis-a"));

        using var response = await http.PostAsync("/api/v1/searches", new StringContent(body, null, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal((int)StatusCode.InvalidArgument, JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetInt32());
        // A caller's mistake is the caller's: no stack trace in the service's log, nothing at warning or above.
        Assert.DoesNotContain(_app.Logs.Entries, e => e.Exception is not null);
        Assert.DoesNotContain(_app.Logs.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task AWellFormedCallStillPassesTheBodyCheck()
    {
        var request = new FindProvidersRequest { PatientPostcode = "1071", InsurerUzovi = "9101", CareType = CareType.DistrictNursing };
        var (status, _) = await RawCallAsync("/capacity.v1.MatchingService/FindProviders", Google.Protobuf.MessageExtensions.ToByteArray(request), Token("requester", "ziekenhuis-a"));
        // Read by the service itself: the insurer is unknown in this empty registry, a validation answer, not a decoding one.
        Assert.NotEqual(StatusCode.Unknown, status);
        Assert.NotEqual(StatusCode.Unauthenticated, status);
        Assert.DoesNotContain(_app.Logs.Entries, e => e.Message.Contains("undecodable", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task ALongBadValueIsNotEchoedBack()
    {
        var referrals = new ReferralService.ReferralServiceClient(_app.CreateChannel(Token("requester", "ziekenhuis-a")));
        var request = ReferralData.NewReferral("9101", "1071", org: "ziekenhuis-a");
        request.PatientRef = new string('x', 900_000); // one value, just under the 1 MB a message may be

        var e = await Assert.ThrowsAsync<RpcException>(() => referrals.CreateReferralAsync(request, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.True(e.Status.Detail.Length <= InputErrors.MaxMessage, $"message of {e.Status.Detail.Length} characters");
        var size = e.Trailers.Sum(t => t.Key.Length + (t.IsBinary ? t.ValueBytes.Length : t.Value.Length));
        Assert.True(size < FewKilobytes, $"trailers of {size} bytes");
        Assert.Contains("patient_ref", e.Status.Detail);
    }

    [Fact]
    public async Task TenThousandBadFiguresAnswerAFewKilobytesNamingHowManyMore()
    {
        var registry = new RegistryService.RegistryServiceClient(_app.CreateChannel(Token("registry_admin", null)));
        await registry.UpsertProviderAsync(new UpsertProviderRequest
        {
            Provider = new Provider { Agb = "75000001", Name = "Thuiszorg Proef", BasePc4 = "1071", ServedPc4S = { "1071" }, Qualifications = new Qualifications() },
        }, cancellationToken: Ct);
        var capacity = new CapacityService.CapacityServiceClient(_app.CreateChannel(Token("provider", "75000001")));
        var request = new UpdateCapacityRequest { Agb = "75000001" };
        for (var i = 0; i < 10_000; i++)
            request.Figures.Add(new SetCapacityRequest { Pc4 = "1071", CareType = CareType.DistrictNursing, FreePlaces = -1, Version = i + 1 });

        var e = await Assert.ThrowsAsync<RpcException>(() => capacity.UpdateCapacityAsync(request, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var size = e.Trailers.Sum(t => t.Key.Length + (t.IsBinary ? t.ValueBytes.Length : t.Value.Length));
        Assert.True(size < FewKilobytes, $"trailers of {size} bytes");
        var details = e.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>();
        Assert.Equal(InputErrors.MaxViolations, details.FieldViolations.Count);
        Assert.Contains("more", e.Status.Detail);
    }
}
