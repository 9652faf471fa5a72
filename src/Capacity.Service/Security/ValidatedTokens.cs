using System.Collections.Concurrent;
using Microsoft.IdentityModel.Tokens;

namespace Capacity.Service.Security;

/// <summary>
/// Remembers each bearer token the wrapped handler found valid, by its exact string, so that a
/// caller's next calls with the same token skip parsing, the signature and building its claims
/// again: that full validation was most of what the security layer cost an empty call
/// (docs/SECURITY.md, "Validated tokens"). What is remembered is the wrapped handler's own result
/// for that very string; a token that differs in one character is another key and is validated in
/// full, and a token that failed is never remembered. An entry is answered only until the token's
/// <c>exp</c> (without the validator's clock skew: from then on the full validation decides again)
/// and at most <see cref="MaxAge"/> after it was validated, so a signing key the authority rotates
/// out stops being trusted within that time. At most <see cref="Capacity"/> tokens are kept: when
/// full, expired entries are dropped, and if none expired, all are.
/// </summary>
/// <param name="time">The real clock, as the wrapped validator uses (not a test's fake clock of the domain).</param>
public sealed class ValidatedTokens(TokenHandler inner, TimeProvider time, int capacity = ValidatedTokens.DefaultCapacity) : TokenHandler
{
    /// <summary>Signed-in callers per instance are in the hundreds; a token with its claims takes a few kilobytes.</summary>
    public const int DefaultCapacity = 4096;

    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    sealed record Entry(TokenValidationResult Result, DateTimeOffset Until);

    readonly ConcurrentDictionary<string, Entry> _valid = new(StringComparer.Ordinal);

    public int Capacity => capacity;

    /// <summary>How many tokens are remembered now (for tests).</summary>
    public int Count => _valid.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        var now = time.GetUtcNow();
        if (_valid.TryGetValue(token, out var known))
        {
            if (now < known.Until) return known.Result;
            _valid.TryRemove(KeyValuePair.Create(token, known));
        }
        var result = await inner.ValidateTokenAsync(token, validationParameters);
        // ValidTo is MinValue for a token without exp (the validator refuses those: RequireExpirationTime).
        if (result is { IsValid: true, SecurityToken: { ValidTo: var validTo } } && validTo > DateTime.MinValue)
        {
            var expires = new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc));
            var until = expires < now + MaxAge ? expires : now + MaxAge;
            if (until > now) Remember(token, new Entry(result, until), now);
        }
        return result;
    }

    void Remember(string token, Entry entry, DateTimeOffset now)
    {
        // Only after a full validation, which costs far more than counting.
        if (_valid.Count >= capacity)
        {
            foreach (var (key, old) in _valid)
                if (old.Until <= now) _valid.TryRemove(KeyValuePair.Create(key, old));
            if (_valid.Count >= capacity) _valid.Clear();
        }
        _valid[token] = entry;
    }

    // Only validation is asked of this handler: JwtBearerHandler calls ValidateTokenAsync(string, parameters).
    public override SecurityToken ReadToken(string token) => inner.ReadToken(token);
}
