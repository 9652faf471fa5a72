using Capacity.Service.Shared;
using Google.Rpc;
using Grpc.Core;

namespace Capacity.Service.Tests.Infrastructure;

public static class RpcAssertions
{
    /// <summary>The google.rpc.BadRequest detail of an INVALID_ARGUMENT answer; every violation carries a known reason code.</summary>
    public static BadRequest BadRequest(this RpcException e)
    {
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var status = e.GetRpcStatus() ?? throw new Xunit.Sdk.XunitException("No google.rpc.Status in the trailers");
        var bad = status.GetDetail<BadRequest>() ?? throw new Xunit.Sdk.XunitException("No BadRequest detail");
        Assert.All(bad.FieldViolations, v => Assert.Contains(v.Reason, Reasons.All));
        return bad;
    }

    /// <summary>Asserts INVALID_ARGUMENT naming exactly these fields.</summary>
    public static async Task<BadRequest> AssertInvalidAsync(Func<Task> call, params string[] fields)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        var bad = e.BadRequest();
        Assert.Equal(fields.Order(), bad.FieldViolations.Select(v => v.Field).Distinct().Order());
        return bad;
    }

    /// <summary>Asserts INVALID_ARGUMENT with exactly these violations, each field with its reason code.</summary>
    public static async Task<BadRequest> AssertReasonsAsync(Func<Task> call, params (string Field, string Reason)[] expected)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        var bad = e.BadRequest();
        Assert.Equal(expected.Select(x => $"{x.Field} [{x.Reason}]").Order(), bad.FieldViolations.Select(v => $"{v.Field} [{v.Reason}]").Distinct().Order());
        return bad;
    }

    /// <summary>The google.rpc.ErrorInfo of a refusal that concerns no one field (domain capacity.v1).</summary>
    public static ErrorInfo ErrorInfo(this RpcException e)
    {
        var status = e.GetRpcStatus() ?? throw new Xunit.Sdk.XunitException($"No google.rpc.Status in the trailers of {e.StatusCode}: {e.Status.Detail}");
        var info = status.GetDetail<ErrorInfo>() ?? throw new Xunit.Sdk.XunitException($"No ErrorInfo detail in {e.StatusCode}: {e.Status.Detail}");
        Assert.Equal(Reasons.Domain, info.Domain);
        return info;
    }

    /// <summary>Asserts a refusal with this status code and reason.</summary>
    public static async Task<RpcException> AssertRefusedAsync(Func<Task> call, StatusCode code, string reason)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, e.StatusCode);
        Assert.Equal(reason, e.ErrorInfo().Reason);
        return e;
    }
}
