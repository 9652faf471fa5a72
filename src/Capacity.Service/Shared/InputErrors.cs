using Google.Rpc;
using Grpc.Core;

namespace Capacity.Service.Shared;

/// <summary>
/// Collects what is wrong with a request, field by field, so that one answer names every bad
/// field. Becomes INVALID_ARGUMENT with a google.rpc.BadRequest detail (gRPC), a per-item status
/// (bulk streams) or a HubException (SignalR). Validation runs before anything is written, so a
/// rejected request stores nothing.
/// </summary>
public sealed class InputErrors
{
    readonly List<BadRequest.Types.FieldViolation> _violations = [];

    public bool Any => _violations.Count > 0;

    public IReadOnlyList<BadRequest.Types.FieldViolation> Violations => _violations;

    public InputErrors Add(string field, string description)
    {
        _violations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return this;
    }

    /// <summary>Adds another set's violations with their fields nested under <paramref name="prefix"/>.</summary>
    public InputErrors AddNested(string prefix, InputErrors inner)
    {
        foreach (var v in inner._violations) Add($"{prefix}.{v.Field}", v.Description);
        return this;
    }

    public bool Has(string field) => _violations.Exists(v => v.Field == field);

    public string Message => string.Join("; ", _violations.Select(v => $"{v.Field}: {v.Description}"));

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

    public static RpcException Single(string field, string description) => new InputErrors().Add(field, description).ToException();

    public static Google.Rpc.Status Ok { get; } = new() { Code = (int)Code.Ok };
}
