using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Collections.Frozen;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Capacity.Service.Shared;

/// <summary>
/// A unary gRPC request whose body is not a valid message of the method's request type answers
/// INVALID_ARGUMENT, logged once at information level. Left to grpc-dotnet it would be UNKNOWN
/// ("Exception was thrown by handler") with a stack trace at error level — a log any caller can
/// fill. Runs after authentication and authorization (an anonymous caller is refused before its
/// body is read) and looks at the body without consuming it: the gRPC handler reads the same
/// bytes again. Compressed bodies and streams are left to grpc-dotnet.
/// </summary>
public static class UndecodableRequests
{
    const int FrameHeader = 5; // compressed flag + 4-byte length

    static readonly FrozenDictionary<string, MessageDescriptor> RequestTypes = typeof(V1.Referral).Assembly.GetTypes()
        .Select(t => t.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null))
        .OfType<FileDescriptor>()
        .SelectMany(f => f.Services)
        .SelectMany(s => s.Methods.Where(m => !m.IsClientStreaming).Select(m => KeyValuePair.Create($"/{s.FullName}/{m.Name}", m.InputType)))
        .ToFrozenDictionary();

    public static IApplicationBuilder UseUndecodableRequestCheck(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>() is { } grpc
            && RequestTypes.TryGetValue(grpc.Method.FullName, out var type)
            && context.Request.ContentType is "application/grpc" or "application/grpc+proto"
            && context.Request.Headers["grpc-encoding"] is { Count: 0 } or ["identity"]
            && await FindProblemAsync(context, type) is { } problem)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UndecodableRequests).FullName!);
            logger.LogInformation("Refused an undecodable {Method} request from {Caller}: {Problem}",
                grpc.Method.FullName, context.User.FindFirst("sub")?.Value ?? "anonymous", problem);
            // A trailers-only answer, as grpc-dotnet writes one.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)StatusCode.InvalidArgument).ToString();
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString($"The request is not a valid {type.FullName} message: {problem}.");
            return;
        }
        await next(context);
    });

    /// <summary>Null when the body is one well-formed message (or too large to look at here: the handler refuses that); else what is wrong.</summary>
    static async Task<string?> FindProblemAsync(HttpContext context, MessageDescriptor type)
    {
        var max = context.RequestServices.GetRequiredService<IOptions<GrpcServiceOptions>>().Value.MaxReceiveMessageSize ?? 4 * 1024 * 1024;
        var reader = context.Request.BodyReader;
        while (true)
        {
            ReadResult read;
            try
            {
                read = await reader.ReadAsync(context.RequestAborted);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                return null; // the client went away: the handler sees it too and ends the call quietly
            }
            var buffer = read.Buffer;
            string? problem = null;
            var done = true;
            if (buffer.Length < FrameHeader)
            {
                if (read.IsCompleted) problem = buffer.Length == 0 ? "the body is empty" : "the body ends inside the message header";
                else done = false;
            }
            else
            {
                var (compressed, length) = Header(buffer);
                if (compressed || length > max) problem = null; // compressed, or too large: the handler's answer
                else if (buffer.Length >= FrameHeader + length) problem = Parse(type, buffer.Slice(FrameHeader, length));
                else if (read.IsCompleted) problem = $"the body ends after {buffer.Length - FrameHeader} of the message's {length} bytes";
                else done = false;
            }
            reader.AdvanceTo(buffer.Start, buffer.End); // looked at, not consumed
            if (done) return problem;
        }
    }

    static (bool Compressed, uint Length) Header(ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[FrameHeader];
        buffer.Slice(0, FrameHeader).CopyTo(header);
        return (header[0] != 0, BinaryPrimitives.ReadUInt32BigEndian(header[1..]));
    }

    static string? Parse(MessageDescriptor type, ReadOnlySequence<byte> message)
    {
        try
        {
            type.Parser.ParseFrom(message);
            return null;
        }
        catch (InvalidProtocolBufferException e)
        {
            return e.Message.TrimEnd('.');
        }
    }
}
