using Google.Rpc;
using Grpc.Core;

namespace Capacity.Service.Tests.Infrastructure;

public static class RpcAssertions
{
    /// <summary>The google.rpc.BadRequest detail of an INVALID_ARGUMENT answer.</summary>
    public static BadRequest BadRequest(this RpcException e)
    {
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var status = e.GetRpcStatus() ?? throw new Xunit.Sdk.XunitException("No google.rpc.Status in the trailers");
        return status.GetDetail<BadRequest>() ?? throw new Xunit.Sdk.XunitException("No BadRequest detail");
    }

    /// <summary>Asserts INVALID_ARGUMENT naming exactly these fields.</summary>
    public static async Task<BadRequest> AssertInvalidAsync(Func<Task> call, params string[] fields)
    {
        var e = await Assert.ThrowsAsync<RpcException>(call);
        var bad = e.BadRequest();
        Assert.Equal(fields.Order(), bad.FieldViolations.Select(v => v.Field).Distinct().Order());
        return bad;
    }
}
