using Google.Rpc;
using Grpc.Core;

namespace Capacity.Service.Shared;

/// <summary>
/// Collects what is wrong with a request, field by field, so that one answer names every bad
/// field. Becomes INVALID_ARGUMENT with a google.rpc.BadRequest detail (gRPC), a per-item status
/// (bulk streams) or a HubException (SignalR). Validation runs before anything is written, so a
/// rejected request stores nothing. The answer is bounded whatever the request held: at most
/// <see cref="MaxViolations"/> violations in the details (the rest counted), each field name and
/// description cut to a few hundred characters with their full length named, and a message of at
/// most <see cref="MaxMessage"/> characters — a few KB in all, well under the 64 KB a standard
/// client accepts in trailers. Every violation carries a code of <see cref="Reasons"/> (the
/// signature leaves no way to forget it), so that a client can say it in its own language.
/// </summary>
public sealed class InputErrors
{
    public const int MaxViolations = 20;
    public const int MaxFieldLength = 100;
    public const int MaxDescriptionLength = 240;
    public const int MaxMessage = 1_000;

    readonly List<BadRequest.Types.FieldViolation> _violations = [];
    int _count;

    public bool Any => _violations.Count > 0;

    public IReadOnlyList<BadRequest.Types.FieldViolation> Violations => _violations;

    /// <param name="reason">A code of <see cref="Reasons"/>.</param>
    public InputErrors Add(string field, string reason, string description)
    {
        _count++;
        if (_violations.Count < MaxViolations)
            _violations.Add(new BadRequest.Types.FieldViolation { Field = Cut(field, MaxFieldLength), Reason = reason, Description = Cut(description, MaxDescriptionLength) });
        return this;
    }

    /// <summary>A free text's problem (<see cref="FreeText"/>, <see cref="Security.InformationBoundary"/>) with its code.</summary>
    public InputErrors Add(string field, (string Reason, string Description) problem) => Add(field, problem.Reason, problem.Description);

    /// <summary>How many violations were found, including those beyond <see cref="MaxViolations"/>.</summary>
    public int Count => _count;

    /// <summary><paramref name="text"/> as it is, or its start and how long it was (a long bad value is not echoed back).</summary>
    public static string Cut(string text, int max) =>
        text.Length <= max ? text : $"{text[..(max - 24)]}… ({text.Length:N0} characters)";

    /// <summary>Adds another set's violations with their fields nested under <paramref name="prefix"/>.</summary>
    public InputErrors AddNested(string prefix, InputErrors inner)
    {
        foreach (var v in inner._violations) Add($"{prefix}.{v.Field}", v.Reason, v.Description);
        _count += inner._count - inner._violations.Count; // counted, not listed
        return this;
    }

    public bool Has(string field) => _violations.Exists(v => v.Field == field);

    public string Message
    {
        get
        {
            var listed = string.Join("; ", _violations.Select(v => $"{v.Field} [{v.Reason}]: {v.Description}"));
            // How many more is said even when the listed part is cut.
            var more = _count > _violations.Count ? $"; and {_count - _violations.Count:N0} more" : "";
            return Cut(listed, MaxMessage - more.Length) + more;
        }
    }

    public Google.Rpc.Status ToStatus() => new()
    {
        Code = (int)Code.InvalidArgument,
        Message = Message,
        Details = { Google.Protobuf.WellKnownTypes.Any.Pack(new BadRequest { FieldViolations = { _violations } }) },
    };

    public RpcException ToException() => ToStatus().ToRpcException();

    /// <summary>Throws INVALID_ARGUMENT if anything was added.</summary>
    public void ThrowIfAny()
    {
        if (Any) throw ToException();
    }

    public static RpcException Single(string field, string reason, string description) => new InputErrors().Add(field, reason, description).ToException();

    public static RpcException Single(string field, (string Reason, string Description) rule) => Single(field, rule.Reason, rule.Description);

    public static Google.Rpc.Status Ok { get; } = new() { Code = (int)Code.Ok };
}
