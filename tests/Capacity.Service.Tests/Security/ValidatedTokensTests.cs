using Capacity.Service.Security;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Capacity.Service.Tests.Security;

/// <summary>
/// The cache of validated tokens never accepts what the full validation would refuse: a tampered,
/// foreign, expired or wrongly addressed token, or a remembered one past its exp or its maximum age.
/// The validator's lifetime check runs on the same fake clock as the cache, so time can pass.
/// </summary>
public sealed class ValidatedTokensTests
{
    const string Issuer = "capacity-test", Audience = "capacity";
    static readonly string Key = DevTokens.NewSigningKey();

    readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    readonly Counting _inner = new();
    readonly ValidatedTokens _tokens;

    public ValidatedTokensTests() => _tokens = new ValidatedTokens(_inner, _time, capacity: 3);

    TokenValidationParameters Parameters(string key = "") => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        IssuerSigningKey = new SymmetricSecurityKey(Convert.FromBase64String(key is "" ? Key : key)),
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        ClockSkew = TimeSpan.Zero,
        // Lifetime on the test's clock, as the cache's.
        LifetimeValidator = (notBefore, expires, _, _) => (notBefore is null || notBefore <= _time.GetUtcNow().UtcDateTime) && expires > _time.GetUtcNow().UtcDateTime,
    };

    string Token(string subject = "nurse-1", TimeSpan? lifetime = null, string issuer = Issuer, string audience = Audience, string key = "") =>
        DevTokens.Issue(new DevIdentity(subject, "requester", "hospital-a"), issuer, audience, key is "" ? Key : key, lifetime, _time.GetUtcNow().UtcDateTime);

    Task<TokenValidationResult> Validate(string token) => _tokens.ValidateTokenAsync(token, Parameters());

    [Fact]
    public async Task AValidTokenIsValidatedInFullOnceAndThenRemembered()
    {
        var token = Token();

        var first = await Validate(token);
        var second = await Validate(token);

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal("nurse-1", second.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal(1, _inner.Calls);
    }

    [Fact]
    public async Task ATamperedTokenIsRefusedAfterTheGenuineOneWasRemembered()
    {
        var genuine = Token();
        Assert.True((await Validate(genuine)).IsValid);
        var parts = genuine.Split('.');
        // Another subject in the payload with the genuine signature; the genuine payload with a changed signature.
        var otherPayload = Base64UrlEncoder.Encode(Base64UrlEncoder.Decode(parts[1]).Replace("nurse-1", "nurse-2"));
        var signature = parts[2][..^2] + (parts[2][^2] == 'A' ? "B" : "A") + parts[2][^1];

        Assert.False((await Validate($"{parts[0]}.{otherPayload}.{parts[2]}")).IsValid);
        Assert.False((await Validate($"{parts[0]}.{parts[1]}.{signature}")).IsValid);
        Assert.False((await Validate($"{parts[0]}.{parts[1]}.")).IsValid);
        Assert.Equal(1, _tokens.Count);
    }

    [Fact]
    public async Task TokensOfAnotherKeyIssuerOrAudienceAreRefusedAndNotRemembered()
    {
        Assert.False((await Validate(Token(key: DevTokens.NewSigningKey()))).IsValid);
        Assert.False((await Validate(Token(issuer: "someone-else"))).IsValid);
        Assert.False((await Validate(Token(audience: "another-service"))).IsValid);
        Assert.Equal(0, _tokens.Count);
    }

    [Fact]
    public async Task AnExpiredTokenIsRefusedAndNotRemembered()
    {
        var token = Token(lifetime: TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.False((await Validate(token)).IsValid);
        Assert.Equal(0, _tokens.Count);
    }

    [Fact]
    public async Task ARememberedTokenIsRefusedOnceItExpires()
    {
        var token = Token(lifetime: TimeSpan.FromMinutes(2));
        Assert.True((await Validate(token)).IsValid);
        Assert.True((await Validate(token)).IsValid);

        _time.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));

        Assert.False((await Validate(token)).IsValid);
        Assert.Equal(2, _inner.Calls);
    }

    [Fact]
    public async Task ARememberedTokenIsValidatedInFullAgainAfterTheMaximumAge()
    {
        var token = Token(lifetime: TimeSpan.FromHours(8));
        Assert.True((await Validate(token)).IsValid);

        _time.Advance(ValidatedTokens.MaxAge);
        Assert.True((await Validate(token)).IsValid);

        Assert.Equal(2, _inner.Calls);
        // And with a key that no longer matches (rotated out), the full validation refuses it.
        _time.Advance(ValidatedTokens.MaxAge);
        Assert.False((await _tokens.ValidateTokenAsync(token, Parameters(DevTokens.NewSigningKey()))).IsValid);
    }

    [Fact]
    public async Task NoMoreTokensAreKeptThanTheCapacity()
    {
        for (var i = 0; i < 5; i++) Assert.True((await Validate(Token($"nurse-{i}"))).IsValid);

        Assert.InRange(_tokens.Count, 1, _tokens.Capacity);
        Assert.True((await Validate(Token("nurse-0"))).IsValid);
    }

    /// <summary>The real validator, counting how often it is asked.</summary>
    sealed class Counting : TokenHandler
    {
        readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
        int _calls;

        public int Calls => _calls;

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Interlocked.Increment(ref _calls);
            return _handler.ValidateTokenAsync(token, validationParameters);
        }
    }
}
